// The real bin's batch uploads against a fake server: what it sends (each output exactly, raw or in
// the zstd form, one request for many), and that any answer that is not a proper BatchUploadResponse
// (garbage, the wrong number of results, an endless body) costs only those uploads, never the session.
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROTOBUF_CONTENT_TYPE, routes } from "@gocacheprog/common";
import { BatchUploadRequest, BatchUploadResponse, Codec, type IUploadItem } from "@gocacheprog/common/proto";
import { decompressOutput, loadZstd } from "@gocacheprog/common/zstd";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BinSession, buildBin, closeRequest, idOf, listenOnLoopback, putRequest, sha256, stopServer } from "../helpers.ts";

type Answer = (items: IUploadItem[], res: ServerResponse) => void;

let server: Server;
let url: string;
let dir: string;
let answer: Answer;
const batches: IUploadItem[][] = [];
let singlePuts = 0;

beforeAll(async () => {
  buildBin();
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      if (req.method === "POST" && req.url === routes.batchUpload) {
        const { items } = BatchUploadRequest.decode(Buffer.concat(chunks));
        batches.push(items);
        answer(items, res);
      } else if (req.method === "PUT") {
        singlePuts++;
        res.writeHead(201).end("{}");
      } else res.writeHead(404).end();
    });
  });
  url = await listenOnLoopback(server);
});
afterAll(async () => {
  await stopServer(server);
});
beforeEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = await mkdtemp(join(tmpdir(), "gocacheprog-batch-"));
  batches.length = 0;
  singlePuts = 0;
});

const reply = (res: ServerResponse, statuses: number[]) =>
  res
    .writeHead(200, { "content-type": PROTOBUF_CONTENT_TYPE })
    .end(BatchUploadResponse.encode({ results: statuses.map((status) => ({ status })) }).finish());

/** Symbol-like text: compresses like go's archives. */
const text = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => `s${i % 97} `).join("")).subarray(0, n);

/** One session putting `outputs`, closed at once (the close flushes the batch); its exit summary. */
async function session(outputs: Buffer[]): Promise<Record<string, number>> {
  const s = new BinSession({ GOCACHEPROG_DIR: join(dir, "cache"), GOCACHEPROG_URL: url, GOCACHEPROG_STATS_FILE: join(dir, "stats.json") });
  for (const [i, body] of outputs.entries()) s.write(putRequest(i + 1, idOf(`o${i}`), body));
  await s.waitForResponses(outputs.length + 1);
  const done = await s.finish(closeRequest(outputs.length + 1));
  expect(done.code).toBe(0);
  const lines = (await readFile(join(dir, "stats.json"), "utf8")).trim().split("\n");
  return JSON.parse(lines.at(-1) ?? "") as Record<string, number>;
}

describe("batch uploads", () => {
  it("sends small outputs in one request, each exactly (raw or in the zstd form), and counts what the server stored", async () => {
    answer = (items, res) =>
      reply(
        res,
        items.map(() => 201),
      );
    const outputs = [text(40_000), randomBytes(3000), Buffer.alloc(0), text(100)];
    const stats = await session(outputs);
    expect(batches).toHaveLength(1);
    expect(singlePuts).toBe(0);
    const zstd = await loadZstd();
    const got = batches[0]!;
    expect(got.map((i) => i.codec ?? Codec.CODEC_NONE)).toEqual([Codec.CODEC_ZSTD, Codec.CODEC_NONE, Codec.CODEC_NONE, Codec.CODEC_NONE]);
    for (const [i, item] of got.entries()) {
      const body = Buffer.from(item.body ?? []);
      const output = item.codec === Codec.CODEC_ZSTD ? await decompressOutput(zstd, body, Number(item.size)) : body;
      expect(output.equals(outputs[i]!)).toBe(true);
      expect(Buffer.from(item.outputId!).equals(sha256(outputs[i]!))).toBe(true);
      expect(Buffer.from(item.actionId!).equals(idOf(`o${i}`))).toBe(true);
    }
    expect(stats).toMatchObject({ uploads: 4, uploadErrors: 0, uploadRequests: 1 });
    expect(stats.uploadWireBytes).toBeLessThan(stats.uploadBytes! / 2);
  });

  it("counts refused items as failed, and any answer that is not a BatchUploadResponse fails the batch, never the session", async () => {
    answer = (_items, res) => reply(res, [201, 400]);
    expect(await session([text(500), text(600)])).toMatchObject({ uploads: 1, uploadErrors: 1 });
    for (const bad of [
      (res: ServerResponse) => res.writeHead(200).end("not protobuf \xff\xff\xff\xff"),
      (res: ServerResponse) => reply(res, [201]), // one result for two items
      (res: ServerResponse) => {
        // An endless answer: the client stops reading at its cap.
        res.writeHead(200, { "content-type": PROTOBUF_CONTENT_TYPE });
        const chunk = Buffer.alloc(64 * 1024, 0x0a);
        const more = () => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once("drain", more);
        };
        more();
      },
    ]) {
      answer = (_items, res) => bad(res);
      await rm(join(dir, "cache"), { recursive: true, force: true });
      expect(await session([text(500), text(600)])).toMatchObject({ uploads: 0, uploadErrors: 2 });
    }
  });
});
