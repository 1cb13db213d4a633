/**
 * What a user sees when the remote engine cannot or must not be used: the wrong CA, a client
 * certificate the engine does not trust, a missing certificate file, plain tcp (refused before
 * any byte is sent, judged by a listener that must see no connection), a port nobody listens
 * on, ssh that cannot log in; and `leash doctor` against the real remote engine (sessions on it:
 * sessions_test.ts).
 */
import assert from "node:assert/strict";
import { clientFor, leash, MISSING, remoteEngine, stopRemoteEngine } from "./_shared.ts";

const options = { ignore: MISSING !== undefined, sanitizeResources: false, sanitizeOps: false };

/** The message `DockerClient.connect()` rejects with for `env`. */
async function refusal(env: Record<string, string>): Promise<string> {
  const error = await clientFor(env).then((c) => {
    c.close();
    return new Error("connected");
  }, (e: Error) => e);
  assert.equal(error.name, "DockerConnectionError", error.message);
  return error.message;
}

Deno.test({
  name:
    "tcp+tls: an engine certificate not signed by DOCKER_CERT_PATH/ca.pem is refused, naming the file",
  ...options,
  async fn() {
    const engine = await remoteEngine();
    const message = await refusal({ ...engine.tlsEnv, DOCKER_CERT_PATH: engine.certs.wrongCa });
    assert.equal(
      message,
      `Cannot connect to Docker engine "${engine.tcpHost}" (DOCKER_HOST): TLS verification failed: the engine's certificate is not signed by the CA in "${engine.certs.wrongCa}/ca.pem" (unable to verify the first certificate); set DOCKER_CERT_PATH to the directory holding that engine's ca.pem, cert.pem and key.pem`,
    );
  },
});

Deno.test({
  name: "tcp+tls: the engine refuses a client certificate of another CA, and leash says so",
  ...options,
  async fn() {
    const engine = await remoteEngine();
    const message = await refusal({
      ...engine.tlsEnv,
      DOCKER_CERT_PATH: engine.certs.foreignClient,
    });
    assert.match(
      message,
      new RegExp(
        `^Cannot connect to Docker engine "${engine.tcpHost}" \\(DOCKER_HOST\\): the engine refused leash's client certificate "${engine.certs.foreignClient}/cert.pem" \\(.+\\); use a client certificate signed by the CA the engine trusts`,
      ),
    );
  },
});

Deno.test({
  name: "tcp+tls: a missing cert.pem is named before connecting",
  ...options,
  async fn() {
    const engine = await remoteEngine();
    const message = await refusal({ ...engine.tlsEnv, DOCKER_CERT_PATH: engine.certs.noCert });
    assert.equal(
      message,
      `Cannot use DOCKER_HOST "${engine.tcpHost}": cannot read "${engine.certs.noCert}/cert.pem" (leash's client certificate, signed by a CA the engine trusts): no such file; put cert.pem there or set DOCKER_CERT_PATH to the directory holding ca.pem, cert.pem and key.pem`,
    );
  },
});

Deno.test({
  name: "tcp: plain tcp is refused without LEASH_DOCKER_INSECURE=1 and nothing is sent",
  ...options,
  async fn() {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    let connections = 0;
    const accepting = (async () => {
      for await (const conn of listener) {
        connections++;
        conn.close();
      }
    })().catch(() => {});
    const address = `tcp://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`;
    try {
      const message = await refusal({ DOCKER_HOST: address });
      assert.match(
        message,
        new RegExp(
          `^Cannot use DOCKER_HOST "${address}" without TLS verification: .*set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH .*or LEASH_DOCKER_INSECURE=1 to accept plain tcp$`,
        ),
      );
      // DOCKER_TLS alone does not verify the engine: refused the same way.
      assert.match(await refusal({ DOCKER_HOST: address, DOCKER_TLS: "1" }), /DOCKER_TLS without/);
    } finally {
      listener.close();
      await accepting;
    }
    assert.equal(connections, 0);
  },
});

