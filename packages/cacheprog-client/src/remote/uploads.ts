import type { Logger } from "../ops/log.ts";
import type { Stats } from "../ops/stats.ts";
import type { CircuitBreaker } from "./breaker.ts";
import { LocalStoreError, type RemoteClient, RemoteRefusal, RemoteTimeout } from "./http.ts";
import { BATCH_ITEM_MAX_BYTES, UploadBatcher, type UploadJob } from "./upload-batch.ts";
import { BoundedUploader } from "./uploader.ts";

export interface UploadOptions {
  uploads: boolean;
  uploadConcurrency: number;
  uploadQueue: number;
  /** Outputs at least this large try a body-less link before uploading. */
  linkThresholdBytes: number;
  /** Small outputs go up in batches (remote/upload-batch.ts); a server without the route turns it off. */
  batchUploads?: boolean;
}

/** How the remote tier is told what went wrong: its breaker's verdict and its once-per-kind warnings. */
export interface Complaints {
  remoteFailed(err: unknown): void;
  warnOnce(key: string, message: string): void;
}

/**
 * The remote tier's write side: go's puts go up behind it (write-behind), in batches of small outputs
 * or one request per large one, through a bounded queue. Nothing here can fail or hold up a go
 * command: a lost upload is counted, and the entry stays local only.
 */
export class Uploads {
  /** Queued uploads: one output (its own PUT), or a batch of small ones (one POST). */
  private readonly uploader: BoundedUploader<UploadJob | UploadJob[]>;
  private readonly batcher: UploadBatcher;
  /** Off once the server answers that it has no batch route (it predates batches): one PUT per output. */
  private batching: boolean;
  private uploadsOn: boolean;

  constructor(
    private readonly client: RemoteClient,
    private readonly breaker: CircuitBreaker,
    private readonly stats: Stats,
    private readonly log: Logger,
    private readonly complaints: Complaints,
    private readonly options: UploadOptions,
  ) {
    this.uploadsOn = options.uploads;
    this.batching = options.batchUploads ?? false;
    this.uploader = new BoundedUploader(options.uploadConcurrency, options.uploadQueue, (job) =>
      Array.isArray(job) ? this.uploadBatch(job) : this.upload(job),
    );
    this.batcher = new UploadBatcher((jobs) => this.enqueue(jobs));
  }

  /** Whether uploads are on (off for read-only tokens and --readonly, or after a 403). */
  get on(): boolean {
    return this.uploadsOn;
  }

  offer(job: UploadJob): void {
    if (!this.uploadsOn) return;
    if (this.batching && job.size <= BATCH_ITEM_MAX_BYTES) this.batcher.add(job);
    else this.enqueue(job);
  }

  /** Sends what waits for a batch, then waits (at most `deadlineMs`) for the queue; abandoned ones are counted. */
  async drain(deadlineMs: number): Promise<void> {
    this.batcher.flush();
    const abandoned = await this.uploader.drain(deadlineMs);
    if (abandoned > 0) {
      this.stats.uploadsDropped += abandoned;
      this.complaints.warnOnce("drain", `${abandoned} uploads still queued at exit were dropped (drain deadline)`);
    }
  }

  private enqueue(job: UploadJob | UploadJob[]): void {
    const outputs = Array.isArray(job) ? job.length : 1;
    if (!this.uploader.offer(job, outputs)) this.stats.uploadsDropped += outputs;
  }

  /**
   * One request's worth of uploads (`outputs` of them), when uploads are on and the breaker lets it
   * through (else they are dropped); a failure of the whole request fails them all.
   */
  private async attempt(outputs: number, send: () => Promise<void>): Promise<void> {
    if (!this.uploadsOn) return;
    if (!this.breaker.allow()) {
      this.stats.uploadsDropped += outputs;
      return;
    }
    const started = performance.now();
    try {
      await send();
    } catch (err) {
      this.uploadFailed(err, outputs);
    } finally {
      this.stats.remoteMs += performance.now() - started;
    }
  }

  /** A batch of small outputs in one request; each is counted as its own upload would be. */
  private uploadBatch(jobs: UploadJob[]): Promise<void> {
    return this.attempt(jobs.length, async () => {
      const outcome = await this.client.uploadBatch(jobs);
      // A batch whose outputs were all gone locally sent no request: it says nothing about the server.
      if (typeof outcome === "string" || outcome.sent.length > 0) {
        this.breaker.succeeded();
        this.stats.uploadRequests++;
      } else this.breaker.released();
      if (outcome === "unsupported") {
        this.batching = false;
        this.log.debug("the server has no batch uploads: one request per output");
        for (const job of jobs) this.enqueue(job);
        return;
      }
      if (outcome === "forbidden") return this.forbidden();
      for (const { err } of outcome.unreadable) this.uploadFailed(err);
      outcome.sent.forEach(({ job, wireBytes }, i) => {
        const { status, error } = outcome.results[i]!;
        if (status === 201) this.uploaded(job.size, wireBytes);
        else this.uploadFailed(new RemoteRefusal(`batch upload item: HTTP ${status}: ${error ?? ""}`));
      });
    });
  }

  private upload(job: UploadJob): Promise<void> {
    return this.attempt(1, async () => {
      const { outcome, wireBytes, requests } = await this.client.upload(
        job.actionHex,
        job.outputHex,
        job.size,
        job.diskPath,
        job.size >= this.options.linkThresholdBytes,
      );
      this.breaker.succeeded();
      this.stats.uploadRequests += requests;
      if (outcome === "forbidden") this.forbidden();
      else if (outcome === "linked") this.stats.uploadsSkipped++;
      else this.uploaded(job.size, wireBytes);
    });
  }

  private uploaded(size: number, wireBytes: number): void {
    this.stats.uploads++;
    this.stats.uploadBytes += size;
    this.stats.uploadWireBytes += wireBytes;
  }

  private forbidden(): void {
    this.uploadsOn = false;
    this.complaints.warnOnce("forbidden", "the token may only read: uploads are off for this run");
  }

  /** Counts the uploads one failure cost (a batch's: all it carried) and tells the breaker and the log once. */
  private uploadFailed(err: unknown, outputs = 1): void {
    this.stats.uploadErrors += outputs;
    if (err instanceof RemoteRefusal || err instanceof RemoteTimeout) {
      // A 413 for an output above the server's --max-body, or a large output on a slow link, says
      // nothing about whether lookups will work: reads stay on.
      this.breaker.released();
      this.stats.remoteErrors++;
      this.complaints.warnOnce(`upload-${err.name}`, `an upload was not accepted (${err.message}); that entry stays local only`);
    } else if (err instanceof LocalStoreError) {
      // Nothing the remote did. An output trimmed from the local tier before its upload ran is
      // expected now and then; any other local failure (permissions, descriptors) is said once.
      this.breaker.released();
      if (err.trimmed) this.log.debug(`upload skipped: ${err.message}`);
      else
        this.complaints.warnOnce(
          "upload-local",
          `an upload could not read its output locally (${err.message}); that entry stays local only`,
        );
    } else this.complaints.remoteFailed(err);
  }
}
