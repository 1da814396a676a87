// The client's HTTP tier against the real server on a port: what a second upload of known bytes
// costs, and that a hit comes back byte for byte.
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sha256Hex } from "@gocacheprog/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DiskTier } from "../packages/cacheprog-client/src/local/tier.ts";
import { RemoteClient } from "../packages/cacheprog-client/src/remote/http.ts";
import { type CacheServer, startCacheServer } from "./harness/server.ts";

let server: CacheServer;
let client: RemoteClient;

beforeAll(async () => {
  server = await startCacheServer();
  client = new RemoteClient({ url: server.url, timeoutMs: 5_000, connections: 2, uploadConnections: 2 });
});
afterAll(async () => {
  await client?.close();
  await server?.close();
});

async function output(size: number, bytes = randomBytes(size)): Promise<{ path: string; hex: string; bytes: Buffer }> {
  const path = join(await mkdtemp(join(tmpdir(), "gcp-remote-client-")), "out");
  await writeFile(path, bytes);
  return { path, bytes, hex: sha256Hex(bytes) };
}

describe("RemoteClient against gocacheprog-server", () => {
  it("links a second action to an output the server holds, sending no bytes again", async () => {
    const out = await output(200_000);
    const [first, second] = [randomBytes(32).toString("hex"), randomBytes(32).toString("hex")];
    // The first upload tries the link, gets 409 (unknown output) and sends the body.
    expect((await client.upload(first, out.hex, out.bytes.length, out.path, true)).outcome).toBe("stored");
    const bytesIn = await server.metric("gocacheprog_bytes_in_total");
    expect(bytesIn).toBeGreaterThanOrEqual(out.bytes.length);

    expect((await client.upload(second, out.hex, out.bytes.length, out.path, true)).outcome).toBe("linked");
    expect(await server.metric("gocacheprog_bytes_in_total")).toBe(bytesIn);

    // The reply streams into the local tier's sink and lands as a verified file.
    const local = new DiskTier({ dir: await mkdtemp(join(tmpdir(), "gcp-remote-client-")) });
    const actionId = Buffer.from(second, "hex");
    const got = await client.lookup(second, (e) => local.ingest(actionId, Buffer.from(e.outputHex, "hex"), e.size, e.putTime));
    expect(got?.entry.outputHex).toBe(out.hex);
    expect((await readFile(got?.hit.diskPath as string)).equals(out.bytes)).toBe(true);
  });

  it("uploads a compressible output in the zstd form and reads it back compressed, byte for byte once decoded", async () => {
    const text = Buffer.from(Array.from({ length: 60_000 }, (_, i) => `sym_${i % 1013}_${(i * 7919) % 65_521}`).join(" "));
    const out = await output(text.length, text);
    const action = randomBytes(32).toString("hex");
    const stored = await server.metric("gocacheprog_output_stored_bytes_total", { form: "zstd" });
    const sent = await client.upload(action, out.hex, out.bytes.length, out.path, false);
    expect(sent.outcome).toBe("stored");
    expect(sent.wireBytes).toBeLessThan(out.bytes.length / 2);
    // The server keeps what was sent plus its 40-byte digest trailer, and sends that back as it is.
    expect(await server.metric("gocacheprog_output_stored_bytes_total", { form: "zstd" })).toBe(stored + sent.wireBytes + 40);
    // The reply comes compressed and is decoded as it streams into the local tier's sink.
    const local = new DiskTier({ dir: await mkdtemp(join(tmpdir(), "gcp-remote-client-")) });
    const actionId = Buffer.from(action, "hex");
    const got = await client.lookup(action, (e) => local.ingest(actionId, Buffer.from(e.outputHex, "hex"), e.size, e.putTime));
    expect(got?.wireBytes).toBe(sent.wireBytes + 40);
    expect((await readFile(got?.hit.diskPath as string)).equals(out.bytes)).toBe(true);
  });

  it("uploads an incompressible output raw", async () => {
    const out = await output(100_000);
    const sent = await client.upload(randomBytes(32).toString("hex"), out.hex, out.bytes.length, out.path, false);
    expect(sent).toEqual({ outcome: "stored", wireBytes: out.bytes.length, requests: 1 });
  });

  it("stores a batch of outputs in one request, each as its own PUT would, and reads each back byte for byte", async () => {
    const text = Buffer.from(Array.from({ length: 5_000 }, (_, i) => `sym_${i % 313}`).join(" "));
    const outs = await Promise.all([output(text.length, text), output(3000), output(0), output(200)]);
    const jobs = outs.map((o) => ({
      actionHex: randomBytes(32).toString("hex"),
      outputHex: o.hex,
      size: o.bytes.length,
      diskPath: o.path,
    }));
    const requests = await server.metric("gocacheprog_http_requests_total", { route: "/v1/batch/upload" });
    const answer = await client.uploadBatch(jobs);
    if (typeof answer === "string") throw new Error(`batch not stored: ${answer}`);
    expect(answer.results.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    expect(answer.sent[0]!.wireBytes).toBeLessThan(text.length / 2); // the text went in the zstd form
    expect(await server.metric("gocacheprog_http_requests_total", { route: "/v1/batch/upload" })).toBe(requests + 1);
    const local = new DiskTier({ dir: await mkdtemp(join(tmpdir(), "gcp-remote-client-")) });
    for (const [i, job] of jobs.entries()) {
      const actionId = Buffer.from(job.actionHex, "hex");
      const got = await client.lookup(job.actionHex, (e) => local.ingest(actionId, Buffer.from(e.outputHex, "hex"), e.size, e.putTime));
      expect((await readFile(got?.hit.diskPath as string)).equals(outs[i]!.bytes)).toBe(true);
    }
  });

  it("answers a lookup of an unknown action with null (a miss, not an error)", async () => {
    const refuse = () => {
      throw new Error("no sink may be opened for a miss");
    };
    expect(await client.lookup(randomBytes(32).toString("hex"), refuse)).toBeNull();
  });
});
