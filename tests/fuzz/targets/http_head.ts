/**
 * HTTP/1.1 heads from the target and from upstreams (src/proxy/http_head.ts): a parse returns a
 * head or throws HttpSyntaxError, framing and forwarding decisions do the same, and the head the
 * proxy writes for a parsed head (as bytes on the wire) parses back to the same head.
 */
import {
  formatRequestHead,
  formatResponseHead,
  forwardHeaders,
  headBytes,
  HttpSyntaxError,
  keepsAlive,
  parseRequestHead,
  parseResponseHead,
  requestFraming,
  responseFraming,
} from "../../../src/proxy/http_head.ts";
import { ensure, ensureBounded, ensureSame, type FuzzTarget, parsesOrThrows } from "../_target.ts";

function checkRequest(input: Uint8Array): void {
  const head = parsesOrThrows("parseRequestHead()", () => parseRequestHead(input), HttpSyntaxError);
  if (!head) return;
  ensureBounded("parseRequestHead()", head, input.length);
  const framing = parsesOrThrows("requestFraming()", () => requestFraming(head), HttpSyntaxError);
  keepsAlive(head.version, head.headers);
  if (framing) {
    // The upstream must find the body where the proxy does (request smuggling otherwise).
    for (const upgrade of [false, true]) {
      const sent = forwardHeaders(head.headers, upgrade);
      const upstream = parseRequestHead(
        headBytes(formatRequestHead(head.method, head.target, sent)),
      );
      ensureSame("requestFraming() of the forwarded head", framing, requestFraming(upstream));
    }
  }
  const forwarded = forwardHeaders(head.headers, true);
  ensure(
    forwarded.every(([n]) => !/^(?:proxy-authorization|keep-alive|te|trailer)$/i.test(n)),
    "forwardHeaders() kept a hop-by-hop field",
  );
  const wire = headBytes(formatRequestHead(head.method, head.target, head.headers));
  const again = parseRequestHead(wire);
  ensureSame("parseRequestHead(written head)", { ...head, version: "HTTP/1.1" }, again);
}

function checkResponse(input: Uint8Array): void {
  const head = parsesOrThrows(
    "parseResponseHead()",
    () => parseResponseHead(input),
    HttpSyntaxError,
  );
  if (!head) return;
  ensureBounded("parseResponseHead()", head, input.length);
  for (const method of ["GET", "HEAD"]) {
    const framing = parsesOrThrows(
      "responseFraming()",
      () => responseFraming(method, head),
      HttpSyntaxError,
    );
    if (!framing) continue;
    // The client must find the body where the proxy does.
    const sent = parseResponseHead(
      headBytes(formatResponseHead(head, forwardHeaders(head.headers, false))),
    );
    ensureSame("responseFraming() of the forwarded head", framing, responseFraming(method, sent));
  }
  const wire = headBytes(formatResponseHead(head, head.headers));
  const again = parseResponseHead(wire);
  ensureSame("parseResponseHead(written head)", { ...head, version: "HTTP/1.1" }, again);
}

/** The target. */
export const target: FuzzTarget = {
  dictionary: [
    "\r\n",
    "\r\n\r\n",
    "\n",
    " ",
    "\t",
    ":",
    ",",
    "HTTP/1.1",
    "HTTP/1.0",
    "CONNECT ",
    "Content-Length: ",
    "Transfer-Encoding: chunked",
    "Transfer-Encoding: ",
    "Connection: ",
    "content-length",
    "transfer-encoding",
    "close",
    "keep-alive",
    "Upgrade",
    "\x00",
    "\xc3\xa9",
    "\x85",
    "\xa0",
  ],
  maxLength: 4096,
  open: () => ({
    check(input) {
      checkRequest(input);
      checkResponse(input);
    },
  }),
};
