/**
 * The control UI in a real browser (Debian's chromium, driven by playwright-core) against a
 * real `leash run` session: the busybox target keeps trying a forbidden write and an HTTP
 * request to a host the policy denies. The page shows the denials live; switching to shadow
 * mode makes the next request show up as "would deny"; a policy with a syntax error comes
 * back located; without the token the page is refused.
 */
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { assertNoContainers, sandbox, setup, spawnLeash } from "../e2e/_session.ts";
import { note } from "../kernel/note.ts";

const CHROMIUM = "/usr/bin/chromium";
const haveChromium = await Deno.stat(CHROMIUM).then(() => true, () => false);
if (!haveChromium) {
  note(`browser tier skipped: ${CHROMIUM} is missing (scripts/test installs Debian's chromium)`);
}

/**
 * A round every second: a write Landlock forbids, a request the proxy denies (new host each
 * time). No `wget -T`: this busybox's wget crashes with it (SIGSEGV, status 139).
 */
const TARGET_SCRIPT = `i=0
while true; do
  i=$((i+1))
  echo x > /etc/leash-forbidden-$i 2>/dev/null
  wget -q -O /dev/null http://denied-$i.example/ 2>/dev/null
  echo "round $i"
  sleep 1
done`;

/** Upper bound for the UI to show something; guards against a hang, never a measurement. */
const SHOW_MS = 60_000;

