/**
 * leash-entry against a real dockerd: the target half of BOOT (DESIGN.md §3), played with
 * the test as the host. Every container is FROM scratch (busybox fixture).
 */
import assert from "node:assert/strict";
import { DockerClient } from "../../src/docker/mod.ts";
import { parseBootstrapReady, parseCgroupPath, parseEntryReady } from "../../src/boot/mod.ts";
import { encodeLandlockRules } from "../../src/landlock/mod.ts";
import { createCa } from "../../src/ca/ca.ts";
import { VERSION } from "../../src/version.ts";
import { ensureBusyboxImage } from "../fixtures/busybox_image.ts";
import { spawnDenoInNetns } from "../fixtures/netns.ts";
import { derivedImage, EntryRun } from "./_entry_harness.ts";

async function setup(): Promise<{ docker: DockerClient; image: string }> {
  const docker = await DockerClient.connect();
  return { docker, image: await ensureBusyboxImage(docker) };
}

Deno.test("leash-entry writes its markers atomically and starts the command only after enforcement.active", async () => {
  const { docker, image } = await setup();
  using _ = docker;
  await using run = await EntryRun.start(docker, {
    image,
    cmd: ["sh", "-c", "touch /leash/drop/ran; echo out; echo err >&2; exit 7"],
  });
  const bootstrap = parseBootstrapReady(await run.waitForFile("bootstrap.ready"), run.nonce);
  assert.equal(bootstrap.pid, 1);
  assert.equal(bootstrap.hostname, run.id.slice(0, 12));
  assert.ok(!Number.isNaN(Date.parse(bootstrap.timestamp)));
  const ready = parseEntryReady(await Deno.readTextFile(run.path("leash-entry.ready")));
  assert.deepEqual(ready, { protocol: 1, pid: 1, version: VERSION });
  const cgroup = parseCgroupPath(await Deno.readTextFile(run.path("cgroup-path")));
  assert.ok(cgroup?.includes(run.id), `cgroup path "${cgroup}" names the container`);

  // Bootstrapped but not activated: the command has not run, the entry waits.
  assert.equal(await run.exists("ran"), false);
  assert.equal(await run.running(), true);
  const names = [...Deno.readDirSync(run.path("."))].map((entry) => entry.name).sort();
  assert.deepEqual(names, ["bootstrap.ready", "cgroup-path", "leash-entry.ready"]);

  await run.activate(["netns", "proxy"]);
  assert.equal(await run.exitCode(), 7);
  assert.equal(await run.exists("ran"), true);
  const output = await run.output();
  assert.equal(output.stdout, "out\n");
  assert.match(output.stderr, /leash-entry: enforcement active \(layers: netns,proxy\)/);
  assert.match(output.stderr, /^err$/m);
});

