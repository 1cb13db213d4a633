/** The target's create options for one session: what `leash run` was asked, the transport's binds, the masks. */
import type { SessionTransport } from "../transport/mod.ts";
import type { TargetConfigOptions } from "./containers.ts";
import { targetOptions } from "./containers.ts";
import { trustedFileMasks } from "./masks.ts";
import type { SessionPaths } from "./paths.ts";
import type { RunIo, RunOptions } from "./run_options.ts";

/** What {@linkcode targetInput} needs besides the options and paths. */
export interface TargetInputContext {
  nonce: string;
  transport: SessionTransport;
  /** The policy file in effect (undefined: built-in), masked read-only in the target. */
  policyPath: string | undefined;
}

/**
 * The target's options (user unresolved): the transport's binds for /leash and the workspace,
 * and read-only masks over files leash trusts. Masks guard this machine's files seen through
 * binds; a transport without host paths shows the target none (the workspace is a copy).
 */
export async function targetInput(
  o: RunOptions,
  io: Pick<RunIo, "cwd" | "stdio" | "dirs" | "privateDir">,
  paths: SessionPaths,
  context: TargetInputContext,
): Promise<TargetConfigOptions> {
  const { transport } = context;
  return {
    ...targetOptions(o, io, paths, context.nonce),
    sessionBinds: transport.targetBinds(io.cwd),
    masks: !transport.hostPaths ? [] : await trustedFileMasks({
      policyPath: context.policyPath,
      cwd: await Deno.realPath(io.cwd),
      dirs: io.dirs,
      privateDir: io.privateDir,
      volumes: o.volumes,
      empty: paths.empty,
    }),
  };
}
