/**
 * The mask stage of DESIGN.md §5, shared by HTTP/1.1, HTTP/2 and WebSocket: secret values an
 * upstream sends back (an echo endpoint, an error quoting a key, a value it stored earlier)
 * are replaced before the response reaches the agent, and each reflection is an `http.mask`
 * event. Every response of a session with secrets is scanned, whichever request carried the
 * secret: an upstream may return a value it was given earlier. The scan is cheap enough for
 * that (mask.ts: ~1.1 GiB/s for three values on one loaded core); scripts/bench/proxy.ts
 * measures the leash+mask path against leash in the same run.
 *
 * Requests keep their Accept-Encoding: compressed bodies are decoded here anyway (the client
 * gets them decoded), so asking upstreams for identity would only move bytes, not close a gap.
 */
import { Readable } from "node:stream";
import type { SecretStore } from "../secrets/mod.ts";
import { contentDecoding, decodeBody } from "./decode.ts";
import type { EgressEngine } from "./engine.ts";
import type { HeaderField } from "./http_head.ts";
import { maskCutValues, type MaskPattern, maskText, StreamMasker, wirePatterns } from "./mask.ts";

/** Where in a response a reflected value was found. */
export type MaskWhere = "header" | "trailer" | "body" | "frame" | "error";

/** What the events of one response say about it. */
export interface MaskFacts {
  host: string;
  url?: string;
  method?: string;
  protocol: string;
}

const cache = new WeakMap<SecretStore, MaskPattern[]>();

function patternsOf(secrets: SecretStore): MaskPattern[] {
  let patterns = cache.get(secrets);
  if (!patterns) {
    patterns = wirePatterns(secrets.names.map((n) => [n, secrets.reveal(n) ?? ""] as const));
    cache.set(secrets, patterns);
  }
  return patterns;
}

/** How a response's header block and body go through the mask stage. */
export type MaskPlan =
  | {
    kind: "forward";
    /** The header fields to send (masked; Content-Encoding and -Length gone when decoding). */
    fields: HeaderField[];
    /** Content codings undone before masking (the client gets the decoded body). */
    codings: string[];
  }
  | { kind: "refuse"; reason: string };

/** The mask stage of one response (or one upgraded connection). */
export class ResponseMask {
  readonly #engine: EgressEngine;
  readonly #patterns: MaskPattern[];
  readonly #facts: MaskFacts;
  readonly #reported = new Set<string>();

  /** Creates the stage for a response described by `facts`. */
  constructor(engine: EgressEngine, patterns: MaskPattern[], facts: MaskFacts) {
    this.#engine = engine;
    this.#patterns = patterns;
    this.#facts = facts;
  }

