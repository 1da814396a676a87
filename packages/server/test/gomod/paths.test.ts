import { describe, expect, it } from "vitest";
import {
  canonicalVersion,
  check,
  checkFilePath,
  checkImportPath,
  checkPath,
  escapePath,
  escapeVersion,
  isImmutableVersion,
  splitPathVersion,
  unescapePath,
  unescapeVersion,
} from "../../src/gomod/paths.ts";
import * as semver from "../../src/gomod/semver.ts";

const ok = (fn: () => void) => {
  try {
    fn();
    return true;
  } catch {
    return false;
  }
};

// Cases from golang.org/x/mod/module's own tests, with the answers of the x/mod that Go 1.26 vendors
// (it allows a leading dot in import paths and a leading dash in file paths, and no '+' in module
// paths): [path, module ok, import ok, file ok].
const PATHS: [string, boolean, boolean, boolean][] = [
  ["x.y/z", true, true, true],
  ["x.y", true, true, true],
  ["", false, false, false],
  ["x.y/\uD800z", false, false, false],
  ["/x.y/z", false, false, false],
  ["x./z", false, false, false],
  [".x/z", false, true, true],
  ["-x/z", false, false, true],
  ["x..y/z", true, true, true],
  ["x.y/z/../../w", false, false, false],
  ["x.y//z", false, false, false],
  ["x.y/z//w", false, false, false],
  ["x.y/z/", false, false, false],
  ["x.y/z/v0", false, true, true],
  ["x.y/z/v1", false, true, true],
  ["x.y/z/v2", true, true, true],
  ["x.y/z/v2.0", false, true, true],
  ["X.y/z", false, true, true],
  ["!x.y/z", false, false, true],
  ["_x.y/z", false, true, true],
  ["x.y!/z", false, false, true],
  ['x.y"/z', false, false, false],
  ["x.y%/z", false, false, true],
  ["x.y+/z", false, true, true],
  ["x.y-/z", true, true, true],
  ["x.y./zt", false, false, false],
  ["x.y:/z", false, false, false],
  ["x.y@/z", false, false, true],
  ["x.y\\/z", false, false, false],
  ["x.y~/z", false, true, true],
  ["x.y/z+", false, true, true],
  ["x.y/z~", true, true, true],
  ["x.y/x.foo", true, true, true],
  ["x.y/aux.foo", false, false, false],
  ["x.y/prn", false, false, false],
  ["x.y/prn2", true, true, true],
  ["x.y/com1", false, false, false],
  ["x.y/calm1", true, true, true],
  ["x.y/z~1", false, false, true],
  ["github.com/!123/logrus", false, false, true],
  ["github.com/user/unicode/испытание", false, false, true],
  ["../x", false, false, false],
  ["./y", false, false, false],
  ["x:y", false, false, false],
  [".gitignore", false, true, true],
  ["x☺y", false, false, false],
];