Deno.test({
  name:
    "control UI in chromium: live denials, shadow mode switch, located policy errors, 401 without token",
  ignore: !haveChromium,
  // playwright-core keeps the browser's pipes and timers in its own bookkeeping.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const { docker, image } = await setup();
    await using box = await sandbox();
    const child = spawnLeash(box, [
      "run",
      "--image",
      image,
      "--listen",
      "127.0.0.1:0",
      "--",
      "sh",
      "-c",
      TARGET_SCRIPT,
    ]).spawn();
    child.stdout.cancel();
    const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let stderr = "";
    while (!/control UI http:\S+/.test(stderr)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`leash ended before printing the UI's URL:\n${stderr}`);
      stderr += value;
    }
    const rest = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        stderr += value;
      }
    })();
    const login = /control UI (http:\S+)/.exec(stderr)![1]!;
    const base = new URL("/", login).href;
    const session = /leash: session (\S+)/.exec(stderr)![1]!;
    const profile = await Deno.makeTempDir({ prefix: "leash-chromium-" });
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    });
    try {
      const page = browser.pages()[0] ?? await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      page.on("console", (m) => {
        // A 422 answer (the invalid policy) is logged by Chromium as a failed load: expected.
        if (m.type() === "error" && !/status of 422/.test(m.text())) errors.push(m.text());
      });
      const first = await page.goto(login);
      assert.equal(first?.status(), 200);
      // The token moved into the cookie; the address bar no longer shows it.
      assert.equal(page.url(), base);
      await page.locator("#session-id").filter({ hasText: session }).waitFor({ timeout: SHOW_MS });
      await page.locator("#posture tbody tr").first().waitFor({ timeout: SHOW_MS });
      assert.match(await page.locator("#posture").innerText(), /landlock\s+(active|degraded)/);
      assert.match(await page.locator("#connection").innerText(), /live/);

      // Denials arrive live and are highlighted.
      const denied = page.locator('#event-rows tr.deny[data-event="http.request"]');
      await denied.first().waitFor({ timeout: SHOW_MS });
      assert.match(await denied.first().innerText(), /denied-\d+\.example/);
      // Landlock refuses the write; the observe layer reports the open with its outcome
      // (refused: deny, not merely would_deny).
      const deniedWrite = page.locator('#event-rows tr[data-event="file.open"]')
        .filter({ hasText: /\/etc\/leash-forbidden-\d+/ });
      await deniedWrite.first().waitFor({ timeout: SHOW_MS });
      assert.equal(await deniedWrite.first().getAttribute("data-decision"), "deny");

      // Filters: only denials, then only one kind.
      await page.selectOption("#filter-decision", "deny");
      const decisions = await page.locator("#event-rows tr").evaluateAll((rows) =>
        rows.map((r) => r.getAttribute("data-decision"))
      );
      assert.ok(decisions.length > 0 && decisions.every((d) => d === "deny"), String(decisions));
      await page.selectOption("#filter-decision", "");

      // Pause holds new events back and counts them; resume shows them.
      await page.click("#pause");
      await page.locator("#pending").filter({ hasText: /new while paused/ })
        .waitFor({ timeout: SHOW_MS });
      const heldBack = Number(/(\d+) new/.exec(await page.locator("#pending").innerText())![1]);
      assert.ok(heldBack > 0);
      await page.click("#pause");
      assert.equal(await page.locator("#pending").innerText(), "");

      // Shadow mode: the proxy logs the next denial as would_deny and lets it through.
      await page.click('#mode-switch button[data-mode="shadow"]');
      const result = page.locator("#mode-result");
      await result.filter({ hasText: /mode shadow/ }).waitFor({ timeout: SHOW_MS });
      const resultText = await result.innerText();
      assert.match(resultText, /proxy: applied/);
      assert.match(resultText, /landlock: not applied \(fixed when the command started/);
      await page.locator('#mode-switch button[data-mode="shadow"][aria-pressed="true"]')
        .waitFor({ timeout: SHOW_MS });
      const switched = Number(
        await page.locator('#event-rows tr[data-event="policy.mode"]').first()
          .getAttribute("data-seq", { timeout: SHOW_MS }),
      );
      const shadowed = page.locator('#event-rows tr.would-deny[data-event="http.request"]');
      await shadowed.first().waitFor({ timeout: SHOW_MS });
      assert.ok(Number(await shadowed.first().getAttribute("data-seq")) > switched);
      assert.match(await shadowed.first().innerText(), /would deny/);
      // Every request after the switch is would_deny, none blocked.
      const after = await page.locator('#event-rows tr[data-event="http.request"]').evaluateAll(
        (rows, seq) =>
          rows.filter((r) => Number(r.getAttribute("data-seq")) > seq)
            .map((r) => r.getAttribute("data-decision")),
        switched,
      );
      assert.ok(after.length > 0 && after.every((d) => d === "would_deny"), String(after));

      // A policy with a syntax error: located errors, nothing applied.
      const original = await page.locator("#policy-text").inputValue();
      assert.match(original, /default-workspace-rw/);
      await page.fill(
        "#policy-text",
        `permit (principal, action == Action::"FileOpen", resource in Dir::"/tmp/");\npermit (principal, action ==, resource);\n`,
      );
      await page.click("#policy-validate");
      const located = page.locator("#policy-errors li").first();
      await located.waitFor({ timeout: SHOW_MS });
      assert.equal(await located.getAttribute("data-line"), "2");
      assert.match(await located.innerText(), /^line 2, column \d+: /);
      await page.click("#policy-apply");
      await page.locator("#policy-result").filter({ hasText: /not applied/ })
        .waitFor({ timeout: SHOW_MS });
      const info = await page.evaluate(async () => (await fetch("/api/session")).json());
      assert.equal(info.policy.text, original);
      assert.equal(info.mode, "shadow");
      assert.deepEqual(errors, []);

      // Without the token (no cookie), the page is refused.
      await browser.clearCookies();
      const refused = await page.goto(base);
      assert.equal(refused?.status(), 401);
      const wrong = await page.goto(`${base}?token=not-the-token`);
      assert.equal(wrong?.status(), 401);
    } finally {
      await browser.close();
      await Deno.remove(profile, { recursive: true }).catch(() => {});
      child.kill("SIGTERM");
      await child.status;
      await rest;
    }
    await assertNoContainers(docker, session);
    docker.close();
  },
});
