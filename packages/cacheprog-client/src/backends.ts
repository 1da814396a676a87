import type { CacheBackend } from "./backend.ts";
import type { ClientOptions } from "./config.ts";
import { DiskTier } from "./disk.ts";
import type { Logger } from "./log.ts";
import type { Stats } from "./stats.ts";

/** Builds the tier stack for one process: always the disk tier, wrapped by the remote tier when configured. */
export async function openBackend(options: ClientOptions, dir: string, log: Logger, stats: Stats): Promise<CacheBackend> {
  const disk = new DiskTier({
    dir,
    log,
    trim: { maxAgeMs: options.maxAge, maxSizeBytes: options.maxSize, intervalMs: options.trimInterval },
  });
  if (!options.url) return disk;
  // Dynamic import: esbuild keeps the remote tier (undici, protobuf) in a lazily initialised wrapper.
  const { withRemote } = await import("./remote/index.ts");
  return withRemote(disk, options, log, stats);
}
