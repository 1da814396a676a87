import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { runGc } from "../../src/cache/gc.ts";
import { createLogger } from "../../src/ops/logger.ts";
import { manifestKey } from "../../src/storage/keys.ts";
import { LogCapture, makeTestApp, randomHex } from "../support/fakes.ts";

const logger = createLogger("silent", new LogCapture());
const HOUR = 3600e3;

describe("manifests under a --max-age shorter than a day", () => {
  it("are not expired while prefetches keep using them (README: gc removes those neither rewritten nor prefetched within --max-age)", async () => {
    let now = Date.now();
    const { core, blobs, index } = makeTestApp({ now: () => now, core: { maxAgeMs: 12 * HOUR } });
    const key = randomHex();
    await core.manifests.add("default", key, [randomBytes(32)]);
    const copy = () => blobs.objects.get(manifestKey("default", key))!;
    // Prefetched every hour for 13 hours (each prefetch moves the copy's clock with ours).
    for (let h = 0; h < 13; h++) {
      await core.manifests.forPrefetch("default", key);
      await new Promise((resolve) => setTimeout(resolve, 5));
      copy().lastModified = new Date(copy().lastModified.getTime() - HOUR);
      now += HOUR;
    }
    await core.manifests.forPrefetch("default", key); // prefetched right now
    await new Promise((resolve) => setTimeout(resolve, 5));
    const report = await runGc({ blobs, index, logger }, { maxAgeMs: 12 * HOUR, maxSizeBytes: 0, graceMs: 0 });
    expect(report.expiredManifests).toBe(0);
    expect(await core.manifests.union("default", key)).toHaveLength(1);
  });
});
