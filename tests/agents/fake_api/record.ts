/** What a fake model API received: every request, kept for the tests' assertions. */

/** One request as the fake API received it. */
export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. `/v1/messages?beta=true`. */
  path: string;
  /** Header names lower-case. */
  headers: Record<string, string>;
  /** The body as text ("" when none). */
  body: string;
}

/** Reads `request` into a record (consumes its body). */
export async function recordRequest(request: Request): Promise<RecordedRequest> {
  const url = new URL(request.url);
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => headers[name.toLowerCase()] = value);
  return {
    method: request.method,
    path: url.pathname + url.search,
    headers,
    body: request.body ? await request.text() : "",
  };
}

/** The body of `record` as JSON, or undefined when it is not JSON. */
export function jsonBody(record: RecordedRequest): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(record.body);
    return typeof value === "object" && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}
