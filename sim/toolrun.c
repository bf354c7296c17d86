// SPDX-License-Identifier: GPL-2.0-only
/*
 * toolrun.c - running the cross toolchain (toolrun.h): a process without a
 * shell, its output into a log, in the C locale; the argument vectors and
 * the files the tools exchange in a private temporary directory.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "toolrun.h"

extern char **environ;

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		abort();
	return p;
}

char *xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d)
		abort();
	return d;
}

/* Our environment with LC_ALL=C (toolrun.h says why); free the array, not the strings. */
static char **tool_env(void)
{
	size_t n = 0, k = 0;
	while (environ[n])
		n++;
	char **env = calloc(n + 2, sizeof(*env));
	if (!env)
		abort();
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "LC_ALL=", 7))
			env[k++] = environ[i];
	env[k++] = "LC_ALL=C";
	env[k] = NULL;
	return env;
}

/* Run argv with stdout and stderr appended to @log; the exit status, -1 if it cannot start. */
int toolrun_exec(char *const argv[], const char *log)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	char **env = tool_env();
	int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, env);
	free(env);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return -1;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* A growing argv. */
void toolrun_argv_add(ToolArgv *a, const char *s)
{
	a->v = xrealloc(a->v, (a->n + 2) * sizeof(*a->v));
	a->v[a->n++] = xstrdup(s);
	a->v[a->n] = NULL;
}

/* Add each blank-separated word of @s. */
void toolrun_argv_words(ToolArgv *a, const char *s)
{
	char w[256];
	while (*s) {
		while (*s == ' ')
			s++;
		size_t n = strcspn(s, " ");
		if (n && n < sizeof(w)) {
			memcpy(w, s, n);
			w[n] = 0;
			toolrun_argv_add(a, w);
		}
		s += n;
	}
}

void toolrun_argv_free(ToolArgv *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	a->v = NULL;
	a->n = 0;
}

char *toolrun_read_file(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	if (!f)
		return NULL;
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
		fclose(f);
		return NULL;
	}
	char *b = xrealloc(NULL, (size_t)st.st_size + 1);
	size_t n = fread(b, 1, (size_t)st.st_size, f);
	fclose(f);
	b[n] = 0;
	*len = n;
	return b;
}

bool toolrun_write_file(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return false;
	bool ok = fwrite(buf, 1, len, f) == len;
	return (fclose(f) == 0) && ok;
}

/* Remove the temporary directory and everything in it (the tools may leave files of their own). */
void toolrun_remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (d) {
		for (struct dirent *e; (e = readdir(d));) {
			char p[600];
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			unlink(p);
		}
		closedir(d);
	}
	rmdir(dir);
}
