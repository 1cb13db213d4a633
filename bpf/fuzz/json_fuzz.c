/* libFuzzer target for the helper's strict JSON reader (bpf/helper/json.c) and both roles'
 * message parsing on top of it: the manager's control-message lookups and leash-entry's
 * enforcement.active. Build (the fuzz runner discovers the *_fuzz.c files in bpf/fuzz):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I bpf/include -I bpf/helper \
 *     bpf/fuzz/json_fuzz.c bpf/helper/json.c bpf/helper/entry_active.c -o json_fuzz
 *   ./json_fuzz bpf/fuzz/corpus/json
 * Besides memory errors it checks the reader's promises: whatever a lookup returns from an
 * accepted text is a C string without an embedded NUL, and lookups on a refused text never
 * succeed where the check failed before the key. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "entry_active.h"
#include "json.h"

static const char *const KEYS[] = { "type", "cgroup", "mode", "maps", "layers", "log_allow",
				    "lifeline", "protocol", "nonce", "" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *err = NULL;
	int ok = json_check_object(text, size, &err) == 0;
	if (!ok && !err)
		abort(); /* a refusal always says why */
	for (size_t i = 0; i < sizeof(KEYS) / sizeof(KEYS[0]); i++) {
		char *s = NULL, *list[JSON_MAX_STRINGS];
		size_t n = 0;
		int count = 0;
		bool b;
		double d;
		if (json_get_string(text, size, KEYS[i], &s, &n) == 0) {
			if (ok && strlen(s) != n)
				abort(); /* \u0000 must never reach a C string */
			free(s);
		}
		if (json_get_strings(text, size, KEYS[i], list, &count) == 0) {
			if (count < 0 || count > JSON_MAX_STRINGS)
				abort();
			for (int k = 0; k < count; k++)
				free(list[k]);
		}
		(void)json_get_bool(text, size, KEYS[i], &b);
		(void)json_get_number(text, size, KEYS[i], &d);
	}
	struct entry_active a;
	if (entry_active_parse(text, size, &a, &err) == 0) {
		if (!ok || a.n_layers < 0 || a.n_layers > ENTRY_ACTIVE_MAX_LAYERS)
			abort();
		if (memchr(a.nonce, '\0', sizeof(a.nonce)) == NULL)
			abort();
	}
	unsigned char *bin = NULL;
	size_t bin_len = 0;
	if (json_base64_decode(text, size, &bin, &bin_len) == 0) {
		if (bin_len > size)
			abort();
		free(bin);
	}
	return 0;
}