Deno.test("leash-entry ignores enforcement.active with another nonce and times out in phase activation", async () => {
  const { docker, image } = await setup();
  using _ = docker;
  await using run = await EntryRun.start(docker, {
    image,
    cmd: ["touch", "/leash/drop/ran"],
    env: { LEASH_BOOTSTRAP_TIMEOUT: "3" },
  });
  await run.waitForFile("bootstrap.ready");
  await run.activate(["netns"], "not-the-session-nonce");
  await run.waitForStderr(/its nonce is not this session's/);
  assert.equal(await run.exitCode(), 114);
  assert.equal(await run.exists("ran"), false);
  const { stderr } = await run.output();
  assert.match(
    stderr,
    /leash-entry: Timed out after 3 s in phase activation: no valid "\/leash\/enforcement.active" for this session \(one with a wrong nonce was ignored\)/,
  );
});

Deno.test("leash-entry takes a fresh valid marker that replaces a stale one", async () => {
  const { docker, image } = await setup();
  using _ = docker;
  await using run = await EntryRun.start(docker, { image, cmd: ["touch", "/leash/drop/ran"] });
  await run.waitForFile("bootstrap.ready");
  await run.activate(["netns"], "stale");
  await run.waitForStderr(/its nonce is not this session's/);
  assert.equal(await run.exists("ran"), false);
  await run.activate(["netns"]);
  assert.equal(await run.exitCode(), 0);
  assert.equal(await run.exists("ran"), true);
});

Deno.test("leash-entry names the activation phase when no marker comes", async () => {
  const { docker, image } = await setup();
  using _ = docker;
  await using run = await EntryRun.start(docker, {
    image,
    cmd: ["touch", "/leash/drop/ran"],
    env: { LEASH_BOOTSTRAP_TIMEOUT: "1" },
  });
  assert.equal(await run.exitCode(), 114);
  assert.equal(await run.exists("ran"), false);
  assert.match(
    (await run.output()).stderr,
    /Timed out after 1 s in phase activation: no valid "\/leash\/enforcement.active" for this session: the host did not activate enforcement/,
  );
});

Deno.test("leash-entry refuses to start without LEASH_SESSION_NONCE", async () => {
  const { docker, image } = await setup();
  using _ = docker;
  await using run = await EntryRun.start(docker, {
    image,
    cmd: ["touch", "/leash/drop/ran"],
    env: { LEASH_SESSION_NONCE: null },
  });
  assert.equal(await run.exitCode(), 111);
  assert.match(
    (await run.output()).stderr,
    /leash-entry: Cannot start: LEASH_SESSION_NONCE is not set/,
  );
  assert.equal(await run.exists("leash-entry.ready"), true);
  assert.equal(await run.exists("bootstrap.ready"), false);
  assert.equal(await run.exists("ran"), false);
});

Deno.test("leash-entry stops at once on an enforcement.active of another protocol", async () => {
  const { docker, image } = await setup();
  using _ = docker;
  await using run = await EntryRun.start(docker, { image, cmd: ["touch", "/leash/drop/ran"] });
  await run.waitForFile("bootstrap.ready");
  await Deno.writeTextFile(
    run.path("enforcement.active"),
    JSON.stringify({ protocol: 2, nonce: run.nonce, layers: [] }),
  );
  assert.equal(await run.exitCode(), 115);
  assert.match((await run.output()).stderr, /version mismatch: upgrade both halves/);
  assert.equal(await run.exists("ran"), false);
});

Deno.test("leash-entry passes argv through untouched, without a shell", async () => {
  const { docker, image } = await setup();
  using _ = docker;
  const args = ["a b", "it's", '"q"', "", "$HOME", "*", "x\ny"];
  await using run = await EntryRun.start(docker, {
    image,
    cmd: ["printf", "[%s]\\n", ...args],
  });
  await run.waitForFile("bootstrap.ready");
  await run.activate();
  assert.equal(await run.exitCode(), 0);
  assert.equal((await run.output()).stdout, args.map((arg) => `[${arg}]\n`).join(""));
});

Deno.test("leash-entry drops to LEASH_USER by name or number and scrubs its own variables", async () => {
  const { docker, image } = await setup();
  using _ = docker;
  const script = 'echo "$(id -u):$(id -g):$(id -G):$HOME"; env | grep ^LEASH_ || echo no-leash-env';
  for (
    const [user, expected] of [
      ["nobody", "65534:65534:65534:/"],
      ["1234:5678", "1234:5678:5678:/"],
      ["1234", "1234:0:0:/"],
      ["root", "0:0:0:/root"],
    ]
  ) {
    await using run = await EntryRun.start(docker, {
      image,
      cmd: ["sh", "-c", script],
      env: { LEASH_USER: user! },
    });
    await run.waitForFile("bootstrap.ready");
    await run.activate();
    assert.equal(await run.exitCode(), 0, user);
    assert.equal((await run.output()).stdout, `${expected}\nno-leash-env\n`, user);
  }
});

Deno.test("leash-entry refuses a LEASH_USER the image does not know", async () => {
  const { docker, image } = await setup();
  using _ = docker;
  await using run = await EntryRun.start(docker, {
    image,
    cmd: ["true"],
    env: { LEASH_USER: "agent" },
  });
  assert.equal(await run.exitCode(), 111);
  assert.match(
    (await run.output()).stderr,
    /Cannot use LEASH_USER "agent": no user "agent" in the image's \/etc\/passwd/,
  );
});

Deno.test("leash-entry exits 127 for a missing command and 126 for a non-executable one", async () => {
  const { docker, image } = await setup();
  using _ = docker;
  for (
    const [cmd, code, message] of [
      ["no-such-command", 127, /Cannot run "no-such-command": command not found/],
      ["/etc/passwd", 126, /Cannot run "\/etc\/passwd": Permission denied/],
    ] as const
  ) {
    await using run = await EntryRun.start(docker, { image, cmd: [cmd] });
    await run.waitForFile("bootstrap.ready");
    await run.activate();
    assert.equal(await run.exitCode(), code);
    assert.match((await run.output()).stderr, message);
  }
});

Deno.test("leash-entry as PID 1 forwards SIGTERM to the command and returns 128+signal", async () => {
  const { docker, image } = await setup();
  using _ = docker;
  // sleep has no SIGTERM handler: as PID 1 itself it would ignore the signal and be
  // killed by docker stop's SIGKILL after the grace period (137, not 143).
  await using run = await EntryRun.start(docker, { image, cmd: ["sleep", "600"] });
  await run.waitForFile("bootstrap.ready");
  await run.activate();
  await run.waitForStderr(/starting "sleep"/);
  await run.stop(30);
  assert.equal(await run.exitCode(), 128 + 15);
});

Deno.test("leash-entry stopped while waiting for activation exits without running the command", async () => {
  const { docker, image } = await setup();
  using _ = docker;
  await using run = await EntryRun.start(docker, { image, cmd: ["touch", "/leash/drop/ran"] });
  await run.waitForFile("bootstrap.ready");
  await run.stop(30);
  assert.equal(await run.exitCode(), 128 + 15);
  assert.match((await run.output()).stderr, /stopped by a signal during bootstrap/);
  assert.equal(await run.exists("ran"), false);
});

Deno.test("leash-entry with a terminal makes the command the foreground process group", async () => {
  const { docker, image } = await setup();
  using _ = docker;
  // /proc/PID/stat fields 5 and 8: the process group and the terminal's foreground group.
  const script = 'set -- $(cat /proc/$$/stat); echo "pgrp=$5 tpgid=$8 pid=$$"; exit 5';
  await using run = await EntryRun.start(docker, { image, cmd: ["sh", "-c", script], tty: true });
  await run.waitForFile("bootstrap.ready");
  await run.activate();
  assert.equal(await run.exitCode(), 5);
  const match = (await run.output()).stdout.match(/pgrp=(\d+) tpgid=(\d+) pid=(\d+)/);
  assert.ok(match, "the command printed its groups");
  assert.equal(match[1], match[3], "the command leads its own process group");
  assert.equal(match[2], match[1], "that group is the terminal's foreground");
});

const FAKE_UPDATE_CA = `#!/bin/sh
# Stand-in for Debian's tool: concatenates the system roots and local CAs into the bundle.
mkdir -p /etc/ssl/certs
cat /usr/share/ca-certificates/*.crt /usr/local/share/ca-certificates/*.crt > /etc/ssl/certs/ca-certificates.crt
echo "Updating certificates in /etc/ssl/certs... done."
`;
const SYSTEM_ROOT = "-----BEGIN CERTIFICATE-----\nU1lTVEVNIFJPT1Q=\n-----END CERTIFICATE-----\n";
const CA_VARS = [
  "SSL_CERT_FILE",
  "NODE_EXTRA_CA_CERTS",
  "REQUESTS_CA_BUNDLE",
  "CURL_CA_BUNDLE",
  "GIT_SSL_CAINFO",
];
const PRINT_CA_ENV = CA_VARS.map((name) => `echo ${name}=$${name}`).join("; ");

/** Runs a busybox-derived image with the CA in /leash; resolves to stdout and stderr. */
async function runWithCa(
  docker: DockerClient,
  image: string,
  certPem: string,
  cmd: string,
): Promise<{ stdout: string; stderr: string; code: number }> {
  await using run = await EntryRun.start(docker, {
    image,
    cmd: ["sh", "-c", cmd],
    files: { "ca-cert.pem": certPem },
  });
  await run.waitForFile("bootstrap.ready");
  await run.activate();
  const code = await run.exitCode();
  return { ...(await run.output()), code };
}

Deno.test("leash-entry installs the CA with update-ca-certificates and exports the bundle", async () => {
  const { docker, image: base } = await setup();
  using _ = docker;
  const image = await derivedImage(docker, base, [
    { path: "usr/sbin/update-ca-certificates", data: FAKE_UPDATE_CA, mode: 0o755 },
    { path: "usr/share/ca-certificates/system.crt", data: SYSTEM_ROOT },
  ]);
  const { certPem } = await createCa();
  const bundle = "/etc/ssl/certs/ca-certificates.crt";
  const result = await runWithCa(
    docker,
    image,
    certPem,
    `${PRINT_CA_ENV}; cat ${bundle}; cat /usr/local/share/ca-certificates/leash.crt`,
  );
  assert.equal(result.code, 0, result.stderr);
  for (const name of CA_VARS) assert.match(result.stdout, new RegExp(`^${name}=${bundle}$`, "m"));
  assert.ok(result.stdout.includes(SYSTEM_ROOT), "the system roots stay in the bundle");
  assert.equal(result.stdout.split(certPem.trim()).length - 1, 2, "bundle and leash.crt hold it");
  assert.match(
    result.stderr,
    /CA added to the system store with "\/usr\/sbin\/update-ca-certificates"/,
  );
  // A healthy run's chatter (Debian's tool warns about the bundle every time) is not shown.
  assert.doesNotMatch(result.stderr, /Updating certificates in \/etc\/ssl\/certs/);
});

const FAKE_UPDATE_CA_TRUST = `#!/bin/sh
# Stand-in for the RHEL family's tool: "update-ca-trust extract" rebuilds the bundle.
[ "$1" = extract ] || exit 9
cat /usr/share/pki/ca-trust-source/*.crt /etc/pki/ca-trust/source/anchors/* > /etc/pki/tls/certs/ca-bundle.crt
`;

Deno.test("leash-entry installs the CA with update-ca-trust on the RHEL family", async () => {
  const { docker, image: base } = await setup();
  using _ = docker;
  const image = await derivedImage(docker, base, [
    { path: "usr/bin/update-ca-trust", data: FAKE_UPDATE_CA_TRUST, mode: 0o755 },
    { path: "usr/share/pki/ca-trust-source/system.crt", data: SYSTEM_ROOT },
    { path: "etc/pki/ca-trust/source/anchors", type: "directory" },
    { path: "etc/pki/tls/certs", type: "directory" },
  ]);
  const { certPem } = await createCa();
  const result = await runWithCa(docker, image, certPem, `${PRINT_CA_ENV}; cat $SSL_CERT_FILE`);
  assert.equal(result.code, 0, result.stderr);
  const bundle = "/etc/pki/tls/certs/ca-bundle.crt";
  for (const name of CA_VARS) assert.match(result.stdout, new RegExp(`^${name}=${bundle}$`, "m"));
  assert.ok(result.stdout.endsWith(SYSTEM_ROOT + certPem.trim() + "\n"), result.stdout);
  assert.match(result.stderr, /CA added to the system store with "\/usr\/bin\/update-ca-trust"/);
});

Deno.test("leash-entry appends the CA to the bundle when the distro tool fails", async () => {
  const { docker, image: base } = await setup();
  using _ = docker;
  const image = await derivedImage(docker, base, [
    {
      path: "usr/sbin/update-ca-certificates",
      data: "#!/bin/sh\necho 'E: cannot write the bundle' >&2\nexit 3\n",
      mode: 0o755,
    },
    { path: "etc/ssl/certs/ca-certificates.crt", data: SYSTEM_ROOT },
  ]);
  const { certPem } = await createCa();
  const result = await runWithCa(docker, image, certPem, "cat $SSL_CERT_FILE");
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, SYSTEM_ROOT + certPem.trim() + "\n");
  assert.match(result.stderr, /"\/usr\/sbin\/update-ca-certificates" failed \(exit status 3\)/);
  assert.match(
    result.stderr,
    /output of "\/usr\/sbin\/update-ca-certificates":\nE: cannot write the bundle\n/,
  );
  assert.match(result.stderr, /CA appended to the system bundle/);
});

Deno.test("leash-entry creates a CA bundle in an image without any trust store", async () => {
  const { docker, image } = await setup();
  using _ = docker;
  const { certPem } = await createCa();
  const result = await runWithCa(docker, image, certPem, "cat $CURL_CA_BUNDLE");
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, certPem.trim() + "\n");
  assert.match(result.stderr, /created "\/etc\/ssl\/certs\/ca-certificates.crt"/);
});

