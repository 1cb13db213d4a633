#!/usr/bin/env bash
# The e2e-user tier: the e2e tests (tests/e2e) and the agents tier's tests (tests/agents: the
# real agent CLIs under their presets) run as a non-root user in the Docker socket's group, the
# way most people run Docker (issue 12, DESIGN.md §7). Run by scripts/test; prints deno test's
# output (its last line is the summary scripts/test counts, one row for both directories).
#
# As root (CI on a clean clone): creates the user when absent (LEASH_TEST_USER, default
# leash-e2e) and adds it to the socket's group, copies the checkout (no .git, build/ or
# .tools/) and the Deno binary into a directory the user owns (LEASH_TEST_USER_COPY, default
# ~USER/leash-e2e; a root checkout under /root is not readable by others), builds the Debian
# test image and the agents' Debian base first (debootstrap needs root; the agent images on
# that base are built by the user's own `leash image build`, a cache hit after the agents
# tier), and runs the tier with runuser: the user's own HOME and Deno cache, the rest of the
# environment (proxy and CA settings that make the npm registry reachable) kept. As any other
# user: runs the tier as that user, in place.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"

TEST_DIRS=(tests/e2e tests/agents)

if [ "$(id -u)" != 0 ]; then
  exec "$DENO" test --allow-all --trace-leaks "${TEST_DIRS[@]}"
fi

user=${LEASH_TEST_USER:-leash-e2e}
socket=$(docker_socket)
group=$(stat -c %G "$socket") || die "Cannot inspect the Docker socket \"$socket\""
[ "$group" != root ] ||
  die "Cannot run the e2e-user tier: the Docker socket \"$socket\" belongs to group root, so no non-root user can use it; create a docker group (groupadd docker) and restart dockerd"
if ! getent passwd "$user" >/dev/null; then
  say "e2e-user: creating user $user (group $group)"
  useradd --create-home --user-group --shell /bin/bash "$user" || die "Cannot create user \"$user\""
fi
if ! id -nG "$user" | tr ' ' '\n' | grep -qx "$group"; then
  say "e2e-user: adding $user to group $group"
  usermod -aG "$group" "$user" || die "Cannot add user \"$user\" to group \"$group\""
fi
home=$(getent passwd "$user" | cut -d: -f6)
[ -n "$home" ] || die "User \"$user\" has no home directory"
[ -d "$home" ] || install -d -o "$user" -g "$(id -gn "$user")" -m 0700 "$home"

# The Debian test image: debootstrap needs root; the user then finds it by its tag.
"$DENO" eval --quiet '
  import { DockerClient } from "./src/docker/mod.ts";
  import { ensureDebianImage } from "./tests/fixtures/debian_image.ts";
  await ensureDebianImage(await DockerClient.connect());
' || die "Cannot build the Debian test image for the e2e-user tier"
# The agents' Debian base (leash image base): the user's leash image build starts from it.
"$DENO" run --allow-all --quiet main.ts image base >/dev/null ||
  die "Cannot build the agents' Debian base (leash image base) for the e2e-user tier"

copy=${LEASH_TEST_USER_COPY:-$home/leash-e2e}
case "$copy" in
  "$home"/?*) ;;
  *) die "Invalid LEASH_TEST_USER_COPY \"$copy\": use a directory under $home (it is removed and made anew)" ;;
esac
say "e2e-user: copying the checkout to $copy"
rm -rf "$copy"
mkdir -p "$copy/.tools/node_modules/.bin"
tar -C "$ROOT" --exclude=./.git --exclude=./build --exclude=./.tools -cf - . | tar -C "$copy" -xf - ||
  die "Cannot copy the checkout to \"$copy\""
cp "$(readlink -f "$DENO")" "$copy/.tools/node_modules/.bin/deno"
chown -R "$user:$(id -gn "$user")" "$copy"

say "e2e-user: running ${TEST_DIRS[*]} as $user (uid $(id -u "$user"), groups $(id -Gn "$user"))"
exec runuser -u "$user" -- env \
  -u XDG_RUNTIME_DIR -u XDG_STATE_HOME -u XDG_DATA_HOME -u XDG_CONFIG_HOME -u XDG_CACHE_HOME \
  -u DENO_DIR HOME="$home" USER="$user" LOGNAME="$user" \
  DENO_DIR="$home/.cache/deno" PATH="$copy/.tools/node_modules/.bin:$PATH" \
  bash -c 'cd "$1" && shift && exec deno test --allow-all --trace-leaks "$@"' _ "$copy" "${TEST_DIRS[@]}"
