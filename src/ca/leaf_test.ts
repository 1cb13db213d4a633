import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { createCa } from "./ca.ts";
import { createLeafMinter, type LeafCertificate, type LeafMinter } from "./leaf.ts";
import { LeafCache } from "./leaf_cache.ts";
import { parseLeafHost } from "./leaf_host.ts";

const ca = await createCa({ commonName: "leash leaf test CA" });
const other = await createCa({ commonName: "some other CA" });
const caCert = new X509Certificate(ca.certPem);
const minter = await createLeafMinter(ca);

/** A real minter that counts its mints. */
function counting(inner: LeafMinter): LeafMinter & { mints: string[] } {
  const mints: string[] = [];
  return {
    keyType: inner.keyType,
    keyPem: inner.keyPem,
    mints,
    mint(host: string): Promise<LeafCertificate> {
      mints.push(host);
      return inner.mint(host);
    },
  };
}

Deno.test("leaf: verifies against the CA and names the host", async () => {
  const leaf = await minter.mint("API.Example.com");
  assert.equal(leaf.host, "api.example.com");
  const cert = new X509Certificate(leaf.certPem);
  assert.equal(cert.verify(caCert.publicKey), true);
  assert.equal(cert.checkIssued(caCert), true);
  assert.equal(cert.verify(new X509Certificate(other.certPem).publicKey), false);
  assert.equal(cert.checkHost("api.example.com"), "api.example.com");
  assert.equal(cert.checkHost("other.example.com"), undefined);
  assert.equal(cert.checkHost("x.api.example.com"), undefined);
  assert.equal(cert.subjectAltName, "DNS:api.example.com");
  assert.match(cert.subject, /CN=api\.example\.com/);
  assert.equal(cert.ca, false);
  const text = await runOpenssl(["x509", "-noout", "-text"], leaf.certPem);
  assert.match(text, /Basic Constraints: critical\s+CA:FALSE/);
  assert.match(text, /Key Usage: critical\s+Digital Signature\n/);
  assert.match(text, /Extended Key Usage: \s*TLS Web Server Authentication\n/);
  assert.equal(cert.publicKey.asymmetricKeyType, "ec");
  assert.equal(
    cert.checkPrivateKey((await import("node:crypto")).createPrivateKey(leaf.keyPem)),
    true,
  );
});

Deno.test("leaf: validity is an hour back to 30 days, capped at the CA's notAfter", async () => {
  const now = new Date("2030-06-01T12:00:00.500Z");
  const leaf = await (await createLeafMinter(ca, { now: () => now })).mint("a.example");
  assert.equal(leaf.notBefore.toISOString(), "2030-06-01T11:00:00.000Z");
  assert.equal(leaf.notAfter.toISOString(), "2030-07-01T12:00:00.000Z");
  const cert = new X509Certificate(leaf.certPem);
  assert.equal(new Date(cert.validFrom).getTime(), leaf.notBefore.getTime());
  assert.equal(new Date(cert.validTo).getTime(), leaf.notAfter.getTime());

  const caEnd = new Date(caCert.validTo);
  const late = new Date(caEnd.getTime() - 24 * 60 * 60 * 1000);
  const capped = await (await createLeafMinter(ca, { now: () => late })).mint("b.example");
  assert.equal(capped.notAfter.getTime(), caEnd.getTime());

  const expired = await createLeafMinter(ca, { now: () => new Date(caEnd.getTime() + 1000) });
  await assert.rejects(expired.mint("c.example"), /the CA expired/);
});

Deno.test("leaf: serials are random and positive", async () => {
  const a = await minter.mint("serial.example");
  const b = await minter.mint("serial.example");
  assert.notEqual(a.serial, b.serial);
  const first = parseInt(a.serial.slice(0, 2), 16);
  assert.ok(first > 0 && first < 0x80);
  assert.equal(BigInt(`0x${new X509Certificate(a.certPem).serialNumber}`), BigInt(`0x${a.serial}`));
});

Deno.test("leaf: authority key identifier matches the CA's subject key identifier", async () => {
  const leaf = await minter.mint("aki.example");
  // X509Certificate.checkIssued compares AKI and SKI; a CA without matching SKI fails it.
  const cert = new X509Certificate(leaf.certPem);
  assert.equal(cert.checkIssued(caCert), true);
  assert.equal(cert.checkIssued(new X509Certificate(other.certPem)), false);
  const ski = await runOpenssl(["x509", "-noout", "-ext", "subjectKeyIdentifier"], ca.certPem);
  const aki = await runOpenssl(["x509", "-noout", "-ext", "authorityKeyIdentifier"], leaf.certPem);
  const id = (text: string) => /([0-9A-F]{2}(?::[0-9A-F]{2}){19})/.exec(text)?.[1];
  assert.ok(id(ski));
  assert.equal(id(aki), id(ski));
});

