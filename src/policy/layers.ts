/** Builds the per-layer sections of the IR from compiled rules. */
import type { EvalResource } from "./evaluate.ts";
import type { HostPattern } from "./hosts.ts";
import { cidrContains, formatIp } from "../net/mod.ts";
import { hostPattern } from "./entities.ts";
import type {
  IrCondition,
  IrConnectEntry,
  IrDecision,
  IrEntity,
  IrFileDecisions,
  IrFileEntry,
  IrLandlockAccess,
  IrMcpRule,
  IrProxyRule,
  IrRewrite,
  IrRule,
  PolicyIr,
} from "./ir.ts";
import { likeText } from "./evaluate.ts";
import { coveringDirs } from "./paths.ts";
import { RuleSet, type SubRequest } from "./rule_set.ts";

/** What the compiler hands to {@linkcode buildLayers}. */
export interface LayerInput {
  source: { label: string; sha256: string };
  rules: IrRule[];
  entities: IrEntity[];
}

const NONE = "\0";
const READ: SubRequest[] = [{ action: "FileOpen", context: {} }, {
  action: "FileOpenReadOnly",
  context: {},
}];
const WRITE: SubRequest[] = [{ action: "FileOpen", context: {} }, {
  action: "FileOpenReadWrite",
  context: {},
}];
const EXEC: SubRequest[] = [{ action: "ProcessExec", context: {} }];
const CONNECT: SubRequest[] = [{ action: "NetworkConnect", context: {} }];

/** Assembles the IR: kernel tables, Landlock intent, proxy views, rewrites, MCP, DNS. */
export function buildLayers(input: LayerInput): PolicyIr {
  const set = new RuleSet(input.rules);
  const file = fileTable(set);
  return {
    version: 1,
    source: input.source,
    rules: input.rules,
    entities: input.entities,
    file,
    connect: connectTable(set),
    landlock: {
      read: landlockAccess(file.entries, file.default, "read"),
      write: landlockAccess(file.entries, file.default, "write"),
      exec: landlockAccess(file.entries, file.default, "exec"),
    },
    proxy: {
      hosts: input.rules.filter((r) => r.actions.includes("NetworkConnect")).map(proxyView),
      http: input.rules.filter((r) => r.actions.includes("HttpRequest")).map(proxyView),
    },
    rewrites: input.rules.flatMap((r) => {
      const rw = rewriteOf(r);
      return rw ? [rw] : [];
    }),
    mcp: input.rules.filter((r) => r.actions.includes("McpCall")).map(mcpView),
    dns: { allow: dnsAllow(input.rules) },
  };
}

function fileDecisions(set: RuleSet, res: EvalResource): IrFileDecisions {
  return {
    read: set.decide(READ, res),
    write: set.decide(WRITE, res),
    exec: set.decide(EXEC, res),
  };
}

function fileTable(set: RuleSet): PolicyIr["file"] {
  const refs = set.index.refs;
  const entries: IrFileEntry[] = [];
  const seen = new Set<string>();
  for (const ref of refs) {
    if ((ref.type !== "Dir" && ref.type !== "File") || seen.has(ref.key)) continue;
    seen.add(ref.key);
    const isDir = ref.type === "Dir";
    const path = isDir ? (ref.key === "/" ? "/" : ref.key.slice(0, -1)) : ref.key;
    const covered = set.covered({ type: "File", key: path });
    const sameFile = isDir ? set.index.find("File", path) : undefined;
    if (sameFile !== undefined) covered[sameFile] = 0; // a Dir entry stands for what is beneath
    const res: EvalResource = { type: "File", key: isDir ? NONE : path, covered };
    entries.push({ path: ref.key, kind: isDir ? "dir" : "file", ...fileDecisions(set, res) });
  }
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const none: EvalResource = { type: "File", key: NONE, covered: refs.map(() => false) };
  return { entries, default: fileDecisions(set, none) };
}

interface Prefix {
  text: string;
  family: 4 | 6;
  ip: { family: 4 | 6; value: bigint };
  length: number;
}

function connectTable(set: RuleSet): PolicyIr["connect"] {
  const refs = set.index.refs;
  const patterns = refs.map((r) => (r.type === "Host" ? hostPattern(r.key) : undefined));
  const ports = [
    ...new Set(
      patterns.flatMap((
        p,
      ) => (p && p.kind !== "name" && p.kind !== "suffix" && p.port !== undefined ? [p.port] : [])),
    ),
  ]
    .sort((a, b) => a - b);
  const prefixes = new Map<string, Prefix>();
  for (const p of patterns) {
    if (p?.kind !== "cidr") continue;
    const full = p.ip.family === 4 ? 32 : 128;
    const text = p.length === full ? formatIp(p.ip) : `${formatIp(p.ip)}/${p.length}`;
    prefixes.set(text, { text, family: p.ip.family, ip: p.ip, length: p.length });
  }
  const entryFor = (prefix: Prefix | undefined): IrConnectEntry => {
    const at = (port: number | undefined): IrDecision => {
      const covered = patterns.map((p) => !!p && connectCovers(p, prefix, port));
      const full = prefix && prefix.length === (prefix.family === 4 ? 32 : 128);
      const key = full && port !== undefined
        ? (prefix.family === 6 ? `[${prefix.text}]:${port}` : `${prefix.text}:${port}`)
        : NONE;
      return set.decide(CONNECT, { type: "Host", key, covered });
    };
    const byPort: Record<string, IrDecision> = {};
    for (const port of ports) byPort[String(port)] = at(port);
    return {
      cidr: prefix?.text ?? "*",
      family: prefix?.family ?? 4,
      ports: byPort,
      other: at(undefined),
    };
  };
  const entries = [...prefixes.values()]
    .sort((a, b) =>
      a.family - b.family ||
      (a.ip.value < b.ip.value ? -1 : a.ip.value > b.ip.value ? 1 : a.length - b.length)
    )
    .map(entryFor);
  return { entries, ports, default: entryFor(undefined) };
}

