/**
 * Containment attempts (contain session; issue 10 classes 1, 2, 4, 5). The agent is root in the
 * target, the workspace and /contain are bind mounts, Landlock is the file/exec layer where BPF
 * LSM is refused. Judged by what an attacker or the host would observe: the payload's token
 * (never printed when its code did not run), the forbidden file's mode, owner, mtime and xattr
 * re-read on the host, what stat showed inside, how many processes a fork loop got, whether a
 * large allocation completed.
 */
import assert from "node:assert/strict";
import type { Attempt, Outcome } from "./_attempt.ts";
import { containFixture, keyXattr } from "./_contain_fixture.ts";

const LD = "/lib64/ld-linux-x86-64.so.2";
const TOKEN = /LEASH-PAYLOAD-RAN/;

/** The payload's code did not run, and the attempt got as far as trying (`marker` printed). */
function notRun(marker?: string) {
  return (o: Outcome) => {
    assert.doesNotMatch(o.out, TOKEN, `the payload ran:\n${o.out}`);
    if (marker) assert.ok(o.out.includes(marker), `the attempt did not get to try:\n${o.out}`);
  };
}

/** Code the policy does not let execute, run without execve of the file itself. */
function execAttempts(): Attempt[] {
  const copyThen = (dir: string, run: string) =>
    `cp /contain/payload ${dir}/p-$TAG && cp /contain/preload.so ${dir}/l-$TAG.so && echo copied && ${run}`;
  const rows: [string, string, string?][] = [
    ["exec-loader-volume", `${LD} /contain/payload`],
    ["exec-loader-workspace", copyThen(".", `${LD} ./p-$TAG`), "copied"],
    ["exec-loader-tmp", copyThen("/tmp", `${LD} /tmp/p-$TAG`), "copied"],
    ["exec-loader-var-tmp", copyThen("/var/tmp", `${LD} /var/tmp/p-$TAG`), "copied"],
    ["exec-loader-dev-shm", copyThen("/dev/shm", `${LD} /dev/shm/p-$TAG`), "copied"],
    ["exec-preload-volume", `LD_PRELOAD=/contain/preload.so /usr/bin/true; echo tried`, "tried"],
    [
      "exec-preload-workspace",
      copyThen(".", `LD_PRELOAD=./l-$TAG.so /usr/bin/true; echo tried`),
      "tried",
    ],
    ["exec-preload-tmp", copyThen("/tmp", `LD_PRELOAD=/tmp/l-$TAG.so /usr/bin/true`), "copied"],
    ["exec-direct-tmp", copyThen("/tmp", `chmod +x /tmp/p-$TAG; /tmp/p-$TAG`), "copied"],
    ["exec-direct-workspace", copyThen(".", `chmod +x ./p-$TAG; ./p-$TAG`), "copied"],
    ["exec-memfd", `containprobe memfd /contain/payload`],
  ];
  return rows.map(([name, sh, marker]) => ({
    class: "exec-code",
    name,
    session: "contain" as const,
    sh,
    judge: notRun(marker),
  }));
}

/** The forbidden file's metadata on the host is as the fixture made it. */
function hostUnchanged(what: "mode" | "owner" | "mtime" | "xattr") {
  return (o: Outcome) => {
    const f = containFixture();
    const key = Deno.statSync(f.key);
    const dir = Deno.statSync(f.secret);
    if (what === "mode") {
      assert.equal((key.mode! & 0o7777).toString(8), f.keyMode.toString(8), o.out);
      assert.equal((dir.mode! & 0o7777).toString(8), f.secretMode.toString(8), o.out);
    }
    if (what === "owner") assert.deepEqual([key.uid, dir.uid], [Deno.uid(), Deno.uid()], o.out);
    if (what === "mtime") assert.equal(key.mtime!.getTime() / 1000, f.keyMtime, o.out);
    if (what === "xattr") assert.equal(keyXattr(f), "value=original", o.out);
  };
}

/** Metadata changes and stat of a forbidden subtree inside a bind mount. */
function metaAttempts(): Attempt[] {
  const both = (op: string) =>
    `containprobe meta ${op} /contain/secret/key; containprobe meta ${op} /contain/secret`;
  const rows: Attempt[] = [
    ["meta-chmod", both("chmod"), hostUnchanged("mode")],
    ["meta-chown", both("chown"), hostUnchanged("owner")],
    ["meta-utimes", both("utimes"), hostUnchanged("mtime")],
    ["meta-setxattr", both("setxattr"), hostUnchanged("xattr")],
    [
      "meta-chmod-proc-root",
      `containprobe meta chmod /proc/self/root/contain/secret/key`,
      hostUnchanged("mode"),
    ],
  ].map(([name, sh, judge]) => ({
    class: "forbidden-meta",
    name: name as string,
    session: "contain" as const,
    sh: sh as string,
    judge: judge as Attempt["judge"],
  }));
  rows.push({
    class: "forbidden-meta",
    name: "meta-stat-leak",
    session: "contain",
    sh:
      `containprobe stat /contain/secret/key; containprobe stat /contain/secret; ls -la /contain/secret`,
    judge: (o) => {
      const f = containFixture();
      assert.doesNotMatch(o.out, new RegExp(`size=${f.keySize}\\b`), `the size leaked:\n${o.out}`);
      assert.doesNotMatch(
        o.out,
        new RegExp(`mtime=${f.keyMtime}\\b`),
        `the mtime leaked:\n${o.out}`,
      );
      assert.doesNotMatch(o.out, /\bkey\b/, `the name leaked:\n${o.out}`);
    },
  });
  return rows;
}

