import type net from "node:net";
import type { EventSink } from "../events/mod.ts";
import type { DnsVerdict } from "./allow.ts";
import {
  addressData,
  buildResponse,
  type DnsAnswer,
  formErr,
  parseQuery,
  QTYPES,
  RCODE,
} from "./message.ts";

/** TTL of the answers leash gives (short: the policy may change). */
export const ANSWER_TTL = 60;

/**
 * How long the kernel lets the target connect to an address leash's DNS answered: longer
 * than the answer's TTL, since runtimes and resolvers keep answers longer than told; each new
 * answer naming the address renews it.
 */
export const PERMIT_TTL_S = 600;

/** What one DNS stream needs from the session. */
export interface DnsStreamOptions {
  /** Decides a name under the current policy ({@linkcode dnsVerdict}). */
  verdict: (name: string) => DnsVerdict;
  /** The current mode; only `enforce` refuses. */
  mode: () => "record" | "shadow" | "enforce";
  events: EventSink;
  /** Resolves a name on the host. @default Deno.resolveDns */
  resolve?: (name: string, type: "A" | "AAAA") => Promise<string[]>;
  /**
   * Why an answer address for `name` must not be handed out (a forbid covers it, or it is the
   * host's own), or undefined. Withheld addresses are left out of the answer; when none is left
   * the target gets NOERROR with no address (NODATA), as for a name without that record type.
   * @default every address is handed out
   */
  withhold?: (name: string, address: string) => Promise<string | undefined>;
  /**
   * Names the answer's addresses in the kernel before the answer is sent (the manager's
   * `dst.permit`); a rejection turns the answer into SERVFAIL (fail closed). @default none
   */
  permit?: (addrs: string[], ttlS: number) => Promise<void>;
}

async function resolveOnHost(name: string, type: "A" | "AAAA"): Promise<string[]> {
  return await Deno.resolveDns(name, type);
}

/**
 * Answers one length-prefixed DNS query (after the relay header): allowed names are resolved
 * on the host (A/AAAA; other types get an empty answer), every other name gets NXDOMAIN.
 * Returns the length-prefixed response.
 */
export async function answerQuery(
  message: Uint8Array,
  options: DnsStreamOptions,
): Promise<Uint8Array> {
  let query;
  try {
    query = parseQuery(message);
  } catch (error) {
    options.events.emit({
      event: "dns.query",
      decision: "deny",
      layer: "proxy",
      message: error instanceof Error ? error.message : String(error),
    });
    return frame(formErr(message));
  }
  const qtype = QTYPES[query.type] ?? String(query.type);
  const verdict = options.verdict(query.name);
  const mode = options.mode();
  const base = { event: "dns.query" as const, layer: "proxy", host: query.name, qtype };
  if (!verdict.allowed && mode === "enforce") {
    options.events.emit({ ...base, decision: "deny", rule: verdict.rule, rcode: "NXDOMAIN" });
    return frame(buildResponse(query, RCODE.nxDomain));
  }
  const shadow = !verdict.allowed && mode === "shadow" ? { would_deny: true } : {};
  let rcode: number = RCODE.noError;
  const answers: DnsAnswer[] = [];
  const withheld: string[] = [];
  const addresses: string[] = [];
  if (query.class === 1 && (query.type === 1 || query.type === 28)) {
    try {
      const ips = await (options.resolve ?? resolveOnHost)(
        query.name,
        query.type === 1 ? "A" : "AAAA",
      );
      for (const ip of ips) {
        const why = await options.withhold?.(query.name, ip);
        if (why !== undefined) {
          withheld.push(why);
          continue;
        }
        const data = addressData(ip);
        if (data && data.type === query.type) {
          answers.push({ ...data, ttl: ANSWER_TTL });
          addresses.push(ip);
        }
      }
    } catch (error) {
      rcode = error instanceof Deno.errors.NotFound ? RCODE.nxDomain : RCODE.servFail;
    }
  }
  let refused: string | undefined;
  if (answers.length > 0 && options.permit) {
    try {
      await options.permit(addresses, PERMIT_TTL_S);
    } catch (error) {
      refused = error instanceof Error ? error.message : String(error);
      rcode = RCODE.servFail;
      answers.length = 0;
    }
  }
  const notes = [
    ...(withheld.length > 0 ? [`answer withheld: ${withheld.join("; ")}`] : []),
    ...(refused === undefined ? [] : [`answer withheld (fail closed): ${refused}`]),
  ];
  options.events.emit({
    ...base,
    decision: "allow",
    ...shadow,
    rule: verdict.rule,
    rcode: rcode === RCODE.noError ? "NOERROR" : rcode === RCODE.nxDomain ? "NXDOMAIN" : "SERVFAIL",
    answers: answers.length,
    ...(withheld.length > 0 ? { withheld: withheld.length } : {}),
    ...(notes.length > 0 ? { message: notes.join("; ") } : {}),
  });
  return frame(buildResponse(query, rcode, answers));
}

function frame(message: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + message.length);
  out[0] = message.length >> 8;
  out[1] = message.length & 0xff;
  out.set(message, 2);
  return out;
}

/** Reads `[len][message]` from a relay DNS stream whose header was consumed, answers, closes. */
export async function serveDnsStream(
  socket: net.Socket,
  read: (n: number) => Promise<Uint8Array>,
  options: DnsStreamOptions,
): Promise<void> {
  const prefix = await read(2);
  const length = (prefix[0]! << 8) | prefix[1]!;
  const message = await read(length);
  const answer = await answerQuery(message, options);
  await new Promise<void>((resolve) => socket.end(answer, () => resolve()));
}
