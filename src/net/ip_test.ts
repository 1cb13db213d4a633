import assert from "node:assert/strict";
import { cidrContains, formatIp, parseIp, parseIpv4, parseIpv6 } from "./ip.ts";

Deno.test("parseIpv4() accepts dotted quads only", () => {
  assert.deepEqual(parseIpv4("192.0.2.1"), { family: 4, value: 0xc0000201n });
  for (const bad of ["192.0.2", "192.0.2.256", "01.2.3.4", "1.2.3.4.5", "a.b.c.d", ""]) {
    assert.equal(parseIpv4(bad), undefined, bad);
  }
});

Deno.test("parseIpv6() canonicalises, maps v4-mapped to IPv4 and refuses non-addresses", () => {
  assert.equal(formatIp(parseIpv6("2001:DB8:0:0::1")!), "2001:db8::1");
  assert.deepEqual(parseIpv6("::ffff:198.51.100.7"), parseIpv4("198.51.100.7"));
  for (const bad of ["example.com", "1.2.3.4", "2001:db8::g", "1::2::3"]) {
    assert.equal(parseIpv6(bad), undefined, bad);
  }
});

Deno.test("cidrContains() compares the prefix within one family", () => {
  const net = parseIp("198.51.100.0")!;
  assert.equal(cidrContains(net, 24, parseIp("198.51.100.255")!), true);
  assert.equal(cidrContains(net, 24, parseIp("198.51.101.0")!), false);
  assert.equal(cidrContains(parseIp("2001:db8::")!, 32, parseIp("2001:db8:ffff::1")!), true);
  assert.equal(cidrContains(parseIp("::")!, 0, parseIp("198.51.100.1")!), false);
});
