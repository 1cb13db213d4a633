/**
 * The kernel layers see the target on the remote engine (a dockerd in a container with a private
 * cgroup namespace, tests/remote/_engine.ts): there the manager's cgroup2 mount is rooted below
 * the real root, and the programs must still find the target's cgroup (bpf/progs/common.h,
 * in_target). Judged by what the command got from the kernel (ENOENT from the mask, EPERM from
 * cgroup-net's connect hook where the netns alone would give ENETUNREACH) and by the observe
 * layer's event for the denied open, naming the forbid's id, in events.ndjson on this host.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DEFAULT_POLICY } from "../../src/policy/mod.ts";
import { withWorkspace } from "../../src/session/workspace_policy.ts";
import { section } from "../e2e/_session.ts";
import { leashCommand, MISSING, remoteEngine, stopRemoteEngine } from "./_shared.ts";

const options = { ignore: MISSING !== undefined, sanitizeResources: false, sanitizeOps: false };

const SCRIPT = `
echo "<<key"; cat "$1/keys/id" 2>&1; echo "status=$?"; echo "key>>"
echo "<<connect"; nc 198.51.100.1 80 </dev/null 2>&1; echo "status=$?"; echo "connect>>"
`;

Deno.test({
  name:
    "kernel layers on the remote engine: a forbidden open is refused and arrives as an observe event naming the rule; a connect to an address no rule names fails with EPERM from cgroup-net",
  ...options,
  async fn() {
    const root = await Deno.makeTempDir({ dir: "/tmp", prefix: "lrko-" });
    try {
      const engine = await remoteEngine();
      const workspace = join(root, "ws");
      await Deno.mkdir(join(workspace, "keys"), { recursive: true });
      await Deno.writeTextFile(join(workspace, "keys", "id"), "remote-key-material\n");
      const policy = join(root, "policy.cedar");
      await Deno.writeTextFile(
        policy,
        withWorkspace(DEFAULT_POLICY, workspace) +
          `\n@id("remote-no-keys")\nforbid (principal, action == Action::"FileOpen", resource in Dir::"${workspace}/keys/");\n`,
      );
      const r = await leashCommand(
        [
          "run",
          "--image",
          engine.busybox,
          "--policy",
          policy,
          "--listen",
          "",
          "--",
          "sh",
          "-c",
          SCRIPT,
          "sh",
          workspace,
        ],
        { ...engine.tlsEnv, LEASH_RELAY_ADDRESS: engine.hostAddress },
        workspace,
        root,
      ).output();
      const stdout = new TextDecoder().decode(r.stdout);
      const stderr = new TextDecoder().decode(r.stderr);
      assert.equal(r.code, 0, stderr);
      assert.match(stderr, /observe +active/, stderr);
      assert.match(stderr, /cgroup-net +active/, stderr);
      // The key stays unread: the mask answers ENOENT.
      const key = section(stdout, "key");
      assert.doesNotMatch(key, /remote-key-material/);
      assert.match(key, /No such file or directory[\s\S]*status=[1-9]/);
      // EPERM comes from cgroup-net's connect4 hook; without it the netns gives ENETUNREACH.
      assert.match(section(stdout, "connect"), /Operation not permitted[\s\S]*status=[1-9]/);
      const session = /leash: session (\S+)/.exec(stderr)?.[1];
      assert.ok(session, stderr);
      const events = (await Deno.readTextFile(
        join(root, "state", "leash", "sessions", session, "logs", "events.ndjson"),
      )).split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
      assert.ok(
        events.some((e) =>
          e.event === "file.open" && e.layer === "observe" &&
          e.path === `${workspace}/keys/id` && e.access === "read" && e.decision === "deny" &&
          e.rule === "remote-no-keys"
        ),
        JSON.stringify(events.filter((e) => `${e.path}`.includes("keys"))),
      );
    } finally {
      await stopRemoteEngine();
      await Deno.remove(root, { recursive: true }).catch(() => {});
    }
  },
});
