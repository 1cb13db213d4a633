/**
 * Posture (DESIGN.md §2): each enforcement layer as `active`, `degraded` or `off` with the
 * reason and the fix, from host facts and a real eBPF probe in a manager container
 * (`leash doctor`, and the layer names every session reports).
 */
export { dockerFacts } from "./docker_facts.ts";
export { engineLimits, ROOTLESS_FIX } from "./engine_limits.ts";
export { type ProbeFacts } from "./facts.ts";
export { gatherFacts } from "./gather.ts";
export { LAYER_NAMES, type LayerName, type LayerStatus } from "./layers.ts";
export { runProbe, runProbeInContainer } from "./probe.ts";
export { postureReport, renderPosture } from "./report.ts";
