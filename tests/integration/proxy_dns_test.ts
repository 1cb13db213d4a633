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