Deno.test("leash-entry names the bootstrap phase when the CA tool hangs", async () => {
  const { docker, image: base } = await setup();
  using _ = docker;
  const image = await derivedImage(docker, base, [
    { path: "usr/sbin/update-ca-certificates", data: "#!/bin/sh\nsleep 600\n", mode: 0o755 },
  ]);
  const { certPem } = await createCa();
  await using run = await EntryRun.start(docker, {
    image,
    cmd: ["touch", "/leash/drop/ran"],
    env: { LEASH_BOOTSTRAP_TIMEOUT: "1" },
    files: { "ca-cert.pem": certPem },
  });
  assert.equal(await run.exitCode(), 114);
  assert.match(
    (await run.output()).stderr,
    /Timed out after 1 s in phase bootstrap: CA install blocked: "\/usr\/sbin\/update-ca-certificates" did not finish/,
  );
  assert.equal(await run.exists("bootstrap.ready"), false);
  assert.equal(await run.exists("ran"), false);
});

Deno.test("leash-entry rejects a CA file that is not a PEM certificate", async () => {
  const { docker, image } = await setup();
  using _ = docker;
  await using run = await EntryRun.start(docker, {
    image,
    cmd: ["true"],
    files: { "ca-cert.pem": "not a certificate\n" },
  });
  assert.equal(await run.exitCode(), 113);
  assert.match((await run.output()).stderr, /Cannot install CA "\/leash\/ca-cert.pem": not a PEM/);
});

