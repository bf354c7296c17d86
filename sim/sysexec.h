/* SPDX-License-Identifier: GPL-2.0-only */
/* sysexec.h - the system instructions the model executes (sysexec.c). */
#ifndef BBMSIM_SYSEXEC_H
#define BBMSIM_SYSEXEC_H

#include "machine_priv.h"

/*
 * Execute the instruction @insn at @pc ourselves when the model owns it.
 * Returns true when it was handled (PC already moved), false to let
 * Unicorn run it.
 */
bool pe_exec_system(Pe *pe, uint64_t pc, uint32_t insn);

#endif
