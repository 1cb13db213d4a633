/**
 * Shared by the preset/image tests of the `agents` tier: the environment leash needs to build
 * agent images here, a check that the Debian base can exist, and a fake api.anthropic.com.
 */
import { createCa, createLeafMinter } from "../../src/ca/mod.ts";
import { DockerClient } from "../../src/docker/mod.ts";
import { AGENT_RECIPE, debianImageTag } from "../../src/images/mod.ts";

/** The host's CA bundle: the build's npm trusts what this host trusts (a TLS-intercepting proxy). */
const HOST_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";

/** `LEASH_BUILD_CA` for image builds when the host has a CA bundle. */
export async function buildEnv(): Promise<Record<string, string>> {
  try {
    await Deno.stat(HOST_BUNDLE);
    return { LEASH_BUILD_CA: HOST_BUNDLE };
  } catch {
    return {};
  }
}

/**
 * Why the image tests cannot run here, or undefined: the base exists or can be built
 * (debootstrap needs root).
 */
export async function cannotBuild(): Promise<string | undefined> {
  try {
    using docker = await DockerClient.connect();
    if (await docker.images.exists(await debianImageTag(AGENT_RECIPE))) return undefined;
  } catch (error) {
    return `no Docker engine answers: ${(error as Error).message}`;
  }
  if (Deno.uid() !== 0) {
    return "the Debian base image is absent and debootstrap needs root: run sudo leash image base (or sudo scripts/debian-image) once";
  }
  return undefined;
}

/** A fake API: what it received, and the hold on its first model request. */
export interface FakeApi {
  caPem: string;
  seen: { path: string; key: string | null; authorization: string | null }[];
  /** Resolves when a /v1/messages request is being held. */
  holding: Promise<void>;
  release(): void;
  close(): Promise<void>;
}

/** A loopback address of its own for each fake API (port 443 is shared by the whole host). */
export function loopbackAddress(): string {
  const n = () => 1 + Math.floor(Math.random() * 250);
  return `127.77.${n()}.${n()}`;
}

/**
 * A fake api.anthropic.com on `address`:443 (a loopback address leash pins the name to): records
 * every request's key; holds /v1/messages until released, then refuses it with a 400.
 */
export async function fakeAnthropic(address: string): Promise<FakeApi> {
  const ca = await createCa({ commonName: "leash agents test upstream CA" });
  const leaf = await (await createLeafMinter(ca)).mint("api.anthropic.com");
  const seen: { path: string; key: string | null; authorization: string | null }[] = [];
  let release!: () => void;
  const released = new Promise<void>((resolve) => release = resolve);
  let held!: () => void;
  const holding = new Promise<void>((resolve) => held = resolve);
  const ac = new AbortController();
  const server = Deno.serve({
    hostname: address,
    port: 443,
    cert: leaf.certPem,
    key: leaf.keyPem,
    signal: ac.signal,
    onListen: () => {},
  }, async (request) => {
    const path = new URL(request.url).pathname;
    seen.push({
      path,
      key: request.headers.get("x-api-key"),
      authorization: request.headers.get("authorization"),
    });
    await request.body?.cancel();
    if (path.startsWith("/v1/messages")) {
      held();
      await released;
      return Response.json({
        type: "error",
        error: { type: "invalid_request_error", message: "leash test: refused on purpose" },
      }, { status: 400 }); // not retried: the agent exits at once
    }
    return Response.json({ type: "error", error: { type: "not_found_error" } }, { status: 404 });
  });
  return {
    caPem: ca.certPem,
    seen,
    holding,
    release,
    async close() {
      release();
      ac.abort();
      await server.finished;
    },
  };
}