const LANDLOCK_RULES = encodeLandlockRules({
  handle: ["read", "write", "exec"],
  rules: [
    { path: "/bin", access: ["read", "exec"] },
    { path: "/etc", access: ["read"] },
    { path: "/tmp", access: ["read", "write"] },
    { path: "/dev/null", access: ["read", "write"] },
    { path: "/no/such/dir", access: ["read"] },
  ],
});

/** Each probe prints "name:ok" or "name:" plus the error the shell saw. */
const LANDLOCK_PROBES = [
  "cat /etc/passwd >/dev/null && echo read-etc:ok",
  "touch /etc/new 2>/tmp/e && echo write-etc:ok || echo write-etc:$(cat /tmp/e)",
  "ls /root 2>/tmp/e && echo list-root:ok || echo list-root:$(cat /tmp/e)",
  "echo hi > /tmp/f && cat /tmp/f >/dev/null && echo write-tmp:ok",
  "cp /bin/busybox /tmp/bb && /tmp/bb true 2>/tmp/e && echo exec-tmp:ok || echo exec-tmp:$(cat /tmp/e)",
  "/bin/true && echo exec-bin:ok",
].join("; ");

Deno.test("leash-entry applies the host's Landlock rules before exec, also to the dropped user", async () => {
  const { docker, image } = await setup();
  using _ = docker;
  for (const user of ["", "nobody"]) {
    await using run = await EntryRun.start(docker, {
      image,
      cmd: ["sh", "-c", LANDLOCK_PROBES],
      env: { LEASH_USER: user },
      files: { "landlock.rules": LANDLOCK_RULES },
    });
    await run.waitForFile("bootstrap.ready");
    await run.activate(["netns", "landlock"]);
    assert.equal(await run.exitCode(), 0);
    const { stdout, stderr } = await run.output();
    const lines = stdout.trim().split("\n");
    assert.equal(lines[0], "read-etc:ok");
    assert.match(lines[1]!, /^write-etc:.*Permission denied/);
    assert.match(lines[2]!, /^list-root:.*Permission denied/);
    assert.equal(lines[3], "write-tmp:ok");
    assert.match(lines[4]!, /^exec-tmp:.*Permission denied/);
    assert.equal(lines[5], "exec-bin:ok");
    assert.match(
      stderr,
      /warning: Landlock rule "\/no\/such\/dir" \(line 7\) skipped: no such path/,
    );
    assert.match(stderr, /Landlock ABI \d+ applied: 4 rules \(1 skipped\), governing "rwx"/);
  }
});

