// SPDX-License-Identifier: GPL-2.0-only
/* cpp.S - #include (through cflags -Iinclude), #define, and a -D from cflags. */
#include "consts.h"
#define TWICE(x)	((x) * 2)

	.text
	.global cpp_start
cpp_start:
	mov	x0, #MAGIC
	mov	x1, #TWICE(MAGIC)
#ifdef FROM_CFLAGS
	mov	x2, #FROM_CFLAGS
#else
	mov	x2, #1
#endif
	hlt	#0