describe("module paths by go's rules", () => {
  it.each(PATHS)("%j: module %s, import %s, file %s", (path, module, imp, file) => {
    expect([ok(() => checkPath(path)), ok(() => checkImportPath(path)), ok(() => checkFilePath(path))]).toEqual([module, imp, file]);
  });

  it("splits the major-version suffix", () => {
    expect(splitPathVersion("x.y/z/v3")).toEqual({ prefix: "x.y/z", pathMajor: "/v3", ok: true });
    expect(splitPathVersion("gopkg.in/yaml.v3")).toEqual({ prefix: "gopkg.in/yaml", pathMajor: ".v3", ok: true });
    expect(splitPathVersion("gopkg.in/yaml.v0")).toEqual({ prefix: "gopkg.in/yaml", pathMajor: ".v0", ok: true });
    expect(splitPathVersion("gopkg.in/yaml.v0-unstable").ok).toBe(false);
    expect(splitPathVersion("gopkg.in/yaml").ok).toBe(false);
    expect(splitPathVersion("x.y/v").pathMajor).toBe("");
  });

  it.each([
    ["rsc.io/quote", "0.1.0", false],
    ["github.com/go-yaml/yaml", "v1.0.0", true],
    ["github.com/go-yaml/yaml", "v2.0.0", false],
    ["github.com/go-yaml/yaml/v2", "v1.0.0", false],
    ["github.com/go-yaml/yaml/v2", "v2.1.5", true],
    ["gopkg.in/yaml.v0", "v0.8.0", true],
    ["gopkg.in/yaml.v1", "v0.8.0", false],
    ["gopkg.in/check.v1", "v0.0.0-20160102150405-abcdef123456", true],
    ["gopkg.in/yaml.v2", "v2.1.5", true],
    ["rsc.io/quote", "v17.0.0", false],
    ["rsc.io/quote", "v17.0.0+incompatible", true],
  ])("Check(%j, %j) = %s", (path, version, want) => {
    expect(ok(() => check(path, version))).toBe(want);
  });

  it("case-encodes upper-case letters with '!' and refuses every other spelling", () => {
    expect(escapePath("github.com/GoogleCloudPlatform/omega")).toBe("github.com/!google!cloud!platform/omega");
    expect(unescapePath("github.com/!google!cloud!platform/omega")).toBe("github.com/GoogleCloudPlatform/omega");
    expect(escapePath("ascii.com/abcdefghijklmnopqrstuvwxyz.-/~_0123456789")).toBe("ascii.com/abcdefghijklmnopqrstuvwxyz.-/~_0123456789");
    for (const bad of [
      "github.com/GoogleCloudPlatform/omega",
      "github.com/!google!cloud!platform!/omega",
      "github.com/!0google!cloud!platform/omega",
      "github.com/!_google!cloud!platform/omega",
      "github.com/!!google!cloud!platform/omega",
      "",
      "x.y/../etc",
      "x.y/ä",
    ]) {
      expect(() => unescapePath(bad), bad).toThrow(/invalid escaped module path/);
    }
    expect(escapeVersion("v1.0.0-RC1")).toBe("v1.0.0-!r!c1");
    expect(unescapeVersion("v1.0.0-!r!c1")).toBe("v1.0.0-RC1");
    for (const bad of ["v1.0.0-RC1", "../v1", "v1/x", "", "v1.0!"]) expect(() => unescapeVersion(bad), bad).toThrow();
    expect(() => escapeVersion("v1!")).toThrow();
  });
});

describe("versions", () => {
  it("follows go's semver, not npm's", () => {
    for (const v of ["v1", "v1.2", "v1.2.3", "v1.2.3-pre.1", "v1.2.3+meta", "v0.0.0-20191109021931-daa7c04131f5", "v2.0.0+incompatible"]) {
      expect(semver.isValid(v), v).toBe(true);
    }
    for (const v of [
      "1.2.3",
      "v01.2.3",
      "v1.02.3",
      "v1.2.03",
      "v1.2.3-01",
      "v1.2.3-",
      "v1.2.3+",
      "v1.2.3-a..b",
      "v1.2-pre",
      "latest",
      "v1.2.3.4",
    ]) {
      expect(semver.isValid(v), v).toBe(false);
    }
    expect([semver.canonical("v1"), semver.canonical("v1.2"), semver.canonical("v1.2.3+meta")]).toEqual(["v1.0.0", "v1.2.0", "v1.2.3"]);
    expect(canonicalVersion("v2.0.0+incompatible")).toBe("v2.0.0+incompatible");
  });

  it("calls only canonical versions that fit the path immutable", () => {
    expect(isImmutableVersion("x.y/z", "v1.2.3")).toBe(true);
    expect(isImmutableVersion("x.y/z", "v0.0.0-20191109021931-daa7c04131f5")).toBe(true);
    expect(isImmutableVersion("x.y/z", "v2.0.0+incompatible")).toBe(true);
    expect(isImmutableVersion("x.y/z", "v1.2")).toBe(false);
    expect(isImmutableVersion("x.y/z", "master")).toBe(false);
    expect(isImmutableVersion("x.y/z", "v1.2.3+meta")).toBe(false);
    expect(isImmutableVersion("x.y/z/v2", "v1.2.3")).toBe(false);
  });
});
