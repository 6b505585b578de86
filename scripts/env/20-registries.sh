#!/usr/bin/env bash
# Registries for the registry probes: real CNCF Distribution registries on loopback, one process each,
# all serving one storage folder (so one multi-platform index pushed once is visible in all of them):
#   open     127.0.0.1:5101  no auth, plain HTTP
#   basic    127.0.0.1:5102  htpasswd basic auth
#   tls      127.0.0.1:5103  HTTPS with a certificate from a CA made here
#   bearer   127.0.0.1:5104  token auth, token service on 127.0.0.1:5105 (token-server.mjs)
#   proxied  proxied.registry.cap-probe.test:5107 (127.0.0.7)  allowed by the tinyproxy forward proxy
#   blocked  blocked.registry.cap-probe.test:5108 (127.0.0.8)  refused by the proxy's allowlist
#   proxy    127.0.0.1:5180  tinyproxy, FilterDefaultDeny with only the proxied registry allowed
#   refused  127.0.0.1:5109  nothing listens: connection refused
#   hang     127.0.0.1:5110  accepts connections and never answers
# The image cap-probe/busybox:latest is an index of linux/amd64 (the test image) and linux/arm64 (a tiny
# image built through the registry API: it pulls, it does not run).
#   up     start (idempotent)
#   down   stop what `up` started
source "$(dirname "$0")/lib.sh"

HERE="$(cd "$(dirname "$0")" && pwd)"
DIR="$STATE_DIR/registries"
TEST_IMAGE="${CAP_PROBE_TEST_IMAGE:-cap-probe-test/busybox:latest}"
USER_NAME=capprobe
NAMES=(open basic tls bearer proxied blocked)
PROXIED_HOST=proxied.registry.cap-probe.test
BLOCKED_HOST=blocked.registry.cap-probe.test
REPO=cap-probe/busybox

addr_of() {
  case "$1" in
    open) echo 127.0.0.1:5101 ;; basic) echo 127.0.0.1:5102 ;; tls) echo 127.0.0.1:5103 ;;
    bearer) echo 127.0.0.1:5104 ;; proxied) echo 127.0.0.7:5107 ;; blocked) echo 127.0.0.8:5108 ;;
  esac
}

make_certs() {
  [ -f "$DIR/ca.crt" ] && [ -f "$DIR/token.crt" ] && return 0
  log "making a test CA, a server certificate for 127.0.0.1 and a token-signing certificate"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=cap-probe test CA" \
    -keyout "$DIR/ca.key" -out "$DIR/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$DIR/server.key" -out "$DIR/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n' >"$DIR/server.ext"
  openssl x509 -req -in "$DIR/server.csr" -CA "$DIR/ca.crt" -CAkey "$DIR/ca.key" -CAcreateserial \
    -days 3650 -extfile "$DIR/server.ext" -out "$DIR/server.crt" 2>/dev/null
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=cap-probe token issuer" \
    -keyout "$DIR/token.key" -out "$DIR/token.crt" 2>/dev/null
}

write_config() {
  local name=$1 addr; addr=$(addr_of "$1")
  {
    echo "version: 0.1"
    echo "log: {level: warn}"
    echo "storage:"
    echo "  filesystem: {rootdirectory: $DIR/data}"
    echo "  delete: {enabled: true}"
    echo "http:"
    echo "  addr: $addr"
    echo "  secret: cap-probe-test-$name"
    if [ "$name" = tls ]; then echo "  tls: {certificate: $DIR/server.crt, key: $DIR/server.key}"; fi
    case "$name" in
      basic) printf 'auth:\n  htpasswd: {realm: cap-probe-basic, path: %s}\n' "$DIR/htpasswd" ;;
      bearer) printf 'auth:\n  token: {realm: "http://127.0.0.1:5105/token", service: cap-probe-bearer, issuer: cap-probe-issuer, rootcertbundle: %s}\n' "$DIR/token.crt" ;;
    esac
  } >"$DIR/$name.yml"
}

wait_http() { # url: any HTTP answer counts
  for _ in $(seq 1 100); do
    curl -s -o /dev/null --max-time 1 --cacert "$DIR/ca.crt" "$1" && return 0
    sleep 0.1
  done
  log "no answer from $1"; return 1
}

running() { local p="$STATE_DIR/$1.pid"; [ -f "$p" ] && kill -0 "$(cat "$p")" 2>/dev/null; }

start_proxy() {
  if ! running registry-proxy; then
    printf '^%s$\n' "${PROXIED_HOST//./\\.}" >"$DIR/proxy-filter"
    cat >"$DIR/tinyproxy.conf" <<EOF
Port 5180
Listen 127.0.0.1
Timeout 30
LogLevel Connect
MaxClients 50
Allow 127.0.0.1
Filter "$DIR/proxy-filter"
FilterDefaultDeny Yes
FilterType ERE
EOF
    start_bg registry-proxy tinyproxy -d -c "$DIR/tinyproxy.conf"
  fi
}

