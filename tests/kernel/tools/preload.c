/* An LD_PRELOAD library for the executable-mapping tests: its constructor prints
 * "preload ran" before the program's main, which is what a denied preload must never do. */
#include <stdio.h>

__attribute__((constructor)) static void preload_ran(void)
{
	puts("preload ran");
	fflush(stdout);
}
