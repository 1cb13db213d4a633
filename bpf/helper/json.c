/* The strict JSON reader (json.h): the validating recursive-descent scanner. Lookups of
 * top-level keys are in json_get.c, base64 and string quoting in json_text.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json.h"
#include "json_internal.h"

#define NUMBER_MAX 64


static int fail(struct reader *r, const char *why)
{
	if (!r->err)
		r->err = why;
	return -1;
}

void skip_ws(struct reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static int hex4(struct reader *r, unsigned *out)
{
	unsigned v = 0;
	if (r->end - r->p < 4)
		return fail(r, "truncated \\u escape");
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

static size_t put_utf8(char *out, unsigned cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Length of the valid UTF-8 sequence starting with lead byte c at r->p - 1, or 0. */
static size_t utf8_len(struct reader *r, unsigned char c)
{
	const unsigned char *s = (const unsigned char *)r->p;
	size_t avail = (size_t)(r->end - r->p), n;
	unsigned cp;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 1;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 2;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 3;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (avail < n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0; /* overlong, past Unicode, or a surrogate */
	return n + 1;
}

/* Reads a string literal at r->p. With out, writes the unescaped bytes and a NUL there:
 * the caller sizes it to the literal's length + 1, which always suffices. */
static int read_string(struct reader *r, char *out, size_t *out_len)
{
	size_t n = 0;
	if (r->p >= r->end || *r->p != '"')
		return fail(r, "expected a string");
	r->p++;
	while (r->p < r->end && *r->p != '"') {
		unsigned char c = (unsigned char)*r->p++;
		if (c < 0x20)
			return fail(r, "control character in string");
		if (c >= 0x80) {
			size_t k = utf8_len(r, c);
			if (!k)
				return fail(r, "invalid UTF-8 in string");
			if (out)
				memcpy(out + n, r->p - 1, k);
			n += k;
			r->p += k - 1;
			continue;
		}
		if (c != '\\') {
			if (out)
				out[n] = (char)c;
			n++;
			continue;
		}
		if (r->p >= r->end)
			return fail(r, "truncated escape");
		char e = *r->p++, simple;
		switch (e) {
		case '"':
		case '\\':
		case '/':
			simple = e;
			break;
		case 'b':
			simple = '\b';
			break;
		case 'f':
			simple = '\f';
			break;
		case 'n':
			simple = '\n';
			break;
		case 'r':
			simple = '\r';
			break;
		case 't':
			simple = '\t';
			break;
		case 'u': {
			unsigned cp, lo;
			if (hex4(r, &cp))
				return -1;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u')
					return fail(r, "lone surrogate");
				r->p += 2;
				if (hex4(r, &lo))
					return -1;
				if (lo < 0xdc00 || lo > 0xdfff)
					return fail(r, "bad surrogate pair");
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp <= 0xdfff) {
				return fail(r, "lone surrogate");
			} else if (cp == 0) {
				return fail(r, "\\u0000 in string");
			}
			char tmp[4];
			size_t k = put_utf8(tmp, cp);
			if (out)
				memcpy(out + n, tmp, k);
			n += k;
			continue;
		}
		default:
			return fail(r, "bad escape");
		}
		if (out)
			out[n] = simple;
		n++;
	}
	if (r->p >= r->end)
		return fail(r, "unterminated string");
	r->p++;
	if (out)
		out[n] = '\0';
	if (out_len)
		*out_len = n;
	return 0;
}

/* Reads a string literal into a malloc'd buffer. */
int dup_string(struct reader *r, char **out, size_t *out_len)
{
	struct reader probe = *r;
	if (read_string(&probe, NULL, NULL))
		return fail(r, probe.err);
	char *buf = malloc((size_t)(probe.p - r->p) + 1);
	if (!buf)
		return fail(r, "out of memory");
	if (read_string(r, buf, out_len)) {
		free(buf);
		return -1;
	}
	*out = buf;
	return 0;
}

static int digits(struct reader *r)
{
	if (r->p >= r->end || *r->p < '0' || *r->p > '9')
		return fail(r, "bad number");
	while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
		r->p++;
	return 0;
}

