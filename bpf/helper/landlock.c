/* Landlock for leash-entry: parse the host's ruleset file, build a ruleset with the
 * access rights this kernel's ABI supports, restrict ourselves before exec. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "entry_util.h"
#include "landlock.h"

/* Rights newer than the build machine's headers (values are kernel ABI). */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#define __NR_landlock_add_rule 445
#define __NR_landlock_restrict_self 446
#endif

#define RULES_MAX (4 << 20)
/* Entries "each" rules may grant in all; past it the rest stays denied (warned). */
#define EACH_MAX 20000

#define CLASS_R (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define CLASS_W                                                                                \
	(LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |                       \
	 LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |                      \
	 LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK | \
	 LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |                         \
	 LANDLOCK_ACCESS_FS_MAKE_SYM | LANDLOCK_ACCESS_FS_REFER | LANDLOCK_ACCESS_FS_TRUNCATE | \
	 LANDLOCK_ACCESS_FS_IOCTL_DEV)
#define CLASS_X (LANDLOCK_ACCESS_FS_EXECUTE)
/* The rights that apply to a non-directory; others make landlock_add_rule fail. */
#define FILE_RIGHTS                                                                            \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE | \
	 LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV)

struct rule {
	uint64_t access;
	const char *path;
	int line;
	int each;	  /* 1: a rule on each entry of path, but the except names */
	int except_start; /* index of its first name in the except array */
	int except_count;
};

struct excepts {
	const char **names;
	int count, cap;
};

static uint64_t supported_rights(int abi)
{
	uint64_t r = (1ULL << 13) - 1; /* ABI 1: EXECUTE .. MAKE_SYM */
	if (abi >= 2)
		r |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		r |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		r |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return r;
}

/* "rwx" → rights; 0 when the word is not a non-empty set of distinct classes. */
static uint64_t parse_classes(const char *word, size_t len)
{
	uint64_t rights = 0;
	int seen = 0;
	if (len == 0 || len > 3)
		return 0;
	for (size_t i = 0; i < len; i++) {
		int bit = word[i] == 'r' ? 1 : word[i] == 'w' ? 2 : word[i] == 'x' ? 4 : 0;
		if (!bit || (seen & bit))
			return 0;
		seen |= bit;
		rights |= bit == 1 ? CLASS_R : bit == 2 ? CLASS_W : CLASS_X;
	}
	return rights;
}

