#!/usr/bin/env bash
# Installs what the tests drive besides npm packages, each only when missing (idempotent):
#   .tools/bin: versitygw (S3), helm (renders and lints the chart), actionlint (checks the workflows),
#               all from the Go module proxy with `go install`, and k8s-validate (test/k8s-validate: decodes
#               rendered manifests strictly into the Kubernetes API types, no cluster needed);
#   .tools/node24: the Node 24 LTS runtime of the single-file client and of CI's second test run;
#   Debian/Ubuntu packages: redis-server (also Sentinel and Cluster), shellcheck (the action's scripts,
#               and actionlint's `run:` checks), chromium (the status page test drives it with playwright-core,
#               which downloads no browser of its own).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .tools/bin
go_tool() { # <binary> <module path>@<version>
  if [ ! -x ".tools/bin/$1" ]; then
    echo "installing $2 into .tools/bin"
    GOBIN="$PWD/.tools/bin" GOFLAGS=-mod=mod go install "$2"
  fi
}
go_tool versitygw github.com/versity/versitygw/cmd/versitygw@v1.7.0
go_tool actionlint github.com/rhysd/actionlint/cmd/actionlint@v1.7.12
go_tool helm helm.sh/helm/v3/cmd/helm@v3.22.0
# Rebuilt every time (seconds once go's build cache has it) so it always matches its source.
(cd test/k8s-validate && go build -o ../../.tools/bin/k8s-validate .)
bash scripts/install-node.sh
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo # GitHub's runners: a user with passwordless sudo
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
go version
redis-server --version
