/**
 * `leash run` and `leash clean`: one session from start to teardown (containers, the BOOT
 * host half's order, activation, runtime mode/policy changes, logs), the leash dirs, and the
 * removal of what dead sessions left behind.
 */
export { cleanSessions } from "./clean.ts";
export { leashDirs } from "./paths.ts";
export { parseLimits, type TargetLimits } from "./limits.ts";
export { trustPolicy } from "./policy_trust.ts";
export { parseDisabledLayers, parseRequired } from "./posture.ts";
export { type RunIo, runSession, type SessionSignal } from "./run.ts";
export { parseUpstreamHosts, parseUpstreamPins } from "./upstreams.ts";
export { withWorkspace } from "./workspace_policy.ts";
