import assert from "node:assert/strict";
import { BLOCK_SIZE, createTar, type TarEntry } from "./tar.ts";
import { readTar } from "./tar_reader.ts";

const longDir = "deeply/" + "nested-directory-name/".repeat(6); // 139 bytes: needs the prefix
const longName = "f".repeat(150) + ".txt"; // one component over 100 bytes: needs PAX
const longTarget = "../" + "t".repeat(120);

const entries: TarEntry[] = [
  { path: "bin", type: "directory" },
  { path: "bin/busybox", data: new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 1, 2, 3]), mode: 0o755 },
  { path: "bin/sh", type: "symlink", linkTarget: "busybox" },
  { path: "etc/motd", data: "hello\n", uid: 1000, gid: 1001, mtime: 1_700_000_000 },
  { path: "tmp", type: "directory", mode: 0o1777 },
  { path: `${longDir}file.txt`, data: "in a long directory\n" },
  { path: longName, data: "long name\n" },
  { path: "link-far", type: "symlink", linkTarget: longTarget },
  { path: "naïve ✓.txt", data: "unicode\n" },
  { path: "/absolute/stripped", data: "x" },
  { path: "big.bin", data: new Uint8Array(BLOCK_SIZE * 3 + 1).fill(7) },
];

async function run(cmd: string, args: string[]): Promise<string> {
  const output = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" })
    .output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.ok(output.success, `${cmd} ${args.join(" ")} failed: ${stderr}`);
  return new TextDecoder().decode(output.stdout);
}

Deno.test("createTar() output reads back through readTar() unchanged", () => {
  const archive = createTar(entries);
  assert.equal(archive.length % BLOCK_SIZE, 0);
  const read = readTar(archive);
  assert.deepEqual(read.map((e) => e.path), [
    "bin/",
    "bin/busybox",
    "bin/sh",
    "etc/motd",
    "tmp/",
    `${longDir}file.txt`,
    longName,
    "link-far",
    "naïve ✓.txt",
    "absolute/stripped",
    "big.bin",
  ]);
  const byPath = new Map(read.map((e) => [e.path, e]));
  assert.equal(byPath.get("bin/")!.type, "directory");
  assert.equal(byPath.get("bin/")!.mode, 0o755);
  assert.equal(byPath.get("bin/busybox")!.mode, 0o755);
  assert.deepEqual(
    byPath.get("bin/busybox")!.data,
    new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 1, 2, 3]),
  );
  assert.equal(byPath.get("bin/sh")!.type, "symlink");
  assert.equal(byPath.get("bin/sh")!.linkTarget, "busybox");
  const motd = byPath.get("etc/motd")!;
  assert.deepEqual([motd.uid, motd.gid, motd.mtime, motd.mode], [1000, 1001, 1_700_000_000, 0o644]);
  assert.equal(new TextDecoder().decode(motd.data), "hello\n");
  assert.equal(byPath.get("tmp/")!.mode, 0o1777);
  assert.equal(byPath.get("link-far")!.linkTarget, longTarget);
  assert.equal(new TextDecoder().decode(byPath.get(longName)!.data), "long name\n");
  assert.equal(byPath.get("big.bin")!.data.length, BLOCK_SIZE * 3 + 1);
});

Deno.test("createTar() output is listed by the system tar with names, modes and links", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/a.tar`, createTar(entries));
    const listing = await run("tar", ["-tvf", `${dir}/a.tar`]);
    const lines = listing.trim().split("\n");
    assert.equal(lines.length, entries.length, listing);
    const line = (suffix: string) => {
      const found = lines.find((l) => l.endsWith(suffix));
      assert.ok(found, `no line ends with ${JSON.stringify(suffix)} in:\n${listing}`);
      return found;
    };
    assert.match(line(" bin/"), /^drwxr-xr-x /);
    assert.match(line(" bin/busybox"), /^-rwxr-xr-x /);
    assert.match(line(" bin/sh -> busybox"), /^lrwxrwxrwx /);
    assert.match(line(" etc/motd"), /^-rw-r--r-- 1000\/1001 +6 2023-11-1\d /);
    assert.match(line(" tmp/"), /^drwxrwxrwt /);
    line(` ${longDir}file.txt`);
    line(` ${longName}`);
    line(` link-far -> ${longTarget}`);
    line(" naïve ✓.txt");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("createTar() output extracts with the system tar to the same files", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/a.tar`, createTar(entries));
    await Deno.mkdir(`${dir}/out`);
    await run("tar", ["-xf", `${dir}/a.tar`, "-C", `${dir}/out`, "--no-same-owner"]);
    assert.equal(await Deno.readTextFile(`${dir}/out/${longDir}file.txt`), "in a long directory\n");
    assert.equal(await Deno.readTextFile(`${dir}/out/${longName}`), "long name\n");
    assert.equal(await Deno.readLink(`${dir}/out/bin/sh`), "busybox");
    assert.equal((await Deno.stat(`${dir}/out/bin/busybox`)).mode! & 0o777, 0o755);
    assert.equal(await Deno.readTextFile(`${dir}/out/naïve ✓.txt`), "unicode\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readTar() reads archives the system tar writes in GNU and PAX formats", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/src/${longDir}`, { recursive: true });
    await Deno.writeTextFile(`${dir}/src/${longDir}${longName}`, "deep\n");
    await Deno.symlink(longTarget, `${dir}/src/far`);
    for (const format of ["gnu", "pax"]) {
      await run("tar", [
        `--format=${format}`,
        "-cf",
        `${dir}/${format}.tar`,
        "-C",
        `${dir}/src`,
        ".",
      ]);
      const read = readTar(await Deno.readFile(`${dir}/${format}.tar`));
      const file = read.find((e) => e.path === `./${longDir}${longName}`);
      assert.ok(file, `${format}: ${read.map((e) => e.path).join(", ")}`);
      assert.equal(new TextDecoder().decode(file.data), "deep\n");
      const far = read.find((e) => e.path === "./far");
      assert.equal(far?.type, "symlink");
      assert.equal(far?.linkTarget, longTarget, format);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readTar() rejects a header with a bad checksum", () => {
  const archive = createTar([{ path: "a", data: "x" }]);
  archive[0] = "b".charCodeAt(0);
  assert.throws(() => readTar(archive), /bad header checksum at byte 0/);
});

Deno.test("createTar() refuses entries it cannot represent", () => {
  assert.throws(() => createTar([{ path: "" }]), RangeError);
  assert.throws(() => createTar([{ path: "l", type: "symlink" }]), /needs a linkTarget/);
  assert.throws(() => createTar([{ path: "a", uid: 2 ** 31 }]), /Cannot write 2147483648/);
});

Deno.test("createTar() writes a hard link entry to another path of the archive", () => {
  const read = readTar(createTar([
    { path: "d/.a.tmp", data: "full\n", mode: 0o444 },
    { path: "d/a", type: "hardlink", linkTarget: "d/.a.tmp" },
  ]));
  assert.deepEqual(read.map((e) => [e.path, e.type, e.linkTarget]), [
    ["d/.a.tmp", "file", ""],
    ["d/a", "hardlink", "d/.a.tmp"],
  ]);
  assert.throws(() => createTar([{ path: "x", type: "hardlink" }]), RangeError);
});