/* Parses the file in place; rules point into text. Returns 0 or -1 logged. */
static int parse_rules(const char *file, char *text, uint64_t *handled, struct rule **rules,
		       int *n_rules, struct excepts *ex)
{
	int line_no = 0, have_header = 0, have_handle = 0, cap = 0, version = 0;
	*rules = NULL;
	*n_rules = 0;
	char *next = text;
	while (next && *next) {
		char *line = next;
		char *nl = strchr(line, '\n');
		next = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		line_no++;
		if (!*line || *line == '#')
			continue;
		const char *why = NULL;
		char *space = strchr(line, ' ');
		if (!have_header) {
			version = strcmp(line, "leash-landlock 2") == 0 ? 2 : 0;
			if (!version)
				why = "expected the header \"leash-landlock 2\" (format version mismatch: "
				      "upgrade both halves)";
			have_header = 1;
		} else if (!space) {
			why = "expected \"CLASSES PATH\" or \"handle CLASSES\"";
		} else if (strncmp(line, "handle ", 7) == 0) {
			*handled = parse_classes(line + 7, strlen(line + 7));
			if (have_handle++)
				why = "\"handle\" given twice";
			else if (!*handled)
				why = "\"handle\" needs a set of r, w, x";
			else if (*n_rules)
				why = "\"handle\" must come before the rules";
		} else if (version >= 2 && strncmp(line, "except ", 7) == 0) {
			const char *name = line + 7;
			if (!*n_rules || !(*rules)[*n_rules - 1].each)
				why = "\"except\" must follow an \"each\" rule";
			else if (!*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
				why = "\"except\" needs a name (no \"/\", not \".\" or \"..\")";
			else {
				if (ex->count == ex->cap) {
					ex->cap = ex->cap ? ex->cap * 2 : 16;
					const char **grown =
						realloc(ex->names, (size_t)ex->cap * sizeof(*ex->names));
					if (!grown) {
						why = "out of memory";
						goto bad;
					}
					ex->names = grown;
				}
				ex->names[ex->count++] = name;
				(*rules)[*n_rules - 1].except_count++;
			}
		} else {
			int each = version >= 2 && strncmp(line, "each ", 5) == 0;
			if (each) {
				line += 5;
				space = strchr(line, ' ');
			}
			uint64_t access = space ? parse_classes(line, (size_t)(space - line)) : 0;
			if (!have_handle)
				why = "a rule before \"handle\"";
			else if (!access)
				why = "the classes must be a set of r, w, x";
			else if (space[1] != '/')
				why = "the path must be absolute";
			else {
				if (*n_rules == cap) {
					cap = cap ? cap * 2 : 32;
					struct rule *grown = realloc(*rules, (size_t)cap * sizeof(**rules));
					if (!grown) {
						why = "out of memory";
						goto bad;
					}
					*rules = grown;
				}
				(*rules)[(*n_rules)++] = (struct rule){.access = access,
								       .path = space + 1,
								       .line = line_no,
								       .each = each,
								       .except_start = ex->count};
			}
		}
		if (why) {
		bad:
			entry_log("Cannot apply Landlock rules \"%s\": line %d: %s", file, line_no, why);
			free(*rules);
			*rules = NULL;
			free(ex->names);
			ex->names = NULL;
			return -1;
		}
	}
	if (!have_header || !have_handle) {
		entry_log("Cannot apply Landlock rules \"%s\": %s", file,
			  have_header ? "no \"handle\" line" : "the file is empty");
		free(*rules);
		*rules = NULL;
		free(ex->names);
		ex->names = NULL;
		return -1;
	}
	return 0;
}

/* Adds a beneath-rule for fd (narrowed to file rights on a non-directory); 0 or -errno. */
static int add_fd_rule(int ruleset, int fd, uint64_t access)
{
	struct stat st;
	if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode))
		access &= FILE_RIGHTS;
	struct landlock_path_beneath_attr beneath = {.allowed_access = access, .parent_fd = fd};
	if (access && syscall(__NR_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &beneath, 0) != 0)
		return -errno;
	return 0;
}

/* Grants r's access on each entry of r->path but its except names and symlinks; 0 or -1. */
static int apply_each(int ruleset, const struct rule *r, uint64_t access, const struct excepts *ex,
		      int *budget, int *added, int *skipped)
{
	int dfd = open(r->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) {
			entry_log("warning: Landlock rule on each entry of \"%s\" (line %d) skipped: "
				  "not a directory",
				  r->path, r->line);
			(*skipped)++;
			return 0;
		}
		entry_log("Cannot apply Landlock rule on each entry of \"%s\" (line %d): %s",
			  r->path, r->line, strerror(errno));
		return -1;
	}
	DIR *dir = fdopendir(dfd);
	if (!dir) {
		entry_log("Cannot list \"%s\" for Landlock (line %d): %s", r->path, r->line,
			  strerror(errno));
		close(dfd);
		return -1;
	}
	int result = 0;
	struct dirent *e;
	while ((e = readdir(dir))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		int excluded = 0;
		for (int i = 0; i < r->except_count && !excluded; i++)
			excluded = !strcmp(ex->names[r->except_start + i], e->d_name);
		if (excluded)
			continue;
		if (--*budget < 0) {
			entry_log("warning: Landlock rules on the entries of \"%s\" (line %d): too many "
				  "entries, the rest is denied",
				  r->path, r->line);
			break;
		}
		int fd = openat(dirfd(dir), e->d_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue; /* gone since readdir: nothing to allow */
		struct stat st;
		if (fstat(fd, &st) != 0 || S_ISLNK(st.st_mode)) {
			close(fd);
			continue; /* a rule on a symlink would grant its target */
		}
		int rc = add_fd_rule(ruleset, fd, access);
		close(fd);
		if (rc < 0) {
			entry_log("Cannot apply Landlock rule on \"%s/%s\" (line %d): %s", r->path,
				  e->d_name, r->line, strerror(-rc));
			result = -1;
			break;
		}
		(*added)++;
	}
	closedir(dir);
	return result;
}

