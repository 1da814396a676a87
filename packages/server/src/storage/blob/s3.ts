import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { IntegrityError } from "../errors.ts";
import { parseActionRecordKey, parseManifestKey, parseOutputKey } from "../keys.ts";
import { isNotFound, toBackendError } from "./s3-errors.ts";
import { readParts } from "./s3-parts.ts";
import type { BlobBody, BlobListing, BlobStore, ReadOptions, VersionedBytes } from "./types.ts";
import { type BlobExpect, bodyCheckFor } from "./verify.ts";

/** S3 refuses parts under 5 MiB (except the last), so smaller part sizes would only work on some clones. */
export const MIN_PART_SIZE = 5 * 1024 * 1024;

export interface S3BlobStoreOptions {
  bucket: string;
  /** Custom endpoint for S3-compatible stores (MinIO, versitygw, R2...); omit for AWS. */
  endpoint?: string;
  region?: string;
  /** Prepended to every key, e.g. "gocacheprog/"; a missing trailing "/" is added. */
  prefix?: string;
  forcePathStyle?: boolean;
  /**
   * For programmatic use and tests only; the server leaves this unset so the SDK's standard chain
   * (AWS_* env, shared config files, instance/container roles) supplies credentials.
   */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Bodies up to this size go in one PutObject; larger ones in parts of this size. Default 8 MiB. */
  partSize?: number;
  /** TCP connect limit per attempt. Default 2000 ms. */
  connectTimeoutMs?: number;
  /** Limit for every call but part uploads, up to the response headers. Default 5000 ms. */
  requestTimeoutMs?: number;
  /** Limit for one PutObject or UploadPart including its body. Default 60000 ms. */
  uploadTimeoutMs?: number;
  /** A connection silent this long (e.g. a download stalling mid-body) is torn down. Default 60000 ms. */
  socketIdleTimeoutMs?: number;
  /** Keys per ListObjectsV2 page (MaxKeys). Default: the server's (1000 on AWS). */
  listPageSize?: number;
  /** Attempts per call including the first; kept small so an outage fails fast. Default 2. */
  maxAttempts?: number;
}

/**
 * Blob store on any S3-compatible service.
 *
 * put() does its own multipart upload instead of @aws-sdk/lib-storage's Upload: Upload completes the
 * upload as soon as the stream ends, before the caller could check the sha256, which would let a
 * corrupt body become visible. Here the running sha256 and size are verified before
 * CompleteMultipartUpload (or before the single PutObject for small bodies), and any mismatch or
 * error aborts the upload, so a bad object never appears under its key.
 */
export class S3BlobStore implements BlobStore {
  readonly kind = "s3" as const;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly partSize: number;
  private readonly requestTimeoutMs: number;
  private readonly uploadTimeoutMs: number;
  private readonly listPageSize: number | undefined;

