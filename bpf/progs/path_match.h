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
	__u8 allow;
	__u8 deny;
	__u32 allow_rule[3];
	__u32 deny_rule[3];
};

struct path_verdict {
	int deny;
	__u32 rule;
};

/* Records the first rule that allows / denies access bit i (i is a constant). */
#define merge_bit(w, v, allow, deny, i)                                      \
	do {                                                                  \
		if (((deny) & (1 << (i))) && !((w)->deny & (1 << (i))))           \
			(w)->deny_rule[i] = (v)->deny_rule[i];                    \
		if (((allow) & (1 << (i))) && !((w)->allow & (1 << (i))))         \
			(w)->allow_rule[i] = (v)->allow_rule[i];                  \
	} while (0)

static __always_inline void walk_merge(struct path_walk *w, __u32 len, bool exact)
{
	struct leash_path_key key = { .hash = w->hash, .len = len, .slot = w->slot };
	struct leash_path_val *v = bpf_map_lookup_elem(&path_rules, &key);
	if (!v)
		return;
	__u8 allow = v->dir_allow, deny = v->dir_deny;
	if (exact) {
		allow |= v->file_allow;
		deny |= v->file_deny;
	}
	merge_bit(w, v, allow, deny, 0);
	merge_bit(w, v, allow, deny, 1);
	merge_bit(w, v, allow, deny, 2);
	w->allow |= allow;
	w->deny |= deny;
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
		walk_merge(w, i, false); /* the prefix before this slash is an ancestor ("" = "/") */
	w->hash ^= c;
	w->hash *= LEASH_FNV_PRIME;
	return 0;
}

/* Applies the verdict for access bit i (constant) when acc asks for it; 1 = denied. */
static __always_inline int decide_bit(struct path_walk *w, struct path_verdict *out, __u8 acc,
				      __u8 dflt, const int i)
{
	if (!(acc & (1 << i)))
		return 0;
	if (w->deny & (1 << i)) {
		out->deny = 1;
		out->rule = w->deny_rule[i];
		return 1;
	}
	if (!(w->allow & (1 << i)) && !(dflt & (1 << i))) {
		out->deny = 1;
		out->rule = 0;
		return 1;
	}
	out->rule = w->allow_rule[i];
	return 0;
}

/* Decides access `acc` (one or more LEASH_ACC_* bits) for the path of `len` bytes in the
 * scratch buffer under policy slot `slot`. */
static __always_inline struct path_verdict path_decide(__u32 slot, __u32 len, __u8 acc)
{
	struct path_walk w = { .hash = LEASH_FNV_OFFSET, .len = len, .slot = slot };
	struct path_verdict out = {};
	bpf_loop(LEASH_PATH_MAX, walk_step, &w, 0);
	if (len > 1)
		walk_merge(&w, len, true);
	__u32 s = slot & 1;
	struct leash_policy_meta *meta = bpf_map_lookup_elem(&policy_meta, &s);
	__u8 dflt = meta ? meta->file_default : 0;
	if (decide_bit(&w, &out, acc, dflt, 0) || decide_bit(&w, &out, acc, dflt, 1) ||
	    decide_bit(&w, &out, acc, dflt, 2))
		return out;
	return out;
}

#endif
