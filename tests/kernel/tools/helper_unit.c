/* Native unit tests of the helper's pure pieces (no kernel needed): the control-message JSON
 * reader, base64, relay header formatting and JSON string escaping. Compiled against the
 * helper's own sources by tests/kernel/native_unit_test.ts; prints one line per failure and
 * "N passed, M failed". */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kern.h"
#include "manager_json.h"
#include "relay.h"

static int passed, failed;

/* kern_events.c's event printer names modes through kern_load.c, which embeds the eBPF
 * skeletons; the escaping tested here does not reach it. */
const char *kern_mode_name(__u32 mode)
{
	(void)mode;
	return "enforce";
}

#define CHECK(cond)                                                               \
	do {                                                                      \
		if (cond) {                                                       \
			passed++;                                                 \
		} else {                                                          \
			failed++;                                                 \
			printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);    \
		}                                                                 \
	} while (0)

static int get(const char *json, const char *key, char **out)
{
	return mjson_get_string(json, strlen(json), key, out, NULL);
}

static void test_strings(void)
{
	char *s = NULL;
	const char *msg = "{\"a\":{\"type\":\"nested\"},\"list\":[1,2.5e3,-0.1,true,null,\"x\"],"
			  "\"type\":\"activate\",\"esc\":\"q\\\"b\\\\n\\n\\u00e9\\ud83d\\ude00/\\/\"}";
	CHECK(mjson_check_object(msg, strlen(msg)) == 0);
	CHECK(get(msg, "type", &s) == 0 && strcmp(s, "activate") == 0);
	free(s);
	CHECK(get(msg, "esc", &s) == 0 && strcmp(s, "q\"b\\n\n\xc3\xa9\xf0\x9f\x98\x80//") == 0);
	free(s);
	CHECK(get(msg, "missing", &s) == 1);
	CHECK(get(msg, "list", &s) == -1); /* not a string */
	CHECK(get("{\"type\":\"a\"", "type", &s) == 0); /* found before the truncation */
	free(s);
	CHECK(mjson_check_object("{\"type\":\"a\"", 12) == -1);
	CHECK(mjson_check_object("{\"type\":\"a\"} x", 15) == -1);
	CHECK(mjson_check_object("[1]", 3) == -1);
	CHECK(mjson_check_object("{\"a\":\"\\x\"}", 10) == -1);
	CHECK(mjson_check_object("{\"a\":\"\\ud800\"}", 14) == -1); /* lone surrogate */
	CHECK(mjson_check_object("{\"a\":tru}", 9) == -1);
	CHECK(mjson_check_object("{\"a\":\"\n\"}", 8) == -1); /* raw control character */
	/* nesting beyond the limit is refused, not a stack overflow */
	char deep[200];
	memset(deep, '[', sizeof(deep));
	memcpy(deep, "{\"a\":", 5);
	CHECK(mjson_check_object(deep, sizeof(deep)) == -1);
}

static void test_bool_and_list(void)
{
	const char *msg = "{\"log_allow\":true,\"off\":false,\"n\":1,\"layers\":[\"kernel-lsm\", \"cgroup-net\"]}";
	size_t len = strlen(msg);
	bool b = false;
	char *list[MJSON_MAX_STRINGS];
	int n = 0;
	CHECK(mjson_get_bool(msg, len, "log_allow", &b) == 0 && b);
	CHECK(mjson_get_bool(msg, len, "off", &b) == 0 && !b);
	CHECK(mjson_get_bool(msg, len, "n", &b) == -1);
	CHECK(mjson_get_bool(msg, len, "none", &b) == 1);
	CHECK(mjson_get_strings(msg, len, "layers", list, &n) == 0 && n == 2 && strcmp(list[0], "kernel-lsm") == 0 &&
	      strcmp(list[1], "cgroup-net") == 0);
	for (int i = 0; i < n; i++)
		free(list[i]);
	CHECK(mjson_get_strings("{\"layers\":[\"a\",1]}", 18, "layers", list, &n) == -1 && n == 0);
	CHECK(mjson_get_strings("{\"layers\":[]}", 13, "layers", list, &n) == 0 && n == 0);
	char many[512] = "{\"l\":[";
	for (int i = 0; i < MJSON_MAX_STRINGS + 1; i++)
		strcat(many, i ? ",\"x\"" : "\"x\"");
	strcat(many, "]}");
	CHECK(mjson_get_strings(many, strlen(many), "l", list, &n) == -1 && n == 0);
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static size_t encode(const unsigned char *in, size_t len, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (i + 1 < len ? (unsigned)in[i + 1] << 8 : 0) |
			     (i + 2 < len ? in[i + 2] : 0);
		out[o++] = B64[v >> 18 & 63];
		out[o++] = B64[v >> 12 & 63];
		out[o++] = i + 1 < len ? B64[v >> 6 & 63] : '=';
		out[o++] = i + 2 < len ? B64[v & 63] : '=';
	}
	return o;
}

