/* Socket shapes of the adversarial tier that curl and node cannot make; prints what the kernel
 * answered, one line, so the tests judge real syscall results. Built statically by the tier.
 *   advprobe icmp ADDR      ICMP echo over a ping socket (SOCK_DGRAM, IPPROTO_ICMP[V6])
 *   advprobe raw6           a raw ICMPv6 socket
 *   advprobe rawip          a raw IPPROTO_RAW socket (the agent writes its own IP headers)
 *   advprobe abstract       connects to every abstract unix socket listed in /proc/net/unix
 * Lines: "ok ..." or "error ENAME ...". */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static const char *ename(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case ECONNREFUSED: return "ECONNREFUSED";
	case ENETUNREACH: return "ENETUNREACH";
	case EHOSTUNREACH: return "EHOSTUNREACH";
	case EAFNOSUPPORT: return "EAFNOSUPPORT";
	case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
	case EINVAL: return "EINVAL";
	case ENOENT: return "ENOENT";
	case EPROTOTYPE: return "EPROTOTYPE";
	default: return "EOTHER";
	}
}

static int fail(const char *what)
{
	int e = errno;
	printf("error %s %s: %s\n", ename(e), what, strerror(e));
	return 1;
}

static int icmp(const char *addr)
{
	struct sockaddr_storage ss;
	socklen_t len;
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	int v6 = 0;
	if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		len = sizeof(*in4);
	} else if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		len = sizeof(*in6);
		v6 = 1;
	} else {
		printf("error EINVAL bad address %s\n", addr);
		return 2;
	}
	int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	if (fd < 0)
		return fail("socket");
	unsigned char pkt[16] = { v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO, 0 };
	memcpy(pkt + 8, "advprobe", 8);
	if (sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&ss, len) < 0)
		return fail("sendto");
	printf("ok sent\n");
	return 0;
}

static int abstract_all(void)
{
	FILE *f = fopen("/proc/net/unix", "r");
	if (!f)
		return fail("open /proc/net/unix");
	char line[512];
	int found = 0;
	while (fgets(line, sizeof(line), f)) {
		char *at = strchr(line, '@');
		if (!at)
			continue;
		at[strcspn(at, "\n")] = 0;
		found++;
		struct sockaddr_un un = { .sun_family = AF_UNIX };
		size_t n = strlen(at + 1);
		if (n > sizeof(un.sun_path) - 1)
			n = sizeof(un.sun_path) - 1;
		memcpy(un.sun_path + 1, at + 1, n);
		socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
		int types[] = { SOCK_STREAM, SOCK_SEQPACKET, SOCK_DGRAM };
		for (int i = 0; i < 3; i++) {
			int fd = socket(AF_UNIX, types[i], 0);
			if (fd < 0)
				continue;
			if (connect(fd, (struct sockaddr *)&un, len) == 0) {
				ssize_t w = write(fd, "leash-lifeline 1\n", 17);
				printf("ok connected @%s type=%d wrote=%zd\n", at + 1, types[i], w);
			} else {
				int e = errno;
				printf("error %s @%s type=%d\n", ename(e), at + 1, types[i]);
			}
			close(fd);
		}
	}
	fclose(f);
	printf("abstract names seen: %d\n", found);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc < 2)
		return 2;
	if (strcmp(argv[1], "icmp") == 0 && argc > 2)
		return icmp(argv[2]);
	if (strcmp(argv[1], "raw6") == 0) {
		if (socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6) < 0)
			return fail("socket");
		printf("ok\n");
		return 0;
	}
	if (strcmp(argv[1], "rawip") == 0) {
		if (socket(AF_INET, SOCK_RAW, IPPROTO_RAW) < 0)
			return fail("socket");
		printf("ok\n");
		return 0;
	}
	if (strcmp(argv[1], "abstract") == 0)
		return abstract_all();
	return 2;
}
