/* An LD_PRELOAD library from the workspace: its constructor prints the payload's token. */
#include <stdio.h>

__attribute__((constructor)) static void ran(void)
{
	printf("LEASH-%s-%s\n", "PAYLOAD", "RAN");
	fflush(stdout);
}
