/**
 * Policies of the kernel enforcement benchmark: Cedar text whose compiled IR holds exactly
 * the requested number of path entries (the kernel's path map), as a realistic mix of Dir
 * permits, File rules, forbids inside permitted trees and exec permits. Every policy lets
 * the workload read SHORT_PATH and DEEP_PATH and exec WORKLOAD_PATH, and denies
 * DENIED_PATH (a forbid inside the permitted /work/ tree).
 */
import { compilePolicy } from "../../../src/policy/compile.ts";
import { encodeKernelMaps } from "../../../src/native/kernel_maps.ts";

/** A file the open loop reads: 2 components. */
export const SHORT_PATH = "/work/a";
/** A file the open loop reads: 16 components. */
export const DEEP_PATH = `/work/project/${
  Array.from({ length: 13 }, (_, i) => `d${i + 1}`).join("/")
}/file.txt`;
/** A file the open loop reads: 2 components, as many bytes as DEEP_PATH. */
export const LONG_PATH = `/work/${"n".repeat(DEEP_PATH.length - "/work/".length)}`;
/** Where the workload binary lives in the VM (exec permitted). */
export const WORKLOAD_PATH = "/opt/bench/leash-bench";
/** A file every policy with path rules forbids. */
export const DENIED_PATH = "/work/project/secrets/key";

const READ = `Action::"FileOpenReadOnly"`;
const READ_WRITE = `Action::"FileOpen", ${READ}, Action::"FileOpenReadWrite"`;

/** The statements every policy with path rules has (4 path entries). */
const FIXED = [
  `@id("proc") permit (principal, action in [${READ}], resource) when { resource in Dir::"/proc/" };`,
  `@id("work") permit (principal, action in [${READ_WRITE}], resource) when { resource in Dir::"/work/" };`,
  `@id("secrets") forbid (principal, action in [${READ_WRITE}], resource) when { resource in Dir::"/work/project/secrets/" };`,
  `@id("bench-bin") permit (principal, action == Action::"ProcessExec", resource) when { resource in Dir::"/opt/bench/" };`,
];

/** Cedar text for a policy with `pathRules` kernel path entries (0: one unconditioned permit). */
export function benchPolicyText(pathRules: number): string {
  if (pathRules === 0) {
    return `@id("all") permit (principal, action in [${READ_WRITE}, Action::"ProcessExec"], resource);\n`;
  }
  if (pathRules < FIXED.length) {
    throw new RangeError(`Cannot generate ${pathRules} path rules: at least ${FIXED.length}`);
  }
  const out = [...FIXED];
  for (let i = 0; out.length < pathRules; i++) {
    const id = `@id("r${i}")`;
    switch (i % 10) {
      case 0:
      case 1:
      case 2:
        out.push(
          `${id} permit (principal, action in [${READ}], resource) ` +
            `when { resource in Dir::"/srv/app${i}/" };`,
        );
        break;
      case 3:
        out.push(
          `${id} permit (principal, action in [${READ_WRITE}], resource) ` +
            `when { resource in Dir::"/home/dev/proj${i}/" };`,
        );
        break;
      case 4:
      case 5:
        out.push(
          `${id} permit (principal, action in [${READ}], resource) ` +
            `when { resource in File::"/etc/app/conf${i}.toml" };`,
        );
        break;
      case 6: /* a forbid inside the tree permitted at i - 3 */
        out.push(
          `${id} forbid (principal, action == Action::"FileOpenReadWrite", resource) ` +
            `when { resource in Dir::"/home/dev/proj${i - 3}/.git/" };`,
        );
        break;
      case 7: /* a forbid of one file inside the tree permitted at i - 7 */
        out.push(
          `${id} forbid (principal, action in [${READ}], resource) ` +
            `when { resource in File::"/srv/app${i - 7}/.env" };`,
        );
        break;
      case 8:
        out.push(
          `${id} permit (principal, action == Action::"ProcessExec", resource) ` +
            `when { resource in File::"/usr/local/bin/tool${i}" };`,
        );
        break;
      default:
        out.push(
          `${id} permit (principal, action == Action::"ProcessExec", resource) ` +
            `when { resource in Dir::"/opt/tools${i}/bin/" };`,
        );
    }
  }
  return out.join("\n") + "\n";
}

/** A compiled and encoded benchmark policy. */
export interface BenchMaps {
  statements: number;
  pathEntries: number;
  maps: Uint8Array;
}

/** Compiles the policy for `pathRules` with the production compiler and encoder. */
export function benchMaps(pathRules: number): BenchMaps {
  const text = benchPolicyText(pathRules);
  const { ir } = compilePolicy(text, { file: `bench-${pathRules}.cedar` });
  if (ir.file.entries.length !== pathRules) {
    throw new Error(
      `Cannot build the ${pathRules}-rule policy: it compiled to ${ir.file.entries.length} path entries`,
    );
  }
  return {
    statements: text.trim().split("\n").length,
    pathEntries: ir.file.entries.length,
    maps: encodeKernelMaps(ir, { generation: pathRules + 1 }),
  };
}
