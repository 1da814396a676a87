import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sha256Hex } from "@gocacheprog/common";
import { Registry } from "prom-client";
import { expect, it } from "vitest";
import { CacheCore } from "../../src/cache/core.ts";
import { rebuildIndex } from "../../src/cache/records.ts";
import { parseCommandLine } from "../../src/ops/config.ts";
import { createLogger } from "../../src/ops/logger.ts";
import { ServerMetrics } from "../../src/ops/metrics.ts";
import { startServer } from "../../src/server.ts";
import { FsBlobStore } from "../../src/storage/blob/fs.ts";
import { oneChunk } from "../../src/storage/blob/types.ts";
import { EmbeddedIndex } from "../../src/storage/index/embedded.ts";
import { LogCapture } from "../support/fakes.ts";
import { randomId, send } from "../support/real-server.ts";

const logger = createLogger("silent", new LogCapture());
const storage = (dataDir: string) => ({ blobs: new FsBlobStore({ root: join(dataDir, "blobs") }), indexPath: join(dataDir, "index") });

it("a shutdown during the background index rebuild hands back the maintenance lease, so the next pass is not skipped", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "gcp-rebuild-shutdown-"));
  const { blobs, indexPath } = storage(dataDir);
  const seed = new CacheCore({
    blobs,
    index: await EmbeddedIndex.open({ path: indexPath }),
    metrics: new ServerMetrics(new Registry()),
    logger,
    options: { backendTimeoutMs: 5000, inlineMax: 0, verifyBufferMax: 1 << 20, touchIntervalMs: 60_000 },
  });
  // Enough record copies that the rebuild is still running when the server is closed right after starting it.
  for (let i = 0; i < 1500; i++) {
    const data = Buffer.alloc(100 + i, i);
    await seed.put("default", randomId(), sha256Hex(data), data.length, oneChunk(data));
  }
  await seed.close();
  // A lost index directory: the server's first miss starts a background rebuild from the record copies.
  await rm(indexPath, { recursive: true });

  const { options } = parseCommandLine(["--listen", "127.0.0.1:0", "--data-dir", dataDir, "--gc-interval", "0"], {});
  const server = await startServer(options, logger);
  expect((await send(server.url, "GET", `/v1/actions/${randomId()}`)).status).toBe(404);
  await server.close();

  // The next process on this data directory (a restart, `gocacheprog-server rebuild-index`) gets the lease.
  const index = await EmbeddedIndex.open({ path: indexPath });
  try {
    const result = await rebuildIndex(storage(dataDir).blobs, index);
    expect(result.busy).toBeUndefined();
    expect(result.scanned).toBe(1500);
    expect(await index.isComplete()).toBe(true);
  } finally {
    await index.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}, 120_000);
