/**
 * Trust in a workspace's `./leash.cedar` (issue 10 class 3), as direnv trusts an `.envrc`: the
 * agent may write the workspace, so a `./leash.cedar` new or changed since the user last
 * trusted it is not used until `leash policy trust FILE` records its path and content hash in
 * the user's data dir, outside the workspace (and read-only in the target when inside a mount).
 */
import { join } from "node:path";
import { ensurePrivateDir, lstatOrUndefined, writeFileAtomic } from "../fs/mod.ts";
import type { LeashDirs } from "./paths.ts";

/** A `./leash.cedar` the user has not trusted in this content. */
export class UntrustedPolicyError extends Error {
  override name = "UntrustedPolicyError";
}

/** Where trusted policies are recorded: one file per (real path, content hash). */
export function trustStoreDir(dirs: Pick<LeashDirs, "data">): string {
  return join(dirs.data, "trusted-policies");
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The policy's real path, content hash and its entry's name in the store. */
async function fingerprint(path: string, text: string) {
  const real = await Deno.realPath(path);
  const sha256 = await sha256Hex(text);
  return { real, sha256, entry: await sha256Hex(`${real}\0${sha256}`) };
}

/** Whether `path` with exactly `text` was trusted by `leash policy trust`. */
export async function isPolicyTrusted(
  dirs: Pick<LeashDirs, "data">,
  path: string,
  text: string,
): Promise<boolean> {
  const { entry } = await fingerprint(path, text);
  const stat = await lstatOrUndefined(join(trustStoreDir(dirs), entry));
  return stat?.isFile === true;
}

/** Throws {@linkcode UntrustedPolicyError} (one line: the file and the command) unless trusted. */
export async function requireTrustedPolicy(
  dirs: Pick<LeashDirs, "data">,
  path: string,
  text: string,
): Promise<void> {
  if (await isPolicyTrusted(dirs, path, text)) return;
  const real = await Deno.realPath(path);
  throw new UntrustedPolicyError(
    `Refusing to use policy "${real}": it is new or changed since you last trusted it; review it, then run "leash policy trust ${real}"`,
  );
}

/** Records `path`'s current content as trusted; resolves to its real path and SHA-256. */
export async function trustPolicy(
  dirs: Pick<LeashDirs, "data">,
  path: string,
  text: string,
): Promise<{ path: string; sha256: string }> {
  const { real, sha256, entry } = await fingerprint(path, text);
  const dir = trustStoreDir(dirs);
  await ensurePrivateDir(dir, `run chmod 700 "${dir}"`);
  await writeFileAtomic(
    join(dir, entry),
    JSON.stringify({ path: real, sha256, trusted: new Date().toISOString() }) + "\n",
    { mode: 0o600 },
  );
  return { path: real, sha256 };
}
