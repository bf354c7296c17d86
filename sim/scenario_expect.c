// SPDX-License-Identifier: GPL-2.0-only
/*
 * scenario_expect.c - expectations (expect: all and per level): reading
 * them at load, and checking them against a machine and its analysis after
 * a run. Each result names the expectation's place and says what it got.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "scenario_priv.h"

/* --- expectations ---------------------------------------------------------------- */

static Expect *exp_add(Ld *l, ExpKind kind, int level, yaml_node_t *at)
{
	Scenario *s = l->s;
	s->exp = realloc(s->exp, (s->nexp + 1) * sizeof(*s->exp));
	if (!s->exp)
		abort();
	Expect *e = &s->exp[s->nexp++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->level = level;
	e->at = scn_loc_of(at);
	e->pe = e->fkind = e->flevel = e->access = e->wkind = e->sev = e->wopen = e->wlatent = -1;
	return e;
}

/* min/max/count of a counting expectation; none given means min 1. */
static bool load_bounds(Ld *l, yaml_node_t *n, Expect *e)
{
	yaml_node_t *mn = scn_map_get(l, n, "min"), *mx = scn_map_get(l, n, "max"), *ct = scn_map_get(l, n, "count");
	if (ct && (mn || mx))
		return scn_fail_at(l, ct, "give either count or min/max, not both");
	if (ct) {
		if (!scn_get_u64(l, ct, "count", 0, UINT64_MAX, &e->min))
			return false;
		e->max = e->min;
		e->has_min = e->has_max = true;
		return true;
	}
	if (mn && !scn_get_u64(l, mn, "min", 0, UINT64_MAX, &e->min))
		return false;
	if (mx && !scn_get_u64(l, mx, "max", 0, UINT64_MAX, &e->max))
		return false;
	e->has_min = mn != NULL;
	e->has_max = mx != NULL;
	if (!mn && !mx) {
		e->has_min = true;
		e->min = 1;
	}
	if (mn && mx && e->min > e->max)
		return scn_fail_at(l, mn, "min is larger than max");
	return true;
}

static bool load_pe_index(Ld *l, yaml_node_t *v, int *pe)
{
	return scn_get_int(l, v, "pe", 0, (int)l->s->cfg.npes - 1, pe);
}

/* A counting expectation given as a bare number: an exact count. */
static bool load_exact_count(Ld *l, yaml_node_t *v, const char *what, Expect *e)
{
	if (!scn_get_u64(l, v, what, 0, UINT64_MAX, &e->min))
		return false;
	e->max = e->min;
	e->has_min = e->has_max = true;
	return true;
}

static bool load_violation(Ld *l, yaml_node_t *v, int level)
{
	static const char *const vkeys[] = { "rule", "min", "max", "count", NULL };
	Expect *e = exp_add(l, EXP_VIOLATIONS, level, v);

	if (v->type == YAML_SCALAR_NODE)
		return load_exact_count(l, v, "violations", e);
	if (!scn_map_keys(l, v, "expect.violations", vkeys))
		return false;
	yaml_node_t *r = scn_map_get(l, v, "rule");
	if (r) {
		const char *rs = scn_scalar(r);
		if (!rs || !*rs || strlen(rs) >= sizeof(e->rule))
			return scn_fail_at(l, r, "rule must be an Arm ARM rule id such as RWHZWS");
		snprintf(e->rule, sizeof(e->rule), "%s", rs);
	}
	return load_bounds(l, v, e);
}

/* stale_uses: a number, or {pe, kind, min, max, count}: accesses an old translation served (rules_stale_use). */
static bool load_stale_uses(Ld *l, yaml_node_t *v, int level)
{
	static const char *const skeys[] = { "pe", "kind", "min", "max", "count", NULL };
	Expect *e = exp_add(l, EXP_STALE_USES, level, v);

	if (v->type == YAML_SCALAR_NODE)
		return load_exact_count(l, v, "stale_uses", e);
	if (!scn_map_keys(l, v, "expect.stale_uses", skeys))
		return false;
	yaml_node_t *x;
	if ((x = scn_map_get(l, v, "pe")) && !load_pe_index(l, x, &e->pe))
		return false;
	if ((x = scn_map_get(l, v, "kind"))) {
		WindowKind k;
		if (!scn_scalar(x) || !window_kind_parse(scn_scalar(x), &k))
			return scn_fail_at(l, x, "kind must be translation-fault, tlb-conflict or stale");
		e->wkind = (int)k;
	}
	return load_bounds(l, v, e);
}

static bool load_expect_block(Ld *l, yaml_node_t *n, int level, const char *bw)
{
	static const char *const keys[] = { "run", "pes", "faults", "windows", "violations", "stale_uses", "regs",
					    "memory", NULL };
	static const char *const run_ends[] = { "all-stopped", "instruction-limit", "deadlock", NULL };
	static const char *const states[] = { "running", "sleeping", "halted", "faulted", "error", NULL };
	static const char *const accesses[] = { "read", "write", "fetch", NULL };
	static const char *const fkeys[] = { "pe", "kind", "level", "access", "va", "min", "max", "count", NULL };
	static const char *const wkeys[] = { "kind", "severity", "pe", "va", "open", "latent", "min", "max", "count", NULL };
	Scenario *s = l->s;
	yaml_node_t *v;
	char w[96];

	if (!scn_map_keys(l, n, bw, keys))
		return false;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		const char *k = scn_scalar(scn_node(l, p->key));
		v = scn_node(l, p->value);
		if (!strcmp(k, "run")) {
			Expect *e = exp_add(l, EXP_RUN, level, v);
			if (!scn_get_enum(l, v, "expect.run", run_ends, &e->ival))
				return false;
		} else if (!strcmp(k, "pes")) {
			if (v->type == YAML_SEQUENCE_NODE) {
				if (scn_seq_len(v) > s->cfg.npes)
					return scn_fail_at(l, v, "expect.pes lists %zu PEs, the machine has %u",
						       scn_seq_len(v), s->cfg.npes);
				for (size_t i = 0; i < scn_seq_len(v); i++) {
					Expect *e = exp_add(l, EXP_PE_STATE, level, scn_seq_at(l, v, i));
					e->pe = (int)i;
					if (!scn_get_enum(l, scn_seq_at(l, v, i), "a PE state", states, &e->ival))
						return false;
				}
			} else {
				if (!scn_map_keys(l, v, "expect.pes", NULL))
					return false;
				for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top; q++) {
					Expect *e = exp_add(l, EXP_PE_STATE, level, scn_node(l, q->key));
					if (!load_pe_index(l, scn_node(l, q->key), &e->pe) ||
					    !scn_get_enum(l, scn_node(l, q->value), "a PE state", states, &e->ival))
						return false;
				}
			}
		} else if (!strcmp(k, "faults") || !strcmp(k, "windows") || !strcmp(k, "regs") ||
			   !strcmp(k, "memory")) {
			if (!scn_need_type(l, v, YAML_SEQUENCE_NODE, k))
				return false;
			for (size_t i = 0; i < scn_seq_len(v); i++) {
				yaml_node_t *it = scn_seq_at(l, v, i), *x;
				snprintf(w, sizeof(w), "%s.%s[%zu]", bw, k, i);
				if (!strcmp(k, "faults")) {
					Expect *e = exp_add(l, EXP_FAULTS, level, it);
					if (!scn_map_keys(l, it, w, fkeys) ||
					    ((x = scn_map_get(l, it, "pe")) && !load_pe_index(l, x, &e->pe)) ||
					    ((x = scn_map_get(l, it, "level")) && !scn_get_int(l, x, "level", 0, 3, &e->flevel)) ||
					    ((x = scn_map_get(l, it, "access")) && !scn_get_enum(l, x, "access", accesses, &e->access)))
						return false;
					if ((x = scn_map_get(l, it, "va"))) {
						if (!scn_get_value(l, x, "va", &e->va))
							return false;
						e->has_va = true;
					}
					if ((x = scn_map_get(l, it, "kind"))) {
						const char *t = scn_scalar(x);
						for (int fk = FAULT_TRANSLATION; fk <= FAULT_EXTERNAL && t; fk++)
							if (!strcmp(t, fault_kind_name((FaultKind)fk)))
								e->fkind = fk;
						if (e->fkind < 0)
							return scn_fail_at(l, x, "unknown fault kind '%s' (expected "
								       "translation, access-flag, permission, "
								       "address-size, tlb-conflict or external)",
								       t ? t : "?");
					}
					if (!load_bounds(l, it, e))
						return false;
				} else if (!strcmp(k, "windows")) {
					Expect *e = exp_add(l, EXP_WINDOWS, level, it);
					if (!scn_map_keys(l, it, w, wkeys) ||
					    ((x = scn_map_get(l, it, "pe")) && !load_pe_index(l, x, &e->pe)))
						return false;
					if ((x = scn_map_get(l, it, "kind"))) {
						WindowKind wk;
						if (!scn_scalar(x) || !window_kind_parse(scn_scalar(x), &wk))
							return scn_fail_at(l, x, "unknown window kind '%s' (expected "
								       "translation-fault, tlb-conflict or stale)",
								       scn_scalar(x) ? scn_scalar(x) : "?");
						e->wkind = (int)wk;
					}
					if ((x = scn_map_get(l, it, "va"))) {
						if (!scn_get_value(l, x, "windows.va", &e->va))
							return false;
						e->has_va = true;
					}
					for (int f = 0; f < 2; f++) {
						const char *fk = f ? "latent" : "open";
						if ((x = scn_map_get(l, it, fk))) {
							const char *t = scn_scalar(x);
							if (!t || (strcmp(t, "true") && strcmp(t, "false")))
								return scn_fail_at(l, x, "%s must be true or false", fk);
							*(f ? &e->wlatent : &e->wopen) = !strcmp(t, "true");
						}
					}
					if ((x = scn_map_get(l, it, "severity"))) {
						Severity sv;
						if (!scn_scalar(x) || !severity_parse(scn_scalar(x), &sv))
							return scn_fail_at(l, x, "unknown severity '%s' (expected benign, "
								       "fault-possible, abort-possible or violation)",
								       scn_scalar(x) ? scn_scalar(x) : "?");
						e->sev = (int)sv;
					}
					if (!load_bounds(l, it, e))
						return false;
				} else if (!strcmp(k, "regs")) {
					int pe;
					if (!scn_map_keys(l, it, w, NULL) || !(x = scn_map_need(l, it, "pe", w)) ||
					    !load_pe_index(l, x, &pe))
						return false;
					for (yaml_node_pair_t *q = it->data.mapping.pairs.start;
					     q < it->data.mapping.pairs.top; q++) {
						const char *rn = scn_scalar(scn_node(l, q->key));
						int reg = -1;
						if (!strcmp(rn, "pe"))
							continue;
						if (!strcmp(rn, "sp"))
							reg = 31;
						else if (!strcmp(rn, "pc"))
							reg = 32;
						else if (rn[0] == 'x' && scn_is_register_name(rn))
							reg = atoi(rn + 1);
						if (reg < 0)
							return scn_fail_at(l, scn_node(l, q->key), "unknown key '%s' in %s "
								       "(expected pe, x0..x30, sp, pc)", rn, w);
						Expect *e = exp_add(l, EXP_REG, level, scn_node(l, q->key));
						e->pe = pe;
						e->ival = reg;
						if (!scn_get_value(l, scn_node(l, q->value), rn, &e->val))
							return false;
					}
				} else {
					static const char *const mkeys[] = { "pa", "u64", NULL };
					uint64_t pa;
					yaml_node_t *words;
					if (!scn_map_keys(l, it, w, mkeys) || !(x = scn_map_need(l, it, "pa", w)) ||
					    !scn_get_value(l, x, "pa", &pa) || !(words = scn_map_need(l, it, "u64", w)))
						return false;
					size_t nw = words->type == YAML_SEQUENCE_NODE ? scn_seq_len(words) : 1;
					if (pa & 7)
						return scn_fail_at(l, x, "pa must be 8-byte aligned");
					if (!nw || !scn_in_memory(s, pa, nw * 8))
						return scn_fail_at(l, x, "memory expectation outside memory (or empty)");
					for (size_t q = 0; q < nw; q++) {
						yaml_node_t *wn = words->type == YAML_SEQUENCE_NODE ?
							scn_seq_at(l, words, q) : words;
						Expect *e = exp_add(l, EXP_MEM, level, wn);
						e->addr = pa + 8 * q;
						if (!scn_get_value(l, wn, "u64", &e->val))
							return false;
					}
				}
			}
		} else if (!strcmp(k, "stale_uses")) {
			size_t nv = v->type == YAML_SEQUENCE_NODE ? scn_seq_len(v) : 1;
			for (size_t q = 0; q < nv; q++)
				if (!load_stale_uses(l, v->type == YAML_SEQUENCE_NODE ? scn_seq_at(l, v, q) : v, level))
					return false;
		} else if (!strcmp(k, "violations")) {
			/* A number, one {rule, min, max, count} map, or a list of such maps. */
			size_t nv = v->type == YAML_SEQUENCE_NODE ? scn_seq_len(v) : 1;
			for (size_t q = 0; q < nv; q++)
				if (!load_violation(l, v->type == YAML_SEQUENCE_NODE ? scn_seq_at(l, v, q) : v, level))
					return false;
		}
	}
	return true;
}

