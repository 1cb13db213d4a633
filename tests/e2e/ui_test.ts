/**
 * The control UI from the target's side (DESIGN.md §1): it listens on the HOST's loopback,
 * which the target, alone in its netns with only `lo`, cannot reach. The target tries the
 * UI's port on 127.0.0.1 and on every address of the host; nothing answers as the UI, and
 * the UI's own request count shows none of those attempts arrived.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { assertNoContainers, sandbox, section, sessionDir, setup, spawnLeash } from "./_session.ts";

const { docker, image } = await setup();
globalThis.addEventListener("unload", () => docker.close());

/** The host's own IPv4 addresses beside loopback, and Docker's bridge gateway. */
function hostAddresses(): string[] {
  const found = Deno.networkInterfaces()
    .filter((i) => i.family === "IPv4" && !i.address.startsWith("127."))
    .map((i) => i.address);
  return [...new Set([...found, "172.17.0.1"])];
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Reads a stream until `pattern` shows up; returns all text so far. */
async function readUntil(
  reader: ReadableStreamDefaultReader<string>,
  pattern: RegExp,
  seen: { text: string },
): Promise<string> {
  while (!pattern.test(seen.text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended before ${pattern}:\n${seen.text}`);
    seen.text += value;
  }
  return seen.text;
}

async function probeSession(env: Record<string, string>) {
  await using box = await sandbox();
  const port = freePort();
  const addresses = ["127.0.0.1", ...hostAddresses()];
  const request = `GET /api/session HTTP/1.0\\r\\nHost: 127.0.0.1:${port}\\r\\n\\r\\n`;
  const script =
    `for a in "$@"; do printf '${request}' | timeout 5 nc "$a" ${port} > /tmp/out 2>&1; ` +
    `rc=$?; echo "<<$a"; cat /tmp/out; echo "rc=$rc"; echo "$a>>"; done; echo probed; sleep 600`;
  const child = spawnLeash(box, [
    "run",
    "--image",
    image,
    "--listen",
    `127.0.0.1:${port}`,
    "--",
    "sh",
    "-c",
    script,
    "sh",
    ...addresses,
  ], env).spawn();
  const err = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  const out = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const stderr = { text: "" };
  const stdout = { text: "" };
  try {
    await readUntil(err, /control UI (http:\S+)/, stderr);
    const url = /control UI (http:\S+)/.exec(stderr.text)![1]!;
    assert.equal(new URL(url).port, String(port));
    const token = new URL(url).searchParams.get("token")!;
    await readUntil(out, /^probed$/m, stdout);
    const info = await (await fetch(`http://127.0.0.1:${port}/api/session`, {
      headers: { authorization: `Bearer ${token}` },
    })).json();
    // This request is the first and only one the UI ever got.
    assert.deepEqual(info.ui, { requests: 1, refused: 0 }, stdout.text);
    // The token is also kept in the session dir, for the user only.
    const tokenFile = join(sessionDir(box, info.id), "ui-token");
    assert.equal((await Deno.stat(tokenFile)).mode! & 0o777, 0o600);
    assert.equal((await Deno.readTextFile(tokenFile)).trim(), token);
    return { stdout: stdout.text, addresses, session: info.id as string };
  } finally {
    child.kill("SIGTERM");
    const rest = (async () => {
      for (;;) if ((await err.read()).done) break;
    })();
    await out.cancel();
    await child.status;
    await rest;
  }
}

Deno.test("control UI: the target reaches neither the UI's port on its 127.0.0.1 nor the host's addresses", async () => {
  const { stdout, addresses, session } = await probeSession({});
  const loopback = section(stdout, "127.0.0.1");
  // The target's own loopback: nothing listens on the UI's port there.
  assert.match(loopback, /Connection refused/);
  assert.match(loopback, /rc=1/);
  for (const address of addresses.slice(1)) {
    const answer = section(stdout, address);
    // With cgroup-net the connect goes to the relay, and the proxy denies the host address
    // (default deny); nothing comes from the UI.
    assert.match(answer, /X-Leash-Reason: leash: GET http:\/\/\S+ denied|can't connect/, answer);
    assert.doesNotMatch(answer, /Unauthorized|posture|leash_ui/);
  }
  await assertNoContainers(docker, session);
});

Deno.test("control UI: without cgroup-net the target has no route to the host at all", async () => {
  const { stdout, addresses, session } = await probeSession({
    LEASH_DISABLE_LAYERS: "cgroup-net",
  });
  assert.match(section(stdout, "127.0.0.1"), /Connection refused/);
  for (const address of addresses.slice(1)) {
    const answer = section(stdout, address);
    assert.match(answer, /Network is unreachable/, answer);
    assert.match(answer, /rc=1/);
  }
  await assertNoContainers(docker, session);
});
