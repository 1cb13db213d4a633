import { processContext, runCli } from "./src/cli/mod.ts";

/** The leash executable: parses the command line and exits with the command's status. */
async function main(): Promise<void> {
  const code = await runCli(Deno.args, processContext());
  Deno.exit(code);
}

if (import.meta.main) {
  await main();
}
