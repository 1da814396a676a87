#!/usr/bin/env bash
# The gocacheprog GitHub Action (action.yml): install the client, then hand the rest of the job the
# settings through GITHUB_ENV / GITHUB_PATH. Inputs arrive as INPUT_* variables. Everything that can fail
# for a reason outside this job (the server, the module proxy, an old client) is left to the client's
# best effort; only a bad install or bad inputs fail the step.
set -euo pipefail

fail() {
  echo "::error title=gocacheprog::$*"
  exit 1
}
is_true() { [ "${1:-}" = true ] || [ "${1:-}" = 1 ]; }
# A URL as the log may show it: without user:password@ (GitHub masks registered secrets only).
shown() { if [[ "$1" =~ ^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@(.*)$ ]]; then echo "${BASH_REMATCH[1]}${BASH_REMATCH[2]}"; else echo "$1"; fi; }

url="${INPUT_URL:-}"
url="${url%/}"
home="${RUNNER_TEMP:?RUNNER_TEMP is not set: run this as a GitHub Actions step}/gocacheprog"
mkdir -p "$home/bin"

# Which version: the input, else this action's ref when it is a release tag (v1.2.3), else, for the major
# tag the release workflow moves (v0), the release it points at (its client's package.json), else the latest.
version="${INPUT_VERSION:-}"
if [ -z "$version" ] && [[ "${ACTION_REF:-}" =~ ^v[0-9]+\.[0-9]+\.[0-9]+ ]]; then version="${ACTION_REF#v}"; fi
if [ -z "$version" ] && [[ "${ACTION_REF:-}" =~ ^v[0-9]+$ ]]; then
  version="$(sed -n 's/^  "version": "\([0-9][0-9.]*\)",$/\1/p' "$(dirname "$0")/../packages/cacheprog-client/package.json" 2>/dev/null | head -n 1)"
fi
version="${version#v}"

install_release() {
  [ "$(uname -s)" = Linux ] || fail "install-from: release has Linux executables only; use install-from: npm on $(uname -s)"
  local arch
  case "$(uname -m)" in
    x86_64 | amd64) arch=amd64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) fail "no release executable for $(uname -m); use install-from: npm" ;;
  esac
  local base="${INPUT_DOWNLOAD_URL:-}"
  if [ -z "$base" ]; then
    local repo="${ACTION_REPOSITORY:-}"
    [ -n "$repo" ] || fail "download-url is empty and the action's repository is unknown"
    if [ -n "$version" ]; then base="${GITHUB_SERVER_URL:-https://github.com}/$repo/releases/download/v$version"; else base="${GITHUB_SERVER_URL:-https://github.com}/$repo/releases/latest/download"; fi
  fi
  base="${base%/}"
  local asset="gocacheprog-linux-$arch" download="$home/download"
  rm -rf "$download" && mkdir -p "$download"
  curl --fail --silent --show-error --location --retry 3 -o "$download/$asset" "$base/$asset" || fail "downloading $(shown "$base/$asset") failed"
  curl --fail --silent --show-error --location --retry 3 -o "$download/SHA256SUMS" "$base/SHA256SUMS" || fail "downloading $(shown "$base/SHA256SUMS") failed"
  grep -q " \*\?$asset\$" "$download/SHA256SUMS" || fail "SHA256SUMS has no line for $asset"
  (cd "$download" && sha256sum --check --ignore-missing --quiet SHA256SUMS) || fail "$asset does not match its SHA256SUMS line; not installed"
  install -m 0755 "$download/$asset" "$home/bin/gocacheprog"
  rm -rf "$download"
  client="$home/bin/gocacheprog"
}

install_npm() {
  command -v npm >/dev/null || fail "install-from: npm needs Node.js 20.19+ on the runner (actions/setup-node)"
  npm install --global --no-audit --no-fund "gocacheprog@${version:-latest}" >/dev/null || fail "npm install --global gocacheprog failed"
  client="$(npm prefix --global)/bin/gocacheprog"
}

client=""
case "${INPUT_INSTALL_FROM:-release}" in
  release) install_release ;;
  npm) install_npm ;;
  *) fail "install-from must be release or npm, not '${INPUT_INSTALL_FROM}'" ;;
esac
"$client" --version >/dev/null || fail "the installed client does not run: $client --version failed"
echo "gocacheprog: installed $("$client" --version) at $client"

stats="$home/stats.jsonl"
: >"$stats"
{
  echo "GOCACHEPROG=$client"
  echo "GOCACHEPROG_STATS_FILE=$stats"
} >>"$GITHUB_ENV"
dirname "$client" >>"$GITHUB_PATH"

