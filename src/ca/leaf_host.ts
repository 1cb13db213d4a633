import { isIPv4, isIPv6 } from "node:net";

/** A host a leaf certificate names: a DNS name (lower-case IDNA ASCII) or an IP literal. */
export type LeafHost =
  | { kind: "dns"; name: string }
  | { kind: "ip"; name: string; bytes: Uint8Array };

const LABEL_RE = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/**
 * Canonicalises a TLS server name or IP literal for a leaf certificate.
 * Throws TypeError naming the host when it is neither (wildcards are refused).
 */
export function parseLeafHost(host: string): LeafHost {
  const invalid = (reason: string, cause?: unknown) =>
    new TypeError(
      `Cannot mint a certificate for host "${host}": ${reason}`,
      cause === undefined ? undefined : { cause },
    );
  if (typeof host !== "string" || host === "") throw invalid("the host is empty");
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  if (isIPv4(bare)) return { kind: "ip", name: bare, bytes: ipv4Bytes(bare) };
  if (isIPv6(bare)) {
    const bytes = ipv6Bytes(bare);
    return { kind: "ip", name: new URL(`http://[${bare}]`).hostname.slice(1, -1), bytes };
  }
  if (/[\s/?#@:\[\]\\%*]/.test(host)) throw invalid("not a DNS name or IP literal");
  let name = host.toLowerCase();
  if (!/^[a-z0-9_.-]+$/.test(name)) {
    try {
      name = new URL(`http://${host}`).hostname;
    } catch (error) {
      throw invalid("not a valid international domain name", error);
    }
  }
  if (name.endsWith(".")) name = name.slice(0, -1);
  if (name.length > 253) throw invalid("longer than 253 characters");
  const labels = name.split(".");
  if (!labels.every((label) => LABEL_RE.test(label))) throw invalid("not a DNS name");
  if (/^[0-9]+$/.test(labels[labels.length - 1] ?? "") || isIPv4(name)) {
    throw invalid("not a canonical IP literal or DNS name");
  }
  return { kind: "dns", name };
}

function ipv4Bytes(text: string): Uint8Array {
  return Uint8Array.from(text.split(".").map(Number));
}

function ipv6Bytes(text: string): Uint8Array {
  let head = text;
  const v4: number[] = [];
  const lastColon = text.lastIndexOf(":");
  const tail = text.slice(lastColon + 1);
  if (tail.includes(".")) {
    v4.push(...ipv4Bytes(tail));
    head = text.slice(0, lastColon + 1) + "0:0";
  }
  const [left = "", right] = head.split("::");
  const parse = (part: string) => (part === "" ? [] : part.split(":").map((g) => parseInt(g, 16)));
  const l = parse(left);
  const r = right === undefined ? [] : parse(right);
  const groups = [...l, ...new Array<number>(8 - l.length - r.length).fill(0), ...r];
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[i * 2] = g >> 8;
    bytes[i * 2 + 1] = g & 0xff;
  });
  if (v4.length === 4) bytes.set(v4, 12);
  return bytes;
}
