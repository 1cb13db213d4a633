/* Challenge parsing and the HMAC answer (bridge_auth.h); pure, unit-tested in
 * tests/kernel/tools/helper_unit.c against the host's TypeScript half. */
#include <string.h>
#include "bridge_auth.h"
#include "sha256.h"

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int bridge_parse_challenge(const char *line, size_t len, uint8_t nonce[BRIDGE_NONCE_LEN])
{
	size_t prefix = sizeof(BRIDGE_CHALLENGE_PREFIX) - 1;
	if (len != BRIDGE_CHALLENGE_LEN || memcmp(line, BRIDGE_CHALLENGE_PREFIX, prefix) != 0 ||
	    line[len - 1] != '\n')
		return -1;
	for (size_t i = 0; i < BRIDGE_NONCE_LEN; i++) {
		int hi = hex_value(line[prefix + 2 * i]), lo = hex_value(line[prefix + 2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		nonce[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int bridge_answer(const uint8_t *secret, size_t secret_len, const uint8_t nonce[BRIDGE_NONCE_LEN],
		  const char *kind, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t mac[SHA256_LEN];
	size_t k = strlen(kind);
	if (strcmp(kind, "control") != 0 && strcmp(kind, "proxy") != 0 && strcmp(kind, "dns") != 0 &&
	    strcmp(kind, "probe") != 0)
		return -1;
	if (cap < k + 1 + 2 * SHA256_LEN + 2)
		return -1;
	hmac_sha256(secret, secret_len, nonce, BRIDGE_NONCE_LEN, kind, k, mac);
	memcpy(out, kind, k);
	out[k] = ' ';
	for (size_t i = 0; i < SHA256_LEN; i++) {
		out[k + 1 + 2 * i] = hex[mac[i] >> 4];
		out[k + 2 + 2 * i] = hex[mac[i] & 15];
	}
	out[k + 1 + 2 * SHA256_LEN] = '\n';
	out[k + 2 + 2 * SHA256_LEN] = '\0';
	memset(mac, 0, sizeof(mac));
	return (int)(k + 2 + 2 * SHA256_LEN);
}
