/**
 * Runs leash-entry for real: a container FROM the busybox fixture (or an image derived from
 * it), the static helper bind-mounted read-only at /leash/bin/leash-entry, a temp dir as
 * /leash (read-only) and another as /leash/drop (leash-entry's markers), exactly as a session
 * mounts them. The test plays the host's half of BOOT.
 */
import { join } from "node:path";
import { collectOutput, type DockerClient } from "../../src/docker/mod.ts";
import type { TarEntry } from "../../src/docker/mod.ts";
import { type EnforcementActiveOptions, writeEnforcementActive } from "../../src/boot/mod.ts";
import { ensureContextImage, TEST_LABELS } from "../fixtures/busybox_image.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const DIST_HELPER = join(ROOT, "bpf/dist", Deno.build.arch, "leash-helper");
/** Upper bound for a wait that should finish; only guards against a hang, never asserted. */
const HANG_GUARD_MS = 60_000;

let helperPromise: Promise<string> | undefined;

/**
 * A static leash-helper holding the entry role: `$LEASH_TEST_HELPER` when set, else
 * bpf/dist/<this arch>/leash-helper when it is newer than every source in bpf/helper/, else a fresh
 * `scripts/build-native --out` in a temp dir (the committed artifact is left alone).
 */
export function entryHelper(): Promise<string> {
  helperPromise ??= findOrBuildHelper();
  return helperPromise;
}

