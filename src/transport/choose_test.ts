import assert from "node:assert/strict";
import { chooseTransport, parseTransportSetting } from "./choose.ts";
import { isLoopback, parseRelayAddress } from "./relay_address.ts";
import { refuseHostBinds } from "./workspace.ts";

Deno.test("chooseTransport() gives remote engines the archive transport unless forced", () => {
  assert.equal(chooseTransport("remote", undefined), "archive");
  for (const kind of ["local", "rootless", "podman", "podman-rootless"] as const) {
    assert.equal(chooseTransport(kind, undefined), "bind-mount");
    assert.equal(chooseTransport(kind, "archive"), "archive");
  }
  assert.equal(chooseTransport("remote", "bind-mount"), "bind-mount");
});

Deno.test("parseTransportSetting() accepts the two names, unset or empty, and names the choices otherwise", () => {
  assert.equal(parseTransportSetting(undefined), undefined);
  assert.equal(parseTransportSetting(""), undefined);
  assert.equal(parseTransportSetting("archive"), "archive");
  assert.equal(parseTransportSetting("bind-mount"), "bind-mount");
  assert.throws(
    () => parseTransportSetting("tcp"),
    (e: Error) =>
      e instanceof TypeError &&
      /Invalid LEASH_SESSION_TRANSPORT "tcp": use "bind-mount"/.test(e.message),
  );
});

Deno.test("parseRelayAddress() reads ADDR, ADDR:PORT and [V6]:PORT and refuses names and bad ports", () => {
  assert.deepEqual(parseRelayAddress("172.17.0.1"), { hostname: "172.17.0.1", port: 0 });
  assert.deepEqual(parseRelayAddress("192.0.2.10:7000"), { hostname: "192.0.2.10", port: 7000 });
  assert.deepEqual(parseRelayAddress("[2001:db8::1]:7000"), {
    hostname: "2001:db8::1",
    port: 7000,
  });
  assert.deepEqual(parseRelayAddress("2001:db8::1"), { hostname: "2001:db8::1", port: 0 });
  for (const bad of ["host.docker.internal", "1.2.3.4:70000", "1.2.3:5", "[::1]:x", ""]) {
    assert.throws(() => parseRelayAddress(bad), TypeError, bad);
  }
});

Deno.test("refuseHostBinds() refuses host paths with the named-volume fix and lets named volumes by", () => {
  refuseHostBinds(["cache:/cache", "data:/data:ro"]);
  for (const bind of ["/srv:/srv", "./x:/x", "~/y:/y"]) {
    assert.throws(
      () => refuseHostBinds([bind]),
      (e: Error) =>
        e instanceof TypeError && e.message.includes(`Cannot mount "${bind}"`) &&
        e.message.includes(`-v NAME:${bind.split(":")[1]}`),
    );
  }
});

Deno.test("isLoopback() is true for 127/8, ::1 and mapped 127/8 only", () => {
  for (const a of ["127.0.0.1", "127.3.4.5", "::1", "::ffff:127.0.0.1"]) {
    assert.ok(isLoopback(a), a);
  }
  for (const a of ["172.17.0.1", "10.0.0.1", "::", "fe80::1", "128.0.0.1"]) {
    assert.ok(!isLoopback(a), a);
  }
});