/** Capability bits the agent must not hold (linux/capability.h). */
const DROPPED_CAPS: Record<string, number> = {
  CHOWN: 0,
  FOWNER: 3,
  FSETID: 4,
  SETPCAP: 8,
  NET_RAW: 13,
  SYS_ADMIN: 21,
  MKNOD: 27,
  SETFCAP: 31,
};

/** The agent's capabilities, namespaces it could make, and a subtree forbidden for writing. */
function privilegeAttempts(): Attempt[] {
  return [{
    class: "forbidden-meta",
    name: "caps-held",
    session: "contain",
    sh: `grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb):' /proc/self/status`,
    judge: (o) => {
      const sets = [...o.out.matchAll(/^Cap(\w+):\s+([0-9a-f]+)$/gm)];
      assert.equal(sets.length, 5, o.out);
      for (const [, set, hex] of sets) {
        const bits = BigInt(`0x${hex}`);
        for (const [name, bit] of Object.entries(DROPPED_CAPS)) {
          assert.equal(bits & (1n << BigInt(bit)), 0n, `Cap${set} holds CAP_${name}:\n${o.out}`);
        }
      }
    },
  }, {
    class: "forbidden-meta",
    name: "caps-chown-own-file",
    session: "contain",
    sh: `echo x > own-$TAG && containprobe meta chown own-$TAG; containprobe stat own-$TAG`,
    judge: (o) => {
      assert.match(o.out, /^chown=error EPERM$/m, o.out);
      assert.match(o.out, /uid=0$/m, o.out);
    },
  }, {
    class: "forbidden-meta",
    name: "ns-unshare",
    session: "contain",
    sh: `unshare -U sh -c 'echo IN-USER-NS'; unshare -Ur sh -c 'echo IN-ROOT-NS'; ` +
      `unshare -n sh -c 'echo IN-NET-NS'; echo tried`,
    judge: (o) => {
      assert.ok(o.out.includes("tried"), o.out);
      assert.doesNotMatch(o.out, /IN-(USER|ROOT|NET)-NS/, `a namespace was created:\n${o.out}`);
    },
  }, {
    class: "forbidden-meta",
    name: "meta-write-only-forbid",
    session: "contain",
    sh: `cat /contain/ro/notes.txt; containprobe meta chmod /contain/ro/notes.txt; ` +
      `containprobe meta utimes /contain/ro/notes.txt; containprobe meta setxattr /contain/ro/notes.txt`,
    judge: (o) => {
      const f = containFixture();
      const st = Deno.statSync(f.readOnly);
      assert.equal((st.mode! & 0o7777).toString(8), f.readOnlyMode.toString(8), o.out);
      assert.equal(st.mtime!.getTime() / 1000, f.readOnlyMtime, o.out);
      // Forbidden for writing only: still readable.
      assert.match(o.out, /^readable notes$/m, o.out);
    },
  }];
}

/** A forbid on a symlink's name is reported at start, naming the file it resolves to. */
function linkAttempts(): Attempt[] {
  return [{
    class: "exec-links",
    name: "links-forbid-on-symlink",
    session: "contain",
    sh: `/usr/bin/sh -c 'echo sh ran'`,
    judge: (o) => {
      const warned = o.events.some((e) =>
        e.event === "boot.containment" &&
        String(e.message).includes(`names "/usr/bin/sh", which resolves to "/usr/bin/dash"`)
      );
      assert.ok(warned, `no warning named the forbid on the /usr/bin/sh symlink:\n${o.out}`);
    },
  }];
}

/** The session runs with --pids-limit 200 --memory 256m. */
function limitAttempts(): Attempt[] {
  return [{
    class: "limits",
    name: "limits-fork-loop",
    session: "contain",
    serial: true,
    sh: `containprobe forks 1000`,
    judge: (o) => {
      const m = /forked=(\d+) error=(\S+)/.exec(o.out);
      assert.ok(m, o.out);
      assert.ok(Number(m[1]) < 200, `forked ${m[1]} processes under --pids-limit 200:\n${o.out}`);
      assert.equal(m[2], "EAGAIN", o.out);
    },
  }, {
    class: "limits",
    name: "limits-memory",
    session: "contain",
    serial: true,
    sh: `containprobe alloc 1024`,
    judge: (o) => {
      assert.doesNotMatch(
        o.out,
        /ALLOC-DONE/,
        `1 GiB was allocated under --memory 256m:\n${o.out}`,
      );
      const got = Math.max(0, ...[...o.out.matchAll(/alloc=(\d+)/g)].map((m) => Number(m[1])));
      assert.ok(got <= 256, `${got} MiB touched under --memory 256m:\n${o.out}`);
    },
  }];
}

/** The containment attempts. */
export function containAttempts(): Attempt[] {
  return [
    ...execAttempts(),
    ...metaAttempts(),
    ...privilegeAttempts(),
    ...linkAttempts(),
    ...limitAttempts(),
  ];
}
