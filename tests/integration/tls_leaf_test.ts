import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { connect, createServer, type Server, type TLSSocket } from "node:tls";
import { join } from "node:path";
import { createCa, createLeafMinter, LeafCache } from "../../src/ca/mod.ts";

const BODY = "hello from the leaf\n";

/** A real TLS server on 127.0.0.1 serving per-SNI leaves from `cache`; the default leaf is for the IP. */
async function startServer(cache: LeafCache): Promise<{ server: Server; port: number }> {
  const fallback = (await cache.get("127.0.0.1")).leaf;
  const server = createServer({
    SNICallback: cache.sniCallback({ defaultHost: "127.0.0.1" }),
    cert: fallback.certPem,
    key: fallback.keyPem,
  });
  server.on("secureConnection", (socket: TLSSocket) => {
    socket.on("error", () => socket.destroy());
    socket.once("data", () => {
      socket.end(
        `HTTP/1.1 200 OK\r\nContent-Length: ${BODY.length}\r\nConnection: close\r\n\r\n${BODY}`,
      );
    });
  });
  server.on("tlsClientError", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

async function curl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command("curl", {
    args: ["-sS", "--max-time", "20", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

/** Connects with node:tls; resolves with the verification outcome and the peer's SAN. */
function nodeClient(
  port: number,
  options: { servername?: string; ca: string },
): Promise<{ authorized: boolean; error?: Error; san?: string | undefined; body?: string }> {
  return new Promise((resolve) => {
    const socket = connect({
      host: "127.0.0.1",
      port,
      ca: options.ca,
      ...(options.servername ? { servername: options.servername } : {}),
    });
    let body = "";
    socket.on("secureConnect", () => {
      socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    });
    socket.on("data", (chunk: Uint8Array) => body += new TextDecoder().decode(chunk));
    socket.on("end", () => {
      const san = socket.getPeerCertificate().subjectaltname;
      resolve({ authorized: socket.authorized, san, body });
      socket.destroy();
    });
    socket.on("error", (error: Error) => {
      socket.destroy();
      resolve({ authorized: false, error });
    });
  });
}

Deno.test("tls leaf: curl and node:tls verify per-host leaves minted from the CA", async () => {
  const ca = await createCa({ commonName: "leash integration CA" });
  const stranger = await createCa({ commonName: "a CA nobody trusts" });
  const dir = await Deno.makeTempDir({ prefix: "leash-tls-leaf-" });
  const caPath = join(dir, "ca.pem");
  const strangerPath = join(dir, "other-ca.pem");
  await Deno.writeTextFile(caPath, ca.certPem);
  await Deno.writeTextFile(strangerPath, stranger.certPem);
  let mints = 0;
  const minter = await createLeafMinter(ca);
  const cache = new LeafCache({
    keyType: minter.keyType,
    keyPem: minter.keyPem,
    mint: (host) => {
      mints++;
      return minter.mint(host);
    },
  });
  const { server, port } = await startServer(cache);
  try {
    // curl with the leash CA, by name through --resolve (SNI api.example.com).
    const ok = await curl([
      "--cacert",
      caPath,
      "--resolve",
      `api.example.com:${port}:127.0.0.1`,
      `https://api.example.com:${port}/`,
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, BODY);
    assert.equal(cache.has("api.example.com"), true);

    // A second host gets its own leaf.
    const second = await curl([
      "--cacert",
      caPath,
      "--resolve",
      `Second.Example.org:${port}:127.0.0.1`,
      `https://Second.Example.org:${port}/`,
    ]);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(cache.has("second.example.org"), true);

    // curl trusting another CA refuses the leaf (exit 60: peer certificate cannot be authenticated).
    const refused = await curl([
      "--cacert",
      strangerPath,
      "--resolve",
      `api.example.com:${port}:127.0.0.1`,
      `https://api.example.com:${port}/`,
    ]);
    assert.equal(refused.code, 60, refused.stderr);

    // IP literal: no SNI, the default leaf's iPAddress SAN verifies.
    const ip = await curl(["--cacert", caPath, `https://127.0.0.1:${port}/`]);
    assert.equal(ip.code, 0, ip.stderr);
    assert.equal(ip.stdout, BODY);

    // node:tls client with the CA and a server name.
    const node = await nodeClient(port, { servername: "node.example.net", ca: ca.certPem });
    assert.equal(node.error, undefined);
    assert.equal(node.authorized, true);
    assert.equal(node.san, "DNS:node.example.net");
    assert.equal(node.body?.endsWith(BODY), true);

    // node:tls with the wrong CA fails verification.
    const wrong = await nodeClient(port, { servername: "node.example.net", ca: stranger.certPem });
    assert.equal(wrong.authorized, false);
    assert.ok(wrong.error, "expected a verification error");

    // Cache hits: a repeat host is not minted again.
    const before = mints;
    const again = await curl([
      "--cacert",
      caPath,
      "--resolve",
      `api.example.com:${port}:127.0.0.1`,
      `https://api.example.com:${port}/`,
    ]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(mints, before);
  } finally {
    await closeServer(server);
    await Deno.remove(dir, { recursive: true });
  }
});
