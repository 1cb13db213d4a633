import assert from "node:assert/strict";
import { compilePolicy } from "./compile.ts";
import { PolicyError } from "./errors.ts";
import { Rng } from "./request_gen.ts";

const FIXTURES = new URL("../../tests/fixtures/policies/", import.meta.url);
const MUTANTS = 1500;
const TOKENS = [
  ";",
  "(",
  ")",
  "[",
  "]",
  "{",
  "}",
  '"',
  "::",
  ",",
  "==",
  "in",
  "&&",
  "||",
  "!",
  "like",
  "*",
  "/",
  "..",
  "//",
  "Dir",
  "File",
  "Host",
  "Action",
  "context",
  "resource",
  "principal",
  "when",
  "unless",
  "permit",
  "forbid",
  '@id("x")',
  '"/etc/"',
  '"x:99999"',
  '"10.0.0.0/40"',
  '"[::1]:443"',
  '"*.a.*"',
  "\n",
  " ",
  "é",
  "日本",
  "\u0000",
  "\\",
];

function mutate(rng: Rng, text: string): string {
  let out = text;
  const edits = 1 + rng.int(4);
  for (let i = 0; i < edits; i++) {
    const at = rng.int(out.length + 1);
    const r = rng.int(3);
    if (r === 0) out = out.slice(0, at) + out.slice(at + 1 + rng.int(8));
    else if (r === 1) out = out.slice(0, at) + rng.pick(TOKENS) + out.slice(at);
    else {
      const from = rng.int(out.length);
      out = out.slice(0, at) + out.slice(from, from + rng.int(40)) + out.slice(at);
    }
  }
  return out;
}

Deno.test(`compilePolicy() throws nothing but a located PolicyError on ${MUTANTS} mutated policies`, () => {
  const seeds = [...Deno.readDirSync(FIXTURES)].filter((e) => e.name.endsWith(".cedar")).map((e) =>
    Deno.readTextFileSync(new URL(e.name, FIXTURES))
  ).sort();
  const rng = new Rng(20240611);
  let rejected = 0;
  for (let i = 0; i < MUTANTS; i++) {
    const text = mutate(rng, rng.pick(seeds));
    try {
      compilePolicy(text, { file: "m.cedar" });
    } catch (error) {
      assert.ok(
        error instanceof PolicyError,
        `not a PolicyError for ${JSON.stringify(text)}: ${error}`,
      );
      assert.ok(error.diagnostics.length > 0);
      for (const d of error.diagnostics) {
        assert.ok(d.line >= 1 && d.col >= 1 && d.file === "m.cedar", JSON.stringify(d));
        assert.doesNotMatch(d.message, /internal error/, JSON.stringify(text));
      }
      rejected++;
    }
  }
  assert.ok(
    rejected > MUTANTS / 4,
    `only ${rejected} mutants were rejected: the mutator is too weak`,
  );
});
