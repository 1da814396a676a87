import type { IncomingMessage } from "node:http";
import { BatchUploadRequest, BatchUploadResponse, Codec, type IUploadItem, type IUploadItemResult } from "@gocacheprog/common/proto";
import { localFailure, RemoteError } from "./exchange.ts";
import { readWhole } from "./upload-bodies.ts";
import { packForUpload } from "./zstd-bodies.ts";

/**
 * Batched uploads. A cold build puts an output or two per compile, each of which went up in a PUT of
 * its own (a cold `go build std`: 1461 PUTs plus 249 link tries), on the cores the compiler is using.
 * Small outputs (most of them) wait here a moment and go up together in one POST batch/upload; each
 * item is stored or refused on its own, as a PUT of it would be. Large outputs keep their own
 * streamed PUT. Cold std, a fresh embedded server each, 2-core CI machine kind: 1710 requests -> 152, client
 * CPU 5.3-5.6 s -> 3.5-4.7 s, the server's 5.9-6.5 s -> 3.2-4.1 s.
 */

/** One output to upload: where the local tier holds it. */
export interface UploadJob {
  actionHex: string;
  outputHex: string;
  size: number;
  diskPath: string;
}

/** Outputs up to this size go in batches (read whole into memory); larger ones stream in a PUT of their own. */
export const BATCH_ITEM_MAX_BYTES = 1024 * 1024;
/** A batch is sent when it holds this many outputs... */
const BATCH_MAX_ITEMS = 128;
/** ...or this many output bytes (so a request stays well below the server's MAX_BATCH_UPLOAD_BYTES)... */
const BATCH_MAX_BYTES = 2 * 1024 * 1024;
/** ...or this long after its first output joined: a moment for the outputs of the next compiles. */
export const BATCH_LINGER_MS = 200;

/** Collects small uploads and hands them on as batches. */
export class UploadBatcher {
  private jobs: UploadJob[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly send: (jobs: UploadJob[]) => void,
    private readonly lingerMs = BATCH_LINGER_MS,
  ) {}

  add(job: UploadJob): void {
    if (this.jobs.length > 0 && this.bytes + job.size > BATCH_MAX_BYTES) this.flush();
    this.jobs.push(job);
    this.bytes += job.size;
    if (this.jobs.length >= BATCH_MAX_ITEMS) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.lingerMs);
      this.timer.unref();
    }
  }

  /** Sends what is waiting now (at session end, before the uploads drain). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.jobs.length === 0) return;
    const jobs = this.jobs;
    this.jobs = [];
    this.bytes = 0;
    this.send(jobs);
  }
}

/** What the server said about each output of a batch (in `sent` order), or why the batch went nowhere. */
export type BatchOutcome = (PackedBatch & { results: IUploadItemResult[] }) | "unsupported" | "forbidden";

/** A batch ready to send: the encoded request, the jobs it carries, and those the local tier could not read. */
export interface PackedBatch {
  body: Uint8Array;
  sent: { job: UploadJob; wireBytes: number }[];
  unreadable: { job: UploadJob; err: Error }[];
}

/** Reads (and, when `compress` and it pays, compresses) each output into one BatchUploadRequest. */
export async function packBatch(jobs: readonly UploadJob[], compress: boolean): Promise<PackedBatch> {
  const items: IUploadItem[] = [];
  const batch: PackedBatch = { body: new Uint8Array(0), sent: [], unreadable: [] };
  for (const job of jobs) {
    try {
      const frames = compress ? await packForUpload(job.diskPath, job.size) : null;
      const body = frames ? Buffer.concat(frames) : readWhole(job.diskPath, job.size);
      const codec = frames ? Codec.CODEC_ZSTD : Codec.CODEC_NONE;
      items.push({ actionId: Buffer.from(job.actionHex, "hex"), outputId: Buffer.from(job.outputHex, "hex"), size: job.size, body, codec });
      batch.sent.push({ job, wireBytes: body.length });
    } catch (err) {
      batch.unreadable.push({ job, err: localFailure(err) });
    }
  }
  if (items.length > 0) batch.body = BatchUploadRequest.encode({ items }).finish();
  return batch;
}

/** A batch's answer is a status per item (a few bytes, with a reason for each refusal); more is not an answer. */
const MAX_BATCH_REPLY_BYTES = 1 << 20;

/** The results of a 200 answer to a batch of `items`, or RemoteError for anything that is not one. */
export async function batchResults(res: IncomingMessage, items: number): Promise<IUploadItemResult[]> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of res) {
    length += (chunk as Buffer).length;
    if (length > MAX_BATCH_REPLY_BYTES) throw new RemoteError(`POST batch upload: reply longer than ${MAX_BATCH_REPLY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  if (!res.complete) throw new RemoteError("POST batch upload: connection cut mid-reply");
  let results: IUploadItemResult[];
  try {
    results = BatchUploadResponse.decode(Buffer.concat(chunks, length)).results;
  } catch (err) {
    throw new RemoteError(`POST batch upload: not a BatchUploadResponse (${(err as Error).message})`);
  }
  if (results.length !== items) throw new RemoteError(`POST batch upload: ${results.length} results for ${items} items`);
  return results;
}
