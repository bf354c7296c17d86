// SPDX-License-Identifier: GPL-2.0-only
/*
 * pe.c - a PE's architectural state outside translation: PC, PSTATE and its
 * stack-pointer banks, exception level, X registers, exception entry
 * (EV_EXC_ENTRY, fault records) and the PE's run state and its counts.
 *
 * Below the stepping (machine.c) and the system instructions (sysexec.c);
 * calls down only to the mirror (a change of EL changes the permissions
 * the engine's map was made with: mirror_flush).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pe.h"
#include "mirror.h"

/* Keep the counts the scheduler needs, so that a step does not scan every PE. */
void pe_set_state(Pe *pe, PeState st)
{
	Machine *m = pe->m;
	bool was_alive = pe->state == PE_RUNNING || pe->state == PE_SLEEPING;
	bool alive = st == PE_RUNNING || st == PE_SLEEPING;

	if (pe->counted) {
		m->nrunning -= pe->state == PE_RUNNING;
		m->nalive -= was_alive;
	}
	pe->state = st;
	pe->counted = true;
	m->nrunning += st == PE_RUNNING;
	m->nalive += alive;
}

/*
 * PSTATE is written raw: Unicorn 2.0.1 never rebuilds QEMU's cached hflags
 * from outside, so the translator keeps believing it runs at EL1 (measured:
 * after a QEMU-executed ERET to EL0, no register write brings EL1 back).
 * The model therefore performs every exception entry and ERET itself, banks
 * SP_EL0/SP_EL1 itself, and enforces EL0 memory permissions in the mirror.
 * What it cannot enforce is UNDEFINED for EL1 system registers used at EL0
 * (docs/semantics.md, "Simplifications that remain").
 */
void pe_write_pstate(Pe *pe, uint64_t pstate)
{
	uint32_t v = (uint32_t)pstate;
	uc_reg_write(pe->uc, UC_ARM64_REG_PSTATE, &v);
}

uint32_t pe_read_pstate(Pe *pe)
{
	uint32_t v;
	uc_reg_read(pe->uc, UC_ARM64_REG_PSTATE, &v);
	return v;
}

/* The banked SP register that a PSTATE value selects (EL1h: SP_EL1, otherwise SP_EL0). */
int sp_bank(uint32_t pstate)
{
	return ((pstate >> 2) & 3) && (pstate & 1) ? UC_ARM64_REG_SP_EL1 : UC_ARM64_REG_SP_EL0;
}

/* Switch PSTATE, keeping the stack pointers banked as the architecture does. */
void pe_switch_pstate(Pe *pe, uint32_t from, uint32_t to)
{
	uint64_t sp;
	uc_reg_read(pe->uc, UC_ARM64_REG_SP, &sp);
	uc_reg_write(pe->uc, sp_bank(from), &sp);
	pe_write_pstate(pe, to);
	uc_reg_read(pe->uc, sp_bank(to), &sp);
	uc_reg_write(pe->uc, UC_ARM64_REG_SP, &sp);
}

static void add_fault_record(Machine *m, const FaultRecord *r)
{
	if (m->nfaults == m->cfaults) {
		m->cfaults = m->cfaults ? m->cfaults * 2 : 16;
		m->faults = realloc(m->faults, m->cfaults * sizeof(*m->faults));
	}
	m->faults[m->nfaults++] = *r;
}

uint64_t pe_pc(Pe *pe)
{
	uint64_t pc;
	uc_reg_read(pe->uc, UC_ARM64_REG_PC, &pc);
	return pc;
}

void pe_set_pc(Pe *pe, uint64_t pc)
{
	pe->pc_known = false;     /* (the stepping code's remembered next PC) */
	uc_reg_write(pe->uc, UC_ARM64_REG_PC, &pc);
}

void pe_set_el(Pe *pe, int el)
{
	if (pe->el != el) {
		pe->el = el;
		/* Permissions differ between EL0 and EL1: rebuild the mirror lazily. */
		mirror_flush(pe);
	}
}

