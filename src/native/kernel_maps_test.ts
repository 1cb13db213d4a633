import assert from "node:assert/strict";
import { compilePolicy } from "../policy/mod.ts";
import { fnv1a64 } from "./fnv.ts";
import { encodeKernelMaps, netPrefix, pathKey } from "./kernel_maps.ts";

/** Reads an image back and answers like the kernel programs do (bpf/progs/path_match.h). */
function decode(image: Uint8Array) {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  assert.equal(new TextDecoder().decode(image.subarray(0, 8)), "LEASHMAP");
  const nPaths = view.getUint32(12, true);
  const nNets = view.getUint32(16, true);
  const nRules = view.getUint32(20, true);
  const fileDefault = view.getUint8(24);
  const paths = new Map<string, { flags: number; dir: number; file: number; rules: number[] }>();
  let off = 32;
  for (let i = 0; i < nPaths; i++, off += 48) {
    const key = `${view.getBigUint64(off, true)}:${view.getUint32(off + 8, true)}`;
    const rules = [0, 1, 2, 3, 4, 5].map((k) => view.getUint32(off + 20 + 4 * k, true));
    paths.set(key, {
      flags: view.getUint8(off + 16),
      dir: view.getUint8(off + 17),
      file: view.getUint8(off + 18),
      rules,
    });
  }
  const nets: {
    addr: Uint8Array;
    len: number;
    other: number;
    named: number;
    ports: Map<number, number>;
  }[] = [];
  for (let i = 0; i < nNets; i++, off += 92) {
    const ports = new Map<number, number>();
    for (let p = 0; p < view.getUint8(off + 21); p++) {
      ports.set(view.getUint16(off + 28 + 8 * p, true), view.getUint8(off + 30 + 8 * p));
    }
    nets.push({
      addr: image.slice(off + 4, off + 20),
      len: view.getUint32(off, true),
      other: view.getUint8(off + 20),
      named: view.getUint8(off + 22),
      ports,
    });
  }
  const names: string[] = [];
  for (let i = 0; i < nRules; i++) {
    const n = view.getUint16(off, true);
    names.push(new TextDecoder().decode(image.subarray(off + 2, off + 2 + n)));
    off += 2 + n;
  }
  assert.equal(off, image.length, "no trailing bytes");

  const lookup = (prefix: string) => {
    const bytes = new TextEncoder().encode(prefix);
    return paths.get(`${fnv1a64(bytes)}:${bytes.length}`);
  };
  /** Allowed access bits for an absolute path: File, else deepest Dir, else default. */
  const allowed = (path: string): number => {
    let found: number | undefined;
    for (let i = 0; i < path.length; i++) {
      if (path[i] !== "/") continue;
      const v = lookup(path.slice(0, i));
      if (v && v.flags & 1) found = v.dir;
    }
    const exact = path.length > 1 ? lookup(path) : undefined;
    if (exact && exact.flags & 2) return exact.file;
    if (exact && exact.flags & 1) return exact.dir;
    return found ?? fileDefault;
  };
  /** Whether the kernel lets a connect to (ip, port) through. */
  const netAllows = (ip: string, port: number): boolean => {
    const { addr } = netPrefix(ip);
    let best: (typeof nets)[number] | undefined;
    for (const net of nets) {
      if (!covers(net.addr, net.len, addr)) continue;
      if (!best || net.len > best.len) best = net;
    }
    if (!best) return true;
    const p = best.ports.get(port);
    return (p ?? best.other) === 1;
  };
  /** Whether the policy names the address (the kernel then lets a connect reach the relay). */
  const netNamed = (ip: string): boolean => {
    const { addr } = netPrefix(ip);
    let best: (typeof nets)[number] | undefined;
    for (const net of nets) {
      if (covers(net.addr, net.len, addr) && (!best || net.len > best.len)) best = net;
    }
    return best?.named === 1;
  };
  return { allowed, netAllows, netNamed, names };
}

function covers(net: Uint8Array, len: number, addr: Uint8Array): boolean {
  for (let bit = 0; bit < len; bit++) {
    const mask = 0x80 >> (bit % 8);
    if ((net[bit >> 3]! & mask) !== (addr[bit >> 3]! & mask)) return false;
  }
  return true;
}

const R = 1, W = 2, X = 4;

const FILES = `
@id("root-read") permit (principal, action == Action::"FileOpenReadOnly", resource) when { resource in Dir::"/" };
@id("work") permit (principal, action in [Action::"FileOpen", Action::"FileOpenReadOnly", Action::"FileOpenReadWrite"], resource) when { resource in Dir::"/work/" };
@id("secrets-ro") forbid (principal, action == Action::"FileOpenReadWrite", resource) when { resource in Dir::"/work/secrets/" };
@id("no-passwd") forbid (principal, action in [Action::"FileOpen", Action::"FileOpenReadOnly"], resource) when { resource in File::"/etc/passwd" };
@id("bin") permit (principal, action == Action::"ProcessExec", resource) when { resource in Dir::"/bin/" };
@id("no-rm") forbid (principal, action == Action::"ProcessExec", resource) when { resource in File::"/bin/rm" };
`;

Deno.test("encodeKernelMaps() keeps forbid over permit for nested directories", () => {
  const { allowed } = decode(encodeKernelMaps(compilePolicy(FILES).ir));
  assert.equal(allowed("/work/a.txt"), R | W);
  assert.equal(allowed("/work/secrets/key"), R);
  assert.equal(allowed("/work/secrets"), R);
  assert.equal(allowed("/usr/lib/x"), R);
});

