#!/usr/bin/env bash
# Idempotent host setup for building and testing multi-arch images on a Debian host
# with no Docker engine and no Docker Hub: apt packages (QEMU 10 from trixie), dockerd,
# binfmt_misc registration of qemu-aarch64, and a local OCI Distribution registry.
# A second run changes nothing and returns in seconds.
#
# Usage: setup-host.sh [--test-tools] [--project-node] [--list-packages]
#   --test-tools    also what only the tests need: groovy (and the Java runtime it pulls)
#                   to compile the Jenkinsfile. `npm run demo` does not ask for it.
#   --project-node  the pinned Node.js 24 + npm from image/node (official builds from the
#                   npm registry, lockfile integrity) and image/'s packages installed with
#                   it, for host tests and benches that use puppeteer-core (which needs
#                   Node >= 22.12; the system Node may be older).
#   --list-packages print the apt packages this invocation ensures, and exit.
set -euo pipefail

WITH_TEST_TOOLS=0
WITH_PROJECT_NODE=0
LIST_ONLY=0
for arg in "$@"; do
  case "$arg" in
    --test-tools) WITH_TEST_TOOLS=1 ;;
    --project-node) WITH_PROJECT_NODE=1 ;;
    --list-packages) LIST_ONLY=1 ;;
    *) printf '[setup] error: unknown argument %s (expected --test-tools, --project-node, --list-packages)\n' "$arg" >&2; exit 2 ;;
  esac
done

# What every use needs (build, smoke test, push, demo); groovy (+ the Java runtime it
# depends on) only compiles the Jenkinsfile in a test.
APT_PACKAGES=(docker.io docker-registry mmdebstrap arch-test skopeo awscli chromium fonts-noto-color-emoji apache2-utils iproute2 curl)
[ "$WITH_TEST_TOOLS" = 0 ] || APT_PACKAGES+=(groovy)
if [ "$LIST_ONLY" = 1 ]; then printf '%s\n' "${APT_PACKAGES[@]}"; exit 0; fi

PROJECT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE_DIR="${MULTIARCH_STATE_DIR:-$PROJECT_DIR/.multiarch}"
REGISTRY_PORT="${MULTIARCH_REGISTRY_PORT:-5000}"
MIRROR="${MULTIARCH_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SKIP_REGISTRY="${MULTIARCH_SKIP_REGISTRY:-0}"

log() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (it installs packages and starts dockerd); try: sudo $0"

# --- apt packages -----------------------------------------------------------------
# Bookworm's QEMU 7.2 cannot run Chromium (its helper thread breaks the zygote); QEMU 10
# from trixie can. Pin trixie low so only packages asked for with -t trixie come from it.
ensure_trixie_source() {
  local src=/etc/apt/sources.list.d/multiarch-trixie-r2.sources
  local pref=/etc/apt/preferences.d/multiarch-trixie.pref
  rm -f /etc/apt/sources.list.d/multiarch-trixie.sources
  if [ ! -f "$src" ]; then
    log "adding trixie apt source (pinned at priority 100)"
    cat >"$src" <<SRC
Types: deb
URIs: $MIRROR
Suites: trixie trixie-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${MIRROR%/debian}/debian-security
Suites: trixie-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    APT_UPDATED=0
  fi
  # every trixie suite pinned low, or the host would take e.g. chromium from
  # trixie-security (newer version, newer libc) on its next upgrade
  local want_pref
  want_pref="$(printf 'Package: *\nPin: release n=%s\nPin-Priority: 100\n\n' trixie trixie-updates trixie-security)"
  if [ ! -f "$pref" ] || [ "$(cat "$pref")" != "$want_pref" ]; then
    printf '%s\n' "$want_pref" >"$pref"
    APT_UPDATED=0
    apt_update_once
  fi
}

APT_UPDATED=0
apt_update_once() {
  if [ "$APT_UPDATED" = 0 ]; then
    log "apt-get update"
    apt-get update -qq >/dev/null
    APT_UPDATED=1
  fi
}

