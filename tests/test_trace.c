// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_trace.c - trace sinks and dumps:
 *  - the text trace of a textbook break-before-make remap (PE0 remaps a
 *    page while PE1 reads it) matches tests/golden/bbm-remap.txt byte for
 *    byte (BBMSIM_UPDATE_GOLDEN=1 rewrites the golden file);
 *  - the trace shows the break by PE0, PE1 still reading the page through
 *    its old entry, then the TLBI completing on PE1, in that order;
 *  - two runs give the same text and JSONL bytes;
 *  - the Perfetto output has the expected shape (the python3 checker
 *    tools/check_perfetto.py runs on it as the next test);
 *  - filters: PEs, tick range, VA range, event names; bad strings are
 *    rejected with a message;
 *  - ptdump_tree of a small tree and ptdump_tlb of a small TLB.
 *
 * Usage: test_trace SOURCE_DIR (run in a scratch directory: writes trace-*).
 */
#define _POSIX_C_SOURCE 200809L   /* open_memstream, strdup */
#include <stdlib.h>
#include <string.h>
#include "e2e.h"
#include "bbmsim/analysis.h"
#include "bbmsim/ptdump.h"
#include "bbmsim/sysinsn.h"
#include "bbmsim/trace.h"

#define OLD_PA    E2E_OLD_PA
#define NEW_PA    E2E_NEW_PA
#define CODE_VA   E2E_CODE_VA
#define DATA_VA   E2E_DATA_VA

static const char *writer_src =
	"	mov x9, #20\n"
	"1:	subs x9, x9, #1\n"           /* let PE1 cache the old translation */
	"	b.ne 1b\n"
	"	str xzr, [x1]\n"             /* break */
	"	dsb ish\n"
	"	tlbi vae1is, x3\n"
	"	dsb ish\n"
	"	nop\n	nop\n	nop\n	nop\n"
	"	str x2, [x1]\n"              /* make */
	"	dsb ishst\n"
	"	isb\n"
	"	hlt #0\n";

static const char *reader_src =
	"	adr x10, vectors\n"
	"	msr vbar_el1, x10\n"
	"	mov x5, #0\n"
	"1:	ldr x0, [x4]\n"
	"	add x5, x5, #1\n"
	"	cmp x5, #60\n"
	"	b.ne 1b\n"
	"	hlt #0\n"
	"	.balign 2048\n"
	"vectors:\n"
	"	.skip 0x200\n"
	"	eret\n";                      /* retry the faulting load */

typedef struct Sink {
	const char *path;
	TraceFormat fmt;
	TraceFilter filter;
} Sink;

typedef struct Sinks {
	Trace *t[8];
	size_t n;
	Analysis *a;
} Sinks;

static void on_event(void *ctx, const Event *ev)
{
	Sinks *s = ctx;

	for (size_t i = 0; i < s->n; i++)
		trace_event(s->t[i], ev);
	analysis_event(s->a, ev);
}

static void on_window(void *ctx, const Window *w, bool closed)
{
	Sinks *s = ctx;

	for (size_t i = 0; i < s->n; i++)
		trace_window(s->t[i], w, closed);
}

static uint64_t rd_machine(void *ctx, uint64_t pa) { return machine_phys_read64(ctx, pa); }

