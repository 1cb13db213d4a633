/* Strict check of the target cgroup path (cgroup_path.h). */
#include <string.h>
#include "cgroup_path.h"

int cgroup_path_check(const char *path)
{
	size_t len = strlen(path);
	if (len < 2 || len > 4000 || path[0] != '/')
		return -1;
	for (const char *p = path; *p;) {
		const char *c = p + 1, *end = strchr(c, '/');
		size_t n = end ? (size_t)(end - c) : strlen(c);
		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return -1;
		p = c + n;
	}
	return 0;
}
