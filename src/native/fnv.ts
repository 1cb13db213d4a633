/** FNV-1a 64-bit, the hash the kernel computes over path prefixes (bpf/include/leash_maps.h). */

const OFFSET = 0xcbf29ce484222325n;
const PRIME = 0x100000001b3n;
const MASK = 0xffffffffffffffffn;

/** FNV-1a 64 of `bytes`, as an unsigned 64-bit bigint. */
export function fnv1a64(bytes: Uint8Array): bigint {
  let hash = OFFSET;
  for (const byte of bytes) {
    hash ^= BigInt(byte);
    hash = (hash * PRIME) & MASK;
  }
  return hash;
}
