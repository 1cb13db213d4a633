import assert from "node:assert/strict";
import { join } from "node:path";
import { startWorld } from "./_proxy_harness.ts";

const POLICY = `
@id("allow-allowed")
permit (principal, action == Action::"NetworkConnect", resource in Host::"allowed.test");
@id("allow-suffix")
permit (principal, action == Action::"HttpRequest", resource in Host::"*.cdn.test");
@id("no-tracker")
forbid (principal, action == Action::"NetworkConnect", resource in Host::"tracker.cdn.test");
@id("no-https-only")
forbid (principal, action == Action::"NetworkConnect", resource in Host::"web.cdn.test:443");
`;

function query(id: number, name: string, type: number): Uint8Array {
  const labels = name.split(".").flatMap((l) => [l.length, ...new TextEncoder().encode(l)]);
  const msg = new Uint8Array([
    id >> 8,
    id & 0xff,
    0x01,
    0x00,
    0,
    1,
    0,
    0,
    0,
    0,
    0,
    0,
    ...labels,
    0,
    type >> 8,
    type & 0xff,
    0,
    1,
  ]);
  return new Uint8Array([msg.length >> 8, msg.length & 0xff, ...msg]);
}

/** Sends one query over dns.sock as the relay does; returns the answer message. */
async function ask(socketPath: string, message: Uint8Array): Promise<Uint8Array> {
  const conn = await Deno.connect({ transport: "unix", path: socketPath });
  try {
    const header = { v: 1, kind: "dns", dst: "8.8.8.8:53", src: "127.0.0.1:51000" };
    await conn.write(new TextEncoder().encode(JSON.stringify(header) + "\n"));
    await conn.write(message);
    const chunks: number[] = [];
    const buffer = new Uint8Array(4096);
    for (;;) {
      const n = await conn.read(buffer);
      if (n === null) break;
      chunks.push(...buffer.subarray(0, n));
    }
    const length = (chunks[0]! << 8) | chunks[1]!;
    assert.equal(chunks.length, 2 + length);
    return new Uint8Array(chunks.slice(2));
  } finally {
    conn.close();
  }
}

Deno.test("dns: allowed names are answered from the host, others get NXDOMAIN", async () => {
  const w = await startWorld({ policy: POLICY });
  try {
    const sock = join(w.dir, "dns.sock");
    const a = await ask(sock, query(0x1234, "Allowed.Test", 1));
    assert.equal((a[0]! << 8) | a[1]!, 0x1234);
    assert.equal(a[3]! & 0xf, 0, "NOERROR");
    assert.equal((a[6]! << 8) | a[7]!, 1, "one answer");
    assert.deepEqual([...a.subarray(a.length - 4)], [127, 0, 0, 7]);
    const aaaa = await ask(sock, query(2, "allowed.test", 28));
    assert.deepEqual([...aaaa.subarray(aaaa.length - 16)], [...new Array(15).fill(0), 1]);
    const no = await ask(sock, query(3, "exfil.attacker.example", 1));
    assert.equal(no[3]! & 0xf, 3, "NXDOMAIN");
    assert.equal((no[6]! << 8) | no[7]!, 0);
    const suffix = await ask(sock, query(4, "x.cdn.test", 16));
    assert.equal(suffix[3]! & 0xf, 0, "an allowed name of another type gets an empty answer");
    const forbidden = await ask(sock, query(5, "tracker.cdn.test", 1));
    assert.equal(forbidden[3]! & 0xf, 3, "a forbid on the whole host beats the *.cdn.test permit");
    const onePort = await ask(sock, query(6, "web.cdn.test", 16));
    assert.equal(onePort[3]! & 0xf, 0, "a forbid on one port leaves the name resolvable");
    const events = w.events.filter((e) => e.event === "dns.query");
    assert.deepEqual(events.map((e) => [e.host, e.qtype, e.decision, e.rcode, e.rule]), [
      ["allowed.test", "A", "allow", "NOERROR", "allowed.test"],
      ["allowed.test", "AAAA", "allow", "NOERROR", "allowed.test"],
      ["exfil.attacker.example", "A", "deny", "NXDOMAIN", null],
      ["x.cdn.test", "TXT", "allow", "NOERROR", "*.cdn.test"],
      ["tracker.cdn.test", "A", "deny", "NXDOMAIN", "no-tracker"],
      ["web.cdn.test", "TXT", "allow", "NOERROR", "*.cdn.test"],
    ]);
    const bad = await ask(sock, new Uint8Array([0, 3, 1, 2, 3]));
    assert.equal(bad[3]! & 0xf, 1, "FORMERR");
  } finally {
    await w.close();
  }
});

