import type { Traffic } from "./delay-proxy.ts";
import type { WorkloadName } from "./gobuild.ts";
import { type BuildResults, PAIRED_SYSTEM, type Sample, type ScenarioId } from "./scenarios.ts";
import { ratio, type Summary, summarize } from "./summary.ts";

/** One line of the results table: a scenario on a system, summarized over repetitions. */
export interface Row {
  number: string;
  scenario: ScenarioId;
  scenarioLabel: string;
  system: string;
  systemLabel: string;
  time: Summary | undefined;
  ratioLabel?: string;
  ratio?: number;
  oursOverTheirs?: number;
  rssKb?: number;
  /** The client's user + system CPU (median), the steadier figure on a loaded machine. */
  clientCpuMs?: number;
  /** The server process's CPU during the build (median). */
  serverCpuMs?: number;
  hits?: number;
  misses?: number;
  uploads?: number;
  uploadRequests?: number;
  uploadBytes?: number;
  traffic?: Traffic;
  storedBytes?: number;
}

const SYSTEM_LABELS: Record<string, string> = {
  go: "go (GOCACHE)",
  "gocacheprog-embedded": "gocacheprog, embedded",
  "gocacheprog-embedded-uncompressed": "gocacheprog, embedded, uncompressed",
  [PAIRED_SYSTEM]: "gocacheprog, embedded, paired with uncompressed",
  "gocacheprog-s3": "gocacheprog, S3+Redis",
  gocached: "go-cacher + gocached",
  "gocached-local": "go-cacher, local dir only",
  "go-cache-plugin": "go-cache-plugin (S3)",
};

/** Which of our systems a peer is compared with: the one on the same kind of store. */
const OURS_FOR_PEER: Record<string, string> = {
  gocached: "gocacheprog-embedded",
  "gocached-local": "gocacheprog-embedded",
  "go-cache-plugin": "gocacheprog-s3",
};

function median(values: (number | undefined)[]): number | undefined {
  return summarize(values.filter((v): v is number => v !== undefined))?.median;
}

function medianTraffic(samples: Sample[]): Traffic | undefined {
  const withTraffic = samples.filter((s) => s.traffic);
  if (withTraffic.length === 0) return undefined;
  const pick = (key: keyof Traffic) => median(withTraffic.map((s) => s.traffic![key]))!;
  return { connections: pick("connections"), requests: pick("requests"), bytesUp: pick("bytesUp"), bytesDown: pick("bytesDown") };
}

