/** The event record of DESIGN.md §6: every decision leash makes or observes. */

/** Event kinds; `boot.*` and `policy.*` cover the session's own steps. */
export type EventKind =
  | "file.open"
  | "proc.exec"
  | "net.connect"
  | "dns.query"
  | "http.request"
  | "http.rewrite"
  /** A secret value an upstream sent back was masked in the response (or it was refused). */
  | "http.mask"
  | "mcp.call"
  | `boot.${string}`
  | `policy.${string}`
  | `kernel.${string}`
  | `session.${string}`;

/** What an event carries besides its envelope; absent facts are left out, never null-filled. */
export interface EventFacts {
  event: EventKind;
  decision?: "allow" | "deny";
  /** Shadow mode: the request was allowed but the policy would have denied it. */
  would_deny?: boolean;
  /** Observe layer: the positive errno of a syscall that failed (13 EACCES, 1 EPERM, ...). */
  errno?: number;
  /** Id of the deciding policy rule. */
  rule?: string | null;
  /** The enforcing layer (`kernel-lsm`, `cgroup-net`, `landlock`, `proxy`, ...). */
  layer?: string;
  pid?: number;
  exe?: string;
  path?: string;
  argv?: string[];
  addr?: string;
  port?: number;
  host?: string;
  method?: string;
  url?: string;
  status?: number;
  /** Free text for humans (boot steps, errors); never holds a secret value. */
  message?: string;
  [fact: string]: unknown;
}

/** An event as written to `events.ndjson` and the UI stream. */
export interface LeashEvent extends EventFacts {
  /** RFC 3339 UTC. */
  time: string;
  /** Per-session sequence number, from 1, without gaps. */
  seq: number;
  session: string;
}

/** Where events go; implementations must not throw from `emit`. */
export interface EventSink {
  emit(facts: EventFacts): void;
}
