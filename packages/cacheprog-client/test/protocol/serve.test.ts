import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { isAbsolute, join, sep } from "node:path";
import { EMPTY_OUTPUT_ID_HEX } from "@gocacheprog/common";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BinSession, b64, buildBin, byId, closeRequest, getRequest, idOf, listFiles, putRequest, runBin, sha256 } from "../helpers.ts";

const HANDSHAKE = { ID: 0, KnownCommands: ["get", "put", "close"] };

let dir: string;
let env: Record<string, string>;

beforeAll(() => buildBin());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "gocacheprog-proto-"));
  env = { GOCACHEPROG_DIR: join(dir, "cache") };
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("gocacheprog protocol over real stdin/stdout", () => {
  it("writes the handshake before go sends anything", async () => {
    const session = new BinSession(env);
    const [first] = await session.waitForResponses(1);
    expect(first).toEqual(HANDSHAKE);
    const done = await session.finish();
    expect(done.code).toBe(0);
    expect(session.nonJson).toEqual([]);
  });

  it("answers while stdin stays open, stores the put and serves it back with its OutputID, Size and put Time", async () => {
    const body = Buffer.from("package archive bytes\n");
    const action = idOf("action-1");
    const session = new BinSession(env);
    const before = Date.now();
    session.write(putRequest(1, action, body));
    const [, put] = await session.waitForResponses(2);
    const after = Date.now();
    expect(put?.ID).toBe(1);
    expect(put?.Err).toBeUndefined();
    const diskPath = put?.DiskPath as string;
    expect(isAbsolute(diskPath)).toBe(true);
    expect(diskPath.startsWith(env.GOCACHEPROG_DIR + sep)).toBe(true);
    expect(diskPath.split(sep).pop()).not.toContain(".");
    expect(await readFile(diskPath)).toEqual(body);

    session.write(getRequest(2, action));
    const [, , hit] = await session.waitForResponses(3);
    expect(hit).toMatchObject({ ID: 2, OutputID: b64(sha256(body)), Size: body.length, DiskPath: diskPath });
    expect(Buffer.from(hit?.OutputID as string, "base64")).toHaveLength(32);
    const putTime = Date.parse(hit?.Time as string);
    expect(putTime).toBeGreaterThanOrEqual(before);
    expect(putTime).toBeLessThanOrEqual(after);
    const done = await session.finish(closeRequest(3));
    expect(done.code).toBe(0);
    expect(done.responses.at(-1)).toEqual({ ID: 3 });

    // A later process reports the same original put time, not the time of the get.
    const again = await runBin(env, getRequest(1, action));
    expect(again.responses[1]).toMatchObject({ ID: 1, Time: hit?.Time, Size: body.length });
  });

  it("answers pipelined gets and puts exactly once each, whatever the order", async () => {
    const bodies = Array.from({ length: 40 }, (_, i) => randomBytes(1 + i * 997));
    let input = "";
    const putIds: number[] = [];
    const missIds: number[] = [];
    let id = 0;
    bodies.forEach((body, i) => {
      putIds.push(++id);
      input += putRequest(id, idOf(`put-${i}`), body);
      missIds.push(++id);
      input += getRequest(id, idOf(`never-put-${i}`));
    });
    input += putRequest(++id, idOf("big"), randomBytes(3 * 1024 * 1024));
    putIds.push(id);
    input += closeRequest(++id);
    const done = await runBin(env, input);
    expect(done.code).toBe(0);
    expect(done.responses[0]).toEqual(HANDSHAKE);
    const answers = byId(done.responses.slice(1));
    expect([...answers.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: id }, (_, i) => i + 1));
    expect(done.responses.at(-1)).toEqual({ ID: id });
    for (const p of putIds) expect(answers.get(p)?.DiskPath).toBeTruthy();
    for (const m of missIds) expect(answers.get(m)).toEqual({ ID: m, Miss: true });

    const reread = await runBin(env, bodies.map((_, i) => getRequest(i + 1, idOf(`put-${i}`))).join(""));
    const hits = byId(reread.responses.slice(1));
    for (const [i, body] of bodies.entries()) expect(hits.get(i + 1)).toMatchObject({ OutputID: b64(sha256(body)), Size: body.length });
  });

  it("stores empty bodies (no BodySize, no body line) as real zero-byte files", async () => {
    const action = idOf("empty");
    // A get pipelined behind a put of the same action may be served first, so each runs in its own session.
    const [, put] = (await runBin(env, putRequest(1, action, Buffer.alloc(0)))).responses;
    const [, hit] = (await runBin(env, getRequest(2, action))).responses;
    const diskPath = put?.DiskPath as string;
    expect(diskPath.endsWith(`${EMPTY_OUTPUT_ID_HEX}-d`)).toBe(true);
    expect((await stat(diskPath)).size).toBe(0);
    expect(hit).toMatchObject({ ID: 2, OutputID: Buffer.from(EMPTY_OUTPUT_ID_HEX, "hex").toString("base64"), DiskPath: diskPath });
    expect(hit?.Size ?? 0).toBe(0);
  });

  it("round-trips a 10 MiB body exactly", async () => {
    const body = randomBytes(10 * 1024 * 1024);
    const action = idOf("ten-mib");
    const session = new BinSession(env);
    session.write(putRequest(1, action, body));
    await session.waitForResponses(2);
    const done = await session.finish(getRequest(2, action) + closeRequest(3));
    expect(done.code).toBe(0);
    const answers = byId(done.responses);
    const diskPath = answers.get(1)?.DiskPath as string;
    expect(sha256(await readFile(diskPath))).toEqual(sha256(body));
    expect(answers.get(2)).toMatchObject({ Size: body.length, DiskPath: diskPath, OutputID: b64(sha256(body)) });
  });

  it("refuses a body that does not hash to its OutputID and stores nothing", async () => {
    const body = Buffer.from("real bytes");
    const done = await runBin(env, putRequest(1, idOf("liar"), body, sha256(Buffer.from("other bytes"))) + getRequest(2, idOf("liar")));
    expect(done.code).toBe(0);
    const answers = byId(done.responses);
    expect(answers.get(1)?.Err).toMatch(/hashes to .*not to OutputID/);
    expect(answers.get(1)?.DiskPath).toBeUndefined();
    expect(answers.get(2)).toEqual({ ID: 2, Miss: true });
    expect(await listFiles(dir)).toEqual([]);
  });

  it("accepts the deprecated ObjectID field from older toolchains", async () => {
    const body = Buffer.from("from go 1.23");
    const put = await runBin(env, putRequest(1, idOf("old"), body, sha256(body), "ObjectID"));
    expect(put.responses[1]?.DiskPath).toBeTruthy();
    const done = await runBin(env, getRequest(2, idOf("old")));
    expect(byId(done.responses).get(2)).toMatchObject({ OutputID: b64(sha256(body)), Size: body.length });
  });

  it("treats a missing or wrong-size output file as a miss, not an error", async () => {
    const body = Buffer.from("will be damaged");
    const first = await runBin(env, putRequest(1, idOf("a"), body) + putRequest(2, idOf("b"), Buffer.from("will vanish")));
    const answers = byId(first.responses);
    await writeFile(answers.get(1)?.DiskPath as string, "short");
    await rm(answers.get(2)?.DiskPath as string);
    const second = await runBin(env, getRequest(1, idOf("a")) + getRequest(2, idOf("b")));
    expect(second.code).toBe(0);
    expect(second.responses.slice(1).sort((x, y) => x.ID - y.ID)).toEqual([
      { ID: 1, Miss: true },
      { ID: 2, Miss: true },
    ]);
  });

  it("tolerates blank lines, CRLF, tabs and objects with no separator at all", async () => {
    const body = Buffer.from("spaced out");
    const put = `\r\n\t ${JSON.stringify({ ID: 1, Command: "put", ActionID: b64(idOf("ws")), OutputID: b64(sha256(body)), BodySize: body.length })}\r\n\r\n\n  "${b64(body)}"`;
    const get = JSON.stringify({ ID: 2, Command: "get", ActionID: b64(idOf("ws")) });
    const first = await runBin(env, `\n\n${put}${get.replace('"ID":2', '"ID":9')}\r\n`);
    expect(byId(first.responses).get(1)?.DiskPath).toBeTruthy();
    const done = await runBin(env, `\t\n${get}${closeRequest(3)}\n\n`);
    expect(done.code).toBe(0);
    expect(byId(done.responses).get(2)).toMatchObject({ Size: body.length });
    expect(done.responses.at(-1)).toEqual({ ID: 3 });
  });

  it("shuts down cleanly on stdin EOF without close, keeping its files", async () => {
    const body = Buffer.from("go list never sends close");
    const done = await runBin(env, putRequest(1, idOf("eof"), body));
    expect(done.code).toBe(0);
    expect(done.responses).toHaveLength(2);
    expect(await readFile(done.responses[1]?.DiskPath as string)).toEqual(body);
  });

  it("stops with a clear error and a non-zero exit on malformed JSON, leaving only whole files", async () => {
    const body = randomBytes(256 * 1024);
    const done = await runBin(env, `${putRequest(1, idOf("ok"), body)}{"ID":2,"Command":"get",,}\n\n${getRequest(3, idOf("ok"))}`);
    expect(done.code).not.toBe(0);
    expect(done.stderr).toMatch(/malformed JSON request/);
    expect(
      done.stdout
        .split("\n")
        .filter(Boolean)
        .every((line) => JSON.parse(line)),
    ).toBe(true);
    for (const file of await listFiles(dir)) {
      expect(file).not.toMatch(/\.tmp-/);
      if (file.endsWith("-d")) expect(sha256(await readFile(file)).toString("hex")).toBe(file.split(sep).pop()?.slice(0, 64));
    }
  });

  it("stores nothing when stdin ends in the middle of a put body", async () => {
    const full = putRequest(1, idOf("cut"), randomBytes(64 * 1024));
    const done = await runBin(env, full.slice(0, full.length - 1000));
    expect(done.code).not.toBe(0);
    expect(done.stderr).toMatch(/stdin ended in the middle of request 1/);
    expect(await listFiles(dir)).toEqual([]);
  });

  it("rejects output that is not a JSON request object", async () => {
    const done = await runBin(env, "hello\n");
    expect(done.code).not.toBe(0);
    expect(done.stderr).toMatch(/expected a JSON request object, got "h"/);
    expect(done.responses).toEqual([HANDSHAKE]);
  });

  it("answers an unknown command with Err and keeps going", async () => {
    const done = await runBin(env, `{"ID":1,"Command":"frobnicate"}\n\n${getRequest(2, idOf("x"))}`);
    expect(done.code).toBe(0);
    const answers = byId(done.responses);
    expect(answers.get(1)?.Err).toMatch(/unknown command "frobnicate"/);
    expect(answers.get(2)).toEqual({ ID: 2, Miss: true });
  });

  it("lets several processes share one directory at once", async () => {
    const bodies = Array.from({ length: 20 }, (_, i) => randomBytes(20_000 + i));
    const input = bodies.map((body, i) => putRequest(i + 1, idOf(`shared-${i}`), body)).join("");
    const runs = await Promise.all([runBin(env, input), runBin(env, input), runBin(env, input)]);
    for (const run of runs) {
      expect(run.code).toBe(0);
      expect(run.responses.slice(1).every((r) => r.DiskPath && !r.Err)).toBe(true);
    }
    const files = await listFiles(dir);
    expect(files.filter((f) => f.includes(".tmp-"))).toEqual([]);
    expect(files.filter((f) => f.endsWith("-d"))).toHaveLength(bodies.length);
  });
});
