/* A small strict JSON reader for the control messages: walks the top-level object and
 * returns the value of one key; everything else is validated and skipped. */
#include <stdlib.h>
#include <string.h>
#include "manager_json.h"

#define MAX_DEPTH 32

struct cursor {
	const char *p, *end;
};

static void skip_ws(struct cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static int hex4(const char *p, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char ch = p[i];
		v <<= 4;
		if (ch >= '0' && ch <= '9')
			v |= (unsigned)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			v |= (unsigned)(ch - 'a' + 10);
		else if (ch >= 'A' && ch <= 'F')
			v |= (unsigned)(ch - 'A' + 10);
		else
			return -1;
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

/* Reads a string literal at c->p; with out != NULL, writes the unescaped bytes there (the
 * caller sizes it to the literal's length + 1, which always suffices). */
static int read_string(struct cursor *c, char *out, size_t *out_len)
{
	size_t n = 0;
	if (c->p >= c->end || *c->p != '"')
		return -1;
	c->p++;
	while (c->p < c->end && *c->p != '"') {
		unsigned char ch = (unsigned char)*c->p++;
		if (ch < 0x20)
			return -1;
		if (ch != '\\') {
			if (out)
				out[n] = (char)ch;
			n++;
			continue;
		}
		if (c->p >= c->end)
			return -1;
		char e = *c->p++;
		char simple = 0;
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
			if (c->end - c->p < 4 || hex4(c->p, &cp))
				return -1;
			c->p += 4;
			if (cp >= 0xd800 && cp < 0xdc00) {
				if (c->end - c->p < 6 || c->p[0] != '\\' || c->p[1] != 'u' || hex4(c->p + 2, &lo) ||
				    lo < 0xdc00 || lo > 0xdfff)
					return -1;
				c->p += 6;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp < 0xe000) {
				return -1;
			}
			char tmp[4];
			size_t k = put_utf8(tmp, cp);
			if (out)
				memcpy(out + n, tmp, k);
			n += k;
			continue;
		}
		default:
			return -1;
		}
		if (out)
			out[n] = simple;
		n++;
	}
	if (c->p >= c->end)
		return -1;
	c->p++;
	if (out)
		out[n] = '\0';
	if (out_len)
		*out_len = n;
	return 0;
}

static int skip_value(struct cursor *c, int depth);

static int skip_container(struct cursor *c, int depth, char close, bool keyed)
{
	if (depth > MAX_DEPTH)
		return -1;
	c->p++;
	skip_ws(c);
	if (c->p < c->end && *c->p == close) {
		c->p++;
		return 0;
	}
	for (;;) {
		skip_ws(c);
		if (keyed) {
			if (read_string(c, NULL, NULL))
				return -1;
			skip_ws(c);
			if (c->p >= c->end || *c->p != ':')
				return -1;
			c->p++;
		}
		if (skip_value(c, depth + 1))
			return -1;
		skip_ws(c);
		if (c->p >= c->end)
			return -1;
		if (*c->p == ',') {
			c->p++;
			continue;
		}
		if (*c->p != close)
			return -1;
		c->p++;
		return 0;
	}
}

static int skip_literal(struct cursor *c, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
		return -1;
	c->p += n;
	return 0;
}

static int skip_number(struct cursor *c)
{
	const char *start = c->p;
	if (c->p < c->end && *c->p == '-')
		c->p++;
	while (c->p < c->end && ((*c->p >= '0' && *c->p <= '9') || *c->p == '.' || *c->p == 'e' ||
				 *c->p == 'E' || *c->p == '+' || *c->p == '-'))
		c->p++;
	return c->p > start && (c->p[-1] >= '0' && c->p[-1] <= '9') ? 0 : -1;
}

static int skip_value(struct cursor *c, int depth)
{
	skip_ws(c);
	if (c->p >= c->end)
		return -1;
	switch (*c->p) {
	case '"':
		return read_string(c, NULL, NULL);
	case '{':
		return skip_container(c, depth, '}', true);
	case '[':
		return skip_container(c, depth, ']', false);
	case 't':
		return skip_literal(c, "true");
	case 'f':
		return skip_literal(c, "false");
	case 'n':
		return skip_literal(c, "null");
	default:
		return skip_number(c);
	}
}

