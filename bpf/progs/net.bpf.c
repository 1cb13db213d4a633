// SPDX-License-Identifier: GPL-2.0
/* cgroup-net layer, attached to the target's cgroup v2 (descendants included):
 *  - connect4/6: TCP to anything but loopback is redirected to the transparent relay
 *    (127.0.0.1:15001 / [::1]:15001) and its original destination is recorded: by socket
 *    cookie at connect, then by the client's local port once bound (sock_ops), which is
 *    what the relay sees on accept. IP/CIDR forbids are refused here (EPERM) with an event,
 *    and so is every address that neither an IP/CIDR rule of the policy nor an answer of
 *    leash's DNS to this session named (dst_permits): such a connect fails at once instead
 *    of reaching the relay.
 *  - connect4/6 + sendmsg4/6 for UDP: port 53 is redirected to the DNS relay (15053);
 *    every other non-loopback UDP destination is refused (no QUIC, no UDP exfiltration).
 *    recvmsg4/6 restore the original source of DNS answers.
 *  - sock_create: raw and packet sockets are refused. */
#include "common.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64); /* socket cookie */
	__type(value, struct leash_orig_dst);
} orig_by_cookie SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32); /* family << 16 | local port */
	__type(value, struct leash_orig_dst);
} orig_by_port SEC(".maps");

/* UDP sockets whose DNS traffic went to the relay: original resolver, by cookie. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct leash_orig_dst);
} dns_orig SEC(".maps");

/* Addresses leash's DNS answered this session, until when (filled by the manager). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LEASH_DST_PERMITS_MAX);
	__type(key, struct leash_dst_key);
	__type(value, struct leash_dst_permit);
} dst_permits SEC(".maps");

struct dst {
	__u16 family; /* socket family */
	__u16 port;   /* host order */
	__u8 addr[16]; /* v4-mapped for IPv4 */
	bool v4;      /* IPv4 destination (also v4-mapped on an IPv6 socket) */
};

static __always_inline void report(__u16 kind, __u32 mode, struct verdict *v, __u32 rule,
				   struct dst *d, __u32 type, __u8 extra_flags)
{
	struct scratch *s = get_scratch();
	if (!s)
		return;
	event_init(&s->ev, kind, LEASH_LAYER_CGROUP, mode);
	s->ev.decision = v->block ? LEASH_DEC_DENY : LEASH_DEC_ALLOW;
	s->ev.flags = v->flags | extra_flags;
	s->ev.rule = rule;
	s->ev.family = d->family;
	s->ev.port = d->port;
	s->ev.sock_type = type;
	s->ev.access = type == SOCK_DGRAM ? IPPROTO_UDP : IPPROTO_TCP;
	__builtin_memcpy(s->ev.addr, d->addr, 16);
	event_send(s, 0);
}

static __always_inline void rewrite(struct bpf_sock_addr *ctx, struct dst *d, __u16 port)
{
	if (d->family == AF_INET) {
		ctx->user_ip4 = bpf_htonl(0x7f000001);
	} else if (d->v4) {
		ctx->user_ip6[0] = 0;
		ctx->user_ip6[1] = 0;
		ctx->user_ip6[2] = bpf_htonl(0xffff);
		ctx->user_ip6[3] = bpf_htonl(0x7f000001);
	} else {
		ctx->user_ip6[0] = 0;
		ctx->user_ip6[1] = 0;
		ctx->user_ip6[2] = 0;
		ctx->user_ip6[3] = bpf_htonl(1);
	}
	ctx->user_port = bpf_htons(port);
}

static __always_inline void remember(bool dns, __u64 cookie, struct dst *d)
{
	struct leash_orig_dst o = { .cookie = cookie, .family = d->v4 ? AF_INET : AF_INET6, .port = d->port };
	if (d->v4)
		__builtin_memcpy(o.addr, d->addr + 12, 4);
	else
		__builtin_memcpy(o.addr, d->addr, 16);
	if (dns)
		bpf_map_update_elem(&dns_orig, &cookie, &o, BPF_ANY);
	else
		bpf_map_update_elem(&orig_by_cookie, &cookie, &o, BPF_ANY);
}

