/**
 * The normalise and judge stages of the request pipeline (DESIGN.md §5), shared by HTTP/1.1,
 * HTTP/2 and WebSocket upgrades: every request's own authority (Host, `:authority`, an
 * absolute-form target) is normalised and must be the connection's (the TLS server name, the
 * CONNECT target, or on the transparent plain-HTTP port the first request's Host); its path is
 * normalised; then method and path are decided by the policy. What was judged is what the caller
 * forwards (`authority`, `path`).
 */
import { hostPort } from "../net/mod.ts";
import type { EgressEngine } from "./engine.ts";
import {
  AmbiguousRequestError,
  type Authority,
  formatAuthority,
  normaliseAuthority,
  normalisePath,
  sameAuthority,
} from "./normalise.ts";
import type { Verdict } from "./verdict.ts";
import { denyReason } from "./verdict.ts";

/** The connection requests arrive on; one per client connection, kept across its requests. */
export interface RequestChannel {
  scheme: "http" | "https";
  /**
   * The authority the connection was made for (TLS server name, CONNECT target); set by the
   * first request on the transparent plain-HTTP port; absent on the explicit proxy port, where
   * each request names its own (absolute-form).
   */
  authority?: Authority;
  /** Transparent plain HTTP before its first request: the original destination's port. */
  bindPort?: number;
  /** Transparent plain HTTP: the original destination, for a first request without Host. */
  destination?: Authority;
}

/** What the judge reads of one request. */
export interface RequestInput {
  method: string;
  /** The request target (HTTP/1.1) or `:path` (HTTP/2), as received. */
  target: string;
  /** Host header values (HTTP/1.1), or `:authority` and any Host (HTTP/2), as received. */
  authorities: string[];
  /** `h1` refuses a repeated Host and an HTTP/1.1 request without one. */
  protocol: "h1" | "h2";
  /** HTTP version (h1). */
  version?: string;
}

/** A request the stages let through: what to forward and the policy's verdict. */
export interface AcceptedRequest {
  ok: true;
  authority: Authority;
  /** The Host / `:authority` value to forward (the judged authority). */
  hostField: string;
  /** Normalised path and the query as received: the origin-form target to forward. */
  path: string;
  url: string;
  verdict: Verdict;
}

/** A request refused before forwarding: the status, the reason, the verdict if it got that far. */
export interface RefusedRequest {
  ok: false;
  status: 400 | 403 | 421;
  reason: string;
  /** The authority the request was judged for (a 403). */
  authority?: Authority;
  url?: string;
  verdict?: Verdict;
}

/** Builds the channel of a connection made for `target` (absent: the explicit proxy port). */
export function requestChannel(
  scheme: "http" | "https",
  target: { host: string; port: number } | undefined,
  bindFromFirstRequest = false,
): RequestChannel {
  if (!target) return { scheme };
  const authority = normaliseAuthority(hostPort(target.host, target.port), target.port);
  if (bindFromFirstRequest) return { scheme, bindPort: target.port, destination: authority };
  return { scheme, authority };
}

/**
 * Normalises and judges one request on `channel` (binding a transparent channel's authority on
 * its first request). 400: malformed or ambiguous; 421: its authority is not the connection's;
 * 403: the policy denies it (in enforce mode).
 */
export function judgeRequest(
  engine: Pick<EgressEngine, "judge">,
  channel: RequestChannel,
  input: RequestInput,
): AcceptedRequest | RefusedRequest {
  const bad = (reason: string): RefusedRequest => ({ ok: false, status: 400, reason });
  const misdirected = (reason: string): RefusedRequest => ({ ok: false, status: 421, reason });
  const defaultPort = channel.scheme === "https" ? 443 : 80;
  let uri: Authority | undefined;
  let target = input.target;
  let claimed: Authority | undefined;
  try {
    const absolute = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)(.*)$/s.exec(target);
    if (absolute) {
      const scheme = absolute[1]!.toLowerCase();
      if (scheme !== channel.scheme) {
        return bad(
          channel.authority || channel.bindPort
            ? `Cannot accept a ${scheme} URL on an ${channel.scheme} connection`
            : `Cannot proxy "${target.slice(0, 80)}" here: use CONNECT`,
        );
      }
      if (absolute[2]!.includes("@")) return bad("Cannot send credentials in URL");
      uri = normaliseAuthority(absolute[2]!, defaultPort);
      target = absolute[3] === "" ? "/" : absolute[3]!;
    }
    const fields = input.authorities.map((a) => normaliseAuthority(a.trim(), defaultPort));
    if (input.protocol === "h1" && fields.length > 1) {
      return bad("Cannot accept several Host headers");
    }
    if (fields.some((f) => !sameAuthority(f, fields[0]!))) {
      return bad("Cannot accept a :authority and a Host that differ");
    }
    if (
      input.protocol === "h1" && fields.length === 0 && input.version === "HTTP/1.1"
    ) return bad("Cannot accept an HTTP/1.1 request without Host");
    claimed = fields[0];
  } catch (error) {
    return bad(error instanceof Error ? error.message : String(error));
  }
  if (uri && claimed && !sameAuthority(uri, claimed)) {
    return misdirected(
      `the URL names "${formatAuthority(uri, channel.scheme)}" but Host names "${
        formatAuthority(claimed, channel.scheme)
      }"`,
    );
  }
  const named = uri ?? claimed;
  let authority: Authority;
  if (channel.authority) {
    authority = channel.authority;
    if (named && !sameAuthority(named, authority)) {
      return misdirected(
        `the request names "${formatAuthority(named, channel.scheme)}" on a connection to "${
          formatAuthority(authority, channel.scheme)
        }"`,
      );
    }
  } else if (channel.bindPort !== undefined) {
    // HTTP/1.0 without Host: the address the client dialled is the authority.
    if (!named && !channel.destination) return bad("Cannot route a request without Host");
    if (named && named.port !== channel.bindPort) {
      return misdirected(
        `the request names port ${named.port} on a connection to port ${channel.bindPort}`,
      );
    }
    authority = named ?? channel.destination!;
    channel.authority = authority;
    delete channel.bindPort;
  } else {
    if (!uri) return bad("Cannot proxy an origin-form request: use a URL");
    authority = uri;
  }
  const hostField = formatAuthority(authority, channel.scheme);
  let path: string;
  try {
    path = normalisePath(target);
  } catch (error) {
    if (!(error instanceof AmbiguousRequestError)) throw error;
    return { ...bad(error.message), url: `${channel.scheme}://${hostField}${target}` };
  }
  const url = `${channel.scheme}://${hostField}${path}`;
  const q = path.indexOf("?");
  const verdict = engine.judge("HttpRequest", hostPort(authority.host, authority.port), {
    method: input.method,
    path: q < 0 ? path : path.slice(0, q),
  });
  if (!verdict.allowed) {
    return {
      ok: false,
      status: 403,
      reason: denyReason(verdict, `${input.method} ${url}`),
      authority,
      url,
      verdict,
    };
  }
  return { ok: true, authority, hostField, path, url, verdict };
}

/** The one-line text a refused request is answered with (body and X-Leash-Reason). */
export function refusalText(r: RefusedRequest): string {
  if (r.status === 400) return `leash: bad request: ${r.reason}`;
  if (r.status === 421) return `leash: misdirected request refused: ${r.reason}`;
  return r.reason;
}
