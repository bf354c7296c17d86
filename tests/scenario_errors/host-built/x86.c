// SPDX-License-Identifier: GPL-2.0-only
/* x86.c - compiled by the host compiler (x86-64) for object-x86.yaml: an object for another architecture. */
unsigned long start(void)
{
	return 42;
}
