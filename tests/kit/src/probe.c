// SPDX-License-Identifier: GPL-2.0-only
/*
 * probe.c - what the kernel kit gives a C function (tests/kit/call.yaml):
 * a stack in the linear map, current in SP_EL0, its per-CPU offset in
 * TPIDR_EL1, data words holding the addresses of code and tables, and a
 * return that halts the PE with the result in x0.
 */
#define STACK_SIZE (16UL << 10)

struct task {
	unsigned long seen_sp_el0;
	unsigned long magic;
};

/* A per-CPU variable: its template in the image (the scenario places .data..percpu there). */
__attribute__((section(".data..percpu"))) unsigned long pcpu_count = 0x100;

static inline unsigned long read_sp_el0(void)
{
	unsigned long v;
	asm volatile("mrs %0, sp_el0" : "=r"(v));
	return v;
}

static inline unsigned long read_tpidr_el1(void)
{
	unsigned long v;
	asm volatile("mrs %0, tpidr_el1" : "=r"(v));
	return v;
}

#define current ((struct task *)read_sp_el0())
#define this_cpu_ptr(p) ((__typeof__(p))((unsigned long)(p) + read_tpidr_el1()))

__attribute__((noinline)) unsigned long probe_twice(unsigned long x)
{
	return 2 * x;
}

/* @table: the linear-map VA of the data words fn_table = {probe_twice, the tree k, the spare page} */
unsigned long probe_main(unsigned long arg, const unsigned long *table)
{
	volatile unsigned long local[4];
	unsigned long (*f)(unsigned long) = (unsigned long (*)(unsigned long))table[0];

	local[0] = arg;
	/* The lowest word of this PE's stack, through the stack's own VA: the scenario reads its PA. */
	*(volatile unsigned long *)((unsigned long)local & ~(STACK_SIZE - 1)) = arg ^ 0x5ac0;
	current->seen_sp_el0 = read_sp_el0();
	current->magic = 0x7a5c;
	*this_cpu_ptr(&pcpu_count) += arg;
	return f(local[0]) + 1;
}
