import assert from "node:assert/strict";
import { Redactor } from "./redact.ts";

const SECRET = "sk-log-0123456789abcdef";

Deno.test("Redactor.value() masks object keys as well as values", () => {
  const redactor = new Redactor();
  redactor.add("KEY", SECRET);
  assert.deepEqual(redactor.value({ headers: { [SECRET]: "x" } }), {
    headers: { "«secret:KEY»": "x" },
  });
});
