/**
 * The archive session transport end to end (issue 12 part 4, docs/remote_engines.md), forced
 * on the local dockerd with `LEASH_SESSION_TRANSPORT=archive`: nothing of the host is
 * bind-mounted into the target, leash's files reach it through the Engine API, its markers
 * come back the same way, and the manager's relay reaches the host proxy through the bridge
 * container and the authenticated TCP listener. Judged by what the target saw, what a host
 * upstream received, the host's files and what is left in Docker afterwards.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DEFAULT_POLICY } from "../../src/policy/mod.ts";
import { withWorkspace } from "../../src/session/workspace_policy.ts";
import { startUpstream } from "../integration/_proxy_harness.ts";
import { TEST_NET_RULES } from "./_debian.ts";
import {
  assertNoContainers,
  leash,
  sandbox,
  section,
  sessionDir,
  sessionEvents,
  setup,
} from "./_session.ts";

const { docker, image } = await setup();
globalThis.addEventListener("unload", () => docker.close());

const ARCHIVE = { LEASH_SESSION_TRANSPORT: "archive" };

/** Volumes still labelled with session `id`. */
async function sessionVolumes(id: string | undefined): Promise<string[]> {
  assert.ok(id, "leash printed its session id");
  return (await docker.volumes.list([`leash.session=${id}`])).map((v) => v.Name);
}

Deno.test("leash run over the archive transport: staged files, markers, policy, enforced denials and proxied egress work", async () => {
  await using box = await sandbox();
  const upstream = await startUpstream("plain.test");
  try {
    await Deno.writeTextFile(join(box.workspace, "seed.txt"), "seed-from-host\n");
    const policy = join(box.root, "policy.cedar");
    await Deno.writeTextFile(policy, withWorkspace(DEFAULT_POLICY, box.workspace) + TEST_NET_RULES);
    const script = `
echo "<<ca"; head -1 /leash/ca-cert.pem; echo "ca>>"
echo "<<modes"; ls -ln /leash/enforcement.active /leash/bin/leash-entry; echo "modes>>"
echo "<<forge"; (echo '{"protocol":1}' > /leash/enforcement.active) 2>&1; echo "status=$?"; echo "forge>>"
echo "<<seed"; cat seed.txt; echo changed > seed.txt && echo wrote; echo "seed>>"
echo "<<etc"; (echo x > /etc/leash-archive-probe) 2>&1; echo "status=$?"; echo "etc>>"
echo "<<allowed"; wget -q -O- "http://plain.test:$1/archive-allowed" 2>&1; echo "status=$?"; echo "allowed>>"
echo "<<forbidden"; wget -q -O- "http://forbidden.test:$1/archive-forbidden" 2>&1; echo "status=$?"; echo "forbidden>>"
`;
    const r = await leash(
      box,
      [
        "run",
        "--image",
        image,
        "--policy",
        policy,
        "--listen",
        "",
        "--",
        "sh",
        "-c",
        script,
        "sh",
        String(upstream.port),
      ],
      {
        ...ARCHIVE,
        LEASH_UPSTREAM_HOSTS: "plain.test=127.0.0.1,forbidden.test=127.0.0.1",
      },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /session transport: archive/);
    // The CA reached /leash through the Engine API; the target cannot write there, not even root.
    assert.equal(section(r.stdout, "ca").trim(), "-----BEGIN CERTIFICATE-----");
    // What the host wrote for the target: root-owned, read-only for the file it wrote last.
    const modes = section(r.stdout, "modes");
    assert.match(modes, /^-r--r--r-- +\d+ 0 +0 .*\/leash\/enforcement\.active$/m, modes);
    assert.match(modes, /^-rwxr-xr-x +\d+ 0 +0 .*\/leash\/bin\/leash-entry$/m, modes);
    // enforcement.active appeared whole (hard-linked after its upload): never seen partial.
    assert.doesNotMatch(r.stderr, /not valid JSON/);
    assert.match(section(r.stdout, "forge"), /Read-only file system[\s\S]*status=[1-9]/);
    // The workspace is a copy: the command saw the host's file, its change stays on the engine.
    assert.match(section(r.stdout, "seed"), /^seed-from-host\nwrote$/);
    assert.equal(await Deno.readTextFile(join(box.workspace, "seed.txt")), "seed-from-host\n");
    // The policy is enforced in the target (system dirs read-only).
    assert.match(section(r.stdout, "etc"), /status=[1-9]/);
    // Egress through manager → bridge → authenticated listener → host proxy → upstream.
    assert.match(section(r.stdout, "allowed"), /status=0/);
    assert.match(section(r.stdout, "forbidden"), /403[\s\S]*status=[1-9]/);
    const paths = upstream.seen.map((s) => s.path);
    assert.ok(paths.includes("/archive-allowed"), JSON.stringify(paths));
    assert.ok(!paths.includes("/archive-forbidden"), JSON.stringify(paths));
    const events = await sessionEvents(box, r.session);
    assert.ok(events.some((e) => e.event === "boot.bootstrap"), "bootstrap.ready was read");
    assert.ok(
      events.some((e) =>
        e.event === "http.request" && e.host === "forbidden.test" && e.decision === "deny"
      ),
    );
    assert.ok(
      !events.some((e) => e.event === "session.relay_refused"),
      "the bridge's streams all authenticated",
    );
    const bridgeLog = await Deno.readTextFile(
      join(sessionDir(box, r.session), "logs", "bridge.log"),
    );
    assert.match(bridgeLog, /leash-bridge: ready/);
    // Teardown: the target, manager, stage and bridge, and every volume, are gone.
    await assertNoContainers(docker, r.session);
    assert.deepEqual(await sessionVolumes(r.session), []);
  } finally {
    await upstream.close();
  }
});

Deno.test("leash run over the archive transport refuses a -v mount of a host path with the fix", async () => {
  await using box = await sandbox();
  const r = await leash(
    box,
    ["run", "--image", image, "--listen", "", "-v", `${box.root}:/data`, "--", "true"],
    ARCHIVE,
  );
  assert.equal(r.code, 1, r.stderr);
  assert.match(
    r.stderr,
    /Cannot mount ".*:\/data": the engine cannot see this machine's files; use a named volume/,
  );
  assert.match(r.stderr, /-v NAME:\/data/);
  await assertNoContainers(docker, r.session);
  assert.deepEqual(await sessionVolumes(r.session), []);
});