  /** A function that reports a masked value found in `where` (one event per secret and place). */
  hit(where: MaskWhere): (name: string) => void {
    return (name) => {
      const key = `${where}\0${name}`;
      if (this.#reported.has(key)) return;
      this.#reported.add(key);
      this.#engine.emit({
        event: "http.mask",
        decision: "allow",
        layer: "proxy",
        ...this.#facts,
        where,
        secret: name,
        value: `«secret:${name}»`,
        message: `reflected secret «secret:${name}» masked in the response ${where}`,
      });
    };
  }

  /** Reports a response (or the rest of a connection) refused because it cannot be masked. */
  refused(where: MaskWhere, reason: string, status?: number): void {
    this.#engine.emit({
      event: "http.mask",
      decision: "deny",
      layer: "proxy",
      ...this.#facts,
      where,
      ...(status !== undefined ? { status } : {}),
      message: reason,
    });
  }

  /** `text` (a header value, an error message) with every secret value masked. */
  text(text: string, where: MaskWhere): string {
    // Error messages quote upstream bytes cut to a length: the start of a value may remain.
    if (where === "error") return maskCutValues(text, this.#patterns, this.hit(where));
    return maskText(text, this.#patterns, this.hit(where));
  }

  /** Header fields with names and values masked. */
  fields(fields: HeaderField[], where: MaskWhere = "header"): HeaderField[] {
    return fields.map(([n, v]) => [this.text(n, where), this.text(v, where)]);
  }

  /** Raw bytes of a complete block (an interim response head), masked at the same length. */
  block(bytes: Uint8Array, where: MaskWhere): Uint8Array {
    const masker = this.stream(where);
    const head = masker.push(bytes);
    const tail = masker.end();
    if (tail.length === 0) return head;
    const out = new Uint8Array(head.length + tail.length);
    out.set(head);
    out.set(tail, head.length);
    return out;
  }

  /** A streaming masker for a body or a message, reporting to `where`. */
  stream(where: MaskWhere): StreamMasker {
    return new StreamMasker(this.#patterns, this.hit(where));
  }

  /**
   * Plans a response head: masks its fields; a body with a content coding leash can undo is
   * decoded (Content-Encoding and Content-Length dropped), one it cannot undo is refused.
   */
  plan(fields: HeaderField[], hasBody: boolean): MaskPlan {
    const masked = this.fields(fields);
    if (!hasBody) return { kind: "forward", fields: masked, codings: [] };
    const decoding = contentDecoding(masked);
    if (decoding.kind === "unknown") {
      const reason =
        `response refused: leash cannot decode Content-Encoding "${decoding.coding}" to mask secrets in it`;
      this.refused("body", reason, 502);
      return { kind: "refuse", reason };
    }
    if (decoding.kind === "identity") return { kind: "forward", fields: masked, codings: [] };
    const drop = new Set(["content-encoding", "content-length"]);
    return {
      kind: "forward",
      fields: masked.filter(([n]) => !drop.has(n.toLowerCase())),
      codings: decoding.codings,
    };
  }

  /** The masked (and decoded) payload of a body read from `source`. */
  async *payload(source: AsyncIterable<Uint8Array>, codings: string[]): AsyncGenerator<Uint8Array> {
    const masker = this.stream("body");
    const decoded = codings.length > 0 ? decodeBody(source, codings) : source;
    for await (const chunk of decoded) {
      const out = masker.push(chunk);
      if (out.length > 0) yield out;
    }
    const rest = masker.end();
    if (rest.length > 0) yield rest;
  }

  /** {@linkcode ResponseMask.payload} as a Readable (node:http2 streams), counting raw bytes. */
  readable(source: Readable, codings: string[], count: (bytes: number) => void): Readable {
    return Readable.from(this.payload(flowing(source, count), codings), { objectMode: false });
  }
}

/**
 * The chunks of `source` by its 'data' events (paused while a few wait), ending at 'end' or
 * 'close'. Listening starts at once, not at the first pull: Deno's node:http2 may deliver a
 * response's bytes and close its stream before anyone reads, and an async iterator over the
 * stream would then see a premature close.
 */
function flowing(source: Readable, count: (n: number) => void): AsyncIterable<Uint8Array> {
  const queue: Uint8Array[] = [];
  let done = false;
  let failed: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const onData = (chunk: Uint8Array) => {
    count(chunk.length);
    queue.push(chunk);
    if (queue.length >= 4) source.pause();
    notify();
  };
  const onEnd = () => {
    done = true;
    notify();
  };
  const onError = (error: Error) => {
    failed = error;
    notify();
  };
  source.on("data", onData);
  source.on("end", onEnd);
  source.on("close", onEnd);
  source.on("error", onError);
  return (async function* () {
    try {
      for (;;) {
        const chunk = queue.shift();
        if (chunk) {
          if (queue.length === 0 && !done) source.resume();
          yield chunk;
          continue;
        }
        if (failed) throw failed;
        if (done) return;
        await new Promise<void>((resolve) => wake = resolve);
      }
    } finally {
      source.off("data", onData);
      source.off("end", onEnd);
      source.off("close", onEnd);
      source.off("error", onError);
    }
  })();
}

/** The mask stage for a response, or undefined when the session has no secrets to mask. */
export function maskStage(engine: EgressEngine, facts: MaskFacts): ResponseMask | undefined {
  const patterns = patternsOf(engine.options.secrets);
  if (patterns.length === 0) return undefined;
  // Only these facts: callers pass their request event's facts, which say more.
  const { host, url, method, protocol } = facts;
  const own: MaskFacts = { host, protocol };
  if (url !== undefined) own.url = url;
  if (method !== undefined) own.method = method;
  return new ResponseMask(engine, patterns, own);
}
