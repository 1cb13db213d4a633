/**
 * Lays out the tree a release packs, from a clone: `app/` holds main.ts's local module graph
 * (from `deno info`), deno.json, deno.lock and the native assets of every architecture at the
 * same relative paths as in the clone, so src/assets.ts reads them the same way; `build.json` records the build kind,
 * the target and the sha256 of every npm dependency cached in `deno_dir/` (filled before by
 * `deno cache`, see scripts/release).
 *
 * Usage: deno run -A scripts/lib/release_stage.ts app ROOT STAGE
 *        deno run -A scripts/lib/release_stage.ts manifest STAGE KIND TARGET
 */
import { ASSET_ARCHITECTURES, ASSET_NAMES } from "../../src/assets.ts";
import { POLICY_DIR, PRESETS } from "../../src/agents/mod.ts";
import { treeSha256 } from "../../src/release/mod.ts";

async function copyApp(root: string, stage: string): Promise<void> {
  const info = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", `${root}/main.ts`],
    cwd: root,
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!info.success) throw new Error("Cannot list main.ts's module graph: deno info failed");
  const graph = JSON.parse(new TextDecoder().decode(info.stdout)) as {
    modules: { specifier: string; kind?: string; npmPackage?: string }[];
  };
  const prefix = `file://${root}/`;
  const files = graph.modules.map((m) => m.specifier).filter((s) => s.startsWith("file://"));
  for (const specifier of files) {
    if (!specifier.startsWith(prefix)) {
      throw new Error(`Cannot stage "${specifier}": it is outside the clone "${root}"`);
    }
  }
  const npm = graph.modules.flatMap((m) => m.kind === "npm" && m.npmPackage ? [m.npmPackage] : []);
  await writeConfig(root, stage, new Set(npm));
  const rels = [
    ...files.map((s) => decodeURIComponent(s.slice(prefix.length))),
    // Every architecture's helper: the manager image takes the one for the engine's.
    ...ASSET_ARCHITECTURES.flatMap((arch) => ASSET_NAMES.map((name) => `bpf/dist/${arch}/${name}`)),
    // The agent presets' Cedar files, read beside src/agents/ (not modules, so not in the graph).
    ...PRESETS.map((preset) => `${POLICY_DIR}/${preset.policyFile}`),
  ];
  for (const rel of rels) {
    const to = `${stage}/app/${rel}`;
    await Deno.mkdir(to.slice(0, to.lastIndexOf("/")), { recursive: true });
    await Deno.copyFile(`${root}/${rel}`, to);
  }
}

/**
 * Writes deno.json and deno.lock narrowed to the npm packages main.ts's graph uses (and what
 * they depend on): the test-only ones (playwright-core) would otherwise have to be cached too.
 */
async function writeConfig(root: string, stage: string, used: Set<string>): Promise<void> {
  type Lock = {
    specifiers?: Record<string, string>;
    npm?: Record<string, { dependencies?: string[] | Record<string, string> }>;
    workspace?: { dependencies?: string[] };
  };
  const lock = JSON.parse(await Deno.readTextFile(`${root}/deno.lock`)) as Lock;
  const keep = new Set<string>();
  const visit = (name: string): void => {
    if (keep.has(name)) return;
    keep.add(name);
    const deps = lock.npm?.[name]?.dependencies ?? [];
    for (const dep of Array.isArray(deps) ? deps : Object.values(deps)) {
      const key = Object.keys(lock.npm ?? {}).find((k) => k === dep || k.startsWith(`${dep}_`));
      if (key) visit(key);
    }
  };
  for (const name of used) visit(name);
  const usedSpecifier = (spec: string): boolean =>
    [...keep].some((name) => spec === `npm:${name}` || spec.startsWith(`npm:${name}/`));
  const narrowed: Lock = {
    ...lock,
    specifiers: Object.fromEntries(
      Object.entries(lock.specifiers ?? {}).filter(([spec]) => usedSpecifier(spec)),
    ),
    npm: Object.fromEntries(Object.entries(lock.npm ?? {}).filter(([name]) => keep.has(name))),
    workspace: {
      ...lock.workspace,
      dependencies: (lock.workspace?.dependencies ?? []).filter(usedSpecifier),
    },
  };
  const config = JSON.parse(await Deno.readTextFile(`${root}/deno.json`)) as {
    imports?: Record<string, string>;
  };
  config.imports = Object.fromEntries(
    Object.entries(config.imports ?? {}).filter(([, target]) => usedSpecifier(target)),
  );
  await Deno.mkdir(`${stage}/app`, { recursive: true });
  await Deno.writeTextFile(`${stage}/app/deno.json`, JSON.stringify(config, null, 2) + "\n");
  await Deno.writeTextFile(`${stage}/app/deno.lock`, JSON.stringify(narrowed, null, 2) + "\n");
}

async function writeManifest(stage: string, kind: string, target: string): Promise<void> {
  const lock = JSON.parse(await Deno.readTextFile(`${stage}/app/deno.lock`)) as {
    npm?: Record<string, unknown>;
  };
  const npm = [];
  for (const name of Object.keys(lock.npm ?? {}).sort()) {
    const at = name.lastIndexOf("@");
    const dir = `${stage}/deno_dir/npm/registry.npmjs.org/${name.slice(0, at)}/${
      name.slice(at + 1)
    }`;
    try {
      await Deno.stat(dir);
    } catch (error) {
      throw new Error(`Cannot hash npm dependency "${name}": not cached in "${dir}"`, {
        cause: error,
      });
    }
    npm.push({ name, sha256: await treeSha256(dir) });
  }
  const manifest = { kind, target, npm };
  await Deno.writeTextFile(`${stage}/app/build.json`, JSON.stringify(manifest, null, 2) + "\n");
}

if (import.meta.main) {
  const [what, a, b, c] = Deno.args;
  if (what === "app" && a && b) await copyApp(a, b);
  else if (what === "manifest" && a && b && c) await writeManifest(a, b, c);
  else throw new TypeError(`Unknown usage: ${Deno.args.join(" ")}`);
}
