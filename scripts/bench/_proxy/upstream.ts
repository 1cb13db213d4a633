/**
 * The proxy benchmark's HTTPS upstream, in its own process so that serving it never shares a
 * JavaScript thread with the proxy under test. Usage: upstream.ts CERT_PEM_PATH KEY_PEM_PATH;
 * prints its port on stdout, then serves on 127.0.0.1 until killed:
 *   /big?n=BYTES  BYTES generated on the fly, 64 KiB at a time (never held whole), with a
 *                 content-length as a file download has
 *   anything else a short text body
 */
const BLOCK = new Uint8Array(64 * 1024).map((_, i) => (i * 31 + 7) & 0xff);

async function* generate(n: number): AsyncGenerator<Uint8Array> {
  for (let left = n; left > 0; left -= BLOCK.length) {
    yield left >= BLOCK.length ? BLOCK : BLOCK.subarray(0, left);
  }
}

function handle(request: Request): Response {
  const url = new URL(request.url);
  if (url.pathname === "/big") {
    const n = Number(url.searchParams.get("n"));
    return new Response(ReadableStream.from(generate(n)), {
      headers: { "content-type": "application/octet-stream", "content-length": String(n) },
    });
  }
  return new Response(`hello ${url.pathname}\n`);
}

function main(): void {
  const [certPath, keyPath] = Deno.args;
  if (!certPath || !keyPath) throw new TypeError("Usage: upstream.ts CERT_PEM_PATH KEY_PEM_PATH");
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: Deno.readTextFileSync(certPath),
    key: Deno.readTextFileSync(keyPath),
    onListen: ({ port }) => Deno.stdout.writeSync(new TextEncoder().encode(`${port}\n`)),
  }, handle);
  void server.finished;
}

if (import.meta.main) main();
