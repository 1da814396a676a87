import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import * as nodeModule from "node:module";
import { tmpdir } from "node:os";
import { join, sep } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { clientOptionDefs } from "../src/ops/config.ts";
import { encodeHandshake } from "../src/protocol/wire.ts";
import { BIN, buildBin, closeRequest, getRequest, idOf, listFiles, PACKAGE_DIR, putRequest, runBin } from "./helpers.ts";

let dir: string;

beforeAll(() => buildBin());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "gocacheprog-cli-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("gocacheprog command line", () => {
  it("--help lists every option with its environment twin and writes no protocol output", async () => {
    const done = await runBin({}, "", ["--help"]);
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(/^gocacheprog: /);
    for (const def of Object.values(clientOptionDefs)) {
      expect(done.stdout).toContain(`--${def.flag}`);
      expect(done.stdout).toContain(`env: ${def.env}`);
    }
    const version = await runBin({}, "", ["--version"]);
    expect(version.stdout).toMatch(/^gocacheprog \d+\.\d+\.\d+\n$/);
  });

  it("rejects a bad setting at start, naming the variable, and answers nothing (go then stops, printing it)", async () => {
    const done = await runBin({ GOCACHEPROG_DIR: dir, GOCACHEPROG_MAX_AGE: "soon" }, getRequest(1, idOf("a")));
    expect(done.code).toBe(2);
    expect(done.stderr).toMatch(/GOCACHEPROG_MAX_AGE "soon": expected a duration/);
    // The bin's launcher sends the handshake before the bundle reads any setting; no request is answered.
    expect(done.stdout).toBe(encodeHandshake());
    expect(await listFiles(dir)).toEqual([]);
  });

  it("refuses a Go-style single-dash flag (-token=...) without echoing its value, which may be a secret", async () => {
    const done = await runBin({ GOCACHEPROG_DIR: dir }, getRequest(1, idOf("a")), ["-token=supersecret"]);
    expect(done.code).toBe(2);
    expect(done.stderr).toContain('unexpected argument "-token=…"');
    expect(done.stderr).not.toContain("supersecret");
    expect(done.responses.filter((r) => r.ID === 1)).toEqual([]);
    const spaced = await runBin({ GOCACHEPROG_DIR: dir }, "", ["-token", "supersecret"]);
    expect(spaced.code).toBe(2);
    expect(spaced.stderr).not.toContain("supersecret");
    const warm = await runBin({ GOCACHEPROG_DIR: dir }, "", ["warm", "-token=supersecret"]);
    expect(warm.code).toBe(2);
    expect(warm.stderr).toContain('unexpected argument "-token=…"');
    expect(warm.stderr).not.toContain("supersecret");
  });

  it("still takes --token, with one warning on stderr that names what to use instead and not the token", async () => {
    const warning =
      "gocacheprog: warn: --token on the command line is readable by every local user (ps, /proc/PID/cmdline): set GOCACHEPROG_TOKEN or use --token-file instead";
    const input = putRequest(1, idOf("a"), Buffer.from("x")) + closeRequest(2);
    const done = await runBin({ GOCACHEPROG_DIR: dir }, input, ["--token", "supersecret"]);
    expect(done.code).toBe(0);
    expect(done.stderr.split("\n").filter((line) => line.includes("--token"))).toEqual([warning]);
    expect(done.stderr).not.toContain("supersecret");
    // stdout is go's: the handshake and the two answers, nothing else.
    expect(done.responses.map((r) => r.ID)).toEqual([0, 1, 2]);
    expect(done.stdout.split("\n").filter((line) => line.trim() !== "")).toHaveLength(3);
    const warm = await runBin({ GOCACHEPROG_DIR: dir }, "", ["warm", "--token=supersecret"]);
    expect(warm.stderr.split("\n").filter((line) => line.includes("--token"))).toEqual([warning]);
    expect(warm.stderr).not.toContain("supersecret");
    const fromEnv = await runBin({ GOCACHEPROG_DIR: dir, GOCACHEPROG_TOKEN: "supersecret" }, closeRequest(1));
    expect(fromEnv.stderr).toBe("");
  });

  it("defaults to a folder under the GOCACHE go passes, so DiskPaths share its prefix", async () => {
    const gocache = join(dir, "gocache");
    const done = await runBin({ GOCACHE: gocache }, putRequest(1, idOf("a"), Buffer.from("x")));
    expect(done.responses[1]?.DiskPath?.startsWith(join(gocache, "gocacheprog") + sep)).toBe(true);
  });

  it("falls back to go's own default GOCACHE when go passes none", async () => {
    const done = await runBin({ XDG_CACHE_HOME: dir }, putRequest(1, idOf("a"), Buffer.from("x")));
    expect(done.responses[1]?.DiskPath?.startsWith(join(dir, "go-build", "gocacheprog") + sep)).toBe(true);
  });

  it("prints one stats line to stderr and appends the same numbers as one JSON line per go command", async () => {
    const body = Buffer.from("twelve bytes");
    const env = { GOCACHEPROG_DIR: join(dir, "cache"), GOCACHEPROG_STATS: "1", GOCACHEPROG_STATS_FILE: join(dir, "out", "stats.json") };
    await runBin({ GOCACHEPROG_DIR: env.GOCACHEPROG_DIR }, putRequest(1, idOf("hit"), body));
    const input =
      getRequest(1, idOf("hit")) + getRequest(2, idOf("miss")) + putRequest(3, idOf("new"), Buffer.from("abc")) + closeRequest(4);
    const done = await runBin(env, input);
    expect(done.code).toBe(0);
    const lines = done.stderr.split("\n").filter((line) => line.includes("gocacheprog stats:"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /2 gets \(1 hits, 1 misses\), 1 puts; read 0\.0 MB, wrote 0\.0 MB; \d+ ms in process, \d+ ms handling requests/,
    );

    const records = (await readFile(env.GOCACHEPROG_STATS_FILE, "utf8")).split("\n");
    expect(records).toHaveLength(2); // one record and the final newline
    expect(records[1]).toBe("");
    const stats = JSON.parse(records[0] as string);
    expect(stats).toEqual({
      version: 1,
      gets: 2,
      hits: 1,
      localHits: 1,
      remoteHits: 0,
      misses: 1,
      getErrors: 0,
      puts: 1,
      putErrors: 0,
      putBytes: 3,
      hitBytes: body.length,
      remoteHitBytes: 0,
      remoteGets: 0,
      remoteErrors: 0,
      remoteWireBytes: 0,
      remoteCorrupt: 0,
      remoteMs: 0,
      remotePrefetches: 0,
      prefetchHits: 0,
      uploads: 0,
      uploadsSkipped: 0,
      uploadsDropped: 0,
      uploadErrors: 0,
      uploadBytes: 0,
      uploadWireBytes: 0,
      uploadRequests: 0,
      warmEntries: 0,
      warmBytes: 0,
      warmUsed: 0,
      warmWasted: 0,
      manifestIds: 0,
      processMs: expect.any(Number),
      handlingMs: expect.any(Number),
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      // The parent here is node running vitest, not go: its name and first non-flag argument.
      command: expect.stringMatching(/^[\w.-]+( [a-z0-9]+)?$/),
    });
    expect(stats.processMs).toBeGreaterThan(0);

    // The next go command adds its line; the first stays as it was.
    await runBin(env, getRequest(1, idOf("other")) + closeRequest(2));
    const again = (await readFile(env.GOCACHEPROG_STATS_FILE, "utf8")).split("\n");
    expect(again).toHaveLength(3);
    expect(again[0]).toBe(records[0]);
    expect(JSON.parse(again[1] as string)).toMatchObject({ gets: 1, misses: 1, hits: 0 });
  });

  it("has written the stats file and line by the time its stdout ends (when go returns)", async () => {
    const statsFile = join(dir, "at-close.json");
    const child = spawn(BIN, [], {
      env: { ...process.env, GOCACHEPROG_DIR: join(dir, "cache"), GOCACHEPROG_STATS: "1", GOCACHEPROG_STATS_FILE: statsFile },
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const stdoutEnded = new Promise<void>((resolve) => child.stdout.on("end", resolve));
    // Listened for now: the bin may exit while the file is being read below, and a late listener never fires.
    const exited = new Promise((resolve) => child.on("exit", resolve));
    child.stdout.resume();
    child.stdin.end(getRequest(1, idOf("q")) + closeRequest(2));
    await stdoutEnded;
    // Checked before the process exits: go may already be gone, and a CI step reading the file with it.
    const atStdoutEnd = { file: await readFile(statsFile, "utf8").catch(() => "missing"), stderr };
    await exited;
    expect(JSON.parse(atStdoutEnd.file)).toMatchObject({ gets: 1, misses: 1 });
    expect(atStdoutEnd.stderr).toMatch(/gocacheprog stats: 1 gets/);
  });

  it("prints no stats unless asked", async () => {
    const done = await runBin({ GOCACHEPROG_DIR: join(dir, "cache") }, getRequest(1, idOf("x")));
    expect(done.code).toBe(0);
    expect(done.stderr).toBe("");
  });

  it("loads the remote tier (and node:http) only when a URL is set, so local-only runs start light", async () => {
    const hook = join(PACKAGE_DIR, "test", "fixtures", "report-http-load.cjs");
    const env = { GOCACHEPROG_DIR: join(dir, "cache"), NODE_OPTIONS: `--require ${JSON.stringify(hook)}` };
    const input = putRequest(1, idOf("a"), Buffer.from("x")) + getRequest(2, idOf("a")) + closeRequest(3);
    const local = await runBin(env, input);
    expect(local.code).toBe(0);
    expect(local.responses).toHaveLength(4);
    expect(local.stderr).not.toMatch(/\[test\] loaded/);
    // Nothing listens on port 1: the remote tier is loaded, its upload fails, and the build goes on.
    const remote = await runBin({ ...env, GOCACHEPROG_URL: "http://127.0.0.1:1", GOCACHEPROG_LOG: "error" }, input);
    expect(remote.code).toBe(0);
    expect(remote.stderr).toMatch(/\[test\] loaded node:http\n/);
    // An http URL never pays for TLS (node:https loads node:tls, which parses NODE_EXTRA_CA_CERTS).
    expect(remote.stderr).not.toMatch(/loaded node:(https|tls)/);
  });

  // Node 22.1+ has a compile cache (Node 20 runs the bundle as before); CI's Node 24 run covers this.
  it.runIf("enableCompileCache" in nodeModule)(
    "keeps the bundle's compiled code in Node's compile cache (the OS temp dir by default), for the next go command",
    async () => {
      const done = await runBin({ GOCACHEPROG_DIR: join(dir, "cache"), TMPDIR: dir }, closeRequest(1));
      expect(done.code).toBe(0);
      const cached = await listFiles(join(dir, "node-compile-cache"));
      expect(cached).not.toEqual([]);
      // Parallel go commands share the cache; a file cut short or overwritten must cost a compile, never the session.
      for (const file of cached) await writeFile(file, randomBytes(3000));
      const corrupt = await runBin({ GOCACHEPROG_DIR: join(dir, "cache"), TMPDIR: dir }, closeRequest(1));
      expect(corrupt.code).toBe(0);
      expect(corrupt.responses.map((r) => r.ID)).toEqual([0, 1]);
      // Node's mkdir -p spins forever under procfs; such a TMPDIR must cost the cache, not hang go.
      const proc = await runBin({ GOCACHEPROG_DIR: join(dir, "cache"), TMPDIR: "/proc/self" }, closeRequest(1));
      expect(proc.code).toBe(0);
      expect(proc.responses.map((r) => r.ID)).toEqual([0, 1]);
    },
  );

  it("evicts expired entries when go closes it, then waits for the trim interval", async () => {
    const env = { GOCACHEPROG_DIR: join(dir, "cache"), GOCACHEPROG_MAX_AGE: "2d" };
    const put = await runBin(env, putRequest(1, idOf("old"), Buffer.from("stale")));
    const stalePath = put.responses[1]?.DiskPath as string;
    const tenDaysAgo = (Date.now() - 10 * 86400e3) / 1000;
    for (const file of await listFiles(env.GOCACHEPROG_DIR)) await utimes(file, tenDaysAgo, tenDaysAgo);

    const done = await runBin(env, getRequest(1, idOf("other")) + closeRequest(2));
    expect(done.code).toBe(0);
    expect(await listFiles(env.GOCACHEPROG_DIR)).toEqual([join(env.GOCACHEPROG_DIR, "trim.txt")]);
    await expect(stat(stalePath)).rejects.toMatchObject({ code: "ENOENT" });

    // Within the interval nothing is trimmed, however old the entries are.
    const again = await runBin(env, putRequest(1, idOf("old"), Buffer.from("stale")));
    for (const file of await listFiles(env.GOCACHEPROG_DIR))
      if (file.endsWith("-d") || file.endsWith("-a")) await utimes(file, tenDaysAgo, tenDaysAgo);
    await runBin(env, closeRequest(1));
    expect((await stat(again.responses[1]?.DiskPath as string)).size).toBe(5);
  });
});
