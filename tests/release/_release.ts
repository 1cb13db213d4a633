/**
 * Harness of the release tier: builds the self-extracting file once per run with
 * scripts/release, and runs a copy of it alone, as a user who has nothing else would: an
 * empty directory, an empty HOME, no .tools, no DENO_DIR, only PATH, inside a new network
 * namespace (`unshare -n`) whose only interface is lo. The Docker socket is a unix socket,
 * so sessions still reach the engine.
 */
import { join } from "node:path";

const ROOT = new URL("../../", import.meta.url).pathname;

/** Why the tier cannot run here, or undefined when it can. */
export async function cannotRun(): Promise<string | undefined> {
  if (Deno.uid() !== 0) return "unshare -n needs root";
  for (const tool of ["unshare", "ip"]) {
    const found = await new Deno.Command("sh", { args: ["-c", `command -v ${tool}`] }).output();
    if (!found.success) return `"${tool}" is missing (util-linux, iproute2)`;
  }
  return undefined;
}

/**
 * The kind the tier builds and tests: `compiled` when DENORT_BIN names a denort (scripts/release
 * then runs `deno compile`), else `self-extracting`. The same tests run on both; the launcher's
 * own tests only on the self-extracting file.
 */
export const KIND: "compiled" | "self-extracting" = Deno.env.get("DENORT_BIN")
  ? "compiled"
  : "self-extracting";

const built = new Map<string, Promise<string>>();

/**
 * Path of the release file for `arch` built from this clone (built once per test run; the
 * aarch64 one always self-extracting: DENORT_BIN is this machine's denort).
 */
export function releaseFile(arch: "x86_64" | "aarch64" = "x86_64"): Promise<string> {
  let file = built.get(arch);
  if (file) return file;
  file = (async () => {
    const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "lrel-build-" });
    globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
    const file = join(dir, `leash-linux-${arch}`);
    // Without DENORT_BIN (unset, not empty): the self-extracting kind.
    const env = Deno.env.toObject();
    if (KIND === "self-extracting" || arch !== "x86_64") delete env.DENORT_BIN;
    const out = await new Deno.Command("bash", {
      args: [
        join(ROOT, "scripts/release"),
        "--target",
        `${arch}-unknown-linux-gnu`,
        "--output",
        file,
      ],
      clearEnv: true,
      env,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) {
      throw new Error(`scripts/release failed: ${new TextDecoder().decode(out.stderr)}`);
    }
    return file;
  })();
  built.set(arch, file);
  return file;
}

/** A fresh user: an empty HOME and an empty dir holding nothing but a copy of the file. */
export interface User {
  root: string;
  home: string;
  /** The directory holding only `leash` (the copy); the commands' cwd. */
  dir: string;
  leash: string;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Makes a fresh user with a copy of `file` (default: the built release) as `leash`. */
export async function freshUser(file?: string): Promise<User> {
  // Short: leash's runtime sockets sit under HOME and unix socket paths are limited.
  const root = await Deno.makeTempDir({ dir: "/tmp", prefix: "lrel-" });
  const home = join(root, "h");
  const dir = join(root, "w");
  await Deno.mkdir(home);
  await Deno.mkdir(dir);
  const leash = join(dir, "leash");
  await Deno.copyFile(file ?? await releaseFile(), leash);
  await Deno.chmod(leash, 0o755);
  return {
    root,
    home,
    dir,
    leash,
    async [Symbol.asyncDispose]() {
      await Deno.remove(root, { recursive: true }).catch(() => {});
    },
  };
}

/** What one run of the release file printed and returned. */
export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options for {@linkcode runOffline}. */
export interface RunOfflineOptions {
  /** Extra environment variables (beside PATH and HOME). @default {} */
  env?: Record<string, string>;
  /** PATH. @default "/usr/bin:/bin:/usr/sbin:/sbin" */
  path?: string;
}

/** Runs `./leash ARGS...` as `user`, with no network (a new netns with lo up). */
export function spawnOffline(
  user: User,
  args: string[],
  options: RunOfflineOptions = {},
): Deno.ChildProcess {
  return new Deno.Command("unshare", {
    args: ["-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", "./leash", ...args],
    cwd: user.dir,
    clearEnv: true,
    env: {
      PATH: options.path ?? "/usr/bin:/bin:/usr/sbin:/sbin",
      HOME: user.home,
      NO_COLOR: "1",
      ...options.env,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** {@linkcode spawnOffline} and waits for the output. */
export async function runOffline(
  user: User,
  args: string[],
  options: RunOfflineOptions = {},
): Promise<Ran> {
  const out = await spawnOffline(user, args, options).output();
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/** The default per-user cache dir the launcher extracts into. */
export function cacheDir(user: User): string {
  return join(user.home, ".cache", "leash", "release");
}

/** Hex SHA-256 of a file of the clone (e.g. `bpf/dist/x86_64/leash-helper`). */
export async function cloneSha256(rel: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(join(ROOT, rel)));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
