// The real bin against a fake server speaking the zstd form: a compressed reply is decoded into the
// tier; a bomb, damaged compressed bytes or a reply it did not ask for are misses that leave nothing;
// an older server that refuses compressed uploads gets them raw; --compression off asks for and sends none.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { headers as h } from "@gocacheprog/common";
import { compressOutput, loadZstd, ZSTD_FRAME_MAX } from "@gocacheprog/common/zstd";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  BinSession,
  buildBin,
  byId,
  closeRequest,
  getRequest,
  idOf,
  listenOnLoopback,
  listFiles,
  putRequest,
  sha256,
  stopServer,
} from "../helpers.ts";

type Behaviour = (req: IncomingMessage, res: ServerResponse) => void;

const behaviours = new Map<string, Behaviour>();
const lookups: IncomingHttpHeaders[] = [];
const prefetches: IncomingHttpHeaders[] = [];
const puts: { encoding: string | undefined; bytes: number }[] = [];
let server: Server;
let url: string;
let dir: string;

/** Symbol-like text: compresses about as well as go's archives. */
function textLike(size: number): Buffer {
  const words = Array.from({ length: Math.ceil(size / 12) }, (_, i) => `sym_${i % 977}_${(i * 7919) % 65_521}`);
  return Buffer.from(words.join(" ")).subarray(0, size);
}

function compressedReply(res: ServerResponse, output: Buffer, body: Buffer): void {
  res.writeHead(200, {
    [h.outputId]: sha256(output).toString("hex"),
    [h.putTime]: new Date().toISOString(),
    [h.outputSize]: output.length,
    "content-encoding": "zstd",
    "content-length": body.length,
  });
  res.end(body);
}

beforeAll(async () => {
  buildBin();
  server = createServer((req, res) => {
    const action = (req.url ?? "").split("/").pop() ?? "";
    if (req.method === "PUT") {
      let bytes = 0;
      req.on("data", (chunk: Buffer) => {
        bytes += chunk.length;
      });
      req.on("end", () => {
        const encoding = req.headers["content-encoding"];
        puts.push({ encoding, bytes });
        // A server from before compression: it reads a zstd body as the output, whose sha256 then differs.
        res.writeHead(encoding ? 400 : 201, { "content-type": "application/json" }).end(encoding ? '{"error":"sha256"}' : "{}");
      });
      return;
    }
    // Lookups only (a warm-start prefetch POST may come first; this server has no manifests: 404).
    if (req.method === "GET") lookups.push(req.headers);
    if (req.method === "POST" && req.url?.endsWith("/prefetch")) prefetches.push(req.headers);
    const behaviour = behaviours.get(action);
    if (!behaviour) res.writeHead(404).end();
    else behaviour(req, res);
  });
  url = await listenOnLoopback(server);
});
afterAll(async () => {
  await stopServer(server);
});
beforeEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = await mkdtemp(join(tmpdir(), "gocacheprog-zstd-"));
  behaviours.clear();
  lookups.length = 0;
  prefetches.length = 0;
  puts.length = 0;
});

function env(): Record<string, string> {
  return { GOCACHEPROG_DIR: join(dir, "cache"), GOCACHEPROG_URL: url, GOCACHEPROG_STATS_FILE: join(dir, "stats.json") };
}

async function lastStats(): Promise<Record<string, number>> {
  const lines = (await readFile(join(dir, "stats.json"), "utf8")).trim().split("\n");
  return JSON.parse(lines[lines.length - 1] ?? "") as Record<string, number>;
}

async function getOnce(action: Buffer): Promise<unknown> {
  const session = new BinSession(env());
  session.write(getRequest(1, action));
  await session.waitForResponses(2);
  const done = await session.finish(closeRequest(2));
  expect(done.code).toBe(0);
  return byId(done.responses).get(1);
}

const tierFiles = async () => (await listFiles(join(dir, "cache"))).filter((p) => !p.endsWith("trim.txt"));

