/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * json_read.h - a small JSON reader for the files bbmsim itself writes
 * (`bbmsim merge` reads the results of `bbmsim explore --json`). The whole
 * text becomes a tree of values; numbers keep their text so that counts up
 * to 2^64 read back exactly.
 */
#ifndef BBMSIM_TOOLS_JSON_READ_H
#define BBMSIM_TOOLS_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum JsonType {
	JSON_NULL,
	JSON_BOOL,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
} JsonType;

typedef struct Json Json;
struct Json {
	JsonType type;
	bool b;
	char *s;                 /* STRING: the text; NUMBER: the literal */
	char *key;               /* a member of an object: its name */
	Json *items;             /* ARRAY, OBJECT: the elements / members */
	size_t n;
};

/* Parse @text; NULL with "line:col: message" in @err on an error. Free with json_free. */
Json *json_parse(const char *text, char *err, size_t errlen);
void json_free(Json *j);

/* An object's member by name (NULL when absent or @j is not an object). */
const Json *json_get(const Json *j, const char *key);
/* Typed reads with a default when the member is absent or of another type. */
const char *json_str(const Json *j, const char *key, const char *dflt);
uint64_t json_u64(const Json *j, const char *key, uint64_t dflt);
double json_double(const Json *j, const char *key, double dflt);
bool json_bool(const Json *j, const char *key, bool dflt);
/* A "0x..." string or a number, as written for 64-bit values (docs/report-format.md). */
uint64_t json_hex(const Json *j, const char *key, uint64_t dflt);

#endif
