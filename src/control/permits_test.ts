import assert from "node:assert/strict";
import { join } from "node:path";
import { ControlError, ControlServer, DestinationPermits } from "./mod.ts";

const encoder = new TextEncoder();

/** Reads `n` lines from the manager's side of the socket. */
async function readLines(conn: Deno.Conn, n: number): Promise<Record<string, unknown>[]> {
  let text = "";
  const buf = new Uint8Array(4096);
  while (text.split("\n").length <= n) {
    const got = await conn.read(buf);
    if (got === null) break;
    text += new TextDecoder().decode(buf.subarray(0, got));
  }
  return text.split("\n").slice(0, n).map((l) => JSON.parse(l));
}

Deno.test("DestinationPermits sends one dst.permit at a time, matches answers by id, and an error for another request never reaches it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "leash-permits-" });
  const server = await ControlServer.listen(join(dir, "control.sock"));
  try {
    const manager = await Deno.connect({ transport: "unix", path: join(dir, "control.sock") });
    const channel = await server.accept();
    const permits = new DestinationPermits(channel);
    const first = permits.permit(["192.0.2.1", "2001:db8::1"], 600);
    const second = permits.permit(["192.0.2.2"], 600);
    // Only the first permit is on the wire until it is answered; it waits before the mode
    // request, so an error would reach it first if it took errors.
    const [permit1] = await readLines(manager, 1);
    assert.deepEqual(permit1, {
      type: "dst.permit",
      id: 1,
      addrs: "192.0.2.1 2001:db8::1",
      ttl: 600,
    });
    const mode = channel.request({ type: "mode.set", mode: "record" }, ["mode.updated"], {
      timeoutMs: 5000,
    });
    const [modeSet] = await readLines(manager, 1);
    assert.equal(modeSet!.type, "mode.set");
    // The mode request's error arrives while the permit waits: it goes to the mode request.
    await manager.write(encoder.encode(
      '{"type":"error","phase":"mode.set","message":"no"}\n' +
        '{"type":"dst.permitted","id":1,"ok":true,"count":2}\n',
    ));
    await assert.rejects(mode, (e) => e instanceof ControlError && e.phase === "mode.set");
    await first;
    const [permit2] = await readLines(manager, 1);
    assert.equal(permit2!.id, 2);
    await manager.write(encoder.encode(
      '{"type":"dst.permitted","id":2,"ok":false,"message":"the table is full"}\n',
    ));
    await assert.rejects(second, /Cannot permit 192\.0\.2\.2: the table is full/);
    manager.close();
    channel.close();
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});
