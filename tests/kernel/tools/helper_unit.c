/* Native unit tests of the helper's pure pieces (no kernel needed): the strict JSON reader
 * both roles use (control messages, enforcement.active), the cgroup path check, base64, relay header formatting, JSON string escaping, SHA-256/HMAC and the bridge's relay challenge. Compiled against the
 * helper's own sources by tests/kernel/native_unit_test.ts; prints one line per failure and
 * "N passed, M failed". */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kern.h"
#include "cgroup_path.h"
#include "entry_active.h"
#include "json.h"
#include "relay.h"
#include "bridge_auth.h"
#include "sha256.h"

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

static int check(const char *json, size_t len)
{
	const char *err = NULL;
	return json_check_object(json, len, &err);
}

static int check_s(const char *json)
{
	return check(json, strlen(json));
}

static int get(const char *json, const char *key, char **out)
{
	return json_get_string(json, strlen(json), key, out, NULL);
}

static void test_strings(void)
{
	char *s = NULL;
	const char *msg = "{\"a\":{\"type\":\"nested\"},\"list\":[1,2.5e3,-0.1,true,null,\"x\"],"
			  "\"type\":\"activate\",\"esc\":\"q\\\"b\\\\n\\n\\u00e9\\ud83d\\ude00/\\/\"}";
	CHECK(check(msg, strlen(msg)) == 0);
	CHECK(get(msg, "type", &s) == 0 && strcmp(s, "activate") == 0);
	free(s);
	CHECK(get(msg, "esc", &s) == 0 && strcmp(s, "q\"b\\n\n\xc3\xa9\xf0\x9f\x98\x80//") == 0);
	free(s);
	CHECK(get(msg, "missing", &s) == 1);
	CHECK(get(msg, "list", &s) == -1); /* not a string */
	CHECK(get("{\"type\":\"a\"", "type", &s) == 0); /* found before the truncation */
	free(s);
	CHECK(check("{\"type\":\"a\"", 12) == -1);
	CHECK(check("{\"type\":\"a\"} x", 15) == -1);
	CHECK(check("[1]", 3) == -1);
	CHECK(check("{\"a\":\"\\x\"}", 10) == -1);
	CHECK(check("{\"a\":\"\\ud800\"}", 14) == -1); /* lone surrogate */
	CHECK(check("{\"a\":tru}", 9) == -1);
	CHECK(check("{\"a\":\"\n\"}", 8) == -1); /* raw control character */
	/* nesting beyond the limit is refused, not a stack overflow */
	char deep[200];
	memset(deep, '[', sizeof(deep));
	memcpy(deep, "{\"a\":", 5);
	CHECK(check(deep, sizeof(deep)) == -1);
}

static void test_bool_and_list(void)
{
	const char *msg = "{\"log_allow\":true,\"off\":false,\"n\":1,\"layers\":[\"kernel-lsm\", \"cgroup-net\"]}";
	size_t len = strlen(msg);
	bool b = false;
	char *list[JSON_MAX_STRINGS];
	int n = 0;
	CHECK(json_get_bool(msg, len, "log_allow", &b) == 0 && b);
	CHECK(json_get_bool(msg, len, "off", &b) == 0 && !b);
	CHECK(json_get_bool(msg, len, "n", &b) == -1);
	CHECK(json_get_bool(msg, len, "none", &b) == 1);
	CHECK(json_get_strings(msg, len, "layers", list, &n) == 0 && n == 2 && strcmp(list[0], "kernel-lsm") == 0 &&
	      strcmp(list[1], "cgroup-net") == 0);
	for (int i = 0; i < n; i++)
		free(list[i]);
	CHECK(json_get_strings("{\"layers\":[\"a\",1]}", 18, "layers", list, &n) == -1 && n == 0);
	CHECK(json_get_strings("{\"layers\":[]}", 13, "layers", list, &n) == 0 && n == 0);
	char many[512] = "{\"l\":[";
	for (int i = 0; i < JSON_MAX_STRINGS + 1; i++)
		strcat(many, i ? ",\"x\"" : "\"x\"");
	strcat(many, "]}");
	CHECK(json_get_strings(many, strlen(many), "l", list, &n) == -1 && n == 0);
}

