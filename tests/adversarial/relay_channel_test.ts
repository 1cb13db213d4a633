/**
 * The archive transport's relay channel under attack (issue 12 part 4, docs/remote_engines.md
 * §3). A real session forced to the archive transport on the local dockerd; another container
 * on the same Docker network as its bridge connects to leash's relay listener and asks for an
 * allowed upstream without the session secret: with no answer, a made-up MAC, and a valid
 * answer captured for another connection's nonce (replay). Judged by what the host upstream
 * received and the proxy's events: nothing, while the same request with the secret (the
 * harness's positive control) does reach it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { readTar } from "../../src/docker/mod.ts";
import { DEFAULT_POLICY } from "../../src/policy/mod.ts";
import { withWorkspace } from "../../src/session/workspace_policy.ts";
import { relayMac } from "../../src/transport/mod.ts";
import { ensureDebianImage } from "../fixtures/debian_image.ts";
import { TEST_LABELS } from "../fixtures/busybox_image.ts";
import { startUpstream } from "../integration/_proxy_harness.ts";
import { TEST_NET_RULES } from "../e2e/_debian.ts";
import { assertNoContainers, sandbox, setup, spawnLeash } from "../e2e/_session.ts";
import { RELAY_PROBE } from "./_relay_probe.ts";

const { docker, image } = await setup();
globalThis.addEventListener("unload", () => docker.close());
const debian = await ensureDebianImage(docker);

/** Events of the one session under `state`, once it logged `boot.steady` (polled). */
async function steadySession(state: string, child: Deno.ChildProcess): Promise<string> {
  const sessions = join(state, "leash", "sessions");
  let exited = false;
  child.status.then(() => exited = true);
  for (;;) {
    assert.ok(!exited, "leash ended before its session was steady");
    const entries = await Array.fromAsync(Deno.readDir(sessions)).catch(() => []);
    for (const entry of entries) {
      const text = await Deno.readTextFile(join(sessions, entry.name, "logs", "events.ndjson"))
        .catch(() => "");
      if (text.includes('"boot.steady"')) return entry.name;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The bridge's `--connect` target and its secret, read through the Engine API. */
async function bridgeOf(
  session: string,
): Promise<{ host: string; port: string; secret: Uint8Array }> {
  const [bridge] = await docker.containers.list({
    filters: { label: [`leash.session=${session}`, "leash.role=bridge"] },
  });
  assert.ok(bridge, "the session has a bridge container");
  const info = await docker.containers.inspect(bridge.Id);
  const args = info.Config.Entrypoint ?? [];
  const target = args[args.indexOf("--connect") + 1] ?? "";
  const [host = "", port = ""] = target.split(/:(?=\d+$)/);
  const [file] = readTar(await docker.containers.getArchive(bridge.Id, "/leash-bridge/secret"));
  assert.equal(file?.data.length, 32);
  return { host, port, secret: file!.data };
}

/**
 * Runs the probe in `mode` from a container on Docker's default bridge network; answers its
 * "answer?" with `answer(challenge)` (the first challenge it saw). Resolves to its output.
 */
async function probe(
  probeFile: string,
  to: { host: string; port: string },
  mode: string,
  upstreamPort: number,
  answer?: (challenge: string) => string,
): Promise<string> {
  const child = new Deno.Command("docker", {
    args: [
      "run",
      "--rm",
      "-i",
      "--network",
      "bridge",
      ...Object.entries(TEST_LABELS).flatMap(([k, v]) => ["--label", `${k}=${v}`]),
      "-v",
      `${probeFile}:/probe.mjs:ro`,
      debian,
      "node",
      "/probe.mjs",
      to.host,
      to.port,
      mode,
      String(upstreamPort),
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  const lines: string[] = [];
  let challenge = "";
  for await (const line of linesOf(child.stdout)) {
    lines.push(line);
    if (line.startsWith("challenge ")) challenge = line.slice("challenge ".length);
    if (line === "answer?") {
      assert.ok(answer, `probe ${mode} asked for an answer`);
      await writer.write(new TextEncoder().encode(answer(challenge) + "\n"));
    }
  }
  await writer.close().catch(() => {});
  const status = await child.status;
  const stderr = new TextDecoder().decode(await new Response(child.stderr).arrayBuffer());
  assert.equal(status.code, 0, `probe ${mode}: ${lines.join("\n")}\n${stderr}`);
  return lines.join("\n");
}

/** The lines of a byte stream, as they come. */
async function* linesOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let pending = "";
  for await (const text of stream.pipeThrough(new TextDecoderStream())) {
    pending += text;
    let newline;
    while ((newline = pending.indexOf("\n")) >= 0) {
      yield pending.slice(0, newline);
      pending = pending.slice(newline + 1);
    }
  }
  if (pending !== "") yield pending;
}

/** `proxy <HMAC(secret, nonce of challenge || "proxy")>`: the bridge's answer to that challenge. */
function validAnswer(secret: Uint8Array, challenge: string): string {
  const hex = /^leash-relay 1 ([0-9a-f]{64})$/.exec(challenge)?.[1];
  assert.ok(hex, `a challenge line: ${challenge}`);
  const nonce = Uint8Array.from(hex.match(/../g)!, (h) => parseInt(h, 16));
  const mac = relayMac(secret, nonce, "proxy");
  return `proxy ${Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

Deno.test("relay listener: another container without the secret, with a wrong MAC or replaying a captured answer never reaches the proxy", async () => {
  await using box = await sandbox();
  const upstream = await startUpstream("plain.test");
  const probeFile = join(box.root, "probe.mjs");
  await Deno.writeTextFile(probeFile, RELAY_PROBE);
  const policy = join(box.root, "policy.cedar");
  await Deno.writeTextFile(policy, withWorkspace(DEFAULT_POLICY, box.workspace) + TEST_NET_RULES);
  const child = spawnLeash(
    box,
    ["run", "--image", image, "--policy", policy, "--listen", "", "--", "sleep", "600"],
    { LEASH_SESSION_TRANSPORT: "archive", LEASH_UPSTREAM_HOSTS: "plain.test=127.0.0.1" },
  ).spawn();
  const stderr = new Response(child.stderr).text();
  const stdout = new Response(child.stdout).text();
  let session: string | undefined;
  try {
    session = await steadySession(box.env.XDG_STATE_HOME!, child);
    const bridge = await bridgeOf(session);
    const outs = {
      none: await probe(probeFile, bridge, "none", upstream.port),
      wrong: await probe(probeFile, bridge, "wrong", upstream.port),
      replay: await probe(probeFile, bridge, "replay", upstream.port, (first) =>
        // A valid answer, captured for the first connection's nonce, sent on a second one.
        validAnswer(bridge.secret, first)),
      // Positive control: the same request with the secret's answer does reach the upstream.
      secret: await probe(
        probeFile,
        bridge,
        "secret",
        upstream.port,
        (c) => validAnswer(bridge.secret, c),
      ),
    };
    for (const mode of ["none", "wrong", "replay"] as const) {
      assert.match(outs[mode], /^after 0 ""$/m, `${mode}: nothing came back:\n${outs[mode]}`);
    }
    assert.match(outs.secret, /^after \d+ "HTTP\/1\.1 200/m, outs.secret);
    const paths = upstream.seen.map((s) => s.path);
    assert.ok(paths.includes("/control-secret"), JSON.stringify(paths));
    for (const path of ["/attack-none", "/attack-wrong", "/attack-replay"]) {
      assert.ok(!paths.includes(path), `${path} reached the upstream: ${JSON.stringify(paths)}`);
    }
  } finally {
    child.kill("SIGTERM");
    await child.status;
    await upstream.close();
  }
  const err = await stderr;
  await stdout;
  const events = (await Deno.readTextFile(
    join(box.env.XDG_STATE_HOME!, "leash", "sessions", session!, "logs", "events.ndjson"),
  )).split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l));
  // The proxy never saw the attackers' requests; every refused connection is an event.
  const requests = events.filter((e) => e.event === "http.request").map((e) => String(e.url));
  assert.ok(requests.some((u) => u.includes("/control-secret")), JSON.stringify(requests));
  assert.ok(!requests.some((u) => u.includes("/attack-")), JSON.stringify(requests));
  const refused = events.filter((e) => e.event === "session.relay_refused");
  // none, wrong, and the replay's two connections (the first closed unanswered).
  assert.ok(refused.length >= 4, JSON.stringify(refused));
  assert.ok(
    refused.some((e) => /wrong MAC for a proxy stream/.test(e.message)),
    JSON.stringify(refused),
  );
  await assertNoContainers(docker, session);
  assert.equal((await docker.volumes.list([`leash.session=${session}`])).length, 0, err);
});
