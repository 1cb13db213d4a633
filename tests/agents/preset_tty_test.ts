/**
 * `leash claude` on a real pseudo terminal (tests/e2e/_pty.ts) works like running `claude`
 * there: its full-screen interface draws in raw mode, Ctrl-C reaches the agent (which answers
 * with its own "Press Ctrl-C again to exit"), not leash, a second one ends it, and the
 * terminal's modes are restored after. (Resizes and keys are leash run's, tests/e2e/tty_test.ts.)
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { LFLAG, Pty, type TermModes } from "../e2e/_pty.ts";
import { sandbox } from "../e2e/_session.ts";
import { buildEnv, cannotBuild, fakeAnthropic, loopbackAddress } from "./preset_fixture.ts";

const skip = await cannotBuild();
/** The test's name, with the reason it is ignored here when it is. */
const named = (name: string) => skip === undefined ? name : `${name} (ignored: ${skip})`;

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const RAW_OFF = LFLAG.ICANON | LFLAG.ECHO | LFLAG.ISIG;
const isRaw = (m: TermModes) => (m.lflag & RAW_OFF) === 0;

Deno.test({
  name: named(
    "leash claude on a terminal: the agent's interface in raw mode, Ctrl-C to the agent, modes restored",
  ),
  ignore: skip !== undefined,
  async fn() {
    await using box = await sandbox();
    const address = loopbackAddress();
    const api = await fakeAnthropic(address);
    api.release();
    const caFile = join(box.root, "upstream-ca.pem");
    await Deno.writeTextFile(caFile, api.caPem);
    try {
      await using pty = Pty.spawn(
        [Deno.execPath(), "run", "--allow-all", "--quiet", MAIN, "claude", "--listen", ""],
        {
          cwd: box.workspace,
          env: {
            ...box.env,
            HOME: box.root,
            ANTHROPIC_API_KEY: "sk-ant-test-123456",
            LEASH_UPSTREAM_CA: caFile,
            LEASH_UPSTREAM_HOSTS: `api.anthropic.com=${address}`,
            ...await buildEnv(),
          },
        },
      );
      await pty.waitFor(/enforcement active/);
      await pty.waitForModes(isRaw, "raw mode while the agent runs");
      // Its first-run screen (theme choice or the API key question) draws in the terminal.
      await pty.waitFor(/starting "claude"[\s\S]*(Welcome|theme|API key|trust)/i);
      const drawn = pty.output.length;
      pty.write("\x03");
      // Claude Code's own answer to one Ctrl-C: leash passed the key on and is still running.
      const again = /Press[^\n]{0,40}Ctrl-C[^\n]{0,40}again[^\n]{0,40}exit/;
      await pty.waitFor(new RegExp(`[\\s\\S]{${drawn}}[\\s\\S]*${again.source}`));
      assert.equal(pty.output.indexOf("leash: events:"), -1, "leash has not ended");
      pty.write("\x03");
      await pty.release();
      assert.notEqual(pty.output.indexOf("leash: events:"), -1, pty.output.slice(-2000));
      assert.deepEqual(pty.modes(), pty.initialModes, "the terminal's modes are restored");
    } finally {
      await api.close();
    }
  },
});
