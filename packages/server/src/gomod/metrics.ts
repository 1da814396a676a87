import { Counter, type Registry } from "prom-client";

/** The module proxy's metrics, on the server's registry (tests use a fresh one each). */
export class GomodMetrics {
  /** Answers by file kind and where they came from. */
  readonly requests: Counter<"kind" | "result">;
  /** Requests that found a fill of the same file in flight and waited for it instead of asking the upstream. */
  readonly coalesced: Counter<"kind">;
  readonly upstreamFetches: Counter<"kind" | "outcome">;
  readonly bytes: Counter<"kind" | "direction">;
  /** .zip and .mod files compared with the checksum database's record before they are stored (--gomod-sumdb). */
  readonly sumdbChecks: Counter<"kind" | "result">;
  /** Files an admin's purge removed (DELETE /gomod/<module>/@v/<version>). */
  readonly purged: Counter<"kind">;

  constructor(registry: Registry) {
    const registers = [registry];
    this.requests = new Counter({
      name: "gocacheprog_gomod_requests_total",
      help: "Module proxy answers by file kind and result: hit (from the store), miss (filled from the upstream), stale (cached answer served because the upstream failed), not-found, error.",
      labelNames: ["kind", "result"],
      registers,
    });
    this.coalesced = new Counter({
      name: "gocacheprog_gomod_coalesced_total",
      help: "Module proxy requests that waited for a fill of the same file already in flight (no second upstream fetch).",
      labelNames: ["kind"],
      registers,
    });
    this.upstreamFetches = new Counter({
      name: "gocacheprog_gomod_upstream_fetches_total",
      help: "Requests to the upstream module proxies by file kind and outcome: ok, not-found, invalid (malformed or truncated answer, not stored), mismatch (a .zip or .mod the checksum database records otherwise, not stored), too-large, error, timeout.",
      labelNames: ["kind", "outcome"],
      registers,
    });
    this.bytes = new Counter({
      name: "gocacheprog_gomod_bytes_total",
      help: "Module proxy bytes by file kind and direction: out (sent to go), upstream (received from the upstream).",
      labelNames: ["kind", "direction"],
      registers,
    });
    this.sumdbChecks = new Counter({
      name: "gocacheprog_gomod_sumdb_checks_total",
      help: "Module .zip and .mod files checked against the checksum database (--gomod-sumdb) before they are stored, by result: match, mismatch (refused, not stored), unknown (no record there: stored after the structural check), lookup-failed (stored unverified), excluded (--gomod-nosumdb).",
      labelNames: ["kind", "result"],
      registers,
    });
    this.purged = new Counter({
      name: "gocacheprog_gomod_purged_total",
      help: "Module proxy files removed by an admin's purge (DELETE /gomod/<module>/@v/<version>), by kind: info, mod, zip of the version, list and latest of its module (dropped to be asked for again).",
      labelNames: ["kind"],
      registers,
    });
  }
}
