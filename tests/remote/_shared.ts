/**
 * One remote engine per test file, started by the first test that needs it and removed by the
 * file's last test (or, if that one is filtered out, when the process unloads), plus the
 * helpers the tests share: a client for an environment, running leash's CLI against it.
 */
import { DockerClient } from "../../src/docker/mod.ts";
import { ensureBusyboxImage } from "../fixtures/busybox_image.ts";
import { type RemoteEngine, startRemoteEngine } from "./_engine.ts";

/** Why the tier cannot run here, or undefined (printed once as the reason for `ignore`). */
export const MISSING = missingPrerequisite();
if (MISSING) Deno.stderr.writeSync(new TextEncoder().encode(`remote tier: ignored: ${MISSING}\n`));

/** Lazily starts the file's engine, loaded with the busybox test image. */
export function remoteEngine(): Promise<RemoteEngine & { busybox: string }> {
  return started ??= (async () => {
    let busybox: string;
    {
      using host = await DockerClient.connect();
      busybox = await ensureBusyboxImage(host);
    }
    const engine = await startRemoteEngine({ images: [busybox] });
    addEventListener("unload", () => {
      // The last test did not run (a filter): remove the engine with the CLI, synchronously.
      new Deno.Command("docker", {
        args: ["rm", "-fv", engine.container],
        stderr: "null",
        stdout: "null",
      })
        .outputSync();
    });
    return { ...engine, busybox };
  })();
}
let started: Promise<RemoteEngine & { busybox: string }> | undefined;

/** Removes the file's engine if it was started. */
export async function stopRemoteEngine(): Promise<void> {
  if (started) await (await started.catch(() => undefined))?.close();
  started = undefined;
}

/** A client for the engine `env` names (DOCKER_HOST and the TLS or ssh variables). */
export async function clientFor(env: Record<string, string>): Promise<DockerClient> {
  return await DockerClient.connect({ env: (name) => env[name] });
}

/** What a finished command printed. */
export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs leash from source with `env` and none of this process's Docker or leash variables. */
export async function leash(args: string[], env: Record<string, string>): Promise<Result> {
  const home = await Deno.makeTempDir({ prefix: "leash-remote-home-" });
  try {
    const output = await leashCommand(args, env, home).output();
    const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
    return { code: output.code, stdout: text(output.stdout), stderr: text(output.stderr) };
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

/**
 * The command that runs leash from source in `cwd` with `env`; leash's state and runtime dirs
 * under `home` (default `cwd`), stdin closed, output piped.
 */
export function leashCommand(
  args: string[],
  env: Record<string, string>,
  cwd: string,
  home = cwd,
): Deno.Command {
  const main = new URL("../../main.ts", import.meta.url).pathname;
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--quiet", main, ...args],
    cwd,
    clearEnv: true,
    env: {
      ...inherited(),
      XDG_STATE_HOME: `${home}/state`,
      XDG_RUNTIME_DIR: home,
      NO_COLOR: "1",
      ...env,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
}

/** This process's environment without DOCKER_* and LEASH_* (HOME and Deno's cache stay). */
function inherited(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(Deno.env.toObject()).filter(([name]) => !/^(DOCKER|LEASH)_/.test(name)),
  );
}

function missingPrerequisite(): string | undefined {
  for (const tool of ["openssl", "ssh", "ssh-keygen", "docker"]) {
    const found = (Deno.env.get("PATH") ?? "").split(":").some((dir) => {
      try {
        return Deno.statSync(`${dir}/${tool}`).isFile;
      } catch {
        return false;
      }
    });
    if (!found) {
      return `${tool} is missing; install openssl, openssh-client and docker.io (apt-get install openssl openssh-client docker.io)`;
    }
  }
  return undefined;
}