/* Run the remap with every sink in @sinks open. */
static void run_remap(const Sink *sinks, size_t nsinks)
{
	MachineConfig c;
	char err[256];
	Sinks s = { .n = 0 };

	machine_config_default(&c);
	c.npes = 2;
	c.mem_size = 64ull << 20;
	Machine *m = machine_new(&c, err, sizeof(err));
	CHECK(m != NULL);
	if (!m)
		exit(1);
	PeInit p0, p1;
	e2e_remap_build(m, writer_src, reader_src, &p0, &p1);

	AnalysisPe ap[2] = { { p0.regs, c.level, true }, { p1.regs, c.level, true } };
	s.a = analysis_new(ap, 2, &c.knobs, rd_machine, m);
	analysis_set_window_fn(s.a, on_window, &s);
	for (size_t i = 0; i < nsinks; i++) {
		s.t[s.n] = trace_open(sinks[i].path, sinks[i].fmt, &sinks[i].filter, 2,
				      "bbm-remap (tests/test_trace.c): PE0 remaps 0x40100000, PE1 reads it",
				      err, sizeof(err));
		CHECK(s.t[s.n] != NULL);
		if (!s.t[s.n])
			fprintf(stderr, "trace_open(%s): %s\n", sinks[i].path, err);
		else
			s.n++;
	}
	machine_set_event_fn(m, on_event, &s);
	CHECK_EQ(machine_run(m), RUN_ALL_HALTED);
	analysis_finish(s.a, machine_tick(m));
	for (size_t i = 0; i < s.n; i++)
		CHECK_EQ(trace_close(s.t[i]), 0);
	analysis_free(s.a);
	machine_free(m);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	size_t n = 0, cap = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 65536;
			p = realloc(p, cap);
		}
		size_t k = fread(p + n, 1, cap - n - 1, f);
		n += k;
		if (!k)
			break;
	}
	fclose(f);
	p[n] = 0;
	if (len)
		*len = n;
	return p;
}

static bool spit(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	bool ok = f && fwrite(data, 1, len, f) == len;

	if (f && fclose(f))
		ok = false;
	return ok;
}

/* A parsed text line: tick, PE and event name (NULL fields for comments). */
typedef struct Line {
	const char *text;
	unsigned long long tick;
	int pe;
	char event[24];
} Line;

static size_t split_lines(char *buf, Line **out)
{
	size_t n = 0, cap = 0;
	Line *v = NULL;

	for (char *p = buf, *nl; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			break;
		*nl = 0;
		if (p[0] == '#')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			v = realloc(v, cap * sizeof(*v));
		}
		Line *l = &v[n++];
		memset(l, 0, sizeof(*l));
		l->text = p;
		if (sscanf(p, "%llu PE%d %23s", &l->tick, &l->pe, l->event) != 3)
			l->pe = -1;
	}
	*out = v;
	return n;
}

static void test_text_golden(const char *srcdir, const char *text, size_t len)
{
	char path[1024];
	size_t glen = 0;

	snprintf(path, sizeof(path), "%s/tests/golden/bbm-remap.txt", srcdir);
	if (getenv("BBMSIM_UPDATE_GOLDEN") && !strcmp(getenv("BBMSIM_UPDATE_GOLDEN"), "1")) {
		CHECK(spit(path, text, len));
		fprintf(stderr, "updated %s\n", path);
		return;
	}
	char *golden = slurp(path, &glen);
	CHECK(golden != NULL);
	if (!golden) {
		fprintf(stderr, "%s missing: run with BBMSIM_UPDATE_GOLDEN=1\n", path);
		return;
	}
	CHECK_EQ(glen, len);
	if (glen != len || memcmp(golden, text, len)) {
		/* Name the first line that differs. */
		unsigned line = 1;
		size_t i = 0;
		for (; i < len && i < glen && golden[i] == text[i]; i++)
			line += text[i] == '\n';
		size_t s = i;
		while (s && text[s - 1] != '\n')
			s--;
		fprintf(stderr, "%s:%u: trace differs from the golden file\n  got:  %.*s\n  want: %.*s\n",
			path, line, (int)strcspn(text + s, "\n"), text + s,
			(int)strcspn(golden + (s < glen ? s : glen), "\n"), golden + (s < glen ? s : glen));
		CHECK(!"golden trace differs (BBMSIM_UPDATE_GOLDEN=1 to update, then review the diff)");
	}
	free(golden);
}

