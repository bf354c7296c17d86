/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * grow.h - the models' growable arrays: make room for one more element of
 * @arr (holding @n of @cap), doubling from 16.
 */
#ifndef BBMSIM_MODELS_GROW_H
#define BBMSIM_MODELS_GROW_H

#include <stdlib.h>

#define GROW(arr, n, cap)                                                  \
	do {                                                               \
		if ((n) == (cap)) {                                        \
			(cap) = (cap) ? (cap) * 2 : 16;                    \
			(arr) = realloc((arr), (cap) * sizeof(*(arr)));    \
		}                                                          \
	} while (0)

#endif
