// Regenerates src/gen/ from proto/gocacheprog.proto. A test (gen-fresh) fails when the checked-in
// output differs from what this produces, so the .proto stays the contract.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => join(root, "..", "..", "node_modules", ".bin", name);
const proto = join(root, "proto", "gocacheprog.proto");
const outDir = process.argv[2] ?? join(root, "src", "gen");

const js = execFileSync(
  bin("pbjs"),
  ["-t", "static-module", "-w", "es6", "--no-verify", "--no-convert", "--no-delimited", "--force-number", proto],
  { encoding: "utf8" },
);
// protobufjs' minimal runtime is CommonJS; a default import works from ESM, bundlers and vitest alike.
const fixedJs = js.replace('import * as $protobuf from "protobufjs/minimal";', 'import $protobuf from "protobufjs/minimal.js";');
writeFileSync(join(outDir, "gocacheprog.js"), fixedJs);
const dts = execFileSync(bin("pbts"), [join(outDir, "gocacheprog.js")], { encoding: "utf8" });
writeFileSync(join(outDir, "gocacheprog.d.ts"), dts);
console.log(`generated ${outDir}/gocacheprog.{js,d.ts}`);
