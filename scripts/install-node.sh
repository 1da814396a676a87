#!/usr/bin/env bash
# Installs the Node.js runtime that ships inside the single-file client (a Node SEA) and that CI runs the
# tests under a second time: the official linux binary, taken from the npm registry's node-linux-<arch>
# package with `npm pack` (the registry is reachable wherever npm ci works). Idempotent.
#
#   bash scripts/install-node.sh [x64|arm64]    -> .tools/node-<version>-linux-<arch>/bin/node
#                                                  and, for the host's arch, the link .tools/node24
# NODE_RUNTIME_VERSION overrides the pinned version (a 24.x LTS release).
set -euo pipefail
cd "$(dirname "$0")/.."
version="${NODE_RUNTIME_VERSION:-24.22.3}"
case "$(uname -m)" in
  x86_64) host=x64 ;;
  aarch64 | arm64) host=arm64 ;;
  *) host="$(uname -m)" ;;
esac
arch="${1:-$host}"
dir=".tools/node-${version}-linux-${arch}"
if [ ! -x "$dir/bin/node" ]; then
  echo "installing node ${version} (linux-${arch}) into ${dir}"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  tarball="$(cd "$tmp" && npm pack --silent "node-linux-${arch}@${version}" | tail -1)"
  mkdir -p "$tmp/x" && tar -xzf "$tmp/$tarball" -C "$tmp/x" package/bin/node package/LICENSE
  mkdir -p "$dir.tmp/bin" && mv "$tmp/x/package/bin/node" "$dir.tmp/bin/node" && mv "$tmp/x/package/LICENSE" "$dir.tmp/LICENSE"
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
fi
if [ "$arch" = "$host" ]; then
  ln -sfn "node-${version}-linux-${arch}" .tools/node24
  .tools/node24/bin/node --version
fi
