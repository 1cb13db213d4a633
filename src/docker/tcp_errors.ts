import { DockerConnectionError } from "./errors.ts";
import type { TlsMaterial } from "./tcp_security.ts";

/** What {@linkcode tcpConnectionError} names. */
export interface TcpEndpoint {
  hostname: string;
  port: number;
  tls: TlsMaterial | undefined;
  /** The DOCKER_HOST value. */
  address: string;
}

/**
 * Explains why a `tcp://` engine could not be used, with the fix, as one line:
 * `Cannot connect to Docker engine "tcp://h:2376" (DOCKER_HOST): connection refused; ...`.
 */
export function tcpConnectionError(endpoint: TcpEndpoint, error: unknown): DockerConnectionError {
  return new DockerConnectionError(
    `Cannot connect to Docker engine "${endpoint.address}" (DOCKER_HOST): ${
      tcpReason(endpoint, errorText(error), error)
    }`,
    endpoint.address,
    { cause: error },
  );
}

/** The reason and fix for one failure; pure (reads the error's text). */
export function tcpReason(endpoint: TcpEndpoint, text: string, error?: unknown): string {
  const where = `${endpoint.hostname}:${endpoint.port}`;
  const ca = endpoint.tls ? `"${endpoint.tls.certPath}/ca.pem"` : "";
  if (error instanceof DOMException && error.name === "TimeoutError" || /timed out/i.test(text)) {
    return `no answer from ${where} within 10 s; check that the host is reachable and dockerd listens there (dockerd -H tcp://0.0.0.0:${endpoint.port} --tlsverify ...)`;
  }
  if (error instanceof Deno.errors.ConnectionRefused || /os error 111\b|refused/i.test(text)) {
    return `connection refused by ${where}; no engine listens there: check DOCKER_HOST's host and port, and that dockerd runs with -H tcp://0.0.0.0:${endpoint.port}`;
  }
  if (/os error 113\b|os error 101\b|unreachable/i.test(text)) {
    return `${where} is unreachable (no route); check DOCKER_HOST's host and your network`;
  }
  if (
    /dns error|failed to lookup|name or service not known|nodename nor servname|ENOTFOUND|EAI_AGAIN/i
      .test(text)
  ) {
    return `cannot resolve "${endpoint.hostname}"; check the host name in DOCKER_HOST`;
  }
  if (
    /UnknownIssuer|BadSignature|invalid peer certificate: (?:Other|Expired|NotValidYet)|certificate verify|unable to verify the first certificate|unable to get (?:local )?issuer certificate|self[- ]signed certificate/i
      .test(text)
  ) {
    return `TLS verification failed: the engine's certificate is not signed by the CA in ${ca} (${
      tlsDetail(text)
    }); set DOCKER_CERT_PATH to the directory holding that engine's ca.pem, cert.pem and key.pem`;
  }
  if (/NotValidForName|not valid for name|CertNotValidForName/i.test(text)) {
    return `TLS verification failed: the engine's certificate does not name "${endpoint.hostname}" (${
      tlsDetail(text)
    }); use the host name or address its certificate was made for in DOCKER_HOST`;
  }
  if (
    /CertificateRequired|certificate required|BadCertificate|bad certificate|UnknownCA|unknown ca|DecryptError|handshake failure|alert/i
      .test(text) && endpoint.tls
  ) {
    return `the engine refused leash's client certificate "${endpoint.tls.certPath}/cert.pem" (${
      tlsDetail(text)
    }); use a client certificate signed by the CA the engine trusts (dockerd --tlscacert)`;
  }
  if (
    /InvalidContentType|CorruptMessage|wrong version number|http2 error|received corrupt message/i
      .test(text) && endpoint.tls
  ) {
    return `${where} does not speak TLS (${
      tlsDetail(text)
    }); the engine listens without --tlsverify: start it with --tlsverify, or set LEASH_DOCKER_INSECURE=1 and unset DOCKER_TLS_VERIFY to accept plain tcp`;
  }
  if (
    !endpoint.tls &&
    /connection closed before message completed|reset|invalid HTTP|HTTP/i.test(text)
  ) {
    return `${where} closed the plain HTTP request (${
      tlsDetail(text)
    }); the engine probably requires TLS: set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH`;
  }
  return text;
}

function tlsDetail(text: string): string {
  const match =
    /(invalid peer certificate: \w+|received fatal alert: \w+|peer sent no certificates|[^:]*certificate[^:]*$)/i
      .exec(text);
  return (match?.[1] ?? text.split(": ").slice(-1)[0] ?? text).trim();
}

/** The messages of an error and its causes, joined. */
export function errorText(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e instanceof Error && parts.length < 5; e = e.cause) {
    parts.push(e.message);
  }
  return parts.length > 0 ? parts.join(": ") : String(error);
}
