import { idToHex } from "@gocacheprog/common";
import { loadZstd, maxCompressedSize } from "@gocacheprog/common/zstd";
import type { Logger } from "../ops/logger.ts";
import type { ServerMetrics } from "../ops/metrics.ts";
import type { BlobBody, BlobStore } from "../storage/blob/types.ts";
import { type BodyCheck, BodyVerifier } from "../storage/blob/verify.ts";
import { IntegrityError } from "../storage/errors.ts";
import type { ActionRecord } from "../storage/index/types.ts";
import { compressedOutputKey, outputKey, parseOutputKey } from "../storage/keys.ts";
import * as bodies from "./output-bodies.ts";
import { reusable } from "./output-lifetime.ts";
import type { StorageCalls } from "./storage-calls.ts";
import type { Usage } from "./usage.ts";

/**
 * The one owner of output bytes: how an output is kept (inside its action record, or as a blob under
 * outputKey), how it is read back and verified against its OutputID, and what it occupies (logical
 * size vs bytes stored). Outputs are kept raw, or in our zstd form (@gocacheprog/common/zstd) when
 * the client sent them so: the record says which (codec), the blob's key too (compressedOutputKey).
 * Readers get the output itself, or the stored compressed form when they said they accept it.
 */

/** The fields of an action record that say how its output is kept; only this module fills them. */
export type OutputRef = Pick<ActionRecord, "outputId" | "size" | "inline" | "codec">;

/** Logical bytes: a whole Buffer when small or already verified, else a stream verified as it goes. */
export type OutputBody = Buffer | BlobBody;

export interface OpenedOutput {
  /** Logical size (the Content-Length of a hit sent as it is). */
  size: number;
  /** Absent when the caller did not ask for it (HEAD). */
  body?: OutputBody;
  /** Set when `body` is the stored compressed form (only for a reader that accepts it): its length. */
  zstdSize?: number;
}

/** How a put's body arrives: as the output itself, or in our zstd form (`bodySize` compressed bytes). */
export type UploadForm = { encoding: "identity" } | { encoding: "zstd"; bodySize: number };

export type StoreResult = "inline" | "stored" | "deduplicated";

export interface OutputsOptions {
  /** Outputs up to this size live inside the action record. */
  inlineMax: number;
  /** Blobs up to this size are read whole and verified before a byte is sent; larger ones while streaming. */
  verifyBufferMax: number;
  /** Held blobs older than this are stored again, not reused (cache/output-lifetime.ts); unset = always reused. */
  reuseMaxAgeMs?: number;
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

type Check = BodyCheck & { stored?: number };
type Stored = { result: StoreResult; ref: OutputRef; storedSize: number };

const EMPTY = Buffer.alloc(0);
const RAW: UploadForm = { encoding: "identity" };

export class Outputs {
  private readonly blobs: BlobStore;
  private readonly calls: StorageCalls;
  private readonly metrics: ServerMetrics;
  private readonly logger: Logger;
  private readonly options: OutputsOptions;
  private readonly usage: Usage;
  private readonly verified = new bodies.VerifiedVersions();

  constructor(deps: OutputsDeps) {
    ({ blobs: this.blobs, calls: this.calls, metrics: this.metrics, logger: this.logger, options: this.options, usage: this.usage } = deps);
  }

  /**
   * Keeps the body of a put, in the form it arrives (a client that compresses sends our zstd form,
   * which is kept without recompressing). Throws IntegrityError (400) when it does not decode to
   * bytes matching its OutputID and size, or the client goes away: then nothing is stored.
   */
  async store(
    ns: string,
    outputHex: string,
    size: number,
    body: AsyncIterable<Uint8Array>,
    form: UploadForm = RAW,
  ): Promise<{ result: StoreResult; ref: OutputRef }> {
    const stored = await this.keep(ns, { size, sha256Hex: outputHex }, body, form);
    if (stored.result !== "deduplicated") {
      const kept = { form: stored.ref.codec ?? "raw" };
      this.metrics.outputBytesLogical.inc(kept, size);
      this.metrics.outputBytesStored.inc(kept, stored.storedSize);
    }
    return stored;
  }

