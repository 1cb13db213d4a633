import assert from "node:assert/strict";
import { createCa } from "../ca/mod.ts";
import {
  LOOPBACK_STAND_IN,
  parseUpstreamHosts,
  parseUpstreamPins,
  readUpstreamCa,
  upstreamEgressOptions,
} from "./upstreams.ts";

Deno.test("parseUpstreamHosts() reads NAME=ADDR pairs, lower-cases names, unbrackets IPv6", () => {
  assert.deepEqual(
    [...parseUpstreamHosts(" Api.Test=127.0.0.1, v6.test=[::1],,x_y.test=10.1.2.3 ")],
    [["api.test", "127.0.0.1"], ["v6.test", "::1"], ["x_y.test", "10.1.2.3"]],
  );
  assert.equal(parseUpstreamHosts("").size, 0);
});

Deno.test("parseUpstreamHosts() names the bad entry and the form", () => {
  for (const bad of ["api.test", "api.test=localhost", "=1.2.3.4", "a b=1.2.3.4", "x=1.2.3"]) {
    assert.throws(
      () => parseUpstreamHosts(`ok.test=1.2.3.4,${bad}`),
      (e: Error) =>
        e instanceof TypeError && e.message.includes(`entry "${bad}"`) &&
        e.message.includes("write NAME=ADDRESS"),
    );
  }
});

Deno.test("readUpstreamCa() returns each certificate of a bundle and refuses files without one", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const [a, b] = [await createCa({ commonName: "a" }), await createCa({ commonName: "b" })];
    await Deno.writeTextFile(`${dir}/bundle.pem`, `# two roots\n${a.certPem}\n${b.certPem}`);
    const certs = await readUpstreamCa(`${dir}/bundle.pem`);
    assert.deepEqual(certs.map((c) => c.trim()), [a.certPem.trim(), b.certPem.trim()]);
    await Deno.writeTextFile(`${dir}/key.pem`, a.keyPem);
    await assert.rejects(readUpstreamCa(`${dir}/key.pem`), /holds no PEM certificate/);
    await assert.rejects(
      readUpstreamCa(`${dir}/missing.pem`),
      /^Error: Cannot read LEASH_UPSTREAM_CA ".*missing.pem": NotFound$/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("upstreamEgressOptions() pins dialling and answers DNS, loopback as a stand-in", async () => {
  const none = await upstreamEgressOptions({});
  assert.deepEqual(none, {});
  const o = await upstreamEgressOptions({
    hosts: parseUpstreamHosts("local.test=127.0.0.1,lan.test=10.0.0.5,six.test=::1"),
  });
  assert.equal(await o.lookup!("LOCAL.test"), "127.0.0.1");
  assert.equal(await o.lookup!("six.test"), "::1");
  assert.equal(await o.lookup!("elsewhere.example"), undefined, "not pinned: resolved normally");
  assert.deepEqual(await o.resolveDns!("local.test.", "A"), [LOOPBACK_STAND_IN.A]);
  assert.deepEqual(await o.resolveDns!("local.test", "AAAA"), []);
  assert.deepEqual(await o.resolveDns!("lan.test", "A"), ["10.0.0.5"]);
  assert.deepEqual(await o.resolveDns!("six.test", "AAAA"), [LOOPBACK_STAND_IN.AAAA]);
});

Deno.test("parseUpstreamPins() reads an optional port per name, IPv6 with a port in brackets", () => {
  const pins = parseUpstreamPins(
    "api.test=127.1.2.3:8443, plain.test=10.0.0.1, v6.test=[::1]:9443, v6bare.test=::1, b.test=[::1]",
  );
  assert.deepEqual([...pins.hosts], [
    ["api.test", "127.1.2.3"],
    ["plain.test", "10.0.0.1"],
    ["v6.test", "::1"],
    ["v6bare.test", "::1"],
    ["b.test", "::1"],
  ]);
  assert.deepEqual([...pins.ports], [["api.test", 8443], ["v6.test", 9443]]);
  assert.deepEqual([...parseUpstreamHosts("api.test=127.1.2.3:8443")], [["api.test", "127.1.2.3"]]);
});

Deno.test("parseUpstreamPins() refuses a bad port or an unbracketed IPv6 port, naming the form", () => {
  for (
    const bad of [
      "a.test=1.2.3.4:0",
      "a.test=1.2.3.4:65536",
      "a.test=1.2.3.4:",
      "a.test=::1:80x",
      "a.test=[::1]:",
      "a.test=host:80",
    ]
  ) {
    assert.throws(
      () => parseUpstreamPins(bad),
      (e: Error) =>
        e instanceof TypeError && e.message.includes(`entry "${bad}"`) &&
        e.message.includes("NAME=ADDRESS[:PORT]"),
      bad,
    );
  }
});

Deno.test("upstreamEgressOptions() dials a pinned name at its pinned port, others at the agent's", async () => {
  const o = await upstreamEgressOptions(
    parseUpstreamPins("api.test=127.0.0.1:8443,b.test=127.0.0.1"),
  );
  assert.equal(await o.lookup!("API.test"), "127.0.0.1");
  assert.equal(o.dialPort!("API.test", 443), 8443);
  assert.equal(o.dialPort!("b.test", 443), 443);
  assert.equal(o.dialPort!("elsewhere.example", 80), 80);
  assert.equal(
    (await upstreamEgressOptions(parseUpstreamPins("b.test=127.0.0.1"))).dialPort,
    undefined,
  );
});
