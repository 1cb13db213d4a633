/* Placeholder until the entry role lands: refuses to run so nothing executes unenforced. */
#include <stdio.h>
#include "roles.h"

int entry_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "leash-entry: not implemented in this build; refusing to run the command\n");
	return 125;
}
