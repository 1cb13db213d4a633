/** The TypeScript side of the native half: what the host hands leash-helper. */
export {
  encodeKernelMaps,
  type KernelMapsOptions,
  type KernelPolicy,
  netPrefix,
  pathKey,
} from "./kernel_maps.ts";
export { fnv1a64 } from "./fnv.ts";