  constructor(options: S3BlobStoreOptions) {
    this.bucket = options.bucket;
    const prefix = options.prefix ?? "";
    this.prefix = prefix === "" || prefix.endsWith("/") ? prefix : `${prefix}/`;
    this.partSize = options.partSize ?? 8 * 1024 * 1024;
    if (this.partSize < MIN_PART_SIZE) throw new RangeError(`S3 part size must be at least ${MIN_PART_SIZE} bytes`);
    this.requestTimeoutMs = options.requestTimeoutMs ?? 5000;
    this.uploadTimeoutMs = options.uploadTimeoutMs ?? 60_000;
    this.listPageSize = options.listPageSize;
    this.client = new S3Client({
      region: options.region ?? "us-east-1",
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      forcePathStyle: options.forcePathStyle ?? false,
      maxAttempts: options.maxAttempts ?? 2,
      // The body's sha256 is checked here already; CRC trailers only add work and trip some S3 clones.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      requestHandler: {
        connectionTimeout: options.connectTimeoutMs ?? 2000,
        requestTimeout: this.requestTimeoutMs,
        throwOnRequestTimeout: true,
        socketTimeout: options.socketIdleTimeoutMs ?? 60_000,
      },
    });
  }

  private objectKey(key: string): string {
    return this.prefix + key;
  }

  async put(key: string, body: AsyncIterable<Uint8Array>, expect: BlobExpect): Promise<void> {
    const Key = this.objectKey(key);
    const parts = readParts(body, this.partSize, bodyCheckFor(expect));
    const first = await parts.next();
    if (first.done) throw new IntegrityError("body produced no parts");
    if (first.value.last) {
      await this.call(
        (o) =>
          this.client.send(
            new PutObjectCommand({ Bucket: this.bucket, Key, Body: first.value.data, ContentLength: first.value.data.length }),
            o,
          ),
        {
          upload: true,
        },
      );
      return;
    }
    const created = await this.call((o) => this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key }), o));
    const UploadId = created.UploadId;
    if (!UploadId) throw toBackendError(new Error("CreateMultipartUpload returned no UploadId"));
    // The part upload running while the next part is read; an abort must wait for it (see catch).
    let inFlight: Promise<unknown> | undefined;
    try {
      const completed: { ETag: string; PartNumber: number }[] = [];
      let part: { data: Buffer; last: boolean } = first.value;
      // One part uploads while the next one is read from the client, which bounds memory to ~2 parts.
      for (let PartNumber = 1; ; PartNumber++) {
        const upload = this.call(
          (o) => this.client.send(new UploadPartCommand({ Bucket: this.bucket, Key, UploadId, PartNumber, Body: part.data }), o),
          { upload: true },
        );
        inFlight = upload;
        upload.catch(() => {}); // awaited below; this only stops an unhandled rejection while reading on
        const next = part.last ? null : await parts.next();
        const { ETag } = await upload;
        completed.push({ ETag: ETag ?? "", PartNumber });
        if (next === null) break;
        if (next.done) throw new IntegrityError("body ended without a final part");
        part = next.value;
      }
      // readParts has verified size and sha256 before it handed out the last part. Completing a large
      // object can take S3 far longer than a small request's timeout: it gets the upload's.
      await this.call(
        (o) =>
          this.client.send(
            new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId, MultipartUpload: { Parts: completed } }),
            o,
          ),
        { upload: true },
      );
    } catch (error) {
      await parts.return(undefined).catch(() => {});
      // A part still uploading when the body turned out bad would land after an abort sent now and
      // leave the upload (and its storage) behind, so the abort goes out once that part has settled.
      await inFlight?.catch(() => {});
      await this.call((o) => this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId }), o)).catch(() => {});
      throw error;
    }
  }

  async get(key: string, options: ReadOptions = {}): Promise<{ body: BlobBody; size: number } | null> {
    const object = await this.getObject(key, options);
    return object && { body: object.body, size: object.size };
  }

  private async getObject(key: string, options: ReadOptions): Promise<{ body: BlobBody; size: number; etag?: string } | null> {
    try {
      const out = await this.call((o) => this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }), o), {
        raw: true,
        signal: options.signal,
      });
      const body = out.Body as unknown as BlobBody | undefined;
      if (!body) throw new Error("GetObject returned no body");
      return { body, size: out.ContentLength ?? 0, etag: out.ETag };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw toBackendError(error);
    }
  }

  async getBytes(key: string, options: ReadOptions = {}): Promise<Buffer | null> {
    return (await this.getVersioned(key, options))?.data ?? null;
  }

  /** The version is the ETag: S3 (and its clones) give every write of a key with other bytes another one. */
  async getVersioned(key: string, options: ReadOptions = {}): Promise<VersionedBytes | null> {
    const object = await this.getObject(key, options);
    if (object === null) return null;
    const chunks: Uint8Array[] = [];
    try {
      for await (const chunk of object.body) chunks.push(chunk);
    } catch (error) {
      throw toBackendError(error);
    }
    return { data: Buffer.concat(chunks), version: object.etag || undefined };
  }

  async head(key: string, options: ReadOptions = {}): Promise<{ size: number; lastModified: Date } | null> {
    try {
      const out = await this.call((o) => this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }), o), {
        raw: true,
        signal: options.signal,
      });
      return { size: out.ContentLength ?? 0, lastModified: out.LastModified ?? new Date(0) };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw toBackendError(error);
    }
  }

  async delete(key: string): Promise<void> {
    await this.call((o) => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }), o));
  }

  async *list(prefix: string): AsyncIterable<BlobListing> {
    let ContinuationToken: string | undefined;
    do {
      const command = new ListObjectsV2Command({
        Bucket: this.bucket,
        Prefix: this.objectKey(prefix),
        ContinuationToken,
        MaxKeys: this.listPageSize,
      });
      const page = await this.call((o) => this.client.send(command, o));
      for (const object of page.Contents ?? []) {
        if (!object.Key?.startsWith(this.prefix)) continue;
        yield { key: object.Key.slice(this.prefix.length), size: object.Size ?? 0, lastModified: object.LastModified ?? new Date(0) };
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  /**
   * Incomplete multipart uploads under the prefix (a server killed mid-put never sent the abort):
   * S3 bills their parts and never shows them in a listing. Bytes are not reported: counting them
   * would need a ListParts per upload.
   */
  async removeLeftovers(olderThan: Date): Promise<{ removed: number; bytes: number }> {
    let removed = 0;
    let KeyMarker: string | undefined;
    let UploadIdMarker: string | undefined;
    do {
      const command = new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: this.prefix || undefined, KeyMarker, UploadIdMarker });
      const page = await this.call((o) => this.client.send(command, o));
      for (const { Key, UploadId, Initiated } of page.Uploads ?? []) {
        if (!Key || !UploadId || !Initiated || Initiated >= olderThan) continue;
        // Without --s3-prefix the bucket may be shared: only uploads of our own keys are ours to abort.
        if (!this.prefix && !isStoreKey(Key)) continue;
        await this.call((o) => this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId }), o));
        removed++;
      }
      ({ NextKeyMarker: KeyMarker, NextUploadIdMarker: UploadIdMarker } = page.IsTruncated ? page : {});
    } while (KeyMarker);
    return { removed, bytes: 0 };
  }

  async ping(): Promise<void> {
    await this.call((o) => this.client.send(new HeadBucketCommand({ Bucket: this.bucket }), o));
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  /** Every call gets a bounded timeout; failures surface as BackendUnavailableError unless `raw`. */
  private async call<T>(
    send: (options: { requestTimeout: number; abortSignal?: AbortSignal }) => Promise<T>,
    options: { upload?: boolean; raw?: boolean; signal?: AbortSignal } = {},
  ): Promise<T> {
    const requestTimeout = options.upload ? this.uploadTimeoutMs : this.requestTimeoutMs;
    try {
      return await send({ requestTimeout, abortSignal: options.signal });
    } catch (error) {
      throw options.raw ? error : toBackendError(error);
    }
  }
}

function isStoreKey(key: string): boolean {
  return parseOutputKey(key) !== null || parseActionRecordKey(key) !== null || parseManifestKey(key) !== null;
}
