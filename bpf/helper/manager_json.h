/* Reading the host's control messages (docs/protocol.md): one JSON object per line, of
 * which the manager needs a few top-level fields; and base64 for the map images. */
#ifndef LEASH_MANAGER_JSON_H
#define LEASH_MANAGER_JSON_H

#include <stdbool.h>
#include <stddef.h>

#define MJSON_MAX_STRINGS 16

/* Checks that text is exactly one JSON object (nesting up to 32); 0 or -1. */
int mjson_check_object(const char *text, size_t len);

/* Top-level string field as a malloc'd, unescaped, NUL-terminated copy.
 * Returns 0 when found, 1 when absent, -1 when not a string or malformed. */
int mjson_get_string(const char *text, size_t len, const char *key, char **out, size_t *out_len);

/* Top-level boolean field; 0 found, 1 absent, -1 wrong type. */
int mjson_get_bool(const char *text, size_t len, const char *key, bool *out);

/* Top-level non-negative integer field (no fraction, no exponent); 0 found, 1 absent,
 * -1 wrong type or out of range. */
int mjson_get_uint(const char *text, size_t len, const char *key, unsigned long long *out);

/* Top-level array of strings (at most MJSON_MAX_STRINGS, each malloc'd);
 * 0 found, 1 absent, -1 wrong type or too many. */
int mjson_get_strings(const char *text, size_t len, const char *key, char **out, int *n);

/* Decodes standard base64 (padding optional, no whitespace) into a malloc'd buffer;
 * 0 or -1 on an invalid character or length. */
int mjson_base64_decode(const char *in, size_t len, unsigned char **out, size_t *out_len);

#endif