static void test_strict_numbers(void)
{
	static const char *good[] = { "{\"n\":0}", "{\"n\":-0}", "{\"n\":10}", "{\"n\":-1.5e+3}", "{\"n\":1E-2}",
				      "{\"n\":0.25}", "{\"n\":[1,2]}" };
	static const char *bad[] = { "{\"n\":01}", "{\"n\":+1}", "{\"n\":1.}", "{\"n\":.5}", "{\"n\":1e}",
				     "{\"n\":1e+}", "{\"n\":-}", "{\"n\":--1}", "{\"n\":1-2}", "{\"n\":0x10}",
				     "{\"n\":NaN}", "{\"n\":Infinity}", "{\"n\":1.2.3}", "{\"n\":1e5e5}",
				     "{\"n\":12345678901234567890123456789012345678901234567890123456789012345}" };
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECK(check_s(good[i]) == 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = check_s(bad[i]);
		CHECK(rc == -1);
		if (rc != -1)
			printf("  accepted %s\n", bad[i]);
	}
	double d = 0;
	CHECK(json_get_number("{\"p\":1}", 7, "p", &d) == 0 && d == 1);
	CHECK(json_get_number("{\"p\":\"1\"}", 9, "p", &d) == -1);
	CHECK(json_get_number("{\"q\":1}", 7, "p", &d) == 1);
}

static void test_strict_strings(void)
{
	char *s = NULL;
	CHECK(check_s("{\"a\":\"x\\u0000y\"}") == -1); /* NUL would cut the C string */
	CHECK(get("{\"a\":\"x\\u0000y\"}", "a", &s) == -1);
	CHECK(check_s("{\"a\\u0000\":1}") == -1);
	CHECK(check_s("{\"a\":\"\\u0001\"}") == 0);
	CHECK(check_s("{\"a\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}") == 0);
	CHECK(check_s("{\"a\":\"\xc3\"}") == -1);             /* truncated sequence */
	CHECK(check_s("{\"a\":\"\xc0\xaf\"}") == -1);         /* overlong "/" */
	CHECK(check_s("{\"a\":\"\xe0\x80\xaf\"}") == -1);     /* overlong, 3 bytes */
	CHECK(check_s("{\"a\":\"\xed\xa0\x80\"}") == -1);     /* UTF-8 encoded surrogate */
	CHECK(check_s("{\"a\":\"\xf4\x90\x80\x80\"}") == -1); /* past U+10FFFF */
	CHECK(check_s("{\"a\":\"\xff\"}") == -1);
	CHECK(check_s("{\"a\":\"\\udc00\"}") == -1);
	CHECK(check_s("{\"a\":\"\\ud800\\u0041\"}") == -1);
	CHECK(check_s("{\"a\":\"\\u12\"}") == -1);
	CHECK(check_s("{\"a\":\"\\u12g4\"}") == -1);
	CHECK(check_s("{\"a\":\"\\'\"}") == -1);
	CHECK(check_s("{\"a\":'x'}") == -1);
	CHECK(check_s("{a:1}") == -1);
	CHECK(check_s("{\"a\":1,}") == -1);
	CHECK(check_s("{\"a\":[1,]}") == -1);
	CHECK(check_s("{,}") == -1);
	CHECK(check_s("{\"a\":True}") == -1);
	CHECK(check_s("{\"a\" 1}") == -1);
	CHECK(check_s(" \t\r\n{ \"a\" : [ ] , \"b\" : { } }\n") == 0);
	CHECK(check_s("{\"a\":1}\n\v") == -1); /* \v is not JSON whitespace */
	CHECK(check_s("") == -1);
	CHECK(check("{\"a\":1}\0", 8) == -1); /* an embedded NUL after the object */
}

