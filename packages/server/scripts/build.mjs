// Bundles the server into one ESM file. Dependencies stay external: lmdb is native and the AWS SDK is
// large, so they load from node_modules. Only our own sources are bundled, including
// @gocacheprog/common, which is TypeScript source and could not be imported by node at run time.
import { chmod } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const externalDependencies = {
  name: "external-dependencies",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith("@gocacheprog/") ? undefined : { path: args.path, external: true },
    );
  },
};

// `--outfile <path>` lets tests build a private copy instead of racing on dist/main.js.
const outfileFlag = process.argv.indexOf("--outfile");
const outfile = outfileFlag === -1 ? join(root, "dist", "main.js") : process.argv[outfileFlag + 1];

await build({
  entryPoints: [join(root, "src", "main.ts")],
  outfile,
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  plugins: [externalDependencies],
  banner: { js: "#!/usr/bin/env node" },
  sourcemap: "linked",
  logLevel: "warning",
});
await chmod(outfile, 0o755);
