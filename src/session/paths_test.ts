import assert from "node:assert/strict";
import { leashDirs, newSessionId, sessionPaths } from "./paths.ts";

function env(values: Record<string, string>) {
  return (name: string) => values[name];
}

Deno.test("leashDirs() follows the XDG variables and falls back under HOME", () => {
  assert.deepEqual(leashDirs(env({ HOME: "/home/a" }), 1000), {
    state: "/home/a/.local/state/leash",
    data: "/home/a/.local/share/leash",
    runtime: "/tmp/leash-1000",
  });
  assert.deepEqual(
    leashDirs(
      env({
        HOME: "/h",
        XDG_STATE_HOME: "/s",
        XDG_DATA_HOME: "/d",
        XDG_RUNTIME_DIR: "/run/user/7",
      }),
      7,
    ),
    { state: "/s/leash", data: "/d/leash", runtime: "/run/user/7/leash" },
  );
});

Deno.test("leashDirs() ignores relative XDG values and needs HOME then", () => {
  assert.equal(
    leashDirs(env({ HOME: "/h", XDG_STATE_HOME: "rel" }), 0).state,
    "/h/.local/state/leash",
  );
  assert.throws(() => leashDirs(env({}), 0), /set HOME or XDG_STATE_HOME/);
});

Deno.test("sessionPaths() lays out public, private, logs and a short socket dir", () => {
  const dirs = leashDirs(env({ HOME: "/home/a", XDG_RUNTIME_DIR: "/run/user/1000" }), 1000);
  const paths = sessionPaths(dirs, "s1");
  assert.equal(paths.public, "/home/a/.local/state/leash/sessions/s1/public");
  assert.equal(paths.publicBin, "/home/a/.local/state/leash/sessions/s1/public/bin");
  assert.equal(paths.private, "/home/a/.local/state/leash/sessions/s1/private");
  assert.equal(paths.sockets, "/run/user/1000/leash/s1");
  assert.equal(sessionPaths(dirs, "s1", "/secure/p").private, "/secure/p");
});

Deno.test("sessionPaths() refuses a socket dir that would exceed the unix socket limit", () => {
  const dirs = { state: "/s", data: "/d", runtime: "/" + "x".repeat(100) };
  assert.throws(() => sessionPaths(dirs, "s1"), /exceeds 107 bytes; set XDG_RUNTIME_DIR/);
});

Deno.test("newSessionId() is time-ordered and unique", () => {
  const a = newSessionId(new Date("2026-11-23T20:12:00Z"));
  assert.match(a, /^20261123t2012-[0-9a-f]{6}$/);
  assert.notEqual(newSessionId(), newSessionId());
});
