#!/usr/bin/env bash
# The engine: install (apt) and start a real dockerd, build the test image from busybox-static.
# Nothing here reaches a registry: the test image is imported from the host's static busybox.
#   up     start (idempotent: an engine that already answers is used as it is)
#   down   stop only what `up` started
source "$(dirname "$0")/lib.sh"

TEST_IMAGE="${CAP_PROBE_TEST_IMAGE:-cap-probe-test/busybox:latest}"
SOCKET=/var/run/docker.sock

start_dockerd() {
  if ping_socket "$SOCKET"; then log "an engine already answers on $SOCKET; using it"; return 0; fi
  # A dockerd from an earlier run may be gone while its pid files are not.
  for pidfile in /var/run/docker.pid /run/docker/containerd/containerd.pid; do
    if [ -f "$pidfile" ] && ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then rm -f "$pidfile"; fi
  done
  rm -f "$SOCKET"
  log "starting dockerd"
  start_bg dockerd dockerd
  wait_for_socket dockerd "$SOCKET"
}

build_test_image() {
  if docker image inspect "$TEST_IMAGE" >/dev/null 2>&1; then return 0; fi
  busybox_root_tar | docker import --change 'CMD ["/bin/sh"]' --change 'LABEL io.cap-probe.test=true' - "$TEST_IMAGE" >/dev/null
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
