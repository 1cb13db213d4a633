/**
 * What the session says about its containment before the command starts: the exec forbids
 * that cannot hold (refused with `--strict`) and the banner's exec and limits lines.
 */
import { BootError } from "../boot/mod.ts";
import type { ContainerPathStat } from "../docker/mod.ts";
import type { PolicyIr } from "../policy/mod.ts";
import { type Containment, renderExecGuards } from "./containment.ts";
import { engineExecFs, execLinkWarnings, rootExecFs } from "./exec_links.ts";
import { renderLimits, type TargetLimits } from "./limits.ts";
import { noexecMounts } from "./mountinfo.ts";
import type { SessionLayer } from "./posture.ts";

/**
 * Resolves the policy's exec forbids in the target's filesystem: through `/proc/<pid>/root`
 * when this host can read it (root), else through the engine's path stat; returns the
 * warnings, or throws `BootError` with them when `strict`.
 */
export async function checkExecLinks(
  ir: PolicyIr,
  target: { pid: number; stat: (path: string) => Promise<ContainerPathStat | undefined> },
  strict: boolean,
): Promise<string[]> {
  const forbids = ir.file.entries.some((e) =>
    e.exec.decision === "deny" && e.exec.rules.length > 0
  );
  if (!forbids) return [];
  const root = `/proc/${target.pid}/root`;
  const readable = await Deno.lstat(`${root}/`).then(() => true, () => false);
  const fs = readable ? rootExecFs(root) : engineExecFs(target.stat);
  const warnings = await execLinkWarnings(ir, fs);
  if (strict && warnings.length > 0) {
    throw new BootError(
      `Cannot start the session with --strict: ${warnings.join("; ")}`,
      "activation",
    );
  }
  return warnings;
}

/** The banner's lines on exec guards and limits. */
export function containmentLines(
  containment: ExecView,
  layers: readonly SessionLayer[],
  guards: { memfd: string | undefined; mappings: string | undefined },
  limits: TargetLimits | undefined,
): string[] {
  const landlock = layers.some((l) => l.name === "landlock" && l.status !== "off");
  const lines = [`  exec guards: ${renderExecGuards(containment, { ...guards, landlock })}`];
  if (containment.masked.length > 0) {
    lines.push(`  masked (forbidden): ${containment.masked.map((m) => `"${m}"`).join(", ")}`);
  }
  lines.push(`  limits: ${limits ? renderLimits(limits) : "none"}`);
  return lines;
}

/** What the banner says about exec: the containment with its noexec binds checked. */
export type ExecView = Pick<Containment, "noexec" | "execMounts" | "masked">;

/**
 * Checks in the target's mountinfo that leash-entry made each of `noexecBinds` noexec; those
 * it did join `noexec`, the others `execMounts` with the reason.
 */
export async function verifyNoexec(containment: Containment, targetPid: number): Promise<ExecView> {
  const view: ExecView = {
    noexec: [...containment.noexec],
    execMounts: [...containment.execMounts],
    masked: containment.masked,
  };
  if (containment.noexecBinds.length === 0) return view;
  let text: string | undefined;
  try {
    text = await Deno.readTextFile(`/proc/${targetPid}/mountinfo`);
  } catch {
    text = undefined;
  }
  const found = noexecMounts(text ?? "", containment.noexecBinds);
  for (const [path, noexec] of found) {
    if (noexec) view.noexec.push(path);
    else {
      view.execMounts.push({
        path,
        why: text === undefined
          ? "cannot read the target's mountinfo to check it"
          : "leash-entry could not remount it noexec, see target.log",
      });
    }
  }
  return view;
}

/** What {@linkcode containmentReport} needs of the session. */
export interface ContainmentReportOptions {
  ir: PolicyIr;
  /** The target's init on the host. */
  pid: number;
  /** The engine's path stat in the target (for a host that cannot read its root). */
  stat: (path: string) => Promise<ContainerPathStat | undefined>;
  /** `--strict`: an exec forbid that cannot hold refuses the session. */
  strict: boolean;
  containment: Containment;
  layers: readonly SessionLayer[];
  /** leash-entry's memfd guard, as bootstrap.ready reported it. */
  memfd: string | undefined;
  /** The manager's `exec_mappings` answer (kernel-lsm's mmap hooks), when a string. */
  mappings: unknown;
  limits: TargetLimits | undefined;
}

/**
 * Before the command starts: the exec forbids that cannot hold (warnings; `BootError` when
 * strict) and the banner's exec-guard and limits lines, with the noexec mounts checked in the
 * target.
 */
export async function containmentReport(
  o: ContainmentReportOptions,
): Promise<{ warnings: string[]; lines: string[] }> {
  const warnings = await checkExecLinks(o.ir, { pid: o.pid, stat: o.stat }, o.strict);
  const view = await verifyNoexec(o.containment, o.pid);
  const lines = containmentLines(view, o.layers, {
    memfd: o.memfd,
    mappings: typeof o.mappings === "string" ? o.mappings : undefined,
  }, o.limits);
  return { warnings, lines };
}