/* Whether the policy names the address (an IP/CIDR permit of some port) or leash's DNS gave the
 * address to this session and the permit has not expired. */
static __always_inline bool named(__u32 slot, const __u8 *addr)
{
	struct leash_net_key key = { .prefixlen = 8 + 128, .slot = (__u8)slot };
	__builtin_memcpy(key.addr, addr, 16);
	struct leash_net_val *v = bpf_map_lookup_elem(&net_rules, &key);
	if (v && v->named)
		return true;
	struct leash_dst_key dk;
	__builtin_memcpy(dk.addr, addr, 16);
	struct leash_dst_permit *p = bpf_map_lookup_elem(&dst_permits, &dk);
	return p && p->expires_ns > bpf_ktime_get_ns();
}

/* Shared body of connect4/6 and sendmsg4/6; returns 1 to let the call proceed, 0 to refuse. */
static __always_inline int govern(struct bpf_sock_addr *ctx, struct dst *d, bool is_sendmsg)
{
	__u32 type = ctx->type;
	struct leash_config *cfg = get_config();
	__u32 mode = cfg ? cfg->mode : LEASH_MODE_ENFORCE;
	__u32 rule = 0;
	int deny = net_denied(cfg ? cfg->slot : 0, d->addr, d->port, &rule);
	__u16 to = 0;
	__u8 why = 0;
	if (type == SOCK_STREAM && !is_sendmsg) {
		to = LEASH_PORT_TRANSPARENT;
		if (!deny && !named(cfg ? cfg->slot : 0, d->addr)) {
			deny = 1;
			why = LEASH_EVF_UNNAMED;
		}
	} else if (type == SOCK_DGRAM) {
		if (d->port == 53)
			to = LEASH_PORT_DNS;
		else
			deny = 1;
	} else {
		deny = 1;
	}
	struct verdict v = apply_mode(cfg, deny);
	if (v.block) {
		report(is_sendmsg ? LEASH_EV_SENDMSG : LEASH_EV_CONNECT, mode, &v, rule, d, type, why);
		return 0;
	}
	if (!to) {
		if (v.report)
			report(is_sendmsg ? LEASH_EV_SENDMSG : LEASH_EV_CONNECT, mode, &v, rule, d, type, 0);
		return 1;
	}
	__u64 cookie = bpf_get_socket_cookie(ctx);
	remember(to == LEASH_PORT_DNS, cookie, d);
	rewrite(ctx, d, to);
	/* TCP rewrites are always reported (the relay log starts here); DNS by mode. */
	if (v.report || to == LEASH_PORT_TRANSPARENT)
		report(is_sendmsg ? LEASH_EV_SENDMSG : LEASH_EV_CONNECT, mode, &v, rule, d, type,
		       LEASH_EVF_REWRITTEN | why);
	return 1;
}

static __always_inline int handle4(struct bpf_sock_addr *ctx, bool is_sendmsg)
{
	__u32 ip4 = ctx->user_ip4;
	if (is_loopback4(ip4))
		return 1;
	struct dst d = { .family = AF_INET, .port = bpf_ntohs(ctx->user_port), .v4 = true };
	v4_mapped(d.addr, ip4);
	return govern(ctx, &d, is_sendmsg);
}

static __always_inline int handle6(struct bpf_sock_addr *ctx, bool is_sendmsg)
{
	__u32 ip6[4];
	ip6[0] = ctx->user_ip6[0];
	ip6[1] = ctx->user_ip6[1];
	ip6[2] = ctx->user_ip6[2];
	ip6[3] = ctx->user_ip6[3];
	if (is_loopback6(ip6))
		return 1;
	struct dst d = { .family = AF_INET6, .port = bpf_ntohs(ctx->user_port), .v4 = is_v4_mapped(ip6) };
	__builtin_memcpy(d.addr, ip6, 16);
	return govern(ctx, &d, is_sendmsg);
}

SEC("cgroup/connect4")
int leash_connect4(struct bpf_sock_addr *ctx)
{
	return handle4(ctx, false);
}

