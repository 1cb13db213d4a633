#!/bin/sh
# leash @VERSION@ for Linux @ARCH@: a self-extracting release (scripts/release). This POSIX sh
# launcher is followed by a gzip'd tar payload: the Deno @DENO_VERSION@ runtime, leash's module
# graph with its npm dependencies cached, and the native assets. The first run checks the
# payload's sha256 and extracts it to a per-user cache dir named by that hash; every run then
# execs Deno with the permissions leash needs and nothing from the network.
set -u
payload_sha256=@SHA256@
payload_offset=@OFFSET@
payload_size=@SIZE@
deno_size=@DENO_SIZE@
target_arch=@ARCH@

fail() {
  printf 'leash: %s\n' "$*" >&2
  exit 1
}

self=$0
case $self in */*) ;; *) self=$(command -v -- "$0") || fail "Cannot find this file's path from \"$0\"" ;; esac

# One fork: the later runs' start-up is mostly this launcher's forks.
machine=$(uname -sm)
os=${machine%% *} arch=${machine#* }
[ "$os" = Linux ] && [ "$arch" = "$target_arch" ] ||
  fail "Cannot run on $os $arch: this file is leash-linux-$target_arch; supported: Linux x86_64 (leash-linux-x86_64), Linux aarch64 (leash-linux-aarch64)"

if [ -n "${LEASH_CACHE_DIR:-}" ]; then
  base=$LEASH_CACHE_DIR
elif [ -n "${XDG_CACHE_HOME:-}" ]; then
  base=$XDG_CACHE_HOME/leash/release
elif [ -n "${HOME:-}" ]; then
  base=$HOME/.cache/leash/release
else
  fail "Cannot find a cache dir to extract leash into: HOME is not set; set LEASH_CACHE_DIR to a writable directory"
fi
dir=$base/$payload_sha256

# Extracted and complete: the marker is written before the tree is published, and the runtime
# must have its full size (a tree damaged later is extracted again).
ready() {
  [ -f "$dir/.complete" ] || return 1
  size=$(wc -c <"$dir/deno" 2>/dev/null) || return 1
  [ "$size" -eq "$deno_size" ] 2>/dev/null
}

run() {
  DENO_DIR=$dir/deno_dir DENO_NO_UPDATE_CHECK=1 DENO_NO_PROMPT=1 exec "$dir/deno" run \
    --cached-only --no-prompt --quiet --config "$dir/app/deno.json" --lock "$dir/app/deno.lock" \
    --frozen --allow-read --allow-write --allow-net --allow-env --allow-run --allow-sys \
    --allow-ffi "$dir/app/main.ts" "$@"
}

ready && run "$@"

total=$(wc -c <"$self") || fail "Cannot read \"$self\""
[ "$total" -eq $((payload_offset + payload_size)) ] ||
  fail "Cannot run \"$self\": it has $total bytes but the release has $((payload_offset + payload_size)): the file is truncated or damaged, download it again"
for tool in sha256sum gzip tar mktemp; do
  command -v "$tool" >/dev/null 2>&1 || fail "Cannot extract leash: \"$tool\" is missing; install it (coreutils, gzip, tar)"
done
mkdir -p "$base" 2>/dev/null && [ -w "$base" ] ||
  fail "Cannot extract leash: the cache dir \"$base\" is not writable; set LEASH_CACHE_DIR to a writable directory"
tmp=$(mktemp -d "$dir.d.XXXXXX") ||
  fail "Cannot extract leash: cannot create a directory in \"$base\"; set LEASH_CACHE_DIR to a writable directory"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

# Hash the bytes that are extracted (a copy), not the file again, so what runs is what was checked.
tail -c +$((payload_offset + 1)) "$self" >"$tmp/payload.tgz" ||
  fail "Cannot extract leash into \"$base\": writing failed (disk full?); set LEASH_CACHE_DIR to another directory"
sum=$(sha256sum "$tmp/payload.tgz") || fail "Cannot hash the payload of \"$self\""
sum=${sum%% *}
[ "$sum" = "$payload_sha256" ] ||
  fail "Refusing to run \"$self\": its payload's sha256 is $sum, not $payload_sha256: the file is damaged or was altered, download it again"
mkdir "$tmp/root" && gzip -dc "$tmp/payload.tgz" | tar -xf - -C "$tmp/root" ||
  fail "Cannot extract leash into \"$base\" (disk full?); set LEASH_CACHE_DIR to another directory"
rm -f "$tmp/payload.tgz"
printf '%s\n' "$payload_sha256" >"$tmp/root/.complete" || fail "Cannot write into \"$tmp\""

# Publish atomically: a symlink is created whole or not at all, so of concurrent first runs
# one wins and the others use its tree. A stale link (damaged tree) is replaced once.
name=${tmp##*/}
for attempt in 1 2; do
  if ln -sn "$name/root" "$dir" 2>/dev/null; then
    tmp=""
    break
  fi
  ready && break
  [ "$attempt" = 1 ] || fail "Cannot publish the extracted leash at \"$dir\"; remove it and run again"
  old=$(readlink "$dir" 2>/dev/null) || old=""
  case $old in
    "$payload_sha256".d.*/root) rm -f "$dir" && rm -rf "$base/${old%/root}" ;;
    *) rm -rf "$dir" ;;
  esac
done
[ -z "$tmp" ] || rm -rf "$tmp"
trap - EXIT
ready || fail "Cannot use the extracted leash at \"$dir\"; remove it and run again"
# Prune the cache, on first runs only (later runs exec at once). Kept: this payload's tree and
# the newest other published one (the previous version, by extraction time). Removed: other
# payloads' published trees (older versions) and trees of extractions that were killed (not
# published, older than an hour: a concurrent first run's tree is younger). Never removed: a
# tree in use, i.e. one whose deno is a running process's executable (/proc/PID/exe; only this
# user's processes are visible, and the cache dir is this user's).
live=$(readlink "$dir" 2>/dev/null) || live=""
prev="" ifs=$IFS IFS='
'
for marker in $(ls -td "$base"/*/.complete 2>/dev/null); do
  link=${marker%/.complete}
  [ "${link##*/}" != "$payload_sha256" ] && [ -L "$link" ] || continue
  prev=$(readlink "$link") && break
done
IFS=$ifs
real=$(cd "$base" && pwd -P) || real=$base
in_use=$(ls -l /proc/[0-9]*/exe 2>/dev/null)
for old in "$base"/*.d.*; do
  tree=${old##*/}
  [ -d "$old" ] && [ "$tree" != "${live%/root}" ] && [ "$tree" != "${prev%/root}" ] || continue
  case $in_use in *" -> $real/$tree/"*) continue ;; esac
  link=$base/${tree%%.d.*}
  if [ -L "$link" ] && [ "$(readlink "$link")" = "$tree/root" ]; then
    rm -f "$link" && rm -rf "$old"
  elif [ -n "$(find "$old" -maxdepth 0 -mmin +60 2>/dev/null)" ]; then
    rm -rf "$old"
  fi
done
run "$@"