missing_packages() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || printf '%s ' "$p"
  done
}

qemu_major() {
  local v
  v="$(dpkg-query -W -f='${Version}' qemu-user-static 2>/dev/null || true)"
  v="${v#*:}"
  printf '%s' "${v%%.*}"
}

# Bookworm's docker.io 20.10 embeds a BuildKit that panics ("failed to get edge") and takes
# dockerd down when concurrent builds sharing steps are cancelled, which cancellation does
# on purpose. Trixie's 26.1 (with docker-buildx) does not; installing it moves only
# docker.io, docker-cli and docker-buildx, no libc.
docker_major() {
  local v
  v="$(dpkg-query -W -f='${Version}' docker.io 2>/dev/null || true)"
  printf '%s' "${v%%.*}"
}

ensure_docker_26() {
  local major
  major="$(docker_major)"
  if [ -n "$major" ] && [ "$major" -ge 26 ] && dpkg-query -W -f='${Status}' docker-buildx 2>/dev/null | grep -q 'install ok installed'; then return; fi
  APT_UPDATED=0
  apt_update_once
  log "installing docker.io 26 and docker-buildx from trixie"
  apt-get install -y -qq --no-install-recommends -t trixie docker.io docker-cli docker-buildx >/dev/null
  # a dockerd started from the old package keeps running the old binary: restart it
  if pgrep -x dockerd >/dev/null && ! "$DOCKER" version -f '{{.Server.Version}}' 2>/dev/null | grep -q '^2[6-9]\.'; then
    log "restarting dockerd on the new version"
    pkill -x dockerd || true
    for _ in $(seq 1 30); do pgrep -x dockerd >/dev/null || break; sleep 1; done
  fi
}

ensure_packages() {
  export DEBIAN_FRONTEND=noninteractive
  local missing
  missing="$(missing_packages "${APT_PACKAGES[@]}")"
  if [ -n "$missing" ]; then
    apt_update_once
    log "installing: $missing"
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi
  ensure_trixie_source
  ensure_docker_26
  local major
  major="$(qemu_major)"
  if [ -z "$major" ] || [ "$major" -lt 10 ]; then
    APT_UPDATED=0
    apt_update_once
    log "installing qemu-user-static from trixie (QEMU 10)"
    apt-get install -y -qq -t trixie qemu-user-static >/dev/null
  fi
  ensure_cosign
}

# cosign signs and verifies releases by digest (docs/signing.md). Bookworm has none;
# trixie ships 2.5, a static Go binary, taken from the low-pinned trixie source like QEMU.
ensure_cosign() {
  if [ -n "$(missing_packages cosign)" ]; then
    APT_UPDATED=0
    apt_update_once
    log "installing cosign from trixie"
    apt-get install -y -qq -t trixie cosign >/dev/null
  fi
}

# --- dockerd ----------------------------------------------------------------------
DOCKER=/usr/bin/docker
ensure_dockerd() {
  if "$DOCKER" info >/dev/null 2>&1; then return; fi
  log "starting dockerd"
  mkdir -p "$STATE_DIR"
  nohup dockerd >"$STATE_DIR/dockerd.log" 2>&1 &
  local i
  for i in $(seq 1 60); do
    if "$DOCKER" info >/dev/null 2>&1; then log "dockerd is up"; return; fi
    sleep 1
  done
  tail -n 20 "$STATE_DIR/dockerd.log" >&2 || true
  die "dockerd did not answer within 60 s (log: $STATE_DIR/dockerd.log)"
}

