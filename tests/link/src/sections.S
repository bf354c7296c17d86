// SPDX-License-Identifier: GPL-2.0-only
/*
 * sections.S - code in named sections: .idmap.text (placed by the scenario
 * at its own VA and PA, as the kernel's idmap text) and .head.text (left in
 * the entry's pages after .text). Both are reached with bl; the bl to
 * .idmap.text is out of range (from the TTBR1 half to a low PA), so ld
 * adds a veneer in the caller's pages.
 */
	.text
	.global kern_start
kern_start:
	bl	idmap_fn		// into .idmap.text
	mov	x19, x0
	bl	head_fn			// into .head.text
	mov	x20, x0
	ldr	x21, =idmap_fn		// its link address, through a literal (R_AARCH64_ABS64)
	bl	c_twice			// into another code entry (C)
	mov	x22, x0
	bl	plain_fn		// into a .s entry
	mov	x23, x0
	hlt	#0

	.pushsection ".idmap.text", "ax"
	.global idmap_fn
idmap_fn:
	adr	x0, .
	ret
	.popsection

	.pushsection ".head.text", "ax"
head_fn:
	mov	x0, #0x77
	ret
	.popsection