export function buildRows(builds: BuildResults, workload: WorkloadName, rttsMs: number[]): Row[] {
  const samples = builds.samples.filter((s) => s.workload === workload);
  const time = (scenario: ScenarioId, system: string) =>
    summarize(samples.filter((s) => s.scenario === scenario && s.system === system).map((s) => s.ms));
  const goCold = time("go-cold", "go");
  const goWarm = time("go-warm", "go");

  const specs: { number: string; scenario: ScenarioId; label: string; systems: string[]; base?: [string, Summary | undefined] }[] = [
    { number: "1", scenario: "go-cold", label: "plain go, cold", systems: ["go"] },
    { number: "2", scenario: "go-warm", label: "plain go, warm", systems: ["go"] },
    { number: "3", scenario: "cold", label: "cold (empty tier and server)", systems: ["gocacheprog-embedded"], base: ["(3)/(1)", goCold] },
    {
      number: "4",
      scenario: "local-warm",
      label: "local-warm",
      systems: ["gocacheprog-embedded", "gocached-local"],
      base: ["(4)/(2)", goWarm],
    },
  ];
  const remoteSystems = [
    "gocacheprog-embedded",
    PAIRED_SYSTEM,
    "gocacheprog-embedded-uncompressed",
    "gocacheprog-s3",
    "gocached",
    "go-cache-plugin",
  ].filter((id) => samples.some((s) => s.system === id));
  specs.push({ number: "5", scenario: "remote-warm", label: "remote-warm", systems: remoteSystems, base: ["(5)/(2)", goWarm] });
  for (const rtt of rttsMs) {
    specs.push({
      number: "6",
      scenario: `remote-warm+${rtt}ms`,
      label: `remote-warm +${rtt} ms RTT`,
      systems: remoteSystems,
      base: ["(6)/(2)", goWarm],
    });
  }
  const localWarm = time("local-warm", "gocacheprog-embedded");
  const ourSystems = remoteSystems.filter((id) => id.startsWith("gocacheprog"));
  specs.push({
    number: "7",
    scenario: "remote-warm-manifest",
    label: "remote-warm, with a manifest",
    systems: ourSystems,
    base: ["(7)/(4)", localWarm],
  });
  for (const rtt of rttsMs) {
    specs.push({
      number: "8",
      scenario: `remote-warm-manifest+${rtt}ms`,
      label: `remote-warm +${rtt} ms RTT, with a manifest`,
      systems: ourSystems,
      base: ["(8)/(4)", localWarm],
    });
  }
  // Throttled links, without (9) and with (10) a manifest: whichever rates this run measured.
  for (const manifest of [false, true]) {
    const pattern = manifest ? /^remote-warm-manifest\+(\d+)ms@(\d+)Mbit$/ : /^remote-warm\+(\d+)ms@(\d+)Mbit$/;
    const number = manifest ? "10" : "9";
    for (const scenario of new Set(samples.map((s) => s.scenario).filter((id) => pattern.test(id)))) {
      const [, rtt, mbits] = pattern.exec(scenario)!;
      const label = `remote-warm, ${mbits} Mbit/s link, +${rtt} ms RTT${manifest ? ", with a manifest" : ""}`;
      const systems = manifest ? ourSystems : remoteSystems;
      specs.push({ number, scenario, label, systems, base: [`(${number})/(2)`, goWarm] });
    }
  }

  const rows: Row[] = [];
  for (const spec of specs) {
    for (const system of spec.systems) {
      const matching = samples.filter((s) => s.scenario === spec.scenario && s.system === system);
      if (matching.length === 0) continue;
      const t = summarize(matching.map((s) => s.ms));
      const ours = OURS_FOR_PEER[system];
      // A warm-start row (7, 8, 10) is compared with the peer's remote-warm at the same round-trip time.
      const peer = spec.scenario.startsWith("remote-warm-manifest")
        ? Object.entries(OURS_FOR_PEER).find(([, mine]) => mine === system)?.[0]
        : undefined;
      const peerTime = peer ? time(spec.scenario.replace("-manifest", "") as ScenarioId, peer) : undefined;
      rows.push({
        number: spec.number,
        scenario: spec.scenario,
        scenarioLabel: spec.label,
        system,
        systemLabel: SYSTEM_LABELS[system] ?? system,
        time: t,
        ratioLabel: spec.base?.[0],
        ratio: spec.base ? ratio(t, spec.base[1]) : undefined,
        oursOverTheirs: ours ? ratio(time(spec.scenario, ours), t) : peerTime ? ratio(t, peerTime) : undefined,
        rssKb: median(matching.map((s) => s.clientPeakRssKb)),
        clientCpuMs: median(matching.map((s) => s.clientCpuMs)),
        serverCpuMs: median(matching.map((s) => s.serverCpuMs)),
        hits: median(matching.map((s) => s.counts?.hits)),
        misses: median(matching.map((s) => s.counts?.misses)),
        uploads: median(matching.map((s) => s.counts?.uploads)),
        uploadRequests: median(matching.map((s) => s.counts?.uploadRequests)),
        uploadBytes: median(matching.map((s) => s.counts?.uploadBytes)),
        traffic: medianTraffic(matching),
        storedBytes: median(matching.map((s) => s.storedBytes)),
      });
    }
  }
  return rows;
}

export interface CompressionComparison {
  ratio: number;
  compressed: Row;
  uncompressed: Row;
}

/**
 * Issue 12's loopback goal: remote-warm (5) with compression ÷ the same on a server used raw
 * (--compression off), medians of the interleaved pairs (scenarios.ts, compressionPairs);
 * undefined when the run lacks either side.
 */
export function compressionRatio(rows: Row[]): CompressionComparison | undefined {
  const row = (system: string) => rows.find((r) => r.scenario === "remote-warm" && r.system === system);
  const compressed = row(PAIRED_SYSTEM);
  const uncompressed = row("gocacheprog-embedded-uncompressed");
  const r = ratio(compressed?.time, uncompressed?.time);
  return r === undefined || !compressed || !uncompressed ? undefined : { ratio: r, compressed, uncompressed };
}
