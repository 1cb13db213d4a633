import assert from "node:assert/strict";
import { sshArgs, sshReason } from "./ssh_transport.ts";

Deno.test("sshArgs() runs docker system dial-stdio with user and port as ssh options, after --", () => {
  assert.deepEqual(
    sshArgs({ hostname: "box", user: "me", port: 2222, address: "ssh://me@box:2222" }),
    [
      "-o",
      "ConnectTimeout=10",
      "-T",
      "-l",
      "me",
      "-p",
      "2222",
      "--",
      "box",
      "docker",
      "system",
      "dial-stdio",
    ],
  );
  assert.deepEqual(
    sshArgs({ hostname: "box", address: "ssh://box", configFile: "/c" }).slice(0, 2),
    ["-F", "/c"],
  );
});

Deno.test("sshReason() quotes ssh and gives the fix that matches what it said", () => {
  const o = { hostname: "box", user: "me", port: 2222 };
  assert.equal(
    sshReason({ code: 255, stderr: "me@box: Permission denied (publickey).\n" }, o),
    "ssh exited with status 255: me@box: Permission denied (publickey).; let ssh log in without a prompt (ssh-copy-id, ssh-agent, or IdentityFile in ~/.ssh/config), then check with: ssh -p 2222 me@box docker version",
  );
  assert.match(
    sshReason({ code: 255, stderr: "Host key verification failed.\n" }, o),
    /add the engine host's key to known_hosts/,
  );
  assert.match(
    sshReason({ code: 127, stderr: "bash: line 1: docker: command not found\n" }, o),
    /the remote user needs the docker CLI/,
  );
  assert.match(
    sshReason({ code: 255, stderr: "ssh: connect to host box port 2222: Connection refused\n" }, o),
    /check the host and port in DOCKER_HOST and that sshd runs there$/,
  );
});
