/**
 * The e2e tests also run against a remote engine (the remote tier: scripts/lib/e2e_remote.sh,
 * DOCKER_HOST=tcp://...). A test whose premise is an engine that sees this machine's files
 * (a host path mounted with -v, the workspace's changes read back on the host, the manager's
 * unix sockets) is ignored there, with the reason printed.
 */

/** The DOCKER_HOST of a remote engine (tcp://, ssh://), or undefined for a local socket. */
const REMOTE = /^(tcp|ssh):\/\//.test(Deno.env.get("DOCKER_HOST") ?? "")
  ? Deno.env.get("DOCKER_HOST")
  : undefined;

/** `{ ignore }` for a test that cannot hold on a remote engine; prints `reason` there. */
export function localEngineOnly(reason: string): { ignore: boolean } {
  if (REMOTE !== undefined) {
    Deno.stderr.writeSync(
      new TextEncoder().encode(`e2e: ignored on the remote engine ${REMOTE}: ${reason}\n`),
    );
  }
  return { ignore: REMOTE !== undefined };
}
