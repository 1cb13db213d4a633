/**
 * The node program the egress e2e tests run in the Debian image (node 18, CommonJS). Node
 * clients (node ignores the proxy variables: it goes transparently), chosen by argv:
 * `ws URL...` (a WebSocket echo by hand: node 18 has no WebSocket client), `slow URL` (reads
 * the first part, then asks the server to release the rest), `dns NAME...` (resolve4 through
 * the system resolver), `banner ADDR PORT` (a TCP client of a server that speaks first),
 * `udp ADDR PORT` (one datagram). Each prints one line per check.
 */
export const NODE_PROGRAM = `
const http = require("http"), https = require("https"), crypto = require("crypto");
const net = require("net"), dns = require("dns"), dgram = require("dgram");
const [mode, ...args] = process.argv.slice(1);
const guard = (resolve, what) => setTimeout(() => resolve(what + " timeout"), 30000).unref();
function ws(url) {
  return new Promise((resolve) => {
    guard(resolve, url);
    const u = new URL(url);
    const key = crypto.randomBytes(16).toString("base64");
    const req = (u.protocol === "wss:" ? https : http).request({
      host: u.hostname, port: u.port, path: u.pathname,
      headers: { Connection: "Upgrade", Upgrade: "websocket",
        "Sec-WebSocket-Key": key, "Sec-WebSocket-Version": "13" },
    });
    req.on("upgrade", (res, socket, head) => {
      const accept = crypto.createHash("sha1")
        .update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64");
      if (res.headers["sec-websocket-accept"] !== accept) return resolve("bad accept");
      const payload = Buffer.from("hi " + u.protocol);
      const mask = crypto.randomBytes(4);
      socket.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask,
        payload.map((b, i) => b ^ mask[i % 4])]));
      let buf = head;
      const parse = () => {
        if (buf.length < 2 || buf.length < 2 + (buf[1] & 0x7f)) return;
        resolve(res.statusCode + " " + buf.subarray(2, 2 + (buf[1] & 0x7f)).toString());
        socket.destroy();
      };
      socket.on("data", (d) => { buf = Buffer.concat([buf, d]); parse(); });
      parse();
    });
    req.on("response", (res) => resolve("status " + res.statusCode));
    req.on("error", (e) => resolve("error " + (e.code || e.message)));
    req.end();
  });
}
function slow(base) {
  return new Promise((resolve) => {
    guard(resolve, "slow");
    let got = "", asked = false;
    https.get(base + "/slow", (res) => {
      res.on("data", (d) => {
        got += d;
        if (!asked && got.includes("first part")) {
          asked = true;
          https.get(base + "/release", (r) => r.resume());
        }
      });
      res.on("end", () => resolve(got.trim().split("\\n").join(" | ")));
    }).on("error", (e) => resolve("error " + e.code));
  });
}
function banner(host, port) {
  return new Promise((resolve) => {
    guard(resolve, "banner");
    let got = "";
    const s = net.connect({ host, port: Number(port) }, () => {});
    s.on("data", (d) => {
      got += d;
      if (got.includes("SSH-2.0") && !got.includes("got")) s.write("hello\\r\\n");
      if (got.includes("got")) s.end();
    });
    s.on("error", (e) => resolve("error " + e.code + (got ? " after " + JSON.stringify(got) : "")));
    s.on("close", () => resolve(got ? got.trim().split("\\r\\n").join(" | ") : "closed, nothing received"));
  });
}
function udp(host, port) {
  return new Promise((resolve) => {
    const s = dgram.createSocket(host.includes(":") ? "udp6" : "udp4");
    s.send("x", Number(port), host, (e) => { s.close(); resolve(e ? "error " + e.code : "sent"); });
  });
}
(async () => {
  if (mode === "ws") for (const u of args) console.log("ws " + u + ": " + await ws(u));
  if (mode === "slow") console.log("slow: " + await slow(args[0]));
  if (mode === "banner") console.log("banner " + args[1] + ": " + await banner(args[0], args[1]));
  if (mode === "udp") console.log("udp " + args[0] + ": " + await udp(args[0], args[1]));
  if (mode === "dns") {
    for (const name of args) {
      const r = await dns.promises.resolve4(name).then((a) => a.join(","), (e) => "error " + e.code);
      console.log("dns " + name + ": " + r);
    }
  }
})();`;
