import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { clientDirFrom, defaultCacheDir } from "../../src/local/paths.ts";

/**
 * go copies a cached file it installs (`go build -o x.a ./lib`) only when its path starts with GOCACHE
 * as go spells it (work/shell.go, moveOrCopyFile: strings.HasPrefix, GOCACHE uncleaned); any other
 * DiskPath it renames away. The e2e side: test/local-tier-sharing.test.ts.
 */
describe("the client directory", () => {
  it("extends GOCACHE as spelled, never normalised", () => {
    for (const gocache of ["/ci/gocache", "/ci//gocache", "/ci/x/../gocache", "/ci/./gocache", "/ci/gocache/"]) {
      const dir = defaultCacheDir({ GOCACHE: gocache, HOME: "/home/u" });
      expect(dir.startsWith(gocache)).toBe(true);
      expect(dir.slice(gocache.length).replace(/^\//, "")).toBe("gocacheprog");
    }
  });

  it("falls back to go's own default GOCACHE when it is unset or off", () => {
    for (const GOCACHE of [undefined, "off"]) {
      expect(defaultCacheDir({ GOCACHE, HOME: "/home/u" })).toBe("/home/u/.cache/go-build/gocacheprog");
      expect(defaultCacheDir({ GOCACHE, XDG_CACHE_HOME: "/xdg", HOME: "/home/u" })).toBe("/xdg/go-build/gocacheprog");
    }
  });

  it("takes --dir as given when absolute, from the working directory when relative", () => {
    expect(clientDirFrom("/ci//cache", {})).toBe("/ci//cache");
    expect(clientDirFrom("cache", {})).toBe(join(process.cwd(), "cache"));
    expect(clientDirFrom(undefined, { GOCACHE: "/g" })).toBe("/g/gocacheprog");
  });
});
