/* SPDX-License-Identifier: GPL-2.0-only */
/* consts.h - a header for the preprocessed assembly tests. */
#ifndef TESTS_LINK_CONSTS_H
#define TESTS_LINK_CONSTS_H

#define MAGIC	0x5a
#ifndef __ASSEMBLY__
#error "included from C: __ASSEMBLY__ should be defined for .S"
#endif

#endif
