import { Gauge, type Registry } from "prom-client";
import type { Usage } from "../cache/usage.ts";

/**
 * Entries and stored bytes per namespace as gauges, read from the shared usage counters when
 * Prometheus scrapes (one index read per scrape at most: Usage caches its snapshot). Every replica
 * reports the same shared figures, so aggregate them with max(), not sum().
 */
export function registerUsageMetrics(registry: Registry, usage: Usage): void {
  let pending: ReturnType<Usage["snapshot"]> | undefined;
  // Both gauges are collected in one scrape: share one read, and leave the last values on a failure.
  const read = () => {
    pending ??= usage.snapshot().finally(() => {
      pending = undefined;
    });
    return pending;
  };
  const gauge = (name: string, help: string, pick: "entries" | "bytes") =>
    new Gauge({
      name,
      help,
      labelNames: ["namespace"],
      registers: [registry],
      async collect() {
        try {
          const snapshot = await read();
          this.reset();
          for (const [namespace, counts] of snapshot.namespaces) this.set({ namespace }, counts[pick]);
        } catch {
          // The index did not answer in time: keep the last values rather than fail the scrape.
        }
      },
    });
  gauge("gocacheprog_namespace_entries", "Entries (action records) per namespace, from the shared usage counters.", "entries");
  gauge("gocacheprog_namespace_stored_bytes", "Bytes stored per namespace (output blobs and inline outputs).", "bytes");
}
