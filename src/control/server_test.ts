import assert from "node:assert/strict";
import { join } from "node:path";
import { ControlError, ControlServer, type ManagerMessage } from "./mod.ts";

const encoder = new TextEncoder();

async function withServer(fn: (server: ControlServer, path: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "leash-control-" });
  const path = join(dir, "control.sock");
  const server = await ControlServer.listen(path);
  try {
    await fn(server, path);
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
}

async function readLine(conn: Deno.Conn): Promise<string> {
  let text = "";
  const buf = new Uint8Array(4096);
  while (!text.includes("\n")) {
    const n = await conn.read(buf);
    if (n === null) break;
    text += new TextDecoder().decode(buf.subarray(0, n));
  }
  return text;
}

Deno.test("ControlServer: hello, activate and active over a real unix socket", async () => {
  await withServer(async (server, path) => {
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    const client = await Deno.connect({ transport: "unix", path });
    const events: ManagerMessage[] = [];
    const channel = await server.accept({ timeoutMs: 5000, onUnsolicited: (m) => events.push(m) });
    // Sent before anyone waits: queued, and split across writes.
    await client.write(encoder.encode('{"type":"hello","protocol":1,'));
    await client.write(encoder.encode('"version":"0.1.0"}\n{"type":"event","event":{"x":1}}\n'));
    const hello = await channel.next(["hello"], { timeoutMs: 5000 });
    assert.equal(hello.version, "0.1.0");
    const answer = channel.request(
      {
        type: "activate",
        cgroup: "/docker/x",
        mode: "enforce",
        maps: "",
        layers: [],
        log_allow: false,
      },
      ["active"],
      { timeoutMs: 5000 },
    );
    const sent = JSON.parse(await readLine(client));
    assert.equal(sent.type, "activate");
    assert.equal(sent.cgroup, "/docker/x");
    await client.write(encoder.encode('{"type":"active","layers":{"observe":"ok"},"relay":{}}\n'));
    assert.deepEqual((await answer).layers, { observe: "ok" });
    assert.deepEqual(events.map((e) => e.type), ["event"]);
    client.close();
    await channel.closed;
    channel.close();
  });
});

Deno.test("ControlChannel.next() rejects with the manager's error phase, EOF and timeout", async () => {
  await withServer(async (server, path) => {
    const client = await Deno.connect({ transport: "unix", path });
    const channel = await server.accept();
    await client.write(
      encoder.encode('{"type":"error","phase":"activate","message":"no cgroup"}\n'),
    );
    await assert.rejects(
      channel.next(["active"]),
      (e) => e instanceof ControlError && e.phase === "activate" && /no cgroup/.test(e.message),
    );
    await assert.rejects(
      channel.next(["active"], { timeoutMs: 10 }),
      (e) => e instanceof ControlError && e.phase === "timeout",
    );
    const pending = channel.next(["stopped"]);
    client.close();
    await assert.rejects(pending, (e) => e instanceof ControlError && e.phase === "closed");
    await assert.rejects(channel.send({ type: "stop" }), ControlError);
    channel.close();
  });
});

Deno.test("ControlServer.accept() times out when no manager connects", async () => {
  await withServer(async (server) => {
    await assert.rejects(
      server.accept({ timeoutMs: 10 }),
      (e) => e instanceof ControlError && e.phase === "timeout",
    );
  });
});
