/**
 * Plays the manager's end of the lifeline (bpf/helper/manager_lifeline.c) for leash-entry
 * tests: run inside the target's network namespace (nsenter -n) as
 * `deno run -A _lifeline_holder.ts NAME [ack|noack]`. Listens on the abstract socket NAME,
 * accepts one connection, closes the listener, writes the manager's acknowledgement (unless
 * "noack"), prints "held" and keeps the connection until its stdin closes.
 */
const [name, mode = "ack"] = Deno.args;
if (!name) throw new TypeError("usage: _lifeline_holder.ts NAME [ack|noack]");
const listener = Deno.listen({ transport: "unix", path: `\0${name}` });
Deno.stdout.writeSync(new TextEncoder().encode("listening\n"));
const conn = await listener.accept();
listener.close();
if (mode === "ack") await conn.write(new TextEncoder().encode("leash-lifeline 1\n"));
Deno.stdout.writeSync(new TextEncoder().encode("held\n"));
for await (const _ of Deno.stdin.readable) {
  // Holds the connection until the test closes stdin.
}
conn.close();
