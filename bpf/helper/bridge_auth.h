/* The bridge's half of the relay channel's challenge-response (docs/remote_engines.md §3):
 * leash sends "leash-relay 1 <64 hex: a fresh 32-byte nonce>\n"; the bridge answers
 * "<kind> <64 hex: HMAC-SHA256(secret, nonce || kind)>\n"; only then the stream flows. */
#ifndef LEASH_BRIDGE_AUTH_H
#define LEASH_BRIDGE_AUTH_H

#include <stddef.h>
#include <stdint.h>

#define BRIDGE_NONCE_LEN 32
#define BRIDGE_SECRET_LEN 32
#define BRIDGE_CHALLENGE_PREFIX "leash-relay 1 "
/* The whole challenge line, newline included. */
#define BRIDGE_CHALLENGE_LEN (sizeof(BRIDGE_CHALLENGE_PREFIX) - 1 + 2 * BRIDGE_NONCE_LEN + 1)
/* Longest answer line: "control " + 64 hex + "\n". */
#define BRIDGE_ANSWER_MAX 80

/* Parses one challenge line (exactly BRIDGE_CHALLENGE_LEN bytes, lowercase hex);
 * 0 with the nonce, or -1. */
int bridge_parse_challenge(const char *line, size_t len, uint8_t nonce[BRIDGE_NONCE_LEN]);

/* Writes the answer line for kind ("control", "proxy", "dns", or "probe": the bridge's check at
 * start that it reaches the listener, answered "ok" and closed) into out; its length, or -1
 * for another kind or too small a buffer. */
int bridge_answer(const uint8_t *secret, size_t secret_len, const uint8_t nonce[BRIDGE_NONCE_LEN],
		  const char *kind, char *out, size_t cap);

#endif
