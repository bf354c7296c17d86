// SPDX-License-Identifier: GPL-2.0-only
/*
 * machine.c - PEs on Unicorn engines, driven by the TLB and walker models:
 * the glue. It owns the engines and their hooks, physical memory, the
 * stepping and batching of instructions, the scheduler, the table stores a
 * step made and the machine's lifecycle and accessors; the rooms below do
 * the rest (docs/design.md, "The machine's files"):
 *
 *   machine.c   engines, hooks, stepping, scheduler, table stores, lifecycle
 *     sysexec.c   the system instructions (TLBI, DSB, AT, MSR/MRS, ...)
 *       pe.c        registers, PSTATE, exceptions, run state
 *       xlat.c      translation: TLB, walks, fills, access checks
 *         mirror.c    the engine's memory map as a view of the TLB
 *           walker.c    what a walker reads (pending stores, RSPVBD)
 *   models/     the rules (pending.c, rules.c, tlb.c, reach.c, walk.c, ...)
 *
 * Each file calls only files below it (tests/layers_test.py); the TLB's
 * on_change and the reach registry's on_new are the callbacks by which
 * lower rooms report up.
 *
 * Data flow of one guest store to a descriptor:
 *   Unicorn executes the STR through the PE's mirror region -> the write hook
 *   sees the VA, finds the PA through the mirror and, if the page is table
 *   memory, records (PA, old value) -> after the step the machine reads the
 *   new value, reports EV_DESC_WRITE, keeps the store pending for walkers
 *   until this PE's next DSB (walk_vis policy, models/pending.c), registers
 *   newly linked tables (models/reach.c), and under SPEC_FILL_ADVERSARIAL
 *   lets every PE that can reach the descriptor cache the new entry at once.
 *   Other PEs keep using their old TLB entries (and mirror regions) until a
 *   TLBI covering them completes.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "machine_priv.h"
#include "mirror.h"
#include "pe.h"
#include "sysexec.h"
#include "walker.h"
#include "xlat.h"
#include "bbmsim/pending.h"
#include "bbmsim/reach.h"
#include "bbmsim/sysinsn.h"

#define DEFAULT_MAX_INSNS 10000000ull

void machine_config_default(MachineConfig *c)
{
	memset(c, 0, sizeof(*c));
	c->npes = 1;
	c->mem_size = 1ull << 30;
	c->level = BBM_L0;
	c->knobs = bbm_knobs_default;
	c->tlb.walk_cache = true;
	c->ttl_strict = true;
	c->quantum = 1;
	c->seed = 1;
	c->midr = 0x410fd0c0;   /* Cortex-A76 r0p0 */
}

const char *pe_state_name(PeState s)
{
	static const char *const names[] = { "running", "sleeping", "halted", "faulted", "error" };
	return names[s];
}

const char *run_end_name(RunEnd e)
{
	static const char *const names[] = { "all-stopped", "instruction-limit", "deadlock", "interrupted" };
	return names[e];
}

const char *event_type_name(EventType t)
{
	static const char *const names[EV_COUNT] = {
		[EV_INSN] = "insn", [EV_MEM] = "mem", [EV_TLB_HIT] = "tlb-hit",
		[EV_TLB_MISS] = "tlb-miss", [EV_TLB_MULTIHIT] = "tlb-multihit",
		[EV_WALK_DESC] = "walk", [EV_TLB_FILL] = "tlb-fill", [EV_TLB_EVICT] = "tlb-evict",
		[EV_TLB_INVAL] = "tlb-inval", [EV_TLBI_ISSUE] = "tlbi-issue",
		[EV_TLBI_COMPLETE] = "tlbi-complete", [EV_DSB] = "dsb", [EV_ISB] = "isb",
		[EV_DESC_WRITE] = "desc-write", [EV_EXC_ENTRY] = "exc-entry",
		[EV_EXC_RETURN] = "exc-return", [EV_FAULT] = "fault", [EV_WFE_SLEEP] = "wfe-sleep",
		[EV_WAKE] = "wake", [EV_HALT] = "halt", [EV_SYSREG] = "sysreg",
	};
	return names[t];
}

/* --- physical memory and the table registry's callbacks ------------------- */

bool machine_phys_write(Machine *m, uint64_t pa, const void *buf, size_t len)
{
	if (pa > m->mem_size || len > m->mem_size - pa)
		return false;
	memcpy(m->phys + pa, buf, len);
	return true;
}

bool machine_phys_read(Machine *m, uint64_t pa, void *buf, size_t len)
{
	if (pa > m->mem_size || len > m->mem_size - pa)
		return false;
	memcpy(buf, m->phys + pa, len);
	return true;
}

uint64_t machine_phys_read64(Machine *m, uint64_t pa)
{
	uint64_t v = 0;
	machine_phys_read(m, pa & ~7ull, &v, 8);
	return v;
}

void machine_phys_write64(Machine *m, uint64_t pa, uint64_t v)
{
	machine_phys_write(m, pa & ~7ull, &v, 8);
}

static bool is_table_page(const Machine *m, uint64_t pa)
{
	uint64_t pg = pa >> PAGE_SHIFT;
	return pa < m->mem_size && (m->table_bitmap[pg >> 3] >> (pg & 7) & 1);
}

void machine_mark_table_pages(Machine *m, uint64_t pa, uint64_t len)
{
	for (uint64_t p = pa & ~(PAGE_SIZE - 1); p < pa + len && p < m->mem_size; p += PAGE_SIZE)
		m->table_bitmap[(p >> PAGE_SHIFT) >> 3] |= (uint8_t)(1u << ((p >> PAGE_SHIFT) & 7));
}

static uint64_t phys_read(void *ctx, uint64_t pa, int level)
{
	(void)level;
	return machine_phys_read64(ctx, pa);
}

static void table_page_new(void *ctx, uint64_t page)
{
	machine_mark_table_pages(ctx, page, PAGE_SIZE);
}

/* --- hooks ------------------------------------------------------------------- */

static bool pe_fetch(Pe *pe, uint64_t pc, uint32_t *insn);

/*
 * tlb.capacity with LRU replacement: every access and fetch uses its entry,
 * including those the mirror serves without the model, so that the entry
 * evicted does not depend on what the mirror happened to hold.
 */
static void pe_tlb_touch(Pe *pe, uint64_t va)
{
	Machine *m = pe->m;
	TlbEntry *hits[4];

	if (m->cfg.tlb.capacity && m->cfg.tlb.replace == TLB_REPLACE_LRU && (pe->regs.sctlr & SCTLR_M))
		tlb_lookup(&pe->tlb, va, walk_asid(&pe->regs), true, hits, 4, m->tick);
}


/*
 * Emit what stepping would have emitted before instructions
 * [batch_emitted, upto) of the batch: for each, at its tick, the fetch
 * (pe_fetch: translated again, with its events, when a hook dropped the code
 * page's region) and its EV_INSN.
 */
static void batch_emit(Pe *pe, uint64_t upto)
{
	Machine *m = pe->m;

	for (; pe->batch_emitted < upto; pe->batch_emitted++) {
		uint64_t ipc = pe->batch_pc + 4ull * pe->batch_emitted;
		uint32_t insn;
		m->tick = pe->batch_t0 + pe->batch_emitted;
		if (!pe_fetch(pe, ipc, &insn)) {
			pe_error(pe, "internal error: a batched instruction's fetch faulted (please report)");
			uc_emu_stop(pe->uc);
			return;
		}
		EMIT(m, .type = EV_INSN, .pe = pe->id, .pc = ipc, .insn = insn);
	}
}

/*
 * Inside a batch the hooks run for instruction j of the run (from the PC,
 * which Unicorn keeps exact for hooks): emit up to j and set the tick to
 * j's, so that every event carries what stepping one instruction at a time
 * would have given it.
 */
static void batch_sync(Pe *pe)
{
	uint64_t pc = 0;

	uc_reg_read(pe->uc, UC_ARM64_REG_PC, &pc);
	uint64_t j = (pc - pe->batch_pc) >> 2;
	if (pc < pe->batch_pc || j >= pe->batch_n)
		return;     /* a look-ahead fetch past the run */
	batch_emit(pe, j + 1);
	pe->m->tick = pe->batch_t0 + j;
}

