// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_sysinsn.c - decode of barriers, hints, exception generation and
 * system instructions (models/sysinsn.c). Encodings come from
 * aarch64-linux-gnu-as (.arch armv8.4-a).
 */
#include <string.h>
#include "bbmsim/sysinsn.h"
#include "check.h"

static void test_decode(void)
{
	static const struct {
		uint32_t insn;
		const char *text;
		SysKind kind;
		unsigned crm;        /* barriers: the option */
		unsigned imm;        /* exception generation */
		unsigned sysreg;     /* MSR/MRS */
		unsigned rt;
	} cases[] = {
		{ 0xd5033b9f, "dsb ish", SYS_DSB, 11, 0, 0, 31 },
		{ 0xd5033a9f, "dsb ishst", SYS_DSB, 10, 0, 0, 31 },
		{ 0xd5033f9f, "dsb sy", SYS_DSB, 15, 0, 0, 31 },
		{ 0xd5033bbf, "dmb ish", SYS_DMB, 11, 0, 0, 31 },
		{ 0xd5033fdf, "isb", SYS_ISB, 15, 0, 0, 31 },
		{ 0xd503205f, "wfe", SYS_WFE, 0, 0, 0, 31 },
		{ 0xd503207f, "wfi", SYS_WFI, 0, 0, 0, 31 },
		{ 0xd503209f, "sev", SYS_SEV, 0, 0, 0, 31 },
		{ 0xd50320bf, "sevl", SYS_SEVL, 0, 0, 0, 31 },
		{ 0xd503201f, "nop", SYS_NOP, 0, 0, 0, 31 },
		{ 0xd503203f, "yield", SYS_NOP, 0, 0, 0, 31 },
		{ 0xd4000001, "svc #0", SYS_SVC, 0, 0, 0, 0 },
		{ 0xd4000002, "hvc #0", SYS_HVC, 0, 0, 0, 0 },
		{ 0xd4000003, "smc #0", SYS_SMC, 0, 0, 0, 0 },
		{ 0xd4200000, "brk #0", SYS_BRK, 0, 0, 0, 0 },
		{ 0xd4400000, "hlt #0", SYS_HLT, 0, 0, 0, 0 },
		{ 0xd4002461, "svc #0x123", SYS_SVC, 0, 0x123, 0, 0 },
		{ 0xd43fffe0, "brk #0xffff", SYS_BRK, 0, 0xffff, 0, 0 },
		{ 0xd5088321, "tlbi vae1is, x1", SYS_TLBI, 3, 0, 0, 1 },
		{ 0xd508831f, "tlbi vmalle1is", SYS_TLBI, 3, 0, 0, 31 },
		{ 0xd5088263, "tlbi rvaae1is, x3", SYS_TLBI, 2, 0, 0, 3 },
		{ 0xd5182000, "msr ttbr0_el1, x0", SYS_MSR, 0, 0, SYSREG_TTBR0_EL1, 0 },
		{ 0xd5380740, "mrs x0, id_aa64mmfr2_el1", SYS_MRS, 7, 0, SYSREG_ID_AA64MMFR2_EL1, 0 },
		{ 0xd5087800, "at s1e1r, x0", SYS_AT, 8, 0, 0, 0 },
		{ 0xd50b7e20, "dc civac, x0", SYS_DC_IC, 14, 0, 0, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		SysInsn s;

		memset(&s, 0xa5, sizeof(s));
		CHECK_CASE("%s (0x%08x)", cases[i].text, (unsigned)cases[i].insn);
		CHECK(sysinsn_decode(cases[i].insn, &s));
		CHECK_EQ_U64(s.kind, cases[i].kind);
		switch (cases[i].kind) {
		case SYS_SVC: case SYS_HVC: case SYS_SMC: case SYS_BRK: case SYS_HLT:
			CHECK_EQ_U64(s.imm, cases[i].imm);
			break;
		case SYS_MSR: case SYS_MRS:
			CHECK_EQ_U64(s.sysreg, cases[i].sysreg);
			CHECK_EQ_U64(s.rt, cases[i].rt);
			break;
		default:
			CHECK_EQ_U64(s.crm, cases[i].crm);
			CHECK_EQ_U64(s.rt, cases[i].rt);
			break;
		}
		/* Exclusives are not system instructions and vice versa. */
		CHECK(!sysinsn_is_load_exclusive(cases[i].insn));
	}
	CHECK_CASE_END();

	/* Fields of a TLBI, as the machine hands them to tlbi_decode(). */
	SysInsn s;
	CHECK(sysinsn_decode(0xd5088321, &s));
	CHECK_EQ_U64(s.op0, 1);
	CHECK_EQ_U64(s.op1, 0);
	CHECK_EQ_U64(s.crn, 8);
	CHECK_EQ_U64(s.crm, 3);
	CHECK_EQ_U64(s.op2, 1);
	/* The sysreg key of MRS id_aa64mmfr2_el1 is S3_0_C0_C7_2. */
	CHECK(sysinsn_decode(0xd5380740, &s));
	CHECK_EQ_U64(s.sysreg, SYSREG_KEY(3, 0, 0, 7, 2));
	CHECK(sysinsn_decode(0xd5182000, &s));
	CHECK_EQ_U64(s.sysreg, SYSREG_KEY(3, 0, 2, 0, 0));

	static const struct {
		uint32_t insn;
		const char *text;
	} no[] = {
		{ 0xd50b7420, "dc zva, x0" },          /* writes memory: Unicorn executes it */
		{ 0xd50342df, "msr daifset, #2" },     /* PSTATE write, not a hint */
		{ 0xd5033f5f, "clrex" },
		{ 0xd50320df, "hint #6 (dgh)" },
		{ 0xd50320ff, "hint #7 (xpaclri)" },
		{ 0xd503233f, "paciasp" },
		{ 0xd503241f, "bti" },
		{ 0xd4a00001, "dcps1" },
		{ 0x8b020020, "add x0, x1, x2" },
		{ 0xf9400020, "ldr x0, [x1]" },
		{ 0x00000000, "udf #0" },
	};
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		CHECK_CASE("not decoded: %s", no[i].text);
		CHECK(!sysinsn_decode(no[i].insn, &s));
	}
	CHECK_CASE_END();
}