static void test_duplicates(void)
{
	const char *err = NULL;
	CHECK(check_s("{\"type\":\"stop\",\"type\":\"activate\"}") == -1);
	CHECK(check_s("{\"type\":\"stop\",\"typ\\u0065\":\"activate\"}") == -1); /* equal after unescaping */
	CHECK(check_s("{\"a\":{\"x\":1,\"y\":2,\"x\":3}}") == -1);               /* nested objects too */
	CHECK(check_s("{\"a\":[{\"x\":1},{\"x\":1}]}") == 0);                    /* separate objects */
	CHECK(check_s("{\"a\":1,\"ab\":2,\"b\":3,\"\":4}") == 0);
	CHECK(check_s("{\"\":1,\"\":2}") == -1);
	const char *dup = "{\"x\":1,\"x\":2}";
	CHECK(json_check_object(dup, strlen(dup), &err) == -1 && err && strcmp(err, "duplicate key") == 0);
	/* a lookup finds a key spelled with escapes */
	char *s = NULL;
	CHECK(get("{\"t\\u0079pe\":\"stop\"}", "type", &s) == 0 && strcmp(s, "stop") == 0);
	free(s);
}

static void test_limits(void)
{
	/* exactly JSON_MAX_DEPTH containers inside the top-level object pass; one more fails */
	char ok[256] = "{\"a\":", bad[256] = "{\"a\":";
	for (int i = 0; i < JSON_MAX_DEPTH - 1; i++)
		strcat(ok, "[");
	for (int i = 0; i < JSON_MAX_DEPTH - 1; i++)
		strcat(ok, "]");
	strcat(ok, "}");
	for (int i = 0; i < JSON_MAX_DEPTH; i++)
		strcat(bad, "[");
	for (int i = 0; i < JSON_MAX_DEPTH; i++)
		strcat(bad, "]");
	strcat(bad, "}");
	CHECK(check_s(ok) == 0);
	CHECK(check_s(bad) == -1);
	/* larger than the limit: refused before it is read */
	CHECK(check("{}", (size_t)JSON_MAX_INPUT + 1) == -1);
	/* many keys: the duplicate check stays correct */
	size_t cap = 20000 * 20 + 16, n = 1;
	char *big = malloc(cap);
	big[0] = '{';
	for (int i = 0; i < 20000; i++)
		n += (size_t)snprintf(big + n, cap - n, "%s\"k%d\":%d", i ? "," : "", i, i);
	big[n++] = '}';
	CHECK(check(big, n) == 0);
	memcpy(big + n - 1, ",\"k7\":0}", 8);
	CHECK(check(big, n + 7) == -1);
	free(big);
}

