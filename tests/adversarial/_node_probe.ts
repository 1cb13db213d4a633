/**
 * The node program (node 18, CommonJS) the adversarial attempts run in the Debian image as
 * `node adv.js MODE ARGS...`. Node ignores the proxy variables, so its TCP goes through the
 * transparent relay unless it dials the explicit proxy itself. Every mode prints one or a few
 * lines saying what the attacker got:
 *
 * - `tcp HOST PORT TAG` connect, send TAG, print `connected[ got ...]` or `error CODE`
 * - `udp HOST PORT TAG` one datagram: `sent` or `error CODE`
 * - `raw HOST PORT BASE64` connect, send the bytes, print everything received until close
 * - `dnsvia SERVER NAME TYPE` resolve through the resolver SERVER: `answer ...` or `error CODE`
 * - `h2 ORIGIN AUTHORITY|PATH...` one HTTP/2 session, one request per argument with that
 *   `:authority`: `status N` per request
 * - `h2c HOST PORT AUTHORITY|PATH...` the same over cleartext HTTP/2 (prior knowledge)
 * - `ws URL HOST [PATH]` a WebSocket upgrade with that Host header (PATH sent as is, not
 *   normalised like URL's): `status N` and the first frame
 * - `connectsni PROXYPORT TARGET SNI PATH HOST [WAITMS]` CONNECT TARGET through
 *   127.0.0.1:PROXYPORT, then (WAITMS later, accepting any certificate, when given) TLS with
 *   server name SNI and `GET PATH` with that Host: the response head, the issuer of the
 *   certificate it got (`issuer CN`) or an error
 * - `flood-udp HOST PORT N` / `flood-tcp HOST PORT N` N datagrams / N concurrent connections,
 *   `flood-dns N SUFFIX` N queries `f<i>.SUFFIX` through the system resolver, `flood-open PATH N`
 *   N opens of PATH: counts of outcomes
 * - `hold HOST PORT N` N connections held open together, then all closed: how many stayed open
 */
