// SPDX-License-Identifier: GPL-2.0-only
/*
 * sysexec.c - the system instructions the model owns: TLBI, DSB, DMB, ISB,
 * AT, MSR/MRS of the translation registers, SVC/HVC/ERET, WFE/WFI/SEV and
 * exclusive monitor clears (decoded by models/sysinsn.c).
 *
 * The architecture's rules are not written here: a DSB and a TLBI act on
 * the pending module (models/pending.c: which stores become visible to
 * which walker, RSPVBD; which TLBIs complete where, RYNJCP), which asks the
 * rules module (models/rules.c); the TLB removes what tlbi_covers says. This
 * file executes their answers on the machine: the TLB invalidations, the
 * mirror told what changed, and the events. Below it: pe.c (registers,
 * exceptions), xlat.c (AT), the mirror, the models.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sysexec.h"
#include "pe.h"
#include "xlat.h"
#include "mirror.h"
#include "bbmsim/pending.h"
#include "bbmsim/reach.h"
#include "bbmsim/rules.h"
#include "bbmsim/sysinsn.h"

static void tlbi_complete_on(Machine *m, Pe *target, const PendingTlbi *p)
{
	TlbEntry removed[64];

	/* VMALL and ASID may remove millions of entries: look at the mirror once, afterwards. */
	bool bulk = p->op.kind == TLBI_VMALL || p->op.kind == TLBI_ASID;
	if (bulk)
		mirror_bulk_begin(target);
	size_t n = tlb_invalidate(&target->tlb, &p->op, m->cfg.ttl_strict, removed, 64);
	if (bulk)
		mirror_bulk_end(target);

	if (m->ev_fn)
		for (size_t i = 0; i < n && i < 64; i++)
			EMIT(m, .type = EV_TLB_INVAL, .pe = target->id, .entry = &removed[i],
			     .va = removed[i].va, .other_pe = p->issuer, .tlbi = p->op);
	EMIT(m, .type = EV_TLBI_COMPLETE, .pe = target->id, .other_pe = p->issuer, .tlbi = p->op,
	     .va = p->op.va, .count = (int)n, .old = p->tick);
}

static void tlbi_done(void *ctx, int target, const PendingTlbi *t)
{
	Machine *m = ctx;
	tlbi_complete_on(m, &m->pe[target], t);
}

static void pe_exec_tlbi(Pe *pe, const TlbiOp *op, uint64_t pc, uint32_t insn)
{
	Machine *m = pe->m;
	uint64_t targets = pending_tlbi_targets(&m->pend, op, pe->id);

	/* The issue comes first, also when the TLBI completes at once (tlbi_completion: at-issue). */
	EMIT(m, .type = EV_TLBI_ISSUE, .pe = pe->id, .pc = pc, .insn = insn, .tlbi = *op,
	     .va = op->va, .count = __builtin_popcountll(targets));
	if (m->cfg.broken_tlbi_for_tests)
		targets &= 1ull << pe->id;
	pending_tlbi_issue(&m->pend, op, pe->id, m->tick, pc, targets, tlbi_done, m);
}

static void dsb_published(void *ctx, int storer, const PendingStore *s, uint64_t newly)
{
	(void)storer;
	(void)newly;
	/* What these walkers read changes now. */
	mirror_desc_changed(ctx, s->pa);
}

/*
 * DSB (D8.17.5): the pending module, by the rules module, says which of
 * this PE's table stores become visible to which walkers (RSPVBD, by the
 * barrier's domain) and which of the TLBIs it issued complete (RYNJCP,
 * RPSMWS).
 */
static void pe_exec_dsb(Pe *pe, unsigned crm, uint64_t pc, uint32_t insn)
{
	Machine *m = pe->m;
	DsbOp d = rules_dsb_decode(crm);

	EMIT(m, .type = EV_DSB, .pe = pe->id, .pc = pc, .insn = insn, .val = crm);
	pending_dsb_stores(&m->pend, pe->id, &d, dsb_published, m);
	pending_dsb_tlbis(&m->pend, pe->id, &d, tlbi_done, m);
}

static void pe_exec_at(Pe *pe, unsigned op2, uint64_t va)
{
	static const AccessType acc[4] = { ACCESS_READ, ACCESS_WRITE, ACCESS_READ, ACCESS_WRITE };
	Xlat x;
	uint64_t par;

	pe_translate(pe, va, acc[op2 & 3], &x);
	if (!x.fault && (pe->regs.sctlr & SCTLR_M))
		x.fault = walk_check_access(&x.entry, acc[op2 & 3], op2 >= 2 ? 0 : 1);
	WalkResult w = { .pa = x.pa, .leaf = x.entry, .level = x.fault ? x.level : x.entry.level };
	par = walk_par(&w, x.fault, &pe->regs);
	uc_arm64_cp_reg r = { .op0 = 3, .op1 = 0, .crn = 7, .crm = 4, .op2 = 0, .val = par };
	uc_reg_write(pe->uc, UC_ARM64_REG_CP_REG, &r);
}

/* Registers the model owns: MSR writes them, MRS reads them. */
static bool pe_sysreg(Pe *pe, unsigned key, uint64_t **slot, uint64_t *ro_val)
{
	*slot = NULL;
	switch (key) {
	case SYSREG_TTBR0_EL1: *slot = &pe->regs.ttbr0; return true;
	case SYSREG_TTBR1_EL1: *slot = &pe->regs.ttbr1; return true;
	case SYSREG_TCR_EL1:   *slot = &pe->regs.tcr; return true;
	case SYSREG_SCTLR_EL1: *slot = &pe->regs.sctlr; return true;
	case SYSREG_MAIR_EL1:  *slot = &pe->regs.mair; return true;
	case SYSREG_VBAR_EL1:  *slot = &pe->vbar; return true;
	case SYSREG_MIDR_EL1:  *ro_val = pe->midr; return true;
	case SYSREG_MPIDR_EL1: *ro_val = (1ull << 31) | (uint64_t)pe->id; return true;
	case SYSREG_ID_AA64MMFR2_EL1:
		/* Unicorn's MAX reads 0x11: keep its other fields, set BBM[55:52]. */
		*ro_val = 0x11 | ((uint64_t)bbm_level_id_field(pe->level) << 52);
		return true;
	}
	return false;
}

