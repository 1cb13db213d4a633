import {
  createHash,
  createPrivateKey,
  generateKeyPair,
  type KeyObject,
  X509Certificate,
} from "node:crypto";
import { promisify } from "node:util";
import type { CertificateAuthority } from "./ca.ts";
import {
  bitString,
  children,
  contextTag,
  decodeOid,
  decodeTime,
  type Der,
  octetString,
  oid,
  readElement,
  sequence,
  Tag,
  time,
  tlv,
  unsignedInteger,
  utf8String,
} from "./der.ts";
import { type LeafHost, parseLeafHost } from "./leaf_host.ts";

const generateKeyPairAsync = promisify(generateKeyPair);
const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

/** The key type shared by every leaf of one minter. */
export type LeafKeyType = "ecdsa-p256" | "rsa-2048";

/** A minted leaf certificate and the (shared) leaf key, both PEM. */
export interface LeafCertificate {
  /** The canonical host the certificate names (lower-case IDNA ASCII, or an IP literal). */
  host: string;
  certPem: string;
  keyPem: string;
  notBefore: Date;
  notAfter: Date;
  /** Serial number, hex. */
  serial: string;
}

/** Options for {@linkcode createLeafMinter}. */
export interface LeafMinterOptions {
  /** Leaf key algorithm. @default "ecdsa-p256" */
  keyType?: LeafKeyType;
  /** Days a leaf is valid (capped at the CA's notAfter). @default 30 */
  lifetimeDays?: number;
  /** Clock, for tests. @default () => new Date() */
  now?: () => Date;
}

/** Mints per-host leaf certificates signed by the leash CA, all sharing one key. */
export interface LeafMinter {
  readonly keyType: LeafKeyType;
  /** The shared leaf private key (PKCS#8 PEM). */
  readonly keyPem: string;
  /** Mints a fresh leaf for `host`; throws TypeError naming an invalid host. */
  mint(host: string): Promise<LeafCertificate>;
}

const OID = {
  commonName: "2.5.4.3",
  sha256WithRsa: "1.2.840.113549.1.1.11",
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  authorityKeyIdentifier: "2.5.29.35",
  extKeyUsage: "2.5.29.37",
  serverAuth: "1.3.6.1.5.5.7.3.1",
} as const;

/** What the minter needs from the CA certificate, read once. */
interface IssuerInfo {
  subject: Der;
  keyIdentifier: Uint8Array;
  notAfter: Date;
  /** Signs a TBSCertificate, returning the X.509 signature value (DER for ECDSA). */
  sign: (tbs: Der) => Promise<Uint8Array>;
  signatureAlgorithm: Der;
}

/**
 * Creates a minter for `ca`: generates the one leaf key now; each mint is a
 * TBSCertificate built in DER and signed with the CA key through node:crypto.
 */
export async function createLeafMinter(
  ca: Pick<CertificateAuthority, "certPem" | "keyPem">,
  options: LeafMinterOptions = {},
): Promise<LeafMinter> {
  const keyType = options.keyType ?? "ecdsa-p256";
  const issuer = await readIssuer(ca);
  const { keyPem, spki } = await generateLeafKey(keyType);
  return new DerLeafMinter(issuer, {
    keyType,
    keyPem,
    spki,
    lifetimeMs: (options.lifetimeDays ?? 30) * DAY_MS,
    now: options.now ?? (() => new Date()),
  });
}

/** Generates a leaf key pair; exported for the benchmark's fresh-key baseline. */
export async function generateLeafKey(
  keyType: LeafKeyType,
): Promise<{ keyPem: string; spki: Uint8Array }> {
  const pair = keyType === "rsa-2048"
    ? await generateKeyPairAsync("rsa", { modulusLength: 2048 })
    : await generateKeyPairAsync("ec", { namedCurve: "P-256" });
  const keyPem = pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const spki = new Uint8Array(pair.publicKey.export({ type: "spki", format: "der" }));
  return { keyPem, spki };
}

