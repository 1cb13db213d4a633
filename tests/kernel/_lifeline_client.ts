/**
 * Plays leash-entry's side of the lifeline for the manager tests: run inside the target's
 * network namespace (nsenter -n) as `deno run -A _lifeline_client.ts NAME`. Connects, reads
 * the acknowledgement, tries a second connection, prints one JSON line
 * `{"ack":..,"second":"connected"|ERROR_NAME}`, then holds the first connection until its
 * stdin closes.
 */
const name = Deno.args[0];
if (!name) throw new TypeError("usage: _lifeline_client.ts NAME");
const path = `\0${name}`;
const first = await Deno.connect({ transport: "unix", path });
const buffer = new Uint8Array(64);
let ack = "";
while (!ack.includes("\n")) {
  const n = await first.read(buffer);
  if (n === null) break;
  ack += new TextDecoder().decode(buffer.subarray(0, n));
}
let second: string;
try {
  (await Deno.connect({ transport: "unix", path })).close();
  second = "connected";
} catch (error) {
  second = (error as Error).name;
}
Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify({ ack, second }) + "\n"));
for await (const _ of Deno.stdin.readable) {
  // Holds the connection until the test closes stdin.
}
first.close();
