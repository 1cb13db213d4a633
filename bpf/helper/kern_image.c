/* Installing a map image (format in bpf/include/leash_maps.h). The whole image is
 * validated before any map is touched; entries go to the inactive slot and a single
 * config update flips to it, so programs never see a half-applied policy. */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "leash_maps.h"
#include "kern.h"

_Static_assert(sizeof(struct leash_image_header) == 32, "image header layout");
_Static_assert(sizeof(struct leash_image_path) == 48, "image path entry layout");
_Static_assert(sizeof(struct leash_image_net) == 92, "image net entry layout");
_Static_assert(sizeof(struct leash_path_val) == 28, "path value layout");
_Static_assert(sizeof(struct leash_net_key) == 24, "net key layout");
_Static_assert(sizeof(struct leash_event) == 80, "event layout");

struct parsed_image {
	const struct leash_image_header *hdr;
	const unsigned char *paths;
	const unsigned char *nets;
	char **rules;
	__u32 n_rules;
};

static void free_rules(char **rules, __u32 n)
{
	for (__u32 i = 0; i < n; i++)
		free(rules[i]);
	free(rules);
}

static int parse_image(const unsigned char *buf, size_t len, struct parsed_image *out, char *err,
		       size_t errlen)
{
	const struct leash_image_header *h = (const void *)buf;
	memset(out, 0, sizeof(*out));
	if (len < sizeof(*h)) {
		snprintf(err, errlen, "Cannot read map image: truncated header (%zu bytes)", len);
		return -1;
	}
	if (memcmp(h->magic, LEASH_IMAGE_MAGIC, 8) != 0) {
		snprintf(err, errlen, "Cannot read map image: bad magic");
		return -1;
	}
	if (h->version != LEASH_IMAGE_VERSION) {
		snprintf(err, errlen, "Cannot read map image: version %u, this helper reads %u", h->version,
			 LEASH_IMAGE_VERSION);
		return -1;
	}
	if (h->n_paths > 65536 || h->n_nets > 16384 || h->n_rules > 1000000) {
		snprintf(err, errlen, "Cannot read map image: too many entries (%u paths, %u nets, %u rules)",
			 h->n_paths, h->n_nets, h->n_rules);
		return -1;
	}
	size_t off = sizeof(*h);
	size_t need = off + (size_t)h->n_paths * sizeof(struct leash_image_path) +
		      (size_t)h->n_nets * sizeof(struct leash_image_net);
	if (len < need) {
		snprintf(err, errlen, "Cannot read map image: truncated entries (%zu of %zu bytes)", len, need);
		return -1;
	}
	out->hdr = h;
	out->paths = buf + off;
	off += (size_t)h->n_paths * sizeof(struct leash_image_path);
	out->nets = buf + off;
	off += (size_t)h->n_nets * sizeof(struct leash_image_net);
	for (__u32 i = 0; i < h->n_nets; i++) {
		struct leash_image_net n;
		memcpy(&n, out->nets + i * sizeof(n), sizeof(n));
		if (n.prefixlen > 128 || n.val.nports > LEASH_NET_PORTS) {
			snprintf(err, errlen, "Cannot read map image: network entry %u is invalid", i);
			return -1;
		}
	}
	out->rules = calloc(h->n_rules ? h->n_rules : 1, sizeof(char *));
	if (!out->rules) {
		snprintf(err, errlen, "Cannot read map image: out of memory");
		return -1;
	}
	for (__u32 i = 0; i < h->n_rules; i++) {
		__u16 n;
		if (len - off < 2) {
			snprintf(err, errlen, "Cannot read map image: truncated rule table");
			goto fail;
		}
		memcpy(&n, buf + off, 2);
		off += 2;
		if (len - off < n) {
			snprintf(err, errlen, "Cannot read map image: truncated rule table");
			goto fail;
		}
		out->rules[i] = strndup((const char *)buf + off, n);
		if (!out->rules[i]) {
			snprintf(err, errlen, "Cannot read map image: out of memory");
			goto fail;
		}
		out->n_rules = i + 1;
		off += n;
	}
	if (off != len) {
		snprintf(err, errlen, "Cannot read map image: %zu trailing bytes", len - off);
		goto fail;
	}
	return 0;
fail:
	free_rules(out->rules, out->n_rules);
	out->rules = NULL;
	return -1;
}

static int map_fd(struct kern_state *st, const char *name)
{
	struct bpf_map *map = bpf_object__find_map_by_name(st->shared, name);
	return map ? bpf_map__fd(map) : -1;
}

/* Deletes every entry of `slot` from a map whose keys carry the slot at slot_off:
 * collects the keys first (deleting while iterating restarts the walk), then deletes. */
