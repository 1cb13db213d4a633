/* The little JSON leash-entry needs: quoting strings for the markers it writes and
 * reading the one marker it consumes, enforcement.active. */
#ifndef LEASH_ENTRY_JSON_H
#define LEASH_ENTRY_JSON_H

#include <stddef.h>

#define ENTRY_JSON_MAX_LAYERS 16
#define ENTRY_JSON_MAX_STRING 256

/* The fields of enforcement.active (DESIGN.md §3 step 6); unknown keys are ignored. */
struct entry_active {
	int has_protocol;
	double protocol;
	int has_nonce;
	char nonce[ENTRY_JSON_MAX_STRING];
	/* 1 when "layers" is an array of strings, 0 when absent, -1 when the wrong type. */
	int layers_ok;
	int n_layers;
	char layers[ENTRY_JSON_MAX_LAYERS][ENTRY_JSON_MAX_STRING];
	/* 1 when "lifeline" (the manager's abstract socket name) is a string, 0 when absent,
	 * -1 when the wrong type. */
	int lifeline_ok;
	char lifeline[ENTRY_JSON_MAX_STRING];
};

/* Appends s as a JSON string literal (with quotes) to dst; returns -1 if it does not fit. */
int entry_json_quote(char *dst, size_t cap, const char *s);

/* Parses enforcement.active; returns 0, or -1 when text is not one JSON object
 * (with a short reason in err). */
int entry_json_parse_active(const char *text, size_t len, struct entry_active *out, const char **err);

/* Whether the marker lists the named layer. */
int entry_active_has_layer(const struct entry_active *a, const char *layer);

#endif
