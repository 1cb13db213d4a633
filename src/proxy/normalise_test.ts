import assert from "node:assert/strict";
import {
  AmbiguousRequestError,
  formatAuthority,
  normaliseAuthority,
  normalisePath,
  sameAuthority,
} from "./normalise.ts";

Deno.test("normalisePath() resolves every spelling of /admin to /admin", () => {
  for (
    const raw of [
      "/admin",
      "/x/../admin",
      "//admin",
      "/./admin",
      "/%61dmin",
      "/%2e/admin",
      "/%2E%2E/admin",
      "/a/b/%2e%2e/%2e%2e/admin",
      "///x//..//admin",
      "/x/.%2e/admin",
      "/../../admin",
    ]
  ) assert.equal(normalisePath(raw), "/admin", raw);
});

Deno.test("normalisePath() keeps the query as received and a trailing slash after dots", () => {
  assert.equal(normalisePath("/a/./b/?x=/../%2f&y=%61"), "/a/b/?x=/../%2f&y=%61");
  assert.equal(normalisePath("/a/b/.."), "/a/");
  assert.equal(normalisePath("/a/b/."), "/a/b/");
  assert.equal(normalisePath("/"), "/");
  assert.equal(normalisePath("/.."), "/");
});

Deno.test("normalisePath() decodes unreserved escapes only and upper-cases the others", () => {
  assert.equal(normalisePath("/%7e%2D%5f%2e%30%41z"), "/~-_.0Az");
  assert.equal(normalisePath("/a%20b%3a%c3%a9"), "/a%20b%3A%C3%A9");
  assert.equal(normalisePath("/%25"), "/%25", "a lone %25 is not a double escape");
  assert.equal(normalisePath("/%25zz"), "/%25zz");
});

Deno.test("normalisePath() refuses ambiguous encodings", () => {
  for (
    const raw of [
      "/admin%2fx",
      "/x%2F..%2Fadmin",
      "/x%5cadmin",
      "/x%5Cadmin",
      "/admin%00.html",
      "/%252e%252e/admin",
      "/%2561dmin",
      "/x\\..\\admin",
      "/%zz",
      "/%2",
      "/a%",
      "/x/..;/admin",
      "/.;/admin",
      "/a#frag",
      "admin",
      "",
    ]
  ) {
    assert.throws(() => normalisePath(raw), AmbiguousRequestError, raw);
  }
});

Deno.test("normaliseAuthority() gives one spelling per host and port", () => {
  assert.deepEqual(normaliseAuthority("Example.COM.", 443), { host: "example.com", port: 443 });
  assert.deepEqual(normaliseAuthority("example.com:8443", 443), {
    host: "example.com",
    port: 8443,
  });
  assert.deepEqual(normaliseAuthority("[::FFFF:127.0.0.1]:80", 80), {
    host: "127.0.0.1",
    port: 80,
  });
  assert.deepEqual(normaliseAuthority("[2001:DB8:0::1]", 443), { host: "2001:db8::1", port: 443 });
  assert.deepEqual(normaliseAuthority("10.0.0.1", 80), { host: "10.0.0.1", port: 80 });
});

Deno.test("normaliseAuthority() refuses numeric hosts resolvers read as IPv4, credentials and junk", () => {
  for (
    const raw of [
      "0x7f.1",
      "2130706433",
      "0177.0.0.1",
      "127.1",
      "a.0x10",
      "user@host",
      "host:0",
      "host:65536",
      "host:",
      "[::1",
      "[zz::1]",
      "ho st",
      "a%2eb",
      "a\\b",
      "",
      ".",
    ]
  ) {
    assert.throws(() => normaliseAuthority(raw, 80), AmbiguousRequestError, raw);
  }
});

Deno.test("sameAuthority() and formatAuthority() treat default ports as written or not", () => {
  const a = normaliseAuthority("Host.test", 443);
  const b = normaliseAuthority("host.test.:443", 443);
  assert.ok(sameAuthority(a, b));
  assert.ok(!sameAuthority(a, normaliseAuthority("host.test:8443", 443)));
  assert.equal(formatAuthority(a, "https"), "host.test");
  assert.equal(formatAuthority(a, "http"), "host.test:443");
  assert.equal(formatAuthority({ host: "::1", port: 80 }, "http"), "[::1]");
});
