/* SPDX-License-Identifier: GPL-2.0-only */
/* xlat.h - a PE's translation through its TLB and walker (xlat.c). */
#ifndef BBMSIM_XLAT_H
#define BBMSIM_XLAT_H

#include "machine_priv.h"

/* Translate @va for @a on @pe through its TLB and walker (no permission check), into @x. */
void pe_translate(Pe *pe, uint64_t va, AccessType a, Xlat *x);

/*
 * A data access or fetch: translate, check permissions, mirror the page.
 * False when it faults (recorded for the step: record_fault); the PA in
 * *@pa_out otherwise (may be NULL).
 */
bool pe_access(Pe *pe, uint64_t va, AccessType a, uint64_t *pa_out);

/* Note a fault of the current step, to be taken when the step ends. */
void record_fault(Pe *pe, FaultKind k, int level, uint64_t va, AccessType a);

/* Walk @va on @q and cache what the walk gives (ARM-TLBALLOC: any time). */
void spec_fill_va(Machine *m, Pe *q, uint64_t va);

/* SPEC_FILL_ADVERSARIAL: cache descriptor @pa's new value @val on every PE that reaches it. */
void spec_fill_after_store(Machine *m, uint64_t pa, uint64_t val);

#endif
