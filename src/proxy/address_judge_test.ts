import assert from "node:assert/strict";
import { compilePolicy } from "../policy/mod.ts";
import { type AddressContext, judgeAddress } from "./address_judge.ts";

const { ir } = compilePolicy(`
@id("all")
permit (principal, action == Action::"NetworkConnect", resource);
@id("no-private")
forbid (principal, action == Action::"NetworkConnect", resource in Host::"172.16.0.0/12");
@id("no-v6")
forbid (principal, action == Action::"NetworkConnect", resource in Host::"2001:db8:bad::/48");
@id("no-ssh")
forbid (principal, action == Action::"NetworkConnect", resource in Host::"198.51.100.0/24:22");
`);

function ctx(overrides: Partial<AddressContext> = {}): AddressContext {
  return {
    ir,
    mode: "enforce",
    hostAddresses: new Set(["192.0.2.2", "fd00::2", "172.17.0.1"]),
    pinned: false,
    allowHostLocal: false,
    reserved: [],
    ...overrides,
  };
}

Deno.test("judgeAddress() refuses an address a CIDR forbid covers, in every spelling", () => {
  for (const a of ["172.16.0.1", "172.31.255.254", "::ffff:172.20.1.1", "::FFFF:AC14:0101"]) {
    const d = judgeAddress(a, 443, ctx());
    assert.equal(d.ok, false, a);
    assert.match(!d.ok ? d.reason : "", /denied by rule "no-private"/, a);
  }
  const v6 = judgeAddress("2001:DB8:BAD:0::9", 443, ctx());
  assert.equal(v6.ok, false);
  assert.equal(judgeAddress("172.32.0.1", 443, ctx()).ok, true);
  assert.equal(judgeAddress("2001:db8:bad1::1", 443, ctx()).ok, true);
});

Deno.test("judgeAddress() applies port-specific forbids to dials, and only every-port forbids to DNS answers", () => {
  assert.equal(judgeAddress("198.51.100.7", 22, ctx()).ok, false);
  assert.equal(judgeAddress("198.51.100.7", 443, ctx()).ok, true);
  assert.equal(judgeAddress("198.51.100.7", undefined, ctx()).ok, true);
  assert.equal(judgeAddress("172.16.0.9", undefined, ctx()).ok, false);
});

Deno.test("judgeAddress() lets a forbidden address through in shadow mode with the verdict", () => {
  const d = judgeAddress("172.16.0.1", 80, ctx({ mode: "shadow" }));
  assert.equal(d.ok, true);
  assert.deepEqual(d.verdict?.rules, ["no-private"]);
  assert.equal(d.verdict?.decision, "deny");
});

Deno.test("judgeAddress() refuses the host's own addresses unless pinned, whatever the policy", () => {
  for (
    const [a, kind] of [
      ["127.0.0.1", "a loopback"],
      ["::1", "a loopback"],
      ["::ffff:127.0.0.2", "a loopback"],
      ["0.0.0.0", "a unspecified"],
      ["169.254.169.254", "a link-local"],
      ["fe80::1%eth0", "a link-local"],
      ["192.0.2.2", "an"],
      ["FD00:0::2", "an"],
      ["::ffff:192.0.2.2", "an"],
      ["172.17.0.1", "an"],
    ]
  ) {
    const d = judgeAddress(
      a!,
      80,
      ctx({
        ir: compilePolicy(`@id("all")
permit (principal, action == Action::"NetworkConnect", resource);`).ir,
      }),
    );
    assert.equal(d.ok, false, a);
    assert.match(
      !d.ok ? d.reason : "",
      new RegExp(`is ${kind} address of the host leash runs on`),
      a,
    );
    assert.equal(
      judgeAddress(
        a!,
        80,
        ctx({
          pinned: true,
          ir: compilePolicy(`@id("all")
permit (principal, action == Action::"NetworkConnect", resource);`).ir,
        }),
      ).ok,
      true,
      `${a} pinned`,
    );
  }
  assert.equal(judgeAddress("192.0.2.3", 80, ctx()).ok, true, "a neighbour is not the host");
});

Deno.test("judgeAddress() refuses the control UI's address and port even when pinned", () => {
  const reserved = [{ hostname: "0.0.0.0", port: 18080 }];
  for (const a of ["127.0.0.1", "192.0.2.2", "172.17.0.1"]) {
    const d = judgeAddress(a, 18080, ctx({ pinned: true, reserved }));
    assert.match(!d.ok ? d.reason : "", /control UI/, a);
  }
  assert.equal(judgeAddress("192.0.2.9", 18080, ctx({ reserved })).ok, true);
  const exact = [{ hostname: "127.0.0.1", port: 18080 }];
  assert.equal(
    judgeAddress("::ffff:127.0.0.1", 18080, ctx({ pinned: true, reserved: exact })).ok,
    false,
  );
});
