/* The relay's header lines (docs/protocol.md): pure formatting, unit-tested on the host. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include "relay.h"

int relay_format_addr(char *buf, size_t cap, const struct sockaddr *sa)
{
	char text[INET6_ADDRSTRLEN];
	int n;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;
		inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text));
		n = snprintf(buf, cap, "%s:%u", text, ntohs(in->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text));
		n = snprintf(buf, cap, "[%s]:%u", text, ntohs(in6->sin6_port));
	} else {
		return -1;
	}
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

int relay_format_header(char *buf, size_t cap, const char *kind, const char *dst, const char *src,
			unsigned relay_port)
{
	/* kind, dst and src are formatted addresses and fixed words: nothing to escape */
	int n = snprintf(buf, cap, "{\"v\":1,\"kind\":\"%s\"%s%s%s,\"src\":\"%s\"", kind,
			 dst ? ",\"dst\":\"" : "", dst ? dst : "", dst ? "\"" : "", src);
	if (n < 0 || (size_t)n >= cap)
		return -1;
	int m = relay_port ? snprintf(buf + n, cap - (size_t)n, ",\"relay_port\":%u}\n", relay_port)
			   : snprintf(buf + n, cap - (size_t)n, "}\n");
	if (m < 0 || (size_t)m >= cap - (size_t)n)
		return -1;
	return n + m;
}
