/** Secrets given with `--secret NAME=SOURCE`, resolved on the host and injected by the proxy. */
export {
  type CommandResult,
  MIN_SECRET_LENGTH,
  resolveSecrets,
  type ResolveSecretsOptions,
  SecretError,
} from "./resolve.ts";
export { describeSource, parseSecretSpec, type SecretSource, type SecretSpec } from "./spec.ts";
export { SecretStore } from "./store.ts";
