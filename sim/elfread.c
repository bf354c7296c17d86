// SPDX-License-Identifier: GPL-2.0-only
/*
 * elfread.c - a bounds-checked reader of 64-bit little-endian ELF files (see
 * elfread.h): headers, section headers and names, the symbol table, and the
 * one edit the linker needs (relocations against no symbol).
 */
#define _GNU_SOURCE
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "elfread.h"

static bool in_file(const ElfFile *f, uint64_t off, uint64_t size)
{
	return off <= f->len && size <= f->len - off;
}

/* A NUL-terminated string at @off of the string table section @strndx, or "" if out of bounds. */
static const char *str_at(const ElfFile *f, size_t strndx, uint64_t off)
{
	if (strndx >= f->nsec)
		return "";
	const ElfSection *s = &f->sec[strndx];
	if (s->type != SHT_STRTAB || !in_file(f, s->offset, s->size) || off >= s->size)
		return "";
	const char *p = (const char *)f->buf + s->offset + off;
	if (!memchr(p, 0, (size_t)(s->size - off)))
		return "";
	return p;
}

const char *elfread_parse(ElfFile *f, uint8_t *buf, size_t len)
{
	Elf64_Ehdr eh;

	memset(f, 0, sizeof(*f));
	f->buf = buf;
	f->len = len;
	if (len < EI_NIDENT || memcmp(buf, ELFMAG, SELFMAG))
		return "not an ELF file";
	if (buf[EI_CLASS] != ELFCLASS64)
		return buf[EI_CLASS] == ELFCLASS32 ? "a 32-bit ELF file" : "an ELF file of unknown class";
	if (buf[EI_DATA] != ELFDATA2LSB)
		return "a big-endian ELF file";
	if (len < sizeof(eh))
		return "a truncated or corrupt ELF file";
	memcpy(&eh, buf, sizeof(eh));
	f->type = eh.e_type;
	f->machine = eh.e_machine;
	if (!eh.e_shnum)
		return NULL;
	if (eh.e_shentsize != sizeof(Elf64_Shdr) || !in_file(f, eh.e_shoff, (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr)) ||
	    eh.e_shstrndx >= eh.e_shnum)
		return "a truncated or corrupt ELF file";
	f->nsec = eh.e_shnum;
	f->sec = calloc(f->nsec, sizeof(*f->sec));
	if (!f->sec)
		abort();
	for (size_t i = 0; i < f->nsec; i++) {
		Elf64_Shdr sh;
		memcpy(&sh, buf + eh.e_shoff + i * sizeof(sh), sizeof(sh));
		ElfSection *s = &f->sec[i];
		s->type = sh.sh_type;
		s->flags = sh.sh_flags;
		s->addr = sh.sh_addr;
		s->offset = sh.sh_offset;
		s->size = sh.sh_size;
		s->align = sh.sh_addralign;
		s->entsize = sh.sh_entsize;
		s->link = sh.sh_link;
		s->info = sh.sh_info;
		s->name_off = sh.sh_name;
		if (s->type != SHT_NOBITS && s->type != SHT_NULL && !in_file(f, s->offset, s->size)) {
			elfread_fini(f);
			return "a truncated or corrupt ELF file";
		}
	}
	for (size_t i = 0; i < f->nsec; i++)
		f->sec[i].name = str_at(f, eh.e_shstrndx, f->sec[i].name_off);
	for (size_t i = 1; i < f->nsec && !f->symtab; i++)
		if (f->sec[i].type == SHT_SYMTAB)
			f->symtab = i;
	if (f->symtab) {
		const ElfSection *st = &f->sec[f->symtab];
		if (st->entsize != sizeof(Elf64_Sym)) {
			elfread_fini(f);
			return "a truncated or corrupt ELF file";
		}
		f->nsym = (size_t)(st->size / sizeof(Elf64_Sym));
		f->sym = calloc(f->nsym ? f->nsym : 1, sizeof(*f->sym));
		if (!f->sym)
			abort();
		for (size_t i = 0; i < f->nsym; i++) {
			Elf64_Sym es;
			memcpy(&es, buf + st->offset + i * sizeof(es), sizeof(es));
			ElfSymbol *y = &f->sym[i];
			y->name = str_at(f, st->link, es.st_name);
			y->value = es.st_value;
			y->size = es.st_size;
			y->bind = ELF64_ST_BIND(es.st_info);
			y->type = ELF64_ST_TYPE(es.st_info);
			y->shndx = es.st_shndx;
		}
	}
	return NULL;
}

void elfread_fini(ElfFile *f)
{
	free(f->sec);
	free(f->sym);
	f->sec = NULL;
	f->sym = NULL;
	f->nsec = f->nsym = 0;
}

const char *elfread_machine_name(unsigned machine, char *buf, size_t len)
{
	switch (machine) {
	case EM_AARCH64: return "AArch64";
	case EM_X86_64: return "x86-64";
	case EM_386: return "i386";
	case EM_ARM: return "32-bit Arm";
	case EM_RISCV: return "RISC-V";
	case EM_PPC64: return "PowerPC 64";
	case EM_S390: return "s390";
	case EM_MIPS: return "MIPS";
	case EM_NONE: return "no machine";
	default:
		snprintf(buf, len, "machine %u", machine);
		return buf;
	}
}

size_t elfread_section_find(const ElfFile *f, const char *name)
{
	for (size_t i = 1; i < f->nsec; i++)
		if (!strcmp(f->sec[i].name, name))
			return i;
	return 0;
}

size_t elfread_symbol_find(const ElfFile *f, const char *name)
{
	for (size_t i = 1; i < f->nsym; i++)
		if (!strcmp(f->sym[i].name, name))
			return i;
	return 0;
}

size_t elfread_rela_point_nosym(ElfFile *f, size_t sym)
{
	size_t n = 0;
	for (size_t i = 1; i < f->nsec; i++) {
		const ElfSection *s = &f->sec[i];
		if (s->type != SHT_RELA || s->entsize != sizeof(Elf64_Rela))
			continue;
		for (uint64_t o = 0; o + sizeof(Elf64_Rela) <= s->size; o += sizeof(Elf64_Rela)) {
			Elf64_Rela r;
			memcpy(&r, f->buf + s->offset + o, sizeof(r));
			if (ELF64_R_SYM(r.r_info) || ELF64_R_TYPE(r.r_info) == R_AARCH64_NONE)
				continue;
			r.r_info = ELF64_R_INFO(sym, ELF64_R_TYPE(r.r_info));
			memcpy(f->buf + s->offset + o, &r, sizeof(r));
			n++;
		}
	}
	return n;
}

bool elfread_rela_find_type(const ElfFile *f, uint32_t lo, uint32_t hi, const char **sec, uint64_t *off)
{
	for (size_t i = 1; i < f->nsec; i++) {
		const ElfSection *s = &f->sec[i];
		if (s->type != SHT_RELA || s->entsize != sizeof(Elf64_Rela))
			continue;
		for (uint64_t o = 0; o + sizeof(Elf64_Rela) <= s->size; o += sizeof(Elf64_Rela)) {
			Elf64_Rela r;
			memcpy(&r, f->buf + s->offset + o, sizeof(r));
			uint32_t t = (uint32_t)ELF64_R_TYPE(r.r_info);
			if (t >= lo && t <= hi) {
				*sec = s->info < f->nsec ? f->sec[s->info].name : "?";
				*off = r.r_offset;
				return true;
			}
		}
	}
	return false;
}
