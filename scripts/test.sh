#!/usr/bin/env bash
# The README's test command (npm test): provision the real environment, build, run the whole suite.
# Leaves the environment running for a quick re-run; `scripts/test-env.sh down` stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/test-env.sh up
STATE_DIR="${CAP_PROBE_TEST_STATE:-/tmp/cap-probe-test-env}"
# shellcheck disable=SC1091
[ -f "$STATE_DIR/env.sh" ] && source "$STATE_DIR/env.sh"
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run build
results="$STATE_DIR/vitest-results.json"
rm -f "$results"
rc=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$results" "$@" || rc=$?
# One plain closing line, whatever reads the log.
if [ -f "$results" ]; then
  node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);' "$results"
fi
exit "$rc"