Deno.test("leash-entry lists a directory for an each-entry rule, granting every entry but the except names", async () => {
  const { docker, image } = await setup();
  using _ = docker;
  const rules = encodeLandlockRules({
    handle: ["read", "write", "exec"],
    rules: [
      { path: "/bin", access: ["read", "exec"] },
      { path: "/etc", access: ["read"] },
      { path: "/dev/null", access: ["read", "write"] },
    ],
    each: [{ path: "/etc", access: ["write"], except: ["passwd"] }, {
      path: "/no/such/dir",
      access: ["write"],
      except: [],
    }],
  });
  const probes = [
    "echo x >> /etc/group 2>/dev/null && echo group:ok || echo group:denied",
    "echo x >> /etc/passwd 2>/dev/null && echo passwd:ok || echo passwd:denied",
    "touch /etc/new 2>/dev/null && echo new:ok || echo new:denied",
  ].join("; ");
  for (const user of ["", "nobody"]) {
    await using run = await EntryRun.start(docker, {
      image,
      cmd: ["sh", "-c", probes],
      // nobody may not write /etc by its modes: only root shows what Landlock allowed.
      env: { LEASH_USER: user },
      files: { "landlock.rules": rules },
    });
    await run.waitForFile("bootstrap.ready");
    await run.activate(["netns", "landlock"]);
    assert.equal(await run.exitCode(), 0);
    const { stdout, stderr } = await run.output();
    assert.equal(
      stdout,
      user === ""
        ? "group:ok\npasswd:denied\nnew:denied\n"
        : "group:denied\npasswd:denied\nnew:denied\n",
    );
    assert.match(stderr, /Landlock rule on each entry of "\/no\/such\/dir" \(line 8\) skipped/);
  }
});

