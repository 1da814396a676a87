import { createHash, type Hash } from "node:crypto";
import { IntegrityError } from "../errors.ts";

/**
 * What a store calls on every byte of a put and once at its end; throwing (IntegrityError) refuses
 * the body before it becomes visible. BodyVerifier checks plain bytes; a caller with another stored
 * form (compressed outputs, cache/output-bodies.ts) passes its own.
 */
export interface BodyCheck {
  update(chunk: Uint8Array): void;
  finish(): void;
}

/** What a put's body must be: its exact size and sha256, or whatever a BodyCheck checks. */
export type BlobExpect = { size: number; sha256Hex: string } | BodyCheck;

export function bodyCheckFor(expect: BlobExpect): BodyCheck {
  return "update" in expect ? expect : new BodyVerifier(expect);
}

/** Hashes and counts a body as it streams past, so stores can refuse it before it becomes visible. */
export class BodyVerifier implements BodyCheck {
  private readonly hash: Hash = createHash("sha256");
  private received = 0;

  constructor(private readonly expect: { size: number; sha256Hex: string }) {}

  /** Throws as soon as the body runs past the declared size, without reading the rest. */
  update(chunk: Uint8Array): void {
    this.received += chunk.length;
    if (this.received > this.expect.size) {
      throw new IntegrityError(`body is longer than the declared ${this.expect.size} bytes`);
    }
    this.hash.update(chunk);
  }

  /** Call once the body has ended. */
  finish(): void {
    if (this.received !== this.expect.size) {
      throw new IntegrityError(`body ended after ${this.received} of ${this.expect.size} declared bytes`);
    }
    const actual = this.hash.digest("hex");
    if (actual !== this.expect.sha256Hex) {
      throw new IntegrityError(`body sha256 ${actual} does not match the declared ${this.expect.sha256Hex}`);
    }
  }
}
