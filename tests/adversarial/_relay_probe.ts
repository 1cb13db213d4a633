/**
 * The attacker of relay_channel_test.ts: a node program run in another container on Docker's
 * bridge network, which connects to leash's relay listener and sends a proxy stream asking for
 * an allowed upstream, without the session secret (`none`: no answer at all, `wrong`: a made-up
 * MAC, `replay`: a valid answer captured for another connection's nonce), or with it
 * (`secret`: the harness's positive control, answered by the test). It prints what came back
 * after the challenge line.
 */
export const RELAY_PROBE = `
import net from "node:net";
import readline from "node:readline";
const [host, port, mode, upPort] = process.argv.slice(2);
const input = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
function open() {
  const s = net.connect(Number(port), host);
  let buf = Buffer.alloc(0), closed = false, waiters = [];
  const wake = () => { for (const w of waiters.splice(0)) w(); };
  s.on("data", (d) => { buf = Buffer.concat([buf, d]); wake(); });
  s.on("close", () => { closed = true; wake(); });
  s.on("error", () => {});
  const wait = () => new Promise((r) => waiters.push(r));
  return {
    s,
    async line() {
      for (;;) {
        const i = buf.indexOf(10);
        if (i >= 0) { const l = buf.subarray(0, i).toString(); buf = buf.subarray(i + 1); return l; }
        if (closed) return null;
        await wait();
      }
    },
    async rest() { while (!closed) await wait(); const r = buf; buf = Buffer.alloc(0); return r; },
  };
}
const request = (path) => JSON.stringify({ v: 1, kind: "explicit" }) + "\\n" +
  "GET http://plain.test:" + upPort + path + " HTTP/1.1\\r\\nHost: plain.test:" + upPort +
  "\\r\\nConnection: close\\r\\n\\r\\n";
async function ask() { console.log("answer?"); return (await input.next()).value; }
function report(bytes) {
  const text = bytes.toString().replace(/^leash-relay 1 [0-9a-f]{64}\\n/, "");
  console.log("after " + text.length + " " + JSON.stringify(text.split("\\r\\n")[0]));
  process.exit(0);
}
const c = open();
if (mode === "none") {
  c.s.write(request("/attack-none"));
  report(await c.rest());
}
console.log("challenge " + (await c.line()));
if (mode === "wrong") c.s.write("proxy " + "0".repeat(64) + "\\n" + request("/attack-wrong"));
if (mode === "secret") c.s.write((await ask()) + "\\n" + request("/control-secret"));
if (mode === "replay") {
  const captured = await ask();
  c.s.end();
  await c.rest();
  const d = open();
  console.log("challenge2 " + (await d.line()));
  d.s.write(captured + "\\n" + request("/attack-replay"));
  report(await d.rest());
}
report(await c.rest());
`;