/** Whether `pattern` covers every address of `prefix` (undefined = no named prefix) on `port` (undefined = other). */
function connectCovers(
  pattern: HostPattern,
  prefix: Prefix | undefined,
  port: number | undefined,
): boolean {
  if (pattern.port !== undefined && pattern.port !== port) return false;
  if (pattern.kind === "any") return true;
  if (pattern.kind !== "cidr" || !prefix) return false;
  return pattern.length <= prefix.length && cidrContains(pattern.ip, pattern.length, prefix.ip);
}

function landlockAccess(
  entries: IrFileEntry[],
  fallback: IrFileDecisions,
  access: "read" | "write" | "exec",
): IrLandlockAccess {
  const allow: string[] = [];
  const carve: string[] = [];
  const dirs = new Map(entries.filter((e) => e.kind === "dir").map((e) => [e.path, e]));
  for (const entry of entries) {
    const path = entry.kind === "dir"
      ? (entry.path === "/" ? "/" : entry.path.slice(0, -1))
      : entry.path;
    let parent: IrFileDecisions = fallback;
    for (const dir of coveringDirs(path)) {
      const d = dir !== entry.path ? dirs.get(dir) : undefined;
      if (d) {
        parent = d;
        break;
      }
    }
    const mine = entry[access].decision === "allow";
    const above = parent[access].decision === "allow";
    if (mine && !above) allow.push(entry.path);
    if (!mine && above) carve.push(entry.path);
  }
  if (fallback[access].decision === "allow" && !entries.some((e) => e.path === "/")) {
    allow.unshift("/");
  }
  return { allow, carve };
}

function atoms(cond: IrCondition, out: IrCondition[] = []): IrCondition[] {
  if ("all" in cond) cond.all.forEach((c) => atoms(c, out));
  else if ("any" in cond) cond.any.forEach((c) => atoms(c, out));
  else if ("not" in cond) atoms(cond.not, out);
  else out.push(cond);
  return out;
}

function hostsOf(rule: IrRule): string[] {
  const hosts = new Set<string>();
  let named = false;
  for (const a of atoms(rule.condition)) {
    const ref = "resource_in" in a ? a.resource_in : "resource_eq" in a ? a.resource_eq : undefined;
    if (ref) named = true;
    if (ref?.type === "Host") hosts.add(ref.key);
  }
  return hosts.size === 0 && !named ? ["*"] : [...hosts].sort();
}

function contextValues(rule: IrRule, attr: string): string[] {
  const values = new Set<string>();
  for (const a of atoms(rule.condition)) {
    if ("context_eq" in a && a.context_eq.attr === attr) values.add(a.context_eq.value);
    if ("context_like" in a && a.context_like.attr === attr) {
      values.add(likeText(a.context_like.pattern));
    }
  }
  return [...values].sort();
}

function proxyView(rule: IrRule): IrProxyRule {
  return {
    id: rule.id,
    effect: rule.effect,
    hosts: hostsOf(rule),
    methods: contextValues(rule, "method"),
    paths: contextValues(rule, "path"),
  };
}

function topLevelEq(rule: IrRule, attr: string): string | undefined {
  const top = "all" in rule.condition ? rule.condition.all : [rule.condition];
  for (const a of top) {
    if ("context_eq" in a && a.context_eq.attr === attr) return a.context_eq.value;
  }
  return undefined;
}

/** The header injection a rule defines, if it is an HttpRewrite permit naming a header and a value or secret. */
export function rewriteOf(rule: IrRule): IrRewrite | undefined {
  if (rule.effect !== "permit" || !rule.actions.includes("HttpRewrite")) return undefined;
  const header = topLevelEq(rule, "header");
  const secret = topLevelEq(rule, "secret");
  const value = topLevelEq(rule, "value");
  if (header === undefined || (secret === undefined && value === undefined)) return undefined;
  const rw: IrRewrite = { id: rule.id, hosts: hostsOf(rule), header };
  if (secret !== undefined) rw.secret = secret;
  else if (value !== undefined) rw.value = value;
  return rw;
}

function mcpView(rule: IrRule): IrMcpRule {
  const servers = new Set<string>();
  const tools = new Set<string>();
  for (const a of atoms(rule.condition)) {
    const ref = "resource_in" in a ? a.resource_in : "resource_eq" in a ? a.resource_eq : undefined;
    if (ref?.type === "MCP::Server") servers.add(ref.key);
    if (ref?.type === "MCP::Tool") tools.add(ref.key);
  }
  return {
    id: rule.id,
    effect: rule.effect,
    servers: [...servers].sort(),
    tools: [...tools].sort(),
  };
}

function dnsAllow(rules: IrRule[]): string[] {
  const names = new Set<string>();
  for (const rule of rules) {
    if (rule.effect !== "permit") continue;
    if (!rule.actions.includes("NetworkConnect") && !rule.actions.includes("HttpRequest")) continue;
    for (const key of hostsOf(rule)) {
      const p = hostPattern(key);
      if (p.kind === "any") names.add("*");
      if (p.kind === "name") names.add(p.name);
      if (p.kind === "suffix") names.add(`*.${p.suffix}`);
    }
  }
  return names.has("*") ? ["*"] : [...names].sort();
}
