"""HTTPS upstream for scripts/bench/proxy.ts (the default one).

Usage: python3 upstream.py CERT_PEM_PATH KEY_PEM_PATH; prints its port, then serves HTTP/1.1
with keep-alive on 127.0.0.1 until killed:
  GET /big?n=BYTES  BYTES from a generator, 64 KiB at a time (never held whole), with a
                    content-length as a file download has
  GET anything else a short text body

Why Python and not Deno.serve: asyncio sets TCP_NODELAY on its sockets, as production servers
(nginx, Go net/http, Node's http) do, and Deno.serve and Deno.listenTls do not. Without it the
server's TLS handshake flight and the response that follows its session tickets can wait for
the peer's delayed ACK: most of leash's fresh upstream connections then stalled about 40 ms
(curl's and mitmproxy's mostly did not). `proxy.ts --deno-upstream` still shows that case.
"""

import asyncio
import ssl
import sys

BLOCK = bytes((i * 31 + 7) & 0xFF for i in range(64 * 1024))


def generate(n):
    while n > 0:
        yield BLOCK if n >= len(BLOCK) else BLOCK[:n]
        n -= len(BLOCK)


async def serve(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            line = head.split(b"\r\n", 1)[0].split(b" ")
            path = line[1] if len(line) == 3 else b"/"
            if path.startswith(b"/big?n="):
                n = int(path[len(b"/big?n="):])
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\n"
                    b"content-length: %d\r\n\r\n" % n
                )
                for block in generate(n):
                    writer.write(block)
                    await writer.drain()
            else:
                body = b"hello " + path + b"\n"
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body))
                await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
        pass
    finally:
        writer.close()


async def main():
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(sys.argv[1], sys.argv[2])
    server = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=context, backlog=1024)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