  private async keep(ns: string, expect: bodies.Expect, body: AsyncIterable<Uint8Array>, form: UploadForm): Promise<Stored> {
    const { size, sha256Hex: outputHex } = expect;
    const ref: OutputRef = { outputId: Buffer.from(outputHex, "hex"), size };
    // Stored with its digest trailer, the body must stay within what every decoder accepts.
    if (form.encoding === "zstd" && form.bodySize + bodies.DIGEST_TRAILER_BYTES > maxCompressedSize(size))
      throw new IntegrityError(`a zstd body of ${form.bodySize} bytes is longer than its ${size}-byte output: send it raw`);
    const zstd = form.encoding === "zstd" ? await loadZstd() : undefined;
    if (zstd) ref.codec = "zstd";
    const check = () => (zstd ? new bodies.ZstdVerifier(zstd, expect) : new BodyVerifier(expect));
    const upload = bodies.guardUpload(body, form.encoding === "zstd" ? form.bodySize : size);
    if (size <= this.options.inlineMax) {
      ref.inline = await bodies.readVerified(upload, check());
      return { result: "inline", ref, storedSize: ref.inline.byteLength };
    }
    const key = zstd ? compressedOutputKey(ns, outputHex, size) : outputKey(ns, outputHex);
    return this.storeBlob(ns, ref, key, upload, check);
  }

  private async storeBlob(ns: string, ref: OutputRef, key: string, upload: AsyncIterable<Uint8Array>, check: () => Check): Promise<Stored> {
    // Content-addressed and already held (in either form): prove the client's claim anyway, store nothing new.
    // held() saw what both names hold, so no third stat.
    const { ref: held, rawSize, zstdSize } = await this.held(ns, idToHex(ref.outputId), ref.size);
    if (held) {
      await bodies.drainVerified(upload, check());
      return { result: "deduplicated", ref: held, storedSize: 0 };
    }
    const verifier = check();
    // The compressed form is checked as it passes and closed with its digest trailer; raw bytes by the store.
    const [body, stored] =
      verifier instanceof bodies.ZstdVerifier ? [bodies.withDigestTrailer(upload, verifier), new bodies.ByteCounter()] : [upload, verifier];
    // Not raced against the deadline: an upload's duration depends on the client.
    await this.blobs.put(key, body, stored);
    const storedSize = stored instanceof bodies.ByteCounter ? stored.stored : ref.size;
    // A blob already under this key (a damaged one, or one too old to reuse) was replaced, not added to.
    await this.usage.add(ns, { entries: 0, bytes: storedSize - ((ref.codec === "zstd" ? zstdSize : rawSize) ?? 0) });
    return { result: "stored", ref, storedSize };
  }

  /** For a link-only put: the output when held as a reusable blob of that logical size (either form), else null (409); and what each name holds. */
  async held(ns: string, outputHex: string, size: number): Promise<{ ref: OutputRef | null; rawSize?: number; zstdSize?: number }> {
    const outputId = Buffer.from(outputHex, "hex");
    const maxAge = this.options.reuseMaxAgeMs;
    // The compressed blob's name carries its logical size, so its presence proves the size claim.
    const zstd = await this.calls.blob("head", (signal) => this.blobs.head(compressedOutputKey(ns, outputHex, size), { signal }));
    if (zstd && reusable(zstd.lastModified, maxAge)) return { ref: { outputId, size, codec: "zstd" } };
    const head = await this.calls.blob("head", (signal) => this.blobs.head(outputKey(ns, outputHex), { signal }));
    const ref = head?.size === size && reusable(head.lastModified, maxAge) ? { outputId, size } : null;
    return { ref, rawSize: head?.size, zstdSize: zstd?.size };
  }

  /**
   * The output an action record refers to. null = its blob is absent, or corrupt (and then removed).
   * acceptZstd: the reader takes our compressed form, so a compressed output is sent as it is stored.
   */
  async open(ns: string, ref: OutputRef, wantBody: boolean, acceptZstd = false): Promise<OpenedOutput | null> {
    if (ref.size === 0) return { size: 0, body: EMPTY };
    if (ref.inline && ref.codec === "zstd") {
      if (acceptZstd) return { size: ref.size, body: ref.inline, zstdSize: ref.inline.byteLength };
      const body = await this.decodeInline(ref);
      return body ? { size: ref.size, body } : null;
    }
    if (ref.inline) return { size: ref.size, body: ref.inline };
    const outputHex = idToHex(ref.outputId);
    if (ref.codec === "zstd") return this.openCompressed(ns, outputHex, ref.size, wantBody, acceptZstd);
    return this.openBlob(ns, outputHex, ref.size, wantBody);
  }