# --- binfmt_misc --------------------------------------------------------------------
ensure_binfmt() {
  local dir=/proc/sys/fs/binfmt_misc
  if [ ! -e "$dir/register" ]; then
    mount -t binfmt_misc binfmt_misc "$dir" || die "cannot mount binfmt_misc on $dir"
  fi
  local conf=/usr/lib/binfmt.d/qemu-aarch64.conf
  [ -f "$conf" ] || die "missing $conf (is qemu-user-static installed?)"
  local entry="$dir/qemu-aarch64"
  local want_interp
  want_interp="$(cut -d: -f7 "$conf")"
  # The F flag opens the interpreter once, at registration: after an upgrade from QEMU 7
  # to 10 an old registration keeps running the old binary, so the installed version is
  # recorded and a change forces re-registration.
  local marker="$STATE_DIR/binfmt-qemu-version" current
  current="$(dpkg-query -W -f='${Version}' qemu-user-static)"
  if [ -f "$entry" ] && grep -q '^enabled' "$entry" \
     && grep -qx "interpreter $want_interp" "$entry" \
     && grep -q '^flags: .*F' "$entry" \
     && [ -f "$marker" ] && [ "$(cat "$marker")" = "$current" ]; then
    return
  fi
  if [ -f "$entry" ]; then echo -1 >"$entry"; fi
  log "registering qemu-aarch64 ($want_interp, flags $(cut -d: -f8 "$conf"))"
  cat "$conf" >"$dir/register"
  mkdir -p "$STATE_DIR"
  printf '%s' "$current" >"$marker"
}

# --- local registry -----------------------------------------------------------------
ensure_registry() {
  [ "$SKIP_REGISTRY" = 1 ] && return
  local dir="$STATE_DIR/registry"
  if curl -fsS -o /dev/null "http://127.0.0.1:$REGISTRY_PORT/v2/" 2>/dev/null; then return; fi
  mkdir -p "$dir/data"
  cat >"$dir/config.yml" <<CFG
version: 0.1
log:
  level: info
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$REGISTRY_PORT
CFG
  log "starting registry on 127.0.0.1:$REGISTRY_PORT (storage $dir/data)"
  nohup docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
  echo $! >"$dir/registry.pid"
  local i
  for i in $(seq 1 30); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$REGISTRY_PORT/v2/" 2>/dev/null; then return; fi
    sleep 0.5
  done
  tail -n 20 "$dir/registry.log" >&2 || true
  die "registry did not answer on 127.0.0.1:$REGISTRY_PORT"
}

# --- project Node.js (--project-node) ---------------------------------------------------
# image/node pins the official Node 24 build for each CPU; npm (the system one, any Node)
# installs the one for this CPU with integrity checks, and that Node + its pinned npm then
# install image/. A stamp of both lockfiles makes a rerun a no-op.
PROJECT_NODE_DIR="$PROJECT_DIR/image/node"
PROJECT_NODE_BIN="$PROJECT_NODE_DIR/node_modules/.bin"
ensure_project_node() {
  command -v npm >/dev/null || die "npm not found: install Node.js and npm first (the README's fresh machine has them)"
  local stamp="$PROJECT_DIR/image/node_modules/.multiarch-setup-stamp" want
  want="$(cat "$PROJECT_NODE_DIR/package-lock.json" "$PROJECT_DIR/image/package-lock.json" | sha256sum | cut -d' ' -f1)"
  if [ -x "$PROJECT_NODE_BIN/node" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return; fi
  log "installing the project's Node.js (image/node) and image/ packages with it"
  npm ci --prefix "$PROJECT_NODE_DIR" --no-audit --no-fund >/dev/null
  [ -x "$PROJECT_NODE_BIN/node" ] || die "image/node installed no node binary for $(uname -m)"
  PATH="$PROJECT_NODE_BIN:$PATH" npm ci --prefix "$PROJECT_DIR/image" --no-audit --no-fund >/dev/null
  printf '%s' "$want" >"$stamp"
}

ensure_packages
[ "$WITH_PROJECT_NODE" = 0 ] || ensure_project_node
ensure_dockerd
ensure_binfmt
ensure_registry
log "ready: docker $("$DOCKER" version -f '{{.Server.Version}}'), qemu $(dpkg-query -W -f='${Version}' qemu-user-static), registry 127.0.0.1:$REGISTRY_PORT$([ "$WITH_PROJECT_NODE" = 1 ] && printf ', project node %s' "$("$PROJECT_NODE_BIN/node" --version)")"