/* The break by PE0, PE1 still reading the page, then the TLBI completing on PE1. */
static uint64_t test_text_order(Line *l, size_t n)
{
	size_t brk = n, complete = n, stale_reads = 0, fill_new = 0;
	char want[64];

	snprintf(want, sizeof(want), "va=0x%llx", DATA_VA);
	for (size_t i = 0; i < n; i++) {
		if (brk == n && l[i].pe == 0 && !strcmp(l[i].event, "desc-write") &&
		    strstr(l[i].text, "-> 0x0000000000000000 (INVALID)") && strstr(l[i].text, want))
			brk = i;
		if (brk < n && complete == n && l[i].pe == 1 && !strcmp(l[i].event, "mem") &&
		    strstr(l[i].text, want) && strstr(l[i].text, "pa=0x300000 "))
			stale_reads++;
		if (brk < n && complete == n && l[i].pe == 1 && !strcmp(l[i].event, "tlbi-complete"))
			complete = i;
		if (complete < n && l[i].pe == 1 && !strcmp(l[i].event, "tlb-fill") &&
		    strstr(l[i].text, "pa=0x301000 "))
			fill_new++;
	}
	CHECK(brk < n);
	CHECK(complete < n);
	CHECK(stale_reads > 0);
	CHECK(fill_new > 0);
	CHECK(brk < complete);
	/* The completion names the TLBI, its issuer, and the entry it removed. */
	if (complete < n) {
		CHECK(strstr(l[complete].text, "vae1is va=0x40100000 asid=0 from PE0") != NULL);
		CHECK(complete > 0 && !strcmp(l[complete - 1].event, "tlb-inval"));
	}
	/* Instructions carry address, encoding and disassembly; TLBIs bbmsim's name. */
	bool tlbi = false, dsb = false, ldr = false;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(l[i].event, "insn"))
			continue;
		tlbi |= strstr(l[i].text, ": d508873e  tlbi vae1is, x30") != NULL ||
			strstr(l[i].text, "  tlbi vae1is, x3") != NULL;
		dsb |= strstr(l[i].text, ": d5033b9f  dsb ish") != NULL;
		ldr |= strstr(l[i].text, "  ldr x0, [x4]") != NULL;
	}
	CHECK(tlbi);
	CHECK(dsb);
	CHECK(ldr);
	return brk < n ? l[brk].tick : 0;
}

static size_t count(const char *hay, const char *needle)
{
	size_t k = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		k++;
	return k;
}

static void test_perfetto_shape(const char *json)
{
	size_t n = strlen(json);

	CHECK(!strncmp(json, "{\"otherData\":{", 14));
	CHECK(n > 4 && !strcmp(json + n - 4, "\n]}\n"));
	CHECK_EQ(count(json, "\"name\":\"thread_name\",\"args\":{\"name\":\"PE0\"}"), 1);
	CHECK_EQ(count(json, "\"name\":\"thread_name\",\"args\":{\"name\":\"PE1\"}"), 1);
	CHECK(count(json, "\"ph\":\"X\",\"pid\":1,\"tid\":0,") > 0);
	CHECK(count(json, "\"cat\":\"window\"") > 0);
	CHECK(count(json, "\"name\":\"tlbi-complete\"") == 2);
	CHECK(count(json, "\"s\":\"t\"") > 0);
}

static void test_jsonl_shape(char *jsonl)
{
	size_t lines = 0, bad = 0;

	for (char *p = jsonl, *nl; (nl = strchr(p, '\n')); p = nl + 1) {
		lines++;
		if (p[0] != '{' || nl[-1] != '}')
			bad++;
		if (lines > 1 && strncmp(p, "{\"tick\":", 8))
			bad++;
	}
	CHECK(lines > 100);
	CHECK_EQ(bad, 0);
	CHECK(!strncmp(jsonl, "{\"event\":\"header\"", 17));
	CHECK(strstr(jsonl, "\"event\":\"desc-write\",\"pc\":") != NULL);
	CHECK(strstr(jsonl, "\"event\":\"window-open\",\"kind\":") != NULL);
	CHECK(strstr(jsonl, "\"new\":\"0x0\",\"old_decoded\":\"PAGE") != NULL);
}

