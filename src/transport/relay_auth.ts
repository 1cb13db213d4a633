/**
 * The host's half of the relay channel's challenge-response (docs/remote_engines.md §3): a
 * fresh 32-byte nonce per connection, answered by the bridge with
 * HMAC-SHA256(secret, nonce || kind). Pure apart from the random nonce; the bridge's half is
 * bpf/helper/bridge_auth.c.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** The streams a bridge relays, one per manager socket. */
export type RelayKind = "control" | "proxy" | "dns";

/**
 * What an answer may claim: a relayed stream, or `probe`, the bridge's check at start that it
 * reaches the listener with the secret (answered `ok` and closed; nothing is relayed).
 */
export type RelayAnswerKind = RelayKind | "probe";

/** Bytes of the nonce and of the session secret. */
export const RELAY_NONCE_BYTES = 32;
export const RELAY_SECRET_BYTES = 32;
/** Longest answer line accepted, newline included ("control " + 64 hex + "\n"). */
export const RELAY_ANSWER_MAX = 80;

const HEX = /^[0-9a-f]*$/;

/** A fresh random nonce. */
export function newRelayNonce(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(RELAY_NONCE_BYTES));
}

/** A fresh 256-bit session secret. */
export function newRelaySecret(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(RELAY_SECRET_BYTES));
}

/** The challenge line leash sends first: `leash-relay 1 <64 hex>\n`. */
export function challengeLine(nonce: Uint8Array): string {
  if (nonce.length !== RELAY_NONCE_BYTES) {
    throw new RangeError(
      `Invalid relay nonce: ${nonce.length} bytes, expected ${RELAY_NONCE_BYTES}`,
    );
  }
  return `leash-relay 1 ${toHex(nonce)}\n`;
}

/** HMAC-SHA256(secret, nonce || kind): what a bridge holding `secret` answers. */
export function relayMac(
  secret: Uint8Array,
  nonce: Uint8Array,
  kind: RelayAnswerKind,
): Uint8Array {
  return new Uint8Array(createHmac("sha256", secret).update(nonce).update(kind).digest());
}

/** An answer line as read: the stream kind it claims and its MAC. */
export interface RelayAnswer {
  kind: RelayAnswerKind;
  mac: Uint8Array;
}

/**
 * Parses an answer line (without its newline): `<control|proxy|dns|probe> <64 lowercase hex>`.
 * Throws `SyntaxError` naming what is wrong.
 */
export function parseRelayAnswer(line: string): RelayAnswer {
  const space = line.indexOf(" ");
  const kind = space < 0 ? line : line.slice(0, space);
  if (kind !== "control" && kind !== "proxy" && kind !== "dns" && kind !== "probe") {
    throw new SyntaxError(
      `Invalid relay answer: unknown stream kind ${JSON.stringify(kind.slice(0, 16))}`,
    );
  }
  const hex = space < 0 ? "" : line.slice(space + 1);
  if (hex.length !== 64 || !HEX.test(hex)) {
    throw new SyntaxError("Invalid relay answer: the MAC is not 64 lowercase hex digits");
  }
  return { kind, mac: fromHex(hex) };
}

/** Whether `answer` proves `secret` for this `nonce`; compared in constant time. */
export function verifyRelayAnswer(
  secret: Uint8Array,
  nonce: Uint8Array,
  answer: RelayAnswer,
): boolean {
  const expected = relayMac(secret, nonce, answer.kind);
  return answer.mac.length === expected.length && timingSafeEqual(answer.mac, expected);
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}
