/**
 * Shared by the tests of the `agents` tier: the environment leash needs to build agent images
 * here, and a check that the Debian base can exist. (The fake APIs are in fake_api/.)
 */
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