static void test_filtered(uint64_t t_break)
{
	char *buf;
	Line *l;
	size_t n;

	/* --trace-pes 1 */
	buf = slurp("trace-pe1.txt", NULL);
	CHECK(buf != NULL);
	if (buf) {
		n = split_lines(buf, &l);
		CHECK(n > 50);
		for (size_t i = 0; i < n; i++)
			if (l[i].pe != 1) {
				fprintf(stderr, "not PE1: %s\n", l[i].text);
				CHECK(l[i].pe == 1);
				break;
			}
		free(l);
		free(buf);
	}

	/* --trace-ticks around the break */
	buf = slurp("trace-ticks.txt", NULL);
	CHECK(buf != NULL);
	if (buf) {
		size_t at_break = 0;
		n = split_lines(buf, &l);
		CHECK(n > 10);
		for (size_t i = 0; i < n; i++) {
			CHECK(l[i].tick >= t_break - 3 && l[i].tick <= t_break + 40);
			at_break += l[i].tick == t_break && !strcmp(l[i].event, "desc-write");
		}
		CHECK_EQ(at_break, 1);
		free(l);
		free(buf);
	}

	/* --trace-va of the data page: no code, only the page's story. */
	buf = slurp("trace-va.txt", NULL);
	CHECK(buf != NULL);
	if (buf) {
		size_t mem = 0, desc = 0, win = 0;
		n = split_lines(buf, &l);
		for (size_t i = 0; i < n; i++) {
			CHECK(strcmp(l[i].event, "insn") != 0);
			if (!strcmp(l[i].event, "mem")) {
				mem++;
				CHECK(strstr(l[i].text, "va=0x40100000 ") != NULL);
			}
			desc += !strcmp(l[i].event, "desc-write");
			win += !strncmp(l[i].event, "window-", 7);
		}
		CHECK(mem > 0);
		CHECK_EQ(desc, 2);
		CHECK(win > 0);
		free(l);
		free(buf);
	}

	/* --trace-events: only those events (and windows). */
	buf = slurp("trace-events.txt", NULL);
	CHECK(buf != NULL);
	if (buf) {
		size_t issue = 0, complete = 0;
		n = split_lines(buf, &l);
		for (size_t i = 0; i < n; i++) {
			bool ok = !strcmp(l[i].event, "tlbi-issue") || !strcmp(l[i].event, "tlbi-complete") ||
				  !strcmp(l[i].event, "desc-write") || !strncmp(l[i].event, "window-", 7);
			if (!ok)
				fprintf(stderr, "unexpected: %s\n", l[i].text);
			CHECK(ok);
			issue += !strcmp(l[i].event, "tlbi-issue");
			complete += !strcmp(l[i].event, "tlbi-complete");
		}
		CHECK_EQ(issue, 1);
		CHECK_EQ(complete, 2);
		free(l);
		free(buf);
	}

	/* A tick-cut Perfetto file still ends properly (python3 checks the JSON). */
	buf = slurp("trace-ticks.json", NULL);
	CHECK(buf != NULL);
	if (buf) {
		size_t k = strlen(buf);
		CHECK(k > 4 && !strcmp(buf + k - 4, "\n]}\n"));
		free(buf);
	}
}

