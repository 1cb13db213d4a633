/**
 * Encodes the kernel part of a compiled policy (the IR's `file` and `connect` tables) into
 * the map image leash-helper copies into the eBPF maps without interpreting it. The byte
 * layout is defined in bpf/include/leash_maps.h; this is its only producer.
 *
 * The IR already holds the combined decision per entry (forbid beats permit), so the
 * kernel only finds the deepest entry: exact File, else longest Dir, else the default.
 * Network entries deny only on an explicit forbid: a destination merely not permitted by
 * IP is left to the relay, where host names are decided. Each entry also says whether the
 * policy names its address (permits some port of it): the kernel refuses a connect to an
 * address that neither a rule nor an answer of leash's DNS named (ports are the proxy's).
 */
import type { IrConnectEntry, IrDecision, IrFileDecisions, PolicyIr } from "../policy/mod.ts";
import { type IpAddress, parseIpv4, parseIpv6 } from "../net/mod.ts";
import { fnv1a64 } from "./fnv.ts";

/** Map image format version (LEASH_IMAGE_VERSION). */
export const KERNEL_MAPS_VERSION = 1;
/** Port decisions one network entry can hold (LEASH_NET_PORTS). */
export const MAX_PORTS_PER_PREFIX = 8;
/** Longest path the kernel resolves (LEASH_PATH_MAX, without the NUL). */
export const MAX_PATH_BYTES = 4095;

const HEADER_SIZE = 32;
const PATH_ENTRY_SIZE = 48;
const NET_ENTRY_SIZE = 92;
const ACC_READ = 1;
const ACC_WRITE = 2;
const ACC_EXEC = 4;
const PV_DIR = 1;
const PV_FILE = 2;

/** The part of the policy IR the kernel enforces. */
export type KernelPolicy = Pick<PolicyIr, "file" | "connect">;

/** Options for {@linkcode encodeKernelMaps}. */
export interface KernelMapsOptions {
  /** Policy generation reported back by the helper. @default 0 */
  generation?: number;
}

interface PathSlot {
  flags: number;
  dirAllow: number;
  fileAllow: number;
  dirRules: [number, number, number];
  fileRules: [number, number, number];
}

/** Encodes `policy` as a map image (bpf/include/leash_maps.h, version 1). */
export function encodeKernelMaps(
  policy: KernelPolicy,
  options: KernelMapsOptions = {},
): Uint8Array {
  const rules = new RuleTable();
  const paths = new Map<string, PathSlot>();
  for (const entry of policy.file.entries) {
    const key = pathKey(entry.path);
    const slot = paths.get(key) ??
      { flags: 0, dirAllow: 0, fileAllow: 0, dirRules: [0, 0, 0], fileRules: [0, 0, 0] };
    const [allow, ids] = fileBits(entry, rules);
    if (entry.kind === "dir") {
      slot.flags |= PV_DIR;
      slot.dirAllow = allow;
      slot.dirRules = ids;
    } else {
      slot.flags |= PV_FILE;
      slot.fileAllow = allow;
      slot.fileRules = ids;
    }
    paths.set(key, slot);
  }
  const nets = [...policy.connect.entries.map((e) => netEntry(e, rules)), {
    ...netEntry({ ...policy.connect.default, cidr: "::/0", family: 6 }, rules),
    prefixlen: 0,
  }];
  const [fileDefault] = fileBits(policy.file.default, rules);

  const names = rules.encoded();
  const size = HEADER_SIZE + paths.size * PATH_ENTRY_SIZE + nets.length * NET_ENTRY_SIZE +
    names.reduce((n, b) => n + 2 + b.length, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode("LEASHMAP"), 0);
  view.setUint32(8, KERNEL_MAPS_VERSION, true);
  view.setUint32(12, paths.size, true);
  view.setUint32(16, nets.length, true);
  view.setUint32(20, names.length, true);
  view.setUint8(24, fileDefault);
  view.setUint8(25, 1); /* net_default: the relay decides what no entry covers */
  view.setUint32(28, options.generation ?? 0, true);

  let off = HEADER_SIZE;
  const encoder = new TextEncoder();
  for (const [key, slot] of paths) {
    const bytes = encoder.encode(key);
    view.setBigUint64(off, fnv1a64(bytes), true);
    view.setUint32(off + 8, bytes.length, true);
    const val = off + 16;
    view.setUint8(val, slot.flags);
    view.setUint8(val + 1, slot.dirAllow);
    view.setUint8(val + 2, slot.fileAllow);
    slot.dirRules.forEach((id, i) => view.setUint32(val + 4 + 4 * i, id, true));
    slot.fileRules.forEach((id, i) => view.setUint32(val + 16 + 4 * i, id, true));
    off += PATH_ENTRY_SIZE;
  }
  for (const net of nets) {
    view.setUint32(off, net.prefixlen, true);
    out.set(net.addr, off + 4);
    const val = off + 20;
    view.setUint8(val, net.otherAllow ? 1 : 0);
    view.setUint8(val + 1, net.ports.length);
    view.setUint8(val + 2, net.named ? 1 : 0);
    view.setUint32(val + 4, net.otherRule, true);
    net.ports.forEach((p, i) => {
      const at = val + 8 + 8 * i;
      view.setUint16(at, p.port, true);
      view.setUint8(at + 2, p.allow ? 1 : 0);
      view.setUint32(at + 4, p.rule, true);
    });
    off += NET_ENTRY_SIZE;
  }
  for (const name of names) {
    view.setUint16(off, name.length, true);
    out.set(name, off + 2);
    off += 2 + name.length;
  }
  return out;
}

