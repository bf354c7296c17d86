/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * proc.S - the secondaries' wait while CPU 0 splits the linear map, after
 * wait_linear_map_split_to_ptes in arch/arm64/mm/proc.S (v6.18), written
 * for bbmsim from the algorithm (docs/kernel-code.md).
 *
 * It lives in .idmap.text and is called at its PA, with the idmap in TTBR0:
 * it must not touch anything TTBR1 maps while parked. It takes swapper out
 * of TTBR1 (the empty reserved_pg_dir instead, then a local TLBI VMALLE1,
 * so this CPU can neither hold nor walk a linear-map entry), counts itself
 * in on the shared flag, sleeps until CPU 0 writes 0 there, and puts
 * swapper back.
 *
 * x0: bugs to inject, for bbmsim's broken variants only; assembled only
 * with -DINJECT_BUGS (the kernel's routine takes no argument):
 *   bit 0  keep swapper in TTBR1 (skip the reserved TTBR1 and its TLBI)
 *   bit 1  touch the stack (a linear-map VA) while parked, as a call would
 */
#include "asm.h"

#define INJECT_KEEP_SWAPPER	0
#define INJECT_PARKED_STACK	1

/* TTBR1 := the empty table, then forget everything swapper gave this CPU. */
	.macro	idmap_cpu_set_reserved_ttbr1, tmp1
	ldr	\tmp1, =reserved_pg_dir
	msr	ttbr1_el1, \tmp1
	isb
	tlbi	vmalle1
	dsb	nsh
	isb
	.endm

	.pushsection ".idmap.text", "ax"
SYM_FUNC_START(wait_linear_map_split_to_ptes)
	swapper_ttb	.req	x3
	flag_ptr	.req	x4

	mrs	swapper_ttb, ttbr1_el1
	adr_l	flag_ptr, idmap_kpti_bbml2_flag
#ifdef INJECT_BUGS
	tbnz	x0, #INJECT_KEEP_SWAPPER, 1f
#endif
	idmap_cpu_set_reserved_ttbr1 x16
1:
	/* Check in: one more CPU parked. */
2:	ldxr	w16, [flag_ptr]
	add	w16, w16, #1
	stxr	w17, w16, [flag_ptr]
	cbnz	w17, 2b

#ifdef INJECT_BUGS
	tbz	x0, #INJECT_PARKED_STACK, 3f
	stp	x29, x30, [sp, #-16]!
	ldp	x29, x30, [sp], #16
3:
#endif
	/* Sleep until CPU 0 clears the flag (its store clears our exclusive monitor: an event). */
	sevl
4:	wfe
	ldxr	w16, [flag_ptr]
	cbnz	w16, 4b

	/* The linear map is pages now: swapper back in TTBR1. */
	msr	ttbr1_el1, swapper_ttb
	isb
	ret

	.unreq	swapper_ttb
	.unreq	flag_ptr
SYM_FUNC_END(wait_linear_map_split_to_ptes)
	.ltorg
	.popsection
