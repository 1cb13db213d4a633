/* The manager's "activate" (docs/protocol.md): check the message, attach the requested
 * layers to the target's cgroup, apply the map image, start the relay and the lifeline
 * listener, then answer "active" with each layer's status; any failure undoes it all. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include "manager_control_internal.h"
#include "cgroup_path.h"
#include "json.h"

static const char *errno_name(int err)
{
	switch (err) {
	case EPERM:
		return "EPERM";
	case EACCES:
		return "EACCES";
	case EINVAL:
		return "EINVAL";
	case ENOENT:
		return "ENOENT";
	case EOPNOTSUPP:
		return "EOPNOTSUPP";
	case E2BIG:
		return "E2BIG";
	case 524:
		return "ENOTSUPP";
	default:
		return "ERROR";
	}
}

/* "ok", or the first failure of a layer's programs ("EPERM: attach: Operation not permitted"). */
static void layer_status(struct kern_state *st, const char *layer, char *out, size_t outlen)
{
	int total = 0;
	snprintf(out, outlen, "off: not loaded");
	for (int i = 0; i < st->n_results; i++) {
		struct kern_prog_result *r = &st->results[i];
		if (strcmp(r->layer, layer) != 0)
			continue;
		if (r->err) {
			snprintf(out, outlen, "%s: %s: %s (%s)", errno_name(r->err), r->step, strerror(r->err),
				 r->name);
			return;
		}
		total++;
	}
	if (total)
		snprintf(out, outlen, "ok");
}

static void on_ring_event(struct relay_handler *h, uint32_t events)
{
	struct control *c = (struct control *)((char *)h - offsetof(struct control, ring_h));
	(void)events;
	kern_poll(&c->kern, 0);
}

static void on_lifeline(void *ctx, const char *state)
{
	struct control *c = ctx;
	ctl_send_fmt(c, "{\"type\":\"lifeline\",\"state\":\"%s\"}\n", state);
}

void ctl_deactivate(struct control *c)
{
	manager_lifeline_close(&c->lifeline);
	relay_stop(c->relay);
	c->relay = NULL;
	if (c->kern.ring) {
		epoll_ctl(c->epfd, EPOLL_CTL_DEL, kern_events_fd(&c->kern), NULL);
		kern_poll(&c->kern, 0);
	}
	kern_teardown(&c->kern);
	c->kern.cgroup_fd = -1;
	c->kern.slot = -1;
	c->kern.n_results = 0;
	c->active = false;
}

