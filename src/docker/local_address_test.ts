import assert from "node:assert/strict";
import { localAddressTo, sshDestination } from "./local_address.ts";

Deno.test("sshDestination() reads hostname and port from ssh -G, and refuses jump hosts and proxy commands", () => {
  assert.deepEqual(
    sshDestination("user root\nhostname 10.0.0.5\nport 2222\nproxyjump none\n"),
    { hostname: "10.0.0.5", port: 2222 },
  );
  assert.deepEqual(sshDestination("hostname h\nport 22\nproxyjump bastion\n"), {
    unknown: 'ssh reaches the engine through proxyjump "bastion"',
  });
  assert.deepEqual(sshDestination("hostname h\nproxycommand nc %h %p\n"), {
    unknown: 'ssh reaches the engine through proxycommand "nc %h %p"',
  });
  assert.deepEqual(sshDestination("user x\n"), { unknown: "ssh -G named no hostname and port" });
});

Deno.test("localAddressTo() is the local end of a real connection, and rejects a closed port", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const accepted = listener.accept().then((c) => c.close());
  assert.equal(await localAddressTo("127.0.0.1", port), "127.0.0.1");
  await accepted;
  listener.close();
  await assert.rejects(localAddressTo("127.0.0.1", port), Deno.errors.ConnectionRefused);
});
