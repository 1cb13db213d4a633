import { hostPort } from "../net/mod.ts";
import type { EgressEngine } from "./engine.ts";
import type { HeaderField } from "./http_head.ts";
import { judge } from "./verdict.ts";

/** Where a request goes and what it claims, for header injection. */
export interface RewriteTarget {
  scheme: "http" | "https";
  /** Host the request really goes to (the verified TLS server name for https). */
  host: string;
  port: number;
  /** Host named by the request's Host header. */
  claimed: string;
}

/**
 * Applies the policy's header injections to `headers` (in place). A rewrite is applied only
 * when the request goes over verified TLS to a host the rule covers and the Host header names
 * that same host; a request that claims a covered host without meeting that gets nothing and
 * a `deny` event. Events name the secret, never its value.
 */
export function applyRewrites(
  engine: EgressEngine,
  target: RewriteTarget,
  headers: HeaderField[],
): void {
  const destKey = hostPort(target.host, target.port);
  const claimKey = hostPort(target.claimed, target.port);
  for (const rw of engine.ir.rewrites) {
    const context: Record<string, string> = rw.secret !== undefined
      ? { header: rw.header, secret: rw.secret }
      : { header: rw.header, value: rw.value ?? "" };
    const covers = (key: string) => {
      const v = judge(engine.ir, "enforce", "HttpRewrite", key, context);
      return v.decision === "allow" && v.rules.includes(rw.id);
    };
    const onDest = covers(destKey);
    const onClaim = claimKey === destKey ? onDest : covers(claimKey);
    if (!onDest && !onClaim) continue;
    const facts = {
      event: "http.rewrite" as const,
      rule: rw.id,
      layer: "proxy",
      host: target.claimed,
      header: rw.header,
      ...(rw.secret !== undefined ? { secret: rw.secret, value: `«secret:${rw.secret}»` } : {}),
    };
    let refusal: string | undefined;
    if (target.scheme !== "https") refusal = "the request is not over verified TLS";
    else if (target.claimed !== target.host) {
      refusal =
        `the Host header "${target.claimed}" does not match the TLS server name "${target.host}"`;
    } else if (!onDest) refusal = `the rule does not cover "${target.host}"`;
    const value = rw.secret !== undefined ? engine.options.secrets.reveal(rw.secret) : rw.value;
    if (refusal === undefined && value === undefined) {
      refusal = `secret "${rw.secret}" was not given (--secret ${rw.secret}=SOURCE)`;
    }
    if (refusal !== undefined || value === undefined) {
      engine.emit({ ...facts, decision: "deny", message: `header not injected: ${refusal}` });
      continue;
    }
    const lower = rw.header.toLowerCase();
    for (let i = headers.length - 1; i >= 0; i--) {
      if (headers[i]![0].toLowerCase() === lower) headers.splice(i, 1);
    }
    headers.push([rw.header, value]);
    engine.emit({ ...facts, decision: "allow" });
  }
}
