/* SPDX-License-Identifier: GPL-2.0-only */
/* walker.h - the machine walker's descriptor reads (walker.c). */
#ifndef BBMSIM_WALKER_H
#define BBMSIM_WALKER_H

#include "machine_priv.h"

/*
 * A WalkReadFn for walk_translate, @ctx a WalkCtx: the descriptor at @pa as
 * the walker of ctx->pe sees it now (pending_walk_read), reported as
 * EV_WALK_DESC unless ctx->quiet.
 */
uint64_t walk_read(void *ctx, uint64_t pa, int level);

#endif
