/* Test workload for the kernel tests: makes one network call and prints what the kernel
 * answered, so tests assert on real syscall results. Built statically by the harness.
 *   netprobe tcp ADDR PORT          connect; "ok peer=A:P" or "error ENAME"
 *   netprobe udp-send ADDR PORT     sendto; "ok" or "error ENAME"
 *   netprobe udp-connect ADDR PORT  connect a UDP socket
 *   netprobe dns ADDR               sendto ADDR:53 and wait 3 s: "reply from A:P" or "error ..."
 *   netprobe udp-echo ADDR PORT     answer one datagram on ADDR:PORT, print "echoed"
 *   netprobe listen ADDR PORT       accept one TCP connection: "accepted from A:P"
 *   netprobe raw | packet           open a raw / packet socket */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef AF_PACKET
#define AF_PACKET 17
#endif

static const char *ename(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case ECONNREFUSED: return "ECONNREFUSED";
	case ENETUNREACH: return "ENETUNREACH";
	case EHOSTUNREACH: return "EHOSTUNREACH";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EAFNOSUPPORT: return "EAFNOSUPPORT";
	case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
	case EINVAL: return "EINVAL";
	default: return "EOTHER";
	}
}

static int fail(const char *what)
{
	int e = errno;
	printf("error %s %s: %s\n", ename(e), what, strerror(e));
	return 1;
}

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
	fprintf(stderr, "netprobe: bad address %s\n", addr);
	exit(2);
}

static void show(const char *label, struct sockaddr_storage *ss)
{
	char text[INET6_ADDRSTRLEN] = "?";
	int port = 0;
	if (ss->ss_family == AF_INET) {
		struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &in4->sin_addr, text, sizeof(text));
		port = ntohs(in4->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text));
		port = ntohs(in6->sin6_port);
	}
	printf("%s %s:%d\n", label, text, port);
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss, peer;
	socklen_t len, plen = sizeof(peer);
	char buf[512];
	int fd;
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc < 2)
		return 2;
	const char *cmd = argv[1];
	if (strcmp(cmd, "raw") == 0) {
		fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
		if (fd < 0)
			return fail("socket");
		printf("ok\n");
		return 0;
	}
	if (strcmp(cmd, "packet") == 0) {
		fd = socket(AF_PACKET, SOCK_RAW, htons(3));
		if (fd < 0)
			return fail("socket");
		printf("ok\n");
		return 0;
	}
	if (argc < 3)
		return 2;
	len = parse(argv[2], argc > 3 ? atoi(argv[3]) : 53, &ss);
	if (strcmp(cmd, "tcp") == 0) {
		fd = socket(ss.ss_family, SOCK_STREAM, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len))
			return fail("connect");
		getpeername(fd, (struct sockaddr *)&peer, &plen);
		show("ok peer", &peer);
		return 0;
	}
	if (strcmp(cmd, "udp-send") == 0 || strcmp(cmd, "dns") == 0) {
		fd = socket(ss.ss_family, SOCK_DGRAM, 0);
		if (fd < 0 || sendto(fd, "leash", 5, 0, (struct sockaddr *)&ss, len) < 0)
			return fail("sendto");
		if (strcmp(cmd, "udp-send") == 0) {
			printf("ok\n");
			return 0;
		}
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 3000) != 1) {
			printf("error ETIMEDOUT no reply\n");
			return 1;
		}
		if (recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &plen) < 0)
			return fail("recvfrom");
		show("reply from", &peer);
		return 0;
	}
	if (strcmp(cmd, "udp-connect") == 0) {
		fd = socket(ss.ss_family, SOCK_DGRAM, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len))
			return fail("connect");
		printf("ok\n");
		return 0;
	}
	if (strcmp(cmd, "udp-echo") == 0) {
		fd = socket(ss.ss_family, SOCK_DGRAM, 0);
		if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len))
			return fail("bind");
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &plen);
		if (n < 0 || sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&peer, plen) < 0)
			return fail("echo");
		printf("echoed\n");
		return 0;
	}
	if (strcmp(cmd, "listen") == 0) {
		int one = 1;
		fd = socket(ss.ss_family, SOCK_STREAM, 0);
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 8))
			return fail("listen");
		int c = accept(fd, (struct sockaddr *)&peer, &plen);
		if (c < 0)
			return fail("accept");
		show("accepted from", &peer);
		return 0;
	}
	return 2;
}
