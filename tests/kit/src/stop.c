// SPDX-License-Identifier: GPL-2.0-only
/*
 * stop.c - the kit's stop_machine start (tests/kit/stop-machine.yaml): one
 * PE calls sm_callback(arg), the others sm_wait(arg), each with its own
 * argument, only once every PE has counted itself in (kit_stop_count).
 * Both return (this PE's MPIDR_EL1.Aff0 << 16) | (PEs counted in at entry
 * << 8) | arg.
 */
extern unsigned long kit_stop_count[];

static unsigned long me(void)
{
	unsigned long v;
	asm volatile("mrs %0, mpidr_el1" : "=r"(v));
	return v & 0xff;
}

unsigned long sm_callback(unsigned long arg)
{
	return me() << 16 | kit_stop_count[0] << 8 | arg;
}

unsigned long sm_wait(unsigned long arg)
{
	return me() << 16 | kit_stop_count[0] << 8 | arg;
}
