/**
 * When a relayed connection may be tunnelled without inspection (issue 9: a client that waited
 * before its ClientHello used to get a raw tunnel to a host with path rules, and did TLS with
 * the upstream itself).
 *
 * The rule: a connection is tunnelled uninspected only when nothing at the HTTP level could
 * apply to it: its host is in the passthrough list, or the session has no secrets (any upstream
 * could send a stored one back) and no HttpRequest/HttpRewrite rule could apply to its host (the
 * CONNECT target, or the address a transparent connection dialled). Otherwise the client must
 * speak first, TLS or HTTP; the wait for it is bounded by the idle timeout, and anything else is
 * refused. Where a raw tunnel is allowed, a silent client gets one only once the upstream spoke
 * first (first_speaker.ts): a client that was merely slow is still sniffed and inspected.
 */
import { hostPort } from "../net/mod.ts";
import { httpRuleFor } from "../policy/mod.ts";
import type { EgressEngine } from "./engine.ts";

/** A connection's destination as the sniffer knows it. */
export interface InspectionTarget {
  host: string;
  port: number;
  /** The transparent port: `host` is the address the client dialled, not a name. */
  transparent: boolean;
}

/**
 * Why a connection to `target` must be inspected (a phrase for messages), or undefined when it
 * may be tunnelled raw.
 */
export function inspectionReason(
  engine: Pick<EgressEngine, "ir" | "options" | "passthrough">,
  target: InspectionTarget,
): string | undefined {
  const host = target.host.toLowerCase();
  // The passthrough list names hosts; a transparent connection's host is an address.
  if (!target.transparent && engine.passthrough.has(host)) return undefined;
  if (engine.options.secrets.names.length > 0) {
    return "the session has secrets an upstream could send back";
  }
  let rule: string | undefined;
  try {
    rule = httpRuleFor(engine.ir, hostPort(host, target.port));
  } catch {
    return "its host cannot be judged";
  }
  return rule === undefined ? undefined : `rule "${rule}" decides HTTP requests to it`;
}