async function findOrBuildHelper(): Promise<string> {
  const override = Deno.env.get("LEASH_TEST_HELPER");
  if (override) return override;
  const dist = await Deno.stat(DIST_HELPER).catch(() => undefined);
  let newestSource = 0;
  for await (const entry of Deno.readDir(join(ROOT, "bpf/helper"))) {
    const stat = await Deno.stat(join(ROOT, "bpf/helper", entry.name));
    newestSource = Math.max(newestSource, stat.mtime?.getTime() ?? 0);
  }
  if (dist?.mtime && dist.mtime.getTime() >= newestSource) return DIST_HELPER;
  const out = await Deno.makeTempDir({ prefix: "leash-entry-helper-" });
  const build = await new Deno.Command("bash", {
    args: [join(ROOT, "scripts/build-native"), "--out", out, "--arch", Deno.build.arch],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!build.success) {
    throw new Error(
      `Cannot build leash-helper with scripts/build-native: ${
        new TextDecoder().decode(build.stderr)
      }`,
    );
  }
  return join(out, Deno.build.arch, "leash-helper");
}

/**
 * Builds (once, cached by content) an image FROM `base` with extra files, e.g. a fake
 * update-ca-certificates; resolves to its tag.
 */
export async function derivedImage(
  docker: DockerClient,
  base: string,
  files: TarEntry[],
): Promise<string> {
  const entries: TarEntry[] = [
    { path: "Dockerfile", data: `FROM ${base}\nCOPY rootfs/ /\n` },
    { path: "rootfs", type: "directory" },
    ...files.map((file) => ({ ...file, path: `rootfs/${file.path}` })),
  ];
  return await ensureContextImage(docker, "leash-test-entry", entries);
}

/** Options of `EntryRun.start()`. */
export interface EntryRunOptions {
  image: string;
  /** The command after `leash-entry --`. */
  cmd: string[];
  /** Container environment; LEASH_SESSION_NONCE defaults to the run's nonce (null: unset). */
  env?: Record<string, string | null>;
  /** Files put into /leash (read-only inside) before the container starts (name → content). */
  files?: Record<string, string>;
  /** Give the container a terminal, as `leash run` does when stdin is one. @default {false} */
  tty?: boolean;
  /** Run Docker's init as PID 1, so leash-entry is not PID 1. @default {false} */
  init?: boolean;
}

/** Files the host writes into /leash; every other name lives in /leash/drop. */
const HOST_FILES = new Set(["enforcement.active", "landlock.rules", "ca-cert.pem"]);

/** One leash-entry container and its /leash dir; dispose to remove both. */
export class EntryRun implements AsyncDisposable {
  readonly nonce: string;
  /** /leash on the host (read-only inside); the drop dir is its `drop/` subdir on the host. */
  readonly dir: string;
  readonly id: string;
  readonly tty: boolean;
  #docker: DockerClient;

  private constructor(docker: DockerClient, id: string, dir: string, nonce: string, tty: boolean) {
    this.#docker = docker;
    this.tty = tty;
    this.id = id;
    this.dir = dir;
    this.nonce = nonce;
  }

  /** Creates the /leash dir and starts the container. */
  static async start(docker: DockerClient, options: EntryRunOptions): Promise<EntryRun> {
    const nonce = crypto.randomUUID();
    const dir = await Deno.makeTempDir({ prefix: "leash-entry-test-" });
    await Deno.chmod(dir, 0o755);
    await Deno.mkdir(join(dir, "bin"));
    await Deno.mkdir(join(dir, "public", "drop"), { recursive: true });
    await Deno.mkdir(join(dir, "public", "bin"));
    await Deno.mkdir(join(dir, "drop"));
    await Deno.copyFile(await entryHelper(), join(dir, "bin/leash-entry"));
    await Deno.chmod(join(dir, "bin/leash-entry"), 0o755);
    for (const [name, content] of Object.entries(options.files ?? {})) {
      await Deno.writeTextFile(join(dir, "public", name), content);
    }
    const env: Record<string, string | null> = { LEASH_SESSION_NONCE: nonce, ...options.env };
    const { Id } = await docker.containers.create({
      Image: options.image,
      Entrypoint: ["/leash/bin/leash-entry", "--"],
      Cmd: options.cmd,
      Env: Object.entries(env).flatMap(([key, value]) => value === null ? [] : [`${key}=${value}`]),
      Labels: TEST_LABELS,
      Tty: options.tty ?? false,
      HostConfig: {
        Binds: [
          `${join(dir, "public")}:/leash:ro`,
          `${join(dir, "bin")}:/leash/bin:ro`,
          `${join(dir, "drop")}:/leash/drop`,
        ],
        NetworkMode: "none",
        CgroupnsMode: "host",
        ...(options.init ? { Init: true } : {}),
      },
    });
    const run = new EntryRun(docker, Id, dir, nonce, options.tty ?? false);
    try {
      await docker.containers.start(Id);
    } catch (error) {
      await run[Symbol.asyncDispose]();
      throw error;
    }
    return run;
  }

  /** Path on the host of /leash/NAME (host files) or /leash/drop/NAME (everything else). */
  path(name: string): string {
    return HOST_FILES.has(name) ? join(this.dir, "public", name) : join(this.dir, "drop", name);
  }

  /** Whether the file `path(name)` names exists now. */
  async exists(name: string): Promise<boolean> {
    return await Deno.stat(this.path(name)).then(() => true, () => false);
  }

  /** Waits until /leash/NAME exists (or the container stopped) and returns its text. */
  async waitForFile(name: string): Promise<string> {
    const start = Date.now();
    while (Date.now() - start < HANG_GUARD_MS) {
      try {
        return await Deno.readTextFile(this.path(name));
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
      if (!(await this.running())) {
        const output = await this.output();
        throw new Error(`The container stopped before writing "${name}": ${output.stderr}`);
      }
      await delay(20);
    }
    throw new Error(`"${name}" did not appear`);
  }

  /** Waits until leash-entry's stderr matches `pattern`; returns the whole stderr. */
  async waitForStderr(pattern: RegExp): Promise<string> {
    const start = Date.now();
    while (Date.now() - start < HANG_GUARD_MS) {
      const { stderr } = await this.output();
      if (pattern.test(stderr)) return stderr;
      if (!(await this.running())) {
        throw new Error(`The container stopped without printing ${pattern}: ${stderr}`);
      }
      await delay(50);
    }
    throw new Error(`stderr never matched ${pattern}`);
  }

  /** Whether the container is still running. */
  async running(): Promise<boolean> {
    return (await this.#docker.containers.inspect(this.id)).State.Running;
  }

  /** Plays the host's step 6: writes enforcement.active atomically. */
  async activate(
    layers: string[] = ["netns"],
    nonce = this.nonce,
    options: EnforcementActiveOptions = {},
  ): Promise<void> {
    await writeEnforcementActive(join(this.dir, "public"), nonce, layers, options);
  }

  /** The container's init pid on the host (for nsenter). */
  async pid(): Promise<number> {
    return (await this.#docker.containers.inspect(this.id)).State.Pid;
  }

  /** `docker stop`: SIGTERM to PID 1, SIGKILL after `graceSeconds`. */
  async stop(graceSeconds: number): Promise<void> {
    await this.#docker.containers.stop(this.id, { timeout: graceSeconds });
  }

  /** Waits for the container to stop (throws if it hangs); resolves to its exit code. */
  async exitCode(): Promise<number> {
    const guard = new AbortController();
    const timer = setTimeout(() => guard.abort(), HANG_GUARD_MS);
    try {
      return (await this.#docker.containers.wait(this.id, { signal: guard.signal })).StatusCode;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Everything the container printed so far. */
  async output(): Promise<{ stdout: string; stderr: string }> {
    return await collectOutput(await this.#docker.containers.logs(this.id, { tty: this.tty }));
  }

  /** Removes the container and the /leash dir. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.#docker.containers.remove(this.id, { force: true }).catch(() => {});
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
