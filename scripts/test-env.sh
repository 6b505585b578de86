#!/usr/bin/env bash
# Provisions the real test environment on a fresh Debian machine (as root) and tears it down.
#   scripts/test-env.sh up     install (apt) and start dockerd, build the test image from busybox-static
#   scripts/test-env.sh down   stop only what `up` started
# Nothing here reaches a registry: the test image is imported from the host's static busybox.
set -euo pipefail

STATE_DIR="${CAP_PROBE_TEST_STATE:-/tmp/cap-probe-test-env}"
TEST_IMAGE="${CAP_PROBE_TEST_IMAGE:-cap-probe-test/busybox:latest}"
SOCKET=/var/run/docker.sock
mkdir -p "$STATE_DIR"

log() { echo "test-env: $*" >&2; }

need_root() {
  if [ "$(id -u)" != 0 ]; then log "must run as root (installs packages and starts dockerd)"; exit 2; fi
}

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  if [ ! -f "$STATE_DIR/apt-updated" ]; then apt-get update -qq >&2 && touch "$STATE_DIR/apt-updated"; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
}

ping_engine() {
  curl -fsS --max-time 2 --unix-socket "$SOCKET" http://localhost/_ping >/dev/null 2>&1
}

start_dockerd() {
  if ping_engine; then log "an engine already answers on $SOCKET; using it"; return 0; fi
  # A dockerd from an earlier run may be gone while its pid files are not.
  for pidfile in /var/run/docker.pid /run/docker/containerd/containerd.pid; do
    if [ -f "$pidfile" ] && ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then rm -f "$pidfile"; fi
  done
  rm -f "$SOCKET"
  log "starting dockerd"
  nohup dockerd >"$STATE_DIR/dockerd.log" 2>&1 &
  echo $! >"$STATE_DIR/dockerd.pid"
  for _ in $(seq 1 150); do
    if ping_engine; then log "dockerd answers"; return 0; fi
    sleep 0.2
  done
  log "dockerd did not answer within 30 s; see $STATE_DIR/dockerd.log"; tail -20 "$STATE_DIR/dockerd.log" >&2; exit 1
}

build_test_image() {
  if docker image inspect "$TEST_IMAGE" >/dev/null 2>&1; then return 0; fi
  local root; root=$(mktemp -d)
  mkdir -p "$root/bin" "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  for applet in sh sleep nc wget cat echo ls httpd true false env id mkdir rm sed grep head printf uname hostname ps kill; do
    ln -s busybox "$root/bin/$applet"
  done
  tar -C "$root" -c . | docker import --change 'CMD ["/bin/sh"]' --change 'LABEL io.cap-probe.test=true' - "$TEST_IMAGE" >/dev/null
  rm -rf "$root"
  log "built $TEST_IMAGE from the host's static busybox"
}

up() {
  need_root
  apt_install docker.io busybox-static curl docker-compose docker-registry apache2-utils tinyproxy openssl
  start_dockerd
  build_test_image
}

down() {
  if [ -f "$STATE_DIR/dockerd.pid" ]; then
    local pid; pid=$(cat "$STATE_DIR/dockerd.pid")
    if kill -0 "$pid" 2>/dev/null; then
      log "stopping dockerd ($pid)"
      kill "$pid"
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    fi
    rm -f "$STATE_DIR/dockerd.pid"
  fi
}

case "${1:-up}" in
  up) up ;;
  down) down ;;
  *) log "usage: $0 up|down"; exit 2 ;;
esac
