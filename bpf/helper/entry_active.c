/* enforcement.active → struct entry_active (entry_active.h). */
#include <stdlib.h>
#include <string.h>
#include "entry_active.h"
#include "json.h"

_Static_assert(ENTRY_ACTIVE_MAX_LAYERS == JSON_MAX_STRINGS, "one limit for the layer list");

/* Copies a string field into a fixed buffer: 1 copied, 0 absent, -1 another type, -2 too long. */
static int get_fixed(const char *text, size_t len, const char *key, char *dst)
{
	char *s = NULL;
	size_t n = 0;
	int rc = json_get_string(text, len, key, &s, &n);
	if (rc)
		return rc == 1 ? 0 : -1;
	if (n >= ENTRY_ACTIVE_MAX_STRING) {
		free(s);
		return -2;
	}
	memcpy(dst, s, n + 1);
	free(s);
	return 1;
}

int entry_active_parse(const char *text, size_t len, struct entry_active *out, const char **err)
{
	char *layers[JSON_MAX_STRINGS];
	int n = 0, rc;
	memset(out, 0, sizeof(*out));
	if (json_check_object(text, len, err))
		return -1;
	out->has_protocol = json_get_number(text, len, "protocol", &out->protocol) == 0;
	rc = get_fixed(text, len, "nonce", out->nonce);
	out->has_nonce = rc == 1;
	if (rc == -2)
		goto too_long;
	rc = get_fixed(text, len, "lifeline", out->lifeline);
	out->lifeline_ok = rc == 1 ? 1 : rc;
	if (rc == -2)
		goto too_long;
	rc = json_get_strings(text, len, "layers", layers, &n);
	out->layers_ok = rc == 0 ? 1 : rc == 1 ? 0 : -1;
	for (int i = 0; i < n; i++) {
		size_t k = strlen(layers[i]);
		if (k < ENTRY_ACTIVE_MAX_STRING)
			memcpy(out->layers[out->n_layers++], layers[i], k + 1);
		else
			out->layers_ok = -1;
		free(layers[i]);
	}
	if (out->layers_ok != 1)
		out->n_layers = 0;
	return 0;
too_long:
	*err = "string too long";
	return -1;
}

int entry_active_has_layer(const struct entry_active *a, const char *layer)
{
	for (int i = 0; i < a->n_layers; i++)
		if (strcmp(a->layers[i], layer) == 0)
			return 1;
	return 0;
}
