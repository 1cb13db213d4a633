/* A dynamically linked program for the executable-mapping tests: prints MESSAGE (a -D
 * define: "dyn ran" for the permitted binary, "payload ran" for the workspace payload). */
#include <stdio.h>

int main(void)
{
	puts(MESSAGE);
	return 0;
}
