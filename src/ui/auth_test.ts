import assert from "node:assert/strict";
import { type AccessOptions, checkAccess, newToken, sameSecret } from "./auth.ts";

const token = newToken();
const options: AccessOptions = {
  token,
  bound: { hostname: "127.0.0.1", port: 18080 },
  cookie: "leash_ui_18080",
};

function request(path: string, init: { method?: string; headers?: Record<string, string> } = {}) {
  return new Request(`http://127.0.0.1:18080${path}`, {
    method: init.method ?? "GET",
    headers: { host: "127.0.0.1:18080", ...init.headers },
  });
}

Deno.test("newToken() is 32 random bytes in base64url, different each time", () => {
  assert.match(token, /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(newToken(), token);
  assert.ok(sameSecret(token, token));
  assert.ok(!sameSecret(token, token.slice(0, -1)));
  assert.ok(!sameSecret(token, `${token}x`));
});

Deno.test("checkAccess() logs in with ?token= on GET / only, then wants the cookie", () => {
  assert.deepEqual(checkAccess(request(`/?token=${token}`), options), { ok: true, login: true });
  assert.deepEqual(checkAccess(request(`/api/session?token=${token}`), options), {
    ok: true,
    login: false,
  });
  const wrong = checkAccess(request("/?token=nope"), options);
  assert.ok(!wrong.ok && wrong.status === 401);
  const none = checkAccess(request("/"), options);
  assert.ok(!none.ok && none.status === 401 && /no token/.test(none.reason));
  const cookie = { cookie: `other=1; leash_ui_18080=${token}` };
  assert.deepEqual(checkAccess(request("/", { headers: cookie }), options), {
    ok: true,
    login: false,
  });
  const otherPort = { cookie: `leash_ui_18081=${token}` };
  assert.equal(checkAccess(request("/", { headers: otherPort }), options).ok, false);
});

Deno.test("checkAccess() wants the page's Origin on POST and WebSocket upgrades", () => {
  const auth = { authorization: `Bearer ${token}` };
  const post = (origin?: string) =>
    checkAccess(
      request("/api/mode", {
        method: "POST",
        headers: { ...auth, ...(origin ? { origin } : {}) },
      }),
      options,
    );
  assert.deepEqual(post("http://127.0.0.1:18080"), { ok: true, login: false });
  for (const origin of [undefined, "http://evil.example", "http://127.0.0.1:18081", "null"]) {
    const refused = post(origin);
    assert.ok(!refused.ok && refused.status === 403, String(origin));
  }
  const upgrade = { ...auth, upgrade: "websocket" };
  const ws = checkAccess(request("/api/stream", { headers: upgrade }), options);
  assert.ok(!ws.ok && ws.status === 403);
  const host = checkAccess(
    request("/api/session", { headers: { ...auth, host: "rebound.example:18080" } }),
    options,
  );
  assert.ok(!host.ok && host.status === 401 && /Host/.test(host.reason));
});
