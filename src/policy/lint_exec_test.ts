import assert from "node:assert/strict";
import { compilePolicy } from "./compile.ts";

Deno.test("compilePolicy() warns that a ProcessExec forbid on a file does not hold for links", () => {
  const { warnings } = compilePolicy(
    `
@id("bin") permit (principal, action == Action::"ProcessExec", resource in Dir::"/bin/");
@id("no-wget") forbid (principal, action == Action::"ProcessExec", resource == File::"/bin/wget");
@id("no-nc") forbid (principal, action, resource)
  when { action == Action::"ProcessExec" && resource in [File::"/bin/nc", Dir::"/opt/"] };
@id("no-read") forbid (principal, action == Action::"FileOpen", resource == File::"/bin/sh");
`,
    { file: "p.cedar" },
  );
  const notes = warnings.filter((w) => /on ProcessExec of File/.test(w.message));
  assert.deepEqual(notes.map((w) => w.message.match(/File "([^"]+)"/)?.[1]), [
    "/bin/wget",
    "/bin/nc",
  ]);
  assert.match(notes[0]!.message, /symlink or one name of a multi-call binary/);
  assert.match(notes[0]!.message, /--strict refuses/);
  assert.equal(notes[0]!.line, 3);
});
