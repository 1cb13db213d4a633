/**
 * The control UI server over real sockets: access rules (token, Host, Origin), the events
 * API and the live stream against a real EventLog, the mode and policy endpoints against a
 * real SessionControl whose proxy and manager are thin stand-ins that record what they got,
 * and the port fallback.
 */
import assert from "node:assert/strict";
import { EventLog, type LeashEvent } from "../../src/events/mod.ts";
import { compilePolicy, type PolicyIr } from "../../src/policy/mod.ts";
import { SessionControl } from "../../src/session/control.ts";
import type { SessionLayer } from "../../src/session/posture.ts";
import { type ControlUi, startControlUi } from "../../src/ui/mod.ts";
import { rawRequest, RawWebSocket } from "./_raw_http.ts";

const POLICY =
  `permit (principal, action == Action::"NetworkConnect", resource == Host::"api.example.com");\n`;

const POSTURE: SessionLayer[] = [
  { name: "kernel-lsm", status: "off", reason: "EPERM: load" },
  { name: "cgroup-net", status: "active", reason: "attached by the manager" },
  { name: "landlock", status: "active", reason: "file/exec policy applied by leash-entry" },
  { name: "netns", status: "active", reason: "target has only lo" },
  { name: "proxy", status: "active", reason: "host proxy, mode enforce" },
  { name: "observe", status: "active", reason: "attached by the manager" },
];

/** A session behind a UI, with the proxy and manager stand-ins' call records. */
interface Rig {
  ui: ControlUi;
  log: EventLog;
  control: SessionControl;
  egress: { modes: string[]; policies: PolicyIr[] };
  manager: { sent: Record<string, unknown>[]; refuse: string | undefined };
  refused: string[];
  port: number;
  origin: string;
  cookie: string;
  [Symbol.asyncDispose](): Promise<void>;
}

async function rig(
  options: { active?: boolean; ringSize?: number; streamBufferLimit?: number } = {},
): Promise<Rig> {
  const log = new EventLog("s-ui-test");
  const control = new SessionControl({
    id: "s-ui-test",
    image: "busybox:test",
    command: ["sh", "-c", "sleep 1"],
    logs: { dir: "/x/logs", events: "/x/logs/events.ndjson", target: "/x/t", manager: "/x/m" },
  }, {
    events: log,
    mode: "enforce",
    policy: { text: POLICY, label: "test.cedar", ir: compilePolicy(POLICY).ir },
  });
  const egress = { modes: [] as string[], policies: [] as PolicyIr[] };
  const manager = {
    sent: [] as Record<string, unknown>[],
    refuse: undefined as string | undefined,
  };
  control.attachEgress({
    setMode: (mode) => void egress.modes.push(mode),
    updatePolicy: (ir) => void egress.policies.push(ir),
  });
  if (options.active !== false) {
    control.attachManager({
      attached: ["cgroup-net", "observe"],
      posture: POSTURE,
      channel: {
        request(message, answers) {
          manager.sent.push(message as unknown as Record<string, unknown>);
          if (manager.refuse) return Promise.reject(new Error(manager.refuse));
          return Promise.resolve({ type: answers[0]! });
        },
      },
    });
  }
  const refused: string[] = [];
  const ui = await startControlUi({
    listen: "127.0.0.1:0",
    session: control,
    events: log,
    onRefused: (_request, reason) => void refused.push(reason),
    ...(options.ringSize ? { ringSize: options.ringSize } : {}),
    ...(options.streamBufferLimit ? { streamBufferLimit: options.streamBufferLimit } : {}),
  });
  const port = ui.address.port;
  return {
    ui,
    log,
    control,
    egress,
    manager,
    refused,
    port,
    origin: `http://127.0.0.1:${port}`,
    cookie: `leash_ui_${port}=${ui.token}`,
    async [Symbol.asyncDispose]() {
      await ui.close();
    },
  };
}

/** A request as the page makes it: right Host, the cookie, the page's Origin on POST. */
function api(
  r: Rig,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  return rawRequest(r.port, method, path, {
    Host: `127.0.0.1:${r.port}`,
    Cookie: r.cookie,
    ...(body === undefined ? {} : { "Content-Type": "application/json", Origin: r.origin }),
    ...headers,
  }, body === undefined ? "" : JSON.stringify(body));
}

