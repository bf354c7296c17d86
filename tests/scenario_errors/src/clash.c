// SPDX-License-Identifier: GPL-2.0-only
/* clash.c - defines a global that is also a scenario name (tests/scenario_errors/link-symbol-clash.yaml). */
unsigned long counter = 1;

unsigned long start(void)
{
	return counter;
}