static void describe(uint64_t handled, char *out)
{
	int n = 0;
	if (handled & CLASS_R)
		out[n++] = 'r';
	if (handled & CLASS_W)
		out[n++] = 'w';
	if (handled & CLASS_X)
		out[n++] = 'x';
	out[n] = '\0';
}

int entry_landlock_apply(const char *rules_path)
{
	int abi = (int)syscall(__NR_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 1) {
		entry_log("Cannot apply Landlock: the kernel refuses it (%s): enable Landlock "
			  "(CONFIG_SECURITY_LANDLOCK, lsm=landlock) or let kernel-lsm govern files",
			  strerror(errno));
		return -1;
	}
	char *text;
	int rc = entry_read_file(rules_path, RULES_MAX, &text, NULL);
	if (rc < 0) {
		entry_log("Cannot apply Landlock rules \"%s\": %s%s", rules_path, strerror(-rc),
			  rc == -ENOENT ? ": the host must write it before enforcement.active" : "");
		return -1;
	}
	uint64_t classes = 0;
	struct rule *rules;
	int n_rules;
	struct excepts ex = {0};
	int budget = EACH_MAX;
	if (parse_rules(rules_path, text, &classes, &rules, &n_rules, &ex) != 0) {
		free(text);
		return -1;
	}
	uint64_t handled = classes & supported_rights(abi);
	struct landlock_ruleset_attr attr = {.handled_access_fs = handled};
	int ruleset = (int)syscall(__NR_landlock_create_ruleset, &attr, sizeof(attr), 0);
	int result = -1, added = 0, skipped = 0;
	if (ruleset < 0) {
		entry_log("Cannot apply Landlock: creating the ruleset failed: %s", strerror(errno));
		goto cleanup;
	}
	for (int i = 0; i < n_rules; i++) {
		if (rules[i].each) {
			if (apply_each(ruleset, &rules[i], rules[i].access & handled, &ex, &budget,
				       &added, &skipped) != 0)
				goto cleanup;
			continue;
		}
		int fd = open(rules[i].path, O_PATH | O_CLOEXEC);
		if (fd < 0) {
			if (errno == ENOENT || errno == ENOTDIR) {
				/* Nothing there to allow; it stays denied like every unlisted path. */
				entry_log("warning: Landlock rule \"%s\" (line %d) skipped: no such path",
					  rules[i].path, rules[i].line);
				skipped++;
				continue;
			}
			entry_log("Cannot apply Landlock rule \"%s\" (line %d): open failed: %s",
				  rules[i].path, rules[i].line, strerror(errno));
			goto cleanup;
		}
		int rc = add_fd_rule(ruleset, fd, rules[i].access & handled);
		if (rc < 0) {
			entry_log("Cannot apply Landlock rule \"%s\" (line %d): %s", rules[i].path,
				  rules[i].line, strerror(-rc));
			close(fd);
			goto cleanup;
		}
		close(fd);
		added++;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		entry_log("Cannot apply Landlock: PR_SET_NO_NEW_PRIVS failed: %s", strerror(errno));
		goto cleanup;
	}
	if (syscall(__NR_landlock_restrict_self, ruleset, 0) != 0) {
		entry_log("Cannot apply Landlock: landlock_restrict_self failed: %s", strerror(errno));
		goto cleanup;
	}
	char what[4];
	describe(handled, what);
	entry_log("Landlock ABI %d applied: %d rules (%d skipped), governing \"%s\"", abi, added,
		  skipped, what);
	result = 0;
cleanup:
	if (ruleset >= 0)
		close(ruleset);
	free(rules);
	free(ex.names);
	free(text);
	return result;
}
