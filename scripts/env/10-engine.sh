#!/usr/bin/env bash
# The engine: install (apt) and start a real dockerd, build the test image from busybox-static.
# Nothing here reaches a registry: the test image is imported from the host's static busybox.
#   up     start (idempotent: an engine that already answers is used as it is)
#   down   stop only what `up` started
source "$(dirname "$0")/lib.sh"

TEST_IMAGE="${CAP_PROBE_TEST_IMAGE:-cap-probe-test/busybox:latest}"
SOCKET=/var/run/docker.sock

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
  start_bg dockerd dockerd
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
  apt_install docker.io busybox-static curl
  start_dockerd
  build_test_image
  export_var CAP_PROBE_TEST_IMAGE "$TEST_IMAGE"
}

down() {
  stop_bg dockerd
}

case "${1:-up}" in
  up) up ;;
  down) down ;;
  *) log "usage: $0 up|down"; exit 2 ;;
esac
