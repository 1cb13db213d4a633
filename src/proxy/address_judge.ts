/**
 * The address part of the judge stage: every address the proxy is about to dial, and every
 * address leash's DNS is about to hand the target, is judged on its own, whatever name led to
 * it. A name the policy permits can resolve anywhere; an IP/CIDR forbid and the host's own
 * addresses still win.
 */
import type { PolicyIr } from "../policy/mod.ts";
import { canonicalIp, hostLocalKind, hostPort } from "../net/mod.ts";
import type { EgressMode } from "./options.ts";
import { judge, type Verdict } from "./verdict.ts";

/** What an address is judged with. */
export interface AddressContext {
  ir: PolicyIr;
  mode: EgressMode;
  /** The canonical addresses of the host ({@linkcode HostAddresses}). */
  hostAddresses: ReadonlySet<string>;
  /** The address came from a LEASH_UPSTREAM_HOSTS pin: the host's own addresses are allowed. */
  pinned: boolean;
  /** Tests with loopback upstreams: the host's own addresses are allowed. */
  allowHostLocal: boolean;
  /** Host addresses never dialled, pinned or not (the control UI). */
  reserved: readonly { hostname: string; port: number }[];
}

/** The judgement of one address. */
export type AddressDecision =
  | { ok: true; address: string; verdict?: Verdict }
  | { ok: false; address: string; reason: string; verdict?: Verdict };

/**
 * Judges `address` (an IP literal) for a dial to `port`, or for a DNS answer when `port` is
 * undefined (then only a forbid covering every port refuses it):
 * - the control UI's address and port: refused, pinned or not;
 * - an address of the host itself (loopback, unspecified, link-local, any interface, any
 *   Docker gateway): refused unless pinned;
 * - an address a `forbid` on `NetworkConnect` covers (an IP or CIDR rule): refused in enforce
 *   mode (`verdict` says so in shadow mode). An address no rule names is not refused here: the
 *   name it was reached by was judged already.
 */
export function judgeAddress(
  address: string,
  port: number | undefined,
  ctx: AddressContext,
): AddressDecision {
  const ip = canonicalIp(address);
  if (ip === undefined) {
    return { ok: false, address, reason: `"${address.slice(0, 60)}" is not an IP address` };
  }
  if (port !== undefined && isReserved(ip, port, ctx)) {
    return {
      ok: false,
      address: ip,
      reason: `${ip}:${port} is leash's control UI, never the agent's`,
    };
  }
  if (!ctx.pinned && !ctx.allowHostLocal) {
    const kind = hostLocalKind(ip) ?? (ctx.hostAddresses.has(ip) ? "own" : undefined);
    if (kind !== undefined) {
      return {
        ok: false,
        address: ip,
        reason: `${ip} is ${
          kind === "own" ? "an" : `a ${kind}`
        } address of the host leash runs on; the agent never reaches the host's own services (pin a name with LEASH_UPSTREAM_HOSTS=NAME=${ip} to allow one)`,
      };
    }
  }
  const verdict = judge(
    ctx.ir,
    ctx.mode,
    "NetworkConnect",
    port === undefined ? ip : hostPort(ip, port),
  );
  if (verdict.decision === "deny" && verdict.rules.length > 0) {
    const reason = `${ip} is denied by rule "${verdict.rules.join('", "')}"`;
    return verdict.allowed
      ? { ok: true, address: ip, verdict }
      : { ok: false, address: ip, reason, verdict };
  }
  return { ok: true, address: ip };
}

function isReserved(ip: string, port: number, ctx: AddressContext): boolean {
  return ctx.reserved.some((r) =>
    r.port === port &&
    (canonicalIp(r.hostname) === ip ||
      (r.hostname === "localhost" && hostLocalKind(ip) === "loopback") ||
      // Bound to every address: any address of this host reaches it, remote ones do not.
      (hostLocalKind(r.hostname) === "unspecified" &&
        (hostLocalKind(ip) !== undefined || ctx.hostAddresses.has(ip))))
  );
}
