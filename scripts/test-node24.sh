#!/usr/bin/env bash
# The second test run of CI: the server and client under Node 24 LTS, the runtime of the server image and
# of the single-file client (the first run, `npm test`, uses the machine's node; the packages support
# Node 20.19+). Node 24 comes first on PATH, so every child `node` (the bins' shebangs, npx, the server the
# harness spawns) is 24 too. Unit tests in full, then the e2e files that run both real bins.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-node.sh >/dev/null
export PATH="$PWD/.tools/node24/bin:$PATH"
echo "node $(node --version)"
node node_modules/vitest/vitest.mjs run --project unit
node node_modules/vitest/vitest.mjs run --project e2e test/remote-client.test.ts test/packages.test.ts
