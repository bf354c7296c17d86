/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * asm.h - assemble one block of AArch64 source with GNU as
 * (aarch64-linux-gnu-as) and link it at a fixed address, returning the raw
 * bytes: its sections one after the other from the base in link.h's order
 * (text, read-only data, data, bss). The tools' diagnostics come back line
 * by line. A convenience over link.h for tests, benches and litmus runs.
 */
#ifndef BBMSIM_ASM_H
#define BBMSIM_ASM_H

#include <stddef.h>
#include <stdint.h>

typedef struct AsmDiag {
	int line;          /* line in the source given to asm_assemble (1-based), 0 if unknown */
	char msg[256];     /* "Error: unknown mnemonic `foo'" */
} AsmDiag;

typedef struct AsmResult {
	uint8_t *bytes;    /* malloc'ed; free with asm_result_fini */
	size_t len;
	AsmDiag *diag;     /* errors (and warnings) from the tools */
	size_t ndiag;
	char tool_error[256];   /* a tool is missing or failed without a diagnostic */
} AsmResult;

/*
 * Assemble @src (GNU as syntax, -march=armv8.4-a) linked at @base.
 * Returns 0 on success; nonzero with diagnostics (and tool_error: what
 * failed, in one line) in @r otherwise. The environment variable
 * BBMSIM_CROSS overrides the tool prefix (default "aarch64-linux-gnu-").
 */
int asm_assemble(const char *src, uint64_t base, AsmResult *r);
void asm_result_fini(AsmResult *r);

#endif