start_services() {
  for name in "${NAMES[@]}"; do
    running "registry-$name" && continue
    write_config "$name"
    start_bg "registry-$name" docker-registry serve "$DIR/$name.yml"
  done
  running registry-token || start_bg registry-token node "$HERE/token-server.mjs" 127.0.0.1:5105 "$DIR/token.key" "$DIR/token.crt" \
    cap-probe-bearer cap-probe-issuer "$USER_NAME" "$DIR/password"
  running registry-hang || start_bg registry-hang node -e "require('net').createServer(() => {}).listen(5110, '127.0.0.1')"
  start_proxy
  wait_http http://127.0.0.1:5101/v2/
  wait_http http://127.0.0.1:5102/v2/
  wait_http https://127.0.0.1:5103/v2/
  wait_http http://127.0.0.1:5104/v2/
  wait_http http://127.0.0.1:5105/token
  wait_http "http://$PROXIED_HOST:5107/v2/"
  wait_http "http://$BLOCKED_HOST:5108/v2/"
  wait_proxy
}

proxy_answers() { (exec 3<>/dev/tcp/127.0.0.1/5180) 2>/dev/null; }

wait_proxy() {
  for _ in $(seq 1 50); do proxy_answers && return 0; sleep 0.1; done
  log "tinyproxy does not answer on 127.0.0.1:5180; see $STATE_DIR/registry-proxy.log"; return 1
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

# put_blob FILE: uploads FILE as a blob of $REPO on the open registry.
put_blob() {
  local file=$1 digest location
  digest="sha256:$(sha "$file")"
  location=$(curl -fsS -D - -o /dev/null -X POST "http://127.0.0.1:5101/v2/$REPO/blobs/uploads/" | tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
  case "$location" in http*) ;; *) location="http://127.0.0.1:5101$location" ;; esac
  curl -fsS -o /dev/null -X PUT -H 'Content-Type: application/octet-stream' --data-binary "@$file" "$location&digest=$digest"
}

push_index() {
  if curl -fs -o /dev/null -H "Accept: application/vnd.docker.distribution.manifest.list.v2+json" "http://127.0.0.1:5101/v2/$REPO/manifests/latest"; then return 0; fi
  log "pushing the multi-platform index $REPO:latest (linux/amd64 + linux/arm64)"
  local work; work=$(mktemp -d)
  # linux/amd64: the test image, pushed by the engine.
  docker tag "$TEST_IMAGE" "127.0.0.1:5101/$REPO:amd64"
  docker push "127.0.0.1:5101/$REPO:amd64" >/dev/null
  docker rmi "127.0.0.1:5101/$REPO:amd64" >/dev/null
  curl -fsS -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' "http://127.0.0.1:5101/v2/$REPO/manifests/amd64" >"$work/amd64.json"
  # linux/arm64: one small layer and a config saying arm64, uploaded through the registry API.
  mkdir -p "$work/root" && echo "cap-probe arm64 test image" >"$work/root/README"
  tar -C "$work/root" -cf "$work/layer.tar" README
  gzip -n -c "$work/layer.tar" >"$work/layer.tar.gz"
  printf '{"architecture":"arm64","os":"linux","config":{"Cmd":["/README"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$(sha "$work/layer.tar")" >"$work/config.json"
  put_blob "$work/layer.tar.gz"
  put_blob "$work/config.json"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":%d,"digest":"sha256:%s"},"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":%d,"digest":"sha256:%s"}]}' \
    "$(stat -c %s "$work/config.json")" "$(sha "$work/config.json")" "$(stat -c %s "$work/layer.tar.gz")" "$(sha "$work/layer.tar.gz")" >"$work/arm64.json"
  curl -fsS -o /dev/null -X PUT -H 'Content-Type: application/vnd.docker.distribution.manifest.v2+json' --data-binary "@$work/arm64.json" "http://127.0.0.1:5101/v2/$REPO/manifests/arm64"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","size":%d,"digest":"sha256:%s","platform":{"architecture":"amd64","os":"linux"}},{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","size":%d,"digest":"sha256:%s","platform":{"architecture":"arm64","os":"linux"}}]}' \
    "$(stat -c %s "$work/amd64.json")" "$(sha "$work/amd64.json")" "$(stat -c %s "$work/arm64.json")" "$(sha "$work/arm64.json")" >"$work/index.json"
  curl -fsS -o /dev/null -X PUT -H 'Content-Type: application/vnd.docker.distribution.manifest.list.v2+json' --data-binary "@$work/index.json" "http://127.0.0.1:5101/v2/$REPO/manifests/latest"
  # A "private" copy: the same index under another name, pulled with credentials from the basic-auth registry.
  curl -fsS -o /dev/null -X PUT -H 'Content-Type: application/vnd.docker.distribution.manifest.list.v2+json' --data-binary "@$work/index.json" "http://127.0.0.1:5101/v2/$REPO/manifests/private"
  rm -rf "$work"
}

