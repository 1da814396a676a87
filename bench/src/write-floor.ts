import { spawn } from "node:child_process";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Row } from "./rows.ts";
import type { Sample } from "./scenarios.ts";
import { formatRatio, formatSummary, megabytes, seconds, summarize } from "./summary.ts";

/**
 * Warm start's floor on the machine at hand: a brand-new runner (7) must write every output it
 * streams into new files, and this VM backs guest memory lazily, so each page the page cache takes
 * for the first time costs ~18 us (touching 8 GiB once took 37 s; 168 MB into new files 0.57-0.80 s
 * before, 0.05 s after). Local-warm (4) reads pages already touched, so (7)/(4) carries that cost
 * whatever the client does. Copying the directory the runner filled into a new one (cp: no network,
 * no decoding, no hashing) measures it side by side, in the same run, beside the build it bounds.
 */
export async function copyDirectory(from: string, to: string): Promise<{ ms: number; files: number; bytes: number }> {
  const { files, bytes } = await sizeOf(from);
  const start = performance.now();
  await new Promise<void>((resolve, reject) => {
    const cp = spawn("cp", ["-r", "--", `${from}/.`, to], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    cp.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    cp.on("error", reject);
    cp.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`cp exited ${code}: ${stderr.trim()}`))));
  });
  return { ms: performance.now() - start, files, bytes };
}

async function sizeOf(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    files++;
    bytes += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return { files, bytes };
}

/** The line under a workload's table: the floor's median, and (7) read against (4) plus that floor. */
export function writeFloorLine(samples: Sample[], rows: Row[]): string | undefined {
  const floors = samples.filter((s) => s.scenario === "write-floor");
  const floor = summarize(floors.map((s) => s.ms));
  const embedded = (scenario: string) => rows.find((r) => r.scenario === scenario && r.system === "gocacheprog-embedded");
  const warmStart = embedded("remote-warm-manifest")?.time;
  const localWarm = embedded("local-warm")?.time;
  if (!floor || !warmStart || !localWarm) return undefined;
  const copied = floors[0]!.copied!;
  const adjusted = warmStart.median / (localWarm.median + floor.median);
  return (
    `Warm start's floor here: copying the directory a runner of (7) filled (${copied.files} files, ${megabytes(copied.bytes)}) into a new one ` +
    `took ${formatSummary(floor)} (cp, after each of the ${floors.length} runners): what writing those files costs here (file creation, and ` +
    `page-cache memory this VM backs on first touch), which a fresh runner cannot skip and (4) does not pay. (7) − floor = ${seconds(warmStart.median - floor.median)} against (4) ${seconds(localWarm.median)}; ` +
    `(7)/((4) + floor) = ${formatRatio(adjusted)}.`
  );
}
