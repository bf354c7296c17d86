/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * explore.h - the `bbmsim explore` and `bbmsim merge` commands
 * (tools/explore.c), entered from bbmsim's command table with the
 * command's own argv (argv[0] is the command name).
 */
#ifndef BBMSIM_TOOLS_EXPLORE_H
#define BBMSIM_TOOLS_EXPLORE_H

int explore_main(int argc, char **argv);
int merge_main(int argc, char **argv);

#endif
