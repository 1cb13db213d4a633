/* Base64 decoding and JSON string quoting (json.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json.h"

static int b64_value(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

int json_base64_decode(const char *in, size_t len, unsigned char **out, size_t *out_len)
{
	while (len > 0 && in[len - 1] == '=')
		len--;
	if (len % 4 == 1)
		return -1;
	unsigned char *buf = malloc(len / 4 * 3 + 3);
	size_t n = 0;
	unsigned acc = 0;
	int bits = 0;
	if (!buf)
		return -1;
	for (size_t i = 0; i < len; i++) {
		int v = b64_value((unsigned char)in[i]);
		if (v < 0) {
			free(buf);
			return -1;
		}
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[n++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	*out = buf;
	*out_len = n;
	return 0;
}

int json_quote(char *dst, size_t cap, const char *s)
{
	size_t n = strnlen(dst, cap);
	if (n + 1 >= cap)
		return -1;
	dst[n++] = '"';
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char esc[8];
		const char *add = esc;
		if (*p == '"')
			add = "\\\"";
		else if (*p == '\\')
			add = "\\\\";
		else if (*p < 0x20)
			snprintf(esc, sizeof(esc), "\\u%04x", *p);
		else {
			esc[0] = (char)*p;
			esc[1] = '\0';
		}
		size_t k = strlen(add);
		if (n + k + 1 >= cap)
			return -1;
		memcpy(dst + n, add, k);
		n += k;
	}
	if (n + 2 > cap)
		return -1;
	dst[n++] = '"';
	dst[n] = '\0';
	return 0;
}
