/** The IR matcher: answers one request from the compiled IR, as the session's layers would. */
import {
  CONTEXT_ACTIONS,
  parseRequestResource,
  type RequestResource,
  SUB_ACTIONS,
} from "./entities.ts";
import type {
  ActionName,
  IrConnectEntry,
  IrDecision,
  IrFileDecisions,
  IrFileEntry,
  PolicyIr,
} from "./ir.ts";
import { RuleSet, type SubRequest } from "./rule_set.ts";
import { cidrContains, parseIpv4, parseIpv6 } from "../net/mod.ts";

/** One request: an action, its resource (path, `host[:port]`, `server/tool`) and context. */
export interface PolicyRequest {
  action: ActionName;
  resource: string;
  /** String attributes: `method`, `path` (HttpRequest); `header`, `value`, `secret` (HttpRewrite). */
  context?: Record<string, string>;
}

/** The layer that enforces a decision. */
export type EnforcingLayer = "kernel-lsm" | "proxy";

/** The matcher's answer. */
export interface PolicyDecision {
  decision: "allow" | "deny";
  /** Ids of the deciding rules: the satisfied forbids, else the satisfied permits. */
  rules: string[];
  layer: EnforcingLayer;
}

interface ConnectPrefix {
  entry: IrConnectEntry;
  family: 4 | 6;
  value: bigint;
  length: number;
}

interface Prepared {
  set: RuleSet;
  files: Map<string, IrFileEntry>;
  dirs: Map<string, IrFileEntry>;
  fileDefault: IrFileDecisions;
  prefixes: ConnectPrefix[];
  connectDefault: IrConnectEntry;
}

const cache = new WeakMap<PolicyIr, Prepared>();

function prepare(ir: PolicyIr): Prepared {
  let p = cache.get(ir);
  if (p) return p;
  const files = new Map<string, IrFileEntry>();
  const dirs = new Map<string, IrFileEntry>();
  for (const e of ir.file.entries) (e.kind === "file" ? files : dirs).set(e.path, e);
  const prefixes: ConnectPrefix[] = ir.connect.entries.map((entry) => {
    const [addr = "", len] = entry.cidr.split("/");
    const ip = entry.family === 4 ? parseIpv4(addr) : parseIpv6(addr);
    if (!ip) throw new RangeError(`Cannot load IR: bad connect entry "${entry.cidr}"`);
    const full = ip.family === 4 ? 32 : 128;
    return {
      entry,
      family: ip.family,
      value: ip.value,
      length: len === undefined ? full : Number(len),
    };
  }).sort((a, b) => b.length - a.length);
  p = {
    set: new RuleSet(ir.rules),
    files,
    dirs,
    fileDefault: ir.file.default,
    prefixes,
    connectDefault: ir.connect.default,
  };
  cache.set(ir, p);
  return p;
}

/** Looks up the kernel file table for a canonical path: exact File entry, longest Dir entry, default. */
export function fileDecisions(ir: PolicyIr, path: string): IrFileDecisions {
  const p = prepare(ir);
  return lookupFile(p, path);
}

function lookupFile(p: Prepared, path: string): IrFileDecisions {
  const exact = p.files.get(path);
  if (exact) return exact;
  if (p.dirs.size === 0) return p.fileDefault;
  let end = path.length;
  if (path === "/") return p.dirs.get("/") ?? p.fileDefault;
  while (end > 0) {
    const hit = p.dirs.get(path.slice(0, end) + "/");
    if (hit) return hit;
    end = path.lastIndexOf("/", end - 1);
  }
  return p.dirs.get("/") ?? p.fileDefault;
}

function union(a: IrDecision, b: IrDecision): IrDecision {
  const forbids = [a, b].filter((d) => d.decision === "deny").flatMap((d) => d.rules);
  if (forbids.length > 0) return { decision: "deny", rules: [...new Set(forbids)] };
  const permits = [...new Set([...a.rules, ...b.rules])];
  return permits.length > 0
    ? { decision: "allow", rules: permits }
    : { decision: "deny", rules: [] };
}

/**
 * Decides `request` against `ir` with Cedar semantics (default deny, forbid beats permit).
 * Throws RangeError for a malformed resource or context.
 */
export function decide(ir: PolicyIr, request: PolicyRequest): PolicyDecision {
  const p = prepare(ir);
  const res = parseRequestResource(request.action, request.resource);
  return decideParsed(p, request.action, res, request.context ?? {});
}

/** Like {@linkcode decide} for an already parsed resource (the hot path of enforcement). */
export function decideResource(
  ir: PolicyIr,
  action: ActionName,
  res: RequestResource,
  context: Record<string, string> = {},
): PolicyDecision {
  return decideParsed(prepare(ir), action, res, context);
}

function decideParsed(
  p: Prepared,
  action: ActionName,
  res: RequestResource,
  context: Record<string, string>,
): PolicyDecision {
  if (res.type === "File") {
    const d = lookupFile(p, res.key);
    const pick = action === "FileOpenReadOnly"
      ? d.read
      : action === "FileOpenReadWrite"
      ? d.write
      : action === "ProcessExec"
      ? d.exec
      : union(d.read, d.write);
    return { decision: pick.decision, rules: pick.rules, layer: "kernel-lsm" };
  }
  if (
    action === "NetworkConnect" && res.type === "Host" && res.host.ip && res.host.port !== undefined
  ) {
    const ip = res.host.ip;
    let entry: IrConnectEntry | undefined;
    for (const prefix of p.prefixes) {
      if (
        prefix.family === ip.family &&
        cidrContains({ family: prefix.family, value: prefix.value }, prefix.length, ip)
      ) {
        entry = prefix.entry;
        break;
      }
    }
    const e = entry ?? p.connectDefault;
    const d = e.ports[String(res.host.port)] ?? e.other;
    return { decision: d.decision, rules: d.rules, layer: "kernel-lsm" };
  }
  const subs: SubRequest[] = SUB_ACTIONS[action].map((a) => ({
    action: a,
    context: CONTEXT_ACTIONS.has(a) ? context : {},
  }));
  const d = p.set.decide(subs, { type: res.type, key: res.key, covered: p.set.covered(res) });
  return { decision: d.decision, rules: d.rules, layer: "proxy" };
}
