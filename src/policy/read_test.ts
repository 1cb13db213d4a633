import assert from "node:assert/strict";
import { join } from "node:path";
import { choosePolicy, DEFAULT_POLICY_LABEL } from "./default_policy.ts";
import { PolicyError } from "./errors.ts";
import { policyFileReader, type PolicyFs, readPolicyFile } from "./read.ts";

const encoder = new TextEncoder();

/** A fake file system holding `files`; `denied` paths exist but refuse to be read. */
function fakeFs(files: Record<string, string>, denied: string[] = []): PolicyFs {
  return {
    stat(path) {
      if (denied.includes(path)) return Promise.resolve({ isDirectory: false, size: 10 });
      const text = files[path];
      if (text === undefined) return Promise.reject(new Deno.errors.NotFound(path));
      return Promise.resolve({ isDirectory: false, size: encoder.encode(text).length });
    },
    readFile(path) {
      if (denied.includes(path)) return Promise.reject(new Deno.errors.PermissionDenied(path));
      return Promise.resolve(encoder.encode(files[path]!));
    },
  };
}

Deno.test("choosePolicy() with policyFileReader() falls back to the built-in policy only when ./leash.cedar does not exist", async () => {
  const choice = await choosePolicy(policyFileReader(fakeFs({})), { cwd: "/w" });
  assert.equal(choice.label, DEFAULT_POLICY_LABEL);
  const local = await choosePolicy(policyFileReader(fakeFs({ "/w/leash.cedar": "// x\n" })), {
    cwd: "/w",
  });
  assert.deepEqual(local, { text: "// x\n", label: "/w/leash.cedar", path: "/w/leash.cedar" });
});

Deno.test("choosePolicy() with policyFileReader() fails naming an unreadable ./leash.cedar instead of using the built-in policy", async () => {
  const reader = policyFileReader(fakeFs({}, ["/w/leash.cedar"]));
  await assert.rejects(
    choosePolicy(reader, { cwd: "/w" }),
    (error: Error) => {
      assert.equal(error.message, 'Cannot read policy "/w/leash.cedar": permission denied');
      return true;
    },
  );
});

Deno.test("choosePolicy() with policyFileReader() fails naming a ./leash.cedar that is a directory", async () => {
  const cwd = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(cwd, "leash.cedar"));
    await assert.rejects(
      choosePolicy(policyFileReader(), { cwd }),
      (error: Error) => {
        assert.equal(error.message, `Cannot read policy "${cwd}/leash.cedar": it is a directory`);
        return true;
      },
    );
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("readPolicyFile() names a missing file, and refuses one that is not UTF-8 with a located error", async () => {
  await assert.rejects(readPolicyFile("/nope.cedar", fakeFs({})), {
    message: 'Cannot read policy "/nope.cedar": no such file',
  });
  const fs: PolicyFs = {
    stat: () => Promise.resolve({ isDirectory: false, size: 2 }),
    readFile: () => Promise.resolve(new Uint8Array([0xff, 0xfe])),
  };
  await assert.rejects(readPolicyFile("/bin.cedar", fs), (error: unknown) => {
    assert.ok(error instanceof PolicyError);
    assert.equal(error.diagnostics[0]?.file, "/bin.cedar");
    assert.match(error.diagnostics[0]?.message ?? "", /not valid UTF-8/);
    return true;
  });
});
