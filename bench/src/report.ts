import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { BARE_NODE, type HandshakeResult } from "./handshake.ts";
import type { LoadResult } from "./load.ts";
import type { MachineInfo } from "./machine.ts";
import { type ModuleResults, moduleTable } from "./modules.ts";
import type { BenchOptions } from "./options.ts";
import { RESULTS_DIR } from "./paths.ts";
import { buildRows, type CompressionComparison, compressionRatio, type Row } from "./rows.ts";
import { type BuildResults, COMPRESSION_PAIRS, LINK_RUNS, LOCAL_RUNS, WARM_START_RUNS } from "./scenarios.ts";
import { formatRatio, formatSummary, megabytes, ratio, seconds } from "./summary.ts";
import { writeFloorLine } from "./write-floor.ts";

export interface RunResults {
  command: string;
  machine: MachineInfo;
  options: BenchOptions;
  peers: Record<string, string>;
  builds: BuildResults;
  /** Absent with --no-modules. */
  modules?: ModuleResults;
  handshakes: HandshakeResult[];
  load: LoadResult[];
  durationS: number;
}

const mb = (kb: number) => `${Math.round(kb / 1024)} MB`;

function buildTable(rows: Row[]): string[] {
  const lines = [
    "| # | scenario | system | time: median (min–max) | ratio | ours ÷ theirs | client peak RSS | CPU: client / server | hits / misses | requests | MB down / up | MB at rest |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const r of rows) {
    const hits = r.hits !== undefined ? `${r.hits} / ${r.misses ?? "?"}` : "";
    const traffic = r.traffic
      ? `${megabytes(r.traffic.bytesDown)} / ${megabytes(r.traffic.bytesUp)}`
      : r.uploadBytes
        ? `— / ${megabytes(r.uploadBytes)}`
        : "";
    const cpu =
      r.clientCpuMs === undefined ? "" : `${seconds(r.clientCpuMs)}${r.serverCpuMs === undefined ? "" : ` / ${seconds(r.serverCpuMs)}`}`;
    const inRequests = r.uploadRequests ? ` in ${r.uploadRequests} requests` : "";
    const requests = r.traffic ? String(r.traffic.requests) : r.uploads !== undefined ? `${r.uploads} uploads${inRequests}` : "";
    lines.push(
      `| ${r.number} | ${r.scenarioLabel} | ${r.systemLabel} | ${formatSummary(r.time)} | ${r.ratioLabel ? `${r.ratioLabel} = ${formatRatio(r.ratio)}` : ""} | ${r.oursOverTheirs !== undefined ? formatRatio(r.oursOverTheirs) : ""} | ${r.rssKb ? mb(r.rssKb) : ""} | ${cpu} | ${hits} | ${requests} | ${traffic} | ${r.storedBytes !== undefined ? megabytes(r.storedBytes) : ""} |`,
    );
  }
  return lines;
}

/** Issue 12's loopback goal, with the client's CPU beside the wall time (steadier on a loaded machine). */
function compressionLine({ ratio, compressed, uncompressed }: CompressionComparison): string {
  const cpu = (r: Row) => (r.clientCpuMs === undefined ? "?" : seconds(r.clientCpuMs));
  const cpuRatio =
    compressed.clientCpuMs !== undefined && uncompressed.clientCpuMs
      ? ` = ${formatRatio(compressed.clientCpuMs / uncompressed.clientCpuMs)}`
      : "";
  return (
    `Compression on loopback: remote-warm (5) compressed ÷ uncompressed, medians of ${COMPRESSION_PAIRS} interleaved pairs = ${formatRatio(ratio)} ` +
    `(${formatSummary(compressed.time)} against ${formatSummary(uncompressed.time)}; goal ≤ 1.0x); ` +
    `client CPU ${cpu(compressed)} against ${cpu(uncompressed)}${cpuRatio}.`
  );
}

