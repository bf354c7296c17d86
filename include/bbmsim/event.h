/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * event.h - what the machine reports as it runs. One flat record per event,
 * stamped with the global tick; consumers (tests, traces, the analysis)
 * subscribe with machine_set_event_fn(). No subscriber, no cost.
 */
#ifndef BBMSIM_EVENT_H
#define BBMSIM_EVENT_H

#include <stdint.h>
#include "bbmsim/desc.h"
#include "bbmsim/tlb.h"

typedef enum EventType {
	EV_INSN,            /* pc, insn */
	EV_MEM,             /* va, pa, size, val, access; level = the PE's EL */
	EV_TLB_HIT,         /* va; entry */
	EV_TLB_MISS,        /* va */
	EV_TLB_MULTIHIT,    /* va; count = matches */
	EV_WALK_DESC,       /* pa, val = descriptor read, level */
	EV_TLB_FILL,        /* entry */
	EV_TLB_EVICT,       /* entry */
	EV_TLB_INVAL,       /* entry removed by a completed TLBI */
	EV_TLBI_ISSUE,      /* tlbi; count = targets */
	EV_TLBI_COMPLETE,   /* tlbi, target PE in pe, issuer in other_pe, old = issue tick */
	EV_DSB,             /* insn */
	EV_ISB,
	EV_DESC_WRITE,      /* pa, old, val = new, level (-1 unknown), va */
	EV_EXC_ENTRY,       /* pc = faulting pc, val = ESR, va = FAR */
	EV_EXC_RETURN,
	EV_FAULT,           /* fault, level, va, access */
	EV_WFE_SLEEP,
	EV_WAKE,
	EV_HALT,
	EV_SYSREG,          /* MSR to a translation register: count = SYSREG_KEY, val */
	EV_COUNT,
} EventType;

const char *event_type_name(EventType t);

typedef struct Event {
	EventType type;
	uint64_t tick;
	int pe;
	int other_pe;
	uint64_t pc;
	uint32_t insn;
	uint64_t va, pa, val, old;
	int size;
	int level;
	int count;
	AccessType access;
	FaultKind fault;
	TlbiOp tlbi;
	const TlbEntry *entry;   /* valid only during the callback */
} Event;

typedef void (*EventFn)(void *ctx, const Event *ev);

#endif