Deno.test("control UI: 401 without the token or with a wrong one; the first visit sets the cookie", async () => {
  await using r = await rig();
  const host = { Host: `127.0.0.1:${r.port}` };
  for (const path of ["/", "/app.js", "/api/session", "/api/events"]) {
    assert.equal((await rawRequest(r.port, "GET", path, host)).status, 401, path);
  }
  assert.equal((await rawRequest(r.port, "GET", "/?token=wrong", host)).status, 401);
  const wrongCookie = await rawRequest(r.port, "GET", "/api/session", {
    ...host,
    Cookie: `leash_ui_${r.port}=${r.ui.token.slice(0, -2)}xx`,
  });
  assert.equal(wrongCookie.status, 401);
  // The token is 32 random bytes, base64url.
  assert.match(r.ui.token, /^[A-Za-z0-9_-]{43}$/);
  const login = await rawRequest(r.port, "GET", `/?token=${r.ui.token}`, host);
  assert.equal(login.status, 303);
  assert.equal(login.headers.get("location"), "/");
  assert.equal(
    login.headers.get("set-cookie"),
    `leash_ui_${r.port}=${r.ui.token}; Path=/; HttpOnly; SameSite=Strict`,
  );
  assert.equal(login.headers.get("referrer-policy"), "no-referrer");
  const page = await api(r, "GET", "/");
  assert.equal(page.status, 200);
  const csp = page.headers.get("content-security-policy") ?? "";
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.equal(page.headers.get("x-frame-options"), "DENY");
  assert.equal(page.headers.get("cache-control"), "no-store");
  // No inline script: every <script> has a src.
  assert.deepEqual(
    [...page.body.matchAll(/<script([^>]*)>/g)].map((m) => /src="\/app\.js"/.test(m[1]!)),
    [true],
  );
  const script = await api(r, "GET", "/app.js");
  assert.equal(script.status, 200);
  assert.match(script.headers.get("content-type") ?? "", /javascript/);
  assert.doesNotMatch(script.body, /innerHTML/);
  // A bearer token works for scripts too.
  const bearer = await rawRequest(r.port, "GET", "/api/session", {
    ...host,
    Authorization: `Bearer ${r.ui.token}`,
  });
  assert.equal(bearer.status, 200);
  assert.equal(JSON.parse(bearer.body).id, "s-ui-test");
  assert.ok(r.refused.length >= 6);
});

Deno.test("control UI: a Host header that is not the listen address is refused (DNS rebinding)", async () => {
  await using r = await rig();
  for (const host of ["evil.example", `evil.example:${r.port}`, `127.0.0.1:${r.port + 1}`, ""]) {
    const answer = await api(r, "GET", "/api/session", undefined, { Host: host });
    assert.equal(answer.status, 401, `Host "${host}"`);
    assert.doesNotMatch(answer.body, /s-ui-test/);
  }
  assert.equal(
    (await api(r, "GET", "/api/session", undefined, { Host: `localhost:${r.port}` })).status,
    200,
  );
  assert.ok(r.refused.some((reason) => /Host "evil\.example:\d+" is not this server/.test(reason)));
});

Deno.test("control UI: cross-origin POSTs and WebSocket upgrades are refused and change nothing", async () => {
  await using r = await rig();
  for (const origin of ["http://evil.example", `http://localhost:${r.port + 1}`, "null"]) {
    const answer = await api(r, "POST", "/api/mode", { mode: "record" }, { Origin: origin });
    assert.equal(answer.status, 403, origin);
  }
  const noOrigin = await rawRequest(r.port, "POST", "/api/mode", {
    Host: `127.0.0.1:${r.port}`,
    Cookie: r.cookie,
    "Content-Type": "application/json",
  }, JSON.stringify({ mode: "record" }));
  assert.equal(noOrigin.status, 403);
  // A form post (no JSON content type) is refused even from the right origin.
  const form = await api(r, "POST", "/api/mode", { mode: "record" }, {
    "Content-Type": "application/x-www-form-urlencoded",
  });
  assert.equal(form.status, 415);
  assert.equal(r.egress.modes.length, 0);
  assert.equal(r.manager.sent.length, 0);
  assert.equal(r.control.mode, "enforce");

  const headers = { Host: `127.0.0.1:${r.port}`, Cookie: r.cookie };
  const evil = await RawWebSocket.open(r.port, "/api/stream", {
    ...headers,
    Origin: "http://evil.example",
  });
  assert.equal(evil.status, 403);
  evil.close();
  const none = await RawWebSocket.open(r.port, "/api/stream", headers);
  assert.equal(none.status, 403);
  none.close();
  const tokenless = await RawWebSocket.open(r.port, "/api/stream", {
    Host: headers.Host,
    Origin: r.origin,
  });
  assert.equal(tokenless.status, 401);
  tokenless.close();
  const good = await RawWebSocket.open(r.port, "/api/stream", { ...headers, Origin: r.origin });
  assert.equal(good.status, 101);
  good.close();
});

