/* leash-helper manager. The control-socket mode (manager_control.c, docs/protocol.md) is
 * what leash runs; the standalone mode here drives the same kern_* functions by flags, a
 * map image file and line commands on stdin, with events as JSON lines on stdout (or
 * --events FILE), for tests and debugging. Stdin EOF tears everything down, like control
 * EOF. */
#define _GNU_SOURCE
#include <errno.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "leash_maps.h"
#include "kern.h"
#include "manager_control.h"
#include "roles.h"
#include "sock_owner.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int libbpf_to_stderr(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: leash-helper manager --control PATH --proxy PATH --dns PATH [--socket-owner UID:GID]\n"
		"       leash-helper manager --standalone --cgroup DIR [--maps FILE] [--mode MODE]\n"
		"         [--events FILE|-] [--observe auto|on|off] [--no-lsm] [--no-cgroup-net]\n"
		"         [--log-allow] [--ring-size BYTES]\n"
		"  --socket-owner: connect to the three sockets with this filesystem uid and gid (the\n"
		"    session owner's; needs CAP_SETUID and CAP_SETGID)\n"
		"  MODE: record | shadow | enforce (default enforce)\n"
		"  stdin commands, one per line: mode MODE | maps FILE | orig 4|6 PORT | drops | pause |\n"
		"  resume | stop\n"
		"  (stdin EOF stops and detaches everything)\n");
}

static void emit_error(FILE *out, const char *msg)
{
	fputs("{\"event\":\"helper.error\",\"message\":", out);
	kern_json_str(out, msg, strlen(msg));
	fputs("}\n", out);
	fflush(out);
}

static int read_file(const char *path, unsigned char **buf, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	unsigned char *data = NULL;
	size_t n = 0, cap = 0;
	int ret = -1;
	if (!f) {
		snprintf(err, errlen, "Cannot read map image \"%s\": %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			unsigned char *grown = realloc(data, cap);
			if (!grown) {
				snprintf(err, errlen, "Cannot read map image \"%s\": out of memory", path);
				goto cleanup;
			}
			data = grown;
		}
		size_t got = fread(data + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "Cannot read map image \"%s\": read error", path);
		goto cleanup;
	}
	*buf = data;
	*len = n;
	data = NULL;
	ret = 0;
cleanup:
	free(data);
	fclose(f);
	return ret;
}

static int load_image_file(struct kern_state *st, const char *path)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	char err[KERN_ERR_MAX + 64];
	if (read_file(path, &buf, &len, err, sizeof(err)) ||
	    kern_apply_image(st, buf, len, err, sizeof(err))) {
		emit_error(st->out, err);
		free(buf);
		return -1;
	}
	free(buf);
	fprintf(st->out, "{\"event\":\"helper.policy\",\"generation\":%u,\"slot\":%d,\"rules\":%u}\n",
		st->generation, st->slot, st->rules.n);
	fflush(st->out);
	return 0;
}

static void print_active(struct kern_state *st)
{
	static const char *layers[] = { "kernel-lsm", "cgroup-net", "observe" };
	FILE *f = st->out;
	fprintf(f, "{\"event\":\"helper.active\",\"mode\":\"%s\",\"cgroup\":%llu,\"level\":%u,\"layers\":{",
		kern_mode_name(st->mode), (unsigned long long)st->cgroup_id, st->cgroup_level);
	for (size_t l = 0; l < sizeof(layers) / sizeof(layers[0]); l++) {
		int ok = 0, total = 0;
		for (int i = 0; i < st->n_results; i++) {
			if (strcmp(st->results[i].layer, layers[l]) != 0)
				continue;
			total++;
			ok += st->results[i].err == 0;
		}
		const char *status = total == 0 ? "off" : ok == total ? "active" : ok ? "degraded" : "off";
		fprintf(f, "%s\"%s\":\"%s\"", l ? "," : "", layers[l], status);
	}
	fputs("},\"programs\":[", f);
	for (int i = 0; i < st->n_results; i++) {
		struct kern_prog_result *r = &st->results[i];
		fprintf(f, "%s{\"layer\":\"%s\",\"name\":\"%s\",\"status\":", i ? "," : "", r->layer, r->name);
		if (r->err == 0) {
			fputs("\"ok\"", f);
		} else {
			char msg[128];
			snprintf(msg, sizeof(msg), "%s: %s", r->step, strerror(r->err));
			fprintf(f, "\"errno %d\",\"error\":", r->err);
			kern_json_str(f, msg, strlen(msg));
		}
		fputc('}', f);
	}
	fputs("]}\n", f);
	fflush(f);
}

