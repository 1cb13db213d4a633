#!/usr/bin/env bash
# The second half of the remote tier: tests/e2e rerun against a remote engine, the way
# e2e_user.sh reruns them as another user. tests/remote/with_engine.ts starts a dockerd in a
# container with its own data root (the busybox and Debian test images loaded through the API),
# sets DOCKER_HOST=tcp://..., DOCKER_TLS_VERIFY, DOCKER_CERT_PATH and LEASH_RELAY_ADDRESS (the
# address its containers reach this machine by), runs the tests, and removes the engine.
# Tests whose premise is an engine that sees this machine's files are ignored there with the
# reason printed (tests/e2e/_remote.ts). Run by scripts/test; prints deno test's output (its
# last line is the summary scripts/test counts).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"

exec "$DENO" run --allow-all tests/remote/with_engine.ts -- \
  "$DENO" test --allow-all --trace-leaks tests/e2e