static bool has(char **list, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

int ctl_apply_maps(struct control *c, const char *b64, size_t len, char *err, size_t errlen)
{
	unsigned char *img = NULL;
	size_t img_len = 0;
	if (json_base64_decode(b64, len, &img, &img_len)) {
		snprintf(err, errlen, "Cannot decode map image: not base64");
		return -1;
	}
	if (!c->kern.shared) { /* relay-only activation: no kernel map to update */
		free(img);
		return 0;
	}
	int ret = kern_apply_image(&c->kern, img, img_len, err, errlen);
	free(img);
	return ret;
}

void ctl_activate(struct control *c, const char *msg, size_t len)
{
	char *cgroup = NULL, *mode_s = NULL, *maps = NULL, *lifeline = NULL, *layers[JSON_MAX_STRINGS];
	size_t maps_len = 0;
	int n_layers = 0, mode = LEASH_MODE_ENFORCE;
	bool log_allow = false;
	char err[KERN_ERR_MAX + 4096], mnt[4096], path[8192];

	if (c->active) {
		ctl_send_error(c, "activate", "Cannot activate: already active");
		return;
	}
	int got = json_get_string(msg, len, "mode", &mode_s, NULL);
	if (got < 0 || (got == 0 && (mode = kern_mode_parse(mode_s)) < 0)) {
		ctl_send_error(c, "activate", "Cannot activate: \"mode\" must be record, shadow or enforce");
		goto cleanup;
	}
	if (json_get_string(msg, len, "maps", &maps, &maps_len) != 0) {
		ctl_send_error(c, "activate", "Cannot activate: \"maps\" (a base64 map image) is required");
		goto cleanup;
	}
	if (json_get_strings(msg, len, "layers", layers, &n_layers) != 0 ||
	    json_get_bool(msg, len, "log_allow", &log_allow) < 0) {
		ctl_send_error(c, "activate", "Cannot activate: \"layers\" must be an array of layer names");
		goto cleanup;
	}
	got = json_get_string(msg, len, "lifeline", &lifeline, NULL);
	if (got < 0) {
		ctl_send_error(c, "activate", "Cannot activate: \"lifeline\" must be a string");
		goto cleanup;
	}
	/* No kernel layer asked for (an engine whose containers get no capability over the host
	 * kernel, e.g. rootless): no cgroup, no programs, no maps; the relay and the lifeline only. */
	bool kernel = n_layers > 0;
	if (kernel && (json_get_string(msg, len, "cgroup", &cgroup, NULL) != 0 || cgroup_path_check(cgroup) != 0)) {
		ctl_send_error(c, "activate",
			       "Cannot activate: \"cgroup\" must be a normalised absolute cgroup path below the root "
			       "(the target container's cgroup, never \"/\")");
		goto cleanup;
	}
	if (kernel && kern_cgroup2_mount(mnt, sizeof(mnt))) {
		ctl_send_error(c, "activate", "Cannot activate: no cgroup v2 mount in the manager");
		goto cleanup;
	}
	snprintf(path, sizeof(path), "%s%s", kernel ? mnt : "", kernel ? cgroup : "");
	struct kern_opts opts = {
		.cgroup_path = path,
		.mode = (__u32)mode,
		.observe = has(layers, n_layers, "observe") ? KERN_OBSERVE_AUTO : KERN_OBSERVE_OFF,
		.lsm = has(layers, n_layers, "kernel-lsm"),
		.cgroup_net = has(layers, n_layers, "cgroup-net"),
		.log_allow = log_allow,
	};
	if (!c->kern.out)
		c->kern.out = fopencookie(c, "w", (cookie_io_functions_t){ .write = ctl_event_write });
	if (!c->kern.out) {
		ctl_send_error(c, "activate", "Cannot activate: cannot open the event stream");
		goto cleanup;
	}
	if (!kernel)
		c->kern.mode = opts.mode;
	else if (kern_open_cgroup(&c->kern, path, err, sizeof(err)) || kern_activate(&c->kern, &opts, err, sizeof(err)) ||
		 ctl_apply_maps(c, maps, maps_len, err, sizeof(err))) {
		ctl_send_error(c, "activate", err);
		ctl_deactivate(c);
		goto cleanup;
	}
	struct relay_options ro = { .epfd = c->epfd, .proxy_path = c->opts->proxy, .dns_path = c->opts->dns,
				    .kern = &c->kern, .report = ctl_relay_error, .report_ctx = c };
	if (relay_start(&c->relay, &ro, err, sizeof(err))) {
		ctl_send_error(c, "activate", err);
		ctl_deactivate(c);
		goto cleanup;
	}
	/* Listening before "active": the host writes enforcement.active (which tells
	 * leash-entry to connect) only after that answer. */
	c->lifeline.report = on_lifeline;
	c->lifeline.report_ctx = c;
	if (lifeline && manager_lifeline_listen(&c->lifeline, c->epfd, lifeline, err, sizeof(err))) {
		ctl_send_error(c, "activate", err);
		ctl_deactivate(c);
		goto cleanup;
	}
	c->ring_h.on_event = on_ring_event;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &c->ring_h };
	if (kernel)
		epoll_ctl(c->epfd, EPOLL_CTL_ADD, kern_events_fd(&c->kern), &ev);
	c->active = true;

	char *reply = NULL;
	size_t reply_len = 0;
	FILE *f = open_memstream(&reply, &reply_len);
	if (!f)
		goto cleanup;
	fputs("{\"type\":\"active\",\"layers\":{", f);
	for (int i = 0; i < n_layers; i++) {
		char status[512];
		if (strcmp(layers[i], "kernel-lsm") && strcmp(layers[i], "cgroup-net") && strcmp(layers[i], "observe"))
			snprintf(status, sizeof(status), "off: unknown layer");
		else
			layer_status(&c->kern, layers[i], status, sizeof(status));
		fputs(i ? "," : "", f);
		kern_json_str(f, layers[i], strlen(layers[i]));
		fputc(':', f);
		kern_json_str(f, status, strlen(status));
	}
	char mappings[512];
	kern_exec_mappings_status(&c->kern, mappings, sizeof(mappings));
	fputs("},\"exec_mappings\":", f);
	kern_json_str(f, mappings, strlen(mappings));
	fprintf(f, ",\"relay\":{\"explicit\":%u,\"transparent\":%u,\"dns\":%u}}\n", LEASH_PORT_PROXY,
		LEASH_PORT_TRANSPARENT, LEASH_PORT_DNS);
	fclose(f);
	ctl_send_raw(c, reply, reply_len);
	free(reply);
cleanup:
	free(cgroup);
	free(mode_s);
	free(maps);
	free(lifeline);
	for (int i = 0; i < n_layers; i++)
		free(layers[i]);
}