/* Handles one stdin command line; returns 1 to stop. */
static int handle_command(struct kern_state *st, char *line, int *paused)
{
	line[strcspn(line, "\r\n")] = '\0';
	if (line[0] == '\0')
		return 0;
	if (strncmp(line, "mode ", 5) == 0) {
		int mode = kern_mode_parse(line + 5);
		if (mode < 0) {
			char msg[300];
			snprintf(msg, sizeof(msg), "Cannot set mode \"%.200s\": use record, shadow or enforce", line + 5);
			emit_error(st->out, msg);
			return 0;
		}
		int err = kern_set_mode(st, (__u32)mode);
		if (err) {
			emit_error(st->out, "Cannot set mode: updating the config map failed");
			return 0;
		}
		fprintf(st->out, "{\"event\":\"helper.mode\",\"mode\":\"%s\"}\n", kern_mode_name(st->mode));
	} else if (strncmp(line, "maps ", 5) == 0) {
		load_image_file(st, line + 5);
	} else if (strncmp(line, "orig ", 5) == 0) {
		/* orig 4|6 PORT: what the relay will ask for an accepted connection */
		unsigned fam = 0, port = 0;
		struct leash_orig_dst o;
		char addr[INET6_ADDRSTRLEN] = "";
		if (sscanf(line + 5, "%u %u", &fam, &port) != 2 || (fam != 4 && fam != 6) || port > 65535) {
			emit_error(st->out, "Cannot look up orig: use orig 4|6 PORT");
			return 0;
		}
		if (kern_orig_dst(st, fam == 4 ? AF_INET : AF_INET6, (__u16)port, &o)) {
			fprintf(st->out, "{\"event\":\"helper.orig\",\"found\":false,\"local_port\":%u}\n", port);
		} else {
			inet_ntop(o.family, o.addr, addr, sizeof(addr));
			fprintf(st->out,
				"{\"event\":\"helper.orig\",\"found\":true,\"local_port\":%u,\"addr\":\"%s\",\"port\":%u}\n",
				port, addr, o.port);
		}
	} else if (strncmp(line, "permit ", 7) == 0) {
		/* permit TTL ADDR...: as the control protocol's dst.permit (a DNS answer) */
		unsigned long long ttl = 0;
		int used = 0;
		char msg[512];
		if (sscanf(line + 7, "%llu %n", &ttl, &used) != 1 || ttl == 0 || !used) {
			emit_error(st->out, "Cannot permit: use permit TTL ADDR...");
			return 0;
		}
		int n = kern_dst_permit(st, line + 7 + used, ttl, msg, sizeof(msg));
		if (n < 0)
			emit_error(st->out, msg);
		else
			fprintf(st->out, "{\"event\":\"helper.permitted\",\"count\":%d}\n", n);
	} else if (strcmp(line, "drops") == 0) {
		fprintf(st->out, "{\"event\":\"kernel.drops\",\"dropped\":%llu}\n",
			(unsigned long long)kern_drops(st));
	} else if (strcmp(line, "pause") == 0) {
		*paused = 1;
		fprintf(st->out, "{\"event\":\"helper.paused\"}\n");
	} else if (strcmp(line, "resume") == 0) {
		*paused = 0;
		fprintf(st->out, "{\"event\":\"helper.resumed\"}\n");
	} else if (strcmp(line, "stop") == 0) {
		return 1;
	} else {
		char msg[300];
		snprintf(msg, sizeof(msg), "Unknown command \"%.200s\": use mode, maps, orig, permit, drops, pause, resume or stop",
			 line);
		emit_error(st->out, msg);
	}
	fflush(st->out);
	return 0;
}

static int run_loop(struct kern_state *st)
{
	char line[4096];
	size_t used = 0;
	int paused = 0, stdin_open = 1;
	while (!stop_requested) {
		struct pollfd fds[2] = {
			{ .fd = stdin_open ? STDIN_FILENO : -1, .events = POLLIN },
			{ .fd = paused ? -1 : kern_events_fd(st), .events = POLLIN },
		};
		int n = poll(fds, 2, 200);
		if (n < 0 && errno != EINTR)
			return -1;
		if (!paused)
			kern_poll(st, 0);
		kern_report_drops(st);
		if (n <= 0 || !(fds[0].revents & (POLLIN | POLLHUP)))
			continue;
		ssize_t got = read(STDIN_FILENO, line + used, sizeof(line) - 1 - used);
		if (got <= 0) {
			stdin_open = 0;
			break; /* EOF: the driver is gone; fail closed by detaching everything */
		}
		used += (size_t)got;
		line[used] = '\0';
		char *nl;
		while ((nl = memchr(line, '\n', used))) {
			*nl = '\0';
			int stop = handle_command(st, line, &paused);
			size_t consumed = (size_t)(nl - line) + 1;
			memmove(line, nl + 1, used - consumed);
			used -= consumed;
			line[used] = '\0';
			if (stop)
				return 0;
		}
		if (used == sizeof(line) - 1) {
			emit_error(st->out, "Cannot read command: line too long");
			used = 0;
		}
	}
	return 0;
}

