/* leash-entry's reading of the one marker it consumes, enforcement.active (DESIGN.md §3
 * step 6), with the helper's strict JSON reader (json.h). */
#ifndef LEASH_ENTRY_ACTIVE_H
#define LEASH_ENTRY_ACTIVE_H

#include <stddef.h>

#define ENTRY_ACTIVE_MAX_LAYERS 16 /* = JSON_MAX_STRINGS */
#define ENTRY_ACTIVE_MAX_STRING 256

/* The fields of enforcement.active; unknown keys are ignored. */
struct entry_active {
	int has_protocol;
	double protocol;
	int has_nonce;
	char nonce[ENTRY_ACTIVE_MAX_STRING];
	/* 1 when "layers" is an array of strings, 0 when absent, -1 when another type. */
	int layers_ok;
	int n_layers;
	char layers[ENTRY_ACTIVE_MAX_LAYERS][ENTRY_ACTIVE_MAX_STRING];
	/* 1 when "lifeline" (the manager's abstract socket name) is a string, 0 when absent,
	 * -1 when another type. */
	int lifeline_ok;
	char lifeline[ENTRY_ACTIVE_MAX_STRING];
};

/* Parses enforcement.active; returns 0, or -1 when text is not one strict JSON object or
 * a string field is too long (with a short reason in err). */
int entry_active_parse(const char *text, size_t len, struct entry_active *out, const char **err);

/* Whether the marker lists the named layer. */
int entry_active_has_layer(const struct entry_active *a, const char *layer);

#endif
