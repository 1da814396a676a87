/**
 * Immutable module files (.info, .mod, .zip of canonical versions, checksum database lookups and full
 * tiles) held in memory, least recently served dropped first, within --gomod-memory bytes. A warm
 * fleet asks for the same few hundred files over and over: from memory an answer costs no index read,
 * no blob open, read or sha256, and goes out in one write. Only bytes that were read back from the
 * store and verified, or just checked and stored by a fill, are kept; they can never change, so a copy
 * here is as good as the store's. They can be removed, though (an operator's purge, on any replica):
 * a file served from here is checked against the store at each touch, and dropped once it is gone.
 */

interface Held {
  body: Buffer;
  /** When this file was last reported as read to the store (for its eviction by age). */
  touchedMs: number;
}

export class MemoryFiles {
  /** Map order is recency: a hit moves the file to the end, eviction takes from the front. */
  private readonly files = new Map<string, Held>();
  private held = 0;
  /** One file may take this share of the budget at most, so one huge zip cannot flush the rest. */
  readonly entryMax: number;

  constructor(
    private readonly maxBytes: number,
    /** How often a file served from here is reported as read to the store (its eviction by age). */
    private readonly touchEveryMs: number,
  ) {
    this.entryMax = Math.floor(maxBytes / 8);
  }

  get bytes(): number {
    return this.held;
  }

  /** The file and whether the store should now hear it was read (at most once per touchEveryMs). */
  get(id: string, nowMs: number): { body: Buffer; touch: boolean } | undefined {
    const held = this.files.get(id);
    if (!held) return undefined;
    this.files.delete(id);
    this.files.set(id, held);
    const touch = nowMs - held.touchedMs >= this.touchEveryMs;
    if (touch) held.touchedMs = nowMs;
    return { body: held.body, touch };
  }

  /** true when the file was held. */
  delete(id: string): boolean {
    const held = this.files.get(id);
    if (!held) return false;
    this.files.delete(id);
    this.held -= held.body.byteLength;
    return true;
  }

  set(id: string, body: Buffer, nowMs: number): void {
    if (body.byteLength > this.entryMax || this.files.has(id)) return;
    this.files.set(id, { body, touchedMs: nowMs });
    this.held += body.byteLength;
    for (const [oldest, held] of this.files) {
      if (this.held <= this.maxBytes) break;
      this.files.delete(oldest);
      this.held -= held.body.byteLength;
    }
  }
}
