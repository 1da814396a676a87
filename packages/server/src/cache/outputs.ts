import { idToHex } from "@gocacheprog/common";
import type { Logger } from "../ops/logger.ts";
import type { ServerMetrics } from "../ops/metrics.ts";
import type { BlobBody, BlobStore } from "../storage/blob/types.ts";
import { IntegrityError } from "../storage/errors.ts";
import { inlineBytes } from "../storage/index/record-codec.ts";
import type { ActionRecord } from "../storage/index/types.ts";
import { outputKey } from "../storage/keys.ts";
import { drainVerified, guardUpload, readVerified, verifyBytes, verifyWhileStreaming } from "./output-bodies.ts";
import type { StorageCalls } from "./storage-calls.ts";
import type { Usage } from "./usage.ts";

/**
 * The one owner of output bytes: how an output is kept (inside its action record, or as a blob under
 * outputKey), how it is read back and verified against its OutputID, and what it occupies (logical
 * size vs bytes stored). The core and the routes only ever see logical bytes and logical sizes, so a
 * new way of keeping outputs (compression, say) changes this module, the record codec and the stores.
 */

/** The fields of an action record that say how its output is kept; only this module fills them. */
export type OutputRef = Pick<ActionRecord, "outputId" | "size" | "inline">;

/** Logical bytes: a whole Buffer when small or already verified, else a stream verified as it goes. */
export type OutputBody = Buffer | BlobBody;

export interface OpenedOutput {
  /** Logical size (the Content-Length of a hit). */
  size: number;
  /** Absent when the caller did not ask for it (HEAD). */
  body?: OutputBody;
}

export type StoreResult = "inline" | "stored" | "deduplicated";

export interface OutputsOptions {
  /** Outputs up to this size live inside the action record. */
  inlineMax: number;
  /** Blobs up to this size are read whole and verified before a byte is sent; larger ones while streaming. */
  verifyBufferMax: number;
}

export interface OutputsDeps {
  blobs: BlobStore;
  calls: StorageCalls;
  metrics: ServerMetrics;
  logger: Logger;
  options: OutputsOptions;
  /** Told the stored bytes of every blob this module adds or removes. */
  usage: Usage;
}

const EMPTY = Buffer.alloc(0);

export class Outputs {
  private readonly blobs: BlobStore;
  private readonly calls: StorageCalls;
  private readonly metrics: ServerMetrics;
  private readonly logger: Logger;
  private readonly options: OutputsOptions;
  private readonly usage: Usage;

  constructor(deps: OutputsDeps) {
    ({ blobs: this.blobs, calls: this.calls, metrics: this.metrics, logger: this.logger, options: this.options, usage: this.usage } = deps);
  }

  /**
   * Keeps the body of a put. Throws IntegrityError (400) when it does not match its OutputID and
   * size, or the client goes away: then nothing is stored.
   */
  async store(
    ns: string,
    outputHex: string,
    size: number,
    body: AsyncIterable<Uint8Array>,
  ): Promise<{ result: StoreResult; ref: OutputRef }> {
    const upload = guardUpload(body, size);
    const expect = { size, sha256Hex: outputHex };
    const ref: OutputRef = { outputId: Buffer.from(outputHex, "hex"), size };
    if (size <= this.options.inlineMax) {
      ref.inline = await readVerified(upload, expect);
      return { result: "inline", ref };
    }
    const key = outputKey(ns, outputHex);
    const existing = await this.calls.blob("head", (signal) => this.blobs.head(key, { signal }));
    if (existing?.size === size) {
      // Content-addressed and already held: prove the client's claim anyway, store nothing new.
      await drainVerified(upload, expect);
      return { result: "deduplicated", ref };
    }
    // Not raced against the deadline: an upload's duration depends on the client.
    await this.blobs.put(key, upload, expect);
    // A blob of another size under this key (a damaged one) was replaced, not added to.
    await this.usage.add(ns, { entries: 0, bytes: size - (existing?.size ?? 0) });
    return { result: "stored", ref };
  }

