import assert from "node:assert/strict";
import { join } from "node:path";
import {
  diagnoseSocketFailure,
  parseSocketFailure,
  socketUnreachable,
} from "./socket_diagnosis.ts";

const LOG =
  'leash-helper manager: Cannot connect to control socket "/leash-sock/control.sock": Permission denied (as uid 1001 gid 1001; /leash-sock is mode 0700 owned by 1001:1001)\n';

Deno.test("parseSocketFailure() reads the socket, the reason and the ids the manager used", () => {
  assert.deepEqual(parseSocketFailure(`something first\n${LOG}`), {
    kind: "control",
    path: "/leash-sock/control.sock",
    reason: "Permission denied",
    as: { uid: 1001, gid: 1001 },
  });
  assert.deepEqual(
    parseSocketFailure('Cannot connect to control socket "/s/c.sock": Connection timed out'),
    { kind: "control", path: "/s/c.sock", reason: "Connection timed out" },
  );
  assert.equal(parseSocketFailure("leash-helper manager: control socket closed"), undefined);
});

const owner = { mode: 0o755, uid: 1001, gid: 1001 };
const dir = { mode: 0o700, uid: 1001, gid: 1001 };

Deno.test("socketUnreachable() names the socket, its mode and owner, the ids used and the fix", () => {
  const failure = parseSocketFailure(LOG)!;
  const e = socketUnreachable(failure, "/run/u/leash/s1/control.sock", { socket: owner, dir });
  assert.equal(e.phase, "manager");
  assert.equal(
    e.message,
    'Cannot start the session: the manager cannot connect to its control socket "/run/u/leash/s1/control.sock": Permission denied (socket mode 0755 owned by uid 1001 gid 1001, directory "/run/u/leash/s1" mode 0700 owned by uid 1001 gid 1001); the manager connected as uid 1001 gid 1001; fix: the engine remaps container users (Docker with userns-remap, or rootless Docker) or a security module (AppArmor, SELinux) refuses the connect: use a rootful Docker Engine without userns-remap (rootless and remote engines are not supported yet)',
  );
});

Deno.test("socketUnreachable() tells modes without the owner's bits from a manager that is not the owner", () => {
  const failure = parseSocketFailure(LOG)!;
  const modes = socketUnreachable(failure, "/r/control.sock", {
    socket: { ...owner, mode: 0o500 },
    dir,
  });
  assert.match(
    modes.message,
    /socket mode 0500 .*fix: the owner needs search on the directory and write on the socket/,
  );
  const other = socketUnreachable({ ...failure, as: { uid: 0, gid: 0 } }, "/r/control.sock", {
    socket: owner,
    dir,
  });
  assert.match(
    other.message,
    /connected as uid 0 gid 0; fix: .*owner, uid 1001, and could not switch/,
  );
  const gone = socketUnreachable(failure, "/r/control.sock", { socket: undefined, dir });
  assert.match(gone.message, /\(socket missing, .*fix: the socket vanished/);
});

Deno.test("diagnoseSocketFailure() maps the manager's path to the host's and stats it", async () => {
  const root = await Deno.makeTempDir();
  try {
    await Deno.chmod(root, 0o700);
    await Deno.writeTextFile(join(root, "control.sock"), "");
    await Deno.chmod(join(root, "control.sock"), 0o600);
    const e = await diagnoseSocketFailure(LOG, root);
    assert.ok(e);
    const uid = Deno.uid();
    assert.ok(
      e.message.includes(
        `control socket "${root}/control.sock": Permission denied (socket mode 0600 owned by uid ${uid} `,
      ),
      e.message,
    );
    assert.ok(e.message.includes(`directory "${root}" mode 0700 owned by uid ${uid} `), e.message);
    assert.equal(await diagnoseSocketFailure("manager exited\n", root), undefined);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("socketUnreachable() names a user namespace and a directory the engine does not see", () => {
  const failure = parseSocketFailure(LOG)!;
  const userns = socketUnreachable(failure, "/r/control.sock", {
    socket: owner,
    dir,
    uidMap: "4242 1001 1",
  });
  assert.match(
    userns.message,
    /fix: leash runs in a user namespace \(uid_map "4242 1001 1": uid 4242 here is uid 1001 to the engine\)/,
  );
  const unseen = socketUnreachable(
    { ...failure, reason: "Connection timed out" },
    "/r/control.sock",
    { socket: owner, dir },
  );
  assert.match(
    unseen.message,
    /: Connection timed out \(.*fix: the engine does not see this directory/,
  );
});
