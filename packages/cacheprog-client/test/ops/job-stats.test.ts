import { describe, expect, it } from "vitest";
import { goSubcommand } from "../../src/ops/job-stats.ts";

describe("goSubcommand", () => {
  it("finds the subcommand after go's global flags, not among its own flags or packages", () => {
    expect(goSubcommand(["build", "./..."])).toBe("build");
    expect(goSubcommand(["-x", "-v=1", "test", "-run", "TestX", "./pkg"])).toBe("test");
    expect(goSubcommand(["vet", "-json"])).toBe("vet");
    expect(goSubcommand(["-C", "sub/dir", "build", "."])).toBe("build");
    expect(goSubcommand(["-C=sub", "test"])).toBe("test");
  });

  it("is undefined when go was asked nothing or its arguments are unknown", () => {
    expect(goSubcommand([])).toBeUndefined();
    expect(goSubcommand(["-h"])).toBeUndefined();
    expect(goSubcommand(["-C", "dir"])).toBeUndefined();
    expect(goSubcommand(undefined)).toBeUndefined();
  });
});
