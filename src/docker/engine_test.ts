import assert from "node:assert/strict";
import { engineProfile, kernelArchitecture } from "./engine.ts";
import type { EngineInfo, PingResult } from "./types.ts";

const DOCKER_PING: PingResult = {
  apiVersion: "1.41",
  osType: "linux",
  experimental: false,
  builderVersion: "1",
  server: "Docker/20.10.24+dfsg1 (linux)",
};

function info(overrides: Partial<EngineInfo> = {}): EngineInfo {
  return {
    ID: "x",
    Name: "host",
    ServerVersion: "20.10.24+dfsg1",
    Driver: "overlay2",
    KernelVersion: "6.18.44",
    OperatingSystem: "Debian GNU/Linux 12 (bookworm)",
    OSType: "linux",
    Architecture: "x86_64",
    SecurityOptions: ["name=seccomp,profile=default"],
    ...overrides,
  };
}

const input = (ping: PingResult, i: EngineInfo) => ({
  ping,
  info: i,
  transport: { socket: "/s.sock" },
  hostKernel: "6.18.44",
});

Deno.test("engineProfile() calls a rootful dockerd on this kernel local", () => {
  const profile = engineProfile(input(DOCKER_PING, info()));
  assert.deepEqual(profile, {
    kind: "local",
    product: "Docker 20.10.24+dfsg1",
    transport: "unix socket /s.sock",
    rootless: false,
    architecture: "x86_64",
    kernel: "6.18.44",
  });
});

Deno.test("engineProfile() recognises rootless Docker by its security option", () => {
  const i = info({ SecurityOptions: ["name=seccomp,profile=default", "name=rootless"] });
  const profile = engineProfile(input(DOCKER_PING, i));
  assert.equal(profile.kind, "rootless");
  assert.equal(profile.rootless, true);
});

Deno.test("engineProfile() recognises Podman by its Server header, rootful and rootless", () => {
  const ping = { ...DOCKER_PING, server: "Libpod/4.3.1 (linux)" };
  const rootful = engineProfile(
    input(ping, info({ ServerVersion: "4.3.1", Architecture: "amd64" })),
  );
  assert.equal(rootful.kind, "podman");
  assert.equal(rootful.product, "Podman 4.3.1");
  assert.equal(rootful.architecture, "x86_64");
  // Podman's compatible /info does not say rootless; its /libpod/info does.
  const rootless = engineProfile({ ...input(ping, info()), podmanRootless: true });
  assert.equal(rootless.kind, "podman-rootless");
  assert.equal(rootless.rootless, true);
});

Deno.test("engineProfile() calls an engine on another kernel or Docker Desktop remote", () => {
  assert.equal(
    engineProfile(input(DOCKER_PING, info({ KernelVersion: "5.15.49-linuxkit" }))).kind,
    "remote",
  );
  assert.equal(
    engineProfile(input(DOCKER_PING, info({ OperatingSystem: "Docker Desktop" }))).kind,
    "remote",
  );
});

Deno.test("kernelArchitecture() spells Go's and Docker's names the kernel's way", () => {
  assert.equal(kernelArchitecture("amd64"), "x86_64");
  assert.equal(kernelArchitecture("x86_64"), "x86_64");
  assert.equal(kernelArchitecture("arm64"), "aarch64");
  assert.equal(kernelArchitecture("aarch64"), "aarch64");
  assert.equal(kernelArchitecture("s390x"), "s390x");
});
