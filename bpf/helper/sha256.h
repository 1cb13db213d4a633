/* SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104): the bridge's proof of the session secret
 * (docs/remote_engines.md §3). Small and dependency-free: the static helper links no TLS
 * library. */
#ifndef LEASH_SHA256_H
#define LEASH_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32
#define SHA256_BLOCK 64

struct sha256 {
	uint32_t h[8];
	uint64_t bytes; /* message length so far */
	uint8_t buf[SHA256_BLOCK];
	size_t fill;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, uint8_t out[SHA256_LEN]);
/* One-shot digest of data. */
void sha256(const void *data, size_t len, uint8_t out[SHA256_LEN]);
/* HMAC-SHA256(key, a || b); b may be NULL with blen 0. */
void hmac_sha256(const uint8_t *key, size_t keylen, const void *a, size_t alen, const void *b,
		 size_t blen, uint8_t out[SHA256_LEN]);

#endif
