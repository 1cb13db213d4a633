/**
 * Which address of this machine leash's connections to a remote engine leave from: the local
 * end of a TCP connection to the engine's host (tcp://), or to the host ssh would connect to
 * (ssh://, as `ssh -G` resolves it). A session's relay listener defaults to it: the engine's
 * host sees leash there, so that is where its containers are most likely to reach leash.
 */

/** How long the connection that reveals the local address may take. */
const CONNECT_TIMEOUT_MS = 5_000;

/** The local address of a TCP connection to `hostname:port`, closed at once; throws when none. */
export async function localAddressTo(hostname: string, port: number): Promise<string> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const connecting = Deno.connect({ hostname, port });
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no connection to ${hostname}:${port} within 5 s`)),
      CONNECT_TIMEOUT_MS,
    );
  });
  try {
    const conn = await Promise.race([connecting, timeout]);
    const local = (conn.localAddr as Deno.NetAddr).hostname;
    conn.close();
    return local;
  } finally {
    clearTimeout(timer);
    connecting.then((c) => c.close(), () => {}).catch(() => {});
  }
}

/** Where ssh connects for `args` (`ssh -G`), or why leash cannot tell (a jump host, a proxy command). */
export type SshDestination = { hostname: string; port: number } | { unknown: string };

/** Parses `ssh -G` output; pure. */
export function sshDestination(text: string): SshDestination {
  const value = (key: string) =>
    text.split("\n").map((l) => l.trim().split(/\s+/)).find((w) => w[0] === key)?.slice(1)
      .join(" ");
  for (const key of ["proxyjump", "proxycommand"]) {
    const v = value(key);
    if (v !== undefined && v !== "none") {
      return { unknown: `ssh reaches the engine through ${key} "${v}"` };
    }
  }
  const hostname = value("hostname");
  const port = Number(value("port") ?? "22");
  if (!hostname || !Number.isInteger(port)) return { unknown: "ssh -G named no hostname and port" };
  return { hostname, port };
}
