import type { BatchOutcome, OpenSink, RemoteHit, UploadOutcome, UploadResult } from "../../src/remote/http.ts";
import type { UploadJob } from "../../src/remote/upload-batch.ts";

export interface StubEntry {
  outputHex: string;
  putTime: Date;
  body: Buffer;
}

/** Stands in for the HTTP client (the real one is exercised against a real server in test/*.test.ts). */
export class StubClient {
  lookups = 0;
  uploads: { actionHex: string; link: boolean }[] = [];
  entries = new Map<string, StubEntry>();
  lookupError: Error | undefined;
  uploadError: Error | undefined;
  uploadOutcome: UploadOutcome = "stored";
  /** Each batch upload's jobs, in order. */
  batches: UploadJob[][] = [];
  /** The answer to a batch: "unsupported"/"forbidden" as such, else each item's status in turn (201 when the list runs out). */
  batchAnswer: "unsupported" | "forbidden" | number[] = [];
  gate: Promise<void> = Promise.resolve();

  /** Streams the stored body into the sink in two pieces, as a reply arriving in chunks would. */
  async lookup(actionHex: string, open: OpenSink): Promise<RemoteHit | null> {
    this.lookups++;
    await this.gate;
    if (this.lookupError) throw this.lookupError;
    const stored = this.entries.get(actionHex);
    if (!stored) return null;
    const entry = { outputHex: stored.outputHex, putTime: stored.putTime, size: stored.body.length };
    const sink = open(entry);
    try {
      sink.write(stored.body.subarray(0, 3));
      sink.write(stored.body.subarray(3));
      const head = sink.head;
      return { entry, hit: sink.finish(), head, wireBytes: stored.body.length };
    } catch (err) {
      sink.abort();
      throw err;
    }
  }
  async upload(actionHex: string, _o: string, s: number, _p: string, link: boolean): Promise<UploadResult> {
    this.uploads.push({ actionHex, link });
    if (this.uploadError) throw this.uploadError;
    return { outcome: this.uploadOutcome, wireBytes: this.uploadOutcome === "stored" ? s : 0, requests: link ? 2 : 1 };
  }
  async uploadBatch(jobs: UploadJob[]): Promise<BatchOutcome> {
    this.batches.push(jobs);
    if (this.uploadError) throw this.uploadError;
    const answer = this.batchAnswer;
    if (!Array.isArray(answer)) return answer;
    const sent = jobs.map((job) => ({ job, wireBytes: job.size }));
    const results = jobs.map((_, i) => ({ status: answer[i] ?? 201, error: answer[i] === undefined ? "" : "refused here" }));
    return { body: new Uint8Array(0), sent, unreadable: [], results };
  }
  async close(): Promise<void> {}
}