/** The kernel key of an IR path: no trailing slash, "/" becomes "". */
export function pathKey(path: string): string {
  if (!path.startsWith("/")) {
    throw new TypeError(`Cannot encode path "${path}": not absolute`);
  }
  const key = path.replace(/\/+$/, "");
  if (key.includes("//") || /(^|\/)\.\.?(\/|$)/.test(key)) {
    throw new TypeError(`Cannot encode path "${path}": not canonical`);
  }
  if (new TextEncoder().encode(key).length > MAX_PATH_BYTES) {
    throw new RangeError(
      `Cannot encode path "${path.slice(0, 64)}...": longer than ${MAX_PATH_BYTES} bytes`,
    );
  }
  return key;
}

/** The 16-byte address (IPv4 as ::ffff:a.b.c.d) and prefix length of an IR CIDR. */
export function netPrefix(cidr: string): { addr: Uint8Array; prefixlen: number } {
  const slash = cidr.indexOf("/");
  const ipText = slash < 0 ? cidr : cidr.slice(0, slash);
  const ip = parseIpv4(ipText) ?? parseIpv6(ipText.replace(/^\[|\]$/g, ""));
  if (!ip) throw new TypeError(`Cannot encode network "${cidr}": not an IP address or CIDR`);
  const bits = ip.family === 4 ? 32 : 128;
  const length = slash < 0 ? bits : Number(cidr.slice(slash + 1));
  if (!Number.isInteger(length) || length < 0 || length > bits) {
    throw new RangeError(`Cannot encode network "${cidr}": prefix length out of range`);
  }
  return {
    addr: addressBytes(ip),
    prefixlen: ip.family === 4 ? 96 + length : length,
  };
}

function addressBytes(ip: IpAddress): Uint8Array {
  const out = new Uint8Array(16);
  let value = ip.value;
  const n = ip.family === 4 ? 4 : 16;
  for (let i = 15; i >= 16 - n; i--) {
    out[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  if (ip.family === 4) out[10] = out[11] = 0xff;
  return out;
}

/** Kernel access bits allowed by a file decision set, and the deciding rule ids. */
function fileBits(d: IrFileDecisions, rules: RuleTable): [number, [number, number, number]] {
  let allow = 0;
  if (d.read.decision === "allow") allow |= ACC_READ;
  if (d.write.decision === "allow") allow |= ACC_WRITE;
  if (d.exec.decision === "allow") allow |= ACC_EXEC;
  return [allow, [rules.idOf(d.read), rules.idOf(d.write), rules.idOf(d.exec)]];
}

interface NetEntry {
  addr: Uint8Array;
  prefixlen: number;
  otherAllow: boolean;
  /** The policy permits some port of the prefix. */
  named: boolean;
  otherRule: number;
  ports: { port: number; allow: boolean; rule: number }[];
}

/** A connect decision the kernel enforces: deny only when a forbid decided it. */
function kernelAllows(d: IrDecision): boolean {
  return d.decision === "allow" || d.rules.length === 0;
}

function netEntry(e: IrConnectEntry, rules: RuleTable): NetEntry {
  const { addr, prefixlen } = netPrefix(e.cidr);
  const otherAllow = kernelAllows(e.other);
  /* Only ports whose decision differs from `other` need a slot. */
  const ports = Object.entries(e.ports)
    .map(([port, d]) => ({ port: Number(port), allow: kernelAllows(d), rule: rules.idOf(d) }))
    .filter((p) => p.allow !== otherAllow)
    .sort((a, b) => a.port - b.port);
  if (ports.length > MAX_PORTS_PER_PREFIX) {
    throw new RangeError(
      `Cannot encode network "${e.cidr}": ${ports.length} port rules, the kernel holds ${MAX_PORTS_PER_PREFIX}`,
    );
  }
  const named = e.other.decision === "allow" ||
    Object.values(e.ports).some((d) => d.decision === "allow");
  return { addr, prefixlen, otherAllow, named, otherRule: rules.idOf(e.other), ports };
}

/** Rule ids by first use; id i (1-based) names rule i-1 in the image's table. */
class RuleTable {
  #ids = new Map<string, number>();

  /** The id of the first rule that decided `d`, or 0 for the default. */
  idOf(d: IrDecision): number {
    const name = d.rules[0];
    if (name === undefined) return 0;
    let id = this.#ids.get(name);
    if (id === undefined) {
      id = this.#ids.size + 1;
      this.#ids.set(name, id);
    }
    return id;
  }

  encoded(): Uint8Array[] {
    const encoder = new TextEncoder();
    return [...this.#ids.keys()].map((name) => {
      const bytes = encoder.encode(name);
      if (bytes.length > 0xffff) {
        throw new RangeError(`Cannot encode rule id "${name.slice(0, 64)}": too long`);
      }
      return bytes;
    });
  }
}
