/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * link.h - real code for the guest: assemble inline source, compile .c, .S
 * and .s files, take AArch64 ELF objects as they are, and link them all in
 * one ld run at the addresses asked for, with the caller's names as
 * absolute symbols. What comes back is every placed byte, every symbol, and
 * every line the tools printed, mapped back to the unit (and, for inline
 * source, the line) it is about.
 *
 * Linking never loses anything (docs/scenario-format.md, "Linking"):
 *  - every allocated section of every object is placed, in the unit's own
 *    pages in a fixed order (.text, .text.*, other executable sections,
 *    .rodata, .rodata.*, other read-only sections, .data, .data.*, other
 *    writable sections, then .bss, .bss.*, other zero-filled sections and
 *    COMMON), or at the VA/PA a LinkPlace gives it;
 *  - unwind tables (.eh_frame, .eh_frame_hdr), notes, .comment and every
 *    section that is not allocated (debug information) are discarded by the
 *    linker script by name: they never take an address;
 *  - anything else ld would have to place by itself (an orphan) is an error
 *    (--orphan-handling=error), and so is a GOT or PLT, thread-local
 *    storage, a section the script cannot name, a place for a section the
 *    object does not have, an object for another architecture, and a global
 *    symbol of a unit that is also one of the caller's names.
 * Units see each other's global symbols (a bl from one into another links);
 * their local labels stay their own.
 *
 * Tools: aarch64-linux-gnu-as, -gcc and -ld (the environment variable
 * BBMSIM_CROSS replaces the prefix), run without a shell in a private
 * temporary directory that is removed afterwards (kept, and named on stderr,
 * when BBMSIM_LINK_KEEP is set).
 */
#ifndef BBMSIM_LINK_H
#define BBMSIM_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum LinkKind {
	LINK_ASM,        /* text: GNU as source (as -march=armv8.4-a -g) */
	LINK_ASM_CPP,    /* text: assembly through the C preprocessor, as a .S file is */
	LINK_SOURCE,     /* path: a .c, .S or .s file, compiled with gcc -c (LINK_C_FLAGS, LINK_S_FLAGS) */
	LINK_OBJECT,     /* path: an AArch64 ELF relocatable object, linked as it is */
} LinkKind;

/* A named section of a unit placed at its own address instead of in the unit's pages. */
typedef struct LinkPlace {
	const char *section;       /* exact name, e.g. ".idmap.text" */
	uint64_t va, pa;
} LinkPlace;

typedef struct LinkUnit {
	const char *label;         /* names the unit in messages: "code 'main'" */
	LinkKind kind;
	const char *prelude;       /* LINK_ASM*: text put before @text (NULL: none); its lines are not the user's */
	const char *text;          /* LINK_ASM* */
	const char *path;          /* LINK_SOURCE, LINK_OBJECT: as the tools and messages name it */
	const char *const *flags;  /* LINK_SOURCE, LINK_ASM_CPP: compiler flags after the defaults (so they win) */
	size_t nflags;
	uint64_t va, pa;           /* where the unit's own pages are linked and loaded */
	const LinkPlace *place;
	size_t nplace;
} LinkUnit;

/* A name given to every unit as an absolute link-time symbol. */
typedef struct LinkName {
	const char *name;
	uint64_t value;
	const char *what;          /* for a clash: "a data block at line 12:3" (NULL: "a name of the caller") */
} LinkName;

/* Placed bytes: the unit's own pages (place = -1) or one placed section. */
typedef struct LinkRegion {
	size_t unit;
	long place;                /* -1, or the index in the unit's place[] */
	uint64_t va, pa;
	uint8_t *bytes;            /* len bytes, zero-filled sections included as zeros; NULL when len is 0 */
	size_t len;
} LinkRegion;

typedef struct LinkSymbol {
	char *name;
	uint64_t value, size;
	size_t unit;               /* the unit whose section holds it */
	bool global;               /* global or weak; else local (static functions, labels, veneers) */
	bool func;                 /* STT_FUNC */
} LinkSymbol;

/* One line a tool printed. */
typedef struct LinkDiag {
	long unit;                 /* the unit it is about, -1 if none */
	int line;                  /* LINK_ASM*: the line of the unit's text it names (1-based), 0 if none */
	bool in_prelude;           /* it names a line of the unit's prelude */
	char *text;                /* the whole line, temporary file names replaced by the unit's label */
	char *msg;                 /* with a line or in_prelude: the text after the location */
} LinkDiag;

typedef struct LinkResult {
	LinkRegion *region;        /* one per unit, then one per place of that unit, in order */
	size_t nregion;
	LinkSymbol *sym;           /* every symbol defined in a placed section, by address */
	size_t nsym;
	LinkDiag *diag;            /* every line the tools printed, in order, on success too */
	size_t ndiag;
	/* On failure: */
	char error[512];           /* what failed, one line, no location */
	long fail_unit;            /* the unit at fault, -1 if none is known */
	long fail_place;           /* the place at fault, -1 if none */
	int fail_line;             /* LINK_ASM*: the line of the unit's text at fault, 0 if none */
} LinkResult;

/* Default compiler flags, before the unit's own (docs/scenario-format.md lists them). */
#define LINK_COMMON_FLAGS "-march=armv8.4-a -g -fdiagnostics-color=never"
#define LINK_C_FLAGS "-std=gnu11 -O2 -ffreestanding -fno-builtin -nostdinc -fno-pic -fno-pie " \
	"-mcmodel=small -mgeneral-regs-only -mbranch-protection=none -fno-stack-protector -fno-common " \
	"-fno-strict-aliasing -fno-delete-null-pointer-checks -fno-asynchronous-unwind-tables -fno-unwind-tables"
#define LINK_S_FLAGS "-D__ASSEMBLY__ -nostdinc"

/*
 * Build and link @nu units (at least one) with @nnames absolute names.
 * Returns 0 on success with the regions and symbols in @r; nonzero with
 * error, fail_* and the tools' lines in @r. Free @r with link_result_fini
 * in both cases.
 */
int link_run(const LinkUnit *u, size_t nu, const LinkName *names, size_t nnames, LinkResult *r);
void link_result_fini(LinkResult *r);

/*
 * @path as messages show it: relative to the working directory when it is
 * under it (a pointer into @path), else @path itself. Tool lines get the
 * same treatment, so a file is named one way throughout a message.
 */
const char *link_display_path(const char *path);

/* The tool prefix: $BBMSIM_CROSS or "aarch64-linux-gnu-". */
const char *link_cross_prefix(void);

#endif
