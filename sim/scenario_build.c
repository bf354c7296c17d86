// SPDX-License-Identifier: GPL-2.0-only
/*
 * scenario_build.c - a ready-to-run machine for one BBM level from a loaded
 * scenario: memory, the table pool image, data words, code bytes, PEs.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include "scenario_priv.h"

/* --- build ----------------------------------------------------------------------- */

/* Memory, tables and PEs of a machine fresh from machine_new() or machine_reset(). */
static bool load_into(const Scenario *s, Machine *m, AnalysisPe *apes, BbmLevel level, char *err, size_t errlen)
{
	char e[256];

	if (s->has_pool) {
		machine_mark_table_pages(m, s->pool_pa, s->pool_size);
		if (s->img_len)
			machine_phys_write(m, s->pool_pa, s->img, s->img_len * sizeof(*s->img));
	}
	for (size_t i = 0; i < s->nwords; i++)
		machine_phys_write64(m, s->words[i].pa, s->words[i].val);
	for (size_t i = 0; i < s->nregion; i++)
		if (s->region[i].len)
			machine_phys_write(m, s->region[i].pa, s->region[i].bytes, s->region[i].len);
	scn_kit_build(s, m);
	for (unsigned i = 0; i < s->cfg.npes; i++) {
		if (!machine_pe_init(m, i, &s->pe[i], e, sizeof(e))) {
			snprintf(err, errlen, "%s:%d:%d: %s", s->path, s->pe_at[i].line, s->pe_at[i].col, e);
			return false;
		}
		if (apes) {
			apes[i].regs = s->pe[i].regs;
			apes[i].level = s->pe[i].has_level ? s->pe[i].level : level;
			apes[i].active = true;
		}
	}
	return true;
}

Machine *scenario_build(const Scenario *s, BbmLevel level, const ScenarioOverrides *ov,
			AnalysisPe apes[MACHINE_MAX_PES], BbmKnobs *knobs, char *err, size_t errlen)
{
	MachineConfig c = s->cfg;
	char e[256];

	c.level = level;
	c.steps = s->steps;
	if (ov && ov->has_seed)
		c.seed = ov->seed;
	if (ov && ov->has_max_insns)
		c.max_insns = ov->max_insns;
	if (ov && ov->has_quantum)
		c.quantum = ov->quantum;
	if (ov && ov->no_batch)
		c.no_batch = true;
	Machine *m = machine_new(&c, e, sizeof(e));
	if (!m) {
		snprintf(err, errlen, "%s:%d:%d: %s", s->path, s->machine_at.line, s->machine_at.col, e);
		return NULL;
	}
	if (!load_into(s, m, apes, level, err, errlen)) {
		machine_free(m);
		return NULL;
	}
	*knobs = c.knobs;
	return m;
}

bool scenario_reset(const Scenario *s, Machine *m, char *err, size_t errlen)
{
	machine_reset(m, NULL);
	machine_phys_clear(m);
	return load_into(s, m, NULL, BBM_L0, err, errlen);
}
