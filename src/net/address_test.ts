import assert from "node:assert/strict";
import { hostLocalKind, hostPort, parseAuthority } from "./address.ts";

Deno.test("hostLocalKind() names the host's own addresses, IPv4-mapped IPv6 included", () => {
  assert.equal(hostLocalKind("127.0.0.53"), "loopback");
  assert.equal(hostLocalKind("::ffff:127.0.0.1"), "loopback");
  assert.equal(hostLocalKind("0.0.0.0"), "unspecified");
  assert.equal(hostLocalKind("::"), "unspecified");
  assert.equal(hostLocalKind("169.254.169.254"), "link-local");
  assert.equal(hostLocalKind("fe80::1"), "link-local");
  assert.equal(hostLocalKind("198.51.100.1"), undefined);
  assert.equal(hostLocalKind("example.com"), undefined);
});

Deno.test("parseAuthority() splits host and port, brackets IPv6 and refuses bad ports", () => {
  assert.deepEqual(parseAuthority("Example.COM.", 443), { host: "example.com", port: 443 });
  assert.deepEqual(parseAuthority("[2001:db8::1]:8443", 443), { host: "2001:db8::1", port: 8443 });
  assert.throws(() => parseAuthority("example.com:0", 80), SyntaxError);
  assert.throws(() => parseAuthority("a b", 80), SyntaxError);
  assert.equal(hostPort("2001:db8::1", 443), "[2001:db8::1]:443");
});