static bool hook_unmapped(uc_engine *uc, uc_mem_type type, uint64_t addr, int size,
			  int64_t value, void *user)
{
	Pe *pe = user;
	AccessType a;
	(void)uc; (void)value;

	switch (type) {
	case UC_MEM_READ_UNMAPPED: case UC_MEM_READ_PROT: a = ACCESS_READ; break;
	case UC_MEM_WRITE_UNMAPPED: case UC_MEM_WRITE_PROT: a = ACCESS_WRITE; break;
	default: a = ACCESS_FETCH; break;
	}
	if (pe->in_batch && a != ACCESS_FETCH) {
		if (pe->batch_abort || type == UC_MEM_READ_UNMAPPED || type == UC_MEM_WRITE_UNMAPPED) {
			/* Outside the mirror: the model's, so stepped (batch_abort; nothing done yet). */
			pe->batch_abort = true;
			return false;
		}
		batch_sync(pe);
	}
	/* No region and no TLB entry for this access: a safe point to unmap the retired regions. */
	if (pe->nretired)
		mirror_unmap_retired(pe);
	/* An access that straddles pages: translate each page it touches. */
	uint64_t last = addr + (uint64_t)(size > 0 ? size - 1 : 0);
	if (type == UC_MEM_FETCH_PROT)
		return false;
	if (type == UC_MEM_READ_PROT || type == UC_MEM_WRITE_PROT) {
		/* The mirror grants what the TLB grants: a protection miss is a fault. */
		Xlat x;
		pe_translate(pe, addr, a, &x);
		FaultKind f = x.fault ? x.fault
			    : (pe->regs.sctlr & SCTLR_M) ? walk_check_access(&x.entry, a, pe->el) : FAULT_NONE;
		record_fault(pe, f ? f : FAULT_PERMISSION, x.fault ? x.level : x.entry.level, addr, a);
		return false;
	}
	if (a == ACCESS_FETCH) {
		/*
		 * Unicorn may look up the next translation block before the
		 * single step ends (after ERET, say), with the model's EL not yet
		 * updated. Fetches are translated before each step (pe_fetch),
		 * which raises any fault; here just refuse quietly.
		 */
		return false;
	}
	if (!pe_access(pe, addr, a, NULL))
		return false;
	/* The second page: translated here when unmapped or only walkable, as the first. */
	if ((last ^ addr) >> PAGE_SHIFT) {
		int j = mirror_find(pe, last);
		if ((j < 0 || !mirror_backed(&pe->mr[j], last)) && !pe_access(pe, last, a, NULL))
			return false;
	}
	return true;
}

/*
 * The first access to a walkable page of a region: the TLB misses and the
 * walk fills it (events as for any miss), which backs the page. The fill
 * may also evict entries or prefetch others, which can leave this page
 * walkable again (its own entry evicted) or retire its region (see
 * mirror_remove); either way the engine still maps the PA it had, and the
 * access is right if that is the PA the walk gave. If it is not, the
 * mirror is out of step with the model, a bbmsim bug, reported as the PE's
 * error rather than letting the access use a wrong PA silently.
 */
static bool hook_lazy_fill(Pe *pe, uint64_t va, AccessType a)
{
	Xlat x;
	uint64_t pa;
	bool retired;
	pe->m->lazy_fills++;
	pe_translate(pe, va, a, &x);
	if (!x.fault && engine_pa(pe, va, &pa, &retired) && pa == x.pa)
		return true;
	pe_error(pe, "internal error: the Unicorn mirror disagrees with the TLB model (please report)");
	uc_emu_stop(pe->uc);
	return false;
}

/*
 * An access, by the instruction that retired a region, to a page of that
 * region (an LDP across two pages whose first half's fill evicted the
 * second page's stale entry, say): the engine still maps the page with its
 * old translation, and will access it after this hook. The model decides:
 * the page is translated as any access outside the mirror (the events of a
 * hit or a miss); when it gives another PA, the bytes are swapped in for
 * the access and back when the Unicorn call returns (RetiredPatch); when it
 * faults, a store's bytes are put back, the registers restored, the rest
 * of the instruction abandoned (uc_emu_stop) and the fault taken as any
 * other. Returns the model's PA, or ~0 after a fault.
 */
static uint64_t retired_access(Pe *pe, uint64_t va, uint64_t len, AccessType a, uint64_t upa)
{
	Machine *m = pe->m;
	Xlat x;

	pe_translate(pe, va, a, &x);
	FaultKind f = x.fault ? x.fault
		    : (pe->regs.sctlr & SCTLR_M) ? walk_check_access(&x.entry, a, pe->el) : FAULT_NONE;
	int level = x.fault ? x.level : x.entry.level;
	if (!f && (x.pa >= m->mem_size || len > m->mem_size - x.pa))
		f = FAULT_EXTERNAL, level = 0;
	if (!f && x.pa == upa)
		return upa;
	if (pe->npatch == RETIRED_PATCH_MAX || len > sizeof(pe->patch[0].orig)) {
		pe_error(pe, "internal error: too many accesses to retired mirror pages (please report)");
		return ~0ull;
	}
	RetiredPatch *t = &pe->patch[pe->npatch++];
	*t = (RetiredPatch){ .upa = upa, .mpa = f ? ~0ull : x.pa, .len = (unsigned)len,
			     .store = a == ACCESS_WRITE };
	memcpy(t->orig, m->phys + upa, len);
	if (f) {
		record_fault(pe, f, level, va, a);
		if (!pe->patch_ctx && uc_context_alloc(pe->uc, &pe->patch_ctx) != UC_ERR_OK)
			pe->patch_ctx = NULL;
		pe->patch_restore = pe->patch_ctx && uc_context_save(pe->uc, pe->patch_ctx) == UC_ERR_OK;
		uc_emu_stop(pe->uc);
		return ~0ull;
	}
	if (!t->store)
		memcpy(m->phys + upa, m->phys + x.pa, len);
	return x.pa;
}

/*
 * The PA of an access inside the mirror, backing its pages first; ~0
 * outside (or after a fault). Each page it touches (two when it straddles)
 * is backed (a TLB hit), walkable (a lazy fill) or, after a fill of this
 * instruction retired its region, translated by the model.
 */
static uint64_t hook_pa(Pe *pe, uint64_t va, int size, AccessType a)
{
	uint64_t last = va + (uint64_t)(size > 0 ? size - 1 : 0), first_pa = ~0ull;

	if (pe->m->test_error_page && pe->m->test_error_page == va >> PAGE_SHIFT) {
		pe_error(pe, "internal error: injected by BBMSIM_TEST_ERROR_VA (tests only)");
		return ~0ull;
	}
	if (pe->m->test_crash_page && pe->m->test_crash_page == va >> PAGE_SHIFT) {
		/* Injected by BBMSIM_TEST_CRASH_VA (tests only): die of SIGSEGV, also under ASan's handler. */
		signal(SIGSEGV, SIG_DFL);
		raise(SIGSEGV);
	}

	/*
	 * The fast path: the last page found backed (below), while no region
	 * went away and no page became unbacked since (mirror_epoch). Its
	 * region, and so its PA, are the same: only the TLB use remains.
	 */
	if (pe->hc_va == (va & ~(PAGE_SIZE - 1)) && !((va ^ last) >> PAGE_SHIFT) &&
	    pe->hc_epoch == pe->mirror_epoch) {
		pe_tlb_touch(pe, va);
		return pe->hc_pa + (va & (PAGE_SIZE - 1));
	}
	for (uint64_t p = va;; p = (p | (PAGE_SIZE - 1)) + 1) {
		uint64_t plast = (p ^ last) >> PAGE_SHIFT ? p | (PAGE_SIZE - 1) : last, pa = ~0ull;
		bool retired;
		int i = mirror_find(pe, p);
		if (i >= 0) {
			if (p == va && pe->m->check_mirror)
				mirror_self_check(pe, &pe->mr[i], va);
			if (mirror_backed(&pe->mr[i], p)) {
				pe_tlb_touch(pe, p);
				/* (Not a page mirrored for this step only, nor under BBMSIM_CHECK_MIRROR's self-check.) */
				if (!pe->ntemp && !pe->m->check_mirror) {
					pe->hc_va = p & ~(PAGE_SIZE - 1);
					pe->hc_pa = pe->mr[i].pa + (pe->hc_va - pe->mr[i].va);
					pe->hc_epoch = pe->mirror_epoch;
				}
			} else if (!hook_lazy_fill(pe, p, a))
				return ~0ull;
			/* The fill may have retired the region: the engine still accesses its PA. */
			engine_pa(pe, p, &pa, &retired);
		} else if (pe->nretired && engine_pa(pe, p, &pa, &retired)) {
			pa = retired_access(pe, p, plast - p + 1, a, pa);
			if (pa == ~0ull)
				return ~0ull;
		} else if (p == va) {
			return ~0ull;     /* outside the mirror: hook_mem asks the model */
		}
		if (p == va)
			first_pa = pa;
		if (plast == last)
			return first_pa;
	}
}