Deno.test("control UI: /api/events serves the recent events from a bounded ring", async () => {
  await using r = await rig({ ringSize: 10 });
  for (let i = 1; i <= 25; i++) {
    r.log.emit({ event: "net.connect", decision: i % 2 ? "deny" : "allow", port: i });
  }
  const all = JSON.parse((await api(r, "GET", "/api/events")).body);
  assert.deepEqual(all.events.map((e: LeashEvent) => e.seq), [
    16,
    17,
    18,
    19,
    20,
    21,
    22,
    23,
    24,
    25,
  ]);
  assert.equal(all.oldest, 16);
  assert.equal(all.seq, 25);
  const after = JSON.parse((await api(r, "GET", "/api/events?after=22")).body);
  assert.deepEqual(after.events.map((e: LeashEvent) => e.port), [23, 24, 25]);
  assert.equal((await api(r, "GET", "/api/events?after=-1")).status, 400);
});

Deno.test("control UI: the stream replays after SEQ, then sends live events in order", async () => {
  await using r = await rig();
  r.log.emit({ event: "boot.staging" });
  r.log.emit({ event: "http.request", decision: "deny", host: "denied.example" });
  const ws = await RawWebSocket.open(r.port, "/api/stream?after=1", {
    Host: `127.0.0.1:${r.port}`,
    Cookie: r.cookie,
    Origin: r.origin,
  });
  assert.equal(ws.status, 101);
  const first = JSON.parse((await ws.read())!);
  assert.equal(first.type, "event");
  assert.equal(first.event.seq, 2);
  assert.equal(first.event.host, "denied.example");
  r.log.emit({ event: "file.open", decision: "allow", path: "/etc/hosts" });
  const live = JSON.parse((await ws.read())!);
  assert.deepEqual([live.type, live.event.seq, live.event.path], ["event", 3, "/etc/hosts"]);
  ws.close();
});

Deno.test("control UI: a stream client that falls behind is told how many events it lost", async () => {
  await using r = await rig({ streamBufferLimit: 256 * 1024 });
  const ws = await RawWebSocket.open(r.port, "/api/stream", {
    Host: `127.0.0.1:${r.port}`,
    Cookie: r.cookie,
    Origin: r.origin,
  });
  assert.equal(ws.status, 101);
  // The stream is subscribed once an event comes through (no sleep guessing when).
  r.log.emit({ event: "kernel.ready" });
  assert.equal(JSON.parse((await ws.read())!).event.event, "kernel.ready");
  // The client reads nothing while 64 MiB of events pile up behind loopback's buffers.
  const big = "x".repeat(1024 * 1024);
  const emitted = 64;
  for (let i = 0; i < emitted; i++) r.log.emit({ event: "kernel.test", message: big });
  assert.ok(r.log.lost() > 0, "the slow client lost events");
  // Reading now: the loss is reported once the backlog drained, before any later event.
  const seqs: number[] = [];
  let reported = -1;
  for (;;) {
    const message = JSON.parse((await ws.read())!);
    if (message.type === "lost") {
      reported = message.total;
      r.log.emit({ event: "kernel.after" });
      continue;
    }
    seqs.push(message.event.seq);
    if (message.event.event === "kernel.after") break;
  }
  const lost = r.log.lost();
  assert.equal(reported, lost, "the lost message carries the count the EventLog kept");
  assert.equal(seqs.length + lost, emitted + 1, "every event is either received or counted lost");
  ws.close();
});

Deno.test("control UI: mode switch reaches the manager and the proxy; Landlock says it cannot", async () => {
  await using r = await rig();
  const answer = await api(r, "POST", "/api/mode", { mode: "shadow" });
  assert.equal(answer.status, 200, answer.body);
  const result = JSON.parse(answer.body);
  assert.equal(result.mode, "shadow");
  assert.deepEqual(
    result.layers.map((l: { layer: string; applied: boolean }) => `${l.layer}:${l.applied}`),
    ["cgroup-net:true", "observe:true", "proxy:true", "landlock:false"],
  );
  assert.match(result.layers[3].detail, /fixed when the command started/);
  assert.deepEqual(r.manager.sent, [{ type: "mode.set", mode: "shadow" }]);
  assert.deepEqual(r.egress.modes, ["shadow"]);
  const session = JSON.parse((await api(r, "GET", "/api/session")).body);
  assert.equal(session.mode, "shadow");
  assert.equal(session.posture.length, 6);
  const events = JSON.parse((await api(r, "GET", "/api/events")).body).events;
  const mode = events.find((e: LeashEvent) => e.event === "policy.mode");
  assert.equal(mode.mode, "shadow");
  assert.deepEqual(mode.not_applied, ["landlock"]);
  assert.equal((await api(r, "POST", "/api/mode", { mode: "audit" })).status, 400);
  // A manager that refuses: nothing changes anywhere.
  r.manager.refuse = "Cannot set mode: updating the config map failed";
  const refused = await api(r, "POST", "/api/mode", { mode: "record" });
  assert.equal(refused.status, 422);
  assert.match(JSON.parse(refused.body).error, /config map failed/);
  assert.deepEqual(r.egress.modes, ["shadow"]);
  assert.equal(r.control.mode, "shadow");
});

