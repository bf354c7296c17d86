// SPDX-License-Identifier: GPL-2.0-only
/* bad.c - does not compile (tests/scenario_errors/c-compile-error.yaml). */
unsigned long start(void)
{
	unsigned long y = 1;
	return x + y;
}