async function runOpenssl(args: string[], input: string): Promise<string> {
  const child = new Deno.Command("openssl", { args, stdin: "piped", stdout: "piped" }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(input));
  await writer.close();
  const out = await child.output();
  assert.equal(out.code, 0);
  return new TextDecoder().decode(out.stdout);
}

Deno.test("leaf: IPv4 and IPv6 literals get iPAddress SANs", async () => {
  const v4 = new X509Certificate((await minter.mint("127.0.0.1")).certPem);
  assert.equal(v4.subjectAltName, "IP Address:127.0.0.1");
  assert.equal(v4.checkIP("127.0.0.1"), "127.0.0.1");
  assert.equal(v4.checkIP("127.0.0.2"), undefined);

  const v6leaf = await minter.mint("[2001:DB8:0:0::1]");
  assert.equal(v6leaf.host, "2001:db8::1");
  const v6 = new X509Certificate(v6leaf.certPem);
  assert.equal(v6.checkIP("2001:db8::1"), "2001:db8::1");
  assert.equal(v6.checkIP("2001:db8::2"), undefined);
  assert.equal(v6.verify(caCert.publicKey), true);

  const mapped = new X509Certificate((await minter.mint("::ffff:10.1.2.3")).certPem);
  assert.equal(mapped.checkIP("::ffff:10.1.2.3"), "::ffff:10.1.2.3");
});

Deno.test("leaf: international names are minted in IDNA ASCII form", async () => {
  const leaf = await minter.mint("Bücher.Example.");
  assert.equal(leaf.host, "xn--bcher-kva.example");
  const cert = new X509Certificate(leaf.certPem);
  assert.equal(cert.subjectAltName, "DNS:xn--bcher-kva.example");
  assert.equal(cert.checkHost("xn--bcher-kva.example"), "xn--bcher-kva.example");
});

Deno.test("leaf: RSA leaf keys carry keyEncipherment and verify", async () => {
  const rsa = await createLeafMinter(ca, { keyType: "rsa-2048" });
  const leaf = await rsa.mint("rsa.example");
  const cert = new X509Certificate(leaf.certPem);
  assert.equal(cert.publicKey.asymmetricKeyType, "rsa");
  const text = await runOpenssl(["x509", "-noout", "-text"], leaf.certPem);
  assert.match(text, /Key Usage: critical\s+Digital Signature, Key Encipherment\n/);
  assert.equal(cert.verify(caCert.publicKey), true);
});

Deno.test("leaf: one key for every host of a minter", async () => {
  const a = new X509Certificate((await minter.mint("one.example")).certPem);
  const b = new X509Certificate((await minter.mint("two.example")).certPem);
  assert.equal(
    a.publicKey.export({ type: "spki", format: "pem" }),
    b.publicKey.export({ type: "spki", format: "pem" }),
  );
});

Deno.test("leaf: invalid hosts are refused with a TypeError naming them", async () => {
  for (
    const host of [
      "",
      "*.example.com",
      "a b.example",
      "-bad.example",
      "a..b",
      "x/y",
      "1.2.3",
      "256.1.1.1",
      "[::1",
      "a".repeat(64) + ".example",
      "user@host",
    ]
  ) {
    await assert.rejects(minter.mint(host), (error: unknown) => {
      assert.ok(error instanceof TypeError, `${host}: ${error}`);
      assert.ok(error.message.includes(`"${host}"`), error.message);
      return true;
    });
  }
});

Deno.test("leaf host: canonical forms", () => {
  assert.deepEqual(parseLeafHost("Example.COM"), { kind: "dns", name: "example.com" });
  assert.equal(parseLeafHost("_dmarc.example").name, "_dmarc.example");
  const v6 = parseLeafHost("::1");
  assert.equal(v6.kind, "ip");
  assert.deepEqual(v6.kind === "ip" ? Array.from(v6.bytes) : [], [...new Array(15).fill(0), 1]);
  const long = `${"a".repeat(63)}.${"b".repeat(63)}.example`;
  assert.equal(parseLeafHost(long).name, long);
});

Deno.test("leaf cache: a hit returns the same object for any spelling", async () => {
  const count = counting(minter);
  const cache = new LeafCache(count);
  const first = await cache.get("cache.example");
  const second = await cache.get("CACHE.example.");
  assert.equal(second, first);
  assert.equal(count.mints.length, 1);
  assert.equal(await cache.secureContext("cache.example"), first.secureContext);
});

Deno.test("leaf cache: concurrent requests for one host share one mint", async () => {
  const count = counting(minter);
  const cache = new LeafCache(count);
  const results = await Promise.all([
    cache.get("dedupe.example"),
    cache.get("dedupe.example"),
    cache.get("Dedupe.Example"),
    cache.get("other.example"),
  ]);
  assert.deepEqual(count.mints, ["dedupe.example", "other.example"]);
  assert.equal(results[0], results[1]);
  assert.equal(results[0], results[2]);
  assert.notEqual(results[0], results[3]);
});