bool scn_load_expect(Ld *l, yaml_node_t *n)
{
	if (!n)
		return true;
	if (!scn_map_keys(l, n, "expect", NULL))
		return false;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = scn_node(l, p->key);
		const char *ks = scn_scalar(k);
		BbmLevel lv;
		int level = -1;
		char bw[64];
		if (strcmp(ks, "all")) {
			if (!bbm_level_parse(ks, &lv))
				return scn_fail_at(l, k, "unknown key '%s' in expect (expected all, 0, 1, 2 or 2-noabort)", ks);
			if (!l->s->run_level[lv])
				return scn_fail_at(l, k, "expectations for level %s, which machine.levels does not run", ks);
			level = (int)lv;
		}
		snprintf(bw, sizeof(bw), "expect.%s", ks);
		if (!load_expect_block(l, scn_node(l, p->value), level, bw))
			return false;
	}
	return true;
}


/* --- check ----------------------------------------------------------------------- */

static void bounds_text(const Expect *e, char *buf, size_t len)
{
	if (e->has_min && e->has_max && e->min == e->max)
		snprintf(buf, len, "== %llu", (unsigned long long)e->min);
	else if (e->has_min && e->has_max)
		snprintf(buf, len, "in [%llu, %llu]", (unsigned long long)e->min, (unsigned long long)e->max);
	else if (e->has_max)
		snprintf(buf, len, "<= %llu", (unsigned long long)e->max);
	else
		snprintf(buf, len, ">= %llu", (unsigned long long)e->min);
}

