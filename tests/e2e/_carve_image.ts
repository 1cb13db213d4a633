/**
 * The carve-out fixture image: the busybox test image plus a home for root and for a non-root
 * user `agent` (uid 1000), each with a planted `~/.ssh/id_rsa` and a `~/.config/gh/hosts.yml`,
 * for the tests of forbidden subtrees inside a permitted home (carve_test.ts).
 */
import type { DockerClient, TarEntry } from "../../src/docker/mod.ts";
import { busyboxContext, ensureContextImage } from "../fixtures/busybox_image.ts";

/** The planted key's text (one line); a test fails if the command ever prints it. */
export const PLANTED_KEY = "PLANTED-KEY-3b7c0e1d";
/** The planted gh token's text. */
export const PLANTED_TOKEN = "PLANTED-GH-TOKEN-9f2a";

/** The non-root user of the image. */
export const AGENT = { name: "agent", uid: 1000, home: "/home/agent" };

function home(dir: string): TarEntry[] {
  return [
    { path: `${dir}`, type: "directory", mode: 0o700 },
    { path: `${dir}/.profile`, data: "# profile\n" },
    { path: `${dir}/.ssh`, type: "directory", mode: 0o700 },
    { path: `${dir}/.ssh/id_rsa`, data: `${PLANTED_KEY}\n`, mode: 0o600 },
    { path: `${dir}/.config`, type: "directory", mode: 0o755 },
    { path: `${dir}/.config/gh`, type: "directory", mode: 0o700 },
    { path: `${dir}/.config/gh/hosts.yml`, data: `${PLANTED_TOKEN}\n`, mode: 0o600 },
  ];
}

/** Builds the image unless it exists; resolves to its tag. */
export async function ensureCarveImage(docker: DockerClient): Promise<string> {
  const base = (await busyboxContext()).filter((e) =>
    e.path !== "Dockerfile" && e.path !== "rootfs/root" && e.path !== "rootfs/etc/passwd" &&
    e.path !== "rootfs/etc/group"
  );
  return await ensureContextImage(docker, "leash-test-carve", [
    {
      path: "Dockerfile",
      data: [
        "FROM scratch",
        "COPY rootfs/ /",
        `COPY --chown=${AGENT.uid}:${AGENT.uid} agent/ ${AGENT.home}/`,
        "ENV PATH=/bin",
        'CMD ["/bin/sh"]',
        "",
      ].join("\n"),
    },
    ...base,
    {
      path: "rootfs/etc/passwd",
      data:
        `root:x:0:0:root:/root:/bin/sh\n${AGENT.name}:x:${AGENT.uid}:${AGENT.uid}::${AGENT.home}:/bin/sh\n`,
    },
    { path: "rootfs/etc/group", data: `root:x:0:\n${AGENT.name}:x:${AGENT.uid}:\n` },
    { path: "rootfs/home", type: "directory" },
    ...home("rootfs/root"),
    ...home("agent").filter((e) => e.path !== "agent"),
  ]);
}