SEC("cgroup/connect6")
int leash_connect6(struct bpf_sock_addr *ctx)
{
	return handle6(ctx, false);
}

SEC("cgroup/sendmsg4")
int leash_sendmsg4(struct bpf_sock_addr *ctx)
{
	return handle4(ctx, true);
}

SEC("cgroup/sendmsg6")
int leash_sendmsg6(struct bpf_sock_addr *ctx)
{
	return handle6(ctx, true);
}

/* DNS answers come from the relay; show the resolver the application asked. */
SEC("cgroup/recvmsg4")
int leash_recvmsg4(struct bpf_sock_addr *ctx)
{
	if (ctx->user_ip4 != bpf_htonl(0x7f000001) || ctx->user_port != bpf_htons(LEASH_PORT_DNS))
		return 1;
	__u64 cookie = bpf_get_socket_cookie(ctx);
	struct leash_orig_dst *o = bpf_map_lookup_elem(&dns_orig, &cookie);
	if (!o || o->family != AF_INET)
		return 1;
	__u32 ip4;
	__builtin_memcpy(&ip4, o->addr, 4);
	ctx->user_ip4 = ip4;
	ctx->user_port = bpf_htons(o->port);
	return 1;
}

SEC("cgroup/recvmsg6")
int leash_recvmsg6(struct bpf_sock_addr *ctx)
{
	if (ctx->user_port != bpf_htons(LEASH_PORT_DNS))
		return 1;
	__u64 cookie = bpf_get_socket_cookie(ctx);
	struct leash_orig_dst *o = bpf_map_lookup_elem(&dns_orig, &cookie);
	if (!o)
		return 1;
	if (o->family == AF_INET) {
		__u32 ip4;
		__builtin_memcpy(&ip4, o->addr, 4);
		ctx->user_ip6[0] = 0;
		ctx->user_ip6[1] = 0;
		ctx->user_ip6[2] = bpf_htonl(0xffff);
		ctx->user_ip6[3] = ip4;
	} else {
		__u32 w[4];
		__builtin_memcpy(w, o->addr, 16);
		ctx->user_ip6[0] = w[0];
		ctx->user_ip6[1] = w[1];
		ctx->user_ip6[2] = w[2];
		ctx->user_ip6[3] = w[3];
	}
	ctx->user_port = bpf_htons(o->port);
	return 1;
}

/* Once the kernel bound the client's local port, key the original destination by it. */
SEC("sockops")
int leash_sockops(struct bpf_sock_ops *skops)
{
	if (skops->op != BPF_SOCK_OPS_TCP_CONNECT_CB)
		return 1;
	__u64 cookie = bpf_get_socket_cookie(skops);
	struct leash_orig_dst *o = bpf_map_lookup_elem(&orig_by_cookie, &cookie);
	if (!o)
		return 1;
	struct leash_orig_dst copy = *o;
	__u32 key = (skops->family << 16) | (skops->local_port & 0xffff);
	bpf_map_update_elem(&orig_by_port, &key, &copy, BPF_ANY);
	bpf_map_delete_elem(&orig_by_cookie, &cookie);
	return 1;
}

SEC("cgroup/sock_create")
int leash_sock_create(struct bpf_sock *ctx)
{
	__u32 family = ctx->family, type = ctx->type;
	if (family != AF_PACKET && type != SOCK_RAW)
		return 1;
	struct leash_config *cfg = get_config();
	struct verdict v = apply_mode(cfg, 1);
	if (v.report) {
		struct scratch *s = get_scratch();
		if (s) {
			event_init(&s->ev, LEASH_EV_SOCKET, LEASH_LAYER_CGROUP, cfg ? cfg->mode : 0);
			s->ev.decision = v.block ? LEASH_DEC_DENY : LEASH_DEC_ALLOW;
			s->ev.flags = v.flags;
			s->ev.family = family;
			s->ev.sock_type = type;
			s->ev.access = ctx->protocol;
			event_send(s, 0);
		}
	}
	return v.block ? 0 : 1;
}
