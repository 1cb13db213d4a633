import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url);
const MAIN = new URL("main.ts", ROOT).pathname;
const FIXTURES = new URL("tests/fixtures/policies/", ROOT).pathname;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function leash(...args: string[]): Promise<Run> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", MAIN, ...args],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

async function tempPolicy(content: string | Uint8Array): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "leash-policy-test-" });
  const file = `${dir}/p.cedar`;
  if (typeof content === "string") await Deno.writeTextFile(file, content);
  else await Deno.writeFile(file, content);
  return file;
}

function noStackTrace(run: Run): void {
  assert.doesNotMatch(run.stderr, /^\s+at /m, run.stderr);
}

Deno.test("leash policy check prints a per-layer summary and located warnings for a Leash policy", async () => {
  const file = `${FIXTURES}leash_example.cedar`;
  const run = await leash("policy", "check", file);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /: ok, 8 rules \(4 permit, 4 forbid\)/);
  assert.match(run.stdout, /kernel file\/exec {2}5 path entries/);
  assert.match(run.stdout, /dns allow-list {4}api\.internal, db\.internal/);
  assert.match(
    run.stderr,
    new RegExp(`^${file}:26:\\d+: warning: HttpRewrite value is written`, "m"),
  );
});

Deno.test("leash policy check lists every problem as FILE:LINE:COL with a hint and exits 1", async () => {
  const file = await tempPolicy(
    'permit (principal, action == Action::"FileOpn", resource);\n' +
      'permit (principal, action == Action::"NetworkConnect", resource in Host::"a.com:70000");\n' +
      'permit (principal, action, resource in Dir::"relative/");\n',
  );
  const run = await leash("policy", "check", file);
  assert.equal(run.code, 1);
  assert.equal(run.stdout, "");
  assert.match(
    run.stderr,
    new RegExp(
      `^${file}:1:38: Unknown action "FileOpn"\n  hint: did you mean Action::"FileOpen"\\?`,
      "m",
    ),
  );
  assert.match(
    run.stderr,
    new RegExp(`^${file}:2:74: Cannot use Host "a.com:70000": port "70000"`, "m"),
  );
  assert.match(
    run.stderr,
    new RegExp(`^${file}:3:45: Cannot use Dir "relative/": the path must be absolute`, "m"),
  );
  assert.match(run.stderr, /^error: 3 problems in /m);
  noStackTrace(run);
});

Deno.test("leash policy check reports Cedar syntax errors with their location", async () => {
  const file = await tempPolicy(
    "permit (principal, action, resource);\nforbid (principal action, resource);\n",
  );
  const run = await leash("policy", "check", file);
  assert.equal(run.code, 1);
  assert.match(run.stderr, new RegExp(`^${file}:2:\\d+: `, "m"));
  noStackTrace(run);
});

Deno.test("leash policy check rejects a missing, empty, binary or 10 MB file with a clear error", async () => {
  const missing = await leash("policy", "check", "/nonexistent/leash.cedar");
  assert.equal(missing.code, 1);
  assert.match(
    missing.stderr,
    /^error: Cannot read policy "\/nonexistent\/leash.cedar": no such file/m,
  );
  const empty = await tempPolicy("");
  const emptyRun = await leash("policy", "check", empty);
  assert.equal(emptyRun.code, 1);
  assert.match(emptyRun.stderr, new RegExp(`^${empty}:1:1: Policy is empty`, "m"));
  const binary = await tempPolicy(new Uint8Array([0xff, 0xfe, 0x00, 0x81, 0x12, 0x00, 0xc3]));
  const binaryRun = await leash("policy", "check", binary);
  assert.equal(binaryRun.code, 1);
  assert.match(binaryRun.stderr, new RegExp(`^${binary}:1:1: Policy is not text`, "m"));
  const big = await tempPolicy("permit (principal, action, resource);\n".repeat(280_000));
  const bigRun = await leash("policy", "check", big);
  assert.equal(bigRun.code, 1);
  assert.match(bigRun.stderr, new RegExp(`^${big}:1:1: Policy is too large: \\d+ bytes`, "m"));
  for (const run of [missing, emptyRun, binaryRun, bigRun]) noStackTrace(run);
});

Deno.test("leash policy eval answers file requests with rule ids and layer, exit 0 for deny too", async () => {
  const file = `${FIXTURES}overlap.cedar`;
  const deny = await leash("policy", "eval", file, "FileOpenReadWrite", "/a/b/c/x");
  assert.equal(deny.code, 0, deny.stderr);
  assert.equal(deny.stdout, "deny\n  rules: mid-forbid-write\n  layer: kernel-lsm\n");
  const allow = await leash("policy", "eval", file, "FileOpenReadOnly", "/a/b/c/x");
  assert.equal(
    allow.stdout,
    "allow\n  rules: deep-permit, top-permit, all-read\n  layer: kernel-lsm\n",
  );
  const boundary = await leash(
    "policy",
    "eval",
    file,
    "FileOpenReadOnly",
    "/etc/passwd-x",
    "--json",
  );
  assert.deepEqual(JSON.parse(boundary.stdout), {
    action: "FileOpenReadOnly",
    resource: "/etc/passwd-x",
    decision: "allow",
    rules: ["all-read"],
    layer: "kernel-lsm",
  });
  const passwd = await leash("policy", "eval", file, "FileOpenReadOnly", "/etc/passwd");
  assert.match(passwd.stdout, /^deny\n {2}rules: forbid-passwd\n/);
});

