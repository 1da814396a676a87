import { existsSync, rmSync } from "node:fs";
import { startVersitygw, type VersitygwServer } from "../../test/harness/versitygw.ts";
import { measureHandshakes } from "./handshake.ts";
import { runLoadTests } from "./load.ts";
import { machineInfo } from "./machine.ts";
import { runModuleScenarios } from "./modules.ts";
import { parseBenchOptions } from "./options.ts";
import { CLIENT_BIN, ourRuntime, Scratch, SERVER_BIN } from "./paths.ts";
import { ensurePeers } from "./peers.ts";
import { writeResults } from "./report.ts";
import { runBuildScenarios } from "./scenarios.ts";
import { goCachePluginSystem, gocachedSystem, ourSystem, type RemoteSystem } from "./systems.ts";

const log = (line: string) => process.stdout.write(`${line}\n`);

let scratchRoot: string | undefined;
// Ctrl-C or a kill: exit through process.exit so the harness and build trackers stop their children.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    if (scratchRoot) rmSync(scratchRoot, { recursive: true, force: true });
    process.exit(130);
  });
}

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2));
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`;
  ourRuntime.node = options.node;
  const machine = machineInfo();
  const startedAt = performance.now();
  log(`gocacheprog bench: ${command}`);
  log(`machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.ramGiB} GiB; ${machine.go}; node ${machine.node}`);
  for (const [what, path] of [
    ["client", CLIENT_BIN],
    ["server", SERVER_BIN],
  ]) {
    if (!existsSync(path!)) throw new Error(`the ${what} is not built (${path}): run npm run build`);
  }

  const peers = options.peers
    ? await ensurePeers(log)
    : { status: { gocached: "skipped (--no-peers)", "go-cache-plugin": "skipped (--no-peers)" } };
  const scratch = await Scratch.create();
  scratchRoot = scratch.root;
  let s3: VersitygwServer | undefined;
  try {
    s3 = await startVersitygw({ bucket: "gocacheprog-bench" });
    const systems: RemoteSystem[] = [ourSystem(undefined), ourSystem(s3)];
    if ("gocached" in peers && peers.goCacher && peers.gocached) systems.push(gocachedSystem(peers.goCacher, peers.gocached));
    if ("goCachePlugin" in peers && peers.goCachePlugin) systems.push(goCachePluginSystem(peers.goCachePlugin, s3));

    const plan = {
      workloads: options.builds ? options.workloads : [],
      reps: options.reps,
      rttsMs: options.rttsMs,
      linkMbits: options.linkMbits,
      systems,
      compressionPair: { raw: ourSystem(undefined, "off"), compressed: ourSystem(undefined) },
    };
    const builds = await runBuildScenarios(plan, scratch, log);
    const modules = options.modules ? await runModuleScenarios(options.reps, scratch, log) : undefined;
    const handshakes = await measureHandshakes(systems, options.handshakeSamples, scratch, log);
    const load = options.load ? await runLoadTests(s3, options.loadSeconds, scratch, log) : [];
    const durationS = Math.round((performance.now() - startedAt) / 1000);
    const files = await writeResults({ command, machine, options, peers: peers.status, builds, modules, handshakes, load, durationS }, log);
    log(`done in ${durationS} s; wrote ${files.join(", ")}`);
  } finally {
    await s3?.destroy().catch(() => {});
    await scratch.dispose();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
