// SPDX-License-Identifier: GPL-2.0-only
/*
 * sysinsn.c - decode of barriers, hints, exception generation and system
 * instructions (Arm ARM C6.2: DSB, DMB, ISB, WFE, SEV, SEVL, SVC, HVC, BRK,
 * HLT, SYS/TLBI/AT/DC/IC, MSR, MRS).
 */
#include <stdio.h>
#include <string.h>
#include "bbmsim/sysinsn.h"
#include "bbmsim/tlb.h"

bool sysinsn_decode(uint32_t insn, SysInsn *s)
{
	memset(s, 0, sizeof(*s));
	if (insn == 0xd69f03e0u) {
		s->kind = SYS_ERET;
		return true;
	}
	if ((insn & 0xff000000u) == 0xd4000000u) {
		unsigned opc = (insn >> 21) & 7, ll = insn & 3, op2 = (insn >> 2) & 7;
		s->imm = (insn >> 5) & 0xffff;
		if (op2 != 0)
			return false;
		if (opc == 0 && ll == 1) s->kind = SYS_SVC;
		else if (opc == 0 && ll == 2) s->kind = SYS_HVC;
		else if (opc == 0 && ll == 3) s->kind = SYS_SMC;
		else if (opc == 1 && ll == 0) s->kind = SYS_BRK;
		else if (opc == 2 && ll == 0) s->kind = SYS_HLT;
		else return false;
		return true;
	}
	if ((insn & 0xffc00000u) != 0xd5000000u)
		return false;
	unsigned l = (insn >> 21) & 1;
	s->op0 = (insn >> 19) & 3;
	s->op1 = (insn >> 16) & 7;
	s->crn = (insn >> 12) & 15;
	s->crm = (insn >> 8) & 15;
	s->op2 = (insn >> 5) & 7;
	s->rt = insn & 31;
	s->sysreg = SYSREG_KEY(s->op0, s->op1, s->crn, s->crm, s->op2);
	if (s->op0 == 0 && l == 0 && s->op1 == 3 && s->rt == 31) {
		if (s->crn == 2 && s->crm == 0) {
			static const SysKind hints[8] = { SYS_NOP, SYS_NOP, SYS_WFE, SYS_WFI,
							  SYS_SEV, SYS_SEVL, SYS_NOP, SYS_NOP };
			s->kind = hints[s->op2];
			return s->op2 <= 5;
		}
		if (s->crn == 3 && s->op2 == 4) { s->kind = SYS_DSB; return true; }
		if (s->crn == 3 && s->op2 == 5) { s->kind = SYS_DMB; return true; }
		if (s->crn == 3 && s->op2 == 6) { s->kind = SYS_ISB; return true; }
		return false;
	}
	if (s->op0 == 1 && l == 0) {
		if (s->op1 == 0 && s->crn == 8) { s->kind = SYS_TLBI; return true; }
		if (s->op1 == 0 && s->crn == 7 && s->crm == 8 && s->op2 <= 3) { s->kind = SYS_AT; return true; }
		/* DC ZVA, GVA and GZVA write memory: Unicorn executes them. EL2/EL3 forms are left alone. */
		bool writes = s->op1 == 3 && s->crm == 4 && (s->op2 == 1 || s->op2 == 3 || s->op2 == 4);
		if (s->crn == 7 && (s->op1 == 0 || s->op1 == 3) && !writes) { s->kind = SYS_DC_IC; return true; }
		return false;
	}
	if (s->op0 >= 2) {
		s->kind = l ? SYS_MRS : SYS_MSR;
		return true;
	}
	return false;
}