static void test_filter_parse(void)
{
	static const struct {
		int which;            /* 0 pes, 1 va, 2 events, 3 ticks */
		const char *s;
	} bad[] = {
		{ 0, "" }, { 0, "x" }, { 0, "1-" }, { 0, "3-1" }, { 0, "64" }, { 0, "0,,1" },
		{ 0, "0;1" }, { 0, "-1" },
		{ 1, "" }, { 1, "0x10-0x5" }, { 1, "zz" }, { 1, "0x10+0" }, { 1, "0x10-" },
		{ 1, "0xffffffffffffffff+2" }, { 1, "0x10 " },
		{ 2, "" }, { 2, "bogus" }, { 2, "insn,,mem" }, { 2, "insn,bogus" }, { 2, "insn," },
		{ 3, "" }, { 3, "5-2" }, { 3, "a-b" }, { 3, "1-2-3" }, { 3, "99999999999999999999" },
	};
	TraceFilter f, d;
	char err[512];
	TraceFormat fmt;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bool (*fn[])(TraceFilter *, const char *, char *, size_t) = {
			trace_filter_parse_pes, trace_filter_parse_va, trace_filter_parse_events,
			trace_filter_parse_ticks,
		};
		trace_filter_default(&f);
		d = f;
		err[0] = 0;
		bool ok = fn[bad[i].which](&f, bad[i].s, err, sizeof(err));
		if (ok)
			fprintf(stderr, "accepted bad filter %d '%s'\n", bad[i].which, bad[i].s);
		CHECK(!ok);
		CHECK(err[0] != 0);
		CHECK(!memcmp(&f, &d, sizeof(f)));
	}

	trace_filter_default(&f);
	CHECK(trace_filter_parse_pes(&f, "0,2-3", err, sizeof(err)));
	CHECK_EQ(f.pe_mask, 0xd);
	CHECK(trace_filter_parse_va(&f, "0x1000-0x1fff", err, sizeof(err)));
	CHECK(f.has_va && f.va_lo == 0x1000 && f.va_hi == 0x1fff);
	CHECK(trace_filter_parse_va(&f, "0xffff800000000000+0x200000", err, sizeof(err)));
	CHECK(f.va_lo == 0xffff800000000000ull && f.va_hi == 0xffff8000001fffffull);
	CHECK(trace_filter_parse_events(&f, "insn,tlbi-issue,window", err, sizeof(err)));
	CHECK_EQ(f.event_mask, (1ull << EV_INSN) | (1ull << EV_TLBI_ISSUE));
	CHECK(trace_filter_parse_events(&f, "-insn,-mem", err, sizeof(err)));
	CHECK_EQ(f.event_mask, ~((1ull << EV_INSN) | (1ull << EV_MEM)));
	CHECK(trace_filter_parse_ticks(&f, "100-", err, sizeof(err)));
	CHECK(f.has_ticks && f.tick_lo == 100 && f.tick_hi == ~0ull);
	CHECK(trace_filter_parse_ticks(&f, "10-20", err, sizeof(err)));
	CHECK(f.tick_lo == 10 && f.tick_hi == 20);
	CHECK(!trace_filter_parse_events(&f, "nope", err, sizeof(err)));
	CHECK(strstr(err, "unknown event 'nope'") && strstr(err, "tlbi-complete"));

	CHECK(trace_format_parse("perfetto", &fmt) && fmt == TRACE_PERFETTO);
	CHECK(trace_format_parse("jsonl", &fmt) && fmt == TRACE_JSONL);
	CHECK(trace_format_parse("text", &fmt) && fmt == TRACE_TEXT);
	CHECK(!trace_format_parse("json", &fmt));
	CHECK(trace_open("/nonexistent-dir/x.txt", TRACE_TEXT, NULL, 1, NULL, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "/nonexistent-dir/x.txt") != NULL);
}

/* --- ptdump ------------------------------------------------------------ */

static uint64_t arr[0x80000 / 8];    /* 512 KiB of "physical memory" for tables */

static uint64_t arr_rd(void *ctx, uint64_t pa) { (void)ctx; return pa / 8 < 0x10000 ? arr[pa / 8] : 0; }
static void arr_wr(void *ctx, uint64_t pa, uint64_t v) { (void)ctx; if (pa / 8 < 0x10000) arr[pa / 8] = v; }

