// Builds dist/gocacheprog at the repo root: a Node single executable application (SEA) holding the bundled
// client, so a golang container with no Node can run the client (`COPY gocacheprog /usr/local/bin/`).
//
// Usage: node packages/cacheprog-client/scripts/build-exe.mjs [--bundle <cjs>] [--out <path>] [--node <bin>] [--no-code-cache] [--no-strip]
// The bundle must be self-contained CJS: inside a SEA, require() only resolves Node built-ins (so it is
// dist/client.cjs, not the npm bin dist/gocacheprog.cjs that requires it; the SEA has its own code cache).
// The runtime is Node 24 LTS (.tools/node24, from `bash scripts/install-node.sh`), whatever node runs this
// script: the blob is made by the same binary it is injected into (SEA blobs and code caches are specific
// to one Node version and architecture), so an arm64 exe is built on an arm64 machine.
import { execFileSync, spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { inject } from "postject";

// Node looks for this fuse in its own binary to decide whether a blob was injected; flipping it is postject's job.
const SEA_FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, "../../..");
const { values } = parseArgs({
  options: {
    bundle: { type: "string", default: resolve(here, "../dist/client.cjs") },
    out: { type: "string", default: resolve(repoRoot, "dist/gocacheprog") },
    node: { type: "string", default: resolve(repoRoot, ".tools/node24/bin/node") },
    "no-code-cache": { type: "boolean", default: false },
    "no-strip": { type: "boolean", default: false },
  },
});
const bundle = resolve(values.bundle);
const out = resolve(values.out);
const runtime = resolve(values.node);

if (!existsSync(bundle)) {
  console.error(`build-exe: ${bundle} is missing; run \`npm run build -w gocacheprog\` first`);
  process.exit(1);
}
if (!existsSync(runtime)) {
  console.error(`build-exe: the Node runtime ${runtime} is missing; run \`bash scripts/install-node.sh\` first`);
  process.exit(1);
}
if (process.platform === "darwin" || process.platform === "win32") {
  // Both need a re-signed binary (codesign / signtool); the container and CI targets are Linux.
  console.error(`build-exe: only Linux is supported here (got ${process.platform})`);
  process.exit(1);
}

const work = mkdtempSync(join(tmpdir(), "gocacheprog-sea-"));
try {
  const blob = join(work, "sea-prep.blob");
  const seaConfig = join(work, "sea-config.json");
  // The blob keeps `main` as written (stack traces show it): a bare name, not the build machine's checkout path.
  copyFileSync(bundle, join(work, "client.cjs"));
  writeFileSync(
    seaConfig,
    JSON.stringify({
      main: "client.cjs",
      output: blob,
      // The go command starts one client per build; a V8 code cache skips compiling the bundle at each start.
      useCodeCache: !values["no-code-cache"],
      // The go command shows the child's stderr to the user, where the experimental warning would be noise.
      disableExperimentalSEAWarning: true,
    }),
  );
  execFileSync(runtime, ["--experimental-sea-config", seaConfig], { stdio: "inherit", cwd: work });

  // Build next to the target and rename, so a running copy of the old exe is never half-overwritten.
  mkdirSync(dirname(out), { recursive: true });
  const staging = `${out}.tmp-${process.pid}`;
  copyFileSync(runtime, staging);
  chmodSync(staging, 0o755);
  // Node's release binaries carry debug info and symbols (~18 MiB of 121): every docker build context and
  // CI download pays for them. Stripped before the blob goes in, so the injected note stays intact.
  if (!values["no-strip"]) {
    const strip = spawnSync("strip", [staging], { stdio: "inherit" });
    if (strip.status !== 0) console.warn("build-exe: `strip` failed or is missing; the exe keeps its symbols");
  }
  await inject(staging, "NODE_SEA_BLOB", readFileSync(blob), { sentinelFuse: SEA_FUSE, overwrite: true });
  renameSync(staging, out);
  const mib = (statSync(out).size / 2 ** 20).toFixed(1);
  const version = execFileSync(runtime, ["--version"], { encoding: "utf8" }).trim();
  console.log(`build-exe: wrote ${out} (${mib} MiB, node ${version}, ${process.platform}-${process.arch})`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
