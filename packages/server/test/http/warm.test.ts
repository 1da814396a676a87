import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { headers, PROTOBUF_CONTENT_TYPE, routes } from "@gocacheprog/common";
import {
  FrameSplitter,
  type IPrefetchFrame,
  MAX_MANIFEST_IDS,
  ManifestUpload,
  PREFETCH_CHUNK_BYTES,
  PrefetchFrame,
  PrefetchRequest,
} from "@gocacheprog/common/proto";
import { compressOutput, loadZstd } from "@gocacheprog/common/zstd";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { parseTokens, TokenAuth } from "../../src/auth/tokens.ts";
import { CacheCore } from "../../src/cache/core.ts";
import { createApp } from "../../src/http/app.ts";
import { createLogger } from "../../src/ops/logger.ts";
import { ServerMetrics } from "../../src/ops/metrics.ts";
import { FsBlobStore } from "../../src/storage/blob/fs.ts";
import { manifestKey, outputKey } from "../../src/storage/keys.ts";
import { textLike } from "../support/compressed-real.ts";
import { FakeIndex, LogCapture, makeTestApp, randomHex, sha256Hex, TEAM_TOKENS, TOKENS } from "../support/fakes.ts";

type App = ReturnType<typeof makeTestApp>["app"];
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const proto = { "content-type": PROTOBUF_CONTENT_TYPE };

async function put(app: App, actionHex: string, body: Uint8Array, auth: Record<string, string> = {}) {
  const res = await app.request(routes.action(actionHex), {
    method: "PUT",
    body,
    headers: { [headers.outputId]: sha256Hex(body), "content-length": String(body.length), ...auth },
  });
  expect(res.status).toBe(201);
}

function upload(app: App, buildKey: Buffer, actionHexes: string[], auth: Record<string, string> = {}) {
  const body = ManifestUpload.encode({ buildKey, actionIds: actionHexes.map((hex) => Buffer.from(hex, "hex")) }).finish();
  return app.request(routes.manifests, { method: "POST", body: body.slice(), headers: { ...proto, ...auth } });
}

async function prefetch(app: App, buildKey: Buffer, auth: Record<string, string> = {}, maxBytes = 0) {
  const body = PrefetchRequest.encode({ buildKey, maxBytes }).finish();
  const res = await app.request(routes.prefetch, { method: "POST", body: body.slice(), headers: { ...proto, ...auth } });
  expect(res.status).toBe(200);
  const splitter = new FrameSplitter();
  const frames: IPrefetchFrame[] = [];
  for (const frame of splitter.push(new Uint8Array(await res.arrayBuffer()))) frames.push(PrefetchFrame.decode(frame));
  expect(splitter.pending).toBe(0);
  return frames;
}

/** Each entry's bytes reassembled from its frames, by ActionID hex; missing entries as null. */
function entries(frames: IPrefetchFrame[]): Map<string, Buffer | null> {
  const out = new Map<string, Buffer | null>();
  const parts = new Map<string, Buffer[]>();
  for (const { entry } of frames) {
    if (!entry) continue;
    const hex = Buffer.from(entry.actionId!).toString("hex");
    if (entry.missing) {
      out.set(hex, null);
      continue;
    }
    parts.set(hex, [...(parts.get(hex) ?? []), Buffer.from(entry.data ?? [])]);
    if (entry.last) out.set(hex, Buffer.concat(parts.get(hex)!));
  }
  return out;
}

const output = (n: number) => randomBytes(n);

