/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sysinsn.h - decode of the A64 instructions the model executes itself:
 * barriers, hints, exception generation, TLBI/AT/DC/IC and MSR/MRS.
 * Encodings: Arm ARM C6 (SYS, MSR, MRS, DSB, ...).
 */
#ifndef BBMSIM_SYSINSN_H
#define BBMSIM_SYSINSN_H

#include <stdbool.h>
#include <stdint.h>

typedef enum SysKind {
	SYS_NOP, SYS_WFE, SYS_WFI, SYS_SEV, SYS_SEVL,
	SYS_DSB, SYS_DMB, SYS_ISB,
	SYS_SVC, SYS_HVC, SYS_SMC, SYS_BRK, SYS_HLT, SYS_ERET,
	SYS_TLBI, SYS_AT, SYS_DC_IC,
	SYS_MSR, SYS_MRS,
} SysKind;

#define SYSREG_KEY(op0, op1, crn, crm, op2) \
	((unsigned)((op0) << 14 | (op1) << 11 | (crn) << 7 | (crm) << 3 | (op2)))

enum {
	SYSREG_MIDR_EL1         = SYSREG_KEY(3, 0, 0, 0, 0),
	SYSREG_MPIDR_EL1        = SYSREG_KEY(3, 0, 0, 0, 5),
	SYSREG_ID_AA64MMFR2_EL1 = SYSREG_KEY(3, 0, 0, 7, 2),
	SYSREG_SCTLR_EL1        = SYSREG_KEY(3, 0, 1, 0, 0),
	SYSREG_TTBR0_EL1        = SYSREG_KEY(3, 0, 2, 0, 0),
	SYSREG_TTBR1_EL1        = SYSREG_KEY(3, 0, 2, 0, 1),
	SYSREG_TCR_EL1          = SYSREG_KEY(3, 0, 2, 0, 2),
	SYSREG_MAIR_EL1         = SYSREG_KEY(3, 0, 10, 2, 0),
	SYSREG_VBAR_EL1         = SYSREG_KEY(3, 0, 12, 0, 0),
};

typedef struct SysInsn {
	SysKind kind;
	unsigned op0, op1, crn, crm, op2, rt;
	unsigned imm;           /* SVC/HVC/SMC/BRK/HLT immediate */
	unsigned sysreg;        /* SYSREG_KEY for MSR/MRS */
} SysInsn;

/* Decode @insn; false when it is none of the instructions above. */
bool sysinsn_decode(uint32_t insn, SysInsn *out);

/*
 * Does @insn touch state another PE can see or change, so that its place
 * in an interleaving matters? Loads and stores of any kind (atomics,
 * exclusives, prefetches), DSB (completes TLBIs, publishes table stores),
 * TLBI, AT, DC/IC (DC ZVA stores), SEV, WFE, WFI, and MSR to the registers
 * that decide translation (TTBR0/1, TCR, SCTLR, MAIR). Everything else
 * touches only the PE's own registers in the model (DMB and ISB included:
 * the model is sequentially consistent and has no pipeline) and commutes
 * with every other PE's steps. The explorers choose only before shared
 * instructions (docs/explore.md); the instruction's fetch is the caller's
 * concern.
 */
bool sysinsn_is_shared(uint32_t insn);

/* LDXR, LDAXR, LDXP, LDAXP (any size): arms the exclusive monitor. */
bool sysinsn_is_load_exclusive(uint32_t insn);
/* A store-exclusive (STXR, STLXR, STXP, STLXP): its status register in *@rs (may be NULL). */
bool sysinsn_is_store_exclusive(uint32_t insn, unsigned *rs);

/*
 * How an instruction may be run inside a batch (several instructions of one
 * PE in one Unicorn call, schedule quantum > 1): PLAIN touches only
 * registers; LOAD is a plain load (no exclusive, no store); BRANCH and
 * STORE (a plain store: its table stores are committed after it) may only
 * end a batch; STOP must be stepped alone (exclusives, atomics, SIMD
 * structure loads and stores, system and exception-generating
 * instructions, everything not recognised).
 */
typedef enum InsnBatch {
	INSN_BATCH_STOP,
	INSN_BATCH_PLAIN,
	INSN_BATCH_LOAD,
	INSN_BATCH_BRANCH,
	INSN_BATCH_STORE,
} InsnBatch;

InsnBatch sysinsn_batch_class(uint32_t insn);

/*
 * Is @insn, at @pc, one that reads and writes only general-purpose
 * registers, SP, NZCV and the PC, and can never raise an exception
 * (whatever the registers hold and whatever CPACR, SCTLR and the EL are)?
 * Such an instruction commutes with everything other PEs do, so the
 * machine may execute it later than its turn (deferral at quantum 1,
 * docs/design.md "Deferral"). A short list of allocated integer encodings:
 * ADD/SUB (immediate, shifted register), logical (immediate, shifted
 * register), MOVZ/MOVN/MOVK, SBFM/BFM/UBFM, CSEL/CSINC/CSINV/CSNEG, ADR,
 * ADRP, B and BL; not FP/SIMD (they trap when CPACR disables them), not
 * conditional or register branches (the next PC depends on registers).
 * @next gets the PC of the instruction that follows (the target of B/BL).
 */
bool sysinsn_register_only(uint32_t insn, uint64_t pc, uint64_t *next);

/* bbmsim's own name for TLBI/DSB/DMB/ISB/hints ("dsb ish", "tlbi vae1is, x1"). */
bool sysinsn_name(uint32_t insn, char *buf, unsigned len);

#endif
