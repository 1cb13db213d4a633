/* Longest-prefix path decision: hashes the path in scratch->data byte by byte and looks
 * the prefix up at every "/" boundary (directory rules) and at the end (directory and
 * file rules). All matches are OR-ed, so a deny anywhere on the path wins. */
#ifndef LEASH_PATH_MATCH_H
#define LEASH_PATH_MATCH_H

#include "common.h"

struct path_walk {
	__u64 hash;
	__u32 len;
	__u32 slot;
	__u32 found;     /* a Dir entry covers the path so far */
	__u32 allow;     /* its allowed access bits */
	__u32 rule[3];   /* its deciding rule per access */
};

struct path_verdict {
	int deny;
	__u32 rule;
};

/* Takes the Dir part of the entry for the prefix of `len` bytes, if any: deeper wins. */
static __always_inline void walk_dir(struct path_walk *w, __u32 len)
{
	struct leash_path_key key = { .hash = w->hash, .len = len, .slot = w->slot };
	struct leash_path_val *v = bpf_map_lookup_elem(&path_rules, &key);
	if (!v || !(v->flags & LEASH_PV_DIR))
		return;
	w->found = 1;
	w->allow = v->dir_allow;
	w->rule[0] = v->dir_rule[0];
	w->rule[1] = v->dir_rule[1];
	w->rule[2] = v->dir_rule[2];
}

static long walk_step(__u32 i, void *ctx)
{
	struct path_walk *w = ctx;
	if (i >= w->len)
		return 1;
	struct scratch *s = get_scratch();
	if (!s)
		return 1;
	__u8 c = s->data[i & (LEASH_PATH_MAX - 1)];
	if (c == '/')
		walk_dir(w, i); /* the prefix before this slash is an ancestor ("" = "/") */
	w->hash ^= c;
	w->hash *= LEASH_FNV_PRIME;
	return 0;
}

/* Applies the verdict for access bit i (constant) when acc asks for it; 1 = denied. */
static __always_inline int decide_bit(struct path_walk *w, struct path_verdict *out, __u8 acc,
				      const int i)
{
	if (!(acc & (1 << i)))
		return 0;
	out->rule = w->rule[i];
	if (!(w->allow & (1 << i))) {
		out->deny = 1;
		return 1;
	}
	return 0;
}

/* Decides access `acc` (one or more LEASH_ACC_* bits) for the path of `len` bytes in the
 * scratch buffer under policy slot `slot`: File entry, else deepest Dir, else default. */
static __always_inline struct path_verdict path_decide(__u32 slot, __u32 len, __u8 acc)
{
	struct path_walk w = { .hash = LEASH_FNV_OFFSET, .len = len, .slot = slot };
	struct path_verdict out = {};
	bpf_loop(LEASH_PATH_MAX, walk_step, &w, 0);
	if (len > 1) {
		struct leash_path_key key = { .hash = w.hash, .len = len, .slot = slot };
		struct leash_path_val *v = bpf_map_lookup_elem(&path_rules, &key);
		if (v && (v->flags & LEASH_PV_FILE)) {
			w.found = 1;
			w.allow = v->file_allow;
			w.rule[0] = v->file_rule[0];
			w.rule[1] = v->file_rule[1];
			w.rule[2] = v->file_rule[2];
		} else if (v && (v->flags & LEASH_PV_DIR)) {
			w.found = 1;
			w.allow = v->dir_allow;
			w.rule[0] = v->dir_rule[0];
			w.rule[1] = v->dir_rule[1];
			w.rule[2] = v->dir_rule[2];
		}
	}
	if (!w.found) {
		__u32 s = slot & 1;
		struct leash_policy_meta *meta = bpf_map_lookup_elem(&policy_meta, &s);
		w.allow = meta ? meta->file_default : 0;
		w.rule[0] = w.rule[1] = w.rule[2] = 0;
	}
	decide_bit(&w, &out, acc, 0) || decide_bit(&w, &out, acc, 1) || decide_bit(&w, &out, acc, 2);
	return out;
}

#endif
