import { headers, routes } from "@gocacheprog/common";
import { compressOutput, decompressOutput, loadZstd } from "@gocacheprog/common/zstd";
import { expect, it } from "vitest";
import { compressedOutputKey } from "../../src/storage/keys.ts";
import { randomId, send, sha256 } from "./real-server.ts";

/** Compressible like object code: symbol-ish words, not one repeated byte. */
export function textLike(size: number, seed = 1): Buffer {
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; length < size; i++) {
    const word = `sym_${(i * seed) % 977}_${(i * 7919 + seed) % 65_521} `;
    parts.push(word);
    length += word.length;
  }
  return Buffer.from(parts.join("")).subarray(0, size);
}

/** Damages stored bytes the way the corruption tests do: every 101st byte from the 30th on. */
export function flipBytes(data: Uint8Array): void {
  for (let i = 30; i < data.length; i += 101) data[i] = data[i]! ^ 0x55;
}

/** `count` small skippable frames (zstd passes over them) of `payload` bytes each: padding. */
export function skippableFrames(count: number, payload = 0): Buffer {
  const frame = Buffer.alloc(8 + payload);
  frame.writeUInt32LE(0x184d2a50, 0);
  frame.writeUInt32LE(payload, 4);
  return Buffer.concat(Array.from({ length: count }, () => frame));
}

/** The store behind a real server, reached around it (the bucket or the data directory). */
export interface StoreBehind {
  /** Flips bytes inside the stored object at `key` (as a disk or a bucket might). */
  corrupt(key: string): Promise<void>;
  has(key: string): Promise<boolean>;
}

const ACCEPT_ZSTD = { "accept-encoding": "gzip, zstd" };

/** A new client's upload of `raw` in the zstd form (`stored`), with the output's size and sha256 in headers. */
function putCompressed(url: string, action: string, raw: Uint8Array, stored: Buffer) {
  return send(url, "PUT", routes.action(action), {
    headers: {
      [headers.outputId]: sha256(raw),
      "content-length": String(stored.length),
      "content-encoding": "zstd",
      [headers.outputSize]: String(raw.length),
    },
    body: stored,
  });
}

/**
 * Issue 12's contract on a real store behind a real server: a compressed and a raw entry side by
 * side, each read back exactly (compressed only to a client that asks), and a stored blob whose
 * compressed bytes are corrupted is a miss and is removed.
 */
export function compressedEntriesOnRealStore(url: () => string, store: StoreBehind): void {
  it("keeps a compressed and a raw entry in the same store; each reads back exactly, compressed only to clients that ask", async () => {
    const codec = await loadZstd();
    // A small blob read whole and one streamed: 2.1 MB in the zstd form, above the 1 MiB verify buffer.
    for (const size of [30_000, 8_000_000]) {
      const raw = textLike(size, size);
      const stored = await compressOutput(codec, raw);
      const zAction = randomId();
      expect((await putCompressed(url(), zAction, raw, stored)).status).toBe(201);
      const plain = textLike(size, size + 1);
      const rawAction = randomId();
      const rawPut = await send(url(), "PUT", routes.action(rawAction), {
        headers: { [headers.outputId]: sha256(plain), "content-length": String(size) },
        body: plain,
      });
      expect(rawPut.status).toBe(201);
      expect(await store.has(compressedOutputKey("default", sha256(raw), size))).toBe(true);

      const asNew = await send(url(), "GET", routes.action(zAction), { headers: ACCEPT_ZSTD });
      expect([asNew.status, asNew.headers["content-encoding"]]).toEqual([200, "zstd"]);
      expect(decompressOutput(codec, asNew.body, size).equals(raw)).toBe(true);
      const asOld = await send(url(), "GET", routes.action(zAction));
      expect([asOld.status, asOld.headers["content-encoding"], asOld.body.equals(raw)]).toEqual([200, undefined, true]);
      for (const accept of [ACCEPT_ZSTD, {}]) {
        const got = await send(url(), "GET", routes.action(rawAction), { headers: accept });
        expect([got.status, got.headers["content-encoding"], got.body.equals(plain)]).toEqual([200, undefined, true]);
      }
    }
  });

  it("treats a stored blob whose compressed bytes are corrupted as a miss and removes it", async () => {
    const codec = await loadZstd();
    for (const [size, accept] of [
      [30_000, ACCEPT_ZSTD],
      [8_000_000, {}],
    ] as const) {
      const raw = textLike(size, 11);
      const stored = await compressOutput(codec, raw);
      const action = randomId();
      expect((await putCompressed(url(), action, raw, stored)).status).toBe(201);
      const key = compressedOutputKey("default", sha256(raw), size);
      await store.corrupt(key);
      // A blob read whole is checked before the answer (404); a streamed one is cut mid-body.
      const first = await send(url(), "GET", routes.action(action), { headers: accept }).catch((err: Error) => err);
      if (!(first instanceof Error)) expect(first.status).toBe(404);
      await expect.poll(() => store.has(key)).toBe(false);
      expect((await send(url(), "GET", routes.action(action))).status).toBe(404);
    }
  });
}