static void test_base64(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = { { "", "" }, { "Zg==", "f" }, { "Zm8=", "fo" }, { "Zm9v", "foo" }, { "Zm9vYg", "foob" } };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned char *out = NULL;
		size_t n = 0;
		CHECK(mjson_base64_decode(cases[i].in, strlen(cases[i].in), &out, &n) == 0 && n == strlen(cases[i].out) &&
		      memcmp(out, cases[i].out, n) == 0);
		free(out);
	}
	unsigned char *out = NULL;
	size_t n = 0;
	CHECK(mjson_base64_decode("Zm9v!", 5, &out, &n) == -1);
	CHECK(mjson_base64_decode("Z", 1, &out, &n) == -1);
	CHECK(mjson_base64_decode("Zm 9v", 5, &out, &n) == -1);
	/* round trip of every length up to 300 with pseudo-random bytes */
	unsigned char data[300];
	char text[404];
	unsigned seed = 12345;
	int ok = 1;
	for (size_t len = 0; len <= sizeof(data); len++) {
		for (size_t i = 0; i < len; i++)
			data[i] = (unsigned char)((seed = seed * 1103515245 + 12345) >> 16);
		size_t tl = encode(data, len, text);
		if (mjson_base64_decode(text, tl, &out, &n) || n != len || memcmp(out, data, len))
			ok = 0;
		free(out);
		out = NULL;
	}
	CHECK(ok);
}

static void test_headers(void)
{
	char buf[RELAY_HEADER_MAX], addr[64];
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(40312) };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(443) };
	inet_pton(AF_INET, "127.0.0.1", &in.sin_addr);
	inet_pton(AF_INET6, "2606:2800:220:1::", &in6.sin6_addr);
	CHECK(relay_format_addr(addr, sizeof(addr), (struct sockaddr *)&in) == 0 && strcmp(addr, "127.0.0.1:40312") == 0);
	CHECK(relay_format_addr(addr, sizeof(addr), (struct sockaddr *)&in6) == 0 &&
	      strcmp(addr, "[2606:2800:220:1::]:443") == 0);
	CHECK(relay_format_addr(addr, 8, (struct sockaddr *)&in6) == -1);
	int n = relay_format_header(buf, sizeof(buf), "explicit", NULL, "127.0.0.1:40312", 3128);
	CHECK(n > 0 && strcmp(buf, "{\"v\":1,\"kind\":\"explicit\",\"src\":\"127.0.0.1:40312\",\"relay_port\":3128}\n") == 0 &&
	      (size_t)n == strlen(buf));
	n = relay_format_header(buf, sizeof(buf), "transparent", "[2606:2800:220:1::]:443", "[::1]:40314", 15001);
	CHECK(n > 0 && strcmp(buf, "{\"v\":1,\"kind\":\"transparent\",\"dst\":\"[2606:2800:220:1::]:443\","
				   "\"src\":\"[::1]:40314\",\"relay_port\":15001}\n") == 0);
	n = relay_format_header(buf, sizeof(buf), "dns", "8.8.8.8:53", "127.0.0.1:51000", 0);
	CHECK(n > 0 && strcmp(buf, "{\"v\":1,\"kind\":\"dns\",\"dst\":\"8.8.8.8:53\",\"src\":\"127.0.0.1:51000\"}\n") == 0);
	CHECK(relay_format_header(buf, 40, "transparent", "[2606:2800:220:1::]:443", "[::1]:40314", 15001) == -1);
}

static void test_escape(void)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	kern_json_str(f, "a\"b\\c\nd\x01\x7f\xc3\xa9", 11);
	fclose(f);
	CHECK(strcmp(out, "\"a\\\"b\\\\c\\nd\\u0001\\u007f\xc3\xa9\"") == 0);
	free(out);
}

int main(void)
{
	test_strings();
	test_bool_and_list();
	test_base64();
	test_headers();
	test_escape();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
