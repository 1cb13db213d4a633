import assert from "node:assert/strict";
import { tcpReason } from "./tcp_errors.ts";

const TLS = {
  hostname: "engine",
  port: 2376,
  address: "tcp://engine:2376",
  tls: { certPath: "/certs", ca: "", cert: "", key: "" },
};

Deno.test("tcpReason() names the CA file when the engine's certificate does not chain to it", () => {
  const reason = tcpReason(
    TLS,
    "error sending request: client error (Connect): invalid peer certificate: UnknownIssuer",
  );
  assert.equal(
    reason,
    `TLS verification failed: the engine's certificate is not signed by the CA in "/certs/ca.pem" (invalid peer certificate: UnknownIssuer); set DOCKER_CERT_PATH to the directory holding that engine's ca.pem, cert.pem and key.pem`,
  );
});

Deno.test("tcpReason() says the certificate does not name the host of DOCKER_HOST", () => {
  const reason = tcpReason(TLS, "invalid peer certificate: NotValidForName");
  assert.match(reason, /does not name "engine" .*use the host name or address its certificate/);
});

Deno.test("tcpReason() says the engine refused leash's client certificate", () => {
  assert.match(
    tcpReason(TLS, "received fatal alert: BadCertificate"),
    /^the engine refused leash's client certificate "\/certs\/cert.pem" \(received fatal alert: BadCertificate\)/,
  );
});

Deno.test("tcpReason() names host and port for a refused connection and a silent host", () => {
  assert.match(
    tcpReason(TLS, "tcp connect error: Connection refused (os error 111)"),
    /^connection refused by engine:2376; no engine listens there/,
  );
  assert.match(
    tcpReason(TLS, "", new DOMException("timed out", "TimeoutError")),
    /^no answer from engine:2376 within 10 s/,
  );
});

Deno.test("tcpReason() says a host name does not resolve", () => {
  assert.equal(
    tcpReason(TLS, "getaddrinfo ENOTFOUND engine"),
    'cannot resolve "engine"; check the host name in DOCKER_HOST',
  );
});
