/* CA install: the distro's tool when present (update-ca-trust on the RHEL family,
 * update-ca-certificates on Debian/Ubuntu/Alpine), then make sure the system bundle
 * really holds the CA (append when the tool is missing or failed), and export the
 * bundle through the variables tools read. */
#define _GNU_SOURCE /* memfd_create */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "entry_ca.h"
#include "entry_util.h"

#define CERT_MAX (1 << 20)
#define BUNDLE_MAX (64 << 20)
#define TMP_BUNDLE "/tmp/leash-ca-bundle.pem"
#define DEFAULT_BUNDLE_DIR "/etc/ssl/certs"
#define DEFAULT_BUNDLE DEFAULT_BUNDLE_DIR "/ca-certificates.crt"

static const char *const BIN_DIRS[] = {"/usr/sbin", "/usr/bin", "/sbin", "/bin",
				       "/usr/local/sbin", "/usr/local/bin", NULL};
/* System bundles, most common first: Debian/Ubuntu/Alpine, RHEL family, SUSE, others. */
static const char *const BUNDLES[] = {DEFAULT_BUNDLE, "/etc/pki/tls/certs/ca-bundle.crt",
				      "/etc/ssl/ca-bundle.pem", "/etc/ssl/cert.pem", NULL};
static const char *const ENV_VARS[] = {"SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS", "REQUESTS_CA_BUNDLE",
				       "CURL_CA_BUNDLE", "GIT_SSL_CAINFO", NULL};

static int find_tool(const char *name, char *out, size_t cap)
{
	for (int i = 0; BIN_DIRS[i]; i++) {
		snprintf(out, cap, "%s/%s", BIN_DIRS[i], name);
		if (access(out, X_OK) == 0)
			return 0;
	}
	return -1;
}

/* The certificate's PEM block with all whitespace removed, to find it in a bundle
 * whatever its line wrapping. */
static char *squeeze(const char *text)
{
	char *out = malloc(strlen(text) + 1), *o = out;
	if (!out)
		return NULL;
	for (const char *p = text; *p; p++)
		if (*p != ' ' && *p != '\n' && *p != '\r' && *p != '\t')
			*o++ = *p;
	*o = '\0';
	return out;
}

static int bundle_contains(const char *bundle_path, const char *squeezed_cert)
{
	char *text;
	if (entry_read_file(bundle_path, BUNDLE_MAX, &text, NULL) < 0)
		return 0;
	char *flat = squeeze(text);
	free(text);
	int found = flat && strstr(flat, squeezed_cert) != NULL;
	free(flat);
	return found;
}

#define TOOL_OUTPUT_SHOWN 4096

/* Copies the last TOOL_OUTPUT_SHOWN bytes of the tool's captured output to stderr. */
static void show_output(int out, const char *tool)
{
	off_t size = lseek(out, 0, SEEK_END);
	if (size <= 0)
		return;
	off_t from = size > TOOL_OUTPUT_SHOWN ? size - TOOL_OUTPUT_SHOWN : 0;
	char buf[TOOL_OUTPUT_SHOWN];
	ssize_t n = pread(out, buf, sizeof(buf), from);
	if (n <= 0)
		return;
	entry_log("output of \"%s\"%s:", tool, from > 0 ? " (its end)" : "");
	ssize_t done = 0;
	while (done < n) {
		ssize_t w = write(STDERR_FILENO, buf + done, (size_t)(n - done));
		if (w <= 0)
			break;
		done += w;
	}
}

/* Runs a trust-store tool; its output is kept and shown only when it fails or times out
 * (update-ca-certificates warns about the bundle on every healthy run). 0 ok, 1 failed,
 * 2 timed out. */