int manager_main(int argc, char **argv)
{
	struct kern_opts opts = { .mode = LEASH_MODE_ENFORCE, .observe = KERN_OBSERVE_AUTO, .lsm = true,
				  .cgroup_net = true };
	struct kern_state st = { .cgroup_fd = -1, .slot = -1, .out = stdout };
	const char *maps = NULL, *events = "-";
	struct manager_control_options control = { 0 };
	char err[KERN_ERR_MAX + 64];
	int standalone = 0, ret = 1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--standalone") == 0) {
			standalone = 1;
		} else if (strcmp(a, "--control") == 0 && v) {
			control.control = v;
			i++;
		} else if (strcmp(a, "--proxy") == 0 && v) {
			control.proxy = v;
			i++;
		} else if (strcmp(a, "--dns") == 0 && v) {
			control.dns = v;
			i++;
		} else if (strcmp(a, "--socket-owner") == 0 && v) {
			if (sock_owner_parse(v)) {
				fprintf(stderr, "leash-helper manager: Cannot use --socket-owner \"%s\": use UID:GID\n", v);
				return 2;
			}
			i++;
		} else if (strcmp(a, "--cgroup") == 0 && v) {
			opts.cgroup_path = v;
			i++;
		} else if (strcmp(a, "--maps") == 0 && v) {
			maps = v;
			i++;
		} else if (strcmp(a, "--events") == 0 && v) {
			events = v;
			i++;
		} else if (strcmp(a, "--mode") == 0 && v) {
			int m = kern_mode_parse(v);
			if (m < 0) {
				fprintf(stderr, "leash-helper manager: Cannot use mode \"%s\": use record, shadow or enforce\n", v);
				return 2;
			}
			opts.mode = (__u32)m;
			i++;
		} else if (strcmp(a, "--observe") == 0 && v) {
			if (strcmp(v, "on") == 0)
				opts.observe = KERN_OBSERVE_ON;
			else if (strcmp(v, "off") == 0)
				opts.observe = KERN_OBSERVE_OFF;
			else if (strcmp(v, "auto") == 0)
				opts.observe = KERN_OBSERVE_AUTO;
			else {
				fprintf(stderr, "leash-helper manager: Cannot use --observe \"%s\": use auto, on or off\n", v);
				return 2;
			}
			i++;
		} else if (strcmp(a, "--ring-size") == 0 && v) {
			opts.ring_size = (__u32)strtoul(v, NULL, 0);
			i++;
		} else if (strcmp(a, "--no-lsm") == 0) {
			opts.lsm = false;
		} else if (strcmp(a, "--no-cgroup-net") == 0) {
			opts.cgroup_net = false;
		} else if (strcmp(a, "--log-allow") == 0) {
			opts.log_allow = true;
		} else {
			usage();
			return 2;
		}
	}
	if (!standalone) {
		if (!control.control || !control.proxy || !control.dns) {
			usage();
			return 2;
		}
		return manager_control_main(&control);
	}
	if (!opts.cgroup_path) {
		usage();
		return 2;
	}
	if (strcmp(events, "-") != 0) {
		st.out = fopen(events, "a");
		if (!st.out) {
			fprintf(stderr, "leash-helper manager: Cannot open events file \"%s\": %s\n", events,
				strerror(errno));
			return 1;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	libbpf_set_print(libbpf_to_stderr);

	if (kern_open_cgroup(&st, opts.cgroup_path, err, sizeof(err))) {
		emit_error(st.out, err);
		goto cleanup;
	}
	if (kern_activate(&st, &opts, err, sizeof(err))) {
		print_active(&st);
		emit_error(st.out, err);
		goto cleanup;
	}
	if (maps && load_image_file(&st, maps))
		goto cleanup;
	print_active(&st);
	if (run_loop(&st))
		goto cleanup;
	ret = 0;
cleanup:
	if (st.ring)
		kern_poll(&st, 0);
	kern_report_drops(&st);
	kern_teardown(&st);
	fprintf(st.out, "{\"event\":\"helper.stopped\"}\n");
	fflush(st.out);
	if (st.out != stdout)
		fclose(st.out);
	return ret;
}
