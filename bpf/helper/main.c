/* leash-helper: one static binary, two roles (plus "probe", which reports which eBPF
 * program types this kernel loads). Invoked as "leash-entry" (argv[0]
 * basename) or "leash-helper entry ..." it is the target's entrypoint; as
 * "leash-helper manager ..." it is the manager. */
#include <stdio.h>
#include <string.h>
#include "roles.h"

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

int main(int argc, char **argv)
{
	if (argc > 0 && strcmp(base_name(argv[0]), "leash-entry") == 0)
		return entry_main(argc, argv);
	if (argc > 1 && strcmp(argv[1], "entry") == 0)
		return entry_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "manager") == 0)
		return manager_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "bridge") == 0)
		return bridge_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "probe") == 0)
		return probe_main(argc - 1, argv + 1);
	fprintf(stderr, "usage: leash-helper manager|entry|bridge|probe [ARGS...]\n"
			"       (or run as leash-entry)\n");
	return 2;
}
