/* libFuzzer target: the relay's header formatter (relay_format.c), which writes the line every
 * relayed connection and DNS query starts with (docs/protocol.md). From the input: two socket
 * addresses (IPv4, IPv6 or another family), a kind, a relay port and buffer sizes. Checks that
 * nothing is written past a buffer (ASan: buffers are allocated to the exact size), that an
 * address formats to text that inet_pton reads back to the same address and port, and that a
 * header is exactly the line an independent formatter writes, or -1 only when that line does
 * not fit.
 * The relay parses nothing else the target sends: relay.c copies bytes, and the DNS relay
 * (relay_dns.c) forwards each datagram as-is behind a 2-byte length; the only framing it reads
 * is the host's answer on dns.sock. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "relay.h"

struct input {
	const uint8_t *data;
	size_t size, at;
};

static unsigned take(struct input *in, unsigned bytes)
{
	unsigned v = 0;
	for (unsigned i = 0; i < bytes; i++)
		v = v << 8 | (in->at < in->size ? in->data[in->at++] : 0);
	return v;
}

static void fail(const char *what)
{
	fprintf(stderr, "relay_format_fuzz: %s\n", what);
	abort();
}

/* A socket address from the input: AF_INET, AF_INET6 or any other family number. */
static void take_addr(struct input *in, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	unsigned family = take(in, 1) % 3;
	if (family == 0) {
		struct sockaddr_in *a = (void *)ss;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)take(in, 2));
		for (int i = 0; i < 4; i++)
			((uint8_t *)&a->sin_addr)[i] = (uint8_t)take(in, 1);
	} else if (family == 1) {
		struct sockaddr_in6 *a = (void *)ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)take(in, 2));
		for (int i = 0; i < 16; i++)
			a->sin6_addr.s6_addr[i] = (uint8_t)take(in, 1);
	} else {
		ss->ss_family = (sa_family_t)take(in, 2);
		if (ss->ss_family == AF_INET || ss->ss_family == AF_INET6)
			ss->ss_family = AF_UNIX;
	}
}

/* Formats `ss` into an exactly-sized buffer of `cap` bytes and checks the result; the text
 * goes to `out` (64 bytes), "" when it does not fit or the family has no text form. */
static void check_addr(const struct sockaddr_storage *ss, size_t cap, char *out)
{
	char *buf = malloc(cap ? cap : 1);
	char full[64];
	int r = relay_format_addr(buf, cap, (const struct sockaddr *)ss);
	int rf = relay_format_addr(full, sizeof(full), (const struct sockaddr *)ss);
	out[0] = 0;
	if (ss->ss_family != AF_INET && ss->ss_family != AF_INET6) {
		if (r != -1 || rf != -1)
			fail("an address of another family was formatted");
		free(buf);
		return;
	}
	if (rf != 0)
		fail("an IP address did not fit in 64 bytes");
	if (r == 0 && (strlen(buf) >= cap || strcmp(buf, full) != 0))
		fail("a formatted address differs with the buffer size");
	if (r == -1 && strlen(full) < cap)
		fail("an address that fits was refused");
	free(buf);
	/* round trip: the text names the same address and port */
	char host[64];
	const char *colon = strrchr(full, ':');
	unsigned port = (unsigned)strtoul(colon + 1, NULL, 10);
	size_t hl = (size_t)(colon - full);
	if (ss->ss_family == AF_INET6) {
		if (full[0] != '[' || full[hl - 1] != ']')
			fail("an IPv6 address without brackets");
		memcpy(host, full + 1, hl - 2);
		host[hl - 2] = 0;
	} else {
		memcpy(host, full, hl);
		host[hl] = 0;
	}
	uint8_t back[16];
	if (inet_pton(ss->ss_family, host, back) != 1)
		fail("a formatted address does not parse back");
	const struct sockaddr_in *a4 = (const void *)ss;
	const struct sockaddr_in6 *a6 = (const void *)ss;
	if (ss->ss_family == AF_INET ? memcmp(back, &a4->sin_addr, 4) || port != ntohs(a4->sin_port)
				     : memcmp(back, &a6->sin6_addr, 16) || port != ntohs(a6->sin6_port))
		fail("a formatted address parses back to another address");
	strcpy(out, full);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const kinds[] = { "explicit", "transparent", "dns" };
	struct input in = { data, size, 0 };
	struct sockaddr_storage dst_ss, src_ss;
	char dst[64], src[64];
	const char *kind = kinds[take(&in, 1) % 3];
	size_t addr_cap = take(&in, 1) % 64;
	size_t cap = take(&in, 2) % (RELAY_HEADER_MAX + 1);
	unsigned relay_port = take(&in, 2);
	take_addr(&in, &dst_ss);
	take_addr(&in, &src_ss);
	check_addr(&dst_ss, addr_cap, dst);
	check_addr(&src_ss, addr_cap, src);
	if (!src[0])
		return 0; /* the relay never writes a header without a source address */
	const char *d = strcmp(kind, "explicit") == 0 || !dst[0] ? NULL : dst;

	/* the line an independent formatter writes */
	char expected[RELAY_HEADER_MAX * 2];
	int len = snprintf(expected, sizeof(expected), "{\"v\":1,\"kind\":\"%s\"", kind);
	if (d)
		len += snprintf(expected + len, sizeof(expected) - (size_t)len, ",\"dst\":\"%s\"", d);
	len += snprintf(expected + len, sizeof(expected) - (size_t)len, ",\"src\":\"%s\"", src);
	if (relay_port)
		len += snprintf(expected + len, sizeof(expected) - (size_t)len, ",\"relay_port\":%u", relay_port);
	len += snprintf(expected + len, sizeof(expected) - (size_t)len, "}\n");

	char *buf = malloc(cap ? cap : 1);
	int n = relay_format_header(buf, cap, kind, d, src, relay_port);
	if (n >= 0) {
		if (n != len || (size_t)n >= cap || memcmp(buf, expected, (size_t)len + 1) != 0)
			fail("the header differs from the expected line");
	} else if (n != -1 || (size_t)len < cap) {
		fail("a header that fits was refused");
	}
	free(buf);
	return 0;
}
