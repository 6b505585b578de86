#!/usr/bin/env bash
# Tools the sandbox, git-proxy and preinstalled-services tests take ground truth with: git (the git-proxy
# probe's own tool and the local test repository), capsh (decodes capability masks independently of cap-probe).
# Deliberately NOT installed: PostgreSQL or Redis. Those rows report what the machine came with; the tests
# compare against `command -v` / `--version` on the same machine, whatever it has.
#   up     install what is missing (idempotent)
#   down   nothing to stop
source "$(dirname "$0")/lib.sh"

up() {
  need_root
  apt_install git libcap2-bin
}

case "${1:-up}" in
  up) up ;;
  down) ;;
  *) log "usage: $0 up|down"; exit 2 ;;
esac
