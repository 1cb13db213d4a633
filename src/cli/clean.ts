import { boolFlag, parseFlags } from "./args.ts";
import { type Command, showHelp } from "./command.ts";
import { DockerClient } from "../docker/mod.ts";
import { cleanSessions, leashDirs } from "../session/mod.ts";

/** `leash clean`: remove leftovers of sessions whose leash process died. */
export const cleanCommand: Command = {
  name: "clean",
  summary: "Remove containers and sockets left by dead sessions, and old manager images",
  usage: "leash clean [--sessions]",
  help: [
    "Removes containers and volumes labelled leash.session whose leash process is gone (e.g.",
    "killed with SIGKILL), their socket dirs, and leash-manager images built by other leash",
    "versions.",
    "Sessions still running, and sessions of another user or XDG_STATE_HOME (whose owner",
    "cannot be checked from here), are never touched.",
    "",
    "Flags:",
    "  --sessions  Also delete the session dirs (logs and events) of sessions not running",
  ].join("\n"),
  async run(args, ctx) {
    const flags = parseFlags("clean", args, { sessions: { type: "boolean" } }, {
      allowPositionals: false,
    });
    if (flags.values.help) return await showHelp(this, ctx);
    const docker = await DockerClient.connect({ env: (name) => ctx.env(name) });
    try {
      const report = await cleanSessions(
        docker,
        leashDirs((name) => ctx.env(name), Deno.uid()),
        { sessions: boolFlag(flags, "sessions") },
      );
      const lines = [
        ...report.containers.map((c) => `removed container ${c}`),
        ...report.volumes.map((v) => `removed volume ${v}`),
        ...report.images.map((i) => `removed image ${i}`),
        ...report.socketDirs.map((d) => `removed socket dir ${d}`),
        ...report.sessionDirs.map((d) => `removed session dir ${d}`),
        ...report.kept.map((i) => `kept image ${i}: containers of other sessions still use it`),
      ];
      await ctx.out(lines.length ? lines.join("\n") + "\n" : "nothing to clean\n");
      for (const failure of report.failures) await ctx.err(`leash: cannot remove ${failure}\n`);
      return report.failures.length > 0 ? 1 : 0;
    } finally {
      docker.close();
    }
  },
};
