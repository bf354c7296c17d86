/* SPDX-License-Identifier: GPL-2.0-only */
/* pe.h - a PE's registers, exceptions and run state (pe.c). */
#ifndef BBMSIM_PE_H
#define BBMSIM_PE_H

#include "machine_priv.h"

/* Set the run state, keeping the machine's counts of running and live PEs. */
void pe_set_state(Pe *pe, PeState st);

/* Stop @pe with a simulator error (@why: static text). */
void pe_error(Pe *pe, const char *why);

uint64_t pe_pc(Pe *pe);
void pe_set_pc(Pe *pe, uint64_t pc);
/* Enter EL @el (the mirror's permissions depend on it). */
void pe_set_el(Pe *pe, int el);

/* PSTATE in and out of the engine, and the stack pointer bank it selects. */
void pe_write_pstate(Pe *pe, uint64_t pstate);
uint32_t pe_read_pstate(Pe *pe);
int sp_bank(uint32_t pstate);
void pe_switch_pstate(Pe *pe, uint32_t from, uint32_t to);

/* X@rt (31: XZR) of @pe. */
uint64_t pe_xreg(Pe *pe, unsigned rt);
void pe_set_xreg(Pe *pe, unsigned rt, uint64_t v);

/*
 * Take an exception to EL1 at @pc's vector: ELR @elr, ESR @esr, FAR @far;
 * @rec (may be NULL) is added to the fault records.
 */
void pe_take_exception(Pe *pe, uint64_t pc, uint64_t elr, uint64_t esr, uint64_t far,
		       const FaultRecord *rec);
/* Take the fault the step recorded (record_fault) for the instruction at @pc. */
void pe_take_abort(Pe *pe, uint64_t pc);
/* An SVC/HVC (@ec, @imm): its exception, @after the instruction or not. */
void pe_take_syscall(Pe *pe, uint64_t pc, unsigned ec, unsigned imm, const char *what, bool after);

#endif
