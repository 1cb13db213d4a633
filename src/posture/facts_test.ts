import assert from "node:assert/strict";
import { cgroupLayout, cmdlineLsms, configuredLsms, parseMountinfo } from "./facts.ts";

const HYBRID = [
  "25 30 0:22 / /sys/fs/cgroup ro,nosuid shared:9 - tmpfs tmpfs ro,mode=755",
  "26 25 0:23 / /sys/fs/cgroup/unified rw,nosuid shared:10 - cgroup2 cgroup2 rw,nsdelegate",
  "27 25 0:24 / /sys/fs/cgroup/memory rw,nosuid shared:11 - cgroup cgroup rw,memory",
].join("\n");

const PURE_V2 = "35 24 0:30 / /sys/fs/cgroup rw,nosuid shared:9 - cgroup2 cgroup2 rw";

Deno.test("parseMountinfo() reads mount points and types, unescaping spaces", () => {
  const mounts = parseMountinfo(
    "40 30 0:50 / /mnt/with\\040space rw shared:1 - ext4 /dev/vda rw\n" + HYBRID,
  );
  assert.deepEqual(mounts[0], { mountPoint: "/mnt/with space", fsType: "ext4" });
  assert.equal(mounts.length, 4);
});

Deno.test("cgroupLayout() tells pure v2, hybrid, v1-only and none apart", () => {
  assert.deepEqual(cgroupLayout(parseMountinfo(PURE_V2)), {
    layout: "v2",
    unifiedPath: "/sys/fs/cgroup",
  });
  assert.deepEqual(cgroupLayout(parseMountinfo(HYBRID)), {
    layout: "v1-hybrid",
    unifiedPath: "/sys/fs/cgroup/unified",
  });
  const v1Only = HYBRID.split("\n").filter((l) => !l.includes("cgroup2")).join("\n");
  assert.deepEqual(cgroupLayout(parseMountinfo(v1Only)), { layout: "v1-only", unifiedPath: null });
  assert.deepEqual(cgroupLayout([]), { layout: "none", unifiedPath: null });
});

Deno.test("configuredLsms() reads CONFIG_LSM and cmdlineLsms() the lsm= override", () => {
  assert.deepEqual(configuredLsms('CONFIG_X=y\nCONFIG_LSM="landlock,yama,bpf"\n'), [
    "landlock",
    "yama",
    "bpf",
  ]);
  assert.equal(configuredLsms("CONFIG_X=y\n"), null);
  assert.deepEqual(cmdlineLsms("quiet lsm=landlock,bpf ro"), ["landlock", "bpf"]);
  assert.equal(cmdlineLsms("quiet -- lsm=ignored"), null);
});