bool sysinsn_is_shared(uint32_t insn)
{
	SysInsn s;

	/* Loads and stores: op0 = x1x0 (C4.1). */
	if ((insn & 0x0a000000u) == 0x08000000u)
		return true;
	/* SYS instructions the model leaves to Unicorn: DC ZVA, GVA, GZVA store. */
	if (!sysinsn_decode(insn, &s))
		return (insn & 0xffd80000u) == 0xd5080000u;
	switch (s.kind) {
	case SYS_DSB: case SYS_TLBI: case SYS_AT: case SYS_DC_IC: case SYS_SEV: case SYS_WFE: case SYS_WFI:
		return true;
	case SYS_MSR:
		return s.sysreg == SYSREG_TTBR0_EL1 || s.sysreg == SYSREG_TTBR1_EL1 || s.sysreg == SYSREG_TCR_EL1 ||
		       s.sysreg == SYSREG_SCTLR_EL1 || s.sysreg == SYSREG_MAIR_EL1;
	default:
		return false;
	}
}

bool sysinsn_is_load_exclusive(uint32_t insn)
{
	/*
	 * Load/store exclusive class: size:001000:o2:L:o1:Rs:o0:Rt2:Rn:Rt.
	 * L = 1 and o2 = 0 (bit 23) are LDXR/LDAXR/LDXP/LDAXP; o2 = 1 is
	 * LDAR/LDLAR and the FEAT_LSE CAS family, which do not arm the monitor.
	 */
	return (insn & 0x3fc00000u) == 0x08400000u;
}

bool sysinsn_is_store_exclusive(uint32_t insn, unsigned *rs)
{
	/* The same class with L = 0 and o2 = 0: STXR/STLXR/STXP/STLXP; Rs (bits 20:16) gets the status. */
	if ((insn & 0x3fc00000u) != 0x08000000u)
		return false;
	if (rs)
		*rs = (insn >> 16) & 31;
	return true;
}

InsnBatch sysinsn_batch_class(uint32_t w)
{
	unsigned op0 = (w >> 25) & 0xf;     /* the A64 top-level encoding group, bits 28:25 */

	if ((op0 & 0xe) == 0x8 || (op0 & 0x7) == 0x5 || (op0 & 0x7) == 0x7)
		return INSN_BATCH_PLAIN;    /* data processing: immediate, register, SIMD and FP */
	if ((op0 & 0xe) == 0xa) {
		if ((w & 0x7c000000u) == 0x14000000u ||      /* B, BL */
		    (w & 0xff000010u) == 0x54000000u ||      /* B.cond */
		    (w & 0x7c000000u) == 0x34000000u ||      /* CBZ, CBNZ, TBZ, TBNZ */
		    (w & 0xffdffc1fu) == 0xd61f0000u ||      /* BR, BLR */
		    (w & 0xfffffc1fu) == 0xd65f0000u)        /* RET */
			return INSN_BATCH_BRANCH;
		return INSN_BATCH_STOP;     /* system, barriers, hints, exceptions, ERET */
	}
	if ((op0 & 0x5) != 0x4)
		return INSN_BATCH_STOP;     /* SVE, SME, reserved */
	/* Loads and stores. */
	if ((w & 0x3b000000u) == 0x18000000u)
		return INSN_BATCH_LOAD;     /* LDR (literal), LDRSW (literal), PRFM (literal) */
	if ((w & 0x3a000000u) == 0x28000000u)
		return (w >> 22) & 1 ? INSN_BATCH_LOAD : INSN_BATCH_STORE;   /* pairs: L */
	if ((w & 0x3a000000u) == 0x38000000u) {
		/*
		 * Register forms. Bit 24 set: unsigned offset. Bit 24 clear and
		 * bit 21 set: only the register offset (bits 11:10 = 10), not the
		 * atomics (00) or the PAC loads.
		 */
		if (!((w >> 24) & 1) && ((w >> 21) & 1) && ((w >> 10) & 3) != 2)
			return INSN_BATCH_STOP;
		unsigned v = (w >> 26) & 1, opc = (w >> 22) & 3;
		return (v ? (opc & 1) : opc != 0) ? INSN_BATCH_LOAD : INSN_BATCH_STORE;
	}
	return INSN_BATCH_STOP;             /* exclusives, ordered, SIMD structures, tags, ... */
}