write_registries_file() {
  # The matrix's six keys pointed at loopback registries, for `--registries`.
  cat >"$DIR/registries.json" <<EOF
{
  "registries": [
    { "key": "dockerhub", "name": "open (loopback)", "api": "127.0.0.1:5101", "scheme": "http", "image": "$REPO:latest" },
    { "key": "ghcr", "name": "basic auth (loopback)", "api": "127.0.0.1:5102", "scheme": "http", "image": "$REPO:latest", "privateImage": "$REPO:private" },
    { "key": "gcr", "name": "TLS (loopback)", "api": "127.0.0.1:5103", "scheme": "https", "ca": "$DIR/ca.crt", "image": "$REPO:latest" },
    { "key": "mcr", "name": "bearer token (loopback)", "api": "127.0.0.1:5104", "scheme": "http", "image": "$REPO:latest" },
    { "key": "ecr-public", "name": "refuses connections (loopback)", "api": "127.0.0.1:5109", "scheme": "http", "image": "$REPO:latest" },
    { "key": "ecr-private", "name": "never answers (loopback)", "api": "127.0.0.1:5110", "scheme": "http", "image": "$REPO:latest", "reachabilityOnly": true }
  ]
}
EOF
  # The proxy pair: one registry the proxy allows, one it refuses.
  cat >"$DIR/registries-proxy.json" <<EOF
{
  "registries": [
    { "key": "dockerhub", "name": "allowed by the proxy", "api": "$PROXIED_HOST:5107", "scheme": "http", "image": "$REPO:latest" },
    { "key": "ghcr", "name": "refused by the proxy", "api": "$BLOCKED_HOST:5108", "scheme": "http", "image": "$REPO:latest" }
  ]
}
EOF
}

up() {
  need_root
  apt_install docker-registry apache2-utils tinyproxy openssl curl
  mkdir -p "$DIR/data"
  # The packaged services (if their install started them) keep their own ports (5000, 8888); ours differ.
  # Never `service tinyproxy stop` here: its init script stops every tinyproxy, ours included.
  [ -f "$DIR/password" ] || (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$DIR/password")
  htpasswd -Bbn "$USER_NAME" "$(cat "$DIR/password")" >"$DIR/htpasswd"
  make_certs
  mkdir -p /etc/docker/certs.d/127.0.0.1:5103 && cp "$DIR/ca.crt" /etc/docker/certs.d/127.0.0.1:5103/ca.crt
  grep -q " $PROXIED_HOST\$" /etc/hosts || echo "127.0.0.7 $PROXIED_HOST" >>/etc/hosts
  grep -q " $BLOCKED_HOST\$" /etc/hosts || echo "127.0.0.8 $BLOCKED_HOST" >>/etc/hosts
  start_services
  push_index
  write_registries_file
  # The proxy must still be there when the tests start: restart it once if it went away.
  sleep 0.5
  if ! running registry-proxy || ! proxy_answers; then log "tinyproxy went away; restarting it"; rm -f "$STATE_DIR/registry-proxy.pid"; start_proxy; wait_proxy; fi
  export_var CAP_PROBE_TEST_REGISTRY_OPEN 127.0.0.1:5101
  export_var CAP_PROBE_TEST_REGISTRY_BASIC 127.0.0.1:5102
  export_var CAP_PROBE_TEST_REGISTRY_TLS 127.0.0.1:5103
  export_var CAP_PROBE_TEST_REGISTRY_BEARER 127.0.0.1:5104
  export_var CAP_PROBE_TEST_REGISTRY_PROXIED "$PROXIED_HOST:5107"
  export_var CAP_PROBE_TEST_REGISTRY_BLOCKED "$BLOCKED_HOST:5108"
  export_var CAP_PROBE_TEST_REGISTRY_REFUSED 127.0.0.1:5109
  export_var CAP_PROBE_TEST_REGISTRY_HANG 127.0.0.1:5110
  export_var CAP_PROBE_TEST_PROXY http://127.0.0.1:5180
  export_var CAP_PROBE_TEST_PROXY_LOG "$STATE_DIR/registry-proxy.log"
  export_var CAP_PROBE_TEST_REGISTRY_CA "$DIR/ca.crt"
  export_var CAP_PROBE_TEST_REGISTRY_USER "$USER_NAME"
  export_var CAP_PROBE_TEST_REGISTRY_PASSWORD_FILE "$DIR/password"
  export_var CAP_PROBE_TEST_REGISTRY_IMAGE "$REPO:latest"
  export_var CAP_PROBE_TEST_REGISTRIES_FILE "$DIR/registries.json"
  export_var CAP_PROBE_TEST_REGISTRIES_PROXY_FILE "$DIR/registries-proxy.json"
}

down() {
  for name in "${NAMES[@]}"; do stop_bg "registry-$name"; done
  stop_bg registry-token
  stop_bg registry-hang
  stop_bg registry-proxy
}

case "${1:-up}" in
  up) up ;;
  down) down ;;
  *) log "usage: $0 up|down"; exit 2 ;;
esac