static int run_tool(char *const argv[], double deadline)
{
	int out = memfd_create("leash-tool-output", MFD_CLOEXEC);
	pid_t pid = fork();
	if (pid < 0) {
		entry_log("warning: cannot start \"%s\": %s", argv[0], strerror(errno));
		if (out >= 0)
			close(out);
		return 1;
	}
	if (pid == 0) {
		/* Its own session, no terminal, no stdin: image code gets nothing of ours. */
		setsid();
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (null >= 0)
			dup2(null, STDIN_FILENO);
		if (out >= 0) {
			dup2(out, STDOUT_FILENO);
			dup2(out, STDERR_FILENO);
		} else {
			dup2(STDERR_FILENO, STDOUT_FILENO);
		}
		execv(argv[0], argv);
		fprintf(stderr, "cannot run \"%s\": %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	int status, rc = 1;
	for (;;) {
		pid_t done = waitpid(pid, &status, WNOHANG);
		if (done == pid)
			break;
		if (done < 0 && errno != EINTR) {
			entry_log("warning: waiting for \"%s\" failed: %s", argv[0], strerror(errno));
			goto out;
		}
		if (entry_now() >= deadline) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			rc = 2;
			goto out;
		}
		usleep(10000);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		rc = 0;
		goto out;
	}
	entry_log("warning: \"%s\" failed (%s %d): falling back to the bundle file", argv[0],
		  WIFEXITED(status) ? "exit status" : "signal",
		  WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
out:
	if (out >= 0) {
		if (rc != 0)
			show_output(out, argv[0]);
		close(out);
	}
	return rc;
}

/* Puts the CA where the distro's tool picks it up and runs the tool; 0 done or no tool,
 * 1 failed (caller falls back), 2 timed out. */
static int install_with_tool(const char *pem, double deadline, double timeout_s)
{
	char tool[PATH_MAX], anchor[PATH_MAX];
	char *argv[3] = {tool, NULL, NULL};
	struct stat st;
	if (find_tool("update-ca-trust", tool, sizeof(tool)) == 0 &&
	    stat("/etc/pki/ca-trust/source/anchors", &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(anchor, sizeof(anchor), "/etc/pki/ca-trust/source/anchors/leash.pem");
		argv[1] = "extract";
	} else if (find_tool("update-ca-certificates", tool, sizeof(tool)) == 0) {
		if (entry_mkdir_p("/usr/local/share/ca-certificates") != 0) {
			entry_log("warning: cannot create \"/usr/local/share/ca-certificates\": %s",
				  strerror(errno));
			return 1;
		}
		snprintf(anchor, sizeof(anchor), "/usr/local/share/ca-certificates/leash.crt");
	} else {
		return 0;
	}
	if (entry_write_atomic(anchor, pem, strlen(pem), 0644) != 0)
		return 1;
	int rc = run_tool(argv, deadline);
	if (rc == 2)
		entry_log("Timed out after %g s in phase bootstrap: CA install blocked: \"%s\" did not "
			  "finish; allow it to run in the image or remove it",
			  timeout_s, tool);
	else if (rc == 0)
		entry_log("CA added to the system store with \"%s\"", tool);
	return rc;
}

/* Appends the CA to an existing bundle, rewriting the real file atomically. */
static int append_to_bundle(const char *bundle, const char *pem)
{
	char real[PATH_MAX];
	if (!realpath(bundle, real))
		return -1;
	char *text;
	size_t len;
	if (entry_read_file(real, BUNDLE_MAX, &text, &len) < 0)
		return -1;
	size_t plen = strlen(pem);
	char *joined = malloc(len + plen + 2);
	if (!joined) {
		free(text);
		return -1;
	}
	memcpy(joined, text, len);
	size_t n = len;
	if (n && joined[n - 1] != '\n')
		joined[n++] = '\n';
	memcpy(joined + n, pem, plen);
	n += plen;
	free(text);
	struct stat st;
	mode_t mode = stat(real, &st) == 0 ? (st.st_mode & 07777) | 0444 : 0644;
	int rc = entry_write_atomic(real, joined, n, mode);
	free(joined);
	return rc;
}

/* Writes the system bundle (if any) plus the CA to a private file; last resort. */
static int write_tmp_bundle(const char *sys, const char *pem)
{
	char *text = NULL;
	size_t len = 0;
	if (sys && entry_read_file(sys, BUNDLE_MAX, &text, &len) < 0)
		text = NULL, len = 0;
	size_t plen = strlen(pem);
	char *joined = malloc(len + plen + 2);
	if (!joined) {
		free(text);
		return -1;
	}
	if (text)
		memcpy(joined, text, len);
	size_t n = len;
	if (n && joined[n - 1] != '\n')
		joined[n++] = '\n';
	memcpy(joined + n, pem, plen);
	free(text);
	int rc = entry_write_atomic(TMP_BUNDLE, joined, n + plen, 0644);
	free(joined);
	return rc;
}

static const char *first_bundle(void)
{
	for (int i = 0; BUNDLES[i]; i++)
		if (entry_exists(BUNDLES[i]))
			return BUNDLES[i];
	return NULL;
}

int entry_ca_install(double deadline, double timeout_s)
{
	char *pem;
	size_t len;
	int rc = entry_read_file(ENTRY_CA_CERT, CERT_MAX, &pem, &len);
	if (rc == -ENOENT) {
		entry_log("no CA at \"%s\": skipping CA install (HTTPS interception will not be "
			  "trusted)",
			  ENTRY_CA_CERT);
		return 0;
	}
	if (rc < 0) {
		entry_log("Cannot install CA \"%s\": reading it failed: %s", ENTRY_CA_CERT, strerror(-rc));
		return ENTRY_EXIT_CA;
	}
	const char *begin = strstr(pem, "-----BEGIN CERTIFICATE-----");
	const char *end = begin ? strstr(begin, "-----END CERTIFICATE-----") : NULL;
	if (!end || strlen(pem) != len) {
		entry_log("Cannot install CA \"%s\": not a PEM certificate; the host must write one",
			  ENTRY_CA_CERT);
		free(pem);
		return ENTRY_EXIT_CA;
	}
	/* Only the certificate block, newline-terminated, goes into trust stores. */
	size_t blen = (size_t)(end - begin) + strlen("-----END CERTIFICATE-----");
	char *block = malloc(blen + 2);
	if (!block) {
		free(pem);
		return ENTRY_EXIT_INTERNAL;
	}
	memcpy(block, begin, blen);
	block[blen] = '\n';
	block[blen + 1] = '\0';
	free(pem);
	char *needle = squeeze(block);
	if (!needle) {
		free(block);
		return ENTRY_EXIT_INTERNAL;
	}

	int result = 0;
	const char *bundle = NULL;
	rc = install_with_tool(block, deadline, timeout_s);
	if (rc == 2) {
		result = ENTRY_EXIT_TIMEOUT;
		goto cleanup;
	}
	const char *sys = first_bundle();
	if (sys && bundle_contains(sys, needle)) {
		bundle = sys;
	} else if (sys) {
		if (append_to_bundle(sys, block) == 0 && bundle_contains(sys, needle)) {
			entry_log("CA appended to the system bundle \"%s\"", sys);
			bundle = sys;
		}
	} else if (entry_mkdir_p(DEFAULT_BUNDLE_DIR) == 0 &&
		   entry_write_atomic(DEFAULT_BUNDLE, block, strlen(block), 0644) == 0) {
		entry_log("no system CA bundle in the image: created \"%s\" with the leash CA",
			  DEFAULT_BUNDLE);
		bundle = DEFAULT_BUNDLE;
	}
	if (!bundle) {
		if (write_tmp_bundle(sys, block) != 0) {
			entry_log("Cannot install CA: the system store and \"%s\" are not writable: make "
				  "/etc/ssl/certs or /tmp writable in the image",
				  TMP_BUNDLE);
			result = ENTRY_EXIT_CA;
			goto cleanup;
		}
		entry_log("warning: system trust store unchanged (read-only?); only programs that read "
			  "the CA variables trust \"%s\"",
			  TMP_BUNDLE);
		bundle = TMP_BUNDLE;
	}
	for (int i = 0; ENV_VARS[i]; i++)
		setenv(ENV_VARS[i], bundle, 1);
cleanup:
	free(needle);
	free(block);
	return result;
}
