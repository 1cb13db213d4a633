/* Test workload for the relay tests: TCP clients that show what came back, built statically.
 *   relayprobe halfclose ADDR PORT MSG   send MSG, shutdown(SHUT_WR), print every byte
 *                                        received until EOF ("got <bytes>")
 *   relayprobe many ADDR PORT N          N connections one after another, each: send "x",
 *                                        shutdown(SHUT_WR), read to EOF; "ok N" or the error
 *   relayprobe bulk ADDR PORT BYTES      send BYTES, shutdown(SHUT_WR), count the bytes that
 *                                        come back; "sent S received R"
 *   relayprobe serve PORT                echo server on 127.0.0.1:PORT (direct baseline),
 *                                        one connection after another, forever
 *   relayprobe hold ADDR PORT N FILE     opens N connections at once and holds them until
 *                                        FILE exists ("holding K" once K connected)
 *   relayprobe udpflood ADDR PORT N      sends N small datagrams ("sent N")
 * many and bulk also print the elapsed seconds ("... seconds T"). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static socklen_t parse(const char *addr, int port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(port);
		return sizeof(*in4);
	}
	if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		return sizeof(*in6);
	}
	fprintf(stderr, "bad address %s\n", addr);
	exit(2);
}

static int dial(const char *addr, int port)
{
	struct sockaddr_storage ss;
	socklen_t len = parse(addr, port, &ss);
	int fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&ss, len)) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Sends len bytes of data (repeating buf), half-closes, reads to EOF; returns bytes read or -1. */
static long long exchange(int fd, const char *buf, size_t buflen, long long len, char *keep, size_t keepcap)
{
	long long sent = 0, got = 0;
	char in[65536];
	struct pollfd p = { .fd = fd };
	bool shut = false;
	for (;;) {
		p.events = POLLIN | (sent < len ? POLLOUT : 0);
		if (!shut && sent >= len) {
			shutdown(fd, SHUT_WR);
			shut = true;
		}
		if (poll(&p, 1, 30000) <= 0)
			return -1;
		if (p.revents & POLLOUT) {
			size_t chunk = (size_t)(len - sent) < buflen ? (size_t)(len - sent) : buflen;
			ssize_t n = send(fd, buf, chunk, MSG_NOSIGNAL);
			if (n < 0)
				return -1;
			sent += n;
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(fd, in, sizeof(in));
			if (n < 0)
				return -1;
			if (n == 0)
				return got;
			if (keep && (size_t)got < keepcap)
				memcpy(keep + got, in, (size_t)n < keepcap - (size_t)got ? (size_t)n : keepcap - (size_t)got);
			got += n;
		}
	}
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int serve(int port)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
	static char buf[65536];
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&in, sizeof(in)) || listen(fd, 128)) {
		perror("listen");
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		int c = accept(fd, NULL, NULL);
		if (c < 0)
			continue;
		for (;;) {
			ssize_t n = read(c, buf, sizeof(buf));
			if (n <= 0)
				break;
			for (ssize_t off = 0; off < n;) {
				ssize_t w = write(c, buf + off, (size_t)(n - off));
				if (w <= 0)
					break;
				off += w;
			}
		}
		close(c);
	}
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "serve") == 0)
		return serve(atoi(argv[2]));
	if (argc < 5) {
		fprintf(stderr, "usage: relayprobe halfclose|many|bulk ADDR PORT ARG | serve PORT\n");
		return 2;
	}
	const char *cmd = argv[1], *addr = argv[2];
	int port = atoi(argv[3]);
	if (strcmp(cmd, "halfclose") == 0) {
		char keep[4096] = "";
		int fd = dial(addr, port);
		if (fd < 0) {
			printf("error connect: %s\n", strerror(errno));
			return 1;
		}
		long long got = exchange(fd, argv[4], strlen(argv[4]), (long long)strlen(argv[4]), keep, sizeof(keep) - 1);
		close(fd);
		if (got < 0) {
			printf("error exchange: %s\n", strerror(errno));
			return 1;
		}
		printf("got %s\n", keep);
		return 0;
	}
	if (strcmp(cmd, "many") == 0) {
		long n = atol(argv[4]);
		double start = now();
		for (long i = 0; i < n; i++) {
			int fd = dial(addr, port);
			if (fd < 0) {
				printf("error connect %ld: %s\n", i, strerror(errno));
				return 1;
			}
			long long got = exchange(fd, "x", 1, 1, NULL, 0);
			close(fd);
			if (got != 1) {
				printf("error exchange %ld: got %lld\n", i, got);
				return 1;
			}
		}
		printf("ok %ld seconds %.3f\n", n, now() - start);
		return 0;
	}
	if (strcmp(cmd, "hold") == 0 && argc >= 6) {
		long n = atol(argv[4]), k = 0;
		int *fds = calloc((size_t)n, sizeof(int));
		for (long i = 0; fds && i < n; i++) {
			fds[i] = dial(addr, port);
			k += fds[i] >= 0;
		}
		printf("holding %ld\n", k);
		fflush(stdout);
		while (access(argv[5], F_OK) != 0) {
			struct timespec ts = { .tv_nsec = 50 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
		for (long i = 0; fds && i < n; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		printf("released\n");
		return 0;
	}
	if (strcmp(cmd, "udpflood") == 0) {
		long n = atol(argv[4]), sent = 0;
		struct sockaddr_storage ss;
		socklen_t len = parse(addr, port, &ss);
		int fd = socket(ss.ss_family, SOCK_DGRAM, 0);
		static const char query[] = "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x01x\x00\x00\x01\x00\x01";
		for (long i = 0; fd >= 0 && i < n; i++)
			sent += sendto(fd, query, sizeof(query) - 1, 0, (struct sockaddr *)&ss, len) > 0;
		printf("sent %ld\n", sent);
		return 0;
	}
	if (strcmp(cmd, "bulk") == 0) {
		long long len = atoll(argv[4]);
		static char buf[65536];
		memset(buf, 'b', sizeof(buf));
		double start = now();
		int fd = dial(addr, port);
		if (fd < 0) {
			printf("error connect: %s\n", strerror(errno));
			return 1;
		}
		long long got = exchange(fd, buf, sizeof(buf), len, NULL, 0);
		close(fd);
		printf("sent %lld received %lld seconds %.3f\n", len, got, now() - start);
		return got == len ? 0 : 1;
	}
	fprintf(stderr, "unknown command %s\n", cmd);
	return 2;
}
