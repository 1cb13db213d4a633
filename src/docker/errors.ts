import { runtimeHint } from "./runtime_hints.ts";

/** A request the Docker engine answered with an error status. */
export class DockerApiError extends Error {
  override name = "DockerApiError";
  /** HTTP status of the engine's answer (404 for a missing container). */
  readonly status: number;
  /** The engine's own explanation (the `message` of its JSON error body). */
  readonly engineMessage: string;
  /** HTTP method of the failed request. */
  readonly method: string;
  /** Endpoint path without API version prefix and query, e.g. `/containers/create`. */
  readonly path: string;

  constructor(
    init: { status: number; engineMessage: string; method: string; path: string },
    options?: ErrorOptions,
  ) {
    const hint = runtimeHint(init.engineMessage);
    const detail = (init.engineMessage ? `: ${init.engineMessage}` : "") +
      (hint ? `; ${hint}` : "");
    super(`Docker API ${init.method} ${init.path} failed (${init.status})${detail}`, options);
    this.status = init.status;
    this.engineMessage = init.engineMessage;
    this.method = init.method;
    this.path = init.path;
  }
}

/** The Docker engine cannot be reached or is unusable (missing socket, no permission, too old). */
export class DockerConnectionError extends Error {
  override name = "DockerConnectionError";
  /** Where leash looked for the engine, e.g. `/var/run/docker.sock`. */
  readonly socket: string;

  constructor(message: string, socket: string, options?: ErrorOptions) {
    super(message, options);
    this.socket = socket;
  }
}

/** An image build the engine ran and that failed at one of its Dockerfile steps. */
export class DockerBuildError extends Error {
  override name = "DockerBuildError";
  /** The failing step as the builder printed it, e.g. `Step 3/3 : RUN false`; "" if unknown. */
  readonly step: string;
  /** The builder's explanation of the failure. */
  readonly engineMessage: string;

  constructor(init: { tag: string; step: string; engineMessage: string }, options?: ErrorOptions) {
    const where = init.step ? ` at "${init.step}"` : "";
    const image = init.tag ? ` "${init.tag}"` : "";
    super(`Cannot build image${image}: failed${where}: ${init.engineMessage}`, options);
    this.step = init.step;
    this.engineMessage = init.engineMessage;
  }
}

/**
 * Builds the `DockerApiError` for a failed engine response, reading its JSON (or text) body.
 * The body is always consumed so the connection is released.
 */
export async function apiErrorFromResponse(
  response: Response,
  method: string,
  path: string,
): Promise<DockerApiError> {
  const text = await response.text().catch(() => "");
  return new DockerApiError({
    status: response.status,
    engineMessage: engineMessageOf(text) || response.statusText,
    method,
    path,
  });
}

/** Extracts the engine's message from an error body: `{"message": "..."}` or plain text. */
export function engineMessageOf(body: string): string {
  const trimmed = body.trim();
  if (trimmed.startsWith("{")) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (isRecord(parsed) && typeof parsed.message === "string") return parsed.message.trim();
    } catch {
      // Not JSON after all: fall through to the raw text.
    }
  }
  return trimmed;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}
