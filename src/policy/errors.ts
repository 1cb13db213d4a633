/** One problem found in a policy, located in its source. */
export interface PolicyDiagnostic {
  severity: "error" | "warning";
  /** The file name (or label) the policy came from. */
  file: string;
  /** 1-based line. */
  line: number;
  /** 1-based column (in UTF-16 code units). */
  col: number;
  message: string;
  /** What to do about it. */
  hint?: string;
}

/** Renders a diagnostic as `FILE:LINE:COL: message` plus an indented hint line. */
export function formatDiagnostic(d: PolicyDiagnostic): string {
  const head = `${d.file}:${d.line}:${d.col}: ${
    d.severity === "warning" ? "warning: " : ""
  }${d.message}`;
  return d.hint ? `${head}\n  hint: ${d.hint}` : head;
}

/** A policy that cannot be compiled; carries every located problem found. */
export class PolicyError extends Error {
  override name = "PolicyError";
  /** Every error (and the warnings found before giving up), in source order. */
  readonly diagnostics: PolicyDiagnostic[];

  constructor(diagnostics: PolicyDiagnostic[], options?: ErrorOptions) {
    const errors = diagnostics.filter((d) => d.severity === "error");
    const first = errors[0];
    const summary = first
      ? `${first.file}:${first.line}:${first.col}: ${first.message}`
      : "Cannot compile policy";
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : "";
    super(`${summary}${more}`, options);
    this.diagnostics = diagnostics;
  }
}