static void test_ptdump_tree(void)
{
	PtBuilder b;
	uint64_t root;
	char *buf = NULL;
	size_t len = 0;

	memset(arr, 0, sizeof(arr));
	pt_init(&b, arr_rd, arr_wr, NULL, 0x1000, 0x40000);
	CHECK(pt_alloc_table(&b, &root));
	/* A 1G block, a 2M block, pages split by nG, a contiguous run, a hole, a reserved entry. */
	CHECK(!pt_map(&b, root, 0, 0x40000000, 0x80000000, 0x40000000, 1, E2E_ATTR_RW));
	CHECK(!pt_map(&b, root, 0, 0x80000000, 0x200000, 0x200000, 2, E2E_ATTR_CODE));
	CHECK(!pt_map(&b, root, 0, 0x80200000, 0x400000, 0x3000, 3, E2E_ATTR_RW));
	CHECK(!pt_map(&b, root, 0, 0x80203000, 0x403000, 0x1000, 3, E2E_ATTR_RW | DESC_NG));
	CHECK(!pt_map(&b, root, 0, 0x80210000, 0x500000, 0x10000, 3, E2E_ATTR_RW | DESC_CONT));
	CHECK(!pt_map(&b, root, 0, 0x80220000, 0x510000, 0x2000, 3, E2E_ATTR_RW));
	CHECK(!pt_map(&b, root, 0, 0x80400000, 0xa00000, 0x200000, 2, E2E_ATTR_RW));
	uint64_t pmd = pt_desc_addr(&b, root, 0, 0x80400000, 2);
	CHECK(pmd != ~0ull);
	arr_wr(NULL, pmd, arr_rd(NULL, pmd) | DESC_NT);
	uint64_t pte = pt_desc_addr(&b, root, 0, 0x80230000, 3);
	CHECK(pte != ~0ull);
	arr_wr(NULL, pte, 0x600000 | DESC_VALID);     /* bit 1 clear at level 3: reserved */

	FILE *f = open_memstream(&buf, &len);
	ptdump_tree(root, 0, 0, arr_rd, NULL, f);
	fclose(f);
	static const char want[] =
		"0x0000000040000000-0x0000000080000000      1G PUD       RW NX SHD AF           BLK UXN     attr0 pa=0x80000000\n"
		"0x0000000080000000-0x0000000080200000      2M PMD       ro x  SHD AF           BLK UXN     attr0 pa=0x200000\n"
		"0x0000000080200000-0x0000000080203000     12K PTE       RW NX SHD AF               UXN     attr0 pa=0x400000\n"
		"0x0000000080203000-0x0000000080204000      4K PTE       RW NX SHD AF NG            UXN     attr0 pa=0x403000\n"
		"0x0000000080210000-0x0000000080220000     64K PTE       RW NX SHD AF    CON        UXN     attr0 pa=0x500000\n"
		"0x0000000080220000-0x0000000080222000      8K PTE       RW NX SHD AF               UXN     attr0 pa=0x510000\n"
		"0x0000000080230000-0x0000000080231000      4K PTE   RSVD raw=0x0000000000600001\n"
		"0x0000000080400000-0x0000000080600000      2M PMD       RW NX SHD AF        nT BLK UXN     attr0 pa=0xa00000\n";
	if (strcmp(buf, want))
		fprintf(stderr, "ptdump_tree:\n%s--- want:\n%s", buf, want);
	CHECK(!strcmp(buf, want));
	free(buf);
}

