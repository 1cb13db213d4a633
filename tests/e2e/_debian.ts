/**
 * Harness of the e2e tests in the Debian fixture image (curl, node): a sandbox whose test
 * upstreams on the host have a CA leash is told to trust (`LEASH_UPSTREAM_CA`) and names it
 * dials on loopback (`LEASH_UPSTREAM_HOSTS`), the session's policy file, and `leash run` of
 * a shell script in the image. Shared by tls_clients_test.ts and egress_test.ts.
 */
import { join } from "node:path";
import { type CertificateAuthority, createCa } from "../../src/ca/mod.ts";
import { DEFAULT_POLICY } from "../../src/policy/mod.ts";
import { withWorkspace } from "../../src/session/workspace_policy.ts";
import { leash, type LeashResult, type Sandbox, sandbox } from "./_session.ts";

/**
 * The network rules both files start from: every `*.test` host but forbidden.test, and the
 * secret API_KEY injected as `X-Api-Key` for secret.test.
 */
export const TEST_NET_RULES = `
@id("e2e-test-domain")
permit (principal, action == Action::"NetworkConnect", resource in Host::"*.test");
@id("e2e-forbid")
forbid (principal, action == Action::"NetworkConnect", resource in Host::"forbidden.test");
@id("e2e-inject-key")
permit (principal, action == Action::"HttpRewrite", resource in Host::"secret.test")
  when { context.header == "X-Api-Key" && context.secret == "API_KEY" };
`;

/** Options for {@linkcode debianSandbox}. */
export interface DebianSandboxOptions {
  /** The Debian fixture image's tag. */
  image: string;
  /** The test upstreams' names, dialled on 127.0.0.1. */
  names: string[];
  /** The policy's network part (file rules come from the built-in policy). */
  netRules: string;
}

/** A sandbox with the upstream CA, leash's settings for it, and the policy written. */
export interface DebianSandbox {
  box: Sandbox;
  image: string;
  /** Signs the test upstreams' certificates. */
  upstreamCa: Pick<CertificateAuthority, "certPem" | "keyPem">;
  /** leash's environment for the upstream settings. */
  env: Record<string, string>;
  /** The policy file: the built-in policy with the workspace rule, then the network rules. */
  policy: string;
}

/** Creates a sandbox, a CA for the test upstreams, and the policy file. */
export async function debianSandbox(options: DebianSandboxOptions): Promise<DebianSandbox> {
  const box = await sandbox();
  const upstreamCa = await createCa({ commonName: "leash e2e upstream CA" });
  const caFile = join(box.root, "upstream-ca.pem");
  await Deno.writeTextFile(caFile, upstreamCa.certPem);
  const policy = join(box.root, "policy.cedar");
  await Deno.writeTextFile(
    policy,
    withWorkspace(DEFAULT_POLICY, box.workspace) + options.netRules,
  );
  return {
    box,
    image: options.image,
    upstreamCa,
    env: {
      LEASH_UPSTREAM_CA: caFile,
      LEASH_UPSTREAM_HOSTS: options.names.map((n) => `${n}=127.0.0.1`).join(","),
    },
    policy,
  };
}

/** Options for {@linkcode leashSh}. */
export interface LeashShOptions {
  /** `leash run` options before `--`. @default [] */
  extra?: string[];
  /** Added to leash's environment. @default {} */
  env?: Record<string, string>;
  /** The script's positional parameters ($1...). @default [] */
  args?: string[];
}

/** `leash run --image IMAGE --policy POLICY [EXTRA...] -- sh -c SCRIPT sh [ARGS...]`. */
export async function leashSh(
  w: DebianSandbox,
  script: string,
  options: LeashShOptions = {},
): Promise<LeashResult> {
  return await leash(
    w.box,
    [
      "run",
      "--image",
      w.image,
      "--policy",
      w.policy,
      ...(options.extra ?? []),
      "--",
      "sh",
      "-c",
      script,
      "sh",
      ...(options.args ?? []),
    ],
    { ...w.env, ...options.env },
  );
}