Deno.test({
  name: "tcp: LEASH_DOCKER_INSECURE=1 against the TLS engine gets the engine's answer and the fix",
  ...options,
  async fn() {
    const engine = await remoteEngine();
    const message = await refusal({ DOCKER_HOST: engine.tcpHost, LEASH_DOCKER_INSECURE: "1" });
    assert.equal(
      message,
      `Cannot use Docker engine "${engine.tcpHost}" (DOCKER_HOST): the engine answered /_ping with 400: Client sent an HTTP request to an HTTPS server.; the engine requires TLS: set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH instead of LEASH_DOCKER_INSECURE`,
    );
  },
});

Deno.test({
  name: "tcp+tls: a port nobody listens on is refused at once, naming host, port and the fix",
  ...options,
  async fn() {
    const engine = await remoteEngine();
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    const message = await refusal({ ...engine.tlsEnv, DOCKER_HOST: `tcp://127.0.0.1:${port}` });
    assert.equal(
      message,
      `Cannot connect to Docker engine "tcp://127.0.0.1:${port}" (DOCKER_HOST): connection refused by 127.0.0.1:${port}; no engine listens there: check DOCKER_HOST's host and port, and that dockerd runs with -H tcp://0.0.0.0:${port}`,
    );
  },
});

Deno.test({
  name: "ssh: a user the engine's sshd does not let in gets ssh's words and the fix",
  ...options,
  async fn() {
    const engine = await remoteEngine();
    const port = new URL(engine.sshHost).port;
    const host = `ssh://nobody@127.0.0.1:${port}`;
    const message = await refusal({ ...engine.sshEnv, DOCKER_HOST: host });
    assert.match(
      message,
      new RegExp(
        `^Cannot connect to Docker engine "${host}" \\(DOCKER_HOST\\): ssh exited with status 255: nobody@127.0.0.1: Permission denied \\(publickey.*\\)\\.; let ssh log in without a prompt .*then check with: ssh -p ${port} nobody@127.0.0.1 docker version$`,
      ),
    );
  },
});

Deno.test({
  name: "ssh: an unknown host key is refused, naming known_hosts",
  ...options,
  async fn() {
    const engine = await remoteEngine();
    // The fixture's known_hosts holds the key for 127.0.0.1 only.
    const host = engine.sshHost.replace("127.0.0.1", "localhost");
    const message = await refusal({ ...engine.sshEnv, DOCKER_HOST: host });
    assert.match(message, /ssh exited with status 255: .*Host key verification failed\./);
    assert.match(message, /add the engine host's key to known_hosts/);
  },
});

for (const way of ["tcp+tls", "ssh"] as const) {
  Deno.test({
    name:
      `leash doctor --json over ${way}: kind remote, the transport, and the eBPF probe ran on the engine`,
    ...options,
    async fn() {
      const engine = await remoteEngine();
      const env = way === "ssh" ? engine.sshEnv : engine.tlsEnv;
      using remote = await clientFor(env);
      const managerImages = async () =>
        (await remote.images.list()).flatMap((i) => i.RepoTags ?? [])
          .filter((t) => t.startsWith("leash-manager:"));
      // The engine starts with the busybox image alone: the first doctor builds the manager.
      if (way === "tcp+tls") assert.deepEqual(await managerImages(), []);
      const result = await leash(["doctor", "--json"], env);
      assert.equal(result.code, 0, result.stderr);
      const report = JSON.parse(result.stdout);
      const docker = report.facts.docker;
      assert.equal(docker.reachable, true);
      assert.equal(docker.socket, env.DOCKER_HOST);
      assert.equal(docker.engine.kind, "remote");
      const port = new URL(env.DOCKER_HOST!).port;
      assert.equal(
        docker.engine.transport,
        way === "ssh" ? `ssh root@127.0.0.1:${port}` : `tcp+tls 127.0.0.1:${port}`,
      );
      assert.equal(report.facts.probe.ran, true, JSON.stringify(report.facts.probe));
      // The probe's manager image was built on the engine itself (the build context went over
      // the transport): the engine now has it.
      assert.equal((await managerImages()).length, 1);
    },
  });
}

Deno.test({
  name: "remote tier: the refusals test engine is removed",
  ...options,
  async fn() {
    await stopRemoteEngine();
  },
});
