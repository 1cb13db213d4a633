import { abortable } from "./_abortable.ts";
import { apiErrorFromResponse } from "./errors.ts";
import type { DockerTransport, RawConn } from "./transport.ts";
import { hijack, type HijackedConn } from "./hijack.ts";

/**
 * Query parameters; objects are sent as JSON (filters, labels), booleans as 1/0, arrays of
 * strings as the parameter repeated (import's `changes`).
 */
export type Query = Record<string, string | number | boolean | object | undefined>;

/** Options of one engine request. */
export interface RequestOptions {
  query?: Query | undefined;
  /** JSON-serialised unless it is already bytes or a stream. */
  body?: unknown;
  headers?: Record<string, string> | undefined;
  signal?: AbortSignal | undefined;
  /** Statuses besides 2xx that are not errors (e.g. 304 for start of a running container). */
  accept?: readonly number[];
}

/** Sends versioned requests through a transport and turns error statuses into `DockerApiError`. */
export class EngineApi {
  readonly transport: DockerTransport;
  readonly version: string;

  constructor(transport: DockerTransport, version: string) {
    this.transport = transport;
    this.version = version;
  }

  /** Sends a request; resolves to the response once its status is known to be a success. */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const headers = new Headers(options.headers);
    let body: BodyInit | undefined;
    if (options.body instanceof Uint8Array || options.body instanceof ReadableStream) {
      body = options.body as BodyInit;
    } else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers.set("Content-Type", "application/json");
    }
    const response = await this.transport.fetch(this.url(path, options.query), {
      method,
      headers,
      body: body ?? null,
      signal: options.signal ?? null,
    });
    if (!response.ok && !options.accept?.includes(response.status)) {
      throw await apiErrorFromResponse(response, method, path);
    }
    if (options.signal === undefined || response.body === null) return response;
    const { status, statusText } = response;
    return new Response(abortable(response.body, options.signal), {
      status,
      statusText,
      headers: response.headers,
    });
  }

  /** Sends a request and parses its JSON answer. */
  async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.request(method, path, options);
    return await response.json() as T;
  }

  /** Sends a request whose answer has no useful body; resolves to the status. */
  async send(method: string, path: string, options: RequestOptions = {}): Promise<number> {
    const response = await this.request(method, path, options);
    await response.body?.cancel();
    return response.status;
  }

  /**
   * Sends a request the engine hijacks (attach): the connection becomes a raw byte stream.
   * `rawQuery` is appended to the query as is (already percent-encoded).
   */
  async hijack(
    method: string,
    path: string,
    options: RequestOptions & { rawQuery?: string } = {},
  ): Promise<HijackedConn> {
    const conn: RawConn = await this.transport.connect();
    let target = this.url(path, options.query);
    if (options.rawQuery) target += `${target.includes("?") ? "&" : "?"}${options.rawQuery}`;
    return await hijack(conn, { method, path, target });
  }

  /** The versioned URL path with its query string ("" as version: unversioned). */
  url(path: string, query?: Query): string {
    const prefix = this.version ? `/v${this.version}` : "";
    return `${prefix}${path}${queryString(query)}`;
  }
}

/** Encodes query parameters the way the engine parses them. */
export function queryString(query: Query | undefined): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (typeof value === "boolean") params.set(key, value ? "1" : "0");
    else if (Array.isArray(value) && value.every((v) => typeof v === "string")) {
      for (const v of value) params.append(key, v);
    } else if (typeof value === "object") params.set(key, JSON.stringify(value));
    else params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** Encodes a container/image/network reference for a URL path, keeping "/" in image names. */
export function pathPart(name: string): string {
  if (name === "") throw new TypeError("Invalid Docker object reference: it is empty");
  return name.split("/").map(encodeURIComponent).join("/");
}
