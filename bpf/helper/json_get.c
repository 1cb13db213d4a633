/* Lookups of top-level keys (json.h) on top of the scanner in json.c. */
#include <stdlib.h>
#include <string.h>
#include "json.h"
#include "json_internal.h"

/* Positions r on the value of a top-level key: 0 found, 1 absent, -1 malformed. */
static int find_key(const char *text, size_t len, const char *key, struct reader *r)
{
	*r = (struct reader){ text, text + len, NULL };
	if (len > JSON_MAX_INPUT)
		return -1;
	skip_ws(r);
	if (r->p >= r->end || *r->p != '{')
		return -1;
	r->p++;
	skip_ws(r);
	if (r->p < r->end && *r->p == '}')
		return 1;
	for (;;) {
		char *k;
		size_t kn;
		skip_ws(r);
		if (dup_string(r, &k, &kn))
			return -1;
		bool match = kn == strlen(key) && memcmp(k, key, kn) == 0;
		free(k);
		skip_ws(r);
		if (r->p >= r->end || *r->p != ':')
			return -1;
		r->p++;
		skip_ws(r);
		if (match)
			return 0;
		if (skip_value(r, 1))
			return -1;
		skip_ws(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		return r->p < r->end && *r->p == '}' ? 1 : -1;
	}
}

int json_get_string(const char *text, size_t len, const char *key, char **out, size_t *out_len)
{
	struct reader r;
	int found = find_key(text, len, key, &r);
	if (found)
		return found;
	return dup_string(&r, out, out_len);
}

int json_get_bool(const char *text, size_t len, const char *key, bool *out)
{
	struct reader r;
	int found = find_key(text, len, key, &r);
	if (found)
		return found;
	if (literal(&r, "true") == 0) {
		*out = true;
		return 0;
	}
	r.err = NULL;
	if (literal(&r, "false") == 0) {
		*out = false;
		return 0;
	}
	return -1;
}

int json_get_number(const char *text, size_t len, const char *key, double *out)
{
	struct reader r;
	int found = find_key(text, len, key, &r);
	if (found)
		return found;
	if (r.p >= r.end || (*r.p != '-' && (*r.p < '0' || *r.p > '9')))
		return -1;
	return read_number(&r, out) ? -1 : 0;
}

int json_get_strings(const char *text, size_t len, const char *key, char **out, int *n)
{
	struct reader r;
	int found = find_key(text, len, key, &r);
	*n = 0;
	if (found)
		return found;
	if (r.p >= r.end || *r.p != '[')
		return -1;
	r.p++;
	skip_ws(&r);
	if (r.p < r.end && *r.p == ']')
		return 0;
	for (;;) {
		skip_ws(&r);
		if (*n >= JSON_MAX_STRINGS || dup_string(&r, &out[*n], NULL))
			goto fail;
		(*n)++;
		skip_ws(&r);
		if (r.p < r.end && *r.p == ',') {
			r.p++;
			continue;
		}
		if (r.p < r.end && *r.p == ']')
			return 0;
		goto fail;
	}
fail:
	for (int i = 0; i < *n; i++)
		free(out[i]);
	*n = 0;
	return -1;
}
