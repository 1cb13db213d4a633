/** Renders the IR per layer as text for `leash policy explain`. */
import type { IrDecision, IrFileDecisions, PolicyIr } from "./ir.ts";

function d(x: IrDecision): string {
  return x.rules.length > 0 ? `${x.decision} (${x.rules.join(", ")})` : x.decision;
}

function fileLine(path: string, x: IrFileDecisions): string {
  return `  ${path}\n      read ${d(x.read)}; write ${d(x.write)}; exec ${d(x.exec)}`;
}

/** The IR as human-readable text, one section per enforcement layer. */
export function explainIr(ir: PolicyIr): string {
  const out: string[] = [];
  out.push(
    `IR version ${ir.version} of ${ir.source.label} (sha256 ${ir.source.sha256.slice(0, 16)}...)`,
  );
  out.push("", `Rules (${ir.rules.length}; default deny, any matching forbid beats every permit):`);
  for (const r of ir.rules) {
    out.push(
      `  ${r.id}  ${r.effect} ${
        r.actions.join(", ")
      }  at ${ir.source.label}:${r.loc.line}:${r.loc.col}`,
    );
  }
  out.push(
    "",
    "Kernel file/exec table (exact File entries, else the longest Dir prefix, else default):",
  );
  for (const e of ir.file.entries) out.push(fileLine(e.path, e));
  out.push(fileLine("(default)", ir.file.default));
  out.push(
    "",
    `Kernel connect table (IP prefixes; ports named: ${ir.connect.ports.join(", ") || "none"}):`,
  );
  for (const e of [...ir.connect.entries, ir.connect.default]) {
    const ports = Object.entries(e.ports).map(([p, x]) => `:${p} ${d(x)}`);
    out.push(
      `  ${e.cidr === "*" ? "(default)" : e.cidr}  ${[...ports, `other ${d(e.other)}`].join("; ")}`,
    );
  }
  out.push("", "Landlock (allowed roots; carve-outs are enumerated at session start):");
  for (const access of ["read", "write", "exec"] as const) {
    const l = ir.landlock[access];
    const carve = l.carve.length > 0 ? `; carve out ${l.carve.join(", ")}` : "";
    out.push(`  ${access.padEnd(5)} ${l.allow.join(", ") || "nothing"}${carve}`);
  }
  out.push("", "Proxy host rules (NetworkConnect):");
  for (const r of ir.proxy.hosts) out.push(`  ${r.id}  ${r.effect} ${r.hosts.join(", ")}`);
  if (ir.proxy.hosts.length === 0) out.push("  none");
  out.push("", "Proxy HTTP rules (HttpRequest):");
  for (const r of ir.proxy.http) {
    const m = r.methods.length > 0 ? ` methods ${r.methods.join(", ")}` : "";
    const p = r.paths.length > 0 ? ` paths ${r.paths.join(", ")}` : "";
    out.push(`  ${r.id}  ${r.effect} ${r.hosts.join(", ")}${m}${p}`);
  }
  if (ir.proxy.http.length === 0) out.push("  none");
  out.push("", "Header rewrites (HttpRewrite):");
  for (const r of ir.rewrites) {
    const v = r.secret !== undefined ? `«secret:${r.secret}»` : "(literal value in the policy)";
    out.push(`  ${r.id}  ${r.hosts.join(", ")}: ${r.header}: ${v}`);
  }
  if (ir.rewrites.length === 0) out.push("  none");
  out.push("", "MCP rules (McpCall):");
  for (const r of ir.mcp) {
    out.push(
      `  ${r.id}  ${r.effect} servers ${r.servers.join(", ") || "any"}; tools ${
        r.tools.join(", ") || "any"
      }`,
    );
  }
  if (ir.mcp.length === 0) out.push("  none");
  out.push("", `DNS allow-list: ${ir.dns.allow.join(", ") || "none"}`, "");
  return out.join("\n");
}