/*
 * Take a synchronous exception to EL1 (D1.10): ELR, SPSR, ESR, FAR, then
 * PSTATE = EL1h with DAIF masked and PC = VBAR_EL1 + offset. Without a
 * vector table the PE stops as "faulted" and the record says so.
 */
void pe_take_exception(Pe *pe, uint64_t pc, uint64_t elr, uint64_t esr, uint64_t far,
		       const FaultRecord *rec)
{
	Machine *m = pe->m;
	FaultRecord r = *rec;

	r.tick = m->tick;
	r.pe = pe->id;
	r.pc = pc;
	r.esr = esr;
	r.delivered = pe->vbar != 0;
	add_fault_record(m, &r);
	if (r.kind != FAULT_NONE)
		EMIT(m, .type = EV_FAULT, .pe = pe->id, .pc = pc, .va = far, .fault = r.kind,
		     .level = r.level, .access = r.access, .val = esr);
	if (!pe->vbar) {
		pe_set_state(pe, PE_FAULTED);
		EMIT(m, .type = EV_HALT, .pe = pe->id, .pc = pc, .val = esr);
		return;
	}
	uint32_t pstate = pe_read_pstate(pe);
	uc_arm64_cp_reg spsr = { .op0 = 3, .op1 = 0, .crn = 4, .crm = 0, .op2 = 0, .val = pstate };
	uc_reg_write(pe->uc, UC_ARM64_REG_CP_REG, &spsr);
	uc_reg_write(pe->uc, UC_ARM64_REG_ELR_EL1, &elr);
	uc_reg_write(pe->uc, UC_ARM64_REG_ESR_EL1, &esr);
	uc_reg_write(pe->uc, UC_ARM64_REG_FAR_EL1, &far);
	uint64_t off = pe->el == 0 ? 0x400 : (pstate & 1) ? 0x200 : 0x000;
	pe_switch_pstate(pe, pstate, 0x3c5);
	pe_set_el(pe, 1);
	pe_set_pc(pe, pe->vbar + off);
	EMIT(m, .type = EV_EXC_ENTRY, .pe = pe->id, .pc = pc, .val = esr, .va = far);
}

void pe_take_abort(Pe *pe, uint64_t pc)
{
	FaultRecord r = { .kind = pe->sf_kind, .level = pe->sf_level, .va = pe->sf_va,
			  .access = pe->sf_access, .what = "abort" };
	uint64_t esr = fault_esr(pe->sf_kind, pe->sf_level, pe->sf_access, pe->el == 0);
	pe_take_exception(pe, pc, pc, esr, pe->sf_va, &r);
}

void pe_take_syscall(Pe *pe, uint64_t pc, unsigned ec, unsigned imm, const char *what, bool after)
{
	FaultRecord r = { .kind = FAULT_NONE, .what = what };
	uint64_t esr = ((uint64_t)ec << 26) | (1ull << 25) | imm;
	pe_take_exception(pe, pc, after ? pc + 4 : pc, esr, 0, &r);
}

void pe_error(Pe *pe, const char *why)
{
	pe_set_state(pe, PE_ERROR);
	pe->error = why;
	EMIT(pe->m, .type = EV_HALT, .pe = pe->id);
}

uint64_t pe_xreg(Pe *pe, unsigned rt)
{
	uint64_t v = 0;
	if (rt < 29)
		uc_reg_read(pe->uc, UC_ARM64_REG_X0 + (int)rt, &v);
	else if (rt == 29)
		uc_reg_read(pe->uc, UC_ARM64_REG_X29, &v);
	else if (rt == 30)
		uc_reg_read(pe->uc, UC_ARM64_REG_X30, &v);
	return v;    /* 31 = XZR */
}

void pe_set_xreg(Pe *pe, unsigned rt, uint64_t v)
{
	if (rt < 29)
		uc_reg_write(pe->uc, UC_ARM64_REG_X0 + (int)rt, &v);
	else if (rt == 29)
		uc_reg_write(pe->uc, UC_ARM64_REG_X29, &v);
	else if (rt == 30)
		uc_reg_write(pe->uc, UC_ARM64_REG_X30, &v);
}
