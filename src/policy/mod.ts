/**
 * Policy: Cedar (Leash-compatible) compiled to a versioned IR, the IR matcher and the built-in
 * default policy (the Landlock ruleset built from the IR is in src/landlock/).
 */
export {
  type CompileOptions,
  compilePolicy,
  type CompileResult,
  MAX_POLICY_BYTES,
} from "./compile.ts";
export { formatDiagnostic, type PolicyDiagnostic, PolicyError } from "./errors.ts";
export * from "./ir.ts";
export {
  decide,
  decideResource,
  fileDecisions,
  type PolicyDecision,
  type PolicyRequest,
} from "./match.ts";
export { parseRequestResource, type RequestResource } from "./entities.ts";
export {
  choosePolicy,
  type ChoosePolicyOptions,
  DEFAULT_POLICY,
  DEFAULT_POLICY_LABEL,
  type PolicyChoice,
  type PolicyFileReader,
} from "./default_policy.ts";
export { dirCovers, normaliseRequestPath } from "./paths.ts";
export { DENO_POLICY_FS, policyFileReader, type PolicyFs, readPolicyFile } from "./read.ts";
export { cedarDecide, policiesById } from "./cedar_check.ts";
export { explainIr } from "./explain.ts";
export { httpRuleFor } from "./http_scope.ts";
