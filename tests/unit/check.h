/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * check.h - the assertion macros of the unit tests.
 *
 * CHECK(cond) and CHECK_EQ_U64(a, b) print file:line and the values on
 * failure, count checks and failures, and carry on so one run reports every
 * broken case. A test's main() ends with `return check_report("name");`,
 * which prints a summary and returns 1 if anything failed.
 */
#ifndef BBMSIM_TESTS_CHECK_H
#define BBMSIM_TESTS_CHECK_H

#include <stdint.h>
#include <stdio.h>

static unsigned check_count, check_failed;

/* Context printed with a failure: the table row being run, set by CHECK_CASE(). */
static const char *check_case = "";
static char check_case_buf[160];

#define CHECK_CASE(...) \
	(snprintf(check_case_buf, sizeof(check_case_buf), __VA_ARGS__), check_case = check_case_buf)
#define CHECK_CASE_END() (check_case = "")

#define CHECK(cond) do { \
	check_count++; \
	if (!(cond)) { \
		check_failed++; \
		fprintf(stderr, "%s:%d: %s%sCHECK(%s) failed\n", __FILE__, __LINE__, \
			check_case, *check_case ? ": " : "", #cond); \
	} \
} while (0)

#define CHECK_EQ_U64(a, b) do { \
	uint64_t check_a_ = (uint64_t)(a), check_b_ = (uint64_t)(b); \
	check_count++; \
	if (check_a_ != check_b_) { \
		check_failed++; \
		fprintf(stderr, "%s:%d: %s%sCHECK_EQ_U64(%s, %s) failed: 0x%llx != 0x%llx\n", \
			__FILE__, __LINE__, check_case, *check_case ? ": " : "", #a, #b, \
			(unsigned long long)check_a_, (unsigned long long)check_b_); \
	} \
} while (0)

static inline int check_report(const char *name)
{
	printf("%s: %u checks, %u failed\n", name, check_count, check_failed);
	return check_failed ? 1 : 0;
}

#endif
