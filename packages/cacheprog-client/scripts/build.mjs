// Bundles the client into one file, dist/client.cjs, run by the bin dist/gocacheprog.cjs (a few lines
// that turn on Node's compile cache first; see LAUNCHER). Modules behind `await import()` (the remote
// tier) stay in lazily initialised wrappers, so a local-only run never evaluates them.
import { chmod, copyFile, mkdir, rename, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outfile = join(root, "dist", "client.cjs");
const binfile = join(root, "dist", "gocacheprog.cjs");

// go waits for the handshake line before anything else it does. A session (every argument a --flag:
// no subcommand, no --help or --version) sends it here, before the bundle is even loaded, so go's own
// start-up runs beside ours; the bundle then sends none (session.ts, writeEarly). Its text comes from
// protocol/wire.ts (bundled and run below), so the two can never differ.
//
// V8 compiles the whole bundle at every start, before a line of it runs. Node's compile cache (22.1+)
// keeps the compiled code on disk (NODE_COMPILE_CACHE, else the OS temp dir; NODE_DISABLE_COMPILE_CACHE=1
// turns it off) and must be on before the bundle is compiled, hence a separate file: on Node 24 the
// client's CPU before its handshake (after node's own start) went from 9.1 to 5.5 ms, turning the cache
// on included. Node 20 has no compile cache and runs the bundle as before. The single-file client
// (build-exe.mjs) embeds client.cjs with a code cache of its own.
// Not under /proc or /sys: Node's mkdir -p (Node 24.x) retries forever when mkdir says ENOENT inside a
// directory that exists, as procfs does, and a TMPDIR there would hang every go command. node:os is
// loaded by the bundle anyway.
const handshake = await wireHandshake();
const LAUNCHER = `#!/usr/bin/env node
"use strict";
const handshake = ${JSON.stringify(handshake)};
if (process.argv.slice(2).every((arg) => arg.startsWith("--") && !/^--(help|version)(=|$)/.test(arg))) {
  // Before the handshake, a session outlives Ctrl-C and Ctrl-\\ (session.ts says why): go may act on
  // the handshake at once, and a signal between it and these listeners killed the client (a CI run saw
  // it 2 times in 3; the ~0.1 ms the listeners cost is not worth that window).
  for (const signal of ["SIGINT", "SIGQUIT"]) process.on(signal, () => {});
  try {
    if (require("node:fs").writeSync(1, handshake) === handshake.length) globalThis.gocacheprogHandshakeSent = handshake;
  } catch {}
}
if (!/^\\/(proc|sys)(\\/|$)/.test(require("node:os").tmpdir())) require("node:module").enableCompileCache?.();
require("./client.cjs");
`;

/** protocol/wire.ts's encodeHandshake(), bundled and run. */
async function wireHandshake() {
  const probe = await build({
    stdin: { contents: 'export { encodeHandshake } from "./src/protocol/wire.ts";', resolveDir: root, loader: "ts" },
    bundle: true,
    format: "cjs",
    platform: "node",
    write: false,
    logLevel: "warning",
  });
  const module = { exports: {} };
  new Function("module", "exports", "require", probe.outputFiles[0].text)(module, module.exports, createRequire(import.meta.url));
  return module.exports.encodeHandshake();
}

const result = await build({
  entryPoints: [join(root, "src", "main.ts")],
  outfile,
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  // Runnable on its own too: it is what a single-file copy of the client is (build-exe.mjs, tests).
  banner: { js: "#!/usr/bin/env node" },
  sourcemap: false,
  // Whitespace and syntax only, names kept (stack traces stay readable): V8 scans the whole file at
  // every start, lazily wrapped modules included, and a third less text is a few ms less per go command.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: "none",
  write: false,
  logLevel: "warning",
});

// Write under a temp name and rename: tests and e2e runs may build (and run) the bin concurrently.
await mkdir(dirname(outfile), { recursive: true });
async function writeAtomically(file, contents, mode) {
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, contents);
  await chmod(temp, mode);
  await rename(temp, file);
}
// The bundle first: a bin already in place never requires a half-written one.
await writeAtomically(outfile, result.outputFiles[0].contents, 0o755);
await writeAtomically(binfile, LAUNCHER, 0o755);

// On Nodes without zstd in node:zlib (before 22.15) the bundled @bokuweb/zstd-wasm loads its wasm
// from next to the bundle; Node 24 (the single-file exe) never needs it.
const wasm = join(dirname(createRequire(import.meta.url).resolve("@bokuweb/zstd-wasm")), "zstd.wasm");
await copyFile(wasm, join(dirname(outfile), "zstd.wasm"));
