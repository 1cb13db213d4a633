import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { join } from "node:path";
import { chainReaches, dialTls } from "./tls_dial.ts";

const HAVE_OPENSSL = new Deno.Command("openssl", { args: ["version"], stdout: "null" })
  .outputSync().success;

/** A CA, another CA, and an engine certificate for 127.0.0.1 from each; PEM text. */
async function pki(dir: string) {
  const run = async (...args: string[]) => {
    const out = await new Deno.Command("openssl", { args, cwd: dir, stderr: "piped" }).output();
    if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  };
  for (const name of ["ca", "other", "leaf"]) {
    await run("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", `${name}-key.pem`);
  }
  await run("req", "-x509", "-new", "-key", "ca-key.pem", "-out", "ca.pem", "-subj", "/CN=ca");
  await run("req", "-x509", "-new", "-key", "other-key.pem", "-out", "other.pem", "-subj", "/CN=o");
  await Deno.writeTextFile(join(dir, "ext"), "subjectAltName=IP:127.0.0.1\n");
  await run("req", "-new", "-key", "leaf-key.pem", "-out", "leaf.csr", "-subj", "/CN=engine");
  for (const ca of ["ca", "other"]) {
    await run(
      ...["x509", "-req", "-in", "leaf.csr", "-CA", `${ca}.pem`, "-CAkey", `${ca}-key.pem`],
      ...["-CAcreateserial", "-out", `leaf-by-${ca}.pem`, "-extfile", "ext"],
    );
  }
  const read = (name: string) => Deno.readTextFileSync(join(dir, name));
  return {
    ca: read("ca.pem"),
    other: read("other.pem"),
    leafByCa: read("leaf-by-ca.pem"),
    leafByOther: read("leaf-by-other.pem"),
    key: read("leaf-key.pem"),
  };
}

const der = (pem: string) => new Uint8Array(new X509Certificate(pem).raw);

Deno.test({
  name: "chainReaches() needs a signature by ca.pem, not a copy of ca.pem in the chain",
  ignore: !HAVE_OPENSSL,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const p = await pki(dir);
      assert.equal(chainReaches({ raw: der(p.leafByCa) }, p.ca), true);
      assert.equal(chainReaches({ raw: der(p.leafByOther) }, p.ca), false);
      // A server that chains to another root and sends ca.pem along gains nothing.
      const forged = { raw: der(p.leafByOther), issuerCertificate: { raw: der(p.ca) } };
      assert.equal(chainReaches(forged, p.ca), false);
      // ca.pem may be a bundle: any of its certificates will do.
      assert.equal(chainReaches({ raw: der(p.leafByOther) }, p.ca + p.other), true);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "dialTls() connects to an engine certified by ca.pem and refuses one certified by another CA",
  ignore: !HAVE_OPENSSL,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const p = await pki(dir);
      for (
        const [cert, ca, ok] of [[p.leafByCa, p.ca, true], [p.leafByOther, p.ca, false]] as const
      ) {
        const server = Deno.listenTls({ hostname: "127.0.0.1", port: 0, cert, key: p.key });
        const served = (async () => {
          const conn = await server.accept();
          try {
            await conn.handshake();
            await conn.write(new TextEncoder().encode("hello"));
          } catch {
            // The client refused us.
          } finally {
            conn.close();
          }
        })();
        const tls = { certPath: dir, ca, cert: p.leafByCa, key: p.key };
        const port = (server.addr as Deno.NetAddr).port;
        try {
          if (ok) {
            const conn = await dialTls({ hostname: "127.0.0.1", port, tls });
            const buffer = new Uint8Array(16);
            const n = await conn.read(buffer);
            assert.equal(new TextDecoder().decode(buffer.subarray(0, n ?? 0)), "hello");
            conn.close();
          } else {
            await assert.rejects(dialTls({ hostname: "127.0.0.1", port, tls }), /verify/);
          }
        } finally {
          await served;
          server.close();
        }
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
