import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { WORKLOADS, type Workload, type WorkloadName } from "./gobuild.ts";

export interface BenchOptions {
  quick: boolean;
  workloads: Workload[];
  reps: number;
  rttsMs: number[];
  /** Link rates (Mbit/s) of the throttled remote-warm scenario (9), each at LINK_RTT_MS; empty = none. */
  linkMbits: number[];
  peers: boolean;
  load: boolean;
  loadSeconds: number;
  handshakeSamples: number;
  builds: boolean;
  /** The module proxy benchmark (bench/modules through /gomod); it downloads from the machine's GOPROXY. */
  modules: boolean;
  /** The node binary our client and server run on (--node; default: the one running the bench). */
  node: string;
  /** Results file name: latest for the default full run, latest-quick, or latest-custom for anything else. */
  resultName: string;
}

const USAGE = `Usage: npm run bench -- [--quick] [--workloads std,cmd,gomod] [--reps N] [--rtts 2,10] [--link-mbits 200] [--no-peers] [--no-load] [--no-builds] [--no-modules] [--load-seconds N] [--node PATH]

  --quick          1 repetition of std and the test module, 3 s load tests (under 10 minutes on 2 cores)
  default          2 repetitions of std, cmd and the test module, 8 s load tests (about 35 minutes on 2 cores)
  --node PATH      the node binary our client and server run on, e.g. .tools/node24/bin/node (the runtime of the
                   single-file client and the images); default: the one running the bench`;

export function parseBenchOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean", default: false },
      workloads: { type: "string" },
      reps: { type: "string" },
      rtts: { type: "string" },
      "link-mbits": { type: "string" },
      "no-peers": { type: "boolean", default: false },
      "no-load": { type: "boolean", default: false },
      "no-builds": { type: "boolean", default: false },
      "no-modules": { type: "boolean", default: false },
      "load-seconds": { type: "string" },
      node: { type: "string" },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const quick = values.quick;
  const custom =
    [values.workloads, values.reps, values.rtts, values["link-mbits"], values["load-seconds"], values.node].some((v) => v !== undefined) ||
    values["no-peers"] ||
    values["no-load"] ||
    values["no-builds"] ||
    values["no-modules"];
  const names = (values.workloads ?? (quick ? "std,gomod" : "std,cmd,gomod")).split(",").filter((n) => n !== "");
  const workloads = names.map((name) => {
    const workload = WORKLOADS[name as WorkloadName];
    if (!workload) throw new Error(`unknown workload ${JSON.stringify(name)}: expected std, cmd or gomod`);
    return workload;
  });
  return {
    quick,
    workloads,
    reps: positiveInt(values.reps, quick ? 1 : 2, "--reps"),
    rttsMs: (values.rtts ?? "2,10")
      .split(",")
      .filter((v) => v !== "")
      .map((v) => positiveInt(v, 0, "--rtts")),
    linkMbits: (values["link-mbits"] ?? "200")
      .split(",")
      .filter((v) => v !== "" && v !== "0")
      .map((v) => positiveInt(v, 0, "--link-mbits")),
    peers: !values["no-peers"],
    load: !values["no-load"],
    loadSeconds: positiveInt(values["load-seconds"], quick ? 3 : 8, "--load-seconds"),
    handshakeSamples: quick ? 5 : 15,
    builds: !values["no-builds"],
    modules: !values["no-modules"],
    node: values.node ? resolve(values.node) : process.execPath,
    resultName: custom ? "latest-custom" : quick ? "latest-quick" : "latest",
  };
}

function positiveInt(value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
}
