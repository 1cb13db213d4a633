import { generateKeyPair } from "node:crypto";
import { join } from "node:path";
import { promisify } from "node:util";
import forge from "node-forge";
import {
  assertPrivate,
  denoFs,
  ensurePrivateDir,
  type FsAdapter,
  lstatOrUndefined,
  withFileLock,
  writeFileExclusive,
} from "../fs/mod.ts";

const generateKeyPairAsync = promisify(generateKeyPair);

/** File names inside the CA directory. */
export const CA_CERT_FILE = "ca-cert.pem";
/** The private key file; mode 0600 in a 0700 directory. */
export const CA_KEY_FILE = "ca-key.pem";
/** Held (flock) while the CA is loaded or created, so two first runs make one CA. */
export const CA_LOCK_FILE = ".lock";

/** The user's leash CA. The key PEM never leaves the host's private directories. */
export interface CertificateAuthority {
  certPem: string;
  keyPem: string;
  /** The directory both files live in. */
  dir: string;
}

/** Options for {@linkcode loadOrCreateCa}. */
export interface LoadOrCreateCaOptions {
  /** Common name of a new CA. @default "leash local CA" */
  commonName?: string;
  /** Years a new CA is valid. @default 10 */
  years?: number;
  /** The clock a new CA's validity starts from (an hour back, for skewed clocks). @default () => new Date() */
  now?: () => Date;
  /** The file system the key and certificate are read through. @default {denoFs} */
  fs?: Pick<FsAdapter, "readTextFile">;
}

/**
 * Loads the CA from `dir`, creating it (dir 0700, key 0600, cert 0644) when absent.
 * Refuses a directory or key readable by others: the key may have leaked. Concurrent first
 * runs (other processes too) agree on one CA: creation holds a lock, writes the key first and
 * never replaces an existing file.
 */
export async function loadOrCreateCa(
  dir: string,
  options: LoadOrCreateCaOptions = {},
): Promise<CertificateAuthority> {
  await ensurePrivateDir(dir, `run chmod 700 "${dir}" after checking nobody copied the key`);
  return await withFileLock(join(dir, CA_LOCK_FILE), () => loadOrCreateLocked(dir, options));
}

async function loadOrCreateLocked(
  dir: string,
  options: LoadOrCreateCaOptions,
): Promise<CertificateAuthority> {
  const keyPath = join(dir, CA_KEY_FILE);
  const certPath = join(dir, CA_CERT_FILE);
  const keyStat = await lstatOrUndefined(keyPath);
  if (keyStat) {
    assertPrivate(
      keyPath,
      keyStat,
      0o600,
      `delete "${keyPath}" and "${certPath}" to make a new CA`,
    );
    const fs = options.fs ?? denoFs;
    const [keyPem, certPem] = await Promise.all([
      fs.readTextFile(keyPath),
      fs.readTextFile(certPath).catch((error) => {
        throw new Error(
          `Cannot read CA certificate "${certPath}": delete "${keyPath}" too to make a new CA`,
          { cause: error },
        );
      }),
    ]);
    return { certPem, keyPem, dir };
  }
  const created = await createCa(options);
  // The key first: a certificate on disk always has its key beside it.
  await writeFileExclusive(keyPath, created.keyPem, 0o600);
  await writeFileExclusive(certPath, created.certPem, 0o644);
  return { ...created, dir };
}

/** Creates a new self-signed CA certificate and RSA-2048 key (PEM). */
export async function createCa(
  options: LoadOrCreateCaOptions = {},
): Promise<{ certPem: string; keyPem: string }> {
  const { privateKey, publicKey } = await generateKeyPairAsync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = randomSerial();
  const now = options.now?.() ?? new Date();
  cert.validity.notBefore = new Date(now.getTime() - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(now);
  cert.validity.notAfter.setFullYear(now.getFullYear() + (options.years ?? 10));
  const name = [
    { name: "commonName", value: options.commonName ?? "leash local CA" },
    { name: "organizationName", value: "leash" },
  ];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, pathLenConstraint: 0, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: privateKey };
}

/** A positive 128-bit serial number in hex (RFC 5280: at most 20 octets, positive). */
function randomSerial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