Deno.test("control UI: a policy with errors comes back located and applies nothing; a good one applies", async () => {
  await using r = await rig();
  const broken =
    `permit (principal, action == Action::"NetworkConnect", resource == Host::"a.example");\npermit (principal, action ==, resource);\n`;
  for (const path of ["/api/policy/validate", "/api/policy"]) {
    const answer = await api(r, "POST", path, { text: broken });
    assert.equal(answer.status, 422, path);
    const result = JSON.parse(answer.body);
    assert.equal(result.ok, false);
    const first = result.diagnostics[0];
    assert.equal(first.severity, "error");
    assert.equal(first.line, 2);
    assert.ok(first.col > 1);
  }
  assert.equal(r.manager.sent.length, 0);
  assert.equal(r.egress.policies.length, 0);

  const next =
    `permit (principal, action == Action::"NetworkConnect", resource == Host::"b.example");\n`;
  const valid = await api(r, "POST", "/api/policy/validate", { text: next });
  assert.equal(valid.status, 200);
  assert.equal(r.egress.policies.length, 0);
  const applied = await api(r, "POST", "/api/policy", { text: next });
  assert.equal(applied.status, 200, applied.body);
  const result = JSON.parse(applied.body);
  assert.deepEqual(
    result.layers.map((l: { layer: string; applied: boolean }) => `${l.layer}:${l.applied}`),
    ["cgroup-net:true", "observe:true", "proxy:true", "landlock:false"],
  );
  assert.equal(r.manager.sent.length, 1);
  assert.equal(r.manager.sent[0]!.type, "policy.update");
  assert.match(String(r.manager.sent[0]!.maps), /^[A-Za-z0-9+/]+=*$/);
  assert.equal(r.egress.policies.length, 1);
  assert.equal(r.egress.policies[0]!.rules.length, 1);
  const session = JSON.parse((await api(r, "GET", "/api/session")).body);
  assert.equal(session.policy.text, next);
  const events = JSON.parse((await api(r, "GET", "/api/events")).body).events;
  assert.ok(events.some((e: LeashEvent) => e.event === "policy.update"));
  // The manager refusing the maps: the proxy keeps the policy it has (atomic).
  r.manager.refuse = "Cannot apply maps: bad image";
  const refused = await api(r, "POST", "/api/policy", { text: POLICY });
  assert.equal(refused.status, 422);
  assert.equal(r.egress.policies.length, 1);
  assert.equal(JSON.parse((await api(r, "GET", "/api/session")).body).policy.text, next);
});

Deno.test("control UI: changes wait until the session is active", async () => {
  await using r = await rig({ active: false });
  const answer = await api(r, "POST", "/api/mode", { mode: "record" });
  assert.equal(answer.status, 422);
  assert.match(JSON.parse(answer.body).error, /still starting/);
  assert.equal(r.egress.modes.length, 0);
  assert.equal(JSON.parse((await api(r, "GET", "/api/session")).body).posture, null);
});

Deno.test("control UI: the default port taken, it falls back to a free loopback port; an explicit one fails", async () => {
  let holder: Deno.TcpListener | undefined;
  try {
    holder = Deno.listen({ hostname: "127.0.0.1", port: 18080 });
  } catch (error) {
    // Someone else (another session) holds it: the fallback is exercised all the same.
    if (!(error instanceof Deno.errors.AddrInUse)) throw error;
  }
  try {
    const log = new EventLog("s-fallback");
    const control = new SessionControl({
      id: "s-fallback",
      image: "i",
      command: ["true"],
      logs: { dir: "/l", events: "/l/e", target: "/l/t", manager: "/l/m" },
    }, {
      events: log,
      mode: "enforce",
      policy: { text: POLICY, label: "p", ir: compilePolicy(POLICY).ir },
    });
    const ui = await startControlUi({ session: control, events: log });
    try {
      assert.equal(ui.address.hostname, "127.0.0.1");
      assert.notEqual(ui.address.port, 18080);
      assert.match(
        ui.notes.join("\n"),
        /127\.0\.0\.1:18080 is in use: the control UI took a free port/,
      );
      assert.equal(ui.url, `http://127.0.0.1:${ui.address.port}/`);
      const answer = await rawRequest(ui.address.port, "GET", "/api/session", {
        Host: `127.0.0.1:${ui.address.port}`,
        Authorization: `Bearer ${ui.token}`,
      });
      assert.equal(answer.status, 200);
    } finally {
      await ui.close();
    }
    await assert.rejects(
      startControlUi({ listen: "127.0.0.1:18080", session: control, events: log }),
      /Cannot listen on "127\.0\.0\.1:18080" for the control UI: the address is in use; choose another --listen/,
    );
  } finally {
    holder?.close();
  }
});
