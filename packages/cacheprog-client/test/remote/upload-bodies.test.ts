// RemoteClient.upload against a recording server: what each kind of output sends, and that a file
// gone from the local tier is a LocalStoreError that sends nothing (never blamed on the remote).
import { randomBytes } from "node:crypto";
import { mkdtemp, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { headers as h } from "@gocacheprog/common";
import { decompressOutput, loadZstd } from "@gocacheprog/common/zstd";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalStoreError, RemoteClient } from "../../src/remote/http.ts";
import { idOf, sha256 } from "../helpers.ts";

const received: { encoding: string | undefined; size: string | undefined; body: Buffer }[] = [];
let server: Server;
let client: RemoteClient;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "upload-bodies-"));
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    received.push({
      encoding: req.headers["content-encoding"],
      size: req.headers[h.outputSize] as string | undefined,
      body: Buffer.concat(chunks),
    });
    res.writeHead(201).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  client = new RemoteClient({ url: `http://127.0.0.1:${port}`, timeoutMs: 5_000, connections: 2, uploadConnections: 2 });
});

afterAll(async () => {
  await client.close();
  server.close();
});

async function upload(name: string, output: Buffer, declared = output.length) {
  const path = join(dir, name);
  await writeFile(path, output);
  return client.upload(idOf(name).toString("hex"), sha256(output).toString("hex"), declared, path, false);
}

describe("RemoteClient.upload bodies", () => {
  it("sends small and incompressible outputs as they are, compressible ones in the zstd form", async () => {
    const small = Buffer.from("a short output");
    const random = randomBytes(300_000); // raw, and above the size read whole: streamed from the file
    const text = Buffer.from("symbol table entry ".repeat(20_000));
    for (const [name, output] of [
      ["small", small],
      ["random", random],
      ["text", text],
    ] as const) {
      received.length = 0;
      expect((await upload(name, output)).outcome).toBe("stored");
      const [got] = received;
      if (name === "text") {
        expect(got?.encoding).toBe("zstd");
        expect(got!.body.length).toBeLessThan(text.length / 10);
        expect(decompressOutput(await loadZstd(), got!.body, text.length).equals(text)).toBe(true);
      } else expect(got?.body.equals(output)).toBe(true);
    }
  });

  it("refuses a file gone from the tier, or shorter than its size, as a trimmed LocalStoreError and sends nothing", async () => {
    received.length = 0;
    const trimmed = { constructor: LocalStoreError, trimmed: true };
    const missing = client.upload(idOf("gone").toString("hex"), "00".repeat(32), 100, join(dir, "no-such-file"), false);
    await expect(missing).rejects.toMatchObject(trimmed);
    await expect(upload("short-raw", Buffer.from("abc"), 10)).rejects.toMatchObject(trimmed);
    await expect(upload("short-packed", Buffer.from("x".repeat(5000)), 9000)).rejects.toMatchObject(trimmed);
    // Big enough to be packed (the read fails there), and big enough to be streamed raw (random bytes).
    const packable = client.upload(idOf("gone-2").toString("hex"), "00".repeat(32), 5000, join(dir, "no-such-file"), false);
    await expect(packable).rejects.toMatchObject(trimmed);
    await expect(upload("short-streamed", randomBytes(300_000), 400_000)).rejects.toMatchObject(trimmed);
    // Another local failure (a directory where the file should be) is not a trimmed output.
    const unreadable = client.upload(idOf("dir").toString("hex"), "00".repeat(32), 100, dir, false);
    await expect(unreadable).rejects.toMatchObject({ constructor: LocalStoreError, trimmed: false });
    expect(received).toHaveLength(0);
  });
});