static bool in_bounds(const Expect *e, uint64_t n)
{
	return (!e->has_min || n >= e->min) && (!e->has_max || n <= e->max);
}

static void check_one(const Scenario *s, const Expect *e, Machine *m, RunEnd end, const Analysis *a,
		      ExpectResult *r)
{
	char b[64], who[32] = "";
	uint64_t got;

	snprintf(r->where, sizeof(r->where), "%s:%d:%d", s->path, e->at.line, e->at.col);
	if (e->pe >= 0)
		snprintf(who, sizeof(who), "PE %d ", e->pe);
	switch (e->kind) {
	case EXP_RUN:
		r->ok = (int)end == e->ival;
		snprintf(r->text, sizeof(r->text), "run ends %s: got %s", run_end_name((RunEnd)e->ival),
			 run_end_name(end));
		break;
	case EXP_PE_STATE: {
		PeState st = machine_pe_state(m, (unsigned)e->pe);
		r->ok = (int)st == e->ival;
		snprintf(r->text, sizeof(r->text), "PE %d %s: got %s", e->pe, pe_state_name((PeState)e->ival),
			 pe_state_name(st));
		break;
	}
	case EXP_FAULTS: {
		const FaultRecord *f;
		size_t nf = machine_faults(m, &f);
		got = 0;
		for (size_t i = 0; i < nf; i++)
			got += (e->pe < 0 || f[i].pe == e->pe) && (e->fkind < 0 || (int)f[i].kind == e->fkind) &&
			       (e->flevel < 0 || f[i].level == e->flevel) &&
			       (e->access < 0 || (int)f[i].access == e->access) && (!e->has_va || f[i].va == e->va);
		bounds_text(e, b, sizeof(b));
		char filt[96] = "";
		size_t o = 0;
		if (e->flevel >= 0)
			o += (size_t)snprintf(filt + o, sizeof(filt) - o, " at level %d", e->flevel);
		if (e->access >= 0)
			o += (size_t)snprintf(filt + o, sizeof(filt) - o, " on %s", access_type_name((AccessType)e->access));
		if (e->has_va)
			snprintf(filt + o, sizeof(filt) - o, " at va 0x%llx", (unsigned long long)e->va);
		r->ok = in_bounds(e, got);
		snprintf(r->text, sizeof(r->text), "%s%s faults%s %s: got %llu", who,
			 e->fkind >= 0 ? fault_kind_name((FaultKind)e->fkind) : "all", filt, b,
			 (unsigned long long)got);
		break;
	}
	case EXP_WINDOWS:
		bounds_text(e, b, sizeof(b));
		if (!a) {
			r->ok = false;
			snprintf(r->text, sizeof(r->text), "%swindows %s: no analysis ran", who, b);
			break;
		}
		{
			const Window *w;
			size_t nw = analysis_windows(a, &w);
			got = 0;
			for (size_t i = 0; i < nw; i++)
				if ((e->wkind < 0 || (int)w[i].kind == e->wkind) &&
				    (e->sev < 0 || (int)w[i].severity == e->sev) &&
				    (e->pe < 0 || w[i].pe == e->pe) &&
				    (!e->has_va || e->va - w[i].va < w[i].size) &&
				    (e->wopen < 0 || (w[i].close_tick == ~0ull) == (e->wopen == 1)) &&
				    (e->wlatent < 0 || w[i].latent == (e->wlatent == 1)))
					got++;
		}
		char wf[96] = "";
		snprintf(wf, sizeof(wf), "%s%s%s", e->wopen < 0 ? "" : e->wopen ? " open" : " closed",
			 e->wlatent < 0 ? "" : e->wlatent ? " latent" : " touched", "");
		if (e->has_va)
			snprintf(wf + strlen(wf), sizeof(wf) - strlen(wf), " at va 0x%llx", (unsigned long long)e->va);
		r->ok = in_bounds(e, got);
		snprintf(r->text, sizeof(r->text), "%s%s%s%s windows%s %s: got %llu", who,
			 e->wkind >= 0 ? window_kind_name((WindowKind)e->wkind) : "all",
			 e->sev >= 0 ? " " : "", e->sev >= 0 ? severity_name((Severity)e->sev) : "", wf, b,
			 (unsigned long long)got);
		break;
	case EXP_VIOLATIONS: {
		bounds_text(e, b, sizeof(b));
		if (!a) {
			r->ok = false;
			snprintf(r->text, sizeof(r->text), "violations %s: no analysis ran", b);
			break;
		}
		const Violation *v;
		size_t nv = analysis_violations(a, &v);
		got = 0;
		for (size_t i = 0; i < nv; i++)
			got += !e->rule[0] || !strcmp(v[i].rule, e->rule);
		r->ok = in_bounds(e, got);
		snprintf(r->text, sizeof(r->text), "%s%sviolations %s: got %llu", e->rule, e->rule[0] ? " " : "",
			 b, (unsigned long long)got);
		break;
	}
	case EXP_STALE_USES: {
		bounds_text(e, b, sizeof(b));
		if (!a) {
			r->ok = false;
			snprintf(r->text, sizeof(r->text), "%sstale uses %s: no analysis ran", who, b);
			break;
		}
		const Window *w;
		size_t nw = analysis_windows(a, &w);
		got = 0;
		for (size_t i = 0; i < nw; i++)
			if ((e->wkind < 0 || (int)w[i].kind == e->wkind) && (e->pe < 0 || w[i].pe == e->pe))
				got += w[i].stale_uses;
		r->ok = in_bounds(e, got);
		snprintf(r->text, sizeof(r->text), "%sstale uses%s%s %s: got %llu", who, e->wkind >= 0 ? " in " : "",
			 e->wkind >= 0 ? window_kind_name((WindowKind)e->wkind) : "", b, (unsigned long long)got);
		break;
	}
	case EXP_REG: {
		char rn[8];
		if (e->ival == 32) {
			got = machine_pe_pc(m, (unsigned)e->pe);
			snprintf(rn, sizeof(rn), "pc");
		} else {
			got = machine_pe_x(m, (unsigned)e->pe, (unsigned)e->ival);
			if (e->ival == 31)
				snprintf(rn, sizeof(rn), "sp");
			else
				snprintf(rn, sizeof(rn), "x%d", e->ival);
		}
		r->ok = got == e->val;
		snprintf(r->text, sizeof(r->text), "PE %d %s == 0x%llx: got 0x%llx", e->pe, rn,
			 (unsigned long long)e->val, (unsigned long long)got);
		break;
	}
	case EXP_MEM:
		got = machine_phys_read64(m, e->addr);
		r->ok = got == e->val;
		snprintf(r->text, sizeof(r->text), "memory[0x%llx] == 0x%llx: got 0x%llx",
			 (unsigned long long)e->addr, (unsigned long long)e->val, (unsigned long long)got);
		break;
	}
}

size_t scenario_check(const Scenario *s, BbmLevel level, Machine *m, RunEnd end, const Analysis *a,
		      ExpectResult **out)
{
	size_t n = 0;
	*out = NULL;
	for (size_t i = 0; i < s->nexp; i++)
		n += s->exp[i].level < 0 || s->exp[i].level == (int)level;
	if (!n)
		return 0;
	ExpectResult *r = scn_xcalloc(n, sizeof(*r));
	size_t k = 0;
	for (size_t i = 0; i < s->nexp; i++)
		if (s->exp[i].level < 0 || s->exp[i].level == (int)level)
			check_one(s, &s->exp[i], m, end, a, &r[k++]);
	*out = r;
	return n;
}
