# Shared bootstrap for scripts/leash and scripts/test: sourced, not run.
# Installs what is absent (Deno from npm into .tools/, Debian packages when root),
# starts dockerd when no Docker socket answers, and says exactly what is missing
# and how to install it when it cannot do so itself.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TOOLS="$ROOT/.tools"
DENO_VERSION=2.9.6
DENO="$TOOLS/node_modules/.bin/deno"
LEASH_STARTED_DOCKERD=""

say() { printf '%s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

ensure_deno() {
  if [ -x "$DENO" ] && "$DENO" --version 2>/dev/null | head -n1 | grep -q "^deno $DENO_VERSION "; then
    return 0
  fi
  command -v npm >/dev/null 2>&1 ||
    die "Cannot install Deno $DENO_VERSION: npm is missing; install Node.js and npm (apt-get install nodejs npm) and rerun"
  say "leash: installing Deno $DENO_VERSION from npm into $TOOLS"
  mkdir -p "$TOOLS"
  [ -f "$TOOLS/package.json" ] || printf '{"private":true}\n' >"$TOOLS/package.json"
  (cd "$TOOLS" && npm install --silent --no-audit --no-fund "deno@$DENO_VERSION" >&2) ||
    die "Cannot install Deno $DENO_VERSION from npm: see the npm output above"
  "$DENO" --version >/dev/null 2>&1 || die "Deno installed into $TOOLS but does not run"
}

is_debian() { [ -f /etc/debian_version ] && command -v apt-get >/dev/null 2>&1; }

# ensure_packages PKG...: installs the missing Debian packages when root on Debian,
# otherwise lists them with the command that installs them and exits.
ensure_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! is_debian; then
    die "Missing packages: ${missing[*]}; this is not a Debian system: install their equivalents with your package manager"
  fi
  if [ "$(id -u)" != 0 ]; then
    local foreign
    foreign=$(printf '%s\n' "${missing[@]}" | sed -n 's/.*:\(.*\)/\1/p' | sort -u | sed 's/.*/sudo dpkg --add-architecture & \&\& /' | tr -d '\n')
    [ -z "$foreign" ] || foreign="${foreign}sudo apt-get update && "
    die "Missing packages: ${missing[*]}; install them with: ${foreign}sudo apt-get install -y ${missing[*]}"
  fi
  say "leash: installing Debian packages: ${missing[*]}"
  # PKG:ARCH (e.g. libbpf-dev:arm64, a cross build's libraries) needs ARCH among dpkg's architectures.
  local arch added=0
  for pkg in "${missing[@]}"; do
    [[ "$pkg" == *:* ]] || continue
    arch=${pkg##*:}
    [ "$arch" = "$(dpkg --print-architecture)" ] && continue
    dpkg --print-foreign-architectures | grep -qx "$arch" && continue
    say "leash: adding the Debian architecture $arch (dpkg --add-architecture $arch)"
    dpkg --add-architecture "$arch" || die "Cannot add the Debian architecture $arch for ${missing[*]}"
    added=1
  done
  [ "$added" = 0 ] || apt-get update -qq >&2 || true
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2; then
    apt-get update -qq >&2 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 ||
      die "Cannot install packages: ${missing[*]}: see apt-get's output above"
  fi
}

# docker_remote: true when DOCKER_HOST names an engine on another machine (tcp://, ssh://):
# leash talks to it itself (TLS from DOCKER_TLS_VERIFY/DOCKER_CERT_PATH, or ssh) and nothing
# is started here.
docker_remote() {
  case "${DOCKER_HOST:-}" in tcp://* | ssh://*) return 0 ;; *) return 1 ;; esac
}

# docker_socket: the local engine's unix socket (for what needs the socket file itself).
docker_socket() {
  local host=${DOCKER_HOST:-unix:///var/run/docker.sock}
  case "$host" in
    unix://*) printf '%s\n' "${host#unix://}" ;;
    /*) printf '%s\n' "$host" ;;
    tcp://* | ssh://*) die "DOCKER_HOST=\"$host\" is a remote engine; this needs a local engine's unix socket: unset DOCKER_HOST or point it at one (unix:///var/run/docker.sock)" ;;
    *) die "DOCKER_HOST=\"$host\" is not supported: use unix:///path/to/docker.sock, tcp://HOST:2376 (with DOCKER_TLS_VERIFY=1) or ssh://[USER@]HOST[:PORT]" ;;
  esac
}

docker_answers() {
  curl -sf --max-time 3 --unix-socket "$(docker_socket)" http://localhost/_ping >/dev/null 2>&1
}

# ensure_dockerd: starts dockerd when no socket answers (returns 1 with a message when it
# cannot); stop_dockerd stops it at the end only if we started it.
ensure_dockerd() {
  # A remote engine is leash's to reach (it names DOCKER_HOST and the fix when it cannot).
  docker_remote && return 0
  (docker_socket >/dev/null) || return 1
  (ensure_packages curl) || return 1
  docker_answers && return 0
  if ! command -v dockerd >/dev/null 2>&1; then
    (ensure_packages docker.io) || return 1
  fi
  if [ "$(id -u)" != 0 ]; then
    say "error: Docker is not running at $(docker_socket) and starting dockerd needs root: run sudo systemctl start docker (or sudo dockerd)"
    return 1
  fi
  local log="$ROOT/build/dockerd.log" i
  mkdir -p "$ROOT/build"
  say "leash: starting dockerd (log: $log)"
  dockerd >"$log" 2>&1 &
  LEASH_STARTED_DOCKERD=$!
  for i in $(seq 1 120); do
    docker_answers && return 0
    if ! kill -0 "$LEASH_STARTED_DOCKERD" 2>/dev/null; then
      tail -n 20 "$log" >&2
      say "error: dockerd exited at start: see $log"
      LEASH_STARTED_DOCKERD=""
      return 1
    fi
    sleep 0.5
  done
  say "error: dockerd did not answer /_ping within 60 s: see $log"
  return 1
}

stop_dockerd() {
  [ -n "$LEASH_STARTED_DOCKERD" ] || return 0
  kill "$LEASH_STARTED_DOCKERD" 2>/dev/null || return 0
  local i
  for i in $(seq 1 40); do kill -0 "$LEASH_STARTED_DOCKERD" 2>/dev/null || break; sleep 0.5; done
  LEASH_STARTED_DOCKERD=""
}
