import assert from "node:assert/strict";
import { compilePolicy, decide } from "../policy/mod.ts";
import { withWorkspace } from "../session/mod.ts";
import { composePolicy, readPresetPolicy } from "./policy.ts";
import { planCredentials } from "./credentials.ts";
import { PRESETS } from "./presets.ts";
import type { AgentPreset } from "./preset.ts";

async function sessionPolicy(
  preset: AgentPreset,
  env: Record<string, string>,
  allowTelemetry = false,
) {
  const plan = planCredentials(preset, (n) => env[n], []);
  const text = withWorkspace(
    composePolicy(preset, await readPresetPolicy(preset), {
      injections: plan.injections,
      allowTelemetry,
    }),
    "/home/u/project",
  );
  return compilePolicy(text, { file: `${preset.name}.cedar` }).ir;
}

const allowed = (ir: ReturnType<typeof compilePolicy>["ir"], action: string, resource: string) =>
  decide(ir, { action: action as "FileOpen", resource }).decision === "allow";

for (const preset of PRESETS) {
  Deno.test(`composePolicy() for ${preset.name} permits exactly its api/auth hosts and denies telemetry/update hosts`, async () => {
    const ir = await sessionPolicy(preset, {});
    for (const host of preset.hosts) {
      const name = host.host.replace("*.", "o1.");
      const want = host.purpose === "api" || host.purpose === "auth";
      assert.equal(
        allowed(ir, "NetworkConnect", `${name}:443`),
        want,
        `${host.host} (${host.purpose})`,
      );
    }
    assert.equal(allowed(ir, "NetworkConnect", "example.com:443"), false);
    assert.equal(allowed(ir, "NetworkConnect", `${preset.hosts[0]!.host}:80`), false, "HTTPS only");
  });

  Deno.test(`composePolicy() for ${preset.name} with allowTelemetry permits the telemetry/update hosts`, async () => {
    const ir = await sessionPolicy(preset, {}, true);
    for (const host of preset.hosts.filter((h) => h.purpose === "telemetry")) {
      assert.ok(allowed(ir, "NetworkConnect", `${host.host.replace("*.", "o1.")}:443`), host.host);
    }
  });

  Deno.test(`the ${preset.name} preset lets the agent write the workspace and its home, never ~/.ssh or the system`, async () => {
    const ir = await sessionPolicy(preset, {});
    assert.ok(allowed(ir, "FileOpenReadWrite", "/home/u/project/src/a.ts"));
    assert.ok(allowed(ir, "FileOpenReadWrite", "/root/.claude.json"));
    assert.ok(allowed(ir, "FileOpenReadOnly", "/usr/lib/x86_64-linux-gnu/libc.so.6"));
    assert.equal(allowed(ir, "FileOpenReadWrite", "/etc/passwd"), false);
    assert.equal(allowed(ir, "FileOpenReadOnly", "/root/.ssh/id_rsa"), false);
    assert.equal(allowed(ir, "FileOpenReadOnly", "/home/u/other/x"), false);
    assert.ok(allowed(ir, "ProcessExec", "/usr/bin/git"));
    assert.ok(
      allowed(ir, "ProcessExec", `/usr/local/lib/node_modules/${preset.package.name}/bin/x`),
      "the package's native binary runs",
    );
    assert.equal(allowed(ir, "ProcessExec", "/home/u/project/payload"), false);
  });

  Deno.test(`composePolicy() for ${preset.name} injects each found key for its API host only`, async () => {
    const env = Object.fromEntries(preset.credentials.map((c) => [c.env[0]!, "k-123456"]));
    const ir = await sessionPolicy(preset, env);
    assert.equal(ir.rewrites.length, preset.credentials.length);
    for (const credential of preset.credentials) {
      const rw = ir.rewrites.find((r) => r.header === credential.header);
      assert.ok(rw, credential.header);
      const context = { header: rw.header, secret: rw.secret ?? "" };
      const covers = (host: string) =>
        decide(ir, { action: "HttpRewrite", resource: `${host}:443`, context }).decision;
      assert.equal(covers(credential.host), "allow");
      assert.equal(covers("evil.example"), "deny");
    }
  });
}

Deno.test("composePolicy() generates no injection without a key, and appends --policy text last", async () => {
  const preset = PRESETS[0]!;
  const text = composePolicy(preset, await readPresetPolicy(preset), {
    extra: {
      label: "mine.cedar",
      text:
        '@id("mine")\npermit (principal, action == Action::"NetworkConnect", resource in Host::"example.com:443");',
    },
  });
  const ir = compilePolicy(text, { file: "x.cedar" }).ir;
  assert.equal(ir.rewrites.length, 0);
  assert.ok(text.trimEnd().endsWith('Host::"example.com:443");'));
  assert.equal(
    decide(ir, { action: "NetworkConnect", resource: "example.com:443" }).decision,
    "allow",
  );
});

Deno.test("composePolicy() forbids Claude Code's event logging on its API host unless telemetry is allowed", async () => {
  const preset = PRESETS.find((p) => p.name === "claude")!;
  const request = (path: string) => ({
    action: "HttpRequest" as const,
    resource: "api.anthropic.com:443",
    context: { method: "POST", path },
  });
  const denied = await sessionPolicy(preset, {});
  assert.equal(decide(denied, request("/api/event_logging/v2/batch")).decision, "deny");
  assert.equal(decide(denied, request("/v1/messages")).decision, "allow");
  const allowed = await sessionPolicy(preset, {}, true);
  assert.equal(decide(allowed, request("/api/event_logging/v2/batch")).decision, "allow");
});
