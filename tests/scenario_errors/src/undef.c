// SPDX-License-Identifier: GPL-2.0-only
/* undef.c - calls a function nothing defines (tests/scenario_errors/link-undefined-symbol.yaml). */
void missing_fn(void);

void start(void)
{
	missing_fn();
	__asm__ volatile("hlt #0");
}