Deno.test("leash-entry refuses to start when Landlock is listed but its rules are missing or bad", async () => {
  const { docker, image } = await setup();
  using _ = docker;
  for (
    const [files, message] of [
      [{}, /Cannot apply Landlock rules "\/leash\/landlock.rules": No such file/],
      [{ "landlock.rules": "leash-landlock 2\nrw /tmp\n" }, /line 2: a rule before "handle"/],
    ] as const
  ) {
    await using run = await EntryRun.start(docker, {
      image,
      cmd: ["touch", "/leash/drop/ran"],
      files: { ...files },
    });
    await run.waitForFile("bootstrap.ready");
    await run.activate(["landlock"]);
    assert.equal(await run.exitCode(), 116);
    assert.match((await run.output()).stderr, message);
    assert.equal(await run.exists("ran"), false);
  }
});

Deno.test("leash-entry refuses Landlock rules the marker does not list", async () => {
  const { docker, image } = await setup();
  using _ = docker;
  await using run = await EntryRun.start(docker, {
    image,
    cmd: ["touch", "/leash/drop/ran"],
    files: { "landlock.rules": LANDLOCK_RULES },
  });
  await run.waitForFile("bootstrap.ready");
  await run.activate(["netns"]);
  assert.equal(await run.exitCode(), 115);
  assert.match((await run.output()).stderr, /host and entry disagree on the posture/);
  assert.equal(await run.exists("ran"), false);
});

Deno.test("leash-entry refuses to start the command when the lifeline it must hold is missing", async () => {
  const { docker, image } = await setup();
  using _ = docker;
  await using run = await EntryRun.start(docker, { image, cmd: ["touch", "/leash/drop/ran"] });
  await run.waitForFile("bootstrap.ready");
  await run.activate(["netns"], run.nonce, { lifeline: "leash-lifeline-nobody-listens" });
  assert.equal(await run.exitCode(), 119);
  assert.equal(await run.exists("ran"), false);
  assert.match(
    (await run.output()).stderr,
    /leash-entry: Cannot hold the lifeline: connecting to the manager's "@leash-lifeline-nobody-listens": Connection refused: .*refusing to start the command/,
  );
});

