/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * explore_report.h - what `bbmsim explore` and `bbmsim merge` report: one
 * scenario's results per level, as text and as JSON (docs/explore.md,
 * docs/report-format.md "The explore report"), and the JSON read back.
 */
#ifndef BBMSIM_TOOLS_EXPLORE_REPORT_H
#define BBMSIM_TOOLS_EXPLORE_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include "bbmsim/explore.h"

#define EXPLORE_FORMAT "bbmsim-explore"
#define EXPLORE_VERSION 1

typedef struct ExploreReport {
	char *scenario;          /* name */
	char *file;              /* path of the scenario */
	ExploreResult *lv;       /* one per level, in level order */
	size_t nlv;
	bool complete;           /* false: a signal stopped the search */
	const char *interrupted_by;
	/* Merged reports: the parts and which shards they were (bit i: shard i + 1). */
	unsigned parts;
	uint64_t shards_seen;
	bool merged;             /* made by `bbmsim merge`: say which shards are missing */
} ExploreReport;

void explore_report_fini(ExploreReport *r);

/* Text for people: per level the coverage, then per target bitten or not. */
void explore_report_text(FILE *o, const ExploreReport *r);
/* One JSON object on one line. */
void explore_report_json(FILE *o, const ExploreReport *r);
/* Read what explore_report_json wrote; false with a message in @err. */
bool explore_report_read(const char *text, ExploreReport *r, char *err, size_t errlen);
/* Targets bitten over all levels. */
size_t explore_report_bitten(const ExploreReport *r);

/* Fold @from into @into (same scenario): levels are matched, each merged (explore_result_merge). */
bool explore_report_merge(ExploreReport *into, ExploreReport *from, char *err, size_t errlen);

#endif
