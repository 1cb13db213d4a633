/** Release builds: what kind of build is running and the hashes a release carries. */
export {
  type BuildInfo,
  buildInfo,
  type BuildKind,
  type NpmDependency,
  runtimeTarget,
} from "./build_info.ts";
export { treeSha256 } from "./tree_hash.ts";