static int clear_map_slot(int fd, size_t key_size, size_t slot_off, size_t slot_size, __u32 slot)
{
	unsigned char key[64], next[64];
	unsigned char *keys = NULL;
	size_t n = 0, cap = 0;
	int ret = 0;
	void *prev = NULL;
	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		__u32 s = 0;
		memcpy(&s, next + slot_off, slot_size);
		if (s == slot) {
			if (n == cap) {
				cap = cap ? cap * 2 : 256;
				unsigned char *grown = realloc(keys, cap * key_size);
				if (!grown) {
					ret = -ENOMEM;
					goto cleanup;
				}
				keys = grown;
			}
			memcpy(keys + n++ * key_size, next, key_size);
		}
		memcpy(key, next, key_size);
		prev = key;
	}
	for (size_t i = 0; i < n; i++) {
		if (bpf_map_delete_elem(fd, keys + i * key_size) && errno != ENOENT) {
			ret = -errno;
			goto cleanup;
		}
	}
cleanup:
	free(keys);
	return ret;
}

static int clear_slot(int path_fd, int net_fd, __u32 slot)
{
	int err = clear_map_slot(path_fd, sizeof(struct leash_path_key),
				 offsetof(struct leash_path_key, slot), 4, slot);
	if (err)
		return err;
	return clear_map_slot(net_fd, sizeof(struct leash_net_key), offsetof(struct leash_net_key, slot), 1,
			      slot);
}

int kern_apply_image(struct kern_state *st, const unsigned char *buf, size_t len, char *err,
		     size_t errlen)
{
	struct parsed_image img;
	int path_fd, net_fd, meta_fd, cfg_fd, ret = -1;
	__u32 slot, zero = 0;

	if (parse_image(buf, len, &img, err, errlen))
		return -1;
	path_fd = map_fd(st, "path_rules");
	net_fd = map_fd(st, "net_rules");
	meta_fd = map_fd(st, "policy_meta");
	cfg_fd = map_fd(st, "run_config");
	if (path_fd < 0 || net_fd < 0 || meta_fd < 0 || cfg_fd < 0) {
		snprintf(err, errlen, "Cannot install map image: the policy maps are not loaded");
		goto cleanup;
	}
	slot = st->slot < 0 ? 0 : (__u32)(1 - st->slot);
	if (clear_slot(path_fd, net_fd, slot)) {
		snprintf(err, errlen, "Cannot install map image: clearing slot %u: %s", slot, strerror(errno));
		goto cleanup;
	}
	for (__u32 i = 0; i < img.hdr->n_paths; i++) {
		struct leash_image_path e;
		memcpy(&e, img.paths + i * sizeof(e), sizeof(e));
		struct leash_path_key key = { .hash = e.hash, .len = e.len, .slot = slot };
		if (bpf_map_update_elem(path_fd, &key, &e.val, BPF_ANY)) {
			snprintf(err, errlen, "Cannot install map image: path entry %u: %s", i, strerror(errno));
			goto cleanup;
		}
	}
	for (__u32 i = 0; i < img.hdr->n_nets; i++) {
		struct leash_image_net e;
		memcpy(&e, img.nets + i * sizeof(e), sizeof(e));
		struct leash_net_key key = { .prefixlen = 8 + e.prefixlen, .slot = (__u8)slot };
		memcpy(key.addr, e.addr, 16);
		if (bpf_map_update_elem(net_fd, &key, &e.val, BPF_ANY)) {
			snprintf(err, errlen, "Cannot install map image: network entry %u: %s", i, strerror(errno));
			goto cleanup;
		}
	}
	struct leash_policy_meta meta = {
		.file_default = img.hdr->file_default,
		.net_default = img.hdr->net_default,
		.generation = img.hdr->generation,
	};
	if (bpf_map_update_elem(meta_fd, &slot, &meta, BPF_ANY)) {
		snprintf(err, errlen, "Cannot install map image: defaults: %s", strerror(errno));
		goto cleanup;
	}
	struct leash_config cfg = { .mode = st->mode, .slot = slot, .flags = st->flags };
	if (bpf_map_update_elem(cfg_fd, &zero, &cfg, BPF_ANY)) {
		snprintf(err, errlen, "Cannot install map image: flipping to slot %u: %s", slot, strerror(errno));
		goto cleanup;
	}
	st->slot = (int)slot;
	st->generation = img.hdr->generation;
	free_rules(st->rules.names, st->rules.n);
	st->rules.names = img.rules;
	st->rules.n = img.n_rules;
	img.rules = NULL;
	ret = 0;
cleanup:
	if (img.rules)
		free_rules(img.rules, img.n_rules);
	return ret;
}
