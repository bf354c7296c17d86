/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * desc.h - VMSAv8-64 stage 1 descriptors, fault status codes and ESR encoding.
 *
 * Bit positions follow the Arm ARM (DDI 0487, D8.3 "Translation table
 * descriptor formats") for the 4 KiB granule with 48-bit output addresses.
 */
#ifndef BBMSIM_DESC_H
#define BBMSIM_DESC_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#define DESC_VALID      (1ull << 0)
#define DESC_TABLE      (1ull << 1)   /* table at levels 0-2, page at level 3 */
#define DESC_ATTRIDX(d) ((unsigned)(((d) >> 2) & 7u))
#define DESC_NS         (1ull << 5)
#define DESC_AP1        (1ull << 6)   /* AP[1]: EL0 access */
#define DESC_AP2        (1ull << 7)   /* AP[2]: read-only */
#define DESC_SH(d)      ((unsigned)(((d) >> 8) & 3u))
#define DESC_AF         (1ull << 10)
#define DESC_NG         (1ull << 11)
#define DESC_NT         (1ull << 16)  /* block descriptors only (IPJZBK) */
#define DESC_DBM        (1ull << 51)
#define DESC_CONT       (1ull << 52)
#define DESC_PXN        (1ull << 53)
#define DESC_UXN        (1ull << 54)
#define DESC_OA_MASK    0x0000fffffffff000ull  /* OA[47:12] */
#define DESC_HIGH_OA    0x0003000000000000ull  /* OA[49:48]: address size fault */

#define PAGE_SHIFT 12
#define PAGE_SIZE  (1ull << PAGE_SHIFT)

/* Bytes mapped by one block/page descriptor at a lookup level (4 KiB granule). */
static inline uint64_t desc_level_size(int level)
{
	return 1ull << (12 + 9 * (3 - level));
}

/* Number of entries in a contiguous run at a level (4 KiB granule, D8.7.1). */
static inline unsigned desc_cont_count(int level)
{
	(void)level;
	return 16;   /* 16 x 4K, 16 x 2M, 16 x 1G with the 4 KiB granule */
}

typedef enum DescKind {
	DESC_KIND_INVALID,
	DESC_KIND_TABLE,
	DESC_KIND_BLOCK,
	DESC_KIND_PAGE,
	DESC_KIND_RESERVED,     /* bit1==0 at level 3, or a block at level 0 */
} DescKind;

/* Classify a descriptor read at @level (0..3). */
DescKind desc_kind(uint64_t desc, int level);
const char *desc_kind_name(DescKind k);

/*
 * Format a descriptor as text ("BLOCK oa=0x40000000 AF AP=RW UXN attr=0 ..."),
 * always NUL-terminated. Returns @buf.
 */
char *desc_format(uint64_t desc, int level, char *buf, size_t len);

/* Fault kinds the model raises (a result of the simulation, never a C error). */
typedef enum FaultKind {
	FAULT_NONE = 0,
	FAULT_TRANSLATION,
	FAULT_ACCESS_FLAG,
	FAULT_PERMISSION,
	FAULT_ADDRESS_SIZE,
	FAULT_TLB_CONFLICT,
	FAULT_EXTERNAL,         /* PA outside physical memory: synchronous external abort */
} FaultKind;

const char *fault_kind_name(FaultKind k);

/* DFSC/IFSC for a fault at @level (ESR_ELx ISS[5:0]). TLB conflict is 0x30. */
unsigned fault_fsc(FaultKind k, int level);

typedef enum AccessType {
	ACCESS_READ,
	ACCESS_WRITE,
	ACCESS_FETCH,
} AccessType;

const char *access_type_name(AccessType a);

/*
 * ESR_EL1 for a synchronous abort: EC 0x20/0x21 (instruction) or 0x24/0x25
 * (data) depending on @from_lower_el, IL=1, WnR for writes, DFSC/IFSC.
 */
uint64_t fault_esr(FaultKind k, int level, AccessType a, bool from_lower_el);

/* Permissions a leaf descriptor grants at EL0/EL1 (stage 1, no PAN/WXN). */
typedef struct DescPerms {
	bool r, w, x;
} DescPerms;

DescPerms desc_perms(uint64_t desc, int el);

#endif
