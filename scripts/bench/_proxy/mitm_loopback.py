"""mitmproxy addon for scripts/bench/proxy.ts: dial every *.bench.test upstream on 127.0.0.1.

The benchmark's host names exist only in the benchmark (leash's egress gets the same mapping
through its lookup option); the TLS server name and certificate check still use the name.
"""


class Loopback:
    def server_connect(self, data):
        host, port = data.server.address
        if host == "bench.test" or host.endswith(".bench.test"):
            data.server.address = ("127.0.0.1", port)


addons = [Loopback()]