static void test_exclusive(void)
{
	static const struct {
		uint32_t insn;
		const char *text;
		bool ldx;
	} cases[] = {
		{ 0x885f7c20, "ldxr w0, [x1]", true },
		{ 0xc85f7c20, "ldxr x0, [x1]", true },
		{ 0xc85ffc20, "ldaxr x0, [x1]", true },
		{ 0xc87f0440, "ldxp x0, x1, [x2]", true },
		{ 0x887f8440, "ldaxp w0, w1, [x2]", true },
		{ 0x085f7c20, "ldxrb w0, [x1]", true },
		{ 0xc8dffc20, "ldar x0, [x1]", false },
		{ 0xf9400020, "ldr x0, [x1]", false },
		{ 0xc8027c20, "stxr w2, x0, [x1]", false },
		{ 0xc802fc20, "stlxr w2, x0, [x1]", false },
		{ 0xc8e07c41, "casa x0, x1, [x2]", false },
		{ 0xd503201f, "nop", false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_CASE("%s", cases[i].text);
		CHECK_EQ_U64(sysinsn_is_load_exclusive(cases[i].insn), cases[i].ldx);
	}
	CHECK_CASE_END();
}

static void test_name(void)
{
	static const struct {
		uint32_t insn;
		const char *name;   /* NULL: sysinsn_name returns false */
	} cases[] = {
		{ 0xd5033b9f, "dsb ish" },
		{ 0xd5033a9f, "dsb ishst" },
		{ 0xd5033f9f, "dsb sy" },
		{ 0xd5033bbf, "dmb ish" },
		{ 0xd5033fdf, "isb" },
		{ 0xd503205f, "wfe" },
		{ 0xd503209f, "sev" },
		{ 0xd50320bf, "sevl" },
		{ 0xd5088321, "tlbi vae1is, x1" },
		{ 0xd508831f, "tlbi vmalle1is" },
		{ 0xd5088263, "tlbi rvaae1is, x3" },
		{ 0xd50887a2, "tlbi vale1, x2" },
		{ 0xd5088165, "tlbi vaae1os, x5" },
		{ 0xd5182000, NULL },
		{ 0xd4000001, NULL },
		{ 0x8b020020, NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[40] = "";

		CHECK_CASE("name 0x%08x", (unsigned)cases[i].insn);
		bool ok = sysinsn_name(cases[i].insn, buf, sizeof(buf));
		CHECK_EQ_U64(ok, cases[i].name != NULL);
		if (ok && cases[i].name)
			CHECK(strcmp(buf, cases[i].name) == 0);
	}
	CHECK_CASE_END();
	/* A short buffer is truncated and NUL-terminated. */
	char small[6];
	CHECK(sysinsn_name(0xd5088321, small, sizeof(small)));
	CHECK(strcmp(small, "tlbi ") == 0);
}

/* Encodings from GNU as (aarch64-linux-gnu-as -march=armv8.4-a). */
static void test_batch_class(void)
{
	static const struct {
		uint32_t insn;
		const char *text;
		InsnBatch want;
	} cases[] = {
		{ 0x91000420, "add x0, x1, #1", INSN_BATCH_PLAIN },
		{ 0x8a030084, "and x4, x4, x3", INSN_BATCH_PLAIN },
		{ 0x9b031041, "madd x1, x2, x3, x4", INSN_BATCH_PLAIN },
		{ 0x1e622820, "fadd d0, d1, d2", INSN_BATCH_PLAIN },
		{ 0x90000000, "adrp x0, 0", INSN_BATCH_PLAIN },
		{ 0xf9400020, "ldr x0, [x1]", INSN_BATCH_LOAD },
		{ 0xf8646820, "ldr x0, [x1, x4]", INSN_BATCH_LOAD },
		{ 0xb85fc020, "ldur w0, [x1, #-4]", INSN_BATCH_LOAD },
		{ 0xf8408420, "ldr x0, [x1], #8", INSN_BATCH_LOAD },
		{ 0x3dc00020, "ldr q0, [x1]", INSN_BATCH_LOAD },
		{ 0xb9800020, "ldrsw x0, [x1]", INSN_BATCH_LOAD },
		{ 0xa9400440, "ldp x0, x1, [x2]", INSN_BATCH_LOAD },
		{ 0x58000020, "ldr x0, <literal>", INSN_BATCH_LOAD },
		{ 0xf8400820, "ldtr x0, [x1]", INSN_BATCH_LOAD },
		{ 0xf9800000, "prfm pldl1keep, [x0]", INSN_BATCH_LOAD },
		{ 0xf9000020, "str x0, [x1]", INSN_BATCH_STORE },
		{ 0xf80084a7, "str x7, [x5], #8", INSN_BATCH_STORE },
		{ 0xf81f8020, "stur x0, [x1, #-8]", INSN_BATCH_STORE },
		{ 0xa9bf07e0, "stp x0, x1, [sp, #-16]!", INSN_BATCH_STORE },
		{ 0x3d800020, "str q0, [x1]", INSN_BATCH_STORE },
		{ 0xc85f7c20, "ldxr x0, [x1]", INSN_BATCH_STOP },
		{ 0xc8027c20, "stxr w2, x0, [x1]", INSN_BATCH_STOP },
		{ 0xc8dffc20, "ldar x0, [x1]", INSN_BATCH_STOP },
		{ 0xf8200041, "ldadd x0, x1, [x2]", INSN_BATCH_STOP },
		{ 0xf8208041, "swp x0, x1, [x2]", INSN_BATCH_STOP },
		{ 0xc8a07c41, "cas x0, x1, [x2]", INSN_BATCH_STOP },
		{ 0x4c407000, "ld1 {v0.16b}, [x0]", INSN_BATCH_STOP },
		{ 0x17fffff4, "b", INSN_BATCH_BRANCH },
		{ 0x97fffff3, "bl", INSN_BATCH_BRANCH },
		{ 0x54fffe41, "b.ne", INSN_BATCH_BRANCH },
		{ 0xb4fffe20, "cbz x0", INSN_BATCH_BRANCH },
		{ 0x371ffe00, "tbnz w0, #3", INSN_BATCH_BRANCH },
		{ 0xd61f0020, "br x1", INSN_BATCH_BRANCH },
		{ 0xd63f0020, "blr x1", INSN_BATCH_BRANCH },
		{ 0xd65f03c0, "ret", INSN_BATCH_BRANCH },
		{ 0xd69f03e0, "eret", INSN_BATCH_STOP },
		{ 0xd5033b9f, "dsb ish", INSN_BATCH_STOP },
		{ 0xd5088320, "tlbi vae1is, x0", INSN_BATCH_STOP },
		{ 0xd5182000, "msr ttbr0_el1, x0", INSN_BATCH_STOP },
		{ 0xd4000001, "svc #0", INSN_BATCH_STOP },
		{ 0xd4400000, "hlt #0", INSN_BATCH_STOP },
		{ 0xd503201f, "nop", INSN_BATCH_STOP },
		{ 0xd503205f, "wfe", INSN_BATCH_STOP },
		{ 0x00000000, "udf #0", INSN_BATCH_STOP },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_CASE("%s (0x%08x)", cases[i].text, (unsigned)cases[i].insn);
		CHECK_EQ_U64(sysinsn_batch_class(cases[i].insn), cases[i].want);
	}
}

/*
 * Deferrable instructions (quantum 1): valid encodings from GNU as
 * (-march=armv8.5-a+memtag, at PC 0x1000), invalid ones by hand from the
 * Arm ARM's unallocated and UNDEFINED cases.
 */
static void test_register_only(void)
{
	static const struct {
		uint32_t insn;
		const char *text;
		bool want;
		uint64_t next;     /* 0: PC + 4 */
	} cases[] = {
		{ 0x91000420, "add x0, x1, #1", true, 0 },
		{ 0x717ffc62, "subs w2, w3, #4095, lsl #12", true, 0 },
		{ 0x910043ff, "add sp, sp, #16", true, 0 },
		{ 0x92403c42, "and x2, x2, #0xffff", true, 0 },
		{ 0x3200f3e0, "orr w0, wzr, #0x55555555", true, 0 },
		{ 0xd2e00020, "movz x0, #1, lsl #48", true, 0 },
		{ 0x72a00020, "movk w0, #1, lsl #16", true, 0 },
		{ 0x92800001, "movn x1, #0", true, 0 },
		{ 0xd37df020, "lsl x0, x1, #3", true, 0 },
		{ 0x53042c20, "ubfx w0, w1, #4, #8", true, 0 },
		{ 0xb3783c20, "bfi x0, x1, #8, #16", true, 0 },
		{ 0x8b02fc20, "add x0, x1, x2, lsl #63", true, 0 },
		{ 0x6b827c20, "subs w0, w1, w2, asr #31", true, 0 },
		{ 0xcac21c20, "eor x0, x1, x2, ror #7", true, 0 },
		{ 0x6a220020, "bics w0, w1, w2", true, 0 },
		{ 0x9a821020, "csel x0, x1, x2, ne", true, 0 },
		{ 0x1a9f17e0, "cset w0, eq", true, 0 },
		{ 0xda82b420, "csneg x0, x1, x2, lt", true, 0 },
		{ 0x10000000, "adr x0, .", true, 0 },
		{ 0x90000001, "adrp x1, .", true, 0 },
		{ 0x14000002, "b .+8", true, 0x1008 },
		{ 0x97ffffff, "bl .-4", true, 0xffc },
		{ 0x17fffff4, "b .-48", true, 0xfd0 },
		{ 0x9b020c20, "madd x0, x1, x2, x3", false, 0 },
		{ 0x8b224020, "add x0, x1, w2, uxtw", false, 0 },
		{ 0x1e622820, "fadd d0, d1, d2 (traps when CPACR disables FP)", false, 0 },
		{ 0xfa411000, "ccmp x0, x1, #0, ne", false, 0 },
		{ 0x54000001, "b.ne .", false, 0 },
		{ 0xb4000000, "cbz x0, .", false, 0 },
		{ 0xd65f03c0, "ret", false, 0 },
		{ 0xf9400020, "ldr x0, [x1]", false, 0 },
		{ 0x9ac20820, "udiv x0, x1, x2", false, 0 },
		{ 0x91810420, "addg x0, x1, #16, #1", false, 0 },
		{ 0xd503201f, "nop", false, 0 },
		{ 0x00000000, "udf #0", false, 0 },
		{ 0x12400020, "logical immediate, 32-bit with N = 1 (unallocated)", false, 0 },
		{ 0x9200fc20, "logical immediate, N = 0, imms = 111111 (UNDEFINED)", false, 0 },
		{ 0x9240fc20, "logical immediate, N = 1, imms = 111111 (UNDEFINED)", false, 0 },
		{ 0xb2800000, "move wide, opc = 01 (unallocated)", false, 0 },
		{ 0x52c00000, "movz w0, hw = 2 (unallocated)", false, 0 },
		{ 0x8bc20020, "add shifted register, shift = 11 (unallocated)", false, 0 },
		{ 0x0b028020, "add w0, w1, w2, lsl #32 (unallocated)", false, 0 },
		{ 0x4a028020, "eor w0, w1, w2, lsl #32 (unallocated)", false, 0 },
		{ 0x13400000, "bitfield, 32-bit with N = 1 (unallocated)", false, 0 },
		{ 0xf3400000, "bitfield, opc = 11 (unallocated)", false, 0 },
		{ 0x13208000, "bitfield, 32-bit with imms >= 32 (unallocated)", false, 0 },
		{ 0xba821020, "conditional select with S = 1 (unallocated)", false, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t next = 0;
		CHECK_CASE("%s (0x%08x)", cases[i].text, (unsigned)cases[i].insn);
		CHECK_EQ_U64(sysinsn_register_only(cases[i].insn, 0x1000, &next), cases[i].want);
		if (cases[i].want)
			CHECK_EQ_U64(next, cases[i].next ? cases[i].next : 0x1004);
	}
}

/* The explorers' choice points: which instructions another PE can observe (docs/explore.md). */
static void test_shared(void)
{
	static const struct {
		uint32_t insn;
		const char *text;
		bool shared;
	} cases[] = {
		{ 0xf9400020, "ldr x0, [x1]", true },
		{ 0xf9000020, "str x0, [x1]", true },
		{ 0xa9bf07e0, "stp x0, x1, [sp, #-16]!", true },
		{ 0x58000020, "ldr x0, <literal>", true },
		{ 0xc85f7c20, "ldxr x0, [x1]", true },
		{ 0xc8027c20, "stxr w2, x0, [x1]", true },
		{ 0xf8200041, "ldadd x0, x1, [x2]", true },
		{ 0x4c407000, "ld1 {v0.16b}, [x0]", true },
		{ 0xd5033b9f, "dsb ish", true },
		{ 0xd5033a9f, "dsb ishst", true },
		{ 0xd5088320, "tlbi vae1is, x0", true },
		{ 0xd508831f, "tlbi vmalle1is", true },
		{ 0xd5087800, "at s1e1r, x0", true },
		{ 0xd50b7420, "dc zva, x0", true },
		{ 0xd503209f, "sev", true },
		{ 0xd503205f, "wfe", true },
		{ 0xd503207f, "wfi", true },
		{ 0xd5182000, "msr ttbr0_el1, x0", true },
		{ 0xd5182020, "msr ttbr1_el1, x0", true },
		{ 0xd5182040, "msr tcr_el1, x0", true },
		{ 0xd5181000, "msr sctlr_el1, x0", true },
		{ 0xd518a200, "msr mair_el1, x0", true },
		{ 0x91000420, "add x0, x1, #1", false },
		{ 0x54fffe41, "b.ne", false },
		{ 0xb4fffe20, "cbz x0", false },
		{ 0xd5033fdf, "isb", false },
		{ 0xd5033bbf, "dmb ish", false },
		{ 0xd503201f, "nop", false },
		{ 0xd50320bf, "sevl", false },
		{ 0xd518c000, "msr vbar_el1, x0", false },
		{ 0xd5380740, "mrs x0, id_aa64mmfr2_el1", false },
		{ 0xd5382000, "mrs x0, ttbr0_el1", false },
		{ 0xd4400000, "hlt #0", false },
		{ 0xd4000001, "svc #0", false },
		{ 0xd69f03e0, "eret", false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_CASE("%s (0x%08x)", cases[i].text, (unsigned)cases[i].insn);
		CHECK_EQ_U64(sysinsn_is_shared(cases[i].insn), cases[i].shared);
	}
	CHECK_CASE_END();
}

int main(void)
{
	test_decode();
	test_shared();
	test_exclusive();
	test_name();
	test_batch_class();
	test_register_only();
	return check_report("test_sysinsn");
}
