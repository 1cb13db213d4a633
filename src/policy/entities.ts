/**
 * How a leash request maps to Cedar: the request entities, their parents and the actions.
 * The one place these rules live; the IR matcher, the dual check and `policy eval` use it.
 *
 * - A file request for path P (canonical, absolute) is `File::"P"`. Its parents are the
 *   named `Dir` entities covering P: `Dir::"/a/"` covers "/a" itself and everything beneath
 *   ("/etc/" covers "/etc/passwd" but "/etc/passwd/" never covers "/etc/passwd-x").
 * - A host request is `Host::"h[:port]"` (canonical). Its parents are the named `Host`
 *   entities covering it: the same name without the port, `*.suffix` wildcards (with or
 *   without the port), `*`, and for IP addresses the named IPs/CIDRs containing them.
 * - An MCP call is `MCP::Tool::"tool"` with parent `MCP::Server::"server"`.
 * - Parents are taken from the entities the policy names (`ir.entities`, as written), so
 *   a non-canonical spelling used with `in` (e.g. `Dir::"/w"`) still matches.
 * - One leash request may stand for several Cedar requests (`SUB_ACTIONS`); its decision is
 *   Cedar's over their union: deny if any satisfied forbid, else allow if any satisfied
 *   permit, else deny.
 */
import type { ActionName, IrEntityRef, PolicyIr } from "./ir.ts";
import {
  hostCovers,
  type HostPattern,
  parseHostPattern,
  parseRequestHost,
  type RequestHost,
} from "./hosts.ts";
import { dirCovers, normaliseRequestPath } from "./paths.ts";

/** The Cedar actions one leash request action stands for. */
export const SUB_ACTIONS: Record<ActionName, readonly ActionName[]> = {
  FileOpen: ["FileOpen", "FileOpenReadOnly", "FileOpenReadWrite"],
  FileOpenReadOnly: ["FileOpen", "FileOpenReadOnly"],
  FileOpenReadWrite: ["FileOpen", "FileOpenReadWrite"],
  ProcessExec: ["ProcessExec"],
  NetworkConnect: ["NetworkConnect"],
  HttpRequest: ["NetworkConnect", "HttpRequest"],
  HttpRewrite: ["HttpRewrite"],
  McpCall: ["McpCall"],
};

/** Actions whose Cedar requests carry the request's context (the others get `{}`). */
export const CONTEXT_ACTIONS: ReadonlySet<ActionName> = new Set(["HttpRequest", "HttpRewrite"]);

/** The resource of a request, parsed and canonical. */
export type RequestResource =
  | { type: "File"; key: string }
  | { type: "Host"; key: string; host: RequestHost }
  | { type: "MCP::Tool"; key: string; server: string }
  | { type: "MCP::Server"; key: string };

/** Which resource kind each action takes. */
export function resourceKind(action: ActionName): "File" | "Host" | "MCP" {
  if (action.startsWith("File") || action === "ProcessExec") return "File";
  return action === "McpCall" ? "MCP" : "Host";
}

/**
 * Parses a request resource: an absolute path for file actions, `host[:port]` for network
 * actions, `server/tool` or `server` for McpCall. Throws RangeError for bad input.
 */
export function parseRequestResource(action: ActionName, text: string): RequestResource {
  const kind = resourceKind(action);
  if (kind === "File") return { type: "File", key: normaliseRequestPath(text) };
  if (kind === "Host") {
    const host = parseRequestHost(text);
    return { type: "Host", key: host.key, host };
  }
  const slash = text.indexOf("/");
  if (text === "" || slash === 0 || slash === text.length - 1) {
    throw new RangeError(`Cannot use MCP resource "${text}": write SERVER/TOOL or SERVER`);
  }
  if (slash < 0) return { type: "MCP::Server", key: text };
  return { type: "MCP::Tool", key: text.slice(slash + 1), server: text.slice(0, slash) };
}

const patternCache = new Map<string, HostPattern>();

/** The parsed form of a canonical Host key (cached). */
export function hostPattern(key: string): HostPattern {
  let p = patternCache.get(key);
  if (!p) {
    p = parseHostPattern(key);
    if (patternCache.size > 10000) patternCache.clear();
    patternCache.set(key, p);
  }
  return p;
}

/** Whether request resource `res` is `in` the named entity `ref` (reflexive). */
export function refCovers(ref: IrEntityRef, res: RequestResource): boolean {
  switch (res.type) {
    case "File":
      return ref.type === "Dir"
        ? dirCovers(ref.key, res.key)
        : ref.type === "File" && ref.key === res.key;
    case "Host":
      return ref.type === "Host" && hostCovers(hostPattern(ref.key), res.host);
    case "MCP::Tool":
      return (ref.type === "MCP::Tool" && ref.key === res.key) ||
        (ref.type === "MCP::Server" && ref.key === res.server);
    case "MCP::Server":
      return ref.type === "MCP::Server" && ref.key === res.key;
  }
}

/** A Cedar entity uid. */
export interface CedarUid {
  type: string;
  id: string;
}

/** One Cedar authorization request equivalent to (part of) a leash request. */
export interface CedarRequest {
  principal: CedarUid;
  action: CedarUid;
  resource: CedarUid;
  context: Record<string, string>;
  entities: { uid: CedarUid; attrs: Record<string, never>; parents: CedarUid[] }[];
}

/** The principal of every request: leash governs the container as a whole. */
export const PRINCIPAL: CedarUid = { type: "Agent", id: "agent" };

/** Builds the Cedar requests a leash request stands for, with the entities they need. */
export function cedarRequests(
  ir: PolicyIr,
  action: ActionName,
  res: RequestResource,
  context: Record<string, string> = {},
): CedarRequest[] {
  const uid: CedarUid = { type: res.type, id: res.key };
  const parents: CedarUid[] = [];
  for (const e of ir.entities) {
    if (e.type === uid.type && e.id === uid.id) continue;
    if (refCovers({ type: e.type, key: e.key }, res)) parents.push({ type: e.type, id: e.id });
  }
  if (
    res.type === "MCP::Tool" &&
    !parents.some((p) => p.type === "MCP::Server" && p.id === res.server)
  ) {
    parents.push({ type: "MCP::Server", id: res.server });
  }
  const entities = [{ uid, attrs: {}, parents }];
  return SUB_ACTIONS[action].map((sub) => ({
    principal: PRINCIPAL,
    action: { type: "Action", id: sub },
    resource: uid,
    context: CONTEXT_ACTIONS.has(sub) ? context : {},
    entities,
  }));
}

/** Cedar's answer to one request: the decision and its determining policy ids. */
export interface CedarAnswer {
  decision: "allow" | "deny";
  reason: string[];
}

/** Combines the answers of a leash request's Cedar requests (Cedar semantics over the union). */
export function combineAnswers(answers: CedarAnswer[]): CedarAnswer {
  const forbids = new Set<string>();
  const permits = new Set<string>();
  for (const a of answers) {
    for (const id of a.reason) (a.decision === "deny" ? forbids : permits).add(id);
  }
  if (forbids.size > 0) return { decision: "deny", reason: [...forbids].sort() };
  if (permits.size > 0) return { decision: "allow", reason: [...permits].sort() };
  return { decision: "deny", reason: [] };
}
