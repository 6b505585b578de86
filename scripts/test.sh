#!/usr/bin/env bash
# The README's test command (npm test): provision the real environment, build, run the whole suite.
# Leaves the environment running for a quick re-run; `scripts/test-env.sh down` stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/test-env.sh up
STATE_DIR="${CAP_PROBE_TEST_STATE:-/tmp/cap-probe-test-env}"
# shellcheck disable=SC1091
[ -f "$STATE_DIR/env.sh" ] && source "$STATE_DIR/env.sh"
[ -d node_modules ] || npm ci
npm run build
npx vitest run "$@"
