// SPDX-License-Identifier: GPL-2.0-only
/*
 * link.c - real code for the guest (link.h): each unit becomes an object
 * (as for inline source, gcc for files, a copy for objects), each object is
 * read and checked, a linker script is written that names every one of its
 * sections, ld links everything in one run, and the image is read back.
 *
 * Why a script that names every section: ld places a section the script
 * does not mention (an orphan) by guesses of its own. GNU as makes
 * .eh_frame from .cfi_* directives; placed as an orphan in front of .text
 * it shifted every address the code computed while the bytes were written
 * where the script said (loads read 0, silently). Here every allocated
 * section goes to a stated place, the sections nothing at run time reads
 * are discarded by name, and an orphan is an error. The bytes are then
 * taken from the linked file section by section at the addresses ld gave
 * them, never assumed contiguous.
 *
 * Messages: every line a tool prints is kept. The temporary file names in
 * it are replaced by the unit's label, and a line that names a line of
 * inline source (as, gcc, and ld through the DWARF line table: inline
 * source is assembled with -g) is given that line, counted from the start
 * of the unit's own text, so the caller can point at its own file.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "bbmsim/link.h"
#include "elfread.h"
#include "toolrun.h"

#define LINK_MAX_DIAGS 2000          /* lines kept per run; the rest are counted */
#define LINK_MAX_LINE 2048
#define LINK_MAX_OBJECT (256u << 20)
/* The local absolute zero every inline unit defines (elfread_rela_point_nosym). */
#define LINK_ZERO_SYM "__bbmsim_link_zero"

/* Where a section goes in its unit's pages, in this order; or not at all. */
enum {
	CLS_SKIP = -1,       /* not a section to place: symbols, strings, relocations, groups */
	CLS_DISCARD = -2,    /* read by nothing at run time: unwind tables, notes, debug, comments */
	CLS_TLS = -3,        /* thread-local storage: no such thing here */
	CLS_TEXT = 0,        /* .text */
	CLS_TEXT_SUB,        /* .text.* (gcc's .text.startup, .text.unlikely, function sections) */
	CLS_EXEC,            /* other executable sections (.idmap.text, .head.text) */
	CLS_RODATA,
	CLS_RODATA_SUB,
	CLS_RO,              /* other read-only sections */
	CLS_DATA,
	CLS_DATA_SUB,
	CLS_RW,              /* other writable sections */
	CLS_BSS,
	CLS_BSS_SUB,
	CLS_NOBITS,          /* other zero-filled sections; then COMMON */
	CLS_COUNT,
};

typedef struct Link {
	const LinkUnit *u;
	size_t nu;
	const LinkName *names;
	size_t nnames;
	LinkResult *r;
	bool failed;
	char dir[256];
	char cwd[4096];          /* with a trailing '/': stripped from paths in messages */
	size_t cwdlen;
	char gcc_include[1024];  /* gcc's own headers (stddef.h, stdint.h, ...) for -nostdinc */
	int *pre_lines;          /* per unit: lines written before its text */
	uint8_t **obj;           /* per unit: the object's bytes */
	size_t *objlen;
	ElfFile *elf;
	size_t dropped_diags;
} Link;

const char *link_cross_prefix(void)
{
	const char *p = getenv("BBMSIM_CROSS");
	return p ? p : "aarch64-linux-gnu-";
}

const char *link_display_path(const char *path)
{
	char cwd[4096];
	if (!getcwd(cwd, sizeof(cwd) - 1) || !strcmp(cwd, "/"))
		return path;
	size_t n = strlen(cwd);
	return !strncmp(path, cwd, n) && path[n] == '/' ? path + n + 1 : path;
}


