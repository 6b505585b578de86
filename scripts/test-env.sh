#!/usr/bin/env bash
# The whole test environment: every service script in scripts/env/, in order (`up`) or reverse order (`down`).
# Run as root on a fresh Debian machine; installs with apt what is missing. Idempotent.
set -euo pipefail
dir="$(cd "$(dirname "$0")" && pwd)/env"
action="${1:-up}"
mapfile -t scripts < <(ls "$dir"/[0-9]*.sh | sort)
case "$action" in
  up) for s in "${scripts[@]}"; do bash "$s" up; done ;;
  down) for ((i=${#scripts[@]}-1; i>=0; i--)); do bash "${scripts[$i]}" down || true; done ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
