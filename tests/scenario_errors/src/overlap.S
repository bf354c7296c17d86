// SPDX-License-Identifier: GPL-2.0-only
/* overlap.S - text and an .idmap.text section (tests/scenario_errors/link-section-overlap.yaml). */
	.text
	.global start
start:
	bl	idmap_fn
	hlt	#0

	.pushsection ".idmap.text", "ax"
idmap_fn:
	mov	x0, #1
	ret
	.popsection
