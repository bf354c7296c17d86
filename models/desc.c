// SPDX-License-Identifier: GPL-2.0-only
/*
 * desc.c - decoding of VMSAv8-64 descriptors and fault syndromes.
 *
 * Descriptor formats: Arm ARM D8.3 (4 KiB granule, 48-bit OA). Stage 1
 * permissions from AP[2:1], UXN, PXN (D8.4.1); PAN, WXN and hierarchical
 * permissions (APTable etc.) are not modelled and the docs say so.
 * Fault status codes: ESR_ELx.DFSC (D24.2.40). A TLB conflict abort is
 * 0b110000 (section 3.1 of the BBM brief).
 */
#include <stdio.h>
#include "bbmsim/desc.h"

DescKind desc_kind(uint64_t desc, int level)
{
	if (!(desc & DESC_VALID))
		return DESC_KIND_INVALID;
	if (level == 3)
		return (desc & DESC_TABLE) ? DESC_KIND_PAGE : DESC_KIND_RESERVED;
	if (desc & DESC_TABLE)
		return DESC_KIND_TABLE;
	/* 4 KiB granule: blocks exist at levels 1 and 2 only. */
	return level == 0 ? DESC_KIND_RESERVED : DESC_KIND_BLOCK;
}

const char *desc_kind_name(DescKind k)
{
	static const char *const names[] = {
		[DESC_KIND_INVALID] = "INVALID", [DESC_KIND_TABLE] = "TABLE",
		[DESC_KIND_BLOCK] = "BLOCK", [DESC_KIND_PAGE] = "PAGE",
		[DESC_KIND_RESERVED] = "RESERVED",
	};
	return names[k];
}

/* Flag bits printed by desc_format, in the manner of Linux's ptdump pte_bits[]. */
static const struct {
	uint64_t mask;
	const char *set;
} desc_flag_bits[] = {
	{ DESC_AF, "AF" },   { DESC_NG, "nG" },     { DESC_NT, "nT" },
	{ DESC_CONT, "CONT" }, { DESC_PXN, "PXN" }, { DESC_UXN, "UXN" },
	{ DESC_DBM, "DBM" },  { DESC_NS, "NS" },
};

char *desc_format(uint64_t desc, int level, char *buf, size_t len)
{
	DescKind k = desc_kind(desc, level);
	int n = snprintf(buf, len, "%s", desc_kind_name(k));

	if (k == DESC_KIND_INVALID || k == DESC_KIND_RESERVED) {
		if (desc && n >= 0 && (size_t)n < len)
			snprintf(buf + n, len - n, " raw=0x%llx", (unsigned long long)desc);
		return buf;
	}
	if (n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - n, " %s=0x%llx", k == DESC_KIND_TABLE ? "next" : "oa",
			      (unsigned long long)(desc & DESC_OA_MASK &
						   ~(k == DESC_KIND_BLOCK ? desc_level_size(level) - 1 : 0)));
	if (k == DESC_KIND_TABLE)
		return buf;
	if (n >= 0 && (size_t)n < len) {
		static const char *const ap[] = { "RW_EL1", "RW", "RO_EL1", "RO" };
		n += snprintf(buf + n, len - n, " AP=%s attr=%u SH=%u",
			      ap[(desc >> 6) & 3], DESC_ATTRIDX(desc), DESC_SH(desc));
	}
	for (size_t i = 0; i < sizeof(desc_flag_bits) / sizeof(desc_flag_bits[0]); i++)
		/* Bit 16 is nT only in a block; in a page it is part of the output address. */
		if ((desc & desc_flag_bits[i].mask) && n >= 0 && (size_t)n < len &&
		    !(desc_flag_bits[i].mask == DESC_NT && k != DESC_KIND_BLOCK))
			n += snprintf(buf + n, len - n, " %s", desc_flag_bits[i].set);
	return buf;
}

const char *fault_kind_name(FaultKind k)
{
	static const char *const names[] = {
		[FAULT_NONE] = "none",
		[FAULT_TRANSLATION] = "translation",
		[FAULT_ACCESS_FLAG] = "access-flag",
		[FAULT_PERMISSION] = "permission",
		[FAULT_ADDRESS_SIZE] = "address-size",
		[FAULT_TLB_CONFLICT] = "tlb-conflict",
		[FAULT_EXTERNAL] = "external",
	};
	return names[k];
}

const char *access_type_name(AccessType a)
{
	return a == ACCESS_READ ? "read" : a == ACCESS_WRITE ? "write" : "fetch";
}

unsigned fault_fsc(FaultKind k, int level)
{
	unsigned l = (unsigned)level & 3;

	switch (k) {
	case FAULT_ADDRESS_SIZE: return 0x00 | l;
	case FAULT_TRANSLATION:  return 0x04 | l;
	case FAULT_ACCESS_FLAG:  return 0x08 | l;
	case FAULT_PERMISSION:   return 0x0c | l;
	case FAULT_TLB_CONFLICT: return 0x30;
	case FAULT_EXTERNAL:     return 0x10;
	case FAULT_NONE:         break;
	}
	return 0;
}

uint64_t fault_esr(FaultKind k, int level, AccessType a, bool from_lower_el)
{
	uint64_t ec;

	if (a == ACCESS_FETCH)
		ec = from_lower_el ? 0x20 : 0x21;
	else
		ec = from_lower_el ? 0x24 : 0x25;
	uint64_t esr = (ec << 26) | (1ull << 25) | fault_fsc(k, level);
	if (a == ACCESS_WRITE)
		esr |= 1ull << 6;   /* WnR */
	return esr;
}

DescPerms desc_perms(uint64_t desc, int el)
{
	DescPerms p;
	bool ro = desc & DESC_AP2, el0 = desc & DESC_AP1;

	if (el == 0) {
		p.r = el0;
		p.w = el0 && !ro;
		p.x = !(desc & DESC_UXN);
	} else {
		p.r = true;
		p.w = !ro;
		/* Stage 1 EL1&0: EL1 cannot execute from EL0-writable memory (D8.4.1.2). */
		p.x = !(desc & DESC_PXN) && !(el0 && !ro);
	}
	return p;
}