/* RFC 8259: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
int read_number(struct reader *r, double *out)
{
	const char *start = r->p;
	if (r->p < r->end && *r->p == '-')
		r->p++;
	if (r->p < r->end && *r->p == '0')
		r->p++;
	else if (digits(r))
		return -1;
	if (r->p < r->end && *r->p == '.') {
		r->p++;
		if (digits(r))
			return -1;
	}
	if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
		r->p++;
		if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
			r->p++;
		if (digits(r))
			return -1;
	}
	size_t n = (size_t)(r->p - start);
	if (n >= NUMBER_MAX)
		return fail(r, "number too long");
	if (out) {
		char buf[NUMBER_MAX];
		memcpy(buf, start, n);
		buf[n] = '\0';
		*out = strtod(buf, NULL);
	}
	return 0;
}

int literal(struct reader *r, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
		return fail(r, "unexpected character");
	r->p += n;
	return 0;
}

struct key {
	char *s;
	size_t n;
};

static int key_cmp(const void *a, const void *b)
{
	const struct key *x = a, *y = b;
	size_t n = x->n < y->n ? x->n : y->n;
	int c = memcmp(x->s, y->s, n);
	return c ? c : (x->n > y->n) - (x->n < y->n);
}

/* Sorts the keys of one object and refuses the object when two are equal. */
static int check_unique(struct reader *r, struct key *keys, size_t n)
{
	qsort(keys, n, sizeof(*keys), key_cmp);
	for (size_t i = 1; i < n; i++)
		if (key_cmp(&keys[i - 1], &keys[i]) == 0)
			return fail(r, "duplicate key");
	return 0;
}


static int skip_object(struct reader *r, int depth)
{
	struct key *keys = NULL;
	size_t n = 0, cap = 0;
	int rc = -1;
	r->p++;
	skip_ws(r);
	if (r->p < r->end && *r->p == '}') {
		r->p++;
		return 0;
	}
	for (;;) {
		skip_ws(r);
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct key *k = realloc(keys, ncap * sizeof(*keys));
			if (!k) {
				fail(r, "out of memory");
				goto out;
			}
			keys = k;
			cap = ncap;
		}
		if (dup_string(r, &keys[n].s, &keys[n].n))
			goto out;
		n++;
		skip_ws(r);
		if (r->p >= r->end || *r->p != ':') {
			fail(r, "expected ':'");
			goto out;
		}
		r->p++;
		if (skip_value(r, depth + 1))
			goto out;
		skip_ws(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == '}') {
			r->p++;
			rc = check_unique(r, keys, n);
			goto out;
		}
		fail(r, "expected ',' or '}'");
		goto out;
	}
out:
	for (size_t i = 0; i < n; i++)
		free(keys[i].s);
	free(keys);
	return rc;
}

static int skip_array(struct reader *r, int depth)
{
	r->p++;
	skip_ws(r);
	if (r->p < r->end && *r->p == ']') {
		r->p++;
		return 0;
	}
	for (;;) {
		if (skip_value(r, depth + 1))
			return -1;
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

/* depth counts the containers around the value (the top-level object is at depth 0). */
int skip_value(struct reader *r, int depth)
{
	skip_ws(r);
	if (r->p >= r->end)
		return fail(r, "expected a value");
	switch (*r->p) {
	case '"':
		return read_string(r, NULL, NULL);
	case '{':
	case '[':
		if (depth >= JSON_MAX_DEPTH)
			return fail(r, "nested too deeply");
		return *r->p == '{' ? skip_object(r, depth) : skip_array(r, depth);
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

int json_check_object(const char *text, size_t len, const char **err)
{
	struct reader r = { text, text + len, NULL };
	if (len > JSON_MAX_INPUT) {
		*err = "input too large";
		return -1;
	}
	skip_ws(&r);
	if (r.p >= r.end || *r.p != '{') {
		*err = "not a JSON object";
		return -1;
	}
	if (skip_value(&r, 0)) {
		*err = r.err ? r.err : "invalid JSON";
		return -1;
	}
	skip_ws(&r);
	if (r.p != r.end) {
		*err = "trailing data after the object";
		return -1;
	}
	return 0;
}
