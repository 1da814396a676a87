import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** Every metric the server exports, on a registry the caller owns (tests use a fresh one each). */
export class ServerMetrics {
  readonly httpRequests: Counter<"route" | "method" | "status">;
  readonly httpSeconds: Histogram<"route" | "method">;
  readonly lookups: Counter<"result">;
  readonly bytesIn: Counter;
  readonly bytesOut: Counter;
  readonly outputsStored: Counter<"result">;
  readonly outputBytesLogical: Counter<"form">;
  readonly outputBytesStored: Counter<"form">;
  readonly corruptBlobs: Counter;
  readonly backendSeconds: Histogram<"backend" | "op" | "outcome">;
  readonly gcRemoved: Counter<"kind">;
  readonly inFlight: Gauge;
  readonly shed: Counter<"reason">;
  readonly prefetchEntries: Counter<"result">;

  constructor(readonly registry: Registry) {
    const registers = [registry];
    this.httpRequests = new Counter({
      name: "gocacheprog_http_requests_total",
      help: "HTTP requests by matched route, method and status.",
      labelNames: ["route", "method", "status"],
      registers,
    });
    this.httpSeconds = new Histogram({
      name: "gocacheprog_http_request_duration_seconds",
      help: "Time to the response's headers, by matched route and method (a streamed body may take longer).",
      labelNames: ["route", "method"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.lookups = new Counter({
      name: "gocacheprog_lookups_total",
      help: "Action lookups by result (hit, miss, error), single and batch.",
      labelNames: ["result"],
      registers,
    });
    this.bytesIn = new Counter({
      name: "gocacheprog_bytes_in_total",
      help: "Output bytes received in PUT bodies (as sent: compressed when the client compressed).",
      registers,
    });
    this.bytesOut = new Counter({
      name: "gocacheprog_bytes_out_total",
      help: "Output bytes sent in responses (as sent: compressed for clients that accept zstd).",
      registers,
    });
    this.outputsStored = new Counter({
      name: "gocacheprog_puts_total",
      help: "Accepted puts by how the output was kept: stored (new blob), deduplicated (blob already held), inline, linked.",
      labelNames: ["result"],
      registers,
    });
    // The two sides of compression: what outputs are, and what keeping them took (their ratio is the saving).
    this.outputBytesLogical = new Counter({
      name: "gocacheprog_output_logical_bytes_total",
      help: "Logical size of outputs newly kept (blobs and inline), by stored form (raw, zstd).",
      labelNames: ["form"],
      registers,
    });
    this.outputBytesStored = new Counter({
      name: "gocacheprog_output_stored_bytes_total",
      help: "Bytes those outputs take in storage, by stored form (raw, zstd).",
      labelNames: ["form"],
      registers,
    });
    this.corruptBlobs = new Counter({
      name: "gocacheprog_corrupt_blobs_total",
      help: "Stored outputs whose size or sha256 was wrong when read; each was removed.",
      registers,
    });
    this.backendSeconds = new Histogram({
      name: "gocacheprog_backend_duration_seconds",
      help: "Latency of blob store and index calls.",
      labelNames: ["backend", "op", "outcome"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.gcRemoved = new Counter({
      name: "gocacheprog_gc_removed_total",
      help: "Entries removed by eviction and garbage collection (expired, over-budget, orphan-output; leftover = temp files and incomplete multipart uploads of puts that never finished).",
      labelNames: ["kind"],
      registers,
    });
    this.inFlight = new Gauge({ name: "gocacheprog_requests_in_flight", help: "Requests admitted and not yet answered.", registers });
    this.shed = new Counter({
      name: "gocacheprog_requests_shed_total",
      help: "Requests refused at once by admission control: server (503, --max-in-flight) or token (429, --max-in-flight-per-token).",
      labelNames: ["reason"],
      registers,
    });
    this.prefetchEntries = new Counter({
      name: "gocacheprog_prefetch_entries_total",
      help: "Entries of warm-start prefetch streams: sent, or missing (announced but gone or unreadable).",
      labelNames: ["result"],
      registers,
    });
  }
}
