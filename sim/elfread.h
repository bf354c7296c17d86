/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * elfread.h - read the ELF files the toolchain makes and users bring: a
 * relocatable object before the link (its machine, sections, symbols and
 * relocations) and the linked image after it (section addresses and bytes,
 * symbols). Private to sim/ (link.c).
 *
 * Only 64-bit little-endian ELF is read in full; anything else is named
 * ("a 32-bit ELF", "not an ELF file") so the caller can say what it got.
 * Every offset and size in the file is checked against its length: a
 * truncated or hostile file gives an error, never a read out of bounds.
 */
#ifndef BBMSIM_ELFREAD_H
#define BBMSIM_ELFREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ElfSection {
	const char *name;
	uint32_t type;             /* SHT_* */
	uint64_t flags;            /* SHF_* */
	uint64_t addr, offset, size, align, entsize;
	uint32_t link, info;
	uint32_t name_off;          /* in the section name table */
} ElfSection;

typedef struct ElfSymbol {
	const char *name;
	uint64_t value, size;
	unsigned char bind, type;  /* STB_*, STT_* */
	uint16_t shndx;
} ElfSymbol;

typedef struct ElfFile {
	uint8_t *buf;              /* the file's bytes, not owned (elfread_rela_point_nosym writes them) */
	size_t len;
	uint16_t type, machine;    /* ET_*, EM_* */
	ElfSection *sec;           /* index = ELF section index; malloc'ed */
	size_t nsec;
	ElfSymbol *sym;            /* .symtab, index = ELF symbol index; malloc'ed, NULL if none */
	size_t nsym;
	size_t symtab;             /* section index of .symtab, 0 if none */
} ElfFile;

/*
 * Parse the ELF file in @buf (@len bytes; it must stay alive while @f is
 * used). Returns NULL on success, else a static text saying what the file
 * is instead ("not an ELF file", "a 32-bit ELF file", "a big-endian ELF
 * file", "a truncated or corrupt ELF file"). On failure nothing needs freeing.
 */
const char *elfread_parse(ElfFile *f, uint8_t *buf, size_t len);
void elfread_fini(ElfFile *f);

/* "AArch64", "x86-64", "i386", "32-bit Arm", "RISC-V", ... or "machine 183". */
const char *elfread_machine_name(unsigned machine, char *buf, size_t len);

/* The index of the section called @name, 0 if none. */
size_t elfread_section_find(const ElfFile *f, const char *name);

/* The index of the symbol called @name (any binding), 0 if none. */
size_t elfread_symbol_find(const ElfFile *f, const char *name);

/*
 * Make every relocation in the file that refers to no symbol (index 0)
 * refer to symbol @sym instead; returns how many were changed. GNU as
 * folds a symbol set to an absolute value into "no symbol + value", which
 * ld rejects ("undefined reference to `no symbol'"); pointed at a local
 * absolute symbol of value 0 the relocation means the same and links.
 */
size_t elfread_rela_point_nosym(ElfFile *f, size_t sym);

/* Does the file hold a relocation of a type in [@lo, @hi]? Its section name and offset in *@sec, *@off. */
bool elfread_rela_find_type(const ElfFile *f, uint32_t lo, uint32_t hi, const char **sec, uint64_t *off);

#endif
