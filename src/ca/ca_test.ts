import assert from "node:assert/strict";
import { createPrivateKey, createPublicKey, X509Certificate } from "node:crypto";
import { LoosePermissionsError } from "../fs/mod.ts";
import { CA_CERT_FILE, CA_KEY_FILE, createCa, loadOrCreateCa } from "./ca.ts";

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("loadOrCreateCa() creates a CA with a 0600 key in a 0700 dir and reuses it", async () => {
  await withTempDir(async (root) => {
    const dir = `${root}/ca`;
    const first = await loadOrCreateCa(dir);
    assert.equal((await Deno.stat(dir)).mode! & 0o777, 0o700);
    assert.equal((await Deno.stat(`${dir}/${CA_KEY_FILE}`)).mode! & 0o777, 0o600);
    assert.equal((await Deno.stat(`${dir}/${CA_CERT_FILE}`)).mode! & 0o777, 0o644);
    const cert = new X509Certificate(first.certPem);
    assert.equal(cert.ca, true);
    assert.ok(cert.checkIssued(cert), "self-signed");
    assert.ok(cert.verify(cert.publicKey));
    const second = await loadOrCreateCa(dir);
    assert.equal(second.certPem, first.certPem);
    assert.equal(second.keyPem, first.keyPem);
  });
});

Deno.test("loadOrCreateCa() refuses a key readable by others and names the fix", async () => {
  await withTempDir(async (root) => {
    const dir = `${root}/ca`;
    await loadOrCreateCa(dir);
    await Deno.chmod(`${dir}/${CA_KEY_FILE}`, 0o644);
    await assert.rejects(
      loadOrCreateCa(dir),
      (error: unknown) =>
        error instanceof LoosePermissionsError &&
        /mode 0644 lets others read it \(at most 0600 allowed\); delete/.test(error.message),
    );
  });
});

Deno.test("loadOrCreateCa() refuses a CA directory open to others", async () => {
  await withTempDir(async (root) => {
    const dir = `${root}/ca`;
    await loadOrCreateCa(dir);
    await Deno.chmod(dir, 0o755);
    await assert.rejects(loadOrCreateCa(dir), /mode 0755 lets others read it.*chmod 700/);
  });
});

Deno.test("createCa() starts the validity an hour before its clock's now and lasts the years asked", async () => {
  const now = new Date("2030-06-01T12:00:00Z");
  const { certPem } = await createCa({ now: () => now, years: 2 });
  const cert = new X509Certificate(certPem);
  assert.equal(new Date(cert.validFrom).toISOString(), "2030-06-01T11:00:00.000Z");
  assert.equal(new Date(cert.validTo).toISOString(), "2032-06-01T12:00:00.000Z");
});

Deno.test("loadOrCreateCa() names the fix when the certificate beside an existing key cannot be read", async () => {
  await withTempDir(async (root) => {
    const dir = `${root}/ca`;
    await loadOrCreateCa(dir);
    const fs = {
      readTextFile: (path: string) =>
        path.endsWith(CA_CERT_FILE)
          ? Promise.reject(new Deno.errors.PermissionDenied(path))
          : Deno.readTextFile(path),
    };
    await assert.rejects(
      loadOrCreateCa(dir, { fs }),
      new RegExp(
        `Cannot read CA certificate "${dir}/${CA_CERT_FILE}": delete ".*${CA_KEY_FILE}" too`,
      ),
    );
  });
});

Deno.test("loadOrCreateCa() run by several first runs at once makes one CA whose cert matches its key", async () => {
  await withTempDir(async (root) => {
    const dir = `${root}/ca`;
    const runs = await Promise.all([1, 2, 3, 4].map(() => loadOrCreateCa(dir)));
    const onDisk = await loadOrCreateCa(dir);
    for (const run of runs) {
      assert.equal(run.certPem, onDisk.certPem);
      assert.equal(run.keyPem, onDisk.keyPem);
    }
    const cert = new X509Certificate(onDisk.certPem);
    const key = createPrivateKey(onDisk.keyPem);
    assert.equal(
      createPublicKey(key).export({ type: "spki", format: "pem" }),
      cert.publicKey.export({ type: "spki", format: "pem" }),
      "the certificate is the key's",
    );
  });
});
