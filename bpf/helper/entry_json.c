/* A strict, small JSON reader for enforcement.active and a quoting writer.
 * Strict on purpose: anything that is not exactly one JSON object is refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "entry_json.h"

#define MAX_DEPTH 32

struct reader {
	const char *p, *end;
	const char *err;
};

static void skip_ws(struct reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static int fail(struct reader *r, const char *why)
{
	if (!r->err)
		r->err = why;
	return -1;
}

static int hex4(struct reader *r, unsigned *out)
{
	if (r->end - r->p < 4)
		return fail(r, "truncated \\u escape");
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char c = *r->p++;
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return fail(r, "bad \\u escape");
	}
	*out = v;
	return 0;
}

static int put(char *out, size_t cap, size_t *n, char c)
{
	if (!out)
		return 0;
	if (*n + 1 >= cap)
		return -1;
	out[(*n)++] = c;
	return 0;
}

/* Reads a string literal; out may be NULL to skip it. */
static int read_string(struct reader *r, char *out, size_t cap)
{
	size_t n = 0;
	if (r->p >= r->end || *r->p != '"')
		return fail(r, "expected a string");
	r->p++;
	while (r->p < r->end && *r->p != '"') {
		unsigned char c = (unsigned char)*r->p++;
		if (c < 0x20)
			return fail(r, "control character in string");
		if (c != '\\') {
			if (put(out, cap, &n, (char)c))
				return fail(r, "string too long");
			continue;
		}
		if (r->p >= r->end)
			return fail(r, "truncated escape");
		char e = *r->p++;
		const char *simple = strchr("\"\\/bfnrt", e);
		if (simple && e) {
			static const char map[] = "\"\\/\b\f\n\r\t";
			if (put(out, cap, &n, map[simple - "\"\\/bfnrt"]))
				return fail(r, "string too long");
			continue;
		}
		if (e != 'u')
			return fail(r, "bad escape");
		unsigned cp;
		if (hex4(r, &cp))
			return -1;
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			unsigned lo;
			if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u')
				return fail(r, "lone surrogate");
			r->p += 2;
			if (hex4(r, &lo) || lo < 0xDC00 || lo > 0xDFFF)
				return fail(r, "bad surrogate pair");
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
		} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
			return fail(r, "lone surrogate");
		}
		if (cp == 0)
			return fail(r, "NUL in string");
		char u[4];
		int k;
		if (cp < 0x80) {
			u[0] = (char)cp;
			k = 1;
		} else if (cp < 0x800) {
			u[0] = (char)(0xC0 | (cp >> 6));
			u[1] = (char)(0x80 | (cp & 0x3F));
			k = 2;
		} else if (cp < 0x10000) {
			u[0] = (char)(0xE0 | (cp >> 12));
			u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
			u[2] = (char)(0x80 | (cp & 0x3F));
			k = 3;
		} else {
			u[0] = (char)(0xF0 | (cp >> 18));
			u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
			u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
			u[3] = (char)(0x80 | (cp & 0x3F));
			k = 4;
		}
		for (int i = 0; i < k; i++)
			if (put(out, cap, &n, u[i]))
				return fail(r, "string too long");
	}
	if (r->p >= r->end)
		return fail(r, "unterminated string");
	r->p++;
	if (out)
		out[n] = '\0';
	return 0;
}

static int read_number(struct reader *r, double *out)
{
	const char *start = r->p;
	if (r->p < r->end && *r->p == '-')
		r->p++;
	if (r->p >= r->end || *r->p < '0' || *r->p > '9')
		return fail(r, "bad number");
	if (*r->p == '0')
		r->p++;
	else
		while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
			r->p++;
	if (r->p < r->end && *r->p == '.') {
		r->p++;
		if (r->p >= r->end || *r->p < '0' || *r->p > '9')
			return fail(r, "bad number");
		while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
			r->p++;
	}
	if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
		r->p++;
		if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
			r->p++;
		if (r->p >= r->end || *r->p < '0' || *r->p > '9')
			return fail(r, "bad number");
		while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
			r->p++;
	}
	char buf[64];
	size_t n = (size_t)(r->p - start);
	if (n >= sizeof(buf))
		return fail(r, "number too long");
	memcpy(buf, start, n);
	buf[n] = '\0';
	if (out)
		*out = strtod(buf, NULL);
	return 0;
}

static int literal(struct reader *r, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
		return fail(r, "unexpected character");
	r->p += n;
	return 0;
}

static int skip_value(struct reader *r, int depth);

static int skip_container(struct reader *r, int depth, char close, int keyed)
{
	if (depth > MAX_DEPTH)
		return fail(r, "nested too deeply");
	r->p++;
	skip_ws(r);
	if (r->p < r->end && *r->p == close) {
		r->p++;
		return 0;
	}
	for (;;) {
		skip_ws(r);
		if (keyed) {
			if (read_string(r, NULL, 0))
				return -1;
			skip_ws(r);
			if (r->p >= r->end || *r->p != ':')
				return fail(r, "expected ':'");
			r->p++;
		}
		if (skip_value(r, depth + 1))
			return -1;
		skip_ws(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == close) {
			r->p++;
			return 0;
		}
		return fail(r, "expected ',' or end of container");
	}
}

