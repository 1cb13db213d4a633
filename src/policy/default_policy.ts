/** The policy built into leash, and the choice of which policy is in effect. */

/** The label of the built-in policy in messages. */
export const DEFAULT_POLICY_LABEL = "built-in default policy";

/**
 * The built-in policy: deny by default; the workspace read-write; system directories
 * read-only; standard bin directories executable; no network (presets add hosts).
 */
export const DEFAULT_POLICY =
  `// leash built-in default policy: everything not permitted here is denied.

@id("default-workspace-rw")
permit (principal, action == Action::"FileOpen", resource in Dir::"/workspace/");

@id("default-tmp-rw")
permit (principal, action == Action::"FileOpen", resource)
when { resource in [Dir::"/tmp/", Dir::"/var/tmp/", Dir::"/dev/shm/"] };

@id("default-home-rw")
permit (principal, action == Action::"FileOpen", resource)
when { resource in [Dir::"/root/", Dir::"/home/"] };

@id("default-devices-rw")
permit (principal, action == Action::"FileOpen", resource)
when { resource in [File::"/dev/null", File::"/dev/zero", File::"/dev/tty", File::"/dev/urandom", File::"/dev/random", File::"/dev/full", Dir::"/dev/pts/", Dir::"/proc/self/", Dir::"/proc/thread-self/"] };

@id("default-system-ro")
permit (principal, action == Action::"FileOpenReadOnly", resource)
when {
  resource in [Dir::"/usr/", Dir::"/bin/", Dir::"/sbin/", Dir::"/lib/", Dir::"/lib32/", Dir::"/lib64/",
    Dir::"/libx32/", Dir::"/etc/", Dir::"/opt/", Dir::"/proc/", Dir::"/sys/", Dir::"/dev/", Dir::"/run/",
    Dir::"/var/lib/", Dir::"/leash/"]
};

@id("default-bin-exec")
permit (principal, action == Action::"ProcessExec", resource)
when {
  resource in [Dir::"/usr/bin/", Dir::"/usr/sbin/", Dir::"/bin/", Dir::"/sbin/", Dir::"/usr/local/bin/",
    Dir::"/usr/lib/", Dir::"/usr/libexec/", Dir::"/leash/bin/"]
};
`;

/** The policy in effect and where it came from. */
export interface PolicyChoice {
  text: string;
  /** Names the source: a file path or {@linkcode DEFAULT_POLICY_LABEL}. */
  label: string;
  /** The file it was read from; undefined for the built-in policy. */
  path?: string;
}

/**
 * Reads files for {@linkcode choosePolicy}: text, or undefined when the file does not exist;
 * any other failure throws (see `policyFileReader()`).
 */
export interface PolicyFileReader {
  readTextFile(path: string): Promise<string | undefined>;
}

/** Options for {@linkcode choosePolicy}. */
export interface ChoosePolicyOptions {
  /** The `--policy` flag value. @default undefined */
  flag?: string | undefined;
  /** Directory searched for `leash.cedar`. @default "." */
  cwd?: string;
}

/**
 * Picks the policy in effect: `--policy FILE` > `./leash.cedar` > the built-in default.
 * Throws when the flag names a file that does not exist, and whatever `reader` throws (a file
 * that exists but cannot be read never falls back to the default).
 */
export async function choosePolicy(
  reader: PolicyFileReader,
  options: ChoosePolicyOptions = {},
): Promise<PolicyChoice> {
  if (options.flag !== undefined) {
    const text = await reader.readTextFile(options.flag);
    if (text === undefined) {
      throw new Error(`Cannot read policy "${options.flag}": no such file`);
    }
    return { text, label: options.flag, path: options.flag };
  }
  const local = `${options.cwd ?? "."}/leash.cedar`;
  const text = await reader.readTextFile(local);
  if (text !== undefined) return { text, label: local, path: local };
  return { text: DEFAULT_POLICY, label: DEFAULT_POLICY_LABEL };
}
