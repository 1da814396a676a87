import type { OpenSink, RemoteHit, UploadOutcome, UploadResult } from "../../src/remote/http.ts";

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
    return { outcome: this.uploadOutcome, wireBytes: this.uploadOutcome === "stored" ? s : 0 };
  }
  async close(): Promise<void> {}
}
