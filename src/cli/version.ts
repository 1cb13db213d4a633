import { assetInfo } from "../assets.ts";
import { VERSION } from "../version.ts";
import { parseFlags } from "./args.ts";
import { type Command, showHelp } from "./command.ts";

/** `leash version`: the version and the hashes of the embedded native assets. */
export const versionCommand: Command = {
  name: "version",
  summary: "Print the version and the hashes of the embedded native assets",
  usage: "leash version [--json]",
  help: "Flags:\n  --json  Print as JSON\n",
  async run(args, ctx) {
    const flags = parseFlags("version", args, { json: { type: "boolean" } }, {
      allowPositionals: false,
    });
    if (flags.values.help) return await showHelp(this, ctx);
    const assets = await assetInfo();
    if (flags.values.json) {
      const json = {
        version: VERSION,
        deno: Deno.version.deno,
        assets: assets.map((a) => ({ name: a.name, sha256: a.sha256 ?? null, size: a.size })),
      };
      await ctx.out(JSON.stringify(json, null, 2) + "\n");
      return 0;
    }
    const width = Math.max(...assets.map((a) => a.name.length));
    const lines = [`leash ${VERSION} (deno ${Deno.version.deno})`, "native assets:"];
    for (const a of assets) {
      lines.push(`  ${a.name.padEnd(width)}  ${a.sha256 ? `sha256:${a.sha256}` : "not built"}`);
    }
    await ctx.out(lines.join("\n") + "\n");
    return 0;
  },
};
