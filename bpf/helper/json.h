/* The one JSON reader of the helper, for both roles: the manager's control messages
 * (docs/protocol.md) and leash-entry's enforcement.active marker. Input comes from another
 * process and is parsed as root, so the reader is strict (RFC 8259 and more):
 *  - exactly one object, optional whitespace around it, nothing after it;
 *  - numbers by the RFC grammar only (no "+1", "01", "1.", ".5", "NaN", hex), at most 64 bytes;
 *  - strings: valid UTF-8 (no overlong forms, no surrogates, nothing past U+10FFFF), no raw
 *    control characters, known escapes only, paired \u surrogates, and never \u0000 (the
 *    callers use C strings);
 *  - no duplicate keys in any object (compared after unescaping: "a" and "\u0061" clash);
 *  - nesting at most JSON_MAX_DEPTH, input at most JSON_MAX_INPUT bytes.
 * Lookups read top-level keys of a text json_check_object() accepted. */
#ifndef LEASH_JSON_H
#define LEASH_JSON_H

#include <stdbool.h>
#include <stddef.h>

#define JSON_MAX_DEPTH 32
#define JSON_MAX_INPUT (64u << 20) /* the control channel's line limit */
#define JSON_MAX_STRINGS 16        /* elements json_get_strings returns at most */

/* 0 when text is one strict JSON object; -1 with a short static reason in *err. */
int json_check_object(const char *text, size_t len, const char **err);

/* Top-level string as a malloc'd, unescaped, NUL-terminated copy (out_len may be NULL).
 * Returns 0 found, 1 absent, -1 another type or malformed. */
int json_get_string(const char *text, size_t len, const char *key, char **out, size_t *out_len);

/* Top-level boolean; 0 found, 1 absent, -1 another type. */
int json_get_bool(const char *text, size_t len, const char *key, bool *out);

/* Top-level number; 0 found, 1 absent, -1 another type. */
int json_get_number(const char *text, size_t len, const char *key, double *out);

/* Top-level array of strings (at most JSON_MAX_STRINGS, each malloc'd); 0 found, 1 absent,
 * -1 another type, a non-string element or too many (nothing is left allocated). */
int json_get_strings(const char *text, size_t len, const char *key, char **out, int *n);

/* Decodes standard base64 (padding optional, no whitespace) into a malloc'd buffer;
 * 0 or -1 on an invalid character or length. */
int json_base64_decode(const char *in, size_t len, unsigned char **out, size_t *out_len);

/* Appends s as a JSON string literal (with quotes) to the NUL-terminated dst of capacity
 * cap; -1 when it does not fit. */
int json_quote(char *dst, size_t cap, const char *s);

#endif
