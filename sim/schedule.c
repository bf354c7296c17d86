// SPDX-License-Identifier: GPL-2.0-only
/*
 * schedule.c - explicit schedules (schedule.h): the action list the
 * explorer builds, minimizes and writes, read back and replayed by
 * `bbmsim run --schedule`. Replay drives the same three machine calls the
 * explorer does (machine_step, machine_pe_fill, machine_pe_evict,
 * machine_pe_see_store, machine_step_stxr_fail), in order, so a schedule
 * replays exactly: the machine is deterministic.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "bbmsim/schedule.h"

void schedule_init(Schedule *s)
{
	memset(s, 0, sizeof(*s));
}

void schedule_fini(Schedule *s)
{
	free(s->a);
	memset(s, 0, sizeof(*s));
}

void schedule_clear(Schedule *s)
{
	s->n = 0;
}

static void push(Schedule *s, const SchedAct *a)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->a = realloc(s->a, s->cap * sizeof(*s->a));
	}
	s->a[s->n++] = *a;
}

void schedule_copy(Schedule *dst, const Schedule *src)
{
	dst->n = 0;
	for (size_t i = 0; i < src->n; i++)
		push(dst, &src->a[i]);
}

void schedule_add(Schedule *s, SchedActKind kind, unsigned pe, uint64_t arg)
{
	if (kind == SCHED_ACT_STEP) {
		if (!arg)
			return;
		if (s->n && s->a[s->n - 1].kind == SCHED_ACT_STEP && s->a[s->n - 1].pe == pe) {
			s->a[s->n - 1].arg += arg;
			return;
		}
	}
	push(s, &(SchedAct){ .kind = kind, .pe = pe, .arg = arg });
}

void schedule_normalize(Schedule *s)
{
	size_t o = 0;

	for (size_t i = 0; i < s->n; i++) {
		SchedAct a = s->a[i];
		if (a.kind == SCHED_ACT_STEP) {
			if (!a.arg)
				continue;
			if (o && s->a[o - 1].kind == SCHED_ACT_STEP && s->a[o - 1].pe == a.pe) {
				s->a[o - 1].arg += a.arg;
				continue;
			}
		}
		s->a[o++] = a;
	}
	s->n = o;
}

void schedule_stats(const Schedule *s, ScheduleStats *st)
{
	int last = -1;

	memset(st, 0, sizeof(*st));
	for (size_t i = 0; i < s->n; i++) {
		const SchedAct *a = &s->a[i];
		switch (a->kind) {
		case SCHED_ACT_STEP:
			st->steps += a->arg;
			if (last >= 0 && (unsigned)last != a->pe)
				st->switches++;
			last = (int)a->pe;
			break;
		case SCHED_ACT_FILL:
			st->fills++;
			break;
		case SCHED_ACT_EVICT:
			st->evictions++;
			break;
		case SCHED_ACT_WALK:
			st->walks++;
			break;
		case SCHED_ACT_STXR_FAIL:
			st->stxr_fails++;
			break;
		}
	}
}

/* --- text ---------------------------------------------------------------------------- */

static const char *const act_names[] = { "step", "fill", "evict", "walk", "stxr-fail" };
#define NACT_NAMES (sizeof(act_names) / sizeof(act_names[0]))
static const char *const act_usage[] = { "step PE COUNT", "fill PE VA", "evict PE VA", "walk PE PA", "stxr-fail PE" };

static bool word_at(const char **p, char *buf, size_t len)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
	size_t n = 0;
	while (**p && !isspace((unsigned char)**p) && **p != '#') {
		if (n + 1 < len)
			buf[n++] = **p;
		(*p)++;
	}
	buf[n] = 0;
	return n > 0;
}

