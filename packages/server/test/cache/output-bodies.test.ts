import { randomBytes } from "node:crypto";
import { compressOutput, loadZstd } from "@gocacheprog/common/zstd";
import { describe, expect, it } from "vitest";
import { TrailerVerifier, withDigestTrailer, ZstdVerifier } from "../../src/cache/output-bodies.ts";
import { IntegrityError } from "../../src/storage/errors.ts";
import { sha256Hex } from "../support/fakes.ts";

/** A compressed blob as the server stores it: the client's frames, then the digest trailer. */
async function storedBlob(): Promise<Buffer> {
  const codec = await loadZstd();
  const raw = Buffer.concat([randomBytes(50_000), Buffer.alloc(200_000, 3)]);
  const frames = await compressOutput(codec, raw);
  const out: Uint8Array[] = [];
  async function* upload() {
    yield frames;
  }
  for await (const piece of withDigestTrailer(upload(), new ZstdVerifier(codec, { size: raw.length, sha256Hex: sha256Hex(raw) })))
    out.push(piece);
  return Buffer.concat(out);
}

function check(blob: Buffer, chunk: number): void {
  const verifier = new TrailerVerifier();
  for (let at = 0; at < blob.length; at += chunk) verifier.update(blob.subarray(at, at + chunk));
  verifier.finish();
}

describe("TrailerVerifier", () => {
  it("proves a stored blob intact whatever the read chunks, and refuses one changed byte or a cut trailer", async () => {
    const blob = await storedBlob();
    for (const chunk of [1, 7, 39, 40, 41, 65_536, blob.length]) expect(() => check(blob, chunk)).not.toThrow();
    for (const at of [10, blob.length - 20]) {
      const damaged = Buffer.from(blob);
      damaged[at]! ^= 1;
      for (const chunk of [13, 65_536]) expect(() => check(damaged, chunk)).toThrow(IntegrityError);
    }
    expect(() => check(blob.subarray(0, blob.length - 1), 4096)).toThrow(IntegrityError);
  });
});