/*
 * Inside a batch, hooks only serve accesses to backed pages (a TLB hit,
 * no change to the TLB or the mirror). Any other access needs the model (a
 * lazy fill, a walk, a fault): is this one of them?
 */
static bool batch_needs_model(Pe *pe, uint64_t va, int size)
{
	uint64_t last = va + (uint64_t)(size > 0 ? size - 1 : 0);
	int i = mirror_find(pe, va), j = (last ^ va) >> PAGE_SHIFT ? mirror_find(pe, last) : i;

	return pe->batch_abort || i < 0 || j < 0 || !mirror_backed(&pe->mr[i], va) ||
	       !mirror_backed(&pe->mr[j], last);
}

/*
 * End the batch before this instruction, which pe_step then runs with the
 * model. Unicorn performs the access after the hook and stops right after
 * it (uc_emu_stop), with the PC at the instruction: the registers (a load
 * may write its base) are saved now and restored, as are the bytes a
 * store overwrites, when the batch returns (pe_batch). No event, no fill.
 */
static void batch_abort(Pe *pe, uint64_t va, int size, AccessType a)
{
	uint64_t pa;
	bool retired;

	if (pe->batch_abort)
		return;
	pe->batch_abort = true;
	if (!pe->batch_ctx && uc_context_alloc(pe->uc, &pe->batch_ctx) != UC_ERR_OK)
		pe->batch_ctx = NULL;
	pe->batch_restore = pe->batch_ctx && uc_context_save(pe->uc, pe->batch_ctx) == UC_ERR_OK;
	pe->batch_nundo = 0;
	/* Each page of the store the engine maps (at most 64 bytes: two pages). */
	for (uint64_t p = va, end = va + (uint64_t)size; a == ACCESS_WRITE && p < end && pe->batch_nundo < 2;) {
		uint64_t next = (p | (PAGE_SIZE - 1)) + 1, n = (next < end ? next : end) - p;
		if (n <= sizeof(pe->batch_undo[0].bytes) && engine_pa(pe, p, &pa, &retired)) {
			BatchUndo *u = &pe->batch_undo[pe->batch_nundo++];
			u->pa = pa;
			u->len = (unsigned)n;
			memcpy(u->bytes, pe->m->phys + pa, n);
		}
		p = next;
	}
	uc_emu_stop(pe->uc);
}

static void hook_mem(uc_engine *uc, uc_mem_type type, uint64_t addr, int size,
		     int64_t value, void *user)
{
	Pe *pe = user;
	Machine *m = pe->m;
	AccessType a = type == UC_MEM_READ ? ACCESS_READ : ACCESS_WRITE;
	(void)uc;

	if (pe->in_batch && batch_needs_model(pe, addr, size)) {
		batch_abort(pe, addr, size, a);
		return;
	}
	pe->in_mem_hook++;
	if (pe->in_batch)
		batch_sync(pe);
	uint64_t pa = hook_pa(pe, addr, size, a);
	pe->in_mem_hook--;

	if (pe->state == PE_ERROR || pe->step_fault)
		return;     /* (a fault: retired_access) */
	if (pa == ~0ull) {
		/*
		 * Unicorn calls this hook before the unmapped hook for an access
		 * outside the mirror, and not again after the retry: find the PA
		 * from the model. A faulting access performs no store.
		 */
		Xlat x;
		pe->in_mem_hook++;
		pe_translate(pe, addr, a, &x);
		pe->in_mem_hook--;
		if (x.fault || x.pa >= m->mem_size)
			return;
		pa = x.pa;
	}
	if (type == UC_MEM_READ) {
		if (pe->step_ldx) {
			if (pe->monitor == ~0ull)
				m->armed_monitors++;
			pe->monitor = pa & ~63ull;
		}
		EMIT(m, .type = EV_MEM, .pe = pe->id, .va = addr, .pa = pa, .size = size,
		     .access = ACCESS_READ, .level = pe->el);
		return;
	}
	EMIT(m, .type = EV_MEM, .pe = pe->id, .va = addr, .pa = pa, .size = size,
	     .val = (uint64_t)value, .access = ACCESS_WRITE, .level = pe->el);
	/* A store clears other PEs' exclusive monitors on the granule: an event (WFE wake-up). */
	if (m->armed_monitors) {
		for (unsigned i = 0; i < m->npes; i++) {
			Pe *q = &m->pe[i];
			if (q == pe || q->monitor != (pa & ~63ull))
				continue;
			q->monitor = ~0ull;
			m->armed_monitors--;
			q->event_reg = true;
			if (q->state == PE_SLEEPING) {
				pe_set_state(q, PE_RUNNING);
				EMIT(m, .type = EV_WAKE, .pe = q->id, .other_pe = pe->id);
			}
		}
	}
	if (is_table_page(m, pa) || is_table_page(m, pa + (uint64_t)size - 1)) {
		/*
		 * One record per descriptor word, whatever the store form: Unicorn
		 * may call this hook once per element or byte (ST1..ST4, unaligned
		 * stores), so a word already recorded in this step keeps the value
		 * it had before the step's first write to it.
		 */
		for (uint64_t w = pa & ~7ull; w < pa + (uint64_t)size; w += 8) {
			bool seen = false;
			for (unsigned i = 0; i < pe->nst && !seen; i++)
				seen = pe->st[i].pa == w;
			if (seen)
				continue;
			if (pe->nst == STEP_STORES_MAX) {
				/* The largest A64 store (DC ZVA, ST4 of Q registers) is 64 bytes: 9 words unaligned. */
				pe_error(pe, "internal error: one instruction stored to more descriptor words than the model records");
				return;
			}
			pe->st[pe->nst++] = (StepStore){ .pa = w, .old = machine_phys_read64(m, w) };
		}
	}
}

static void hook_intr(uc_engine *uc, uint32_t intno, void *user)
{
	Pe *pe = user;

	pe->step_intr = true;
	pe->intr_no = intno;
	uc_emu_stop(uc);
}

/* --- lifecycle ---------------------------------------------------------------- */