Deno.test("leash policy eval answers network and HTTP requests", async () => {
  const hosts = `${FIXTURES}hosts.cedar`;
  const ssh = await leash("policy", "eval", hosts, "NetworkConnect", "10.20.1.1:22");
  assert.equal(ssh.stdout, "deny\n  rules: v4-subnet-ssh\n  layer: kernel-lsm\n");
  const v6 = await leash("policy", "eval", hosts, "NetworkConnect", "[2001:db8::5]:8443");
  assert.equal(v6.stdout, "allow\n  rules: v6-net\n  layer: kernel-lsm\n");
  const wild = await leash("policy", "eval", hosts, "NetworkConnect", "API.example.com:443");
  assert.equal(wild.stdout, "allow\n  rules: wild, any-https\n  layer: proxy\n");
  const http = `${FIXTURES}http.cedar`;
  const get = await leash(
    "policy",
    "eval",
    http,
    "HttpRequest",
    "api.github.com:443",
    "--context",
    '{"method":"GET","path":"/repos/a/b"}',
  );
  assert.equal(get.stdout, "allow\n  rules: github-read\n  layer: proxy\n");
  const admin = await leash(
    "policy",
    "eval",
    http,
    "HttpRequest",
    "api.github.com:443",
    "--context",
    '{"method":"GET","path":"/repos/a/admin"}',
  );
  assert.equal(admin.stdout, "deny\n  rules: github-no-admin\n  layer: proxy\n");
});

Deno.test("leash policy eval exits 1 for bad input and 2 for a usage mistake", async () => {
  const file = `${FIXTURES}leash_example.cedar`;
  const action = await leash("policy", "eval", file, "FileOpn", "/x");
  assert.equal(action.code, 1);
  assert.match(action.stderr, /^error: Unknown action "FileOpn": did you mean "FileOpen"\?/m);
  const relative = await leash("policy", "eval", file, "FileOpen", "etc/passwd");
  assert.equal(relative.code, 1);
  assert.match(relative.stderr, /must be absolute/);
  const port = await leash("policy", "eval", file, "NetworkConnect", "a.com:99999");
  assert.equal(port.code, 1);
  const context = await leash("policy", "eval", file, "HttpRequest", "a.com", "--context", "{nope");
  assert.equal(context.code, 1);
  assert.match(context.stderr, /Cannot parse --context: not JSON/);
  const missing = await leash("policy", "eval", file, "FileOpen");
  assert.equal(missing.code, 2);
  for (const run of [action, relative, port, context, missing]) noStackTrace(run);
});

Deno.test("leash policy explain prints every layer, and --json the versioned IR", async () => {
  const file = `${FIXTURES}leash_example.cedar`;
  const text = await leash("policy", "explain", file);
  assert.equal(text.code, 0, text.stderr);
  for (
    const section of [
      "Kernel file/exec table",
      "Kernel connect table",
      "Landlock",
      "Proxy host rules",
      "Proxy HTTP rules",
      "Header rewrites",
      "MCP rules",
      "DNS allow-list",
    ]
  ) {
    assert.match(text.stdout, new RegExp(section));
  }
  assert.match(
    text.stdout,
    /\/workspace\/secrets\/\n {6}read allow \(policy0-[0-9a-f]{8}\); write deny \(policy1-[0-9a-f]{8}\)/,
  );
  const json = await leash("policy", "explain", file, "--json");
  const ir = JSON.parse(json.stdout);
  assert.equal(ir.version, 1);
  assert.equal(ir.rules.length, 8);
  const again = await leash("policy", "explain", file, "--json");
  assert.equal(again.stdout, json.stdout);
});

Deno.test("leash policy fmt prints formatted text and --write rewrites the file", async () => {
  const file = await tempPolicy(
    'permit(principal,action==Action::"FileOpen",resource in Dir::"/w/");',
  );
  const run = await leash("policy", "fmt", file);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(
    run.stdout,
    'permit (\n  principal,\n  action == Action::"FileOpen",\n  resource in Dir::"/w/"\n);\n',
  );
  const write = await leash("policy", "fmt", file, "--write");
  assert.equal(write.code, 0);
  assert.equal(write.stdout, "");
  assert.equal(await Deno.readTextFile(file), run.stdout);
  const bad = await tempPolicy("permit (principal");
  const badRun = await leash("policy", "fmt", bad);
  assert.equal(badRun.code, 1);
  assert.match(badRun.stderr, new RegExp(`^${bad}:1:\\d+: `, "m"));
});

Deno.test("leash policy rejects an unknown subcommand with a suggestion and shows help per subcommand", async () => {
  const run = await leash("policy", "chek", "x");
  assert.equal(run.code, 2);
  assert.match(run.stderr, /^error: Unknown policy subcommand "chek": did you mean "check"\?/);
  for (const sub of ["check", "explain", "eval", "fmt"]) {
    const help = await leash("policy", sub, "--help");
    assert.equal(help.code, 0);
    assert.match(help.stdout, new RegExp(`Usage: leash policy ${sub} FILE`));
  }
  const top = await leash("policy", "--help");
  assert.match(top.stdout, /check FILE/);
});
