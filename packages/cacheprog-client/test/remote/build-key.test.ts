import { describe, expect, it } from "vitest";
import { buildKey, keyArgs } from "../../src/remote/build-key.ts";

const env = { GOOS: "linux", GOARCH: "amd64" };
const key = (goArgs: string[]) => buildKey({ env, cwd: "/src/app", goArgs }).toString("hex");

describe("the go command line in a build key", () => {
  it("leaves out output paths, printing flags and a build's -ldflags, which change no ID go asks for", () => {
    // dlv debug's random output name.
    expect(key(["build", "-o", "/src/app/__debug_bin1845309", "-gcflags", "all=-N -l", "."])).toBe(
      key(["build", "-o", "/src/app/__debug_bin2977160", "-gcflags", "all=-N -l", "."]),
    );
    // A build date stamped with -X (goreleaser's default): only the link sees it.
    expect(key(["build", "-ldflags", "-s -w -X main.date=2025-01-01T10:00:00Z", "-o", "dist/app", "./cmd/app"])).toBe(
      key(["build", "-ldflags=-s -w -X main.date=2025-01-02T09:12:31Z", "-o=dist/other", "./cmd/app"]),
    );
    expect(key(["test", "-coverprofile=/tmp/cover-1234.out", "./..."])).toBe(
      key(["test", "-coverprofile", "/tmp/cover-9876.out", "./..."]),
    );
    expect(key(["build", "-x", "-v", "./..."])).toBe(key(["build", "./..."]));
    expect(keyArgs(["-C", "sub", "build", "-ldflags", "-X a=b", "-o", "out", "-tags", "netgo", "./..."])).toEqual([
      "-C",
      "sub",
      "build",
      "-o",
      "-tags",
      "netgo",
      "./...",
    ]);
  });

  it("keeps what changes the IDs: packages, tags, compiler flags, -race, a test's -ldflags", () => {
    const base = key(["build", "./..."]);
    for (const args of [
      ["build", "./cmd/..."],
      ["build", "-tags", "netgo", "./..."],
      ["build", "-gcflags=all=-N", "./..."],
      ["build", "-race", "./..."],
    ]) {
      expect(key(args), args.join(" ")).not.toBe(base);
    }
    // Workspace mode or not changes the build list.
    expect(buildKey({ env: { ...env, GOWORK: "off" }, cwd: "/src/app", goArgs: ["build", "./..."] }).toString("hex")).not.toBe(base);
    // -o makes go link what it would discard; -coverprofile turns coverage on: their presence counts.
    expect(key(["build", "-o", "bin/", "./..."])).not.toBe(base);
    expect(key(["test", "-coverprofile=c.out", "./..."])).not.toBe(key(["test", "./..."]));
    // go test keys its results on -v and -json (test2json).
    expect(key(["test", "-v", "./..."])).not.toBe(key(["test", "./..."]));
    // A test binary's ID keys its cached results, and -ldflags is part of it.
    expect(key(["test", "-ldflags", "-X a=1", "./..."])).not.toBe(key(["test", "-ldflags", "-X a=2", "./..."]));
  });
});

describe("build keys", () => {
  it("depend on the directory, the go command line and the target, and GOCACHEPROG_KEY replaces them", () => {
    const base = { env: { GOOS: "linux", GOARCH: "amd64" }, cwd: "/src/app", goArgs: ["build", "./..."] };
    const key = buildKey(base);
    expect(key).toHaveLength(32);
    expect(buildKey(base)).toEqual(key);
    expect(buildKey({ ...base, cwd: "/src/other" })).not.toEqual(key);
    expect(buildKey({ ...base, goArgs: ["test", "./..."] })).not.toEqual(key);
    expect(buildKey({ ...base, env: { GOOS: "linux", GOARCH: "arm64" } })).not.toEqual(key);
    expect(buildKey({ ...base, env: { ...base.env, PATH: "/elsewhere", HOME: "/home/ci" } })).toEqual(key);
    expect(buildKey({ ...base, override: "repo-linux" })).toEqual(buildKey({ env: {}, cwd: "/", override: "repo-linux" }));
  });
});
