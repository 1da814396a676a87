#!/usr/bin/env bash
# The gocacheprog summary action: `gocacheprog summary <stats file>` prints the job's cache totals and, with
# GITHUB_STEP_SUMMARY set (always, on a runner), writes them there as Markdown. Never fails the job: a
# missing file means no go command used the cache, and a client that cannot summarize is a warning.
set -uo pipefail
file="${INPUT_STATS_FILE:-${GOCACHEPROG_STATS_FILE:-}}"
client="${GOCACHEPROG:-gocacheprog}"
if [ -z "$file" ] || [ ! -s "$file" ]; then
  echo "gocacheprog: no stats recorded in this job (no go command used the cache, or the setup step did not run)"
  exit 0
fi
if ! "$client" summary "$file"; then
  echo "::warning title=gocacheprog summary::'$client summary' failed; the cache itself was not affected"
fi
exit 0