describe("warm start: manifests and the prefetch stream", () => {
  it("streams every entry of a build key's manifest: announce, entries (large ones chunked), end", async () => {
    const { app } = makeTestApp();
    const outputs = [output(0), output(300), output(50_000), output(PREFETCH_CHUNK_BYTES * 2 + 17)];
    const actions = outputs.map(() => randomHex());
    for (const [i, body] of outputs.entries()) await put(app, actions[i]!, body);
    const key = randomBytes(32);
    expect((await upload(app, key, actions)).status).toBe(201);

    const frames = await prefetch(app, key);
    expect(frames[0]?.announce?.entries?.map((e) => Buffer.from(e.actionId!).toString("hex"))).toEqual(actions);
    expect(frames.at(-1)?.end).toMatchObject({ sent: 4 });
    const got = entries(frames);
    for (const [i, body] of outputs.entries()) expect(got.get(actions[i]!)?.equals(body)).toBe(true);
    // The 2 MiB output came in three frames of at most one chunk each.
    expect(frames.filter((f) => f.entry && Buffer.from(f.entry.actionId!).toString("hex") === actions[3]).length).toBe(3);
    const first = frames.find((f) => f.entry && Buffer.from(f.entry.actionId!).toString("hex") === actions[2])!.entry!;
    expect(Buffer.from(first.outputId!).toString("hex")).toBe(sha256Hex(outputs[2]!));
    expect(Number(first.putTimeUnixMs)).toBeGreaterThan(0);
  });

  it("serves the union of the newest three manifests of a key, newest first, each entry once", async () => {
    const { app } = makeTestApp();
    const actions = Array.from({ length: 5 }, () => randomHex());
    for (const a of actions) await put(app, a, output(100));
    const key = randomBytes(32);
    await upload(app, key, [actions[0]!]);
    await upload(app, key, [actions[1]!, actions[0]!]);
    await upload(app, key, [actions[2]!]);
    await upload(app, key, [actions[3]!, actions[2]!]);
    const announced = (await prefetch(app, key))[0]?.announce?.entries?.map((e) => Buffer.from(e.actionId!).toString("hex"));
    // The first manifest (actions[0] alone) was pushed out; actions[0] survives through the second.
    expect(announced).toEqual([actions[3], actions[2], actions[1], actions[0]]);
  });

  it("skips entries gone since the manifest was made, and reports a corrupt or vanished blob as missing", async () => {
    const { app, blobs } = makeTestApp();
    const [kept, neverStored, corrupt] = [randomHex(), randomHex(), randomHex()];
    const good = output(70_000);
    const bad = output(80_000);
    await put(app, kept, good);
    await put(app, corrupt, bad);
    const stored = blobs.objects.get(outputKey("default", sha256Hex(bad)))!;
    stored.data = Buffer.from(stored.data.map((b) => b ^ 1));
    const key = randomBytes(32);
    await upload(app, key, [neverStored, corrupt, kept]);
    const frames = await prefetch(app, key);
    expect(frames[0]?.announce?.entries).toHaveLength(2);
    const got = entries(frames);
    expect(got.get(corrupt)).toBeNull();
    expect(got.get(kept)?.equals(good)).toBe(true);
    expect(got.has(neverStored)).toBe(false);
    expect(frames.at(-1)?.end).toMatchObject({ sent: 1, missing: 1 });
    // The corrupt blob was removed on the way, as on a normal lookup (in the background: waited for,
    // not given a fixed 10 ms that a busy machine may not honour).
    await expect.poll(() => blobs.objects.has(outputKey("default", sha256Hex(bad))), { interval: 5 }).toBe(false);
  });

  it("stops announcing at the client's byte budget", async () => {
    const { app } = makeTestApp();
    const actions = [randomHex(), randomHex(), randomHex()];
    for (const a of actions) await put(app, a, output(10_000));
    const key = randomBytes(32);
    await upload(app, key, actions);
    const frames = await prefetch(app, key, {}, 25_000);
    expect(frames[0]?.announce?.entries).toHaveLength(2);
    expect(frames.at(-1)?.end).toMatchObject({ sent: 2, truncated: true });
  });

  it("an unknown key streams an empty announce and an end frame", async () => {
    const { app } = makeTestApp();
    const frames = await prefetch(app, randomBytes(32));
    expect(frames.map((f) => Object.keys(f).filter((k) => k !== "kind"))).toEqual([["announce"], ["end"]]);
  });

  it("keeps manifests per namespace: another team's key is invisible", async () => {
    const { app } = makeTestApp({ tokens: TEAM_TOKENS });
    const action = randomHex();
    await put(app, action, output(500), bearer(TOKENS.writer));
    const key = randomBytes(32);
    expect((await upload(app, key, [action], bearer(TOKENS.writer))).status).toBe(201);
    expect(entries(await prefetch(app, key, bearer(TOKENS.reader))).size).toBe(1);
    expect(entries(await prefetch(app, key, bearer(TOKENS.other))).size).toBe(0);
  });

  it("refuses bad manifest uploads with a clear 4xx and stores nothing", async () => {
    const { app, blobs, index } = makeTestApp({ tokens: TEAM_TOKENS });
    const key = randomBytes(32);
    const writer = bearer(TOKENS.writer);
    const send = (body: Uint8Array, extra: Record<string, string> = {}) =>
      app.request(routes.manifests, { method: "POST", body: body.slice(), headers: { ...proto, ...writer, ...extra } });
    const cases: [Response, number, string][] = [
      [await upload(app, key, [randomHex()], bearer(TOKENS.reader)), 403, "read-only"],
      [await send(Buffer.from("definitely not protobuf \xff\xff\xff")), 400, "ManifestUpload"],
      [await send(ManifestUpload.encode({ buildKey: randomBytes(31), actionIds: [randomBytes(32)] }).finish()), 400, "build_key"],
      [await send(ManifestUpload.encode({ buildKey: key, actionIds: [randomBytes(32), randomBytes(5)] }).finish()), 400, "action_ids[1]"],
      [await send(ManifestUpload.encode({ buildKey: key, actionIds: [] }).finish()), 400, "at least one"],
      [
        await send(ManifestUpload.encode({ buildKey: key, actionIds: [randomBytes(32)] }).finish(), { "content-type": "text/plain" }),
        415,
        "content-type",
      ],
      [
        await send(
          ManifestUpload.encode({ buildKey: key, actionIds: Array.from({ length: MAX_MANIFEST_IDS + 1 }, () => randomBytes(32)) }).finish(),
        ),
        413,
        "",
      ],
      [await send(new Uint8Array(4 << 20)), 413, "exceeds"],
    ];
    for (const [res, status, message] of cases) {
      expect(res.status).toBe(status);
      expect(((await res.json()) as { error: string }).error).toContain(message);
    }
    expect(index.manifests.size).toBe(0);
    expect([...blobs.objects.keys()].filter((k) => k.includes("/m/"))).toEqual([]);
  });

  it("refuses a malformed prefetch request with 400", async () => {
    const { app } = makeTestApp();
    const res = await app.request(routes.prefetch, {
      method: "POST",
      body: PrefetchRequest.encode({ buildKey: randomBytes(3) })
        .finish()
        .slice(),
      headers: proto,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain("build_key");
  });

  it("keeps a blob copy of the manifests, so a lost index still serves them (and gets them back)", async () => {
    const { app, index, blobs } = makeTestApp();
    const action = randomHex();
    await put(app, action, output(2000));
    const key = randomBytes(32);
    await upload(app, key, [action]);
    expect(blobs.objects.has(manifestKey("default", key.toString("hex")))).toBe(true);
    index.manifests.clear();
    expect(entries(await prefetch(app, key)).size).toBe(1);
    expect(index.manifests.size).toBe(1);
  });
});

/** The filesystem store, counting the read streams asked for, opened, and not closed yet. */
class CountingFsBlobStore extends FsBlobStore {
  asked = 0;
  answered = 0;
  opened = 0;
  open = 0;
  override async get(key: string) {
    this.asked++;
    const got = await super.get(key).finally(() => this.answered++);
    if (got) {
      this.opened++;
      this.open++;
      (got.body as NodeJS.ReadableStream).once("close", () => this.open--);
    }
    return got;
  }
}

describe("warm start: a client that goes away", () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it("leaves no blob stream open when the reader cancels right after the announce (raw and compressed, either encoding)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "gcp-prefetch-cancel-"));
    dirs.push(dir);
    const blobs = new CountingFsBlobStore({ root: dir });
    const metrics = new ServerMetrics(new Registry());
    const logger = createLogger("warn", new LogCapture());
    // Outputs above the verify buffer are streamed from the store, not read whole.
    const core = new CacheCore({
      blobs,
      index: new FakeIndex(),
      metrics,
      logger,
      options: { inlineMax: 1024, verifyBufferMax: 64 * 1024, backendTimeoutMs: 5000, touchIntervalMs: 0 },
    });
    const app = createApp({ core, auth: new TokenAuth(parseTokens("", "t")), metrics, logger, maxBody: 1 << 30 });
    const actions = [randomHex(), randomHex(), randomHex()];
    await put(app, actions[0]!, output(200_000));
    await put(app, actions[1]!, output(150_000));
    const raw = textLike(400_000);
    const compressed = await compressOutput(await loadZstd(), raw);
    const zstdPut = await app.request(routes.action(actions[2]!), {
      method: "PUT",
      body: compressed,
      headers: {
        [headers.outputId]: sha256Hex(raw),
        "content-length": String(compressed.length),
        "content-encoding": "zstd",
        [headers.outputSize]: String(raw.length),
      },
    });
    expect(zstdPut.status).toBe(201);
    const key = randomBytes(32);
    // The compressed entry first, then the raw ones: each kind is the entry being sent in one round.
    for (const order of [actions, [actions[2]!, actions[0]!, actions[1]!]]) {
      expect((await upload(app, key, order)).status).toBe(201);
      for (const accept of [{}, { "accept-encoding": "zstd" }] as Record<string, string>[]) {
        const body = PrefetchRequest.encode({ buildKey: key }).finish().slice();
        const res = await app.request(routes.prefetch, { method: "POST", body, headers: { ...proto, ...accept } });
        expect(res.status).toBe(200);
        const reader = res.body!.getReader();
        const first = await reader.read();
        const [frame] = new FrameSplitter().push(first.value!);
        expect(PrefetchFrame.decode(frame!).announce?.entries).toHaveLength(3);
        await reader.cancel();
      }
    }
    // Reads the stream started ahead of a cancel finish in the thread pool, maybe after it: once every
    // one has, each stream they opened must have been closed.
    expect(blobs.asked).toBeGreaterThanOrEqual(4);
    await expect.poll(() => blobs.answered, { interval: 20 }).toBe(blobs.asked);
    expect(blobs.opened).toBeGreaterThanOrEqual(4);
    await expect.poll(() => blobs.open, { interval: 20 }).toBe(0);
  });
});