Deno.test("dns: a proxy.sock header kind on dns.sock is refused with an event", async () => {
  const w = await startWorld({ policy: POLICY });
  try {
    const conn = await Deno.connect({ transport: "unix", path: join(w.dir, "dns.sock") });
    await conn.write(new TextEncoder().encode('{"v":1,"kind":"explicit"}\n'));
    assert.equal(await conn.read(new Uint8Array(10)), null);
    conn.close();
    assert.match(String(w.events.at(-1)?.message), /Cannot serve kind "explicit" on dns.sock/);
    const info = await Deno.stat(join(w.dir, "dns.sock"));
    assert.equal(info.mode! & 0o777, 0o600);
  } finally {
    await w.close();
  }
});

/** The addresses in an answer message (A and AAAA records, in order). */
function answerAddresses(msg: Uint8Array): string[] {
  const count = (msg[6]! << 8) | msg[7]!;
  let at = 12;
  while (msg[at] !== 0) at += msg[at]! + 1;
  at += 5;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const length = (msg[at + 10]! << 8) | msg[at + 11]!;
    const data = msg.subarray(at + 12, at + 12 + length);
    out.push(
      length === 4
        ? [...data].join(".")
        : [...Array(8)].map((_, g) => ((data[g * 2]! << 8) | data[g * 2 + 1]!).toString(16)).join(
          ":",
        ),
    );
    at += 12 + length;
  }
  return out;
}

Deno.test("dns: answers a forbid covers or that are the host's own addresses are withheld (NOERROR without them)", async () => {
  const eth =
    Deno.networkInterfaces().find((i) => i.family === "IPv4" && !i.address.startsWith("127."))
      ?.address ?? "127.0.0.1";
  const w = await startWorld({
    policy: `@id("all")
permit (principal, action == Action::"NetworkConnect", resource);
@id("no-private")
forbid (principal, action == Action::"NetworkConnect", resource in Host::"172.16.0.0/12");
@id("no-doc6")
forbid (principal, action == Action::"NetworkConnect", resource in Host::"2001:db8:bad::/48");
@id("no-ssh-only")
forbid (principal, action == Action::"NetworkConnect", resource in Host::"198.51.100.0/24:22");`,
    allowHostLocal: false,
    pinTestNames: false,
    pins: { "pinned.test": eth },
    hostAddresses: () => Promise.resolve(["198.51.100.200"]),
    dnsAnswers: {
      "mixed.test": ["198.51.100.5", "172.16.0.5", "172.31.9.9", "2001:db8:bad::1", "2001:db8::5"],
      "private.test": ["172.20.0.1"],
      "mapped.test": ["::ffff:172.16.1.1"],
      "loop.test": ["127.0.0.1", "::1"],
      "eth.test": [eth],
      "gateway.test": ["198.51.100.200"],
      "pinned.test": [eth],
      "oneport.test": ["198.51.100.22"],
    },
  });
  try {
    const sock = join(w.dir, "dns.sock");
    const addresses = async (name: string, type: number) => {
      const answer = await ask(sock, query(7, name, type));
      assert.equal(answer[3]! & 0xf, 0, `${name}: NOERROR`);
      return answerAddresses(answer);
    };
    assert.deepEqual(await addresses("mixed.test", 1), ["198.51.100.5"]);
    assert.deepEqual(await addresses("mixed.test", 28), ["2001:db8:0:0:0:0:0:5"]);
    assert.deepEqual(await addresses("private.test", 1), [], "NODATA: every answer withheld");
    assert.deepEqual(await addresses("mapped.test", 28), []);
    assert.deepEqual(await addresses("loop.test", 1), []);
    assert.deepEqual(await addresses("loop.test", 28), []);
    assert.deepEqual(await addresses("eth.test", 1), []);
    assert.deepEqual(await addresses("gateway.test", 1), [], "a Docker gateway is the host");
    // A pinned name may point at the host; a forbid on one port leaves the address resolvable.
    assert.deepEqual(await addresses("pinned.test", 1), [eth]);
    assert.deepEqual(await addresses("oneport.test", 1), ["198.51.100.22"]);
    const withheld = w.events.filter((e) => e.event === "dns.query" && e.withheld);
    assert.deepEqual(withheld.map((e) => [e.host, e.withheld]), [
      ["mixed.test", 2],
      ["mixed.test", 1],
      ["private.test", 1],
      ["mapped.test", 1],
      ["loop.test", 1],
      ["loop.test", 1],
      ["eth.test", 1],
      ["gateway.test", 1],
    ]);
    assert.match(String(withheld[0]!.message), /172\.16\.0\.5 is denied by rule "no-private"/);
    assert.match(String(withheld[6]!.message), /is an address of the host leash runs on/);
  } finally {
    await w.close();
  }
});
