// SPDX-License-Identifier: GPL-2.0-only
/* got.c - compiled with -fpic it reaches 'shared' through a GOT (tests/scenario_errors/link-got.yaml). */
extern unsigned long shared[];

unsigned long start(void)
{
	return shared[0];
}
