/* Placeholder until the manager role lands: refuses to run. */
#include <stdio.h>
#include "roles.h"

int manager_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "leash-helper manager: not implemented in this build\n");
	return 125;
}
