/* A workspace program the policy never lets execute: it prints a token that must never
 * appear in a containment attempt's output (tests/adversarial/attempts_contain.ts). */
#include <stdio.h>

int main(void)
{
	printf("LEASH-%s-%s\n", "PAYLOAD", "RAN");
	return 0;
}
