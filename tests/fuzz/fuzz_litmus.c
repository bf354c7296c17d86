// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_litmus.c - libFuzzer target for the herd7 litmus parser: any text
 * parses or fails with a located message naming the file; no crash, leak or
 * undefined behaviour.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "bbmsim/litmus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[1024];
	char *text = malloc(size + 1);
	LitmusTest *t = NULL;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	LitmusErr e = litmus_parse("fuzz.litmus", text, &t, err, sizeof(err));
	if (e != LITMUS_OK) {
		if (strncmp(err, "fuzz.litmus", 11) != 0)
			abort();
	}
	litmus_free(t);
	free(text);
	return 0;
}