static bool parse_num(const char *w, uint64_t *out)
{
	char *end;
	if (!*w || *w == '-' || *w == '+')
		return false;
	errno = 0;
	unsigned long long v = strtoull(w, &end, 0);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

bool schedule_parse(Schedule *s, const char *text, const char *name, char *err, size_t errlen)
{
	int line = 0;

	s->n = 0;
	for (const char *p = text; *p;) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		char *ln = strndup(p, len), w[3][64];
		const char *q = ln, *at[4];
		int nw = 0;
		line++;
		p = eol ? eol + 1 : p + len;
		for (; nw < 4; nw++) {
			while (*q == ' ' || *q == '\t' || *q == '\r')
				q++;
			at[nw] = q;
			char extra[64];
			if (!word_at(&q, nw < 3 ? w[nw] : extra, 64))
				break;
		}
		if (nw == 0) {
			free(ln);
			continue;
		}
		int col = (int)(at[0] - ln) + 1, k = -1;
		for (int i = 0; i < (int)NACT_NAMES; i++)
			if (!strcmp(w[0], act_names[i]))
				k = i;
		int want = k == SCHED_ACT_STXR_FAIL ? 2 : 3;
		uint64_t pe, arg = 1;
		if (k < 0) {
			snprintf(err, errlen, "%s:%d:%d: unknown action '%.40s' (step, fill, evict, walk or stxr-fail)", name,
				 line, col, w[0]);
		} else if (nw != want) {
			snprintf(err, errlen, "%s:%d:%d: '%s' takes %s: %s", name, line,
				 nw > want ? (int)(at[want] - ln) + 1 : col, w[0], want == 2 ? "one value" : "two values",
				 act_usage[k]);
		} else if (!parse_num(w[1], &pe) || pe >= MACHINE_MAX_PES) {
			snprintf(err, errlen, "%s:%d:%d: '%.40s' is not a PE number", name, line, (int)(at[1] - ln) + 1, w[1]);
		} else if (want == 3 && (!parse_num(w[2], &arg) || (k == SCHED_ACT_STEP && !arg))) {
			snprintf(err, errlen, "%s:%d:%d: '%.40s' is not %s", name, line, (int)(at[2] - ln) + 1, w[2],
				 k == SCHED_ACT_STEP ? "a positive count" : "an address");
		} else {
			push(s, &(SchedAct){ .kind = (SchedActKind)k, .pe = (unsigned)pe, .arg = arg, .line = line });
			free(ln);
			continue;
		}
		free(ln);
		return false;
	}
	return true;
}

char *schedule_read_stream(FILE *f, size_t *len)
{
	char *buf = NULL, chunk[65536];
	size_t n, used = 0, cap = 0;

	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (used + n + 1 > cap) {
			cap = (used + n + 1) * 2;
			buf = realloc(buf, cap);
		}
		memcpy(buf + used, chunk, n);
		used += n;
	}
	if (ferror(f)) {
		free(buf);
		return NULL;
	}
	if (!buf)
		buf = calloc(1, 1);
	buf[used] = 0;
	if (len)
		*len = used;
	return buf;
}

bool schedule_load(Schedule *s, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return false;
	}
	size_t len;
	char *buf = schedule_read_stream(f, &len);
	fclose(f);
	if (!buf) {
		snprintf(err, errlen, "%s: read error", path);
		return false;
	}
	if (memchr(buf, 0, len)) {
		free(buf);
		snprintf(err, errlen, "%s: not a text file", path);
		return false;
	}
	bool ok = schedule_parse(s, buf, path, err, errlen);
	free(buf);
	return ok;
}

bool schedule_check(const Schedule *s, unsigned npes, const char *name, char *err, size_t errlen)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->a[i].pe >= npes) {
			snprintf(err, errlen, "%s:%d: PE %u does not exist (the scenario has %u)", name, s->a[i].line,
				 s->a[i].pe, npes);
			return false;
		}
	return true;
}

void schedule_write(FILE *f, const Schedule *s)
{
	for (size_t i = 0; i < s->n; i++) {
		const SchedAct *a = &s->a[i];
		if (a->kind == SCHED_ACT_STEP)
			fprintf(f, "step %u %" PRIu64 "\n", a->pe, a->arg);
		else if (a->kind == SCHED_ACT_STXR_FAIL)
			fprintf(f, "stxr-fail %u\n", a->pe);
		else
			fprintf(f, "%s %u 0x%" PRIx64 "\n", act_names[a->kind], a->pe, a->arg);
	}
}

char *schedule_text(const Schedule *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	schedule_write(f, s);
	fclose(f);
	return buf;
}

/* --- replay ---------------------------------------------------------------------------- */

void schedule_apply(Machine *m, const SchedAct *a)
{
	if (a->pe >= machine_npes(m))
		return;
	switch (a->kind) {
	case SCHED_ACT_STEP:
		for (uint64_t k = 0; k < a->arg; k++)
			if (!machine_step(m, a->pe))
				break;
		break;
	case SCHED_ACT_FILL:
		machine_pe_fill(m, a->pe, a->arg, false);
		break;
	case SCHED_ACT_EVICT:
		machine_pe_evict(m, a->pe, a->arg, false);
		break;
	case SCHED_ACT_WALK:
		machine_pe_see_store(m, a->pe, a->arg, false);
		break;
	case SCHED_ACT_STXR_FAIL:
		machine_step_stxr_fail(m, a->pe);
		break;
	}
}

RunEnd schedule_replay(Machine *m, const Schedule *s)
{
	for (size_t i = 0; i < s->n; i++)
		schedule_apply(m, &s->a[i]);
	return machine_run(m);
}
