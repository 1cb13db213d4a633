/**
 * The containment session's host files (issue 10): a directory mounted at /contain holding a
 * payload the policy never lets execute, an LD_PRELOAD library, and a forbidden subtree
 * (`secret/key`, with a known mode, mtime and extended attribute the judges re-read on the
 * host) and one forbidden for writing only (`ro/notes.txt`), plus the static probe mounted at /usr/local/bin/containprobe. Built once, on first use
 * (the session specs are synchronous), removed when the test process ends.
 */
import { join } from "node:path";

/** Paths of the fixture on the host. */
export interface ContainFixture {
  /** Mounted at /contain. */
  data: string;
  /** The static probe (mounted into the target, also run on the host). */
  probe: string;
  /** The forbidden file and its directory. */
  key: string;
  secret: string;
  /** A file forbidden for writing only (readable), its mode and mtime as created. */
  readOnly: string;
  readOnlyMode: number;
  readOnlyMtime: number;
  /** The forbidden file's size, mtime (s) and mode as created. */
  keySize: number;
  keyMtime: number;
  keyMode: number;
  secretMode: number;
}

let built: ContainFixture | undefined;

const TOOLS = new URL("./tools/", import.meta.url).pathname;

/** The fixture, built on first call. */
export function containFixture(): ContainFixture {
  if (built) return built;
  const dir = Deno.makeTempDirSync({ prefix: "leash-adv-contain-" });
  globalThis.addEventListener("unload", () => {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch { /* already gone */ }
  });
  const data = join(dir, "data");
  const secret = join(data, "secret");
  Deno.mkdirSync(secret, { recursive: true });
  const probe = join(dir, "containprobe");
  gcc(["-static", "-O2", "-Wall", "-Werror", "-o", probe, `${TOOLS}containprobe.c`]);
  gcc(["-O2", "-Wall", "-Werror", "-o", join(data, "payload"), `${TOOLS}payload.c`]);
  gcc([
    "-shared",
    "-fPIC",
    "-O2",
    "-Wall",
    "-Werror",
    "-o",
    join(data, "preload.so"),
    `${TOOLS}preload.c`,
  ]);
  // The payload must work where it is allowed to, or a refusal would prove nothing.
  const control = run(join(data, "payload"), []);
  if (!control.includes("LEASH-PAYLOAD-RAN")) {
    throw new Error(`The containment payload does not print its token on the host: ${control}`);
  }
  const key = join(secret, "key");
  const readOnly = join(data, "ro", "notes.txt");
  const f = {
    data,
    readOnly,
    readOnlyMode: 0o644,
    readOnlyMtime: 1222222222,
    probe,
    key,
    secret,
    keySize: 7777,
    keyMtime: 1111111111,
    keyMode: 0o640,
    secretMode: 0o750,
  };
  Deno.writeFileSync(key, new Uint8Array(f.keySize).fill(107));
  Deno.chmodSync(key, f.keyMode);
  Deno.utimeSync(key, f.keyMtime, f.keyMtime);
  const marked = run(probe, ["mark", key]);
  if (!marked.includes("mark=ok")) throw new Error(`Cannot set the fixture's xattr: ${marked}`);
  Deno.chmodSync(secret, f.secretMode);
  Deno.mkdirSync(join(data, "ro"));
  Deno.writeTextFileSync(readOnly, "readable notes\n");
  Deno.chmodSync(readOnly, f.readOnlyMode);
  Deno.utimeSync(readOnly, f.readOnlyMtime, f.readOnlyMtime);
  built = f;
  return f;
}

/** The forbidden file's xattr `user.leash-adv` as the host reads it. */
export function keyXattr(f: ContainFixture): string {
  return run(f.probe, ["getxattr", f.key, "user.leash-adv"]).trim();
}

function gcc(args: string[]): void {
  const result = new Deno.Command("gcc", { args, stderr: "piped" }).outputSync();
  if (!result.success) {
    throw new Error(
      `Cannot build a containment tool: gcc ${args.join(" ")}: ${
        new TextDecoder().decode(result.stderr)
      }`,
    );
  }
}

function run(program: string, args: string[]): string {
  const result = new Deno.Command(program, { args, stderr: "piped" }).outputSync();
  return new TextDecoder().decode(result.stdout) + new TextDecoder().decode(result.stderr);
}
