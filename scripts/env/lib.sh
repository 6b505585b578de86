# Shared by the scripts in scripts/env/: state folder, logging, apt installs, exported variables.
# Each service script takes `up` or `down`; `up` writes the variables tests need with export_var.
set -euo pipefail
STATE_DIR="${CAP_PROBE_TEST_STATE:-/tmp/cap-probe-test-env}"
mkdir -p "$STATE_DIR"
ENV_FILE="$STATE_DIR/env.sh"

log() { echo "test-env($(basename "$0" .sh)): $*" >&2; }

need_root() {
  if [ "$(id -u)" != 0 ]; then log "must run as root (installs packages and starts services)"; exit 2; fi
}

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" 2>/dev/null | grep -q '^Status: install ok installed' || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  # One apt-get at a time: parallel env scripts would fight over the dpkg lock.
  (
    flock 9
    if [ ! -f "$STATE_DIR/apt-updated" ]; then apt-get update -qq >&2 && touch "$STATE_DIR/apt-updated"; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
  ) 9>"$STATE_DIR/apt.lock"
}

# export_var NAME VALUE: recorded for the test run (sourced by scripts/test.sh).
export_var() {
  touch "$ENV_FILE"
  grep -v "^export $1=" "$ENV_FILE" >"$ENV_FILE.tmp" || true
  printf 'export %s=%q\n' "$1" "$2" >>"$ENV_FILE.tmp"
  mv "$ENV_FILE.tmp" "$ENV_FILE"
}

# start_bg NAME CMD...: start a background service, its pid recorded for `down`.
start_bg() {
  local name=$1; shift
  nohup "$@" >"$STATE_DIR/$name.log" 2>&1 &
  echo $! >"$STATE_DIR/$name.pid"
}

# stop_bg NAME: stop a service start_bg started.
stop_bg() {
  local pidfile="$STATE_DIR/$1.pid"
  [ -f "$pidfile" ] || return 0
  local pid; pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

# ping_socket SOCKET: does a Docker-compatible API answer on this unix socket?
ping_socket() {
  curl -fsS --max-time 2 --unix-socket "$1" http://localhost/_ping >/dev/null 2>&1
}

# wait_for_socket NAME SOCKET: poll /_ping for 30 s; on failure show the service's log and fail.
wait_for_socket() {
  local name=$1 socket=$2
  for _ in $(seq 1 150); do
    if ping_socket "$socket"; then log "$name answers"; return 0; fi
    sleep 0.2
  done
  log "$name did not answer within 30 s; see $STATE_DIR/$name.log"; tail -20 "$STATE_DIR/$name.log" >&2; exit 1
}

# busybox_root_tar: a root filesystem of the host's static busybox and its applets, as a tar on stdout.
# The test image of every engine is made from it: no registry is needed.
busybox_root_tar() {
  local root; root=$(mktemp -d)
  mkdir -p "$root/bin" "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  for applet in sh sleep nc wget cat echo ls httpd true false env id mkdir rm sed grep head printf uname hostname ps kill; do
    ln -s busybox "$root/bin/$applet"
  done
  tar -C "$root" -c .
  rm -rf "$root"
}
