import assert from "node:assert/strict";
import { requireContainerCgroup } from "./cgroup_path.ts";

const ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

Deno.test("requireContainerCgroup() accepts the container's cgroup and its descendants", () => {
  assert.equal(requireContainerCgroup(`/docker/${ID}`, ID), `/docker/${ID}`);
  assert.equal(
    requireContainerCgroup(`/system.slice/docker-${ID}.scope`, ID),
    `/system.slice/docker-${ID}.scope`,
  );
  assert.equal(requireContainerCgroup(`/docker/${ID}/child`, ID), `/docker/${ID}/child`);
  // Podman with the cgroupfs manager (rootful Podman on a cgroup v1 host).
  assert.equal(
    requireContainerCgroup(`/libpod_parent/libpod-${ID}`, ID),
    `/libpod_parent/libpod-${ID}`,
  );
});

Deno.test("requireContainerCgroup() refuses the cgroup root in every spelling", () => {
  assert.throws(() => requireContainerCgroup("/", ID), /Cannot activate on cgroup "\/"/);
  assert.throws(() => requireContainerCgroup("//", ID), TypeError);
  assert.throws(() => requireContainerCgroup("/.", ID), TypeError);
  assert.throws(() => requireContainerCgroup(`/docker/${ID}/..`, ID), TypeError);
});

Deno.test("requireContainerCgroup() refuses cgroups outside the container", () => {
  assert.throws(() => requireContainerCgroup("/docker", ID), RangeError);
  assert.throws(
    () => requireContainerCgroup("/user.slice", ID),
    /not the target container's cgroup/,
  );
  assert.throws(() => requireContainerCgroup(`/docker/${ID}x`, ID), RangeError);
  assert.throws(() => requireContainerCgroup(`/libpod_parent/libpod-${ID}x`, ID), RangeError);
  assert.throws(() => requireContainerCgroup(`/docker/${ID.slice(0, 12)}`, ID), RangeError);
});
