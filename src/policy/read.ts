/**
 * Reading a policy file: the one way `leash run` (its `--policy` and `./leash.cedar`) and
 * `leash policy` read one, so a file that exists but cannot be read is an error naming it
 * everywhere, never taken for an absent file.
 */
import { MAX_POLICY_BYTES } from "./compile.ts";
import { type PolicyDiagnostic, PolicyError } from "./errors.ts";
import type { PolicyFileReader } from "./default_policy.ts";

/** The file-system calls reading a policy needs (the real ones, or a fake in tests). */
export interface PolicyFs {
  stat(path: string): Promise<{ isDirectory: boolean; size: number }>;
  readFile(path: string): Promise<Uint8Array>;
}

/** The real file system. */
export const DENO_POLICY_FS: PolicyFs = {
  stat: (path) => Deno.stat(path),
  readFile: (path) => Deno.readFile(path),
};

/**
 * Reads policy `file` as text. Throws an `Error` naming the file when it is missing ("no such
 * file", with the `Deno.errors.NotFound` as its cause), unreadable or a directory, and a located
 * `PolicyError` when it is too large or not UTF-8.
 */
export async function readPolicyFile(file: string, fs: PolicyFs = DENO_POLICY_FS): Promise<string> {
  let bytes: Uint8Array;
  try {
    const info = await fs.stat(file);
    if (info.isDirectory) throw new Error(`Cannot read policy "${file}": it is a directory`);
    if (info.size > MAX_POLICY_BYTES) {
      throw new PolicyError([
        located(
          file,
          `Policy is too large: ${info.size} bytes, the limit is ${MAX_POLICY_BYTES}`,
          "split it or remove generated rules",
        ),
      ]);
    }
    bytes = await fs.readFile(file);
  } catch (error) {
    if (
      error instanceof PolicyError ||
      !(error instanceof Deno.errors.NotFound || error instanceof Deno.errors.PermissionDenied)
    ) {
      throw error;
    }
    const why = error instanceof Deno.errors.NotFound ? "no such file" : "permission denied";
    throw new Error(`Cannot read policy "${file}": ${why}`, { cause: error });
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (error) {
    throw new PolicyError([
      located(file, "Policy is not text: it is not valid UTF-8", "pass a Cedar text file"),
    ], { cause: error });
  }
}

/**
 * A {@linkcode PolicyFileReader} over {@linkcode readPolicyFile}: only a file that does not
 * exist reads as absent (undefined); every other failure throws.
 */
export function policyFileReader(fs: PolicyFs = DENO_POLICY_FS): PolicyFileReader {
  return {
    async readTextFile(path) {
      try {
        return await readPolicyFile(path, fs);
      } catch (error) {
        if (error instanceof Error && error.cause instanceof Deno.errors.NotFound) return undefined;
        throw error;
      }
    },
  };
}

function located(file: string, message: string, hint: string): PolicyDiagnostic {
  return { severity: "error", file, line: 1, col: 1, message, hint };
}
