import { assetInfo } from "../assets.ts";
import { buildInfo } from "../release/mod.ts";
import { VERSION } from "../version.ts";
import { parseFlags } from "./args.ts";
import { type Command, showHelp } from "./command.ts";

/** `leash version`: the version, the build and the hashes of everything it embeds. */
export const versionCommand: Command = {
  name: "version",
  summary:
    "Print the version, the build kind and target, and the hashes of the embedded assets (the helper per architecture)",
  usage: "leash version [--json]",
  help: "Flags:\n  --json  Print as JSON\n",
  async run(args, ctx) {
    const flags = parseFlags("version", args, { json: { type: "boolean" } }, {
      allowPositionals: false,
    });
    if (flags.values.help) return await showHelp(this, ctx);
    const [assets, build] = await Promise.all([assetInfo(), buildInfo()]);
    if (flags.values.json) {
      const json = {
        version: VERSION,
        deno: Deno.version.deno,
        build: { kind: build.kind, target: build.target },
        assets: assets.map((a) => ({
          name: a.name,
          arch: a.arch,
          sha256: a.sha256 ?? null,
          size: a.size,
        })),
        npm: build.npm,
      };
      await ctx.out(JSON.stringify(json, null, 2) + "\n");
      return 0;
    }
    const names = assets.map((a) => `${a.name} (${a.arch})`);
    const width = Math.max(...names.map((n) => n.length), ...build.npm.map((d) => d.name.length));
    const lines = [
      `leash ${VERSION} (deno ${Deno.version.deno})`,
      `build: ${build.kind}, target ${build.target}`,
      "native assets:",
    ];
    assets.forEach((a, i) => {
      lines.push(`  ${names[i]!.padEnd(width)}  ${a.sha256 ? `sha256:${a.sha256}` : "not built"}`);
    });
    lines.push(
      build.npm.length > 0
        ? "npm dependencies:"
        : "npm dependencies: none embedded (a clone reads them from the Deno cache)",
    );
    for (const d of build.npm) lines.push(`  ${d.name.padEnd(width)}  sha256:${d.sha256}`);
    await ctx.out(lines.join("\n") + "\n");
    return 0;
  },
};
