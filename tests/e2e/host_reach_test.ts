/**
 * Issue 9, class 2, end to end: under a policy that permits every destination, the agent in a
 * real session still reaches no service the host binds on its own addresses (the Docker
 * bridge gateway, the LAN/eth addresses, v4 and v6), by any way out of the target: the proxy
 * variables (absolute-form HTTP, CONNECT), a client that ignores them (transparent HTTP and
 * raw TCP). Witness listeners on those addresses must see no connection at all.
 */
import assert from "node:assert/strict";
import { ensureDebianImage } from "../fixtures/debian_image.ts";
import { debianSandbox, leashSh } from "./_debian.ts";
import { NODE_PROGRAM } from "./_node_clients.ts";
import { assertNoContainers, section, sessionEvents, setup } from "./_session.ts";

const { docker, image } = await setup(ensureDebianImage);
globalThis.addEventListener("unload", () => docker.close());

/** This host's own addresses a service could bind: neither loopback nor link-local. */
const OWN = Deno.networkInterfaces()
  .map((i) => i.address)
  .filter((a) => !a.startsWith("127.") && a !== "::1" && !a.toLowerCase().startsWith("fe80:"));

/** A listener on `address` that counts the connections it accepts. */
function witness(
  address: string,
): { address: string; port: number; accepted(): number; close(): Promise<void> } {
  const listener = Deno.listen({ hostname: address, port: 0 });
  let accepted = 0;
  const loop = (async () => {
    for await (const conn of listener) {
      accepted++;
      conn.close();
    }
  })();
  return {
    address,
    port: (listener.addr as Deno.NetAddr).port,
    accepted: () => accepted,
    async close() {
      listener.close();
      await loop.catch(() => {});
    },
  };
}

Deno.test({
  name:
    "host reach: under a permit-everything policy the agent reaches no service on the host's own addresses (docker0 gateway, eth, v4 and v6)",
  ignore: OWN.length === 0,
}, async () => {
  const witnesses = OWN.map(witness);
  const base = await debianSandbox({
    image,
    names: [],
    netRules: `@id("everything")
permit (principal, action == Action::"NetworkConnect", resource);
`,
  });
  try {
    const targets = witnesses.map((w) =>
      w.address.includes(":") ? `[${w.address}]:${w.port}` : `${w.address}:${w.port}`
    );
    const script = witnesses.map((w, i) => {
      const t = targets[i]!;
      return `echo '<<w${i}'
curl -sS -o /dev/null -w 'explicit=%{http_code}\\n' -m 20 http://${t}/ 2>/dev/null
curl -sS -o /dev/null -w 'connect=%{http_code}\\n' -m 20 -k https://${t}/ 2>/dev/null
curl -sS -o /dev/null -w 'transparent=%{http_code}\\n' -m 20 --noproxy '*' http://${t}/ 2>/dev/null
node -e "$1" banner ${w.address} ${w.port}
echo 'w${i}>>'`;
    }).join("\n");
    const r = await leashSh(base, script, { args: [NODE_PROGRAM] });
    assert.equal(r.code, 0, r.stderr);
    for (const [i, w] of witnesses.entries()) {
      const out = section(r.stdout, `w${i}`).split("\n");
      // The proxy answers 502 naming the host where it speaks HTTP (absolute-form) and refuses
      // the CONNECT itself (curl: 000), or closes; the kernel may refuse the direct ones first.
      // curl writes its -w line whether or not it failed: 000 when nothing answered.
      assert.equal(out[0], "explicit=502", `${w.address}: ${out.join(" | ")}`);
      assert.match(out[1]!, /^connect=(000|502)$/, `${w.address}: ${out[1]}`);
      assert.match(out[2]!, /^transparent=(000|502)$/, `${w.address}: ${out[2]}`);
      assert.match(
        out[3]!,
        /: (error (ECONNRESET|EPERM|ECONNREFUSED)|closed, nothing received)$/,
        `${w.address}: ${out[3]}`,
      );
      assert.equal(w.accepted(), 0, `the witness on ${w.address} saw a connection`);
    }
    const log = await sessionEvents(base.box, r.session);
    const refusals = log.filter((e) =>
      /address of the host leash runs on/.test(String(e.message ?? ""))
    );
    assert.ok(refusals.length >= witnesses.length, `refusal events: ${refusals.length}`);
    await assertNoContainers(docker, r.session);
  } finally {
    for (const w of witnesses) await w.close();
    await base.box[Symbol.asyncDispose]();
  }
});
