// SPDX-License-Identifier: GPL-2.0-only
/*
 * unwind_data.c - compiled with unwind tables (-fasynchronous-unwind-tables:
 * .cfi_* directives, an .eh_frame section): reads and writes its own .data,
 * .rodata and .bss, and a scenario symbol, all through adrp + :lo12:.
 */
extern unsigned long SHARED[];          /* symbols: SHARED, the VA of the data block 'shared' */

static unsigned long own = 0x11;        /* .data */
static const unsigned long k[4] = { 0x100, 0x200, 0x300, 0x400 };   /* .rodata */
unsigned long zeroed;                   /* .bss */

static __attribute__((noinline)) unsigned long pick(unsigned long i)
{
	return k[i & 3];
}

unsigned long c_main(void)
{
	zeroed += SHARED[1];                /* 0x2000 */
	own += pick(SHARED[0]);             /* SHARED[0] = 0x1002: k[2] = 0x300 */
	SHARED[2] = own + zeroed + SHARED[0];
	return SHARED[2];                   /* 0x311 + 0x2000 + 0x1002 = 0x3313 */
}
