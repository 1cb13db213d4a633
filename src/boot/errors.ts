/** A marker from the other half speaks another BOOT protocol: "version mismatch: upgrade both halves". */
export class MarkerVersionError extends Error {
  override name = "MarkerVersionError";
}

/** A marker carries another session's nonce: stale or foreign, never to be trusted. */
export class MarkerNonceError extends Error {
  override name = "MarkerNonceError";
}