if [ -n "$url" ]; then
  echo "GOCACHEPROG_URL=$url" >>"$GITHUB_ENV"
  is_true "${INPUT_READONLY:-}" && echo "GOCACHEPROG_READONLY=1" >>"$GITHUB_ENV"
  case "${INPUT_KEY:-}" in *$'\n'* | *$'\r'*) fail "key must be one line" ;; esac
  [ -z "${INPUT_KEY:-}" ] || echo "GOCACHEPROG_KEY=$INPUT_KEY" >>"$GITHUB_ENV"
  case "${INPUT_TOKEN_SOURCE:-secret}" in
    secret)
      if [ -n "${INPUT_TOKEN:-}" ]; then
        echo "::add-mask::$INPUT_TOKEN"
        # A file keeps the token out of every later step's environment and process listings.
        (umask 077 && printf '%s\n' "$INPUT_TOKEN" >"$home/token")
        echo "GOCACHEPROG_TOKEN_FILE=$home/token" >>"$GITHUB_ENV"
      fi
      ;;
    github-oidc)
      [ -n "${ACTIONS_ID_TOKEN_REQUEST_URL:-}" ] || fail "token-source: github-oidc needs 'permissions: id-token: write' on the job"
      echo "GOCACHEPROG_TOKEN_SOURCE=github-oidc" >>"$GITHUB_ENV"
      [ -z "${INPUT_OIDC_AUDIENCE:-}" ] || echo "GOCACHEPROG_OIDC_AUDIENCE=$INPUT_OIDC_AUDIENCE" >>"$GITHUB_ENV"
      ;;
    *) fail "token-source must be secret or github-oidc, not '${INPUT_TOKEN_SOURCE}'" ;;
  esac
  if is_true "${INPUT_GOPROXY:-}"; then
    # '|' falls back to the next proxy on any error, so a server without its module proxy costs no build.
    previous="$(go env GOPROXY 2>/dev/null || true)"
    previous="${previous:-${GOPROXY:-}}"
    if [ -z "$previous" ]; then
      # No go on PATH yet (setup-go after this action) and no GOPROXY set: without a fallback, a server
      # that is down would fail every module download.
      previous=direct
      echo "::warning title=gocacheprog::go is not on PATH yet, so its GOPROXY is unknown: modules fall back to direct (VCS) when the server fails; run setup-go before this action to keep go's own"
    fi
    echo "GOPROXY=$url/gomod|$previous" >>"$GITHUB_ENV"
    # go cannot send a bearer token to a GOPROXY by itself. A GOAUTH command (Go 1.24+) can: the client
    # prints its own token for <url>/gomod, read from the same token file, so the token is in no
    # variable. go uses GOAUTH over HTTPS only; the previous GOAUTH (netrc by default) stays first.
    if [[ "$url" != https://* ]]; then
      echo "::warning title=gocacheprog::go sends no credentials over plain http: $(shown "$url")/gomod must run with --gomod-anonymous (trusted network), else go falls back to the previous GOPROXY"
    else
      previous_auth="$(go env GOAUTH 2>/dev/null || true)"
      command="$client"
      [[ "$client" != *[[:space:]]* ]] || command="'$client'"
      if [ "$previous_auth" = off ]; then
        echo "::warning title=gocacheprog::GOAUTH=off: go sends no token to $(shown "$url")/gomod"
      elif [[ "$client" == *[\;\']* ]]; then
        echo "::warning title=gocacheprog::the client's path holds ; or ', which GOAUTH cannot express: go sends no token to $(shown "$url")/gomod"
      else
        echo "GOAUTH=${previous_auth:-netrc};$command goauth" >>"$GITHUB_ENV"
      fi
    fi
  fi
elif is_true "${INPUT_GOPROXY:-}"; then
  echo "::warning title=gocacheprog::goproxy: true needs a url; GOPROXY left as it was"
fi

if is_true "${INPUT_CANONICALIZE_MTIMES:-true}"; then
  # go keys test results on file mtimes, which a fresh checkout sets to "now". Losing this only costs
  # test-result hits, so a client without the subcommand is a warning, not a failed job.
  if out="$("$client" canonicalize-mtimes "${INPUT_WORKING_DIRECTORY:-.}" 2>&1)"; then
    echo "$out"
  else
    echo "::warning title=gocacheprog::canonicalize-mtimes failed (test results may not be cached): ${out//$'\n'/ }"
  fi
fi

{
  echo "path=$client"
  echo "stats-file=$stats"
} >>"$GITHUB_OUTPUT"