static int skip_value(struct reader *r, int depth)
{
	skip_ws(r);
	if (r->p >= r->end)
		return fail(r, "expected a value");
	switch (*r->p) {
	case '"':
		return read_string(r, NULL, 0);
	case '{':
		return skip_container(r, depth, '}', 1);
	case '[':
		return skip_container(r, depth, ']', 0);
	case 't':
		return literal(r, "true");
	case 'f':
		return literal(r, "false");
	case 'n':
		return literal(r, "null");
	default:
		return read_number(r, NULL);
	}
}

/* Reads "layers": an array of strings, or records that it has another type. */
static int read_layers(struct reader *r, struct entry_active *out)
{
	skip_ws(r);
	if (r->p >= r->end || *r->p != '[') {
		out->layers_ok = -1;
		return skip_value(r, 1);
	}
	r->p++;
	out->layers_ok = 1;
	out->n_layers = 0;
	skip_ws(r);
	if (r->p < r->end && *r->p == ']') {
		r->p++;
		return 0;
	}
	for (;;) {
		skip_ws(r);
		if (r->p < r->end && *r->p == '"' && out->n_layers < ENTRY_JSON_MAX_LAYERS) {
			if (read_string(r, out->layers[out->n_layers], ENTRY_JSON_MAX_STRING))
				return -1;
			out->n_layers++;
		} else {
			out->layers_ok = -1;
			if (skip_value(r, 2))
				return -1;
		}
		skip_ws(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == ']') {
			r->p++;
			return 0;
		}
		return fail(r, "expected ',' or ']'");
	}
}

int entry_json_parse_active(const char *text, size_t len, struct entry_active *out, const char **err)
{
	struct reader r = {.p = text, .end = text + len, .err = NULL};
	int seen_protocol = 0, seen_nonce = 0, seen_layers = 0, seen_lifeline = 0;
	memset(out, 0, sizeof(*out));
	skip_ws(&r);
	if (r.p >= r.end || *r.p != '{') {
		*err = "not a JSON object";
		return -1;
	}
	r.p++;
	skip_ws(&r);
	if (r.p < r.end && *r.p == '}') {
		r.p++;
		goto done;
	}
	for (;;) {
		char key[ENTRY_JSON_MAX_STRING];
		skip_ws(&r);
		read_string(&r, key, sizeof(key));
		if (r.err)
			goto bad;
		skip_ws(&r);
		if (r.p >= r.end || *r.p != ':') {
			fail(&r, "expected ':'");
			goto bad;
		}
		r.p++;
		skip_ws(&r);
		int rc;
		if (strcmp(key, "protocol") == 0) {
			if (seen_protocol++) {
				fail(&r, "duplicate \"protocol\"");
				goto bad;
			}
			if (r.p < r.end && (*r.p == '-' || (*r.p >= '0' && *r.p <= '9'))) {
				rc = read_number(&r, &out->protocol);
				out->has_protocol = 1;
			} else {
				rc = skip_value(&r, 1);
			}
		} else if (strcmp(key, "nonce") == 0) {
			if (seen_nonce++) {
				fail(&r, "duplicate \"nonce\"");
				goto bad;
			}
			if (r.p < r.end && *r.p == '"') {
				rc = read_string(&r, out->nonce, sizeof(out->nonce));
				out->has_nonce = 1;
			} else {
				rc = skip_value(&r, 1);
			}
		} else if (strcmp(key, "layers") == 0) {
			if (seen_layers++) {
				fail(&r, "duplicate \"layers\"");
				goto bad;
			}
			rc = read_layers(&r, out);
		} else if (strcmp(key, "lifeline") == 0) {
			if (seen_lifeline++) {
				fail(&r, "duplicate \"lifeline\"");
				goto bad;
			}
			if (r.p < r.end && *r.p == '"') {
				rc = read_string(&r, out->lifeline, sizeof(out->lifeline));
				out->lifeline_ok = 1;
			} else {
				rc = skip_value(&r, 1);
				out->lifeline_ok = -1;
			}
		} else {
			rc = skip_value(&r, 1);
		}
		if (rc)
			goto bad;
		skip_ws(&r);
		if (r.p < r.end && *r.p == ',') {
			r.p++;
			continue;
		}
		if (r.p < r.end && *r.p == '}') {
			r.p++;
			break;
		}
		fail(&r, "expected ',' or '}'");
		goto bad;
	}
done:
	skip_ws(&r);
	if (r.p != r.end) {
		*err = "trailing data after the object";
		return -1;
	}
	return 0;
bad:
	*err = r.err ? r.err : "invalid JSON";
	return -1;
}

int entry_active_has_layer(const struct entry_active *a, const char *layer)
{
	for (int i = 0; i < a->n_layers; i++)
		if (strcmp(a->layers[i], layer) == 0)
			return 1;
	return 0;
}

int entry_json_quote(char *dst, size_t cap, const char *s)
{
	size_t n = strlen(dst);
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
