// SPDX-License-Identifier: GPL-2.0-only
/*
 * bug.c - BUG() in a kernel function (tests/kit/bug.yaml): brk #0x800, as
 * arm64's BUG() emits it. With no vector table the PE stops there, and the
 * report names the function: "brk #0x800 at do_bug+0x...".
 */
#define BUG() asm volatile(".global bug_site\nbug_site:\tbrk #0x800")

__attribute__((noinline)) void do_bug(unsigned long x)
{
	if (x > 3)
		BUG();
}

unsigned long bug_main(unsigned long x)
{
	do_bug(x);
	return x;
}
