/* Kernel events → JSON lines (DESIGN.md §6 field names), and the drop counter. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "leash_maps.h"
#include "kern.h"

void kern_json_str(FILE *f, const char *s, size_t n)
{
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static const char *kind_name(__u16 kind)
{
	switch (kind) {
	case LEASH_EV_FILE_OPEN:
		return "file.open";
	case LEASH_EV_EXEC:
		return "proc.exec";
	case LEASH_EV_CONNECT:
		return "net.connect";
	case LEASH_EV_SENDMSG:
		return "net.send";
	case LEASH_EV_SOCKET:
		return "net.socket";
	default:
		return "kernel.unknown";
	}
}

static const char *layer_name(__u8 layer)
{
	switch (layer) {
	case LEASH_LAYER_LSM:
		return "kernel-lsm";
	case LEASH_LAYER_CGROUP:
		return "cgroup-net";
	default:
		return "observe";
	}
}

static void print_access(FILE *f, __u8 acc)
{
	const char *sep = "";
	fputs(",\"access\":\"", f);
	if (acc & LEASH_ACC_READ) {
		fputs("read", f);
		sep = ",";
	}
	if (acc & LEASH_ACC_WRITE) {
		fprintf(f, "%swrite", sep);
		sep = ",";
	}
	if (acc & LEASH_ACC_EXEC)
		fprintf(f, "%sexec", sep);
	fputc('"', f);
}

static void print_addr(FILE *f, const struct leash_event *ev)
{
	char text[INET6_ADDRSTRLEN];
	static const __u8 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	bool v4 = memcmp(ev->addr, mapped, 12) == 0;
	if (v4)
		inet_ntop(AF_INET, ev->addr + 12, text, sizeof(text));
	else
		inet_ntop(AF_INET6, ev->addr, text, sizeof(text));
	fprintf(f, ",\"addr\":\"%s\",\"port\":%u,\"family\":\"%s\"", text, ev->port,
		ev->family == 10 ? "ipv6" : "ipv4");
}

static void print_exe(FILE *f, __u32 pid)
{
	char link[64], exe[4096];
	snprintf(link, sizeof(link), "/proc/%u/exe", pid);
	ssize_t n = readlink(link, exe, sizeof(exe));
	if (n > 0) {
		fputs(",\"exe\":", f);
		kern_json_str(f, exe, (size_t)n);
	}
}

void kern_print_event(struct kern_state *st, const void *data, size_t size)
{
	const struct leash_event *ev = data;
	FILE *f = st->out;
	struct timespec ts;
	if (size < sizeof(*ev))
		return;
	const char *payload = (const char *)data + sizeof(*ev);
	size_t avail = size - sizeof(*ev);
	size_t path_len = ev->path_len < avail ? ev->path_len : avail;
	size_t argv_len = ev->argv_len < avail - path_len ? ev->argv_len : avail - path_len;

	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(f, "{\"event\":\"%s\",\"time_ns\":%lld,\"layer\":\"%s\",\"mode\":\"%s\",\"decision\":\"%s\"",
		kind_name(ev->kind), (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec, layer_name(ev->layer),
		kern_mode_name(ev->mode), ev->decision == LEASH_DEC_DENY ? "deny" : "allow");
	fprintf(f, ",\"would_deny\":%s", (ev->flags & LEASH_EVF_WOULD_DENY) ? "true" : "false");
	if (ev->layer == LEASH_LAYER_OBSERVE && ev->ret < 0)
		fprintf(f, ",\"errno\":%d", -ev->ret);
	fprintf(f, ",\"pid\":%u,\"tid\":%u,\"cgroup\":%llu,\"comm\":", ev->pid, ev->tid,
		(unsigned long long)ev->cgroup);
	kern_json_str(f, ev->comm, strnlen(ev->comm, sizeof(ev->comm)));
	if (ev->kind == LEASH_EV_EXEC && path_len) {
		fputs(",\"exe\":", f);
		kern_json_str(f, payload, path_len);
	} else {
		print_exe(f, ev->pid);
	}
	fputs(",\"rule\":", f);
	if (ev->rule && ev->rule <= st->rules.n)
		kern_json_str(f, st->rules.names[ev->rule - 1], strlen(st->rules.names[ev->rule - 1]));
	else
		fputs("null", f);
	switch (ev->kind) {
	case LEASH_EV_FILE_OPEN:
	case LEASH_EV_EXEC:
		print_access(f, ev->access);
		fputs(",\"path\":", f);
		kern_json_str(f, payload, path_len);
		if (ev->kind == LEASH_EV_EXEC) {
			fputs(",\"argv\":[", f);
			const char *a = payload + path_len, *end = a + argv_len;
			bool first = true;
			while (a < end) {
				size_t n = strnlen(a, (size_t)(end - a));
				if (!first)
					fputc(',', f);
				kern_json_str(f, a, n);
				first = false;
				a += n + 1;
			}
			fputc(']', f);
		}
		break;
	case LEASH_EV_CONNECT:
	case LEASH_EV_SENDMSG:
		print_addr(f, ev);
		fprintf(f, ",\"proto\":\"%s\"", ev->access == 17 ? "udp" : "tcp");
		if (ev->flags & LEASH_EVF_REWRITTEN)
			fprintf(f, ",\"relay_port\":%u", ev->access == 17 ? LEASH_PORT_DNS : LEASH_PORT_TRANSPARENT);
		if (ev->flags & LEASH_EVF_UNNAMED)
			fputs(",\"unnamed\":true,\"message\":\"no IP rule of the policy and no answer of leash's DNS "
			      "to this session named the address\"", f);
		break;
	case LEASH_EV_SOCKET:
		fprintf(f, ",\"family\":%u,\"sock_type\":%u,\"protocol\":%u", ev->family, ev->sock_type,
			ev->access);
		break;
	}
	if (ev->kind == LEASH_EV_EXEC && ev->sock_type)
		fprintf(f, ",\"via\":\"%s\"", ev->sock_type == LEASH_VIA_MMAP ? "mmap" : "mprotect");
	if (ev->flags & LEASH_EVF_NO_PATH)
		fprintf(f, ",\"path_unresolved\":true,\"errno\":%d", -ev->ret);
	if (ev->flags & LEASH_EVF_TRUNCATED)
		fputs(",\"truncated\":true", f);
	fputs("}\n", f);
}

static int on_event(void *ctx, void *data, size_t size)
{
	kern_print_event(ctx, data, size);
	return 0;
}

int kern_events_fd(struct kern_state *st)
{
	return st->ring ? ring_buffer__epoll_fd(st->ring) : -1;
}

/* Sum of a per-CPU counter map of the shared object (0 when it has none). */
static __u64 percpu_sum(struct kern_state *st, const char *name)
{
	struct bpf_map *map = st->shared ? bpf_object__find_map_by_name(st->shared, name) : NULL;
	int ncpu = libbpf_num_possible_cpus();
	__u64 total = 0, *vals;
	__u32 zero = 0;
	if (!map || ncpu <= 0)
		return 0;
	vals = calloc((size_t)ncpu, sizeof(__u64));
	if (!vals)
		return 0;
	if (bpf_map_lookup_elem(bpf_map__fd(map), &zero, vals) == 0)
		for (int i = 0; i < ncpu; i++)
			total += vals[i];
	free(vals);
	return total;
}

__u64 kern_path_errors(struct kern_state *st)
{
	return percpu_sum(st, "path_errors");
}

int kern_poll(struct kern_state *st, int timeout_ms)
{
	if (!st->ring)
		return -EINVAL;
	int n = ring_buffer__poll(st->ring, timeout_ms);
	__u64 errs = n > 0 ? kern_path_errors(st) : st->path_errors_reported;
	if (errs != st->path_errors_reported) {
		st->path_errors_reported = errs;
		fprintf(st->out, "{\"event\":\"kernel.path_errors\",\"count\":%llu}\n", (unsigned long long)errs);
	}
	fflush(st->out);
	return n;
}

__u64 kern_drops(struct kern_state *st)
{
	return percpu_sum(st, "drops");
}

void kern_report_drops(struct kern_state *st)
{
	__u64 n = kern_drops(st);
	if (n == st->drops_reported)
		return;
	st->drops_reported = n;
	fprintf(st->out, "{\"event\":\"kernel.drops\",\"dropped\":%llu}\n", (unsigned long long)n);
	fflush(st->out);
}

struct ring_buffer *kern_ring_new(struct kern_state *st, int map_fd)
{
	return ring_buffer__new(map_fd, on_event, st, NULL);
}