int mjson_check_object(const char *text, size_t len)
{
	struct cursor c = { text, text + len };
	skip_ws(&c);
	if (c.p >= c.end || *c.p != '{' || skip_value(&c, 0))
		return -1;
	skip_ws(&c);
	return c.p == c.end ? 0 : -1;
}

/* Positions a cursor on the value of a top-level key: 0 found, 1 absent, -1 malformed. */
static int find_key(const char *text, size_t len, const char *key, struct cursor *val)
{
	struct cursor c = { text, text + len };
	size_t klen = strlen(key);
	skip_ws(&c);
	if (c.p >= c.end || *c.p != '{')
		return -1;
	c.p++;
	skip_ws(&c);
	if (c.p < c.end && *c.p == '}')
		return 1;
	for (;;) {
		skip_ws(&c);
		const char *kstart = c.p;
		if (read_string(&c, NULL, NULL))
			return -1;
		/* keys the manager looks up have no escapes, so compare the raw literal */
		bool match = (size_t)(c.p - kstart) == klen + 2 && memcmp(kstart + 1, key, klen) == 0;
		skip_ws(&c);
		if (c.p >= c.end || *c.p != ':')
			return -1;
		c.p++;
		skip_ws(&c);
		if (match) {
			*val = c;
			return 0;
		}
		if (skip_value(&c, 1))
			return -1;
		skip_ws(&c);
		if (c.p >= c.end)
			return -1;
		if (*c.p == ',') {
			c.p++;
			continue;
		}
		return *c.p == '}' ? 1 : -1;
	}
}

static int copy_string(struct cursor *c, char **out, size_t *out_len)
{
	struct cursor probe = *c;
	const char *start = c->p;
	if (read_string(&probe, NULL, NULL))
		return -1;
	char *buf = malloc((size_t)(probe.p - start) + 1);
	if (!buf)
		return -1;
	if (read_string(c, buf, out_len)) {
		free(buf);
		return -1;
	}
	*out = buf;
	return 0;
}

int mjson_get_string(const char *text, size_t len, const char *key, char **out, size_t *out_len)
{
	struct cursor c;
	int found = find_key(text, len, key, &c);
	if (found)
		return found;
	return copy_string(&c, out, out_len);
}

int mjson_get_bool(const char *text, size_t len, const char *key, bool *out)
{
	struct cursor c;
	int found = find_key(text, len, key, &c);
	if (found)
		return found;
	if (skip_literal(&c, "true") == 0) {
		*out = true;
		return 0;
	}
	if (skip_literal(&c, "false") == 0) {
		*out = false;
		return 0;
	}
	return -1;
}

int mjson_get_uint(const char *text, size_t len, const char *key, unsigned long long *out)
{
	struct cursor c;
	int found = find_key(text, len, key, &c);
	if (found)
		return found;
	unsigned long long v = 0;
	const char *start = c.p;
	while (c.p < c.end && *c.p >= '0' && *c.p <= '9') {
		if (v > (~0ULL - 9) / 10)
			return -1;
		v = v * 10 + (unsigned)(*c.p - '0');
		c.p++;
	}
	if (c.p == start || (c.p < c.end && (*c.p == '.' || *c.p == 'e' || *c.p == 'E')))
		return -1;
	*out = v;
	return 0;
}

int mjson_get_strings(const char *text, size_t len, const char *key, char **out, int *n)
{
	struct cursor c;
	int found = find_key(text, len, key, &c);
	*n = 0;
	if (found)
		return found;
	if (c.p >= c.end || *c.p != '[')
		return -1;
	c.p++;
	skip_ws(&c);
	if (c.p < c.end && *c.p == ']')
		return 0;
	for (;;) {
		skip_ws(&c);
		if (*n >= MJSON_MAX_STRINGS || copy_string(&c, &out[*n], NULL))
			goto fail;
		(*n)++;
		skip_ws(&c);
		if (c.p >= c.end)
			goto fail;
		if (*c.p == ',') {
			c.p++;
			continue;
		}
		if (*c.p == ']')
			return 0;
		goto fail;
	}
fail:
	for (int i = 0; i < *n; i++)
		free(out[i]);
	*n = 0;
	return -1;
}

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

int mjson_base64_decode(const char *in, size_t len, unsigned char **out, size_t *out_len)
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
