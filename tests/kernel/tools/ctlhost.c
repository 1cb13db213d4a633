/* The host half of docs/protocol.md for the kernel VM, where no Deno runs: listens on
 * DIR/control.sock, DIR/proxy.sock and DIR/dns.sock; forwards each stdin line to the
 * manager ("close" closes the control socket instead); prints every control message as
 * "LEASH-EVENT <json>" and every relay header as "LEASH-EVENT {"relay":<header>}".
 * Relayed TCP streams are echoed back after the client's half-close; DNS A queries are
 * answered with 10.11.12.13. Connections are served one at a time (the cases are sequential).
 *   ctlhost DIR */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int listen_at(const char *dir, const char *name)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	snprintf(un.sun_path, sizeof(un.sun_path), "%s/%s", dir, name);
	unlink(un.sun_path);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&un, sizeof(un)) || listen(fd, 64)) {
		perror(un.sun_path);
		exit(1);
	}
	return fd;
}

/* Reads the header line byte by byte (so nothing after it is consumed); 0 or -1. */
static int read_header(int fd, char *line, size_t cap)
{
	size_t n = 0;
	while (n + 1 < cap) {
		char c;
		if (read(fd, &c, 1) != 1)
			return -1;
		if (c == '\n') {
			line[n] = '\0';
			return 0;
		}
		line[n++] = c;
	}
	return -1;
}

static int read_full(int fd, unsigned char *buf, size_t len)
{
	for (size_t got = 0; got < len;) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

static void write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

static void serve_proxy(int fd)
{
	char header[1100];
	static unsigned char body[1 << 20];
	size_t len = 0;
	if (read_header(fd, header, sizeof(header)) == 0) {
		printf("LEASH-EVENT {\"relay\":%s}\n", header);
		fflush(stdout);
		for (;;) {
			ssize_t n = read(fd, body + len, sizeof(body) - len);
			if (n <= 0)
				break;
			len += (size_t)n;
		}
		write_full(fd, body, len);
	}
	close(fd);
}

static void serve_dns(int fd)
{
	char header[1100];
	unsigned char q[65536 + 64], a[65536 + 64];
	if (read_header(fd, header, sizeof(header)) == 0 && read_full(fd, q, 2) == 0) {
		size_t len = (size_t)q[0] << 8 | q[1];
		printf("LEASH-EVENT {\"relay\":%s}\n", header);
		fflush(stdout);
		if (len >= 12 && read_full(fd, q, len) == 0) {
			size_t end = 12;
			while (end < len && q[end])
				end += q[end] + 1u;
			if (end + 5 <= len) {
				int is_a = q[end + 1] == 0 && q[end + 2] == 1;
				size_t qlen = end + 5 - 12, n = 0;
				unsigned char *m = a + 2;
				memcpy(m, q, 2);
				memcpy(m + 2, "\x81\x80\x00\x01\x00", 5);
				m[7] = (unsigned char)is_a;
				memset(m + 8, 0, 4);
				memcpy(m + 12, q + 12, qlen);
				n = 12 + qlen;
				if (is_a) {
					static const unsigned char rr[] = { 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 11, 12, 13 };
					memcpy(m + n, rr, sizeof(rr));
					n += sizeof(rr);
				}
				a[0] = (unsigned char)(n >> 8);
				a[1] = (unsigned char)n;
				write_full(fd, a, n + 2);
			}
		}
	}
	close(fd);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: ctlhost DIR\n");
		return 2;
	}
	int lc = listen_at(argv[1], "control.sock"), lp = listen_at(argv[1], "proxy.sock"),
	    ld = listen_at(argv[1], "dns.sock");
	int ctl = -1, in_open = 1;
	char in[1 << 20], cbuf[1 << 16];
	size_t in_used = 0, c_used = 0;
	for (;;) {
		struct pollfd p[5] = {
			{ .fd = ctl < 0 ? lc : -1, .events = POLLIN }, { .fd = lp, .events = POLLIN },
			{ .fd = ld, .events = POLLIN },          { .fd = in_open ? 0 : -1, .events = POLLIN },
			{ .fd = ctl, .events = POLLIN },
		};
		if (poll(p, 5, -1) < 0 && errno != EINTR)
			return 1;
		if (p[0].revents & POLLIN)
			ctl = accept(lc, NULL, NULL);
		if (p[1].revents & POLLIN)
			serve_proxy(accept(lp, NULL, NULL));
		if (p[2].revents & POLLIN)
			serve_dns(accept(ld, NULL, NULL));
		if (p[3].revents & (POLLIN | POLLHUP)) {
			ssize_t n = read(0, in + in_used, sizeof(in) - in_used);
			if (n <= 0)
				in_open = 0;
			else
				in_used += (size_t)n;
			char *nl;
			while ((nl = memchr(in, '\n', in_used))) {
				size_t len = (size_t)(nl - in) + 1;
				if (len == 6 && memcmp(in, "close\n", 6) == 0) {
					close(ctl);
					ctl = -1;
					printf("LEASH-EVENT {\"host\":\"closed\"}\n");
					fflush(stdout);
				} else if (ctl >= 0) {
					write_full(ctl, in, len);
				}
				memmove(in, in + len, in_used - len);
				in_used -= len;
			}
		}
		if (ctl >= 0 && (p[4].revents & (POLLIN | POLLHUP))) {
			ssize_t n = read(ctl, cbuf + c_used, sizeof(cbuf) - 1 - c_used);
			if (n <= 0) {
				close(ctl);
				ctl = -1;
				printf("LEASH-EVENT {\"host\":\"manager closed\"}\n");
				fflush(stdout);
				continue;
			}
			c_used += (size_t)n;
			char *nl;
			while ((nl = memchr(cbuf, '\n', c_used))) {
				size_t len = (size_t)(nl - cbuf) + 1;
				printf("LEASH-EVENT %.*s", (int)len, cbuf);
				memmove(cbuf, cbuf + len, c_used - len);
				c_used -= len;
			}
			fflush(stdout);
			if (c_used == sizeof(cbuf) - 1)
				c_used = 0;
		}
	}
}
