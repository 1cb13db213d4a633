/**
 * The proxy runs on the host: a policy that permits everything must still not hand the agent the
 * host's own loopback, link-local (cloud metadata) or unspecified addresses, nor the control UI.
 * Only names the operator pinned (LEASH_UPSTREAM_HOSTS) may point at loopback.
 */
import assert from "node:assert/strict";
import { curl, portOf, startWorld, viaProxy } from "./_proxy_harness.ts";

const EVERYTHING = `@id("everything")
permit (principal, action == Action::"NetworkConnect", resource);`;

Deno.test("proxy: the host's loopback, link-local and unspecified addresses are refused under a permit-all policy", async () => {
  const w = await startWorld({
    policy: EVERYTHING,
    http: ["plain.test"],
    https: ["pinned.test"],
    allowHostLocal: false,
  });
  try {
    const port = portOf(w, "plain.test");
    for (
      const [url, kind] of [
        [`http://127.0.0.1:${port}/`, "loopback"],
        [`http://127.9.9.9:${port}/`, "loopback"],
        [`http://[::ffff:127.0.0.1]:${port}/`, "loopback"],
        [`http://localhost:${port}/`, "loopback"], // the host's resolver answers 127.0.0.1 or ::1
        [`http://0.0.0.0:${port}/`, "unspecified"],
        [`http://169.254.169.254/latest/meta-data/`, "link-local"],
      ] as const
    ) {
      const r = await curl([...viaProxy(w), "-i", url]);
      assert.match(r.stdout, /^HTTP\/1\.1 502 /, url);
      assert.match(r.stdout, new RegExp(`is a ${kind} address of the host leash runs on`), url);
    }
    assert.deepEqual(w.upstreams.get("plain.test")!.seen, [], "the loopback upstream saw nothing");
    // A name the operator pinned to loopback is reachable.
    const pinned = await curl([...viaProxy(w), `https://pinned.test:${portOf(w, "pinned.test")}/`]);
    assert.equal(pinned.code, 0, pinned.stderr);
    assert.equal(w.upstreams.get("pinned.test")!.seen.length, 1);
    const refused = w.events.filter((e) => e.event === "http.request" && e.status === 502);
    assert.equal(refused.length, 6);
  } finally {
    await w.close();
  }
});

Deno.test("proxy: the control UI's address is refused even through a pinned name", async () => {
  // Stands in for the UI: a listener on loopback that must never see a connection.
  const ui = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const uiPort = (ui.addr as Deno.NetAddr).port;
  let accepted = 0;
  const accepting = (async () => {
    for await (const conn of ui) {
      accepted++;
      conn.close();
    }
  })();
  const w = await startWorld({
    policy: EVERYTHING,
    reserved: [{ hostname: "127.0.0.1", port: uiPort }],
  });
  try {
    for (const url of [`http://ui.test:${uiPort}/`, `http://127.0.0.1:${uiPort}/`]) {
      const r = await curl([...viaProxy(w), "-i", url]);
      assert.match(r.stdout, /^HTTP\/1\.1 502 /, url);
      assert.match(r.stdout, /is leash's control UI, never the agent's/, url);
    }
    assert.equal(accepted, 0);
  } finally {
    await w.close();
    ui.close();
    await accepting.catch(() => {});
  }
});

Deno.test("proxy: a UI bound to every address is refused on each of this host's addresses; its other ports are not", async () => {
  // Stands in for a UI on 0.0.0.0: it must see no connection through the proxy.
  const ui = Deno.listen({ hostname: "0.0.0.0", port: 0 });
  const uiPort = (ui.addr as Deno.NetAddr).port;
  let accepted = 0;
  const accepting = (async () => {
    for await (const conn of ui) {
      accepted++;
      conn.close();
    }
  })();
  const w = await startWorld({
    policy: EVERYTHING,
    http: ["other.test"],
    reserved: [{ hostname: "0.0.0.0", port: uiPort }],
  });
  try {
    const own = Deno.networkInterfaces().filter((i) => i.family === "IPv4").map((i) => i.address);
    for (const address of ["127.0.0.1", ...own]) {
      const r = await curl([...viaProxy(w), "-i", `http://${address}:${uiPort}/`]);
      assert.match(r.stdout, /is leash's control UI, never the agent's/, address);
    }
    assert.equal(accepted, 0);
    // Another port on the same host is not the UI's (loopback: allowed in this world).
    const other = await curl([
      ...viaProxy(w),
      "-i",
      `http://127.0.0.1:${portOf(w, "other.test")}/`,
    ]);
    assert.doesNotMatch(other.stdout, /control UI/);
    assert.equal(w.upstreams.get("other.test")!.seen.length, 1);
  } finally {
    await w.close();
    ui.close();
    await accepting.catch(() => {});
  }
});