  /** For a link-only put: the output when it is held as a blob of that logical size, else null (409). */
  async held(ns: string, outputHex: string, size: number): Promise<OutputRef | null> {
    const head = await this.calls.blob("head", (signal) => this.blobs.head(outputKey(ns, outputHex), { signal }));
    return head?.size === size ? { outputId: Buffer.from(outputHex, "hex"), size } : null;
  }

  /** The output an action record refers to. null = its blob is absent, or corrupt (and then removed). */
  async open(ns: string, ref: OutputRef, wantBody: boolean): Promise<OpenedOutput | null> {
    if (ref.inline || ref.size === 0) return { size: ref.size, body: ref.inline ?? EMPTY };
    return this.openBlob(ns, idToHex(ref.outputId), ref.size, wantBody);
  }

  /** An output by OutputID alone (no record, so no expected size). */
  openById(ns: string, outputHex: string, wantBody: boolean): Promise<OpenedOutput | null> {
    return this.openBlob(ns, outputHex, undefined, wantBody);
  }

  /** The bytes a record holds itself (inline or empty), for batch answers; undefined when they are in a blob. */
  inlineBody(ref: OutputRef): Buffer | undefined {
    return ref.inline ?? (ref.size === 0 ? EMPTY : undefined);
  }

  private async openBlob(ns: string, outputHex: string, expectedSize: number | undefined, wantBody: boolean): Promise<OpenedOutput | null> {
    const key = outputKey(ns, outputHex);
    const corrupt = (reason: string, storedSize: number) => {
      void this.removeCorrupt(ns, key, reason, storedSize);
      return null;
    };
    if (!wantBody) {
      const head = await this.calls.blob("head", (signal) => this.blobs.head(key, { signal }));
      if (!head) return null;
      if (expectedSize !== undefined && head.size !== expectedSize)
        return corrupt(`size ${head.size}, expected ${expectedSize}`, head.size);
      return { size: head.size };
    }
    if (expectedSize !== undefined && expectedSize <= this.options.verifyBufferMax) {
      // Most outputs are small: one whole read (a single syscall or S3 GET) beats streaming them.
      const data = await this.calls.blob("getBytes", (signal) => this.blobs.getBytes(key, { signal }));
      if (!data) return null;
      try {
        verifyBytes(data, { size: expectedSize, sha256Hex: outputHex });
      } catch (err) {
        return corrupt((err as Error).message, data.byteLength);
      }
      return { size: data.byteLength, body: data };
    }
    const got = await this.calls.blob("get", (signal) => this.blobs.get(key, { signal }));
    if (!got) return null;
    const { size, body } = got;
    if (expectedSize !== undefined && size !== expectedSize) {
      body.destroy?.();
      return corrupt(`size ${size}, expected ${expectedSize}`, size);
    }
    const expect = { size, sha256Hex: outputHex };
    if (size > this.options.verifyBufferMax) return { size, body: verifyWhileStreaming(body, expect, (reason) => corrupt(reason, size)) };
    try {
      return { size, body: await readVerified(body, expect) };
    } catch (err) {
      if (!(err instanceof IntegrityError)) throw err;
      return corrupt(err.message, size);
    }
  }

  private async removeCorrupt(ns: string, key: string, reason: string, storedSize: number): Promise<void> {
    this.metrics.corruptBlobs.inc();
    this.logger.error({ key, reason }, "stored output failed verification; removed");
    try {
      await this.calls.blob("delete", () => this.blobs.delete(key));
      await this.usage.add(ns, { entries: 0, bytes: -storedSize });
    } catch (err) {
      this.logger.warn({ err: (err as Error).message, key }, "could not remove corrupt output");
    }
  }
}

/** The blob that holds a record's output, or null when the record holds it itself (inline or empty). */
export function outputBlobKey(ns: string, ref: OutputRef): string | null {
  return ref.size > 0 && !ref.inline ? outputKey(ns, idToHex(ref.outputId)) : null;
}

/** Output bytes stored inside the record itself (counted against the size budget by gc). */
export function bytesInRecord(ref: OutputRef): number {
  return inlineBytes(ref);
}
