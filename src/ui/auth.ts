/**
 * The control UI's access rules: a per-session token (query once, then an HttpOnly cookie),
 * the Host header (DNS rebinding) and the Origin of state-changing requests (CSRF).
 */
import { Buffer } from "node:buffer";
import { hostMatches, type ListenAddress } from "./listen.ts";

/** A fresh token: 32 random bytes, base64url. */
export function newToken(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
}

/** Compares two strings without an early exit on the first difference. */
export function sameSecret(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/** What {@linkcode checkAccess} decided. */
export type Access =
  | { ok: true; login: boolean }
  | { ok: false; status: 401 | 403; reason: string };

/** Options for {@linkcode checkAccess}. */
export interface AccessOptions {
  token: string;
  /** The address the server listens on. */
  bound: ListenAddress;
  /** The cookie's name (per port: cookies are shared by every port of a host). */
  cookie: string;
}

/**
 * Decides whether `request` may proceed. `login` means a valid `?token=` on `GET /`: the
 * caller sets the cookie and redirects. Every request needs the right Host and the token;
 * state-changing ones and WebSocket upgrades also need an Origin naming this server.
 */
export function checkAccess(request: Request, options: AccessOptions): Access {
  const host = request.headers.get("host");
  if (!hostMatches(host, options.bound)) {
    return { ok: false, status: 401, reason: `Host "${host ?? ""}" is not this server` };
  }
  const url = new URL(request.url);
  const query = url.searchParams.get("token");
  if (query !== null) {
    if (!sameSecret(query, options.token)) {
      return { ok: false, status: 401, reason: "the token is wrong" };
    }
    if (request.method === "GET" && url.pathname === "/") return { ok: true, login: true };
  } else {
    const presented = cookieValue(request.headers.get("cookie"), options.cookie) ??
      bearer(request.headers.get("authorization"));
    if (presented === undefined) {
      return { ok: false, status: 401, reason: "no token: open the URL leash printed" };
    }
    if (!sameSecret(presented, options.token)) {
      return { ok: false, status: 401, reason: "the token is wrong" };
    }
  }
  const upgrade = request.headers.get("upgrade")?.toLowerCase() === "websocket";
  if (upgrade || !["GET", "HEAD"].includes(request.method)) {
    const origin = request.headers.get("origin");
    if (origin !== `http://${host}`) {
      return {
        ok: false,
        status: 403,
        reason: `cross-origin request refused (Origin "${origin ?? ""}")`,
      };
    }
  }
  return { ok: true, login: false };
}

/** The `Set-Cookie` value that carries the token. */
export function tokenCookie(name: string, token: string): string {
  return `${name}=${token}; Path=/; HttpOnly; SameSite=Strict`;
}

function cookieValue(header: string | null, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function bearer(header: string | null): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? "");
  return match?.[1];
}