static void test_entry_active(void)
{
	struct entry_active a;
	const char *err = NULL;
	const char *good = "{\"protocol\":1,\"nonce\":\"n-1\",\"layers\":[\"netns\",\"landlock\"],\"lifeline\":\"leash-x\","
			   "\"timestamp\":\"t\",\"future\":{\"x\":[1,2]}}";
	CHECK(entry_active_parse(good, strlen(good), &a, &err) == 0 && a.has_protocol && a.protocol == 1 &&
	      a.has_nonce && strcmp(a.nonce, "n-1") == 0 && a.layers_ok == 1 && a.n_layers == 2 &&
	      entry_active_has_layer(&a, "landlock") && !entry_active_has_layer(&a, "kernel-lsm") &&
	      a.lifeline_ok == 1 && strcmp(a.lifeline, "leash-x") == 0);
	const char *types = "{\"protocol\":\"1\",\"nonce\":2,\"layers\":\"landlock\",\"lifeline\":false}";
	CHECK(entry_active_parse(types, strlen(types), &a, &err) == 0 && !a.has_protocol && !a.has_nonce &&
	      a.layers_ok == -1 && a.n_layers == 0 && a.lifeline_ok == -1);
	CHECK(entry_active_parse("{}", 2, &a, &err) == 0 && a.layers_ok == 0 && a.lifeline_ok == 0);
	const char *mixed = "{\"layers\":[\"landlock\",1]}";
	CHECK(entry_active_parse(mixed, strlen(mixed), &a, &err) == 0 && a.layers_ok == -1 &&
	      !entry_active_has_layer(&a, "landlock"));
	/* a second "layers" (e.g. one without landlock after one with it) is not a choice to make */
	const char *dup = "{\"protocol\":1,\"nonce\":\"n\",\"layers\":[\"landlock\"],\"layers\":[]}";
	CHECK(entry_active_parse(dup, strlen(dup), &a, &err) == -1 && strcmp(err, "duplicate key") == 0);
	const char *nul = "{\"protocol\":1,\"nonce\":\"n-1\\u0000other\",\"layers\":[]}";
	CHECK(entry_active_parse(nul, strlen(nul), &a, &err) == -1);
	const char *num = "{\"protocol\":01,\"nonce\":\"n\",\"layers\":[]}";
	CHECK(entry_active_parse(num, strlen(num), &a, &err) == -1);
	char longnonce[400] = "{\"nonce\":\"";
	memset(longnonce + 10, 'n', 300);
	strcpy(longnonce + 310, "\"}");
	CHECK(entry_active_parse(longnonce, strlen(longnonce), &a, &err) == -1 && strcmp(err, "string too long") == 0);
	CHECK(entry_active_parse("[]", 2, &a, &err) == -1);
}

