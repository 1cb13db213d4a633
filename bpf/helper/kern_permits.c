/* The destinations leash's DNS answered (map "dst_permits", bpf/include/leash_maps.h): the
 * host names each address before its DNS answer reaches the target, and the cgroup
 * programs redirect a TCP connect only to an address a rule or such an answer named. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kern.h"

static __u64 mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

/* IPv4 as ::ffff:a.b.c.d, IPv6 as is; -1 when text is neither. */
static int parse_addr(const char *text, struct leash_dst_key *key)
{
	struct in_addr v4;
	memset(key, 0, sizeof(*key));
	if (inet_pton(AF_INET, text, &v4) == 1) {
		key->addr[10] = 0xff;
		key->addr[11] = 0xff;
		memcpy(key->addr + 12, &v4, 4);
		return 0;
	}
	return inet_pton(AF_INET6, text, key->addr) == 1 ? 0 : -1;
}

int kern_dst_sweep(struct kern_state *st)
{
	int fd = kern_net_map_fd(st, "dst_permits"), removed = 0, n = 0;
	if (fd < 0)
		return 0;
	struct leash_dst_key *expired = malloc(LEASH_DST_PERMITS_MAX * sizeof(*expired));
	if (!expired)
		return 0;
	__u64 now = mono_ns();
	struct leash_dst_key key, next;
	struct leash_dst_permit val;
	/* collect first: deleting while walking would restart the walk */
	for (void *prev = NULL; n < LEASH_DST_PERMITS_MAX && bpf_map_get_next_key(fd, prev, &next) == 0; prev = &key) {
		key = next;
		if (bpf_map_lookup_elem(fd, &key, &val) == 0 && val.expires_ns <= now)
			expired[n++] = key;
	}
	for (int i = 0; i < n; i++)
		removed += bpf_map_delete_elem(fd, &expired[i]) == 0;
	free(expired);
	return removed;
}

int kern_dst_permit(struct kern_state *st, const char *addrs, __u64 ttl_s, char *err, size_t errlen)
{
	int fd = kern_net_map_fd(st, "dst_permits"), n = 0;
	if (fd < 0)
		return 0; /* no cgroup-net: nothing redirects, nothing to name */
	struct leash_dst_permit val = { .expires_ns = mono_ns() + ttl_s * 1000000000ULL };
	char word[64];
	const char *p = addrs;
	while (*p) {
		size_t len = strcspn(p, " ");
		if (len == 0) {
			p++;
			continue;
		}
		struct leash_dst_key key;
		if (len >= sizeof(word) || (memcpy(word, p, len), word[len] = '\0', parse_addr(word, &key))) {
			snprintf(err, errlen, "Cannot permit destination \"%.*s\": not an IP address", (int)(len > 64 ? 64 : len), p);
			return -1;
		}
		int e = bpf_map_update_elem(fd, &key, &val, BPF_ANY) ? errno : 0;
		if (e == E2BIG && kern_dst_sweep(st) > 0)
			e = bpf_map_update_elem(fd, &key, &val, BPF_ANY) ? errno : 0;
		if (e) {
			if (e == E2BIG)
				snprintf(err, errlen,
					 "Cannot permit destination \"%s\": the table of DNS-named addresses is full (%u entries, none expired)",
					 word, LEASH_DST_PERMITS_MAX);
			else
				snprintf(err, errlen, "Cannot permit destination \"%s\": %s", word, strerror(e));
			return -1;
		}
		n++;
		p += len;
	}
	return n;
}
