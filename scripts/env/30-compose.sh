#!/usr/bin/env bash
# Docker Compose for the compose probe's tests: Debian's standalone docker-compose (1.29), which works
# against the test engine. Debian 12 has no Compose v2 plugin; the tests use whichever variant answers.
#   up     install (idempotent)
#   down   nothing to stop: Compose is a command, not a service
source "$(dirname "$0")/lib.sh"

up() {
  need_root
  apt_install docker-compose
  docker-compose version >/dev/null || { log "docker-compose does not run"; exit 1; }
  log "$(docker-compose version --short 2>/dev/null || echo '?') installed"
}

case "${1:-up}" in
  up) up ;;
  down) ;;
  *) log "usage: $0 up|down"; exit 2 ;;
esac
