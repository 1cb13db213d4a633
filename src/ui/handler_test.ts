import assert from "node:assert/strict";
import { EventLog } from "../events/mod.ts";
import { newToken } from "./auth.ts";
import { createUiHandler, type UiSession } from "./handler.ts";
import { EventRing } from "./ring.ts";

Deno.test("createUiHandler() answers 405 for another method on a known path and 404 elsewhere", async () => {
  const token = newToken();
  const events = new EventLog("s1", { write: () => {} });
  const ring = new EventRing(events);
  const session: UiSession = {
    info: () => ({}),
    validatePolicy: () => ({ ok: true }),
    setMode: () => Promise.resolve({ ok: true }),
    updatePolicy: () => Promise.resolve({ ok: true }),
  };
  const handler = createUiHandler({
    token,
    bound: { hostname: "127.0.0.1", port: 18080 },
    cookie: "leash_ui_18080",
    session,
    events,
    ring,
  });
  const status = async (method: string, path: string) =>
    (await handler.handle(
      new Request(`http://127.0.0.1:18080${path}`, {
        method,
        headers: {
          host: "127.0.0.1:18080",
          origin: "http://127.0.0.1:18080",
          authorization: `Bearer ${token}`,
        },
      }),
    )).status;
  try {
    for (const path of ["/", "/app.js", "/app.css", "/api/session", "/api/events", "/api/nope"]) {
      assert.equal(await status("DELETE", path), 405, path);
    }
    assert.equal(await status("GET", "/api/session"), 200);
    for (const path of ["/nope", "/app.jsx", "/apix"]) {
      assert.equal(await status("GET", path), 404, path);
    }
  } finally {
    handler.close();
    ring.close();
  }
});