static void test_ptdump_tlb(void)
{
	TlbConfig cfg = { .capacity = 0, .walk_cache = true };
	Tlb t;
	char *buf = NULL;
	size_t len = 0;
	static const TlbEntry in[] = {
		{ .va = 0x200000, .pa = 0x800000, .desc_pa = 0x3010, .size_log2 = 21, .level = 2, .leaf = true,
		  .global = true, .desc = 0x800000 | DESC_AF | DESC_VALID, .fill_tick = 7 },
		{ .va = 0x0, .pa = 0x5000, .desc_pa = 0x1000, .size_log2 = 39, .level = 0, .leaf = false,
		  .asid = 3, .desc = 0x5000 | DESC_TABLE | DESC_VALID, .fill_tick = 1 },
		{ .va = 0x2000, .pa = 0x9000, .desc_pa = 0x4010, .size_log2 = 12, .level = 3, .leaf = true,
		  .global = true, .desc = 0x9000 | DESC_AF | DESC_TABLE | DESC_VALID, .fill_tick = 5 },
		{ .va = 0x1000, .pa = 0x8000, .desc_pa = 0x4008, .size_log2 = 12, .level = 3, .leaf = true,
		  .asid = 5, .desc = 0x8000 | DESC_NG | DESC_AF | DESC_TABLE | DESC_VALID, .fill_tick = 4 },
		{ .va = 0x1000, .pa = 0x7000, .desc_pa = 0x4008, .size_log2 = 12, .level = 3, .leaf = true,
		  .global = true, .desc = 0x7000 | DESC_AF | DESC_TABLE | DESC_VALID, .fill_tick = 3 },
	};

	tlb_init(&t, &cfg);
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		tlb_insert(&t, &in[i], NULL, NULL);
	FILE *f = open_memstream(&buf, &len);
	ptdump_tlb(&t, f);
	fclose(f);
	static const char want[] =
		"0x0000000000001000-0x0000000000002000 4K L3 leaf pa=0x7000 global desc@0x4008=0x0000000000007403 (PAGE oa=0x7000 AP=RW_EL1 attr=0 SH=0 AF) fill=3\n"
		"0x0000000000001000-0x0000000000002000 4K L3 leaf pa=0x8000 asid=5 desc@0x4008=0x0000000000008c03 (PAGE oa=0x8000 AP=RW_EL1 attr=0 SH=0 AF nG) fill=4\n"
		"0x0000000000002000-0x0000000000003000 4K L3 leaf pa=0x9000 global desc@0x4010=0x0000000000009403 (PAGE oa=0x9000 AP=RW_EL1 attr=0 SH=0 AF) fill=5\n"
		"0x0000000000200000-0x0000000000400000 2M L2 leaf pa=0x800000 global desc@0x3010=0x0000000000800401 (BLOCK oa=0x800000 AP=RW_EL1 attr=0 SH=0 AF) fill=7\n"
		"0x0000000000000000-0x0000008000000000 512G L0 walk pa=0x5000 asid=3 desc@0x1000=0x0000000000005003 (TABLE next=0x5000) fill=1\n";
	if (strcmp(buf, want))
		fprintf(stderr, "ptdump_tlb:\n%s--- want:\n%s", buf, want);
	CHECK(!strcmp(buf, want));
	free(buf);
	tlb_fini(&t);
}

/* Formatting corner cases, fed as synthetic events (no machine needed). */
static void test_synthetic(void)
{
	char err[256];
	Trace *t = trace_open("trace-synthetic.txt", TRACE_TEXT, NULL, 1, "two\nlines", err, sizeof(err));
	Trace *j = trace_open("trace-synthetic.jsonl", TRACE_JSONL, NULL, 1, "quote \" and \\", err,
			      sizeof(err));
	Event ev[] = {
		{ .type = EV_INSN, .tick = 1, .pc = 0x1000, .insn = 0xf8200020 },    /* ldadd: capstone 4 cannot */
		{ .type = EV_INSN, .tick = 2, .pc = 0x1004, .insn = 0xd5088221 },    /* tlbi rvae1is, x1 */
		{ .type = EV_INSN, .tick = 3, .pc = 0x1008, .insn = 0xd503201f },    /* nop */
		{ .type = EV_SYSREG, .tick = 4, .pc = 0x100c, .count = SYSREG_TTBR0_EL1, .val = 0x5000 },
		{ .type = EV_DESC_WRITE, .tick = 5, .pa = 0x2000, .old = 0, .val = 0x3003, .level = -1 },
	};

	CHECK(t && j);
	if (!t || !j)
		return;
	for (size_t i = 0; i < sizeof(ev) / sizeof(ev[0]); i++) {
		trace_event(t, &ev[i]);
		trace_event(j, &ev[i]);
	}
	CHECK_EQ(trace_close(t), 0);
	CHECK_EQ(trace_close(j), 0);
	char *text = slurp("trace-synthetic.txt", NULL), *jl = slurp("trace-synthetic.jsonl", NULL);
	static const char want[] =
		"# bbmsim trace v1 text npes=1\n"
		"# two\n"
		"# lines\n"
		"     1 PE0  insn          0x1000: f8200020  .inst 0xf8200020\n"
		"     2 PE0  insn          0x1004: d5088221  tlbi rvae1is, x1\n"
		"     3 PE0  insn          0x1008: d503201f  nop\n"
		"     4 PE0  sysreg        pc=0x100c ttbr0_el1=0x5000\n"
		"     5 PE0  desc-write    pc=0x0 L? pa=0x2000 0x0000000000000000 (INVALID) -> 0x0000000000003003 (level unknown)\n";
	CHECK(text && !strcmp(text, want));
	if (text && strcmp(text, want))
		fprintf(stderr, "synthetic:\n%s", text);
	CHECK(jl && !strncmp(jl, "{\"event\":\"header\",\"format\":\"bbmsim trace v1\",\"npes\":1,"
				 "\"header\":\"quote \\\" and \\\\\"}\n", 80));
	CHECK(jl && strstr(jl, "\"disasm\":\".inst 0xf8200020\"") != NULL);
	free(text);
	free(jl);
}

