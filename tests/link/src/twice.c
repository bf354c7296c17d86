// SPDX-License-Identifier: GPL-2.0-only
/* twice.c - a C function another code entry calls with bl. */
unsigned long c_twice(void)
{
	return 2 * 0x21;
}
