import assert from "node:assert/strict";
import { DEFAULT_DOCKER_SOCKET, formatDockerHost, parseDockerHost } from "./host.ts";

Deno.test("parseDockerHost() defaults to /var/run/docker.sock", () => {
  assert.deepEqual(parseDockerHost(undefined), { transport: "unix", path: DEFAULT_DOCKER_SOCKET });
  assert.deepEqual(parseDockerHost(""), { transport: "unix", path: "/var/run/docker.sock" });
});

Deno.test("parseDockerHost() reads unix:// addresses", () => {
  assert.deepEqual(parseDockerHost("unix:///run/user/1000/docker.sock"), {
    transport: "unix",
    path: "/run/user/1000/docker.sock",
  });
});

Deno.test("parseDockerHost() reads tcp:// with and without a port, IPv6 in brackets", () => {
  assert.deepEqual(parseDockerHost("tcp://10.0.0.5:2376"), {
    transport: "tcp",
    hostname: "10.0.0.5",
    port: 2376,
  });
  assert.deepEqual(parseDockerHost("tcp://engine.example"), {
    transport: "tcp",
    hostname: "engine.example",
    port: undefined,
  });
  assert.deepEqual(parseDockerHost("tcp://[2001:db8::1]:2376/"), {
    transport: "tcp",
    hostname: "2001:db8::1",
    port: 2376,
  });
});

Deno.test("parseDockerHost() reads ssh:// with user and port, or neither", () => {
  assert.deepEqual(parseDockerHost("ssh://me@build-box:2222"), {
    transport: "ssh",
    hostname: "build-box",
    user: "me",
    port: 2222,
  });
  assert.deepEqual(parseDockerHost("ssh://build-box"), {
    transport: "ssh",
    hostname: "build-box",
    user: undefined,
    port: undefined,
  });
});

Deno.test("formatDockerHost() spells every parsed address back as it was given", () => {
  for (
    const value of [
      "unix:///var/run/docker.sock",
      "tcp://10.0.0.5:2376",
      "tcp://[2001:db8::1]:2376",
      "ssh://me@build-box:2222",
      "ssh://build-box",
    ]
  ) {
    assert.equal(formatDockerHost(parseDockerHost(value)), value);
  }
});

Deno.test("parseDockerHost() names the value and an example for malformed addresses", () => {
  const cases: [string, RegExp][] = [
    ["tcp://", /the host is missing, e\.g\. tcp:\/\/HOST/],
    ["tcp://h:0", /the port "0" is not 1-65535/],
    ["tcp://h:99999", /the port "99999" is not 1-65535/],
    ["tcp://h:x", /the port "x" is not 1-65535/],
    ["tcp://me@h:2376", /tcp:\/\/ takes no user/],
    ["tcp://h:2376/v1.41", /has a path, query or fragment/],
    ["ssh://me:secret@h", /the user is empty or has a password/],
    ["ssh://-oProxyCommand=x", /a host cannot start with -/],
    ["ssh://[::1", /lacks its \]/],
  ];
  for (const [value, reason] of cases) {
    assert.throws(
      () => parseDockerHost(value),
      (error: Error) =>
        error instanceof RangeError &&
        error.message.startsWith(`DOCKER_HOST "${value}" is not a usable address: `) &&
        reason.test(error.message),
      value,
    );
  }
});

Deno.test("parseDockerHost() refuses other schemes, naming the three it takes", () => {
  for (const value of ["npipe:////./pipe/docker", "http://h:2375", "fd://"]) {
    assert.throws(
      () => parseDockerHost(value),
      (error: Error) =>
        error instanceof RangeError &&
        error.message ===
          `DOCKER_HOST "${value}" is not supported: use unix:///path/to/docker.sock, tcp://HOST:2376 (with DOCKER_TLS_VERIFY=1) or ssh://[USER@]HOST[:PORT]`,
    );
  }
});

Deno.test("parseDockerHost() rejects a relative unix socket path", () => {
  assert.throws(() => parseDockerHost("unix://docker.sock"), /the path must be absolute/);
});