int main(int argc, char **argv)
{
	const char *srcdir = argc > 1 ? argv[1] : ".";
	TraceFilter all;
	char err[256];
	size_t tlen, jlen, tlen2, jlen2;

	trace_filter_default(&all);
	Sink first[] = {
		{ "trace-bbm-remap.txt", TRACE_TEXT, all },
		{ "trace-bbm-remap.jsonl", TRACE_JSONL, all },
		{ "trace-bbm-remap.json", TRACE_PERFETTO, all },
	};
	run_remap(first, 3);
	char *text = slurp("trace-bbm-remap.txt", &tlen), *jsonl = slurp("trace-bbm-remap.jsonl", &jlen);
	char *json = slurp("trace-bbm-remap.json", NULL);
	CHECK(text && jsonl && json);
	if (!text || !jsonl || !json)
		return 1;
	test_text_golden(srcdir, text, tlen);

	char *copy = strdup(text);
	Line *l;
	size_t n = split_lines(copy, &l);
	uint64_t t_break = test_text_order(l, n);
	free(l);
	free(copy);
	test_perfetto_shape(json);
	test_jsonl_shape(jsonl);

	/* Second run: determinism, and the filters. */
	Sink second[7] = {
		{ "trace-again.txt", TRACE_TEXT, all },
		{ "trace-again.jsonl", TRACE_JSONL, all },
		{ "trace-pe1.txt", TRACE_TEXT, all },
		{ "trace-ticks.txt", TRACE_TEXT, all },
		{ "trace-ticks.json", TRACE_PERFETTO, all },
		{ "trace-va.txt", TRACE_TEXT, all },
		{ "trace-events.txt", TRACE_TEXT, all },
	};
	char ticks[64], va[64];
	snprintf(ticks, sizeof(ticks), "%llu-%llu", (unsigned long long)t_break - 3,
		 (unsigned long long)t_break + 40);
	snprintf(va, sizeof(va), "0x%llx+0x1000", DATA_VA);
	CHECK(trace_filter_parse_pes(&second[2].filter, "1", err, sizeof(err)));
	CHECK(trace_filter_parse_ticks(&second[3].filter, ticks, err, sizeof(err)));
	CHECK(trace_filter_parse_ticks(&second[4].filter, ticks, err, sizeof(err)));
	CHECK(trace_filter_parse_va(&second[5].filter, va, err, sizeof(err)));
	CHECK(trace_filter_parse_events(&second[6].filter, "tlbi-issue,tlbi-complete,desc-write", err,
					sizeof(err)));
	run_remap(second, 7);
	char *text2 = slurp("trace-again.txt", &tlen2), *jsonl2 = slurp("trace-again.jsonl", &jlen2);
	CHECK(text2 && jsonl2);
	CHECK(text2 && tlen == tlen2 && !memcmp(text, text2, tlen));
	CHECK(jsonl2 && jlen == jlen2 && !memcmp(jsonl, jsonl2, jlen));
	test_filtered(t_break);
	test_filter_parse();
	test_synthetic();
	test_ptdump_tree();
	test_ptdump_tlb();

	free(text);
	free(jsonl);
	free(json);
	free(text2);
	free(jsonl2);
	if (e2e_failures)
		fprintf(stderr, "%d check(s) failed\n", e2e_failures);
	return e2e_failures != 0;
}
