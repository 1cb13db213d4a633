import assert from "node:assert/strict";
import { DEFAULT_DOCKER_SOCKET, parseDockerHost } from "./host.ts";

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

Deno.test("parseDockerHost() says tcp:// and ssh:// are not supported yet", () => {
  for (const value of ["tcp://127.0.0.1:2375", "ssh://me@host", "npipe:////./pipe/docker"]) {
    assert.throws(
      () => parseDockerHost(value),
      (error: Error) =>
        error instanceof RangeError &&
        error.message.startsWith(
          `DOCKER_HOST "${value}" is not supported yet: only unix:// sockets`,
        ),
    );
  }
});

Deno.test("parseDockerHost() rejects a relative unix socket path", () => {
  assert.throws(() => parseDockerHost("unix://docker.sock"), /the path must be absolute/);
});
