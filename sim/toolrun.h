/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * toolrun.h - running the cross toolchain for link.c: processes started
 * without a shell (posix_spawnp), stdout and stderr appended to a log file,
 * with LC_ALL=C so that messages are in English with ASCII quotes whatever
 * the user's locale (they are parsed and quoted). Private to sim/.
 */
#ifndef BBMSIM_TOOLRUN_H
#define BBMSIM_TOOLRUN_H

#include <stdbool.h>
#include <stddef.h>

/* A NULL-terminated argument vector that owns its strings. */
typedef struct ToolArgv {
	char **v;
	size_t n;
} ToolArgv;

void toolrun_argv_add(ToolArgv *a, const char *s);
/* Add each blank-separated word of @s. */
void toolrun_argv_words(ToolArgv *a, const char *s);
void toolrun_argv_free(ToolArgv *a);

/* Run @argv; the exit status, 128 when killed by a signal, -1 when it cannot start. */
int toolrun_exec(char *const argv[], const char *log);

/* A regular file of at most @max bytes, NUL-terminated (length in *@len); NULL if not. */
char *toolrun_read_file(const char *path, size_t max, size_t *len);
bool toolrun_write_file(const char *path, const void *buf, size_t len);
/* Remove the directory @dir and the files in it (the tools may leave some of their own). */
void toolrun_remove_dir(const char *dir);

/* realloc and strdup that abort when memory runs out. */
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

#endif