describe("compressed replies", () => {
  it("asks for zstd and decodes a compressed reply into the tier, byte for byte", async () => {
    const output = textLike(3 * ZSTD_FRAME_MAX + 777);
    const body = await compressOutput(await loadZstd(), output);
    const action = idOf("compressed");
    behaviours.set(action.toString("hex"), (_req, res) => compressedReply(res, output, body));
    expect(await getOnce(action)).toMatchObject({ ID: 1, Size: output.length });
    expect(lookups[0]?.["accept-encoding"]).toBe("zstd");
    expect(prefetches.map((p) => p["accept-encoding"])).toEqual(["zstd"]);
    const stored = (await tierFiles()).find((p) => p.endsWith("-d")) as string;
    expect((await readFile(stored)).equals(output)).toBe(true);
    const stats = await lastStats();
    expect([stats.remoteHitBytes, stats.remoteWireBytes]).toEqual([output.length, body.length]);
  });

  it("decodes reply after reply in one session with a reused decoder, also after a damaged one, each byte for byte", async () => {
    const codec = await loadZstd();
    const outputs = [textLike(2 * ZSTD_FRAME_MAX + 5), textLike(300_000).reverse(), textLike(ZSTD_FRAME_MAX + 1)];
    const bodies = await Promise.all(outputs.map((o) => compressOutput(codec, o)));
    // The damaged reply ends its decoder inside a frame: that decoder must not serve the next reply.
    const damaged = Buffer.from(bodies[0]!.subarray(0, bodies[0]!.length - 9));
    const names = ["first", "damaged", "second", "third"];
    const replies = [bodies[0], damaged, bodies[1], bodies[2]] as Buffer[];
    const expected = [outputs[0], outputs[0], outputs[1], outputs[2]] as Buffer[];
    names.forEach((name, i) => {
      behaviours.set(idOf(name).toString("hex"), (_req, res) => compressedReply(res, expected[i]!, replies[i]!));
    });
    const session = new BinSession(env());
    for (const [i, name] of names.entries()) {
      session.write(getRequest(i + 1, idOf(name)));
      await session.waitForResponses(i + 2);
    }
    const done = await session.finish(closeRequest(names.length + 1));
    expect(done.code).toBe(0);
    const answers = byId(done.responses);
    expect(answers.get(2)).toEqual({ ID: 2, Miss: true });
    for (const [id, output] of [
      [1, outputs[0]],
      [3, outputs[1]],
      [4, outputs[2]],
    ] as const) {
      const hit = answers.get(id) as { DiskPath: string; Size: number };
      expect(hit.Size).toBe(output!.length);
      expect((await readFile(hit.DiskPath)).equals(output!), `reply ${id}`).toBe(true);
    }
  });

  it("treats a bomb, damaged compressed bytes and an encoding it did not ask for as misses, storing nothing", async () => {
    const codec = await loadZstd();
    const output = textLike(200_000);
    const body = await compressOutput(codec, output);
    const bomb = await compressOutput(codec, Buffer.alloc(256 * ZSTD_FRAME_MAX));
    const damaged = Buffer.from(body);
    for (let i = 20; i < damaged.length; i += 50) damaged[i] = (damaged[i] as number) ^ 0x5a;
    const cases: Record<string, Behaviour> = {
      // 256 MiB of zeros in a few KB, announced as a 200 KB output: refused at the declared size.
      bomb: (_req, res) => compressedReply(res, output, bomb),
      damaged: (_req, res) => compressedReply(res, output, damaged),
      brotli: (_req, res) => {
        res.writeHead(200, {
          [h.outputId]: sha256(output).toString("hex"),
          [h.putTime]: new Date().toISOString(),
          "content-encoding": "br",
          "content-length": body.length,
        });
        res.end(body);
      },
    };
    for (const [name, behaviour] of Object.entries(cases)) {
      const action = idOf(name);
      behaviours.set(action.toString("hex"), behaviour);
      expect(await getOnce(action), name).toEqual({ ID: 1, Miss: true });
      expect(await tierFiles(), name).toEqual([]);
    }
  });
});

describe("compressed uploads", () => {
  it("sends the zstd form, and raw from then on when the server refuses it (a server from before compression)", async () => {
    const session = new BinSession(env());
    const outputs = [textLike(50_000), textLike(60_000)];
    session.write(putRequest(1, idOf("first"), outputs[0] as Buffer));
    await session.waitForResponses(2);
    while (puts.length < 2) await new Promise((resolve) => setTimeout(resolve, 20));
    session.write(putRequest(2, idOf("second"), outputs[1] as Buffer));
    await session.waitForResponses(3);
    const done = await session.finish(closeRequest(3));
    expect(done.code).toBe(0);
    // First the compressed try (refused), then the same output raw; the next output goes raw at once.
    expect(puts.map((p) => p.encoding)).toEqual(["zstd", undefined, undefined]);
    expect(puts[0]!.bytes).toBeLessThan(outputs[0]!.length / 2);
    expect(puts.slice(1).map((p) => p.bytes)).toEqual(outputs.map((o) => o.length));
    expect(await lastStats()).toMatchObject({ uploads: 2, uploadErrors: 0 });
  });
});

describe("--compression off", () => {
  it("uploads raw and asks for neither compressed replies nor compressed prefetch entries", async () => {
    const session = new BinSession({ ...env(), GOCACHEPROG_COMPRESSION: "off" });
    const output = textLike(50_000);
    session.write(getRequest(1, idOf("off-get")));
    await session.waitForResponses(2);
    session.write(putRequest(2, idOf("off-put"), output));
    await session.waitForResponses(3);
    while (puts.length < 1) await new Promise((resolve) => setTimeout(resolve, 20));
    const done = await session.finish(closeRequest(3));
    expect(done.code).toBe(0);
    // One raw PUT of the whole output (with zstd it would be a compressed try first: see above).
    expect(puts).toEqual([{ encoding: undefined, bytes: output.length }]);
    expect(lookups.map((l) => l["accept-encoding"])).toEqual([undefined]);
    // The get waited for the prefetch's answer, so its POST has arrived by now.
    expect(prefetches.map((p) => p["accept-encoding"])).toEqual([undefined]);
    expect(await lastStats()).toMatchObject({ uploads: 1, uploadErrors: 0 });
  });
});
