/* What json_get.c shares of the scanner in json.c (not part of json.h). */
#ifndef LEASH_JSON_INTERNAL_H
#define LEASH_JSON_INTERNAL_H

#include <stddef.h>

/* A position in the text being read and the first reason it was refused. */
struct reader {
	const char *p, *end;
	const char *err;
};

void skip_ws(struct reader *r);
/* Reads a string literal into a malloc'd buffer; 0 or -1. */
int dup_string(struct reader *r, char **out, size_t *out_len);
/* Reads an RFC 8259 number; 0 or -1. */
int read_number(struct reader *r, double *out);
/* Reads the literal word (true, false, null); 0 or -1. */
int literal(struct reader *r, const char *word);
/* Skips one value; depth counts the containers around it. 0 or -1. */
int skip_value(struct reader *r, int depth);

#endif
