#!/usr/bin/env bash
# The engines tier (issue 12 parts 2 and 3): tests/engines against engines this script starts
# on their own sockets and stops again; the system dockerd (/var/run/docker.sock) is never
# touched. Run by scripts/test as root; prints deno test's output (its last line is the
# summary scripts/test counts).
#
# - Rootful Podman: `podman system service` on LEASH_ENGINES_PODMAN_SOCKET (default
#   /run/podman/podman.sock).
# - Rootless Docker (dockerd-rootless.sh) and rootless Podman, as LEASH_ENGINES_USER (default
#   leash-rootless, created when absent, with subordinate uid/gid ranges), on
#   /run/user/<uid>/docker.sock and /run/user/<uid>/podman/podman.sock. That user runs leash
#   from a copy of the checkout in its home (a root checkout is not readable by others).
#
# Both Podmans get a containers.conf of this run: runc as the runtime (Debian 12's crun refuses
# a host whose cgroup v2 hierarchy has controllers beside v1, the project's own VMs), and, where
# root lacks CAP_SYS_RESOURCE (a sandboxed root), default ulimits no higher than this shell's
# (rootful Podman otherwise asks for nofile and nproc it may not raise, and runc fails).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"

[ "$(id -u)" = 0 ] ||
  die "Cannot run the engines tier as $(id -un): it starts Podman and a rootless dockerd for a test user; run it as root (sudo scripts/test engines)"

user=${LEASH_ENGINES_USER:-leash-rootless}
podman_socket=${LEASH_ENGINES_PODMAN_SOCKET:-/run/podman/podman.sock}
logs="$ROOT/build"
mkdir -p "$logs"
work=$(mktemp -d /tmp/leash-engines-XXXXXX) || die "Cannot create a temporary directory"
chmod 0755 "$work"
groups_started=()

cleanup() {
  local pgid i
  for pgid in "${groups_started[@]}"; do
    kill -TERM -- "-$pgid" 2>/dev/null
  done
  for pgid in "${groups_started[@]}"; do
    for i in $(seq 1 100); do
      kill -0 -- "-$pgid" 2>/dev/null || break
      sleep 0.2
    done
    kill -KILL -- "-$pgid" 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT

# answers SOCKET: whether an engine answers /_ping there.
answers() { curl -sf --max-time 3 --unix-socket "$1" http://localhost/_ping >/dev/null 2>&1; }

# wait_for SOCKET WHAT LOG: waits up to 60 s for the engine, else shows its log and stops.
wait_for() {
  local i
  for i in $(seq 1 120); do
    answers "$1" && return 0
    sleep 0.5
  done
  tail -n 20 "$3" >&2
  die "Cannot start $2: nothing answers at \"$1\" after 60 s; see $3"
}

# start LOG COMMAND...: starts COMMAND in its own process group (stopped at exit).
start() {
  local log=$1
  shift
  setsid "$@" >"$log" 2>&1 </dev/null &
  groups_started+=("$!")
}

# A free subordinate id range for FILE (/etc/subuid or /etc/subgid), above every range there.
free_range() {
  awk -F: 'BEGIN { top = 100000 } NF == 3 && $2 + $3 > top { top = $2 + $3 } END { print top }' "$1"
}

conf="$work/containers.conf"
{
  echo "[containers]"
  capeff=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
  if (((16#${capeff:-0} >> 24 & 1) == 0)); then # CAP_SYS_RESOURCE is bit 24
    nofile=$(ulimit -Hn) nproc=$(ulimit -Hu)
    # Podman's own service runs with nproc at most 32768 (seen on Debian 12).
    [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ] && nproc=32768
    [ "$nofile" = unlimited ] && nofile=1048576
    echo "default_ulimits = [\"nofile=$nofile:$nofile\", \"nproc=$nproc:$nproc\"]"
  fi
  echo "[engine]"
  echo 'runtime = "runc"'
} >"$conf"
chmod 0644 "$conf"

# --- rootful Podman ---------------------------------------------------------------------------
answers "$podman_socket" &&
  die "Cannot start Podman for the engines tier: something already answers at \"$podman_socket\"; stop it or set LEASH_ENGINES_PODMAN_SOCKET"
mkdir -p "$(dirname "$podman_socket")"
rm -f "$podman_socket"
say "engines: starting rootful Podman at $podman_socket"
start "$logs/engines-podman.log" env CONTAINERS_CONF="$conf" \
  podman system service --time=0 "unix://$podman_socket"
wait_for "$podman_socket" "rootful Podman" "$logs/engines-podman.log"

# --- the rootless engines' user ---------------------------------------------------------------
if ! getent passwd "$user" >/dev/null; then
  say "engines: creating user $user"
  useradd --create-home --user-group --shell /bin/bash "$user" || die "Cannot create user \"$user\""
fi
for file in /etc/subuid /etc/subgid; do
  grep -q "^$user:" "$file" 2>/dev/null && continue
  start_id=$(free_range "$file" 2>/dev/null || echo 100000)
  flag=--add-subuids
  [ "$file" = /etc/subgid ] && flag=--add-subgids
  usermod "$flag" "$start_id-$((start_id + 65535))" "$user" ||
    die "Cannot give user \"$user\" subordinate ids in $file (needed by rootless engines)"
done
uid=$(id -u "$user")
group=$(id -gn "$user")
home=$(getent passwd "$user" | cut -d: -f6)
runtime="/run/user/$uid"
install -d -o "$user" -g "$group" -m 0700 "$runtime" "$runtime/podman"

rootless_docker="$runtime/docker.sock"
rootless_podman="$runtime/podman/podman.sock"
for socket in "$rootless_docker" "$rootless_podman"; do
  answers "$socket" &&
    die "Cannot start the rootless engines: something already answers at \"$socket\"; stop $user's engines first"
done

copy="$home/leash-engines"
say "engines: copying the checkout to $copy"
rm -rf "$copy"
mkdir -p "$copy/.tools/node_modules/.bin"
tar -C "$ROOT" --exclude=./.git --exclude=./build --exclude=./.tools -cf - . | tar -C "$copy" -xf - ||
  die "Cannot copy the checkout to \"$copy\""
cp "$(readlink -f "$DENO")" "$copy/.tools/node_modules/.bin/deno"
chown -R "$user:$group" "$copy"

# The user's own session-like environment, for the engines started as that user.
as_user=(runuser -u "$user" -- env -i HOME="$home" USER="$user" LOGNAME="$user"
  PATH=/usr/share/docker.io/contrib:/usr/sbin:/usr/bin:/sbin:/bin XDG_RUNTIME_DIR="$runtime"
  CONTAINERS_CONF="$conf")

say "engines: starting rootless Docker as $user at $rootless_docker"
start "$logs/engines-rootless-dockerd.log" "${as_user[@]}" dockerd-rootless.sh
say "engines: starting rootless Podman as $user at $rootless_podman"
start "$logs/engines-rootless-podman.log" "${as_user[@]}" \
  podman system service --time=0 "unix://$rootless_podman"
wait_for "$rootless_docker" "rootless Docker" "$logs/engines-rootless-dockerd.log"
wait_for "$rootless_podman" "rootless Podman" "$logs/engines-rootless-podman.log"

say "engines: running tests/engines"
LEASH_ENGINES_PODMAN="$podman_socket" LEASH_ENGINES_USER="$user" LEASH_ENGINES_CHECKOUT="$copy" \
  LEASH_ENGINES_ROOTLESS_DOCKER="$rootless_docker" LEASH_ENGINES_ROOTLESS_PODMAN="$rootless_podman" \
  "$DENO" test --allow-all --trace-leaks tests/engines
