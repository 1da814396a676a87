import { createHash } from "node:crypto";
import { once } from "node:events";
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import type { Writable } from "node:stream";
import { b64 } from "../helpers.ts";

/**
 * A large put body that the test never holds whole either: made of 3 MiB pieces (a multiple of 3, so
 * each piece's base64 joins the next without padding), each a fixed random block stamped with its index.
 */
const PIECE = 3 * 1024 * 1024;

export class LargeBody {
  private readonly block: Buffer;

  constructor(
    readonly size: number,
    seed: string,
  ) {
    // Deterministic bytes of no pattern a compressor would exploit: sha256 in counter mode.
    this.block = Buffer.alloc(PIECE);
    for (let at = 0; at < PIECE; at += 32) {
      createHash("sha256").update(`${seed}:${at}`).digest().copy(this.block, at);
    }
  }

  *pieces(): Generator<Buffer> {
    for (let at = 0, i = 0; at < this.size; at += PIECE, i++) {
      const piece = Buffer.from(this.block.subarray(0, Math.min(PIECE, this.size - at)));
      piece.writeUInt32BE(i, 0);
      yield piece;
    }
  }

  sha256(): Buffer {
    const hash = createHash("sha256");
    for (const piece of this.pieces()) hash.update(piece);
    return hash.digest();
  }

  /**
   * Writes the put as go does (header, blank line, quoted base64, newline), waiting out a full pipe.
   * `cutShort` leaves out that many bytes' worth of body (a body shorter than its BodySize).
   */
  async writePut(to: Writable, id: number, actionId: Buffer, outputId: Buffer, cutShort = 0): Promise<void> {
    const header = { ID: id, Command: "put", ActionID: b64(actionId), OutputID: b64(outputId), BodySize: this.size };
    await write(to, `${JSON.stringify(header)}\n\n"`);
    let left = this.size - cutShort;
    for (const piece of this.pieces()) {
      if (left <= 0) break;
      const part = piece.subarray(0, Math.min(piece.length, left));
      left -= part.length;
      await write(to, b64(part));
    }
    await write(to, `"\n`);
  }
}

async function write(to: Writable, text: string): Promise<void> {
  if (!to.write(text)) await once(to, "drain");
}

export async function fileSha256(path: string): Promise<Buffer> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest();
}

/** Peak resident set of a running process (Linux), in bytes. */
export async function peakRssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]) * 1024;
}