/** Why the lifeline holder cannot run here (it enters the container's netns), if it cannot. */
const holderSkip = Deno.uid() !== 0
  ? "entering a container's network namespace (nsenter -n) needs root"
  : undefined;
if (holderSkip) {
  Deno.stderr.writeSync(new TextEncoder().encode(`skip (lifeline holder tests): ${holderSkip}\n`));
}

/**
 * Runs _lifeline_holder.ts (the manager's end, acknowledging or not) in the container's
 * network namespace, activates `run` with its lifeline and resolves once leash-entry
 * connected to it.
 */
async function holdLifeline(run: EntryRun, mode: "ack" | "noack") {
  const name = `leash-lifeline-test-${crypto.randomUUID().slice(0, 8)}`;
  const script = new URL("./_lifeline_holder.ts", import.meta.url);
  const child = spawnDenoInNetns(await run.pid(), script, [name, mode], "inherit");
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  const waitFor = async (word: string) => {
    while (!out.includes(word)) {
      const { value, done } = await lines.read();
      if (done) throw new Error(`the lifeline holder ended before "${word}": ${out}`);
      out += value;
    }
  };
  /** Closes the manager's end, as the manager's exit does. */
  const release = async () => {
    await child.stdin.close().catch(() => {});
    await child.status;
    await lines.cancel();
  };
  try {
    await waitFor("listening");
    await run.activate(["netns"], run.nonce, { lifeline: name });
    await waitFor("held");
  } catch (error) {
    await release();
    throw error;
  }
  return { release };
}

Deno.test({
  name: "leash-entry holding the lifeline kills every process of the container when it closes",
  ignore: holderSkip !== undefined,
}, async () => {
  const { docker, image } = await setup();
  using _ = docker;
  // The command starts a daemon in its own session (out of the command's process group):
  // only killing every process of the container stops it.
  await using run = await EntryRun.start(docker, {
    image,
    cmd: ["sh", "-c", "busybox setsid sleep 600 & touch /leash/drop/ran; exec sleep 600"],
  });
  await run.waitForFile("bootstrap.ready");
  const holder = await holdLifeline(run, "ack");
  try {
    await run.waitForStderr(/lifeline held\): starting "sh"/);
    await run.waitForFile("ran");
    assert.equal(await run.running(), true);
  } finally {
    await holder.release();
  }
  assert.equal(await run.exitCode(), 120);
  assert.match(
    (await run.output()).stderr,
    /leash-entry: Stopped the command: the lifeline to the manager closed .*killed every process in the container \(fail closed\)/,
  );
});

Deno.test({
  name: "leash-entry refuses to start when the lifeline is not acknowledged",
  ignore: holderSkip !== undefined,
}, async () => {
  const { docker, image } = await setup();
  using _ = docker;
  await using run = await EntryRun.start(docker, { image, cmd: ["touch", "/leash/drop/ran"] });
  await run.waitForFile("bootstrap.ready");
  const holder = await holdLifeline(run, "noack");
  // Closing without the acknowledgement: a listener that is not a leash manager.
  await holder.release();
  assert.equal(await run.exitCode(), 119);
  assert.equal(await run.exists("ran"), false);
  assert.match(
    (await run.output()).stderr,
    /Cannot hold the lifeline: the manager closed the connection to "@leash-lifeline-test-\w+" before acknowledging it/,
  );
});

Deno.test({
  name: "leash-entry refuses to start when the lifeline is held but never acknowledged",
  ignore: holderSkip !== undefined,
}, async () => {
  const { docker, image } = await setup();
  using _ = docker;
  await using run = await EntryRun.start(docker, { image, cmd: ["touch", "/leash/drop/ran"] });
  await run.waitForFile("bootstrap.ready");
  // Accepted and kept open, never acknowledged: leash-entry gives up after its wait.
  const holder = await holdLifeline(run, "noack");
  try {
    assert.equal(await run.exitCode(), 119);
  } finally {
    await holder.release();
  }
  assert.equal(await run.exists("ran"), false);
  assert.match(
    (await run.output()).stderr,
    /Cannot hold the lifeline: the manager did not acknowledge the connection to "@leash-lifeline-test-\w+" within 5 s; refusing to start the command/,
  );
});
