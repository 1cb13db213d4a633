import assert from "node:assert/strict";
import { compilePolicy } from "../policy/mod.ts";
import { judgeRequest, requestChannel, type RequestInput } from "./request_judge.ts";
import { judge } from "./verdict.ts";

const { ir } = compilePolicy(`
@id("web")
permit (principal, action == Action::"NetworkConnect", resource in Host::"web.test");
@id("other")
permit (principal, action == Action::"NetworkConnect", resource in Host::"other.test");
@id("no-admin")
forbid (principal, action == Action::"HttpRequest", resource)
  when { context.path like "/admin*" };
`);
const engine = {
  judge: (...args: [Parameters<typeof judge>[2], string, Record<string, string>?]) =>
    judge(ir, "enforce", ...args),
};

function h1(target: string, ...hosts: string[]): RequestInput {
  return { method: "GET", target, authorities: hosts, protocol: "h1", version: "HTTP/1.1" };
}

Deno.test("judgeRequest() accepts the connection's own authority in any spelling and forwards the judged one", () => {
  for (const host of ["web.test", "WEB.test.", "web.test:443"]) {
    const j = judgeRequest(
      engine,
      requestChannel("https", { host: "web.test", port: 443 }),
      h1("/a/../b", host),
    );
    assert.ok(j.ok, host);
    assert.equal(j.hostField, "web.test");
    assert.equal(j.path, "/b");
    assert.equal(j.url, "https://web.test/b");
  }
});

Deno.test("judgeRequest() answers 421 when Host, :authority or the URL names another authority than the connection's", () => {
  const tls = () => requestChannel("https", { host: "web.test", port: 8443 });
  for (
    const input of [
      h1("/", "other.test:8443"),
      h1("/", "web.test"), // port 443, the connection is to 8443
      h1("/", "web.test:443"),
      h1("https://other.test:8443/", "web.test:8443"),
      h1("https://web.test:8443/", "other.test:8443"),
      {
        method: "GET",
        target: "/",
        authorities: ["other.test:8443"],
        protocol: "h2",
      } as RequestInput,
    ]
  ) {
    const j = judgeRequest(engine, tls(), input);
    assert.equal(j.ok ? 200 : j.status, 421, JSON.stringify(input));
  }
});

Deno.test("judgeRequest() binds a transparent plain-HTTP connection to its first Host", () => {
  const channel = requestChannel("http", { host: "192.0.2.1", port: 80 }, true);
  const first = judgeRequest(engine, channel, h1("/", "web.test"));
  assert.ok(first.ok);
  assert.equal(first.authority.host, "web.test");
  const second = judgeRequest(engine, channel, h1("/", "other.test"));
  assert.equal(second.ok ? 200 : second.status, 421);
  const port = judgeRequest(
    engine,
    requestChannel("http", { host: "192.0.2.1", port: 80 }, true),
    h1("/", "web.test:8080"),
  );
  assert.equal(port.ok ? 200 : port.status, 421);
  const old = judgeRequest(engine, requestChannel("http", { host: "192.0.2.1", port: 80 }, true), {
    method: "GET",
    target: "/",
    authorities: [],
    protocol: "h1",
    version: "HTTP/1.0",
  });
  // HTTP/1.0 without Host is judged as a request to the address the client dialled.
  assert.equal(old.ok ? 200 : old.status, 403);
  assert.match(old.ok ? "" : old.reason, /GET http:\/\/192\.0\.2\.1\/ denied/);
});

Deno.test("judgeRequest() refuses malformed and ambiguous requests with 400, forbidden paths with 403", () => {
  const tls = () => requestChannel("https", { host: "web.test", port: 443 });
  const status = (input: RequestInput) => {
    const j = judgeRequest(engine, tls(), input);
    return j.ok ? 200 : j.status;
  };
  assert.equal(status(h1("/", "web.test", "web.test")), 400, "two Host headers");
  assert.equal(status(h1("/")), 400, "HTTP/1.1 without Host");
  assert.equal(status(h1("/a%2fb", "web.test")), 400);
  assert.equal(status(h1("/", "0x7f.1")), 400);
  assert.equal(status(h1("https://u:p@web.test/", "web.test")), 400);
  assert.equal(
    status({ method: "GET", target: "/", authorities: ["web.test", "other.test"], protocol: "h2" }),
    400,
  );
  assert.equal(status(h1("/x/..//admin", "web.test")), 403);
  assert.equal(status(h1("/%61dmin", "web.test")), 403);
  const explicit = judgeRequest(engine, requestChannel("http", undefined), h1("/", "web.test"));
  assert.equal(explicit.ok ? 200 : explicit.status, 400, "origin-form on the explicit port");
});
