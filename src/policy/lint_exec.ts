/** The lint on exec forbids naming a file: the kernel judges the file exec runs, links resolved. */
import type { IrCondition, IrEntityRef, IrRule } from "./ir.ts";
import type { Lint } from "./lint.ts";

/** Files a condition names with `==` or `in`, also inside `&&`/`||` (not under `!`). */
function namedFiles(cond: IrCondition): IrEntityRef[] {
  if ("resource_eq" in cond) return cond.resource_eq.type === "File" ? [cond.resource_eq] : [];
  if ("resource_in" in cond) return cond.resource_in.type === "File" ? [cond.resource_in] : [];
  if ("all" in cond) return cond.all.flatMap(namedFiles);
  if ("any" in cond) return cond.any.flatMap(namedFiles);
  return [];
}

/**
 * One note per ProcessExec forbid naming a file: exec is judged by the file that runs after
 * every symlink is resolved, so a forbid on an applet link or one name of a multi-call binary
 * does not hold.
 */
export function execForbidLints(rules: readonly IrRule[]): Lint[] {
  const out: Lint[] = [];
  for (const rule of rules) {
    if (rule.effect !== "forbid" || !rule.actions.includes("ProcessExec")) continue;
    for (const file of namedFiles(rule.condition)) {
      out.push({
        rule: rule.id,
        message:
          `forbid "${rule.id}" on ProcessExec of File "${file.key}" is judged on the file exec runs once symlinks are resolved: if "${file.key}" is a symlink or one name of a multi-call binary (busybox applets), the forbid does not hold; leash run resolves it in the target at start and warns (--strict refuses)`,
        hint:
          "forbid the file it resolves to (which forbids every program a multi-call binary provides), or permit exec only of the programs you want",
      });
    }
  }
  return out;
}
