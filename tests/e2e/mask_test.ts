/**
 * Reflected secrets end to end (issue 9, class 5): `leash run` with the Debian fixture image;
 * curl in the container fetches an echo endpoint on the host (secret.test's /headers returns
 * the request's headers as JSON) that receives the key leash injected. The container's
 * output, target.log and every other session file must not hold the value.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ensureDebianImage } from "../fixtures/debian_image.ts";
import { startUpstream } from "../integration/_proxy_harness.ts";
import { debianSandbox, leashSh, TEST_NET_RULES } from "./_debian.ts";
import {
  assertNoContainers,
  filesUnder,
  section,
  sessionDir,
  sessionEvents,
  setup,
} from "./_session.ts";

const { docker, image } = await setup(ensureDebianImage);
globalThis.addEventListener("unload", () => docker.close());

Deno.test("mask: an upstream echoing the injected key sends it back masked; no output or session file holds it", async () => {
  const w = await debianSandbox({ image, names: ["secret.test"], netRules: TEST_NET_RULES });
  const up = await startUpstream("secret.test", w.upstreamCa);
  try {
    const value = `lk-${crypto.randomUUID()}`;
    const fetch = (name: string, args: string) =>
      `echo '<<${name}'; curl -sS -i ${args} https://secret.test:$P/headers; echo; echo '${name}>>'`;
    const r = await leashSh(
      w,
      [
        `P=${up.port}`,
        fetch("h1", "--http1.1"),
        fetch("h2", "--http2"),
        fetch("transparent", "--noproxy '*'"),
      ].join("\n"),
      {
        extra: ["--secret", "API_KEY=env:LEASH_E2E_MASK_KEY"],
        env: { LEASH_E2E_MASK_KEY: value },
      },
    );
    assert.equal(r.code, 0, r.stderr);
    // The upstream received the key every time: there was something to reflect.
    assert.deepEqual(up.seen.map((s) => s.headers["x-api-key"]), [value, value, value]);
    const marker = `[secret:API_KEY]${"*".repeat(value.length - 16)}`;
    for (const part of ["h1", "h2", "transparent"]) {
      const text = section(r.stdout, part);
      assert.match(text, /^HTTP\/(1\.1|2) 200/m, text);
      const body = JSON.parse(text.slice(text.lastIndexOf("\r\n\r\n") + 4));
      assert.equal(body["x-api-key"], marker, part);
    }
    assert.match(section(r.stdout, "h2"), /^HTTP\/2 200/m);
    assert.ok(!r.stdout.includes(value) && !r.stderr.includes(value), "the output holds it");
    const dir = sessionDir(w.box, r.session);
    // target.log recorded what the container printed, masked.
    const targetLog = await Deno.readTextFile(join(dir, "logs", "target.log"));
    assert.ok(targetLog.includes(`"x-api-key":"${marker}"`), targetLog.slice(0, 2000));
    let files = 0;
    for await (const file of filesUnder(dir)) {
      files++;
      const text = new TextDecoder("latin1").decode(await Deno.readFile(file));
      assert.ok(!text.includes(value), `${file} holds the secret value`);
    }
    assert.ok(files >= 3, `only ${files} session files`);
    const masked = (await sessionEvents(w.box, r.session)).filter((e) => e.event === "http.mask");
    assert.equal(masked.length, 3, JSON.stringify(masked));
    for (const e of masked) {
      assert.equal(e.decision, "allow");
      assert.equal(e.host, "secret.test");
      assert.equal(e.where, "body");
      assert.equal(e.value, "«secret:API_KEY»");
    }
    await assertNoContainers(docker, r.session);
  } finally {
    await up.close();
    await w.box[Symbol.asyncDispose]();
  }
});