static bool fail(Link *k, long unit, long place, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static bool fail(Link *k, long unit, long place, const char *fmt, ...)
{
	va_list ap;
	if (k->failed)
		return false;
	k->failed = true;
	k->r->fail_unit = unit;
	k->r->fail_place = place;
	va_start(ap, fmt);
	vsnprintf(k->r->error, sizeof(k->r->error), fmt, ap);
	va_end(ap);
	return false;
}

/* --- messages -------------------------------------------------------------------- */

static void diag_push(Link *k, LinkDiag *d)
{
	LinkResult *r = k->r;
	if (r->ndiag >= LINK_MAX_DIAGS) {
		k->dropped_diags++;
		free(d->text);
		free(d->msg);
		return;
	}
	r->diag = xrealloc(r->diag, (r->ndiag + 1) * sizeof(*r->diag));
	r->diag[r->ndiag++] = *d;
}

/* Append @n bytes of @s to the buffer @b (capacity LINK_MAX_LINE). */
static void cat(char *b, size_t *o, const char *s, size_t n)
{
	if (*o + n >= LINK_MAX_LINE)
		n = LINK_MAX_LINE - 1 - *o;
	memcpy(b + *o, s, n);
	*o += n;
	b[*o] = 0;
}

/*
 * Keep one line a tool printed: replace our temporary file names by the
 * unit's label, and note the unit and the inline line it names. @unit is
 * the unit the line is about when it does not say (-1: none); @ctx, if not
 * NULL, carries ld's "in function" context from one line to the next.
 */
static void add_line(Link *k, const char *raw, long unit, long *ctx)
{
	char text[LINK_MAX_LINE] = "";
	size_t o = 0, dl = strlen(k->dir), msg_at = 0;
	LinkDiag d = { .unit = -1 };
	const char *p = raw;

	while (*p) {
		const char *t = strstr(p, k->dir);
		const char *c = k->cwdlen ? strstr(p, k->cwd) : NULL;
		if (c && (!t || c < t)) {
			/* A path under the working directory: shown relative to it. */
			cat(text, &o, p, (size_t)(c - p));
			p = c + k->cwdlen;
			continue;
		}
		if (!t) {
			cat(text, &o, p, strlen(p));
			break;
		}
		cat(text, &o, p, (size_t)(t - p));
		const char *q = t + dl;
		char *end = NULL;
		unsigned long n = (q[0] == '/' && q[1] == 'u') ? strtoul(q + 2, &end, 10) : ~0ul;
		if (n >= k->nu || *end != '.' || !end[1]) {
			cat(text, &o, "<tmp>", 5);
			p = q;
			continue;
		}
		char ext = end[1];
		const LinkUnit *u = &k->u[n];
		q = end + 2;
		/* ld's "u0.o:u0.s:12:" says the unit twice: once is enough. */
		char again[300];
		snprintf(again, sizeof(again), ":%s/u%lu.", k->dir, n);
		if (ext == 'o' && !strncmp(q, again, strlen(again))) {
			p = q + 1;
			continue;
		}
		cat(text, &o, u->label, strlen(u->label));
		if (d.unit < 0)
			d.unit = (long)n;
		if ((ext == 's' || ext == 'S') && q[0] == ':' && q[1] >= '0' && q[1] <= '9') {
			/* "uN.s:LINE:" (as, ld) or "uN.S:LINE:COL:" (the preprocessor). */
			long line = strtol(q + 1, &end, 10);
			q = end;
			if (q[0] == ':' && q[1] >= '0' && q[1] <= '9') {
				(void)strtol(q + 1, &end, 10);
				q = end;
			}
			char num[48];
			bool pre = line <= k->pre_lines[n];
			long tl = pre ? line : line - k->pre_lines[n];
			snprintf(num, sizeof(num), pre ? ", prelude line %ld" : ", line %ld", tl);
			cat(text, &o, num, strlen(num));
			if (!msg_at) {
				/* The first line named is where the message is. */
				d.unit = (long)n;
				d.line = pre ? 0 : (int)tl;
				d.in_prelude = pre;
				msg_at = o;
			}
		}
		p = q;
	}
	if (msg_at) {
		const char *m = text + msg_at;
		if (*m == ':')
			m++;
		while (*m == ' ')
			m++;
		d.msg = xstrdup(m);
	}
	if (d.unit < 0) {
		/* A file of a unit, named by its path (gcc; ld through DWARF). */
		for (size_t i = 0; i < k->nu && d.unit < 0; i++) {
			const char *up = k->u[i].path;
			if (k->u[i].kind != LINK_SOURCE || !up)
				continue;
			if (k->cwdlen && !strncmp(up, k->cwd, k->cwdlen))
				up += k->cwdlen;
			if (*up && strstr(text, up))
				d.unit = (long)i;
		}
	}
	if (ctx) {
		/* ld: "x.o: in function `f':" says which unit the next line is about. */
		if (d.unit >= 0)
			*ctx = d.unit;
		else if (!strncmp(text, link_cross_prefix(), strlen(link_cross_prefix())))
			*ctx = -1;
		else
			d.unit = *ctx;
	} else if (d.unit < 0) {
		d.unit = unit;
	}
	d.text = xstrdup(text);
	diag_push(k, &d);
}

/* Keep every line of the log @path; returns the index of the first new diagnostic. */
static size_t read_log(Link *k, const char *path, long unit, bool ld)
{
	size_t first = k->r->ndiag, len;
	char *buf = toolrun_read_file(path, 16u << 20, &len);
	long ctx = -1;
	if (!buf)
		return first;
	for (char *save, *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		line[strcspn(line, "\r")] = 0;
		if (*line)
			add_line(k, line, unit, ld ? &ctx : NULL);
	}
	free(buf);
	unlink(path);
	return first;
}

static bool is_error_line(const LinkDiag *d, bool ld)
{
	const char *t = d->msg ? d->msg : d->text;
	if (ld) {
		size_t n = strlen(d->text);
		/* Context ("in function `f':") and warnings are not the error. */
		return n && d->text[n - 1] != ':' && !strstr(d->text, "warning:") && !strstr(d->text, "note:");
	}
	return strstr(t, "Error:") || strstr(t, "error:") || strstr(t, "undefined reference");
}

/*
 * A tool failed: the first error line it printed (from diagnostic @first on)
 * says what, where. An error inside the prelude (a macro of the library) is
 * put on the line that used it ("macro invoked from here").
 */
static bool fail_from_diags(Link *k, size_t first, long unit, bool ld, const char *tool, int status)
{
	LinkResult *r = k->r;
	const LinkDiag *e = NULL;
	for (size_t i = first; i < r->ndiag && !e; i++)
		if (is_error_line(&r->diag[i], ld))
			e = &r->diag[i];
	if (!e) {
		if (r->ndiag > first)
			e = &r->diag[first];
		else
			return fail(k, unit, -1, "%s failed (status %d) and printed nothing", tool, status);
	}
	int line = e->line;
	if (!line && e->in_prelude)
		for (size_t i = (size_t)(e - r->diag) + 1; i < r->ndiag && !line; i++)
			if (r->diag[i].unit == e->unit && r->diag[i].line > 0)
				line = r->diag[i].line;
	const char *msg = e->msg ? e->msg : e->text;
	size_t pl = strlen(link_cross_prefix());
	if (!e->msg && !strncmp(msg, link_cross_prefix(), pl) && strchr(msg + pl, ':'))
		msg = strchr(msg + pl, ':') + 1;      /* "aarch64-linux-gnu-ld: " */
	while (*msg == ' ')
		msg++;
	long eu = e->unit >= 0 ? e->unit : unit;
	size_t ll = eu >= 0 ? strlen(k->u[eu].label) : 0;
	if (ll && !strncmp(msg, k->u[eu].label, ll) && msg[ll] == ':') {
		msg += ll + 1;     /* the caller names the unit already */
		while (*msg == ' ')
			msg++;
	}
	if (!strncmp(msg, "Error: ", 7))
		msg += 7;
	/* "file.c:12:(.text+0x10): what" (ld, through DWARF) or "file.c:12:3: error: what" (gcc): "what (file.c:12)". */
	size_t pl2 = strcspn(msg, ": ");
	char *end;
	long ln = msg[pl2] == ':' && msg[pl2 + 1] >= '0' && msg[pl2 + 1] <= '9' ? strtol(msg + pl2 + 1, &end, 10) : 0;
	if (ln > 0 && *end == ':') {
		const char *what = end + 1;
		if (*what >= '0' && *what <= '9') {
			while (*what >= '0' && *what <= '9')
				what++;
			if (*what == ':')
				what++;
		}
		if (*what == '(' && strstr(what, "):"))
			what = strstr(what, "):") + 2;
		while (*what == ' ')
			what++;
		if (!strncmp(what, "error: ", 7) || !strncmp(what, "Error: ", 7))
			what += 7;
		fail(k, e->unit >= 0 ? e->unit : unit, -1, "%s (%.*s:%ld)", what, (int)pl2, msg, ln);
	} else {
		fail(k, e->unit >= 0 ? e->unit : unit, -1, "%s", msg);
	}
	r->fail_line = line;
	return false;
}

/* --- building each unit's object ----------------------------------------------------- */

static int count_lines(const char *s)
{
	int n = 0;
	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

static bool gcc_include_dir(Link *k)
{
	char log[320], tool[160];
	if (k->gcc_include[0])
		return true;
	snprintf(log, sizeof(log), "%s/include.log", k->dir);
	snprintf(tool, sizeof(tool), "%sgcc", link_cross_prefix());
	char *argv[] = { tool, "-print-file-name=include", NULL };
	int st = toolrun_exec(argv, log);
	size_t len;
	char *out = toolrun_read_file(log, 1 << 16, &len);
	unlink(log);
	if (st != 0 || !out || out[0] != '/') {
		free(out);
		return false;
	}
	out[strcspn(out, "\n")] = 0;
	snprintf(k->gcc_include, sizeof(k->gcc_include), "%s", out);
	free(out);
	return true;
}

static bool build_unit(Link *k, size_t i)
{
	const LinkUnit *u = &k->u[i];
	char src[320], obj[320], log[320], tool[160];
	ToolArgv a = { 0 };
	bool ok = false;
	const char *path = u->path;
	bool use_gcc = u->kind == LINK_ASM_CPP || u->kind == LINK_SOURCE;

	snprintf(obj, sizeof(obj), "%s/u%zu.o", k->dir, i);
	snprintf(log, sizeof(log), "%s/u%zu.log", k->dir, i);
	if (u->kind == LINK_OBJECT) {
		size_t len;
		errno = 0;
		char *b = toolrun_read_file(u->path, LINK_MAX_OBJECT, &len);
		if (!b)
			return fail(k, (long)i, -1, "cannot read %s: %s", link_display_path(u->path),
				    errno ? strerror(errno) : "not a regular file, or over 256 MiB");
		k->obj[i] = (uint8_t *)b;
		k->objlen[i] = len;
		return true;
	}
	if (u->kind == LINK_ASM || u->kind == LINK_ASM_CPP) {
		snprintf(src, sizeof(src), "%s/u%zu.%s", k->dir, i, u->kind == LINK_ASM ? "s" : "S");
		FILE *f = fopen(src, "w");
		bool w = f && fprintf(f, ".set " LINK_ZERO_SYM ", 0\n%s%s%s\n", u->prelude ? u->prelude : "",
				      u->prelude && *u->prelude && u->prelude[strlen(u->prelude) - 1] != '\n' ? "\n" : "",
				      u->text ? u->text : "") >= 0;
		if (f && fclose(f) != 0)
			w = false;
		if (!w)
			return fail(k, (long)i, -1, "cannot write %s: %s", src, strerror(errno));
		k->pre_lines[i] = 1 + count_lines(u->prelude) +
				  (u->prelude && *u->prelude && u->prelude[strlen(u->prelude) - 1] != '\n');
		path = src;
	}
	snprintf(tool, sizeof(tool), "%s%s", link_cross_prefix(), use_gcc ? "gcc" : "as");
	toolrun_argv_add(&a, tool);
	if (use_gcc) {
		const char *ext = strrchr(path, '.');
		bool c = ext && !strcmp(ext, ".c");
		bool cpp = c || (ext && !strcmp(ext, ".S"));
		toolrun_argv_add(&a, "-c");
		toolrun_argv_words(&a, LINK_COMMON_FLAGS);
		if (cpp && !gcc_include_dir(k)) {
			fail(k, (long)i, -1, "cannot run %s -print-file-name=include (install gcc-aarch64-linux-gnu)", tool);
			goto out;
		}
		toolrun_argv_words(&a, c ? LINK_C_FLAGS : cpp ? LINK_S_FLAGS : "");
		if (cpp) {
			toolrun_argv_add(&a, "-isystem");
			toolrun_argv_add(&a, k->gcc_include);
		}
		if (u->kind == LINK_ASM_CPP)
			toolrun_argv_add(&a, "-fno-diagnostics-show-caret");   /* its lines would number our file, not the text */
		for (size_t f = 0; f < u->nflags; f++)
			toolrun_argv_add(&a, u->flags[f]);
	} else {
		toolrun_argv_add(&a, "-march=armv8.4-a");
		toolrun_argv_add(&a, "-g");
	}
	toolrun_argv_add(&a, "-o");
	toolrun_argv_add(&a, obj);
	toolrun_argv_add(&a, path);
	int st = toolrun_exec(a.v, log);
	if (st < 0) {
		fail(k, (long)i, -1, "cannot run %s (install %s)", tool,
		     use_gcc ? "gcc-aarch64-linux-gnu" : "binutils-aarch64-linux-gnu");
		unlink(log);
		goto out;
	}
	size_t first = read_log(k, log, (long)i, false);
	if (st != 0) {
		fail_from_diags(k, first, (long)i, false, tool, st);
		goto out;
	}
	size_t len;
	k->obj[i] = (uint8_t *)toolrun_read_file(obj, LINK_MAX_OBJECT, &len);
	k->objlen[i] = len;
	if (!k->obj[i]) {
		fail(k, (long)i, -1, "%s made no object", tool);
		goto out;
	}
	ok = true;
out:
	toolrun_argv_free(&a);
	return ok;
}

/* --- checking each object and writing the script ------------------------------------- */

static int section_class(const ElfSection *s)
{
	const char *n = s->name;
	switch (s->type) {
	case SHT_NULL: case SHT_SYMTAB: case SHT_STRTAB: case SHT_RELA: case SHT_REL: case SHT_GROUP:
	case SHT_SYMTAB_SHNDX:
		return CLS_SKIP;
	default:
		break;
	}
	if (!(s->flags & SHF_ALLOC) || s->type == SHT_NOTE || !strncmp(n, ".note", 5) ||
	    !strcmp(n, ".eh_frame") || !strcmp(n, ".eh_frame_hdr"))
		return CLS_DISCARD;
	if (s->flags & SHF_TLS)
		return CLS_TLS;
	bool sub;
#define SUB(base) ((sub = !strncmp(n, base ".", strlen(base) + 1)) || !strcmp(n, base))
	if (s->type == SHT_NOBITS)
		return SUB(".bss") ? (sub ? CLS_BSS_SUB : CLS_BSS) : CLS_NOBITS;
	if (s->flags & SHF_EXECINSTR)
		return SUB(".text") ? (sub ? CLS_TEXT_SUB : CLS_TEXT) : CLS_EXEC;
	if (!(s->flags & SHF_WRITE))
		return SUB(".rodata") ? (sub ? CLS_RODATA_SUB : CLS_RODATA) : CLS_RO;
	return SUB(".data") ? (sub ? CLS_DATA_SUB : CLS_DATA) : CLS_RW;
#undef SUB
}

/* Can the linker script name it? Letters, digits and _ . $ - only. */
static bool scriptable(const char *n)
{
	if (!*n)
		return false;
	for (; *n; n++)
		if (!((*n >= 'a' && *n <= 'z') || (*n >= 'A' && *n <= 'Z') || (*n >= '0' && *n <= '9') ||
		      *n == '_' || *n == '.' || *n == '$' || *n == '-'))
			return false;
	return true;
}

static long place_of(const LinkUnit *u, const char *name)
{
	for (size_t p = 0; p < u->nplace; p++)
		if (!strcmp(u->place[p].section, name))
			return (long)p;
	return -1;
}

static const char *sym_name_clash(Link *k, const char *name, const char **what)
{
	for (size_t i = 0; i < k->nnames; i++)
		if (!strcmp(k->names[i].name, name)) {
			*what = k->names[i].what ? k->names[i].what : "a name of the caller";
			return k->names[i].name;
		}
	return NULL;
}

static bool check_unit(Link *k, size_t i)
{
	const LinkUnit *u = &k->u[i];
	ElfFile *f = &k->elf[i];
	const char *what = u->kind == LINK_OBJECT ? link_display_path(u->path) : "its object";
	char mb[32];
	const char *e = elfread_parse(f, k->obj[i], k->objlen[i]);

	if (e)
		return fail(k, (long)i, -1, "%s is not an AArch64 ELF object (%s)", what, e);
	if (f->machine != EM_AARCH64)
		return fail(k, (long)i, -1, "%s is an ELF object for %s, not AArch64", what,
			    elfread_machine_name(f->machine, mb, sizeof(mb)));
	if (f->type != ET_REL)
		return fail(k, (long)i, -1, "%s is %s, not a relocatable object (.o)", what,
			    f->type == ET_EXEC ? "an executable" : f->type == ET_DYN ? "a shared object" : "not an object");
	for (size_t s = 1; s < f->nsec; s++) {
		const ElfSection *sec = &f->sec[s];
		int cls = section_class(sec);
		if (cls == CLS_SKIP)
			continue;
		if (cls == CLS_TLS)
			return fail(k, (long)i, -1, "%s has thread-local storage (section %s): not supported", what,
				    sec->name);
		if (!scriptable(sec->name))
			return fail(k, (long)i, -1, "%s has a section named '%s', which a linker script cannot "
				    "name (letters, digits, '_', '.', '$' and '-' only)", what, sec->name);
	}
	for (size_t p = 0; p < u->nplace; p++) {
		const char *pn = u->place[p].section;
		size_t s = elfread_section_find(f, pn);
		if (!s || section_class(&f->sec[s]) < 0) {
			char list[300] = "";
			size_t o = 0;
			for (size_t t = 1; t < f->nsec; t++) {
				if (section_class(&f->sec[t]) < 0)
					continue;
				int w = snprintf(list + o, sizeof(list) - o, "%s%s", o ? ", " : "", f->sec[t].name);
				if (w < 0 || (size_t)w >= sizeof(list) - o)
					break;
				o += (size_t)w;
			}
			return fail(k, (long)i, (long)p, "%s has no %ssection '%s' to place (its sections: %s)", what,
				    s ? "allocated " : "", pn, o ? list : "none");
		}
		if (place_of(u, pn) != (long)p)
			return fail(k, (long)i, (long)p, "section '%s' is placed twice", pn);
	}
	/* GOT (R_AARCH64_*GOT*, 300..313) and TLS (512..573) relocations: nothing here makes them. */
	const char *rs;
	uint64_t ro;
	if (elfread_rela_find_type(f, 300, 313, &rs, &ro))
		return fail(k, (long)i, -1, "%s reaches a symbol through a global offset table (%s+0x%llx): "
			    "position-independent code; compile it with -fno-pic", what, rs, (unsigned long long)ro);
	if (elfread_rela_find_type(f, 512, 573, &rs, &ro))
		return fail(k, (long)i, -1, "%s uses thread-local storage (%s+0x%llx): not supported", what, rs,
			    (unsigned long long)ro);
	for (size_t s = 1; s < f->nsym; s++) {
		const ElfSymbol *y = &f->sym[s];
		const char *cw;
		if ((y->bind == STB_GLOBAL || y->bind == STB_WEAK) && y->shndx != SHN_UNDEF &&
		    sym_name_clash(k, y->name, &cw))
			return fail(k, (long)i, -1, "%s defines the global symbol '%s', which is also %s: "
				    "rename one of them", what, y->name, cw);
	}
	/* The first section of the unit's pages must start at its va, and each place at its own. */
	uint64_t need = 1;
	const char *first = NULL;
	for (int cls = 0; cls < CLS_COUNT && !first; cls++)
		for (size_t s = 1; s < f->nsec; s++)
			if (section_class(&f->sec[s]) == cls && f->sec[s].size && place_of(u, f->sec[s].name) < 0) {
				if (!first || strcmp(first, f->sec[s].name) == 0) {
					first = f->sec[s].name;
					if (f->sec[s].align > need)
						need = f->sec[s].align;
				}
			}
	if (first && (u->va & (need - 1)))
		return fail(k, (long)i, -1, "va 0x%llx is not a multiple of %llu, the alignment of its first "
			    "section %s", (unsigned long long)u->va, (unsigned long long)need, first);
	for (size_t p = 0; p < u->nplace; p++) {
		need = 1;
		for (size_t s = 1; s < f->nsec; s++)
			if (!strcmp(f->sec[s].name, u->place[p].section) && f->sec[s].align > need)
				need = f->sec[s].align;
		if (u->place[p].va & (need - 1))
			return fail(k, (long)i, (long)p, "va 0x%llx of section '%s' is not a multiple of its "
				    "alignment %llu", (unsigned long long)u->place[p].va, u->place[p].section,
				    (unsigned long long)need);
	}
	if (u->kind == LINK_ASM || u->kind == LINK_ASM_CPP) {
		size_t z = elfread_symbol_find(f, LINK_ZERO_SYM);
		if (z && elfread_rela_point_nosym(f, z)) {
			char obj[320];
			snprintf(obj, sizeof(obj), "%s/u%zu.o", k->dir, i);
			if (!toolrun_write_file(obj, k->obj[i], k->objlen[i]))
				return fail(k, (long)i, -1, "cannot write %s", obj);
		}
	}
	return true;
}

/* Each distinct name of class @cls in unit @i's object, not placed elsewhere, once. */
static void script_class(Link *k, FILE *f, size_t i, int cls, long place)
{
	const ElfFile *e = &k->elf[i];
	for (size_t s = 1; s < e->nsec; s++) {
		const char *n = e->sec[s].name;
		bool match = place >= 0 ? !strcmp(n, k->u[i].place[place].section) && section_class(&e->sec[s]) >= 0
					: section_class(&e->sec[s]) == cls && place_of(&k->u[i], n) < 0;
		if (!match)
			continue;
		bool seen = false;
		for (size_t t = 1; t < s && !seen; t++)
			seen = !strcmp(e->sec[t].name, n) && (place >= 0 || section_class(&e->sec[t]) == cls);
		if (!seen)
			fprintf(f, "    \"%s/u%zu.o\"(%s)\n", k->dir, i, n);
	}
}

static bool write_script(Link *k, const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return fail(k, -1, -1, "cannot write %s: %s", path, strerror(errno));
	fprintf(f, "/* bbmsim: the caller's names, absolute */\n");
	for (size_t i = 0; i < k->nnames; i++)
		fprintf(f, "\"%s\" = 0x%llx;\n", k->names[i].name, (unsigned long long)k->names[i].value);
	fprintf(f, "SECTIONS\n{\n");
	for (size_t i = 0; i < k->nu; i++) {
		const LinkUnit *u = &k->u[i];
		fprintf(f, "  .bbm.%zu 0x%llx : AT(0x%llx)\n  {\n", i, (unsigned long long)u->va,
			(unsigned long long)u->pa);
		for (int cls = 0; cls < CLS_COUNT; cls++)
			script_class(k, f, i, cls, -1);
		fprintf(f, "    \"%s/u%zu.o\"(COMMON)\n  }\n", k->dir, i);
		for (size_t p = 0; p < u->nplace; p++) {
			fprintf(f, "  .bbm.%zu.%zu 0x%llx : AT(0x%llx)\n  {\n", i, p, (unsigned long long)u->place[p].va,
				(unsigned long long)u->place[p].pa);
			script_class(k, f, i, 0, (long)p);
			fprintf(f, "  }\n");
		}
	}
	/* What ld itself would add for position-independent code: must stay empty. */
	fprintf(f, "  .bbm.linker 0 : { *(.plt) *(.iplt) *(.got) *(.igot) *(.got.plt) *(.igot.plt) *(.rela.*) }\n");
	fprintf(f, "  /DISCARD/ :\n  {\n");
	for (size_t i = 0; i < k->nu; i++)
		script_class(k, f, i, CLS_DISCARD, -1);
	fprintf(f, "    *(.eh_frame) *(.eh_frame_hdr) *(.note) *(.note.*) *(.comment) *(.debug*)\n  }\n}\n");
	bool ok = !ferror(f);
	if (fclose(f) != 0 || !ok)
		return fail(k, -1, -1, "cannot write %s", path);
	return true;
}

/* --- linking and reading the image back ------------------------------------------ */

static int cmp_sym(const void *a, const void *b)
{
	const LinkSymbol *x = a, *y = b;
	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	return strcmp(x->name, y->name);
}

static bool read_image(Link *k, const char *path)
{
	LinkResult *r = k->r;
	size_t len;
	uint8_t *buf = (uint8_t *)toolrun_read_file(path, 1u << 30, &len);
	ElfFile e;
	if (!buf)
		return fail(k, -1, -1, "ld made no output");
	const char *why = elfread_parse(&e, buf, len);
	if (why) {
		free(buf);
		return fail(k, -1, -1, "ld's output is %s", why);
	}
	bool ok = true;
	size_t nr = k->nu;
	for (size_t i = 0; i < k->nu; i++)
		nr += k->u[i].nplace;
	r->region = calloc(nr, sizeof(*r->region));
	if (!r->region)
		abort();
	long *sec_region = calloc(e.nsec ? e.nsec : 1, sizeof(*sec_region));
	if (!sec_region)
		abort();
	for (size_t s = 0; s < e.nsec; s++)
		sec_region[s] = -1;
	for (size_t i = 0; i < k->nu && ok; i++) {
		for (long p = -1; p < (long)k->u[i].nplace && ok; p++) {
			LinkRegion *g = &r->region[r->nregion++];
			char name[64];
			g->unit = i;
			g->place = p;
			g->va = p < 0 ? k->u[i].va : k->u[i].place[p].va;
			g->pa = p < 0 ? k->u[i].pa : k->u[i].place[p].pa;
			if (p < 0)
				snprintf(name, sizeof(name), ".bbm.%zu", i);
			else
				snprintf(name, sizeof(name), ".bbm.%zu.%ld", i, p);
			size_t s = elfread_section_find(&e, name);
			if (!s || !e.sec[s].size)
				continue;     /* ld drops empty output sections */
			const ElfSection *sec = &e.sec[s];
			if (sec->addr != g->va) {
				ok = fail(k, (long)i, p, "ld put it at 0x%llx, not at 0x%llx", (unsigned long long)sec->addr,
					  (unsigned long long)g->va);
				break;
			}
			sec_region[s] = (long)(r->nregion - 1);
			g->len = (size_t)sec->size;
			g->bytes = calloc(g->len, 1);
			if (!g->bytes)
				abort();
			if (sec->type != SHT_NOBITS)
				memcpy(g->bytes, buf + sec->offset, g->len);
		}
	}
	size_t lk = elfread_section_find(&e, ".bbm.linker");
	if (ok && lk && e.sec[lk].size)
		ok = fail(k, -1, -1, "the link needs a global offset table or PLT (%llu bytes), which bbmsim does not "
			  "place: code compiled as position-independent? (use -fno-pic)",
			  (unsigned long long)e.sec[lk].size);
	for (size_t s = 1; ok && s < e.nsec; s++)
		if ((e.sec[s].flags & SHF_ALLOC) && e.sec[s].size && sec_region[s] < 0 && s != lk)
			ok = fail(k, -1, -1, "ld made a section %s (%llu bytes) that nothing places",
				  e.sec[s].name, (unsigned long long)e.sec[s].size);
	for (size_t y = 1; ok && y < e.nsym; y++) {
		const ElfSymbol *sy = &e.sym[y];
		if (sy->type == STT_SECTION || sy->type == STT_FILE || sy->shndx == SHN_UNDEF ||
		    sy->shndx >= e.nsec || !sy->name[0] || sy->name[0] == '$' || sec_region[sy->shndx] < 0)
			continue;
		r->sym = xrealloc(r->sym, (r->nsym + 1) * sizeof(*r->sym));
		LinkSymbol *ls = &r->sym[r->nsym++];
		ls->name = xstrdup(sy->name);
		ls->value = sy->value;
		ls->size = sy->size;
		ls->unit = r->region[sec_region[sy->shndx]].unit;
		ls->global = sy->bind == STB_GLOBAL || sy->bind == STB_WEAK;
		ls->func = sy->type == STT_FUNC;
	}
	if (r->nsym)
		qsort(r->sym, r->nsym, sizeof(*r->sym), cmp_sym);
	free(sec_region);
	elfread_fini(&e);
	free(buf);
	return ok;
}

static bool run_ld(Link *k)
{
	char script[320], out[320], log[320], tool[160];
	ToolArgv a = { 0 };

	snprintf(script, sizeof(script), "%s/link.ld", k->dir);
	snprintf(out, sizeof(out), "%s/image.elf", k->dir);
	snprintf(log, sizeof(log), "%s/ld.log", k->dir);
	snprintf(tool, sizeof(tool), "%sld", link_cross_prefix());
	if (!write_script(k, script))
		return false;
	toolrun_argv_add(&a, tool);
	toolrun_argv_words(&a, "-static -nostdlib -no-pie -z noexecstack --no-warn-rwx-segments --no-check-sections "
		       "--orphan-handling=error --build-id=none -e 0 -T");
	toolrun_argv_add(&a, script);
	toolrun_argv_add(&a, "-o");
	toolrun_argv_add(&a, out);
	for (size_t i = 0; i < k->nu; i++) {
		char obj[320];
		snprintf(obj, sizeof(obj), "%s/u%zu.o", k->dir, i);
		if (k->u[i].kind == LINK_OBJECT && !toolrun_write_file(obj, k->obj[i], k->objlen[i])) {
			toolrun_argv_free(&a);
			return fail(k, (long)i, -1, "cannot write %s", obj);
		}
		toolrun_argv_add(&a, obj);
	}
	int st = toolrun_exec(a.v, log);
	toolrun_argv_free(&a);
	if (st < 0) {
		unlink(log);
		return fail(k, -1, -1, "cannot run %s (install binutils-aarch64-linux-gnu)", tool);
	}
	size_t first = read_log(k, log, -1, true);
	if (st != 0)
		return fail_from_diags(k, first, -1, true, tool, st);
	return read_image(k, out);
}

int link_run(const LinkUnit *u, size_t nu, const LinkName *names, size_t nnames, LinkResult *r)
{
	Link k;
	const char *tmp = getenv("TMPDIR");

	memset(r, 0, sizeof(*r));
	r->fail_unit = r->fail_place = -1;
	memset(&k, 0, sizeof(k));
	k.u = u;
	k.nu = nu;
	k.names = names;
	k.nnames = nnames;
	k.r = r;
	if (!nu) {
		fail(&k, -1, -1, "nothing to link");
		return 1;
	}
	if (!tmp || !*tmp || strlen(tmp) > 200)
		tmp = "/tmp";
	snprintf(k.dir, sizeof(k.dir), "%s/bbmsim-link-XXXXXX", tmp);
	if (!mkdtemp(k.dir)) {
		fail(&k, -1, -1, "cannot create a temporary directory in %s: %s", tmp, strerror(errno));
		return 1;
	}
	if (getcwd(k.cwd, sizeof(k.cwd) - 1) && strcmp(k.cwd, "/")) {
		strcat(k.cwd, "/");
		k.cwdlen = strlen(k.cwd);
	}
	k.pre_lines = calloc(nu, sizeof(*k.pre_lines));
	k.obj = calloc(nu, sizeof(*k.obj));
	k.objlen = calloc(nu, sizeof(*k.objlen));
	k.elf = calloc(nu, sizeof(*k.elf));
	if (!k.pre_lines || !k.obj || !k.objlen || !k.elf)
		abort();
	bool ok = true;
	for (size_t i = 0; i < nu && ok; i++)
		ok = build_unit(&k, i) && check_unit(&k, i);
	if (ok)
		ok = run_ld(&k);
	if (k.dropped_diags) {
		LinkDiag d = { .unit = -1 };
		char t[96];
		snprintf(t, sizeof(t), "(%zu more lines)", k.dropped_diags);
		d.text = xstrdup(t);
		k.dropped_diags = 0;
		r->diag = xrealloc(r->diag, (r->ndiag + 1) * sizeof(*r->diag));
		r->diag[r->ndiag++] = d;
	}
	for (size_t i = 0; i < nu; i++) {
		elfread_fini(&k.elf[i]);
		free(k.obj[i]);
	}
	free(k.pre_lines);
	free(k.obj);
	free(k.objlen);
	free(k.elf);
	if (getenv("BBMSIM_LINK_KEEP"))
		fprintf(stderr, "bbmsim: the link's files (sources, objects, link.ld, image.elf) are kept in %s\n", k.dir);
	else
		toolrun_remove_dir(k.dir);
	return ok ? 0 : 1;
}

void link_result_fini(LinkResult *r)
{
	for (size_t i = 0; i < r->nregion; i++)
		free(r->region[i].bytes);
	for (size_t i = 0; i < r->nsym; i++)
		free(r->sym[i].name);
	for (size_t i = 0; i < r->ndiag; i++) {
		free(r->diag[i].text);
		free(r->diag[i].msg);
	}
	free(r->region);
	free(r->sym);
	free(r->diag);
	memset(r, 0, sizeof(*r));
}
