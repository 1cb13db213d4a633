/**
 * The compiled policy: leash's intermediate representation (IR), version 1.
 *
 * Plain JSON, deterministic for the same input (rules in source order, tables sorted by
 * key, stable rule ids), so it can be hashed and diffed. Every layer reads its own section:
 *
 * - `rules`: every statement with its id, source location, actions and condition. The IR
 *   matcher (`match.ts`) evaluates these with Cedar semantics: default deny, and any
 *   satisfied `forbid` beats every `permit`.
 * - `file`: the kernel file/exec table. One entry per path named by a Dir (prefix, key ends
 *   in "/") or File (exact); each holds the *combined* decision for read, write and exec of
 *   any path whose deepest covering entry it is, so a longest-prefix lookup can never break
 *   forbid-beats-permit. Lookup: exact File entry for the path, else the longest Dir entry
 *   that is a prefix of `path + "/"`, else `default`.
 * - `connect`: the kernel IP table for NetworkConnect, same idea over named IPs/CIDRs
 *   (longest prefix wins) with a decision per port named in the policy and for other ports.
 *   Host names are not in it: the proxy enforces them.
 * - `landlock`: per access, the Dir/File keys allowed and the forbidden keys inside them;
 *   `landlockRuleset()` turns it into beneath-rules at session start.
 * - `proxy`: host and HTTP rules (views of `rules` for NetworkConnect and HttpRequest).
 * - `rewrites`: header injections (HttpRewrite permits) with a literal value or a secret name.
 * - `mcp`: McpCall rules; `dns`: the names the policy can ever allow.
 *
 * Actions and the Cedar requests they stand for (see `entities.ts`): a read open is the
 * union of (FileOpen, file) and (FileOpenReadOnly, file); a write open the union of
 * (FileOpen, file) and (FileOpenReadWrite, file); an HTTP request the union of
 * (NetworkConnect, host) and (HttpRequest, host, {method, path}).
 */

/** The IR format version. */
export const IR_VERSION = 1;

/** Cedar actions leash understands. */
export const ACTIONS = [
  "FileOpen",
  "FileOpenReadOnly",
  "FileOpenReadWrite",
  "ProcessExec",
  "NetworkConnect",
  "HttpRequest",
  "HttpRewrite",
  "McpCall",
] as const;

/** One of {@linkcode ACTIONS}. */
export type ActionName = typeof ACTIONS[number];

/** Resource entity types leash understands. */
export const ENTITY_TYPES = ["Dir", "File", "Host", "MCP::Server", "MCP::Tool"] as const;

/** One of {@linkcode ENTITY_TYPES}. */
export type EntityType = typeof ENTITY_TYPES[number];

/** Context attributes each action's requests carry (all strings). */
export const CONTEXT_ATTRS: Record<ActionName, readonly string[]> = {
  FileOpen: [],
  FileOpenReadOnly: [],
  FileOpenReadWrite: [],
  ProcessExec: [],
  NetworkConnect: [],
  HttpRequest: ["method", "path"],
  HttpRewrite: ["header", "value", "secret"],
  McpCall: [],
};

/** A source location (1-based). */
export interface IrLocation {
  line: number;
  col: number;
}

/** A reference to a named resource entity by its canonical key. */
export interface IrEntityRef {
  type: EntityType;
  key: string;
}

/** One element of a Cedar `like` pattern. */
export type IrPatternElem = { literal: string } | "wildcard";

/**
 * A rule condition, evaluated left to right with Cedar's short-circuit and error semantics
 * (reading a context attribute the request lacks is an error; an erroring rule is skipped).
 */
export type IrCondition =
  | { const: boolean }
  | { all: IrCondition[] }
  | { any: IrCondition[] }
  | { not: IrCondition }
  | { resource_in: IrEntityRef }
  | { resource_eq: IrEntityRef }
  | { resource_is: EntityType }
  | { action_in: ActionName[] }
  | { context_eq: { attr: string; value: string } }
  | { context_like: { attr: string; pattern: IrPatternElem[] } }
  | { context_has: string };

/** One compiled policy statement. */
export interface IrRule {
  /** The `@id("...")` annotation, or a generated id stable for the same text. */
  id: string;
  effect: "permit" | "forbid";
  /** Actions the rule's scope admits, sorted. */
  actions: ActionName[];
  condition: IrCondition;
  loc: IrLocation;
}

/** A named resource entity: its id as written and its canonical key. */
export interface IrEntity {
  type: EntityType;
  id: string;
  key: string;
}

/** A combined decision and the rules that decided it (satisfied forbids, else permits). */
export interface IrDecision {
  decision: "allow" | "deny";
  rules: string[];
}

/** Decisions for the three file accesses. */
export interface IrFileDecisions {
  read: IrDecision;
  write: IrDecision;
  exec: IrDecision;
}

/** One kernel file-table entry. */
export interface IrFileEntry extends IrFileDecisions {
  /** Canonical path: ends in "/" for a Dir (prefix) entry, never for a File (exact) entry. */
  path: string;
  kind: "dir" | "file";
}

/** One kernel connect-table entry (an IP prefix). */
export interface IrConnectEntry {
  /** Canonical CIDR or IP. */
  cidr: string;
  family: 4 | 6;
  /** Decision per port named in the policy (decimal keys). */
  ports: Record<string, IrDecision>;
  /** Decision for every other port. */
  other: IrDecision;
}

/** A view of one NetworkConnect or HttpRequest rule for the proxy. */
export interface IrProxyRule {
  id: string;
  effect: "permit" | "forbid";
  /** Host keys the rule names ("*" when it names none). */
  hosts: string[];
  /** HTTP methods it constrains (HttpRequest only; empty = any). */
  methods: string[];
  /** Path patterns (`like` text or exact) it constrains (empty = any). */
  paths: string[];
}

/** A header injection. */
export interface IrRewrite {
  id: string;
  hosts: string[];
  header: string;
  /** Name of the secret whose value is injected. */
  secret?: string;
  /** Literal value (discouraged: it sits in the policy file). */
  value?: string;
}

/** A view of one McpCall rule. */
export interface IrMcpRule {
  id: string;
  effect: "permit" | "forbid";
  servers: string[];
  tools: string[];
}

/** Landlock intent for one access: keys allowed and forbidden subtrees inside them. */
export interface IrLandlockAccess {
  /** Dir/File keys under which the access is allowed (before carve-outs). */
  allow: string[];
  /** Dir/File keys where it is denied although an allowed key covers them. */
  carve: string[];
}

/** The compiled policy. */
export interface PolicyIr {
  version: 1;
  /** Where the policy came from and the SHA-256 of its text. */
  source: { label: string; sha256: string };
  rules: IrRule[];
  entities: IrEntity[];
  file: { entries: IrFileEntry[]; default: IrFileDecisions };
  connect: { entries: IrConnectEntry[]; ports: number[]; default: IrConnectEntry };
  landlock: { read: IrLandlockAccess; write: IrLandlockAccess; exec: IrLandlockAccess };
  proxy: { hosts: IrProxyRule[]; http: IrProxyRule[] };
  rewrites: IrRewrite[];
  mcp: IrMcpRule[];
  dns: { allow: string[] };
}
