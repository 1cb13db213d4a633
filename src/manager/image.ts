import { ASSET_NAMES, hostArchitecture, readAsset, sha256Hex } from "../assets.ts";
import { engineHelper, helperFor } from "./arch.ts";
import { type BuildMessage, createTar, type DockerClient, type TarEntry } from "../docker/mod.ts";

/** Repository of manager images; the tag is the content hash of the embedded assets. */
export const MANAGER_REPOSITORY = "leash-manager";

/** Label on manager images; `leash clean` prunes those of other hashes. */
export const MANAGER_LABEL = "leash.manager";

/** The build context and tag of the manager image for the embedded assets. */
export interface ManagerImageContext {
  tag: string;
  /** Hex content hash of the assets (the tag's suffix is its first 16 characters). */
  hash: string;
  tar: Uint8Array;
}

/** Options for {@linkcode ensureManagerImage}. */
export interface EnsureManagerImageOptions {
  /** Receives each builder progress line. @default ignored */
  onProgress?: (message: BuildMessage) => void;
  signal?: AbortSignal;
}

/** What {@linkcode ensureManagerImage} did. */
export interface ManagerImage {
  tag: string;
  /** False when an image with this content hash already existed. */
  built: boolean;
}

/**
 * Builds the manager's context FROM scratch from the embedded assets of `arch` (the engine's;
 * default this machine's): `/leash-helper` and `/bpf/*.o`. No base image, so it builds on
 * air-gapped hosts; the helper's bytes make the tag differ per architecture.
 */
export async function managerImageContext(
  arch: string = hostArchitecture(),
): Promise<ManagerImageContext> {
  const files: { name: string; data: Uint8Array; sha256: string }[] = [];
  for (const name of ASSET_NAMES) {
    const data = name === "leash-helper" ? await helperFor(arch) : await readAsset(name, arch);
    files.push({ name, data, sha256: await sha256Hex(data) });
  }
  const manifest = files.map((f) => `${f.name}\0${f.sha256}\n`).join("");
  const hash = await sha256Hex(new TextEncoder().encode(manifest));
  const tag = `${MANAGER_REPOSITORY}:${hash.slice(0, 16)}`;
  const copies = files.map((f) =>
    f.name.endsWith(".o") ? `COPY ${f.name} /bpf/${f.name}` : `COPY ${f.name} /${f.name}`
  );
  const dockerfile = [
    "FROM scratch",
    ...copies,
    `LABEL ${MANAGER_LABEL}="${hash}"`,
    'ENTRYPOINT ["/leash-helper", "manager"]',
    "",
  ].join("\n");
  const entries: TarEntry[] = [
    { path: "Dockerfile", data: dockerfile },
    ...files.map((f) => ({
      path: f.name,
      data: f.data,
      mode: f.name.endsWith(".o") ? 0o644 : 0o755,
    })),
  ];
  return { tag, hash, tar: createTar(entries) };
}

/**
 * Ensures the manager image for the engine's architecture exists, building it from the
 * embedded assets of that architecture when absent. Throws `RangeError` when leash embeds no
 * helper for the engine's architecture.
 */
export async function ensureManagerImage(
  client: DockerClient,
  options: EnsureManagerImageOptions = {},
): Promise<ManagerImage> {
  const { architecture } = await engineHelper(client);
  const context = await managerImageContext(architecture);
  if (await client.images.exists(context.tag)) return { tag: context.tag, built: false };
  await client.images.build(context.tar, {
    tag: context.tag,
    onProgress: options.onProgress,
    signal: options.signal,
  });
  return { tag: context.tag, built: true };
}