interface MinterState {
  keyType: LeafKeyType;
  keyPem: string;
  spki: Uint8Array;
  lifetimeMs: number;
  now: () => Date;
}

class DerLeafMinter implements LeafMinter {
  readonly keyType: LeafKeyType;
  readonly keyPem: string;
  readonly #issuer: IssuerInfo;
  readonly #state: MinterState;
  readonly #extensionsTail: Der[];

  constructor(issuer: IssuerInfo, state: MinterState) {
    this.#issuer = issuer;
    this.#state = state;
    this.keyType = state.keyType;
    this.keyPem = state.keyPem;
    const usage = state.keyType === "rsa-2048"
      ? bitString(Uint8Array.of(0xa0), 5) // digitalSignature, keyEncipherment
      : bitString(Uint8Array.of(0x80), 7); // digitalSignature
    this.#extensionsTail = [
      extension(OID.basicConstraints, true, sequence()),
      extension(OID.keyUsage, true, usage),
      extension(OID.extKeyUsage, false, sequence(oid(OID.serverAuth))),
      extension(OID.subjectKeyIdentifier, false, octetString(keyIdentifier(state.spki))),
      extension(
        OID.authorityKeyIdentifier,
        false,
        sequence(contextTag(0, false, issuer.keyIdentifier)),
      ),
    ];
  }

  async mint(host: string): Promise<LeafCertificate> {
    const parsed = parseLeafHost(host);
    const now = this.#state.now().getTime();
    if (this.#issuer.notAfter.getTime() <= now) {
      throw new Error(
        `Cannot mint a certificate for host "${parsed.name}": the CA expired on ${this.#issuer.notAfter.toISOString()}`,
      );
    }
    const notBefore = new Date(Math.floor((now - HOUR_MS) / 1000) * 1000);
    const notAfter = new Date(
      Math.floor(Math.min(now + this.#state.lifetimeMs, this.#issuer.notAfter.getTime()) / 1000) *
        1000,
    );
    const serialBytes = crypto.getRandomValues(new Uint8Array(16));
    serialBytes[0] = ((serialBytes[0] ?? 0) & 0x7f) | 0x01;
    const tbs = sequence(
      contextTag(0, true, unsignedInteger(Uint8Array.of(2))), // v3
      unsignedInteger(serialBytes),
      this.#issuer.signatureAlgorithm,
      this.#issuer.subject,
      sequence(time(notBefore), time(notAfter)),
      subjectName(parsed),
      this.#state.spki,
      contextTag(3, true, sequence(subjectAltName(parsed), ...this.#extensionsTail)),
    );
    const signature = await this.#issuer.sign(tbs);
    const der = sequence(tbs, this.#issuer.signatureAlgorithm, bitString(signature));
    return {
      host: parsed.name,
      certPem: toPem(der),
      keyPem: this.#state.keyPem,
      notBefore,
      notAfter,
      serial: Array.from(serialBytes, (b) => b.toString(16).padStart(2, "0")).join(""),
    };
  }
}

function subjectName(host: LeafHost): Der {
  // ub-common-name is 64; longer names live only in the SAN.
  if (host.name.length > 64) return sequence();
  return sequence(tlv(Tag.SET, sequence(oid(OID.commonName), utf8String(host.name))));
}

function subjectAltName(host: LeafHost): Der {
  const name = host.kind === "ip"
    ? contextTag(7, false, host.bytes)
    : contextTag(2, false, new TextEncoder().encode(host.name));
  return extension(OID.subjectAltName, false, sequence(name));
}

function extension(id: string, critical: boolean, value: Der): Der {
  const flag = critical ? [tlv(Tag.BOOLEAN, Uint8Array.of(0xff))] : [];
  return sequence(oid(id), ...flag, octetString(value));
}

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING's bits. */
function keyIdentifier(spki: Uint8Array): Uint8Array {
  const [, key] = children(readElement(spki).value);
  if (!key) throw new RangeError("Cannot read public key: SubjectPublicKeyInfo has no key");
  return new Uint8Array(createHash("sha1").update(key.value.subarray(1)).digest());
}

async function readIssuer(
  ca: Pick<CertificateAuthority, "certPem" | "keyPem">,
): Promise<IssuerInfo> {
  let der: Uint8Array;
  let key: KeyObject;
  try {
    der = new Uint8Array(new X509Certificate(ca.certPem).raw);
    key = createPrivateKey(ca.keyPem);
  } catch (error) {
    throw new TypeError("Cannot use the CA: its certificate or key is not valid PEM", {
      cause: error,
    });
  }
  const [tbsElement] = children(readElement(der).value);
  if (!tbsElement) throw new TypeError("Cannot use the CA: its certificate has no TBSCertificate");
  const fields = children(tbsElement.value);
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0;
  const validity = fields[offset + 3];
  const subject = fields[offset + 4];
  const spki = fields[offset + 5];
  if (!validity || !subject || !spki) {
    throw new TypeError("Cannot use the CA: its certificate is truncated");
  }
  const notAfterElement = children(validity.value)[1];
  if (!notAfterElement) throw new TypeError("Cannot use the CA: its certificate has no notAfter");
  const extensions = fields.find((field) => field.tag === 0xa3);
  let keyId: Uint8Array | undefined;
  for (const ext of extensions ? children(readElement(extensions.value).value) : []) {
    const parts = children(ext.value);
    if (parts[0] && decodeOid(parts[0].value) === OID.subjectKeyIdentifier) {
      const wrapped = parts[parts.length - 1];
      if (wrapped) keyId = readElement(wrapped.value).value;
    }
  }
  return {
    subject: subject.raw.slice(),
    keyIdentifier: keyId ? keyId.slice() : keyIdentifier(spki.raw),
    notAfter: decodeTime(notAfterElement),
    ...(await caSigner(key)),
  };
}

/**
 * A signer for the CA key. WebCrypto, not node:crypto `sign()`: under Deno it is
 * as fast as the synchronous call and runs off the event loop (measured in
 * scripts/bench/leaf.ts's notes: ~1.8 ms sequential, ~0.9 ms each when concurrent
 * on 2 cores, versus ~1.4 ms blocking or ~4 ms with the callback form).
 */
async function caSigner(
  key: KeyObject,
): Promise<Pick<IssuerInfo, "sign" | "signatureAlgorithm">> {
  const pkcs8 = new Uint8Array(key.export({ type: "pkcs8", format: "der" }));
  if (key.asymmetricKeyType === "rsa") {
    const algorithm = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
    const webKey = await crypto.subtle.importKey("pkcs8", pkcs8, algorithm, false, ["sign"]);
    return {
      signatureAlgorithm: sequence(oid(OID.sha256WithRsa), tlv(Tag.NULL)),
      sign: async (tbs) => new Uint8Array(await crypto.subtle.sign(algorithm, webKey, tbs)),
    };
  }
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType === "ec" && (curve === "prime256v1" || curve === "P-256")) {
    const webKey = await crypto.subtle.importKey(
      "pkcs8",
      pkcs8,
      { name: "ECDSA", namedCurve: "P-256" },
      false,
      ["sign"],
    );
    return {
      signatureAlgorithm: sequence(oid(OID.ecdsaWithSha256)),
      sign: async (tbs) => {
        const raw = new Uint8Array(
          await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, webKey, tbs),
        );
        // WebCrypto gives r || s; X.509 wants ECDSA-Sig-Value ::= SEQUENCE { r, s }.
        return sequence(unsignedInteger(raw.subarray(0, 32)), unsignedInteger(raw.subarray(32)));
      },
    };
  }
  throw new TypeError(
    `Cannot use the CA: key type "${key.asymmetricKeyType}${
      curve ? ` ${curve}` : ""
    }" is not RSA or EC P-256`,
  );
}

function toPem(der: Uint8Array): string {
  const base64 = btoa(String.fromCharCode(...der));
  return `-----BEGIN CERTIFICATE-----\n${
    base64.match(/.{1,64}/g)?.join("\n")
  }\n-----END CERTIFICATE-----\n`;
}
