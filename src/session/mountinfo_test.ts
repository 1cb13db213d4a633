import assert from "node:assert/strict";
import { noexecMounts } from "./mountinfo.ts";

const INFO = [
  "98 80 0:49 / /tmp rw,nosuid,nodev,noexec,relatime - tmpfs tmpfs rw",
  "172 171 254:0 /w /home/u/my\\040proj rw,relatime - ext4 /dev/vda rw",
  "173 171 254:0 /w /home/u/my\\040proj rw,nosuid,nodev,noexec,relatime - ext4 /dev/vda rw",
  "174 171 254:0 /d /data rw,relatime - ext4 /dev/vda rw",
].join("\n");

Deno.test("noexecMounts() reads the top mount of each path, octal escapes undone", () => {
  assert.deepEqual(
    noexecMounts(INFO, ["/tmp", "/home/u/my proj", "/data", "/absent"]),
    new Map([["/tmp", true], ["/home/u/my proj", true], ["/data", false], ["/absent", false]]),
  );
});

Deno.test("noexecMounts() finds nothing in empty text", () => {
  assert.deepEqual(noexecMounts("", ["/tmp"]), new Map([["/tmp", false]]));
});