export function renderMarkdown(results: RunResults): string {
  const { machine, options } = results;
  const out: string[] = [
    "# gocacheprog benchmark results",
    "",
    `Command: \`${results.command}\` (${results.durationS} s)  `,
    `Date: ${machine.date}  `,
    `Machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.ramGiB} GiB RAM, ${machine.os}  `,
    `Go: ${machine.go}; Node: ${machine.node}  `,
    `Repetitions: ${options.reps}, interleaved; times are medians with (min–max) when n > 1.`,
    "",
    "Every build gets a fresh GOCACHE, GOTOOLCHAIN=local, GOFLAGS=-buildvcs=false, GOPROXY=off. A finished build's directories are",
    "moved aside and deleted at the end of the run, not before the next build: ext4 creates files more slowly for a minute or more",
    "after thousands were deleted, which a fresh runner never pays (bench/src/paths.ts). Remote-warm (5) means a brand-new",
    "client directory and GOCACHE against a full server; (6) adds the stated round-trip time per request through a loopback",
    "delay proxy (half each way), which also counts the requests and bytes shown; (9) also limits that proxy to a link of the",
    `stated rate each way, shared by all connections (a CI runner's uplink to a cache in another zone); (9) and (10) are the median of ${LINK_RUNS} builds each. MB at rest: what`,
    "the store's outputs take on its disk or bucket (our server's own count, gocached's directory). CPU: user + system seconds of the",
    "GOCACHEPROG child (GNU time) and of the server process during the build (/proc, 10 ms ticks; our server and gocached, not",
    "versitygw or Redis; none for local-warm, which has no server), medians like the times. Our embedded server is filled by the cold",
    "build (3); the other stores get the entries of the plain cold build's GOCACHE: the peers through their own client,",
    "our S3+Redis server through its HTTP API (our client's bounded upload queue may drop part of such a burst).",
    "Our client runs (5) and (6) under build keys no build has used (no manifest: one request per entry); (7) and (8) are",
    `${WARM_START_RUNS} more brand-new runners each (in rounds: 7, then 8 at each RTT) under (5)'s key, so its manifest drives one streamed`,
    "prefetch (warm start); (10) is (8) through (9)'s link.",
    "Local-warm (4) reads a full client directory with a fresh GOCACHE and no server: ours as the cold build (3) left it,",
    "go-cacher's (local dir only) filled with the plain build's entries through go-cacher itself. Plain warm (2) and every (4)",
    `are read at the end of the workload, in ${LOCAL_RUNS} rounds of one build each, the order rotated each round.`,
    "Ratios: (3)/(1), (4)/(2), (5)/(2), (6)/(2), (7)/(4), (8)/(4), (9)/(2), (10)/(2). Ours ÷ theirs compares with our embedded server for gocached,",
    "with our local tier for go-cacher's local dir, and with",
    "our S3+Redis server for go-cache-plugin (which talks to S3 itself), same scenario; for (7), (8) and (10), with the peer's (5), (6) and (9).",
    `Compression (std, row 5 only): two more embedded servers, both filled through the HTTP API, one with zstd bodies ("paired`,
    `with uncompressed") and one raw (its client with --compression off), read in ${COMPRESSION_PAIRS} interleaved pairs of remote-warm`,
    "builds, the order alternated; the line under the table divides their medians.",
    "",
  ];
  for (const workload of options.workloads) {
    if (!results.builds.samples.some((s) => s.workload === workload.name)) continue;
    const rows = buildRows(results.builds, workload.name, options.rttsMs);
    out.push(`## ${workload.description}`, "", ...buildTable(rows), "");
    const compression = compressionRatio(rows);
    if (compression) out.push(compressionLine(compression), "");
    const floor = writeFloorLine(
      results.builds.samples.filter((s) => s.workload === workload.name),
      rows,
    );
    if (floor) out.push(floor, "");
    const seeds = results.builds.seeds.filter((s) => s.workload === workload.name);
    if (seeds.length > 0) {
      const first = seeds[0]!;
      out.push(`Seeded stores: ${first.entries} entries, ${megabytes(first.bytes)} per store.`, "");
    }
  }
  if (results.modules) {
    const m = results.modules;
    out.push(
      `## Module proxy: a fresh builder of bench/modules (${m.modules} modules)`,
      "",
      "Every step is a new builder: empty GOMODCACHE, GOCACHE and client dir. The server (embedded) fills from the machine's",
      "GOPROXY, which M1 downloads from directly; M2-M3 and B2 use GOPROXY=<server>/gomod,off. B1 is plain go with",
      "the warm caches of the same machine; B2 also uses GOCACHEPROG against the same server, warmed by one cold build.",
      "",
      ...moduleTable(m),
      "",
    );
    for (const failure of m.failures) out.push(`- failed: ${failure}`);
    if (m.failures.length > 0) out.push("");
  }
  out.push(
    "## Client start-up (spawn to handshake)",
    "",
    `Spawn to the first stdout line, interleaved; ${BARE_NODE}: the same node binary writing one line (\`-e\`, writeSync on fd 1).`,
    "",
    `| system | median (min–max) | ÷ ${BARE_NODE} |`,
    "|---|---|---|",
  );
  const bare = results.handshakes.find((h) => h.system === BARE_NODE)?.ms;
  for (const h of results.handshakes) {
    const time = h.ms ? formatSummary(h.ms, (v) => `${v.toFixed(0)} ms`) : `failed: ${h.error}`;
    out.push(`| ${h.system} | ${time} | ${h.system === BARE_NODE ? "" : formatRatio(ratio(h.ms, bare))} |`);
  }
  out.push("");
  if (results.load.length > 0) {
    out.push(`## Server load (16 connections, ${options.loadSeconds} s per test, loopback; autocannon unless "Go client")`, "");
    out.push(
      "| backend | test | requests/s | p50 | p99 | non-2xx | errors | server CPU per request | server peak RSS |",
      "|---|---|---|---|---|---|---|---|---|",
    );
    for (const l of results.load) {
      const cpu = l.serverCpuMsPerRequest === undefined ? "?" : `${l.serverCpuMsPerRequest.toFixed(2)} ms`;
      out.push(
        `| ${l.backend} | ${l.test} | ${Math.round(l.requestsPerSec)} | ${l.p50Ms} ms | ${l.p99Ms} ms | ${l.non2xx} | ${l.errors} | ${cpu} | ${l.serverRssMB === undefined ? "not measured" : `${l.serverRssMB} MB`} |`,
      );
    }
    out.push("");
  }
  out.push("## Peers", "");
  for (const [peer, status] of Object.entries(results.peers)) out.push(`- **${peer}**: ${status}`);
  out.push("");
  if (results.builds.failures.length > 0) {
    out.push("## Failures", "");
    for (const f of results.builds.failures)
      out.push(`- ${f.workload} rep ${f.rep} ${f.system} ${f.scenario}: ${f.error.split("\n").slice(0, 4).join(" / ")}`);
    out.push("");
  }
  return out.join("\n");
}

export async function writeResults(results: RunResults, log: (line: string) => void): Promise<string[]> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const markdown = renderMarkdown(results);
  const json = join(RESULTS_DIR, `${results.options.resultName}.json`);
  const md = join(RESULTS_DIR, `${results.options.resultName}.md`);
  const rows = Object.fromEntries(
    results.options.workloads.map((w) => [w.name, buildRows(results.builds, w.name, results.options.rttsMs)]),
  );
  await writeFile(json, `${JSON.stringify({ ...results, rows }, null, 2)}\n`);
  await writeFile(md, `${markdown}\n`);
  log("");
  log(markdown);
  log(`(build time total ${seconds(results.builds.samples.reduce((sum, s) => sum + (s.scenario === "write-floor" ? 0 : s.ms), 0))})`);
  return [json, md];
}