export const ADV_NODE_PROGRAM = `
const net = require("net"), tls = require("tls"), dgram = require("dgram"), dns = require("dns");
const http2 = require("http2"), https = require("https"), http = require("http");
const crypto = require("crypto");
const [mode, ...args] = process.argv.slice(2);
const out = (s) => console.log(s);
const guard = (done, what) => setTimeout(() => done(what + " timeout"), 8000).unref();
function tcp(host, port, tag) {
  return new Promise((resolve) => {
    guard(resolve, "tcp");
    let got = "", connected = false;
    const s = net.connect({ host, port: Number(port) }, () => { connected = true; s.write(tag + "\\n"); });
    s.on("data", (d) => { got += d; });
    s.on("error", (e) => resolve("error " + e.code + (connected ? " after connect" : "")));
    s.on("close", () => resolve(connected ? "connected" + (got ? " got " + JSON.stringify(got) : ", closed") : "closed before connect"));
    setTimeout(() => s.destroy(), 3000).unref();
  });
}
function udp(host, port, tag) {
  return new Promise((resolve) => {
    const s = dgram.createSocket(host.includes(":") ? "udp6" : "udp4");
    s.on("error", (e) => resolve("error " + e.code));
    s.send(tag, Number(port), host, (e) => { s.close(); resolve(e ? "error " + e.code : "sent"); });
  });
}
function raw(host, port, b64) {
  return new Promise((resolve) => {
    guard(resolve, "raw");
    let got = "";
    const s = net.connect({ host, port: Number(port) }, () => s.write(Buffer.from(b64, "base64")));
    s.on("data", (d) => { got += d.toString("latin1"); });
    s.on("error", (e) => resolve("error " + e.code + (got ? "\\n" + got : "")));
    s.on("close", () => resolve("received:\\n" + got));
    setTimeout(() => s.destroy(), 5000).unref();
  });
}
async function dnsvia(server, name, type) {
  const r = new dns.promises.Resolver({ timeout: 3000, tries: 1 });
  r.setServers([server]);
  try {
    const a = await r.resolve(name, type || "A");
    return "answer " + JSON.stringify(a);
  } catch (e) { return "error " + e.code; }
}
function h2(origin, specs, options) {
  return new Promise((resolve) => {
    const lines = [];
    guard(() => resolve(lines.concat("timeout").join("\\n")), "h2");
    const session = http2.connect(origin, options || {});
    session.on("error", (e) => { lines.push("session error " + (e.code || e.message)); resolve(lines.join("\\n")); });
    let left = specs.length;
    specs.forEach((spec, i) => {
      const [authority, path] = spec.split("|");
      const req = session.request({ ":method": "GET", ":path": path, ":authority": authority });
      let body = "";
      req.on("response", (h) => { lines[i] = "status " + h[":status"]; });
      req.on("data", (d) => { body += d; });
      req.on("error", (e) => { lines[i] = "error " + (e.code || e.message); });
      req.on("close", () => {
        lines[i] = (lines[i] || "closed") + " " + JSON.stringify(body.slice(0, 200));
        if (--left === 0) { session.close(); resolve(lines.join("\\n")); }
      });
      req.end();
    });
  });
}
function ws(url, host, rawPath) {
  return new Promise((resolve) => {
    guard(resolve, "ws");
    const u = new URL(url);
    const key = crypto.randomBytes(16).toString("base64");
    const req = (u.protocol === "wss:" ? https : http).request({
      host: u.hostname, port: u.port, path: rawPath || u.pathname, setHost: false,
      headers: { Host: host, Connection: "Upgrade", Upgrade: "websocket",
        "Sec-WebSocket-Key": key, "Sec-WebSocket-Version": "13" },
    });
    req.on("upgrade", (res, socket, head) => {
      let buf = head;
      socket.on("data", (d) => { buf = Buffer.concat([buf, d]); });
      // The first frame's payload (server frames are unmasked; 7- or 16-bit lengths).
      const payload = () => {
        const n = buf[1] & 0x7f, at = n === 126 ? 4 : 2;
        return buf.subarray(at, at + (n === 126 ? buf.readUInt16BE(2) : n)).toString();
      };
      socket.on("close", () => resolve("status " + res.statusCode + " frame " + (buf.length > 1 ? payload() : "")));
      socket.on("error", () => {});
    });
    req.on("response", (res) => {
      let body = "";
      res.on("data", (d) => { body += d; });
      res.on("end", () => resolve("status " + res.statusCode + " " + body.trim()));
    });
    req.on("error", (e) => resolve("error " + (e.code || e.message)));
    req.end();
  });
}
function connectsni(proxyPort, target, sni, path, host, waitMs) {
  return new Promise((resolve) => {
    guard(resolve, "connectsni");
    const s = net.connect({ host: "127.0.0.1", port: Number(proxyPort) }, () => {
      s.write("CONNECT " + target + " HTTP/1.1\\r\\nHost: " + target + "\\r\\n\\r\\n");
    });
    let head = "";
    s.on("error", (e) => resolve("error " + e.code));
    const onData = (d) => {
      head += d.toString("latin1");
      if (!head.includes("\\r\\n\\r\\n")) return;
      s.off("data", onData);
      const first = head.split("\\r\\n")[0];
      if (!/ 200 /.test(first)) { s.destroy(); return resolve("connect " + first); }
      const start = () => {
        const t = tls.connect({
          socket: s, servername: sni, ALPNProtocols: ["http/1.1"],
          ...(waitMs ? { rejectUnauthorized: false } : {}),
        }, () => {
          t.write("GET " + path + " HTTP/1.1\\r\\nHost: " + host + "\\r\\nConnection: close\\r\\n\\r\\n");
        });
        let got = "", issuer = "";
        t.on("secureConnect", () => { issuer = ((t.getPeerCertificate() || {}).issuer || {}).CN || ""; });
        // A 403 keeps the connection open: the response head is enough.
        t.on("data", (x) => { got += x; if (got.includes("\\r\\n\\r\\n")) t.destroy(); });
        t.on("error", (e) => resolve("connect " + first + "; tls error " + (e.code || e.message)));
        t.on("close", () => resolve("connect " + first + "; response " + got.split("\\r\\n")[0] + (waitMs ? "\\nissuer " + issuer : "")));
      };
      if (waitMs) setTimeout(start, Number(waitMs)); else start();
    };
    s.on("data", onData);
  });
}
async function floodUdp(host, port, n) {
  const s = dgram.createSocket(host.includes(":") ? "udp6" : "udp4");
  const counts = {};
  s.on("error", () => {});
  for (let i = 0; i < Number(n); i++) {
    const r = await new Promise((resolve) => s.send("flood" + i, Number(port), host, (e) => resolve(e ? e.code : "sent")));
    counts[r] = (counts[r] || 0) + 1;
  }
  s.close();
  return "flood-udp " + JSON.stringify(counts);
}
async function floodDns(n, suffix) {
  const r = new dns.promises.Resolver({ timeout: 2000, tries: 1 });
  const counts = {};
  let next = 0;
  const worker = async () => {
    while (next < Number(n)) {
      const i = next++;
      const c = await r.resolve4("f" + i + "." + suffix).then(() => "answered", (e) => e.code);
      counts[c] = (counts[c] || 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  return "flood-dns " + JSON.stringify(counts);
}
async function hold(host, port, n) {
  const counts = {}, sockets = [];
  const count = (k) => { counts[k] = (counts[k] || 0) + 1; };
  await Promise.all(Array.from({ length: Number(n) }, () => new Promise((resolve) => {
    const s = net.connect({ host, port: Number(port) });
    sockets.push(s);
    s.on("connect", resolve);
    s.on("error", (e) => { count(e.code); resolve(); });
    s.on("close", () => count("closed"));
  })));
  // Let the relay refuse what is over its limit, then report and let go of everything.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const open = sockets.filter((s) => !s.destroyed).length;
  for (const s of sockets) s.destroy();
  return "hold open=" + open + " " + JSON.stringify(counts);
}
function floodOpen(path, n) {
  const fs = require("fs");
  const counts = {};
  for (let i = 0; i < Number(n); i++) {
    let r = "opened";
    try { fs.closeSync(fs.openSync(path, "r")); } catch (e) { r = e.code; }
    counts[r] = (counts[r] || 0) + 1;
  }
  return "flood-open " + JSON.stringify(counts);
}
async function floodTcp(host, port, n) {
  const counts = {};
  await Promise.all(Array.from({ length: Number(n) }, () => new Promise((resolve) => {
    const s = net.connect({ host, port: Number(port) });
    const done = (r) => { counts[r] = (counts[r] || 0) + 1; s.destroy(); resolve(); };
    s.on("connect", () => done("connected"));
    s.on("error", (e) => done(e.code));
    setTimeout(() => done("timeout"), 8000).unref();
  })));
  return "flood-tcp " + JSON.stringify(counts);
}
(async () => {
  if (mode === "tcp") out(await tcp(...args));
  else if (mode === "udp") out(await udp(...args));
  else if (mode === "raw") out(await raw(...args));
  else if (mode === "dnsvia") out(await dnsvia(...args));
  else if (mode === "h2") out(await h2(args[0], args.slice(1)));
  else if (mode === "h2c") out(await h2("http://" + args[0] + ":" + args[1], args.slice(2)));
  else if (mode === "ws") out(await ws(...args));
  else if (mode === "connectsni") out(await connectsni(...args));
  else if (mode === "flood-udp") out(await floodUdp(...args));
  else if (mode === "hold") out(await hold(...args));
  else if (mode === "flood-open") out(floodOpen(...args));
  else if (mode === "flood-dns") out(await floodDns(...args));
  else if (mode === "flood-tcp") out(await floodTcp(...args));
  else { out("unknown mode " + mode); process.exitCode = 2; }
})();
`;