Deno.test("leaf cache: the least recently used host is evicted", async () => {
  const count = counting(minter);
  const cache = new LeafCache(count, { maxEntries: 2 });
  const a = await cache.get("a.example");
  await cache.get("b.example");
  assert.equal(await cache.get("a.example"), a); // a is now most recent
  await cache.get("c.example"); // evicts b
  assert.equal(cache.size, 2);
  assert.equal(cache.has("a.example"), true);
  assert.equal(cache.has("b.example"), false);
  assert.equal(cache.has("c.example"), true);
  await cache.get("b.example");
  assert.deepEqual(count.mints, ["a.example", "b.example", "c.example", "b.example"]);
});

Deno.test("leaf cache: failed mints are not cached and invalid hosts reject", async () => {
  let fail = true;
  const flaky: LeafMinter = {
    keyType: minter.keyType,
    keyPem: minter.keyPem,
    mint: (host) => fail ? Promise.reject(new Error("boom")) : minter.mint(host),
  };
  const cache = new LeafCache(flaky);
  await assert.rejects(cache.get("flaky.example"), /boom/);
  assert.equal(cache.has("flaky.example"), false);
  fail = false;
  assert.equal((await cache.get("flaky.example")).leaf.host, "flaky.example");
  await assert.rejects(cache.get("*.example"), TypeError);
});

Deno.test("leaf cache: a leaf close to expiry is minted again", async () => {
  let now = new Date("2030-01-01T00:00:00Z");
  const clock = () => now;
  const count = counting(await createLeafMinter(ca, { now: clock, lifetimeDays: 2 }));
  const cache = new LeafCache(count, { now: clock });
  const first = await cache.get("renew.example");
  now = new Date("2030-01-01T12:00:00Z");
  assert.equal(await cache.get("renew.example"), first);
  now = new Date("2030-01-02T12:00:00Z");
  assert.notEqual(await cache.get("renew.example"), first);
  assert.equal(count.mints.length, 2);
});

Deno.test("leaf cache: SNICallback hands out the context or the error", async () => {
  const cache = new LeafCache(minter);
  const sni = cache.sniCallback();
  const ok = await new Promise<unknown>((resolve, reject) =>
    sni("sni.example", (error, context) => error ? reject(error) : resolve(context))
  );
  assert.equal(ok, (await cache.get("sni.example")).secureContext);
  const byDefault = await new Promise<unknown>((resolve, reject) =>
    cache.sniCallback({ defaultHost: "10.0.0.1" })(
      "",
      (error, context) => error ? reject(error) : resolve(context),
    )
  );
  assert.equal(byDefault, (await cache.get("10.0.0.1")).secureContext);
  const none = await new Promise<unknown[]>((resolve) => sni("", (...args) => resolve(args)));
  assert.deepEqual(none, [null]);
  const bad = await new Promise<Error | null>((resolve) => sni("*", (error) => resolve(error)));
  assert.ok(bad instanceof TypeError);
});

Deno.test("leaf: an EC P-256 CA (made by openssl) signs leaves with ECDSA", async () => {
  const dir = await Deno.makeTempDir({ prefix: "leash-ec-ca-" });
  try {
    const out = await new Deno.Command("openssl", {
      args: [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        `${dir}/key.pem`,
        "-out",
        `${dir}/cert.pem`,
        "-days",
        "30",
        "-subj",
        "/CN=ec test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign",
      ],
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const ecCa = {
      certPem: await Deno.readTextFile(`${dir}/cert.pem`),
      keyPem: await Deno.readTextFile(`${dir}/key.pem`),
    };
    const leaf = await (await createLeafMinter(ecCa)).mint("ec.example");
    const cert = new X509Certificate(leaf.certPem);
    const issuer = new X509Certificate(ecCa.certPem);
    assert.equal(cert.verify(issuer.publicKey), true);
    assert.equal(cert.checkIssued(issuer), true);
    await Deno.writeTextFile(`${dir}/leaf.pem`, leaf.certPem);
    const verify = await new Deno.Command("openssl", {
      args: ["verify", "-CAfile", `${dir}/cert.pem`, "-purpose", "sslserver", `${dir}/leaf.pem`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(verify.code, 0, new TextDecoder().decode(verify.stderr));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("leaf: openssl verifies the leaf for the sslserver purpose", async () => {
  const dir = await Deno.makeTempDir({ prefix: "leash-leaf-verify-" });
  try {
    await Deno.writeTextFile(`${dir}/ca.pem`, ca.certPem);
    await Deno.writeTextFile(`${dir}/leaf.pem`, (await minter.mint("ossl.example")).certPem);
    const verify = await new Deno.Command("openssl", {
      args: [
        "verify",
        "-CAfile",
        `${dir}/ca.pem`,
        "-purpose",
        "sslserver",
        "-verify_hostname",
        "ossl.example",
        `${dir}/leaf.pem`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(verify.code, 0, new TextDecoder().decode(verify.stderr));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
