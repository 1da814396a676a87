#!/usr/bin/env bash
# Installs the real backends the tests drive: versitygw (S3) into .tools/bin and redis-server.
# Idempotent: skips what is already present.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .tools/bin
if [ ! -x .tools/bin/versitygw ]; then
  echo "installing versitygw v1.7.0 into .tools/bin"
  GOBIN="$PWD/.tools/bin" GOFLAGS=-mod=mod go install github.com/versity/versitygw/cmd/versitygw@v1.7.0
fi
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
# kubectl renders infra/k8s (kustomize) in test/infra.test.ts; Debian's package is enough for that.
command -v kubectl >/dev/null 2>&1 || missing+=(kubernetes-client)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
go version
redis-server --version