static void test_cgroup_path(void)
{
	static const char *good[] = { "/docker/abc", "/system.slice/docker-abc.scope", "/a", "/a/b/c", "/.x", "/..x" };
	static const char *bad[] = { "/", "//", "", "docker/abc", "/docker/", "/docker//abc", "/.", "/..",
				     "/docker/..", "/docker/../..", "/a/./b" };
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECK(cgroup_path_check(good[i]) == 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(cgroup_path_check(bad[i]) == -1);
	char longp[4100];
	memset(longp, 'a', sizeof(longp));
	longp[0] = '/';
	longp[4001] = '\0';
	CHECK(cgroup_path_check(longp) == -1);
	longp[4000] = '\0';
	CHECK(cgroup_path_check(longp) == 0);
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
		CHECK(json_base64_decode(cases[i].in, strlen(cases[i].in), &out, &n) == 0 && n == strlen(cases[i].out) &&
		      memcmp(out, cases[i].out, n) == 0);
		free(out);
	}
	unsigned char *out = NULL;
	size_t n = 0;
	CHECK(json_base64_decode("Zm9v!", 5, &out, &n) == -1);
	CHECK(json_base64_decode("Z", 1, &out, &n) == -1);
	CHECK(json_base64_decode("Zm 9v", 5, &out, &n) == -1);
	/* round trip of every length up to 300 with pseudo-random bytes */
	unsigned char data[300];
	char text[404];
	unsigned seed = 12345;
	int ok = 1;
	for (size_t len = 0; len <= sizeof(data); len++) {
		for (size_t i = 0; i < len; i++)
			data[i] = (unsigned char)((seed = seed * 1103515245 + 12345) >> 16);
		size_t tl = encode(data, len, text);
		if (json_base64_decode(text, tl, &out, &n) || n != len || memcmp(out, data, len))
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

static void hex_of(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

/* FIPS 180-4 examples, and a message over many blocks. */
static void test_sha256(void)
{
	uint8_t d[SHA256_LEN];
	char h[2 * SHA256_LEN + 1];
	sha256("abc", 3, d);
	hex_of(d, sizeof(d), h);
	CHECK(strcmp(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0);
	sha256("", 0, d);
	hex_of(d, sizeof(d), h);
	CHECK(strcmp(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == 0);
	const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	sha256(m, strlen(m), d);
	hex_of(d, sizeof(d), h);
	CHECK(strcmp(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1") == 0);
	char a[1000];
	memset(a, 'a', sizeof(a));
	sha256(a, sizeof(a), d);
	hex_of(d, sizeof(d), h);
	CHECK(strcmp(h, "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3") == 0);
}

/* RFC 4231 test cases 1, 2 and 6 (a key longer than a block). */
static void test_hmac(void)
{
	uint8_t key[131], d[SHA256_LEN];
	char h[2 * SHA256_LEN + 1];
	memset(key, 0x0b, 20);
	hmac_sha256(key, 20, "Hi There", 8, NULL, 0, d);
	hex_of(d, sizeof(d), h);
	CHECK(strcmp(h, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7") == 0);
	hmac_sha256((const uint8_t *)"Jefe", 4, "what do ya want ", 16, "for nothing?", 12, d);
	hex_of(d, sizeof(d), h);
	CHECK(strcmp(h, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843") == 0);
	memset(key, 0xaa, sizeof(key));
	const char *m = "Test Using Larger Than Block-Size Key - Hash Key First";
	hmac_sha256(key, sizeof(key), m, strlen(m), NULL, 0, d);
	hex_of(d, sizeof(d), h);
	CHECK(strcmp(h, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54") == 0);
}

/* The relay challenge: strict parse, and the answer leash checks (same vector as
 * src/transport/relay_auth_test.ts). */
static void test_bridge_auth(void)
{
	uint8_t secret[32], nonce[32];
	char answer[BRIDGE_ANSWER_MAX];
	const char *good = "leash-relay 1 "
			   "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f\n";
	for (int i = 0; i < 32; i++)
		secret[i] = (uint8_t)i;
	CHECK(bridge_parse_challenge(good, strlen(good), nonce) == 0);
	CHECK(nonce[0] == 0x20 && nonce[31] == 0x3f);
	CHECK(bridge_answer(secret, 32, nonce, "proxy", answer, sizeof(answer)) == 71);
	CHECK(strcmp(answer, "proxy e45dd4536c414bcaef0c2059c3ee10363b05fd3b4e4b5de08de1b9575df63906\n") == 0);
	CHECK(bridge_answer(secret, 32, nonce, "control", answer, sizeof(answer)) == 73);
	CHECK(strcmp(answer, "control 89c5456138ca23d9152f283369abb6b32fd41954bfa0e703fcbb854f40a72b64\n") == 0);
	CHECK(bridge_answer(secret, 32, nonce, "dns", answer, sizeof(answer)) == 69);
	CHECK(strcmp(answer, "dns 0a0aab87a7d14da9a707406ccb613fd52c094004eb87868ef316e4afee54267c\n") == 0);
	CHECK(bridge_answer(secret, 32, nonce, "probe", answer, sizeof(answer)) == 71);
	CHECK(bridge_answer(secret, 32, nonce, "shell", answer, sizeof(answer)) == -1);
	CHECK(bridge_answer(secret, 32, nonce, "proxy", answer, 20) == -1);
	/* Uppercase hex, a short line, another version, no newline: refused. */
	const char *bad[] = {
		"leash-relay 1 202122232425262728292A2B2C2D2E2F303132333435363738393a3b3c3d3e3f\n",
		"leash-relay 1 2021\n",
		"leash-relay 2 202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f\n",
		"leash-relay 1 202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f ",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(bridge_parse_challenge(bad[i], strlen(bad[i]), nonce) == -1);
}

int main(void)
{
	test_strings();
	test_bool_and_list();
	test_strict_numbers();
	test_strict_strings();
	test_duplicates();
	test_limits();
	test_entry_active();
	test_cgroup_path();
	test_base64();
	test_headers();
	test_escape();
	test_sha256();
	test_hmac();
	test_bridge_auth();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