  /** An output by OutputID alone (no record, so no expected size): the raw blob, else a compressed one. */
  async openById(ns: string, outputHex: string, wantBody: boolean, acceptZstd = false): Promise<OpenedOutput | null> {
    const raw = await this.openBlob(ns, outputHex, undefined, wantBody);
    if (raw) return raw;
    const prefix = `${outputKey(ns, outputHex)}.`;
    for await (const item of this.blobs.list(prefix)) {
      const size = parseOutputKey(item.key)?.logicalSize;
      if (size !== undefined) return this.openCompressed(ns, outputHex, size, wantBody, acceptZstd);
    }
    return null;
  }

  /** The bytes a record holds itself (inline or empty), for batch answers; undefined when they are in a blob. */
  async inlineBody(ref: OutputRef): Promise<Buffer | undefined> {
    if (ref.size === 0) return EMPTY;
    if (ref.inline && ref.codec === "zstd") return (await this.decodeInline(ref)) ?? undefined;
    return ref.inline;
  }

  /** Compressed bytes inside a record, decoded and checked; null when they do not decode to the output. */
  private async decodeInline(ref: OutputRef): Promise<Buffer | null> {
    try {
      return bodies.decodeVerified(await loadZstd(), ref.inline!, { size: ref.size, sha256Hex: idToHex(ref.outputId) });
    } catch (err) {
      if (!(err instanceof IntegrityError)) throw err;
      this.metrics.corruptBlobs.inc();
      this.logger.error({ outputId: idToHex(ref.outputId), reason: err.message }, "inline compressed output failed verification");
      return null;
    }
  }

  private async openCompressed(
    ns: string,
    outputHex: string,
    size: number,
    wantBody: boolean,
    acceptZstd: boolean,
  ): Promise<OpenedOutput | null> {
    const key = compressedOutputKey(ns, outputHex, size);
    const corrupt = (reason: string, storedSize: number) => {
      void this.removeCorrupt(ns, key, reason, storedSize);
      return null;
    };
    if (!wantBody) {
      const head = await this.calls.blob("head", (signal) => this.blobs.head(key, { signal }));
      return head ? { size } : null;
    }
    // Passed on as stored: its digest trailer proves it (once per version). Decoded: checked as it decodes.
    const expect = { size, sha256Hex: outputHex };
    if (size <= this.options.verifyBufferMax) {
      const got = await this.calls.blob("getBytes", (signal) => bodies.readWhole(this.blobs, key, signal));
      if (!got) return null;
      const { data } = got;
      try {
        if (!acceptZstd) return { size, body: bodies.decodeVerified(await loadZstd(), data, expect) };
        this.verified.check(key, got, () => bodies.verifyBytes(data, new bodies.TrailerVerifier()));
        return { size, body: data, zstdSize: data.byteLength };
      } catch (err) {
        if (!(err instanceof IntegrityError)) throw err;
        return corrupt(err.message, data.byteLength);
      }
    }
    const decoding = acceptZstd ? undefined : new bodies.ZstdVerifier(await loadZstd(), expect);
    const got = await this.calls.blob("get", (signal) => this.blobs.get(key, { signal }));
    if (!got) return null;
    const onCorrupt = (reason: string) => corrupt(reason, got.size);
    if (decoding) return { size, body: bodies.verifyWhileStreaming(got.body, expect, onCorrupt, decoding) };
    return { size, body: bodies.verifyWhileStreaming(got.body, new bodies.TrailerVerifier(), onCorrupt), zstdSize: got.size };
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
      const whole = await this.calls.blob("getBytes", (signal) => bodies.readWhole(this.blobs, key, signal));
      if (!whole) return null;
      try {
        this.verified.check(key, whole, () => bodies.verifyBytes(whole.data, { size: expectedSize, sha256Hex: outputHex }));
      } catch (err) {
        return corrupt((err as Error).message, whole.data.byteLength);
      }
      return { size: whole.data.byteLength, body: whole.data };
    }
    const got = await this.calls.blob("get", (signal) => this.blobs.get(key, { signal }));
    if (!got) return null;
    const { size, body } = got;
    if (expectedSize !== undefined && size !== expectedSize) {
      body.destroy?.();
      return corrupt(`size ${size}, expected ${expectedSize}`, size);
    }
    const expect = { size, sha256Hex: outputHex };
    if (size > this.options.verifyBufferMax)
      return { size, body: bodies.verifyWhileStreaming(body, expect, (reason) => corrupt(reason, size)) };
    try {
      return { size, body: await bodies.readVerified(body, expect) };
    } catch (err) {
      if (!(err instanceof IntegrityError)) throw err;
      return corrupt(err.message, size);
    }
  }

  private async removeCorrupt(ns: string, key: string, reason: string, storedSize: number): Promise<void> {
    this.verified.forget(key);
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
