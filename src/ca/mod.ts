/** The leash CA and the per-host leaf certificates the MITM proxy presents. */
export {
  CA_CERT_FILE,
  CA_KEY_FILE,
  type CertificateAuthority,
  createCa,
  loadOrCreateCa,
  type LoadOrCreateCaOptions,
} from "./ca.ts";
export {
  createLeafMinter,
  generateLeafKey,
  type LeafCertificate,
  type LeafKeyType,
  type LeafMinter,
  type LeafMinterOptions,
} from "./leaf.ts";
export {
  type CachedLeaf,
  LeafCache,
  type LeafCacheOptions,
  type SniCallback,
  type SniCallbackOptions,
} from "./leaf_cache.ts";
export { type LeafHost, parseLeafHost } from "./leaf_host.ts";
