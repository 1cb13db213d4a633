import assert from "node:assert/strict";
import { hostCovers, parseHostPattern, parseRequestHost } from "./hosts.ts";
import { coveringDirs, dirCovers, normaliseRequestPath, parsePolicyPath } from "./paths.ts";

Deno.test("parseHostPattern() canonicalises names, IDNA, IPv6, CIDRs and ports", () => {
  assert.equal(parseHostPattern("API.Example.COM").key, "api.example.com");
  assert.equal(parseHostPattern("bücher.de:443").key, "xn--bcher-kva.de:443");
  assert.equal(parseHostPattern("*.Example.com:443").key, "*.example.com:443");
  assert.equal(parseHostPattern("[2001:DB8:0::1]:443").key, "[2001:db8::1]:443");
  assert.equal(parseHostPattern("2001:db8::/32").key, "2001:db8::/32");
  assert.equal(parseHostPattern("10.0.0.0/32").key, "10.0.0.0");
  const sloppy = parseHostPattern("10.1.2.3/8");
  assert.equal(sloppy.key, "10.0.0.0/8");
  assert.match(sloppy.warning ?? "", /host bits set/);
  assert.equal(parseHostPattern("::ffff:1.2.3.4").key, "1.2.3.4");
});

Deno.test("parseHostPattern() rejects bad ports, CIDRs and wildcards", () => {
  for (
    const bad of [
      "a.com:0",
      "a.com:65536",
      "a.com:x",
      "10.0.0.0/33",
      "10.0.0/8",
      "a.*.com",
      "1.2.3",

      "[zz]:1",
      "",
    ]
  ) {
    assert.throws(() => parseHostPattern(bad), RangeError, bad);
  }
});

Deno.test("hostCovers() matches ports, wildcards (subdomains only) and CIDRs (v4 and v6)", () => {
  const covers = (p: string, r: string) => hostCovers(parseHostPattern(p), parseRequestHost(r));
  assert.ok(covers("api.x.com", "api.x.com:443"));
  assert.ok(!covers("api.x.com:80", "api.x.com:443"));
  assert.ok(covers("*.x.com", "a.b.x.com:1"));
  assert.ok(!covers("*.x.com", "x.com"));
  assert.ok(!covers("*.x.com", "ax.com"));
  assert.ok(covers("10.0.0.0/8", "10.255.0.1:22"));
  assert.ok(!covers("10.0.0.0/8", "11.0.0.1:22"));
  assert.ok(covers("2001:db8::/32", "[2001:db8:ffff::1]:443"));
  assert.ok(!covers("2001:db8::/32", "[2001:db9::1]:443"));
  assert.ok(covers("*", "[::1]:1"));
  assert.ok(!covers("*.com", "1.2.3.4"));
});

Deno.test("paths: Dir keys end in '/', File keys never do; boundaries are components", () => {
  assert.deepEqual(parsePolicyPath("/etc", "Dir").key, "/etc/");
  assert.match(parsePolicyPath("/etc", "Dir").warning ?? "", /no trailing slash/);
  for (const bad of ["etc/", "/a/../b/", "/a//b/", "/a/./b"]) {
    assert.throws(() => parsePolicyPath(bad, "Dir"), RangeError);
  }
  assert.throws(() => parsePolicyPath("/etc/", "File"), RangeError);
  assert.ok(dirCovers("/etc/passwd/", "/etc/passwd"));
  assert.ok(!dirCovers("/etc/passwd/", "/etc/passwd-x"));
  assert.equal(normaliseRequestPath("/a//b/./c/../d/"), "/a/b/d");
  assert.throws(() => normaliseRequestPath("a/b"), RangeError);
  assert.deepEqual(coveringDirs("/a/b"), ["/a/b/", "/a/", "/"]);
});
