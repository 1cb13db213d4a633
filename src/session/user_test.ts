import assert from "node:assert/strict";
import { resolveUser } from "./user.ts";

const files = {
  "/etc/passwd": "root:x:0:0::/root:/bin/sh\nnode:x:1000:1001::/home/node:/bin/sh\n",
  "/etc/group": "root:x:0:\nnode:x:1001:\nstaff:x:50:\n",
};
const read = (p: "/etc/passwd" | "/etc/group") => Promise.resolve(files[p]);

Deno.test("resolveUser() resolves names, numbers and groups to uid:gid", async () => {
  assert.equal(await resolveUser("", read), undefined);
  assert.equal(await resolveUser("node", read), "1000:1001");
  assert.equal(await resolveUser("1000", read), "1000:1001");
  assert.equal(await resolveUser("4242", read), "4242:0");
  assert.equal(await resolveUser("node:staff", read), "1000:50");
  assert.equal(await resolveUser("5:7", () => Promise.reject(new Error("not read"))), "5:7");
});

Deno.test("resolveUser() throws TypeError for unknown names", async () => {
  await assert.rejects(resolveUser("ghost", read), TypeError);
  await assert.rejects(resolveUser("node:ghosts", read), TypeError);
  await assert.rejects(resolveUser("node", () => Promise.resolve(undefined)), TypeError);
});
