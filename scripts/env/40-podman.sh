#!/usr/bin/env bash
# A second engine: Podman's Docker-compatible API on its own unix socket, so tests can run cap-probe against two
# real engines and diff the matrices. Also installs the JUnit consumer the JUnit output test feeds
# (python3-junitparser) and xmllint (libxml2-utils) to check the XML is well formed.
#   up     install podman, write its containers.conf, start `podman system service`, import the test busybox
#   down   stop only the service `up` started
# Exports CAP_PROBE_PODMAN_HOST (unix://...) and CAP_PROBE_PODMAN_IMAGE (the busybox image inside Podman).
source "$(dirname "$0")/lib.sh"

PODMAN_SOCKET="$STATE_DIR/podman.sock"
PODMAN_CONF="$STATE_DIR/podman-containers.conf"
PODMAN_IMAGE="${CAP_PROBE_PODMAN_IMAGE:-localhost/cap-probe-test/busybox:latest}"

# Podman reads this file instead of /etc/containers/containers.conf: nothing system-wide is changed.
export CONTAINERS_CONF="$PODMAN_CONF"

write_conf() {
  # Podman's default ulimits exceed this VM's hard limits (and the service's own limits may be lower than a login
  # shell's), so every container would fail with "error setting rlimits ... operation not permitted".
  # 1024 is below any hard limit a Linux machine ships with.
  cat >"$PODMAN_CONF" <<'EOF2'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
EOF2
}

start_service() {
  if ping_socket "$PODMAN_SOCKET"; then log "podman already answers on $PODMAN_SOCKET; using it"; return 0; fi
  stop_bg podman
  rm -f "$PODMAN_SOCKET"
  log "starting podman system service on $PODMAN_SOCKET"
  start_bg podman podman system service --time=0 "unix://$PODMAN_SOCKET"
  wait_for_socket podman "$PODMAN_SOCKET"
}

import_test_image() {
  # Podman has its own image store and no registry is reachable: import the same static busybox root.
  if podman image exists "$PODMAN_IMAGE"; then return 0; fi
  busybox_root_tar | podman import -q --change 'CMD ["/bin/sh"]' - "$PODMAN_IMAGE" >/dev/null
  log "imported $PODMAN_IMAGE into podman from the host's static busybox"
}

up() {
  need_root
  apt_install podman busybox-static curl libxml2-utils python3-junitparser
  write_conf
  start_service
  import_test_image
  export_var CAP_PROBE_PODMAN_HOST "unix://$PODMAN_SOCKET"
  export_var CAP_PROBE_PODMAN_IMAGE "$PODMAN_IMAGE"
}

down() {
  stop_bg podman
  rm -f "$PODMAN_SOCKET"
}

case "${1:-up}" in
  up) up ;;
  down) down ;;
  *) log "usage: $0 up|down"; exit 2 ;;
esac