Machine *machine_new(const MachineConfig *cfg, char *err, size_t errlen)
{
	Machine *m;

	if (cfg->npes < 1 || cfg->npes > MACHINE_MAX_PES) {
		snprintf(err, errlen, "number of PEs must be 1..%d, not %u", MACHINE_MAX_PES, cfg->npes);
		return NULL;
	}
	if (cfg->mem_size < (1ull << 20) || cfg->mem_size > (1ull << 40) ||
	    (cfg->mem_size & (PAGE_SIZE - 1))) {
		snprintf(err, errlen, "memory size must be a multiple of 4 KiB between 1 MiB and 1 TiB");
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	m->cfg = *cfg;
	/* A test aid (docs/design.md, "The mirror"): abort when the mirror and the model disagree. */
	m->check_mirror = getenv("BBMSIM_CHECK_MIRROR") != NULL;
	/* Also a test aid: the mirror in its simplest mode (only pages the TLB holds; tests/knob_sweep.sh). */
	if (getenv("BBMSIM_MIRROR_SIMPLE"))
		m->cfg.mirror_backed_only = true;
	/* Tests of `bbmsim test` only (tests/cli_test.sh): a data access to this page fails as a bug would. */
	const char *tv;
	if ((tv = getenv("BBMSIM_TEST_ERROR_VA")))
		m->test_error_page = strtoull(tv, NULL, 0) >> PAGE_SHIFT;
	if ((tv = getenv("BBMSIM_TEST_CRASH_VA")))
		m->test_crash_page = strtoull(tv, NULL, 0) >> PAGE_SHIFT;
	if (!m->cfg.max_insns)
		m->cfg.max_insns = DEFAULT_MAX_INSNS;
	if (!m->cfg.quantum)
		m->cfg.quantum = 1;
	if (!m->cfg.mirror_regions)
		m->cfg.mirror_regions = 128;
	if (m->cfg.mirror_regions > 256)
		m->cfg.mirror_regions = 256;
	if (!m->cfg.mirror_window)
		m->cfg.mirror_window = MIRROR_WINDOW_MAX;
	if (m->cfg.mirror_window > MIRROR_WINDOW_MAX || m->cfg.mirror_window < PAGE_SIZE ||
	    (m->cfg.mirror_window & (m->cfg.mirror_window - 1))) {
		snprintf(err, errlen, "mirror window must be a power of two from 4 KiB to 256 MiB");
		free(m);
		return NULL;
	}
	if (cfg->nsteps) {
		m->steps = malloc(cfg->nsteps * sizeof(*m->steps));
		memcpy(m->steps, cfg->steps, cfg->nsteps * sizeof(*m->steps));
		m->cfg.steps = m->steps;
	}
	m->mem_size = cfg->mem_size;
	m->rng = cfg->seed ? cfg->seed : 1;
	/* Reserve the whole physical space; the host commits only touched pages. */
	m->phys = mmap(NULL, m->mem_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m->phys == MAP_FAILED) {
		snprintf(err, errlen, "cannot reserve %llu bytes of physical memory",
			 (unsigned long long)m->mem_size);
		free(m->steps);
		free(m);
		return NULL;
	}
	m->table_bitmap = calloc((m->mem_size >> PAGE_SHIFT) / 8 + 1, 1);
	reach_init(&m->reach, m->mem_size, phys_read, m, table_page_new, m);
	m->npes = cfg->npes;
	pending_init(&m->pend, m->npes, cfg->walk_vis == WALK_VIS_AT_DSB,
		     cfg->tlbi_completion == TLBI_COMPLETE_AT_ISSUE);
	for (unsigned i = 0; i < m->npes; i++) {
		Pe *pe = &m->pe[i];
		pe->id = (int)i;
		pe->m = m;
		pe->monitor = ~0ull;
		pe->level = cfg->level;
		pe->midr = cfg->midr;
		pe->state = PE_HALTED;     /* until machine_pe_init; not counted */
		pe->fc_epoch = ~0ull;
		pe->hc_epoch = ~0ull;
		mirror_init(pe, m->cfg.mirror_regions);
		TlbConfig tc = cfg->tlb;
		tc.seed = cfg->seed * 0x9e3779b97f4a7c15ull + i + 1;
		tlb_init(&pe->tlb, &tc);
		pe->tlb.on_change = mirror_tlb_changed;
		pe->tlb.change_ctx = pe;
		if (uc_open(UC_ARCH_ARM64, UC_MODE_ARM, &pe->uc) != UC_ERR_OK ||
		    uc_ctl_set_cpu_model(pe->uc, UC_CPU_ARM64_MAX) != UC_ERR_OK) {
			snprintf(err, errlen, "cannot create a Unicorn AArch64 engine for PE %u", i);
			machine_free(m);
			return NULL;
		}
		uc_hook_add(pe->uc, &pe->hooks[0], UC_HOOK_MEM_UNMAPPED | UC_HOOK_MEM_PROT,
			    (void *)hook_unmapped, pe, 1, 0);
		uc_hook_add(pe->uc, &pe->hooks[1], UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE,
			    (void *)hook_mem, pe, 1, 0);
		uc_hook_add(pe->uc, &pe->hooks[2], UC_HOOK_INTR, (void *)hook_intr, pe, 1, 0);
	}
	return m;
}

void machine_free(Machine *m)
{
	if (!m)
		return;
	for (unsigned i = 0; i < m->npes; i++) {
		Pe *pe = &m->pe[i];
		if (pe->batch_ctx)
			uc_context_free(pe->batch_ctx);
		if (pe->patch_ctx)
			uc_context_free(pe->patch_ctx);
		if (pe->uc)
			uc_close(pe->uc);
		tlb_fini(&pe->tlb);
		mirror_fini(pe);
	}
	pending_fini(&m->pend);
	munmap(m->phys, m->mem_size);
	free(m->table_bitmap);
	reach_fini(&m->reach);
	free(m->faults);
	free(m->steps);
	free(m);
}

void machine_set_event_fn(Machine *m, EventFn fn, void *ctx)
{
	m->ev_fn = fn;
	m->ev_ctx = ctx;
}

void machine_set_stop_flag(Machine *m, const volatile sig_atomic_t *flag)
{
	m->stop = flag;
}

bool machine_pe_init(Machine *m, unsigned i, const PeInit *init, char *err, size_t errlen)
{
	if (i >= m->npes) {
		snprintf(err, errlen, "PE %u does not exist (the machine has %u)", i, m->npes);
		return false;
	}
	if (init->el != 0 && init->el != 1) {
		snprintf(err, errlen, "PE %u: exception level must be 0 or 1", i);
		return false;
	}
	if (init->regs.sctlr & SCTLR_M) {
		if (TCR_TG0(init->regs.tcr) != 0 || (TCR_TG1(init->regs.tcr) != 2 &&
						      !(init->regs.tcr & TCR_EPD1))) {
			snprintf(err, errlen, "PE %u: only the 4 KiB granule is modelled (TCR_EL1.TG0 = 0, TG1 = 2)", i);
			return false;
		}
	}
	Pe *pe = &m->pe[i];
	pe_set_state(pe, PE_RUNNING);
	pe->el = init->el;
	pe->regs = init->regs;
	pe->vbar = init->vbar;
	if (init->has_level)
		pe->level = init->level;
	if (init->has_midr)
		pe->midr = init->midr;
	for (int r = 0; r < 29; r++)
		uc_reg_write(pe->uc, UC_ARM64_REG_X0 + r, &init->x[r]);
	uc_reg_write(pe->uc, UC_ARM64_REG_X29, &init->x[29]);
	uc_reg_write(pe->uc, UC_ARM64_REG_X30, &init->x[30]);
	/* EL1h, or EL0t; interrupts masked. */
	uint32_t pstate = init->el ? 0x3c5 : 0x3c0;
	pe_write_pstate(pe, pstate);
	if (init->el)
		uc_reg_write(pe->uc, UC_ARM64_REG_SP_EL0, &init->sp_el0);
	uc_reg_write(pe->uc, UC_ARM64_REG_TPIDR_EL1, &init->tpidr_el1);
	uc_reg_write(pe->uc, sp_bank(pstate), &init->sp);
	uc_reg_write(pe->uc, UC_ARM64_REG_SP, &init->sp);
	uc_reg_write(pe->uc, UC_ARM64_REG_PC, &init->pc);
	pe->pc_known = false;
	if (pe->ndefer) {
		pe->ndefer = 0;
		m->ndeferring--;
	}
	reach_register_roots(&m->reach, &pe->regs);
	return true;
}

/* --- table stores ------------------------------------------------------------------ */

static void pe_commit_table_stores(Pe *pe, uint64_t pc, uint32_t insn)
{
	Machine *m = pe->m;

	for (unsigned i = 0; i < pe->nst; i++) {
		StepStore *s = &pe->st[i];
		uint64_t val = machine_phys_read64(m, s->pa);
		if (val == s->old)
			continue;
		/*
		 * One event per place the descriptor translates (a table shared by
		 * two trees or reached through both TTBRs has several VAs), or one
		 * with level -1 when the page is not known as a table.
		 */
		uint64_t page = s->pa & ~(PAGE_SIZE - 1);
		ReachTable reg[8];
		unsigned nreg = 0;
		for (const ReachTable *r = reach_first(&m->reach, page); r && nreg < 8; r = reach_next(&m->reach, r)) {
			bool dup = false;
			for (unsigned k = 0; k < nreg && !dup; k++)
				dup = reg[k].level == r->level && reg[k].va_base == r->va_base;
			if (!dup)
				reg[nreg++] = *r;
		}
		if (!nreg)
			EMIT(m, .type = EV_DESC_WRITE, .pe = pe->id, .pc = pc, .insn = insn, .pa = s->pa,
			     .old = s->old, .val = val, .level = -1);
		for (unsigned k = 0; k < nreg; k++) {
			const ReachTable *r = &reg[k];
			uint64_t va = reach_desc_va(r, s->pa);
			EMIT(m, .type = EV_DESC_WRITE, .pe = pe->id, .pc = pc, .insn = insn, .pa = s->pa,
			     .old = s->old, .val = val, .level = r->level, .va = va);
			if (r->level < 3 && desc_kind(val, r->level) == DESC_KIND_TABLE)
				reach_register_tree(&m->reach, val & DESC_OA_MASK, r->level + 1, va, r->root);
		}
		/* Visible to the walkers at once, or at the DSB (walk_vis, RSPVBD). */
		if (!pending_store(&m->pend, pe->id, s->pa, s->old, val, m->tick))
			mirror_desc_changed(m, s->pa);
		if (m->cfg.spec_fill == SPEC_FILL_ADVERSARIAL && nreg)
			spec_fill_after_store(m, s->pa, val);
	}
	pe->nst = 0;
}

/* --- the step ---------------------------------------------------------------------- */

/* Translate and read the instruction at @pc; false when the fetch faulted. */
static bool pe_fetch(Pe *pe, uint64_t pc, uint32_t *insn)
{
	Machine *m = pe->m;
	uint64_t page = pc & ~(PAGE_SIZE - 1);

	if (pe->fc_va == page && pe->fc_epoch == pe->mirror_epoch && pe->fc_host) {
		pe_tlb_touch(pe, pc);
	} else {
		uint64_t pa;
		if (!pe_access(pe, pc, ACCESS_FETCH, &pa))
			return false;
		pe->fc_va = page;
		pe->fc_host = m->phys + (pa & ~(PAGE_SIZE - 1));
		/*
		 * An uncached (nT) translation must not be reused, nor one whose
		 * entry is already gone (its own fill's prefetch or a capacity
		 * eviction removed it during the access): the next fetch must
		 * miss and fill again, as fill-on-miss does.
		 */
		int r = mirror_find(pe, pc);
		bool backed = r >= 0 && mirror_backed(&pe->mr[r], pc);
		pe->fc_epoch = pe->ntemp || !backed ? ~0ull : pe->mirror_epoch;
	}
	if (m->check_mirror) {
		int i = mirror_find(pe, pc);
		if (i < 0 || m->phys + pe->mr[i].pa + (page - pe->mr[i].va) != pe->fc_host) {
			fprintf(stderr, "bbmsim: BBMSIM_CHECK_MIRROR: PE%d fetch at 0x%llx: the fetch cache "
				"disagrees with the mirror\n", pe->id, (unsigned long long)pc);
			abort();
		}
		mirror_self_check(pe, &pe->mr[i], pc);
	}
	memcpy(insn, pe->fc_host + (pc & (PAGE_SIZE - 1)), 4);
	return true;
}

/* Unicorn raised an exception itself at @pc: undefined instruction, alignment, ... */
static void pe_take_unicorn_exception(Pe *pe, uint64_t pc)
{
	const char *what = pe->intr_no == 1 ? "undefined" : pe->intr_no == 4 ? "data-abort" : "exception";
	FaultRecord r = { .kind = FAULT_NONE, .what = what };
	uint64_t esr = pe->intr_no == 1 ? (1ull << 25) : ((0x25ull << 26) | (1ull << 25) | 0x21);
	pe_take_exception(pe, pc, pc, esr, 0, &r);
}

/* --- deferral: quantum 1 without a Unicorn call per instruction ----------------- */

/*
 * A register-only instruction (sysinsn_register_only: integer arithmetic,
 * moves, B, BL) reads and writes only its own PE's registers and cannot
 * raise, so when Unicorn runs it does not matter, provided it runs before
 * the PE's next instruction that does anything else and runs the word its
 * fetch read. At its turn pe_defer does all that stepping does except the
 * Unicorn call: the fetch (a fetch cache hit, with its TLB use), EV_INSN,
 * the tick and the count; the instruction joins the PE's deferred run. The
 * run then executes in one Unicorn call together with the PE's next load or
 * store (pe_step: the deferred instructions first, then the access, whose
 * hooks run at its own tick), or alone (defer_flush) before anything that
 * could change what the engine fetches for it or that reads the registers:
 * the PE's own fetch that is not a fetch cache hit, a system instruction of
 * any PE (TLBI, DSB, MSR: mirror changes), a table store's commit (mirror
 * changes, speculative fills), a batch (quantum > 1), the end of
 * machine_run and the API. No event comes from the call: a register-only
 * instruction has no hook. So events, ticks, registers and outcomes are
 * those of stepping (tests/test_batch.c compares every scenario).
 */
static bool defer_intact(const Pe *pe)
{
	/* (fc_va does not change while instructions are deferred: only a fetch that misses the cache sets it.) */
	return pe->fc_host && pe->fc_epoch == pe->mirror_epoch;
}

/*
 * The deferred instructions' words, as their fetches read them, in the page
 * the fetch cache holds: a word stored over since (code written by another
 * PE) is swapped back for the call (defer_unpatch puts the new one back).
 * Returns the mask of swapped words; @now gets the words in memory.
 */
static uint32_t defer_patch(Pe *pe, uint32_t *now)
{
	uint32_t mask = 0;

	for (unsigned k = 0; k < pe->ndefer; k++) {
		uint8_t *p = pe->fc_host + pe->defer_at[k];
		memcpy(&now[k], p, 4);
		if (now[k] != pe->defer_word[k]) {
			memcpy(p, &pe->defer_word[k], 4);
			mask |= 1u << k;
		}
	}
	return mask;
}

static void defer_unpatch(Pe *pe, const uint32_t *now, uint32_t mask)
{
	for (unsigned k = pe->ndefer; mask && k-- > 0;) {
		uint8_t *p = pe->fc_host + pe->defer_at[k];
		uint32_t w;
		memcpy(&w, p, 4);
		if (mask >> k & 1 && w == pe->defer_word[k])
			memcpy(p, &now[k], 4);
	}
}

static void defer_done(Pe *pe)
{
	pe->ndefer = 0;
	pe->m->ndeferring--;
}

/* Run @pe's deferred instructions now, in one Unicorn call. */
static void defer_flush(Pe *pe)
{
	uint32_t now[DEFER_MAX], mask;
	uint64_t pc = 0;

	if (!pe->ndefer)
		return;
	if (!defer_intact(pe)) {
		defer_done(pe);
		pe_error(pe, "internal error: the code page of deferred instructions changed (please report)");
		return;
	}
	mask = defer_patch(pe, now);
	pe->step_intr = false;
	uc_err e = uc_emu_start(pe->uc, pe->defer_pc, 0, 0, pe->ndefer);
	defer_unpatch(pe, now, mask);
	uc_reg_read(pe->uc, UC_ARM64_REG_PC, &pc);
	bool ok = !pe->step_intr && pc == pe->defer_next &&
		  (e == UC_ERR_OK || e == UC_ERR_FETCH_UNMAPPED || e == UC_ERR_FETCH_PROT);
	pe->step_intr = false;
	pe->pc_known = ok;
	pe->pc_next = pc;
	defer_done(pe);
	if (!ok)
		pe_error(pe, "internal error: deferred instructions did not run as fetched (please report)");
}

static void defer_flush_all(Machine *m)
{
	for (unsigned i = 0; m->ndeferring && i < m->npes; i++)
		defer_flush(&m->pe[i]);
}

/* The instruction at @pc is fetched from the fetch cache without the model (pe_fetch's fast path). */
static bool fetch_is_cached(const Pe *pe, uint64_t pc)
{
	return !(pc & 3) && pe->fc_va == (pc & ~(PAGE_SIZE - 1)) && pe->fc_epoch == pe->mirror_epoch &&
	       pe->fc_host && !pe->ntemp;
}

/*
 * May the step at @pc run @pe's deferred instructions in its own Unicorn
 * call? When its fetch is a cache hit (no mirror change before the call)
 * and it is a load or store (op0 = x1x0: no system instruction) that makes
 * the call (not a store-exclusive made to fail: machine_step_stxr_fail).
 */
static bool defer_joins(const Pe *pe, uint64_t pc)
{
	uint32_t w;

	if (pe->stx_fail || !fetch_is_cached(pe, pc))
		return false;
	memcpy(&w, pe->fc_host + (pc & (PAGE_SIZE - 1)), 4);
	return (w & 0x0a000000u) == 0x08000000u;
}

/*
 * The turn of @pe, at quantum 1 (one instruction): defer it when it is
 * register-only and its fetch a cache hit. Returns false when it must be
 * stepped (nothing done).
 */
static bool pe_defer(Pe *pe, bool fetch_model)
{
	Machine *m = pe->m;
	uint64_t pc = pe->ndefer ? pe->defer_next : pe->pc_known ? pe->pc_next : pe_pc(pe), next;
	uint32_t w, insn;
	(void)insn;

	if (!fetch_is_cached(pe, pc))     /* (the caller checked cfg.no_batch) */
		return false;
	memcpy(&w, pe->fc_host + (pc & (PAGE_SIZE - 1)), 4);
	if (!sysinsn_register_only(w, pc, &next))
		return false;
	/*
	 * A run's PCs ascend (a backward B starts a new run), so that no word
	 * is in it twice (defer_patch: it may have been written in between).
	 */
	if (pe->ndefer && (pe->ndefer == DEFER_MAX || (pc & (PAGE_SIZE - 1)) <= pe->defer_at[pe->ndefer - 1])) {
		defer_flush(pe);
		if (pe->state != PE_RUNNING)
			return true;
	}
	/* The fetch: a cache hit, so only the TLB use (pe_fetch's fast path), if any. */
	if (fetch_model)
		pe_fetch(pe, pc, &insn);
	if (m->ev_fn)
		EMIT(m, .type = EV_INSN, .pe = pe->id, .pc = pc, .insn = w);
	if (!pe->ndefer) {
		pe->defer_pc = pc;
		m->ndeferring++;
	}
	pe->defer_at[pe->ndefer] = (uint16_t)(pc & (PAGE_SIZE - 1));
	pe->defer_word[pe->ndefer++] = w;
	pe->defer_next = next;
	pe->insns++;
	m->deferred++;
	m->tick++;
	return true;
}

static void pe_step(Pe *pe)
{
	Machine *m = pe->m;
	uint64_t pc = pe->ndefer ? pe->defer_next : pe->pc_known ? pe->pc_next : pe_pc(pe);
	uint32_t insn = 0;

	if (pe->ndefer && !defer_joins(pe, pc)) {
		defer_flush(pe);
		if (pe->state != PE_RUNNING)
			return;
	}
	pe->pc_known = false;     /* (set again below when this step leaves it known) */

	pe->step_fault = false;
	pe->step_intr = false;
	pe->nst = 0;
	if (pc & 3) {
		/* PC alignment fault (EC 0x22). */
		FaultRecord r = { .kind = FAULT_NONE, .va = pc, .what = "pc-alignment" };
		pe_take_exception(pe, pc, pc, (0x22ull << 26) | (1ull << 25), pc, &r);
		goto done;
	}
	if (!pe_fetch(pe, pc, &insn)) {
		pe_take_abort(pe, pc);
		goto done;
	}
	if (m->ev_fn)
		EMIT(m, .type = EV_INSN, .pe = pe->id, .pc = pc, .insn = insn);
	/* Loads and stores (op0 = x1x0) are never the model's: no decode for them. */
	bool ldst = (insn & 0x0a000000u) == 0x08000000u;
	if (!ldst && m->ndeferring) {
		SysInsn s;
		if (sysinsn_decode(insn, &s))
			defer_flush_all(m);     /* the model's system instructions change mirrors */
	}
	if (!ldst && pe_exec_system(pe, pc, insn))
		goto done;
	unsigned rs;
	if (pe->stx_fail && sysinsn_is_store_exclusive(insn, &rs)) {
		/*
		 * A store-exclusive may fail for no architectural reason (the
		 * local monitor may be cleared at any time: machine.h): no store,
		 * status 1, the monitor open. (Deferred instructions ran before
		 * it: defer_joins.)
		 */
		pe_set_xreg(pe, rs, 1);
		if (pe->monitor != ~0ull) {
			pe->monitor = ~0ull;
			m->armed_monitors--;
		}
		pe_set_pc(pe, pc + 4);
		goto done;
	}
	pe->step_ldx = sysinsn_is_load_exclusive(insn);
	/* With the deferred instructions first, when there are any (defer_joins). */
	uint32_t now[DEFER_MAX], mask = pe->ndefer ? defer_patch(pe, now) : 0;
	uc_err e = uc_emu_start(pe->uc, pe->ndefer ? pe->defer_pc : pc, 0, 0, pe->ndefer + 1);
	if (pe->ndefer) {
		if (mask)
			defer_unpatch(pe, now, mask);
		defer_done(pe);
	}
	mirror_after_run(pe);
	if (pe->nst) {
		defer_flush_all(m);
		pe_commit_table_stores(pe, pc, insn);
	}
	if (pe->step_fault) {
		pe_take_abort(pe, pc);
	} else if (pe->step_intr) {
		pe_take_unicorn_exception(pe, pc);
	} else if (e != UC_ERR_OK && !((e == UC_ERR_FETCH_UNMAPPED || e == UC_ERR_FETCH_PROT) &&
					pe_pc(pe) != pc)) {
		/* A refused look-ahead fetch after the instruction completed is not an error. */
		pe_error(pe, uc_strerror(e));
	} else if (e == UC_ERR_OK && pe->state == PE_RUNNING && ldst) {
		/* A load or store that completed: the next PC, without asking Unicorn at the next turn. */
		pe->pc_known = true;
		pe->pc_next = pc + 4;
	}
done:
	/* Also after a fetch fault or a system instruction (a fetch may have mirrored its page for this step). */
	if (pe->ntemp)
		mirror_drop_temp(pe);
	pe->insns++;
	m->tick++;
}

/*
 * Quantum > 1: run the straight line at the PC (register-only instructions
 * and plain loads, ending at the first branch or plain store;
 * sysinsn_batch_class) in one Unicorn call, at most @budget instructions,
 * all in the page the fetch cache holds. Other stores, system instructions
 * and anything else the model executes or must see one at a time are
 * stepped by pe_step. Events and
 * ticks are those of single steps (batch_sync); a fault or an exception
 * Unicorn raises inside the run leaves the PC at its instruction, which is
 * handled as pe_step would. Returns the instructions consumed, 0 when no
 * batch of two or more was possible (nothing was done).
 */
static uint64_t pe_batch(Pe *pe, uint64_t budget)
{
	Machine *m = pe->m;
	uint64_t pc, page;
	unsigned n = 0;

	if (pe->ndefer) {
		defer_flush(pe);
		if (pe->state != PE_RUNNING)
			return 1;
	}
	pe->pc_known = false;
	pc = pe_pc(pe);
	page = pc & ~(PAGE_SIZE - 1);

	if (m->cfg.no_batch || (pc & 3) || pe->fc_va != page || pe->fc_epoch != pe->mirror_epoch ||
	    !pe->fc_host || (pe->level == BBM_L1 && m->cfg.knobs.nt != BBM_NT_FAULT))
		return 0;     /* an nT translation lasts one step: keep them apart */
	uint64_t room = (PAGE_SIZE - (pc & (PAGE_SIZE - 1))) >> 2;
	if (budget > room)
		budget = room;
	if (budget > 256)
		budget = 256;
	uint32_t word[256];
	while (n < budget) {
		uint32_t w;
		memcpy(&w, pe->fc_host + (pc & (PAGE_SIZE - 1)) + 4ull * n, 4);
		word[n] = w;
		InsnBatch c = sysinsn_batch_class(w);
		if (c == INSN_BATCH_STOP)
			break;
		n++;
		if (c == INSN_BATCH_BRANCH || c == INSN_BATCH_STORE)
			break;
	}
	if (n < 2)
		return 0;
	pe->step_fault = false;
	pe->step_intr = false;
	pe->step_ldx = false;
	pe->nst = 0;
	pe->in_batch = true;
	pe->batch_pc = pc;
	pe->batch_t0 = m->tick;
	pe->batch_n = n;
	pe->batch_emitted = 0;
	pe->batch_abort = pe->batch_restore = false;
	pe->batch_nundo = 0;
	uc_err e = uc_emu_start(pe->uc, pc, 0, 0, n);
	mirror_after_run(pe);     /* (nothing to do: a batch's hooks change no mirror) */
	if (pe->batch_abort) {
		/* batch_abort: undo the aborted instruction's access; it is stepped next. */
		if (pe->batch_restore)
			uc_context_restore(pe->uc, pe->batch_ctx);
		for (unsigned k = 0; k < pe->batch_nundo; k++)
			memcpy(m->phys + pe->batch_undo[k].pa, pe->batch_undo[k].bytes, pe->batch_undo[k].len);
		pe->batch_nundo = 0;
	}
	uint64_t used = n, fpc = pe_pc(pe);
	bool stopped = pe->step_fault || pe->step_intr;
	if (stopped) {
		/* The faulting instruction is consumed, as by pe_step. */
		used = (fpc - pc) / 4 + 1;
	} else if (pe->batch_abort && pe->state == PE_RUNNING) {
		/* Stopped before an access that needs the model: the rest is stepped (and fetched) again. */
		used = fpc >= pc && fpc < pc + 4ull * n ? (fpc - pc) / 4 : n;
		if (fpc < pc || fpc >= pc + 4ull * n)
			pe_error(pe, "internal error: a batch stopped outside its instructions (please report)");
	} else if (e == UC_ERR_FETCH_UNMAPPED || e == UC_ERR_FETCH_PROT) {
		/* A hook unmapped the code page: the rest is stepped (and fetched) again. */
		if (fpc >= pc && fpc < pc + 4ull * n)
			used = (fpc - pc) / 4;
	} else if (e != UC_ERR_OK && pe->state == PE_RUNNING) {
		pe_error(pe, uc_strerror(e));
	}
	if (stopped && (fpc < pc || used > n)) {
		pe_error(pe, "internal error: a batch stopped outside its instructions (please report)");
		stopped = false;
		pe->step_fault = pe->step_intr = false;
		used = n;
	}
	/* The EV_INSN of the instructions no hook saw (the last one is the faulting one, if any). */
	batch_emit(pe, used);
	pe->in_batch = false;
	if (!used) {
		m->tick = pe->batch_t0;
		return 0;
	}
	uint64_t last = pc + 4 * (used - 1);
	m->tick = pe->batch_t0 + used - 1;
	if (pe->nst) {
		/* Only the last instruction can store: commit as pe_step would. */
		defer_flush_all(m);
		pe_commit_table_stores(pe, last, word[used - 1]);
	}
	if (pe->step_fault) {
		pe_take_abort(pe, last);
	} else if (pe->step_intr) {
		pe_take_unicorn_exception(pe, last);
	}
	if (pe->ntemp)
		mirror_drop_temp(pe);
	pe->insns += used;
	m->batched += used;
	m->tick = pe->batch_t0 + used;
	return used;
}

static bool pe_runnable(const Pe *pe)
{
	return pe->state == PE_RUNNING;
}

static uint64_t machine_rand(Machine *m)
{
	m->rng ^= m->rng << 13;
	m->rng ^= m->rng >> 7;
	m->rng ^= m->rng << 17;
	return m->rng;
}

/* Round-robin from *@cur (kept below npes: no division per turn); the caller made sure one PE runs. */
static Pe *next_runnable(Machine *m, unsigned *cur)
{
	unsigned i = *cur;

	while (!pe_runnable(&m->pe[i]))
		i = i + 1 == m->npes ? 0 : i + 1;
	*cur = i + 1 == m->npes ? 0 : i + 1;
	return &m->pe[i];
}

static RunEnd machine_run_turns(Machine *m)
{
	unsigned cur = 0;
	size_t list_pos = 0;
	/* The run's constants in registers: each Unicorn call evicts the machine's cache lines. */
	const uint64_t max_insns = m->cfg.max_insns, quantum = m->cfg.quantum;
	const SchedPolicy sched = m->cfg.sched;
	const bool defer = !m->cfg.no_batch;
	/* Does a fetch cache hit do anything (pe_tlb_touch, BBMSIM_CHECK_MIRROR)? */
	const bool fetch_model = (m->cfg.tlb.capacity && m->cfg.tlb.replace == TLB_REPLACE_LRU) || m->check_mirror;

	for (;;) {
		if (!m->nalive)
			return RUN_ALL_HALTED;
		if (!m->nrunning)
			return RUN_DEADLOCK;
		if (m->tick >= max_insns)
			return RUN_LIMIT;
		if (m->stop && *m->stop)
			return RUN_INTERRUPTED;

		uint64_t count = quantum;
		Pe *pe;
		switch (sched) {
		case SCHED_LIST: {
			const SchedStep *s = &m->cfg.steps[list_pos];
			list_pos = (list_pos + 1) % m->cfg.nsteps;
			if ((unsigned)s->pe >= m->npes || !pe_runnable(&m->pe[s->pe])) {
				/* A step for a PE that cannot run: give the turn to the next runnable one. */
				pe = next_runnable(m, &cur);
				count = 1;
			} else {
				pe = &m->pe[s->pe];
				count = s->count ? s->count : 1;
			}
			break;
		}
		case SCHED_RANDOM: {
			unsigned k = (unsigned)(machine_rand(m) % m->npes);
			while (!pe_runnable(&m->pe[k]))
				k = (k + 1) % m->npes;
			pe = &m->pe[k];
			break;
		}
		default:
			pe = next_runnable(m, &cur);
			/* The next turn's fields, while this one runs (a Unicorn call evicts them). */
			__builtin_prefetch(&m->pe[cur].state);
			__builtin_prefetch(&m->pe[cur].defer_at[0]);
			break;
		}
		while (count && pe_runnable(pe) && m->tick < max_insns) {
			uint64_t budget = max_insns - m->tick < count ? max_insns - m->tick : count;
			uint64_t done = budget > 1 ? pe_batch(pe, budget) : 0;
			if (!done) {
				if (!defer || !pe_defer(pe, fetch_model))
					pe_step(pe);
				done = 1;
			}
			count -= done < count ? done : count;
		}
	}
}

RunEnd machine_run(Machine *m)
{
	RunEnd end = machine_run_turns(m);

	/* Every PE's registers as stepping would leave them (pe_defer). */
	defer_flush_all(m);
	return end;
}

bool machine_step(Machine *m, unsigned i)
{
	if (i >= m->npes || !pe_runnable(&m->pe[i]) || m->tick >= m->cfg.max_insns)
		return false;
	pe_step(&m->pe[i]);
	return true;
}

bool machine_step_stxr_fail(Machine *m, unsigned i)
{
	if (i >= m->npes || !pe_runnable(&m->pe[i]) || m->tick >= m->cfg.max_insns)
		return false;
	m->pe[i].stx_fail = true;
	pe_step(&m->pe[i]);
	m->pe[i].stx_fail = false;
	return true;
}

bool machine_pe_see_store(Machine *m, unsigned i, uint64_t pa, bool dry_run)
{
	if (i >= m->npes || !m->pend.nstores || !pending_reveal(&m->pend, (int)i, pa, dry_run))
		return false;
	if (!dry_run) {
		defer_flush_all(m);     /* a mirror change (pe_step's rule for deferred instructions) */
		mirror_desc_changed(m, pa & ~7ull);
	}
	return true;
}

size_t machine_pe_see_walk(Machine *m, unsigned i, uint64_t va, uint64_t *pas, size_t max, bool dry_run)
{
	size_t n = 0;

	if (i >= m->npes || !m->pend.nstores || !(m->pe[i].regs.sctlr & SCTLR_M))
		return 0;
	/* Level by level: what a newly seen table descriptor points to may have a pending store too. */
	for (int round = 0; round < 5; round++) {
		WalkResult w;
		bool more = false;
		walk_translate(&m->pe[i].regs, va, walk_read, &(WalkCtx){ m, &m->pe[i], true }, NULL, &w);
		for (int k = 0; k < w.nsteps && !more; k++) {
			if (!machine_pe_see_store(m, i, w.step[k].pa, dry_run))
				continue;
			if (n < max)
				pas[n] = w.step[k].pa & ~7ull;
			n++;
			more = !dry_run;
		}
		if (!more)
			break;
	}
	return n;
}

bool machine_reset(Machine *m, const MachineConfig *cfg)
{
	if (cfg) {
		if (cfg->npes != m->npes || cfg->mem_size != m->mem_size ||
		    memcmp(&cfg->tlb, &m->cfg.tlb, sizeof(cfg->tlb)) || cfg->nsteps)
			return false;
		unsigned regions = m->cfg.mirror_regions;
		uint64_t window = m->cfg.mirror_window;
		m->cfg = *cfg;
		m->cfg.mirror_regions = regions;
		m->cfg.mirror_window = window;
		m->cfg.steps = NULL;
		if (!m->cfg.max_insns)
			m->cfg.max_insns = DEFAULT_MAX_INSNS;
		if (!m->cfg.quantum)
			m->cfg.quantum = 1;
	}
	for (unsigned i = 0; i < m->npes; i++) {
		Pe *pe = &m->pe[i];
		uint64_t zero = 0;
		mirror_reset(pe);
		/*
		 * Unicorn's translated code is kept (a flush costs ~30 ms): callers must
		 * not place different code at the same VA across resets (machine.h).
		 */
		TlbConfig tc = m->cfg.tlb;
		tc.seed = m->cfg.seed * 0x9e3779b97f4a7c15ull + i + 1;
		tlb_fini(&pe->tlb);
		tlb_init(&pe->tlb, &tc);
		pe->tlb.on_change = mirror_tlb_changed;
		pe->tlb.change_ctx = pe;
		pe->state = PE_HALTED;
		pe->counted = false;
		pe->error = NULL;
		pe->insns = 0;
		pe->el = 0;
		memset(&pe->regs, 0, sizeof(pe->regs));
		pe->vbar = 0;
		pe->level = m->cfg.level;
		pe->midr = m->cfg.midr;
		pe->fc_va = 0;
		pe->fc_epoch = ~0ull;
		pe->fc_host = NULL;
		pe->hc_epoch = ~0ull;
		pe->nst = 0;
		pe->ndefer = 0;
		pe->pc_known = false;
		pe->monitor = ~0ull;
		pe->event_reg = false;
		uc_reg_write(pe->uc, UC_ARM64_REG_ELR_EL1, &zero);
		uc_reg_write(pe->uc, UC_ARM64_REG_ESR_EL1, &zero);
		uc_reg_write(pe->uc, UC_ARM64_REG_FAR_EL1, &zero);
	}
	memset(m->table_bitmap, 0, (m->mem_size >> PAGE_SHIFT) / 8 + 1);
	reach_reset(&m->reach);
	m->tick = 0;
	m->batched = 0;
	m->deferred = 0;
	m->ndeferring = 0;
	m->lazy_fills = 0;
	m->rng = m->cfg.seed ? m->cfg.seed : 1;
	m->nrunning = m->nalive = 0;
	pending_reset(&m->pend, m->npes, m->cfg.walk_vis == WALK_VIS_AT_DSB,
		      m->cfg.tlbi_completion == TLBI_COMPLETE_AT_ISSUE);
	m->armed_monitors = 0;
	m->nfaults = 0;
	return true;
}

void machine_phys_clear(Machine *m)
{
	/* Private anonymous memory: the next touch of a page reads zeros. */
	if (madvise(m->phys, m->mem_size, MADV_DONTNEED) != 0)
		memset(m->phys, 0, m->mem_size);
}

/* --- accessors ----------------------------------------------------------------------- */

uint64_t machine_tick(const Machine *m) { return m->tick; }
uint64_t machine_batched_insns(const Machine *m) { return m->batched; }
uint64_t machine_deferred_insns(const Machine *m) { return m->deferred; }
unsigned machine_quantum(const Machine *m) { return m->cfg.quantum; }
uint64_t machine_mirror_lazy_fills(const Machine *m) { return m->lazy_fills; }
unsigned machine_npes(const Machine *m) { return m->npes; }
PeState machine_pe_state(const Machine *m, unsigned i) { return m->pe[i].state; }
uint64_t machine_pe_insns(const Machine *m, unsigned i) { return m->pe[i].insns; }
uint64_t machine_pe_pc(Machine *m, unsigned i)
{
	return m->pe[i].ndefer ? m->pe[i].defer_next : pe_pc(&m->pe[i]);
}

BbmLevel machine_pe_level(const Machine *m, unsigned i) { return m->pe[i].level; }
Tlb *machine_pe_tlb(Machine *m, unsigned i) { return &m->pe[i].tlb; }
const char *machine_pe_error(const Machine *m, unsigned i) { return m->pe[i].error; }
size_t machine_pe_pending_tlbis(const Machine *m, unsigned i) { return pending_tlbis(&m->pend, i); }

uint64_t machine_pe_x(Machine *m, unsigned i, unsigned reg)
{
	uint64_t v = 0;
	defer_flush(&m->pe[i]);
	if (reg == 31)
		uc_reg_read(m->pe[i].uc, UC_ARM64_REG_SP, &v);
	else
		v = pe_xreg(&m->pe[i], reg);
	return v;
}

unsigned machine_pe_mirror_regions(const Machine *m, unsigned i, unsigned *peak)
{
	if (peak)
		*peak = m->pe[i].mr_peak;
	return m->pe[i].nmr;
}

uint64_t machine_pe_mirror_maps(const Machine *m, unsigned i)
{
	return m->pe[i].mr_stamp;
}

bool machine_pe_translate(Machine *m, unsigned i, uint64_t va, uint64_t *pa)
{
	if (i >= m->npes)
		return false;
	Pe *pe = &m->pe[i];
	TlbEntry *hits[1];
	defer_flush_all(m);     /* its walk may fill the walk cache and evict under a capacity */
	if ((pe->regs.sctlr & SCTLR_M) && tlb_lookup(&pe->tlb, va, walk_asid(&pe->regs), true, hits, 1, 0)) {
		*pa = hits[0]->pa + (va - hits[0]->va);
		return true;
	}
	WalkResult w;
	walk_translate(&pe->regs, va, walk_read, &(WalkCtx){ m, pe, true },
		       m->cfg.tlb.walk_cache ? &pe->tlb : NULL, &w);
	*pa = w.pa;
	return !w.fault;
}

int machine_pe_mirror_state(Machine *m, unsigned i, uint64_t va)
{
	if (i >= m->npes)
		return -1;
	int k = mirror_find(&m->pe[i], va);
	return k < 0 ? -1 : mirror_backed(&m->pe[i].mr[k], va);
}

bool machine_pe_fill(Machine *m, unsigned i, uint64_t va, bool dry_run)
{
	Pe *pe = &m->pe[i];
	WalkResult w;
	TlbEntry *hits[8];

	if (!(pe->regs.sctlr & SCTLR_M))
		return false;
	walk_translate(&pe->regs, va, walk_read, &(WalkCtx){ m, pe, true }, NULL, &w);
	/* Entries that would fault are never cached (ARM-TLBALLOC); nT at level 1 is not (RMRRPW). */
	if (w.fault || !(w.leaf.desc & DESC_AF) || (w.nt && pe->level == BBM_L1))
		return false;
	size_t n = tlb_lookup(&pe->tlb, va, w.asid, true, hits, 8, 0);
	for (size_t k = 0; k < n && k < 8; k++)
		if (hits[k]->va == w.leaf.va && hits[k]->size_log2 == w.leaf.size_log2 &&
		    hits[k]->desc == w.leaf.desc && hits[k]->desc_pa == w.leaf.desc_pa)
			return false;
	if (!dry_run) {
		defer_flush_all(m);
		spec_fill_va(m, pe, va);
	}
	return true;
}

bool machine_pe_holds_stale(Machine *m, unsigned i, uint64_t va)
{
	TlbEntry *hits[8];
	size_t n = tlb_lookup(&m->pe[i].tlb, va, 0, true, hits, 8, 0);

	for (size_t k = 0; k < n && k < 8; k++)
		if (machine_phys_read64(m, hits[k]->desc_pa) != hits[k]->desc)
			return true;
	return false;
}

bool machine_pe_evict(Machine *m, unsigned i, uint64_t va, bool dry_run)
{
	Pe *pe = &m->pe[i];
	TlbEntry *hits[1];
	TlbEntry removed[16];

	if (!tlb_lookup(&pe->tlb, va, walk_asid(&pe->regs), true, hits, 1, 0))
		return false;
	if (dry_run)
		return true;
	defer_flush_all(m);
	/* Every leaf entry translating @va, whatever its ASID: a last-level, any-ASID match. */
	TlbiOp op = { .kind = TLBI_VAAL, .scope = TLBI_LOCAL, .va = va & ~(PAGE_SIZE - 1), .size = PAGE_SIZE,
		      .ttl_level = -1 };
	size_t n = tlb_invalidate(&pe->tlb, &op, false, removed, 16);
	for (size_t k = 0; k < n && k < 16; k++)
		EMIT(m, .type = EV_TLB_EVICT, .pe = pe->id, .entry = &removed[k], .va = removed[k].va);
	return n != 0;
}

size_t machine_faults(const Machine *m, const FaultRecord **out)
{
	*out = m->faults;
	return m->nfaults;
}
