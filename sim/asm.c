// SPDX-License-Identifier: GPL-2.0-only
/*
 * asm.c - run GNU as / ld / objcopy for the AArch64 target in a private
 * temporary directory, without a shell (posix_spawnp), and collect the
 * assembler's diagnostics as (line, message) pairs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bbmsim/asm.h"

extern char **environ;

static const char *cross_prefix(void)
{
	const char *p = getenv("BBMSIM_CROSS");
	return p ? p : "aarch64-linux-gnu-";
}

/* Run argv with stdout+stderr into @log; returns exit status, -1 if it cannot start. */
static int run_tool(char *const argv[], const char *log)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
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

static void add_diag(AsmResult *r, int line, const char *msg)
{
	r->diag = realloc(r->diag, (r->ndiag + 1) * sizeof(*r->diag));
	AsmDiag *d = &r->diag[r->ndiag++];
	d->line = line;
	size_t n = strlen(msg);
	if (n >= sizeof(d->msg))
		n = sizeof(d->msg) - 1;
	memcpy(d->msg, msg, n);
	d->msg[n] = 0;
}

/* Parse "src.s:12: Error: ..." lines from the log. */
static void parse_log(AsmResult *r, const char *log)
{
	FILE *f = fopen(log, "r");
	char buf[1024];

	if (!f)
		return;
	while (fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\n")] = 0;
		char *p = strstr(buf, "src.s:");
		if (p) {
			int line = atoi(p + 6);
			char *msg = strchr(p + 6, ':');
			if (line > 0 && msg) {
				msg++;
				while (*msg == ' ')
					msg++;
				add_diag(r, line, msg);
				continue;
			}
		}
		if (buf[0] && !strstr(buf, "Assembler messages:"))
			add_diag(r, 0, buf);
	}
	fclose(f);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc(n > 0 ? (size_t)n : 1);
	if (n > 0 && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*len = (size_t)(n > 0 ? n : 0);
	return b;
}

int asm_assemble(const char *src, uint64_t base, AsmResult *r)
{
	char dir[] = "/tmp/bbmsim-asm-XXXXXX";
	char s_path[64], o_path[64], e_path[64], b_path[64], l_path[64], log[64], tool[3][128];
	int rc = 1;

	memset(r, 0, sizeof(*r));
	if (!mkdtemp(dir)) {
		snprintf(r->tool_error, sizeof(r->tool_error), "cannot create a temporary directory: %s",
			 strerror(errno));
		return 1;
	}
	snprintf(s_path, sizeof(s_path), "%s/src.s", dir);
	snprintf(o_path, sizeof(o_path), "%s/src.o", dir);
	snprintf(e_path, sizeof(e_path), "%s/src.elf", dir);
	snprintf(b_path, sizeof(b_path), "%s/src.bin", dir);
	snprintf(log, sizeof(log), "%s/log", dir);
	snprintf(tool[0], sizeof(tool[0]), "%sas", cross_prefix());
	snprintf(tool[1], sizeof(tool[1]), "%sld", cross_prefix());
	snprintf(tool[2], sizeof(tool[2]), "%sobjcopy", cross_prefix());
	snprintf(l_path, sizeof(l_path), "%s/link.ld", dir);

	FILE *f = fopen(s_path, "w");
	if (!f || fputs(src, f) < 0 || fputc('\n', f) < 0) {
		if (f)
			fclose(f);
		snprintf(r->tool_error, sizeof(r->tool_error), "cannot write %s", s_path);
		goto out;
	}
	fclose(f);
	/* One contiguous image: code, constants and data in source order at @base. */
	f = fopen(l_path, "w");
	if (!f) {
		snprintf(r->tool_error, sizeof(r->tool_error), "cannot write %s", l_path);
		goto out;
	}
	fprintf(f, "SECTIONS { . = 0x%llx; .text : { *(.text*) *(.rodata*) *(.data*) *(.bss*) } "
		   "/DISCARD/ : { *(.note*) *(.comment) } }\n", (unsigned long long)base);
	fclose(f);

	char *as_argv[] = { tool[0], "-march=armv8.4-a", "-o", o_path, s_path, NULL };
	int st = run_tool(as_argv, log);
	if (st < 0) {
		snprintf(r->tool_error, sizeof(r->tool_error),
			 "cannot run %s (install binutils-aarch64-linux-gnu)", tool[0]);
		goto out;
	}
	parse_log(r, log);
	if (st != 0) {
		if (!r->ndiag)
			snprintf(r->tool_error, sizeof(r->tool_error), "%s failed (status %d)", tool[0], st);
		goto out;
	}
	unlink(log);
	char *ld_argv[] = { tool[1], "-static", "-nostdlib", "--no-warn-rwx-segments", "-T", l_path,
			    "-e", "0", "-o", e_path, o_path, NULL };
	st = run_tool(ld_argv, log);
	if (st != 0) {
		parse_log(r, log);
		snprintf(r->tool_error, sizeof(r->tool_error), "%s failed (status %d)", tool[1], st);
		goto out;
	}
	char *oc_argv[] = { tool[2], "-O", "binary", "-j", ".text", e_path, b_path, NULL };
	st = run_tool(oc_argv, log);
	if (st != 0) {
		snprintf(r->tool_error, sizeof(r->tool_error), "%s failed (status %d)", tool[2], st);
		goto out;
	}
	r->bytes = (uint8_t *)read_file(b_path, &r->len);
	rc = r->bytes ? 0 : 1;
out:
	unlink(s_path); unlink(o_path); unlink(e_path); unlink(b_path); unlink(l_path); unlink(log);
	rmdir(dir);
	return rc;
}

void asm_result_fini(AsmResult *r)
{
	free(r->bytes);
	free(r->diag);
	memset(r, 0, sizeof(*r));
}
