/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * asm.h - the assembler helpers proc.S uses, with the kernel's names
 * (include/linux/linkage.h, arch/arm64/include/asm/assembler.h), written
 * for bbmsim.
 */
#ifndef BBMSIM_ASM_H
#define BBMSIM_ASM_H

#define SYM_FUNC_START(name)	\
	.global name;		\
	.type name, %function;	\
	.balign 4;		\
name:

#define SYM_FUNC_END(name)	\
	.size name, . - name

/* The address of @sym, PC-relative: at its PA when the code runs at its PA. */
	.macro	adr_l, dst, sym
	adrp	\dst, \sym
	add	\dst, \dst, :lo12:\sym
	.endm

#endif
