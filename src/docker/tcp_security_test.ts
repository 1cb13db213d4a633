import assert from "node:assert/strict";
import { join } from "node:path";
import { DockerConnectionError } from "./errors.ts";
import { loadTlsMaterial, tcpSecurity } from "./tcp_security.ts";

const ADDRESS = "tcp://engine:2376";
const env = (vars: Record<string, string>) => (name: string) => vars[name];

Deno.test("tcpSecurity() turns on TLS for any DOCKER_TLS_VERIFY, with DOCKER_CERT_PATH or ~/.docker", () => {
  assert.deepEqual(
    tcpSecurity(ADDRESS, env({ DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: "/certs" })),
    { tls: true, certPath: "/certs" },
  );
  assert.deepEqual(tcpSecurity(ADDRESS, env({ DOCKER_TLS_VERIFY: "0", HOME: "/home/me" })), {
    tls: true,
    certPath: "/home/me/.docker",
  });
});

Deno.test("tcpSecurity() refuses plain tcp unless LEASH_DOCKER_INSECURE=1, naming DOCKER_HOST and the fix", () => {
  assert.deepEqual(tcpSecurity(ADDRESS, env({ LEASH_DOCKER_INSECURE: "1" })), { tls: false });
  for (const vars of [{}, { LEASH_DOCKER_INSECURE: "yes" }, { DOCKER_TLS: "1" }]) {
    assert.throws(
      () => tcpSecurity(ADDRESS, env(vars)),
      (error: Error) =>
        error instanceof RangeError &&
        error.message.startsWith(`Cannot use DOCKER_HOST "${ADDRESS}" without TLS verification`) &&
        error.message.includes("set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH") &&
        error.message.endsWith("or LEASH_DOCKER_INSECURE=1 to accept plain tcp"),
    );
  }
});

Deno.test("loadTlsMaterial() reads ca.pem, cert.pem and key.pem and names a missing one", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const pem = (what: string) => `-----BEGIN ${what}-----\nAA==\n-----END ${what}-----\n`;
    await Deno.writeTextFile(join(dir, "ca.pem"), pem("CERTIFICATE"));
    await Deno.writeTextFile(join(dir, "key.pem"), pem("PRIVATE KEY"));
    const error = await loadTlsMaterial(ADDRESS, dir).catch((e) => e);
    assert.ok(error instanceof DockerConnectionError);
    assert.equal(
      error.message,
      `Cannot use DOCKER_HOST "${ADDRESS}": cannot read "${dir}/cert.pem" (leash's client certificate, signed by a CA the engine trusts): no such file; put cert.pem there or set DOCKER_CERT_PATH to the directory holding ca.pem, cert.pem and key.pem`,
    );
    await Deno.writeTextFile(join(dir, "cert.pem"), "not a certificate");
    assert.match((await loadTlsMaterial(ADDRESS, dir).catch((e) => e)).message, /not PEM text/);
    await Deno.writeTextFile(join(dir, "cert.pem"), pem("CERTIFICATE"));
    const material = await loadTlsMaterial(ADDRESS, dir);
    assert.equal(material.certPath, dir);
    assert.equal(material.key, pem("PRIVATE KEY"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