/*
 * DecodeBitMasks (Arm ARM J1, shared pseudocode) for a logical immediate:
 * UNDEFINED when N:NOT(imms) has no set bit above bit 0 or when the
 * element's ones fill it (imms AND levels == levels).
 */
static bool logical_imm_valid(unsigned n, unsigned imms)
{
	unsigned v = (n << 6) | (~imms & 0x3f), len = 0;

	for (unsigned b = 6; b > 0; b--)
		if (v >> b & 1) {
			len = b;
			break;
		}
	if (len < 1)
		return false;
	unsigned levels = (1u << len) - 1;
	return (imms & levels) != levels;
}

bool sysinsn_register_only(uint32_t w, uint64_t pc, uint64_t *next)
{
	unsigned sf = w >> 31;

	*next = pc + 4;
	if ((w & 0x1f800000u) == 0x11000000u)        /* ADD/SUB (immediate), no tags: all allocated */
		return true;
	if ((w & 0x1f800000u) == 0x12000000u)        /* logical (immediate) */
		return !(!sf && (w >> 22 & 1)) && logical_imm_valid(w >> 22 & 1, w >> 10 & 0x3f);
	if ((w & 0x1f800000u) == 0x12800000u)        /* move wide: opc 01 and 32-bit hw >= 2 unallocated */
		return (w >> 29 & 3) != 1 && !(!sf && (w >> 22 & 1));
	if ((w & 0x1f800000u) == 0x13000000u)        /* bitfield: opc 11, N != sf, 32-bit immr/imms >= 32 */
		return (w >> 29 & 3) != 3 && (w >> 22 & 1) == sf && (sf || !(w & 0x00208000u));
	if ((w & 0x1f200000u) == 0x0b000000u)        /* ADD/SUB (shifted register): shift 11, 32-bit imm6 >= 32 */
		return (w >> 22 & 3) != 3 && (sf || !(w >> 15 & 1));
	if ((w & 0x1f000000u) == 0x0a000000u)        /* logical (shifted register): 32-bit imm6 >= 32 */
		return sf || !(w >> 15 & 1);
	if ((w & 0x3fe00800u) == 0x1a800000u)        /* conditional select, S = 0, op2<1> = 0 */
		return true;
	if ((w & 0x1f000000u) == 0x10000000u)        /* ADR, ADRP */
		return true;
	if ((w & 0x7c000000u) == 0x14000000u) {      /* B, BL */
		int64_t off = (int64_t)((uint64_t)(w & 0x03ffffffu) << 38) >> 36;
		*next = pc + (uint64_t)off;
		return true;
	}
	return false;
}

bool sysinsn_name(uint32_t insn, char *buf, unsigned len)
{
	static const char *const opt[16] = { "#0", "oshld", "oshst", "osh", "#4", "nshld", "nshst", "nsh",
					     "#8", "ishld", "ishst", "ish", "#12", "ld", "st", "sy" };
	SysInsn s;
	char t[24];

	if (!sysinsn_decode(insn, &s))
		return false;
	switch (s.kind) {
	case SYS_DSB: snprintf(buf, len, "dsb %s", opt[s.crm]); return true;
	case SYS_DMB: snprintf(buf, len, "dmb %s", opt[s.crm]); return true;
	case SYS_ISB: snprintf(buf, len, "isb"); return true;
	case SYS_WFE: snprintf(buf, len, "wfe"); return true;
	case SYS_WFI: snprintf(buf, len, "wfi"); return true;
	case SYS_SEV: snprintf(buf, len, "sev"); return true;
	case SYS_SEVL: snprintf(buf, len, "sevl"); return true;
	case SYS_TLBI: {
		TlbiOp op;
		if (!tlbi_decode(s.op1, s.crn, s.crm, s.op2, 0, &op))
			return false;
		tlbi_name(&op, t, sizeof(t));
		if (op.kind == TLBI_VMALL)
			snprintf(buf, len, "tlbi %s", t);
		else
			snprintf(buf, len, "tlbi %s, x%u", t, s.rt);
		return true;
	}
	default:
		return false;
	}
}