Deno.test("encodeKernelMaps() honours component boundaries for File rules", () => {
  const { allowed } = decode(encodeKernelMaps(compilePolicy(FILES).ir));
  assert.equal(allowed("/etc/passwd") & R, 0);
  assert.equal(allowed("/etc/passwd-x") & R, R);
  assert.equal(allowed("/work/secretsX/f") & W, W);
});

Deno.test("encodeKernelMaps() decides exec by path", () => {
  const { allowed } = decode(encodeKernelMaps(compilePolicy(FILES).ir));
  assert.equal(allowed("/bin/ls") & X, X);
  assert.equal(allowed("/bin/rm") & X, 0);
  assert.equal(allowed("/usr/bin/env") & X, 0);
});

Deno.test("encodeKernelMaps() covers paths longer than 1,024 bytes", () => {
  const deep = "/work/secrets/" + "d".repeat(200).concat("/").repeat(8) + "f";
  assert.ok(new TextEncoder().encode(deep).length > 1500);
  const { allowed } = decode(encodeKernelMaps(compilePolicy(FILES).ir));
  assert.equal(allowed(deep), R);
});

Deno.test("encodeKernelMaps() denies networks only on forbids", () => {
  const text = `
@id("v4-net") permit (principal, action == Action::"NetworkConnect", resource in Host::"10.0.0.0/8");
@id("ssh") forbid (principal, action == Action::"NetworkConnect", resource in Host::"10.20.0.0/16:22");
@id("meta") forbid (principal, action == Action::"NetworkConnect", resource in Host::"169.254.169.254");
@id("v6") forbid (principal, action == Action::"NetworkConnect", resource in Host::"2001:db8::/32");
@id("v4") forbid (principal, action == Action::"NetworkConnect", resource in Host::"192.0.2.0/24");
`;
  const { netAllows, names } = decode(encodeKernelMaps(compilePolicy(text).ir));
  assert.equal(netAllows("10.20.1.1", 22), false);
  assert.equal(netAllows("10.20.1.1", 443), true);
  assert.equal(netAllows("10.1.1.1", 22), true);
  assert.equal(netAllows("169.254.169.254", 80), false);
  assert.equal(netAllows("2001:db8::1", 443), false);
  assert.equal(netAllows("2001:db9::1", 443), true);
  assert.equal(netAllows("192.0.2.7", 80), false);
  assert.equal(netAllows("93.184.216.34", 443), true, "not permitted by IP: the relay decides");
  assert.ok(names.includes("ssh") && names.includes("meta"));
});

Deno.test("encodeKernelMaps() names the addresses an IP or CIDR permit covers, on any port", () => {
  const text = `
@id("v4-net") permit (principal, action == Action::"NetworkConnect", resource in Host::"10.0.0.0/8");
@id("one-port") permit (principal, action == Action::"NetworkConnect", resource == Host::"198.51.100.9:443");
@id("v6") permit (principal, action == Action::"NetworkConnect", resource in Host::"2001:db8:1::/48");
@id("hole") forbid (principal, action == Action::"NetworkConnect", resource in Host::"10.66.0.0/16");
@id("names") permit (principal, action == Action::"NetworkConnect", resource in Host::"*.example.com");
`;
  const { netNamed } = decode(encodeKernelMaps(compilePolicy(text).ir));
  assert.equal(netNamed("10.1.2.3"), true);
  assert.equal(netNamed("198.51.100.9"), true, "a permit of one port names the address");
  assert.equal(netNamed("198.51.100.10"), false);
  assert.equal(netNamed("2001:db8:1::5"), true);
  assert.equal(netNamed("10.66.1.1"), false, "a forbidden hole is not named");
  assert.equal(netNamed("93.184.216.34"), false, "host names are named by DNS answers, not here");
  const everything = `permit (principal, action == Action::"NetworkConnect", resource);`;
  assert.equal(
    decode(encodeKernelMaps(compilePolicy(everything).ir)).netNamed("93.184.216.34"),
    true,
  );
});

Deno.test("netPrefix() maps IPv4 into ::ffff:0:0/96", () => {
  const { addr, prefixlen } = netPrefix("192.0.2.0/24");
  assert.equal(prefixlen, 120);
  assert.deepEqual([...addr.slice(10)], [0xff, 0xff, 192, 0, 2, 0]);
  assert.equal(netPrefix("2001:db8::/32").prefixlen, 32);
  assert.throws(() => netPrefix("example.com"), TypeError);
  assert.throws(() => netPrefix("10.0.0.0/33"), RangeError);
});

Deno.test("pathKey() drops the trailing slash and rejects relative paths", () => {
  assert.equal(pathKey("/work/"), "/work");
  assert.equal(pathKey("/"), "");
  assert.throws(() => pathKey("work/"), TypeError);
  assert.throws(() => pathKey("/a/../b"), TypeError);
});

Deno.test("encodeKernelMaps() writes the header the helper checks", () => {
  const image = encodeKernelMaps(compilePolicy(FILES).ir, { generation: 7 });
  const view = new DataView(image.buffer);
  assert.equal(view.getUint32(8, true), 1);
  assert.equal(view.getUint32(28, true), 7);
});