/*
 * Execute the instruction at @pc ourselves when the model owns it. Returns
 * true when it was handled (PC already moved), false to let Unicorn run it.
 */
bool pe_exec_system(Pe *pe, uint64_t pc, uint32_t insn)
{
	Machine *m = pe->m;
	SysInsn s;

	if (!sysinsn_decode(insn, &s))
		return false;
	switch (s.kind) {
	case SYS_DSB:
		pe_exec_dsb(pe, s.crm, pc, insn);
		break;
	case SYS_DMB:
	case SYS_NOP:
		break;
	case SYS_ISB:
		EMIT(m, .type = EV_ISB, .pe = pe->id, .pc = pc, .insn = insn);
		break;
	case SYS_SEV:
		for (unsigned i = 0; i < m->npes; i++) {
			Pe *q = &m->pe[i];
			q->event_reg = true;
			if (q->state == PE_SLEEPING) {
				pe_set_state(q, PE_RUNNING);
				EMIT(m, .type = EV_WAKE, .pe = q->id, .other_pe = pe->id);
			}
		}
		break;
	case SYS_SEVL:
		pe->event_reg = true;
		break;
	case SYS_WFE:
	case SYS_WFI:
		/* WFE: sleep unless the event register is set (D1.6.1). WFI waits for an event too. */
		if (pe->event_reg) {
			pe->event_reg = false;
		} else {
			pe_set_state(pe, PE_SLEEPING);
			EMIT(m, .type = EV_WFE_SLEEP, .pe = pe->id, .pc = pc, .insn = insn);
		}
		break;
	case SYS_HLT:
		if (s.imm == 0) {
			pe_set_state(pe, PE_HALTED);
			EMIT(m, .type = EV_HALT, .pe = pe->id, .pc = pc, .insn = insn);
			return true;
		}
		pe_take_syscall(pe, pc, 0x00, 0, "undefined", false);
		return true;
	case SYS_SVC:
		pe_take_syscall(pe, pc, 0x15, s.imm, "svc", true);
		return true;
	case SYS_ERET: {
		if (pe->el == 0) {
			pe_take_syscall(pe, pc, 0x00, 0, "undefined", false);
			return true;
		}
		uc_arm64_cp_reg spsr = { .op0 = 3, .op1 = 0, .crn = 4, .crm = 0, .op2 = 0 };
		uint64_t elr;
		uc_reg_read(pe->uc, UC_ARM64_REG_CP_REG, &spsr);
		uc_reg_read(pe->uc, UC_ARM64_REG_ELR_EL1, &elr);
		/* Only AArch64 EL0/EL1 targets exist here; anything else goes to EL1. */
		uint32_t to = (uint32_t)spsr.val;
		if (((to >> 2) & 3) > 1 || (to & 0x10))
			to = (to & ~0x1fu) | 0x5;
		pe_switch_pstate(pe, pe_read_pstate(pe), to);
		pe_set_el(pe, (to >> 2) & 3);
		pe_set_pc(pe, elr);
		EMIT(m, .type = EV_EXC_RETURN, .pe = pe->id, .pc = pc, .insn = insn, .va = elr);
		return true;
	}
	case SYS_HVC:
	case SYS_SMC:
		/* No EL2 or EL3 in this machine: UNDEFINED (EC 0). */
		pe_take_syscall(pe, pc, 0x00, 0, s.kind == SYS_HVC ? "hvc" : "smc", false);
		return true;
	case SYS_BRK:
		pe_take_syscall(pe, pc, 0x3c, s.imm, "brk", false);
		return true;
	case SYS_TLBI: {
		TlbiOp op;
		if (!tlbi_decode(s.op1, s.crn, s.crm, s.op2, pe_xreg(pe, s.rt), &op))
			return false;
		pe_exec_tlbi(pe, &op, pc, insn);
		break;
	}
	case SYS_AT:
		pe_exec_at(pe, s.op2, pe_xreg(pe, s.rt));
		break;
	case SYS_DC_IC:
		/* Caches are not modelled: cache maintenance does nothing. */
		break;
	case SYS_MSR:
	case SYS_MRS: {
		uint64_t *slot, ro = 0;
		if (!pe_sysreg(pe, s.sysreg, &slot, &ro))
			return false;
		if (s.kind == SYS_MRS) {
			pe_set_xreg(pe, s.rt, slot ? *slot : ro);
			break;
		}
		if (!slot)
			return false;     /* a write to a read-only register: UNDEFINED */
		uint64_t v = pe_xreg(pe, s.rt);
		EMIT(m, .type = EV_SYSREG, .pe = pe->id, .pc = pc, .insn = insn, .val = v,
		     .count = (int)s.sysreg);
		if (slot == &pe->regs.sctlr || slot == &pe->regs.ttbr0 || slot == &pe->regs.ttbr1 ||
		    slot == &pe->regs.tcr) {
			*slot = v;
			/* The ASID, the tables or the regime changed: the mirror no longer holds. */
			mirror_flush(pe);
			reach_register_roots(&m->reach, &pe->regs);
		} else {
			*slot = v;
		}
		break;
	}
	}
	pe_set_pc(pe, pc + 4);
	return true;
}
