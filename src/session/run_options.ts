/** What `leash run` passes to a session: the request and the process around it. */
import type { DockerClient } from "../docker/mod.ts";
import type { RotatingLogOptions } from "../events/mod.ts";
import type { LayerName } from "../posture/mod.ts";
import type { TargetLimits } from "./limits.ts";
import type { LeashDirs } from "./paths.ts";
import type { HostStdio } from "./stdio.ts";
import type { UpstreamSettings } from "./upstreams.ts";

/** Everything `leash run` was asked. */
export interface RunOptions {
  /** Image from `--image` or `LEASH_TARGET_IMAGE`. */
  image: string;
  command: string[];
  policyFlag?: string | undefined;
  mode: "record" | "shadow" | "enforce";
  env: string[];
  volumes: string[];
  workdir?: string | undefined;
  user?: string | undefined;
  require: string[];
  /** `--allow-degraded`: start even when no layer enforces the file/exec rules. @default false */
  allowDegraded?: boolean | undefined;
  bootstrapTimeoutS: number;
  secrets: string[];
  /** Secrets made from `secrets` with a prefix (an agent's `Bearer KEY`). @default none */
  derivedSecrets?: readonly { name: string; from: string; prefix: string }[] | undefined;
  /**
   * An agent preset's policy (`leash claude`): used instead of `--policy`/`./leash.cedar`/the
   * built-in one, with the working directory added read-write. `path` is a user file it holds
   * (kept read-only inside). @default none
   */
  presetPolicy?: { text: string; label: string; path?: string | undefined } | undefined;
  /** Allocate a TTY (stdin is a terminal and not `-I`). */
  tty: boolean;
  /**
   * `--listen`: the control UI's address; "" turns the UI off. @default 127.0.0.1:18080, or a
   * free loopback port when that one is taken
   */
  listen?: string | undefined;
  /** `--pids-limit`, `--memory`, `--cpus` (defaults applied). @default no limits */
  limits?: TargetLimits | undefined;
  /** `--strict`: refuse to start when a forbid cannot hold (e.g. it names a symlink). */
  strict?: boolean | undefined;
  /** `LEASH_DISABLE_LAYERS` (diagnostic): manager layers not to attach. @default none */
  disabledLayers?: LayerName[] | undefined;
}

/**
 * Signals a session acts on: SIGINT is passed to the command, SIGTERM and SIGHUP (the
 * terminal went away) stop it, SIGWINCH resizes its terminal.
 */
export type SessionSignal = "SIGINT" | "SIGTERM" | "SIGHUP" | "SIGWINCH";

/** The process around the session: terminal, signals, directories (real in the CLI). */
export interface RunIo {
  docker: DockerClient;
  dirs: LeashDirs;
  cwd: string;
  /** `LEASH_PRIVATE_DIR`: where the CA key lives. @default {dirs.data/ca} */
  privateDir?: string | undefined;
  /** `LEASH_ENTRY_BINARY`: a leash-entry build to use instead of the embedded helper. */
  entryBinary?: string | undefined;
  /** `LEASH_SESSION_TRANSPORT`: force bind mounts or the archive transport. @default {by engine} */
  sessionTransport?: "bind-mount" | "archive" | undefined;
  /** `LEASH_RELAY_ADDRESS`: the archive transport's relay address. @default {relayAddress()'s choice} */
  relayAddress?: string | undefined;
  /** `LEASH_UPSTREAM_CA` and `LEASH_UPSTREAM_HOSTS` (test/advanced). @default none */
  upstream?: UpstreamSettings | undefined;
  /** `LEASH_EVENTS_MAX_MB` / `LEASH_EVENTS_FILES`: events.ndjson's size cap. @default 64 MiB × 4 */
  eventsRotation?: RotatingLogOptions | undefined;
  /** Progress and posture lines (stderr). */
  note(text: string): Promise<void>;
  stdio: HostStdio;
  /**
   * Calls `handler` for SIGINT/SIGTERM (and SIGWINCH and SIGHUP with a TTY); returns the
   * unsubscriber.
   */
  onSignal(handler: (signal: SessionSignal) => void): () => void;
  /** The terminal's size (TTY sessions). */
  consoleSize?: () => { rows: number; columns: number } | undefined;
  /** Puts the terminal in raw mode (TTY sessions); returns the restorer. */
  setRaw?: () => () => void;
}
