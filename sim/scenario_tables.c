// SPDX-License-Identifier: GPL-2.0-only
/*
 * scenario_tables.c - the translation tables of a scenario (tables: pool,
 * trees and their maps, spares, descs, and the shared 'reserved' table).
 *
 * The tables are built once, at load, with ptbuild in a private image of the
 * table pool; scenario_build() copies that image into each machine. This is
 * the same result as running ptbuild on the machine's memory (the pool
 * starts zeroed and the builder is deterministic), once instead of once per
 * level.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bbmsim/desc.h"
#include "scenario_priv.h"

/* --- tables ---------------------------------------------------------------------- */

static uint64_t img_read(void *ctx, uint64_t pa)
{
	Ld *l = ctx;
	uint64_t i = (pa - l->s->pool_pa) / 8;
	if (pa < l->s->pool_pa || i >= l->s->img_len)
		return 0;
	return l->s->img[i];
}

static void img_write(void *ctx, uint64_t pa, uint64_t val)
{
	Ld *l = ctx;
	Scenario *s = l->s;
	if (pa < s->pool_pa || pa - s->pool_pa >= s->pool_size)
		return;   /* ptbuild writes only into the pool */
	size_t i = (size_t)((pa - s->pool_pa) / 8);
	if (i >= l->img_cap) {
		size_t cap = l->img_cap ? l->img_cap : 4096;
		while (cap <= i)
			cap *= 2;
		s->img = realloc(s->img, cap * sizeof(*s->img));
		if (!s->img)
			abort();
		memset(s->img + l->img_cap, 0, (cap - l->img_cap) * sizeof(*s->img));
		l->img_cap = cap;
	}
	if (i >= s->img_len)
		s->img_len = i + 1;
	s->img[i] = val;
}

static bool alloc_table(Ld *l, yaml_node_t *at, const char *what, uint64_t *pa)
{
	if (!l->s->has_pool)
		return scn_fail_at(l, at, "%s needs a table pool (tables.pool)", what);
	if (!pt_alloc_table(&l->pb, pa))
		return scn_fail_at(l, at, "the table pool is full (allocating %s)", what);
	return true;
}

static bool va_ok(uint64_t va, uint64_t size)
{
	uint64_t end = va + size - 1;
	if (end < va)
		return false;
	if (va < (1ull << 48))
		return end < (1ull << 48);
	return va >= 0xffff000000000000ull;
}

static bool load_map(Ld *l, yaml_node_t *it, const char *w, uint64_t root)
{
	static const char *const keys[] = {
		"va", "pa", "size", "granule", "cont", "attrs", "perms", "el0", "global", "af", "nt", NULL,
	};
	static const char *const granules[] = { "1G", "2M", "4K", NULL };
	static const char *const attrs[] = { "normal", "device", "normal-nc", NULL };
	static const char *const perms[] = { "rw", "ro", "rwx", "rx", NULL };
	yaml_node_t *v;
	uint64_t va, pa, size;
	int gran = 2, attr = 0, perm = 0;
	bool cont = false, el0 = false, global = true, af = true, nt = false;

	if (!scn_map_keys(l, it, w, keys))
		return false;
	if (!(v = scn_map_need(l, it, "va", w)) || !scn_get_value(l, v, "map.va", &va) ||
	    !(v = scn_map_need(l, it, "pa", w)) || !scn_get_value(l, v, "map.pa", &pa) ||
	    !(v = scn_map_need(l, it, "size", w)) || !scn_get_value(l, v, "map.size", &size))
		return false;
	if (((v = scn_map_get(l, it, "granule")) && !scn_get_enum(l, v, "map.granule", granules, &gran)) ||
	    ((v = scn_map_get(l, it, "attrs")) && !scn_get_enum(l, v, "map.attrs", attrs, &attr)) ||
	    ((v = scn_map_get(l, it, "perms")) && !scn_get_enum(l, v, "map.perms", perms, &perm)) ||
	    ((v = scn_map_get(l, it, "cont")) && !scn_get_bool(l, v, "map.cont", &cont)) ||
	    ((v = scn_map_get(l, it, "el0")) && !scn_get_bool(l, v, "map.el0", &el0)) ||
	    ((v = scn_map_get(l, it, "global")) && !scn_get_bool(l, v, "map.global", &global)) ||
	    ((v = scn_map_get(l, it, "af")) && !scn_get_bool(l, v, "map.af", &af)) ||
	    ((v = scn_map_get(l, it, "nt")) && !scn_get_bool(l, v, "map.nt", &nt)))
		return false;
	int level = gran + 1;
	uint64_t g = desc_level_size(level);
	if (!size)
		return scn_fail_at(l, it, "map.size is zero");
	if (!va_ok(va, size))
		return scn_fail_at(l, it, "map [0x%llx, +0x%llx) is not a 48-bit VA range (below "
			       "0x0001000000000000, or from 0xffff000000000000)",
			       (unsigned long long)va, (unsigned long long)size);
	if (cont && ((va | pa | size) & (16 * g - 1)))
		return scn_fail_at(l, it, "cont: va, pa and size must be aligned to 16 x the granule");
	if (nt && level == 3)
		return scn_fail_at(l, scn_map_get(l, it, "nt"), "nt applies to block mappings only (granule 1G or 2M)");
	if (!((va | pa | size) & (g - 1)) && size / g > SCN_MAX_DESCS - l->ndescs)
		return scn_fail_at(l, it, "too many descriptors (the maps would write more than %u); "
			       "use a larger granule", SCN_MAX_DESCS);

	/* Attribute bits (D8.3): the table in docs/scenario-format.md. */
	static const uint64_t attr_bits[] = { 0 << 2 | 3ull << 8, 1 << 2, 2 << 2 };
	static const uint64_t perm_bits[] = {
		DESC_UXN | DESC_PXN, DESC_AP2 | DESC_UXN | DESC_PXN, DESC_UXN, DESC_AP2 | DESC_UXN,
	};
	uint64_t d = attr_bits[attr] | perm_bits[perm];
	if (el0) {
		d |= DESC_AP1;
		/* EL0 mappings execute at EL0, not at EL1 (as Linux maps user text). */
		if (!(d & DESC_PXN))
			d = (d & ~DESC_UXN) | DESC_PXN;
	}
	d |= (af ? DESC_AF : 0) | (global ? 0 : DESC_NG) | (cont ? DESC_CONT : 0) | (nt ? DESC_NT : 0);
	/* Say which field is off, by how much, and which earlier map is in the way. */
	static const char *const gname[] = { "1G", "2M", "4K" };
	const char *field = (va & (g - 1)) ? "va" : (pa & (g - 1)) ? "pa" : (size & (g - 1)) ? "size" : NULL;
	if (field) {
		uint64_t val = (va & (g - 1)) ? va : (pa & (g - 1)) ? pa : size;
		return scn_fail_at(l, scn_map_get(l, it, field), "map.%s 0x%llx is not a multiple of the granule %s",
			       field, (unsigned long long)val, gname[gran]);
	}
	for (size_t i = 0; i < l->nmaps; i++) {
		const MapSeen *o = &l->maps[i];
		if (o->root == root && va < o->va + o->size && o->va < va + size)
			return scn_fail_at(l, it, "map [0x%llx, +0x%llx) overlaps the map at line %d "
				       "[0x%llx, +0x%llx) in the same tree",
				       (unsigned long long)va, (unsigned long long)size, o->line,
				       (unsigned long long)o->va, (unsigned long long)o->size);
	}
	const char *e = pt_map(&l->pb, root, 0, va, pa, size, level, d);
	if (e)
		return scn_fail_at(l, it, "%s", e);
	l->maps = realloc(l->maps, (l->nmaps + 1) * sizeof(*l->maps));
	if (!l->maps)
		abort();
	l->maps[l->nmaps++] = (MapSeen){ .root = root, .va = va, .size = size, .line = scn_loc_of(it).line };
	l->ndescs += size / g;
	return true;
}

bool scn_load_tables(Ld *l, yaml_node_t *n)
{
	static const char *const pool_keys[] = { "pa", "size", NULL };
	static const char *const tree_keys[] = { "name", "maps", NULL };
	static const char *const desc_keys[] = { "name", "tree", "va", "level", NULL };
	Scenario *s = l->s;
	yaml_node_t *v, *trees;
	char w[96];

	if (!n)
		return scn_kit_reserve(l);
	if ((v = scn_map_get(l, n, "pool"))) {
		yaml_node_t *x;
		if (!scn_map_keys(l, v, "tables.pool", pool_keys) || !(x = scn_map_need(l, v, "pa", "tables.pool")) ||
		    !scn_get_value(l, x, "pool.pa", &s->pool_pa) || !(x = scn_map_need(l, v, "size", "tables.pool")) ||
		    !scn_get_value(l, x, "pool.size", &s->pool_size))
			return false;
		if ((s->pool_pa | s->pool_size) & (PAGE_SIZE - 1) || !s->pool_size)
			return scn_fail_at(l, v, "tables.pool: pa and size must be non-zero multiples of 4K");
		if (!scn_in_memory(s, s->pool_pa, s->pool_size))
			return scn_fail_at(l, v, "tables.pool [0x%llx, +0x%llx) is outside memory (machine.memory)",
				       (unsigned long long)s->pool_pa, (unsigned long long)s->pool_size);
		s->has_pool = true;
		pt_init(&l->pb, img_read, img_write, l, s->pool_pa, s->pool_size);
	}
	if ((trees = scn_map_get(l, n, "trees"))) {
		for (size_t i = 0; i < scn_seq_len(trees); i++) {
			yaml_node_t *t = scn_seq_at(l, trees, i), *maps;
			uint64_t root;
			snprintf(w, sizeof(w), "tables.trees[%zu]", i);
			if (!scn_map_keys(l, t, w, tree_keys) || !alloc_table(l, t, "a tree", &root))
				return false;
			scn_name_set(s, scn_scalar(scn_map_get(l, t, "name")), root);
			if (!(maps = scn_map_get(l, t, "maps")))
				continue;
			if (!scn_need_type(l, maps, YAML_SEQUENCE_NODE, "maps"))
				return false;
			for (size_t k = 0; k < scn_seq_len(maps); k++) {
				snprintf(w, sizeof(w), "tables.trees[%zu].maps[%zu]", i, k);
				if (!load_map(l, scn_seq_at(l, maps, k), w, root))
					return false;
			}
		}
	}
	if ((v = scn_map_get(l, n, "spare"))) {
		for (size_t i = 0; i < scn_seq_len(v); i++) {
			uint64_t pa;
			if (!alloc_table(l, scn_seq_at(l, v, i), "a spare table", &pa))
				return false;
			scn_name_set(s, scn_scalar(scn_seq_at(l, v, i)), pa);
		}
	}
	if (!scn_kit_reserve(l))
		return false;
	if ((v = scn_map_get(l, n, "descs"))) {
		for (size_t i = 0; i < scn_seq_len(v); i++) {
			yaml_node_t *d = scn_seq_at(l, v, i), *x;
			uint64_t va;
			int level;
			snprintf(w, sizeof(w), "tables.descs[%zu]", i);
			if (!scn_map_keys(l, d, w, desc_keys) || !(x = scn_map_need(l, d, "tree", w)))
				return false;
			const char *tn = scn_scalar(x);
			Name *tree = tn ? scn_name_find(s, tn) : NULL;
			if (!tree || tree->kind != NAME_TREE)
				return scn_fail_at(l, x, "unknown tree '%s' in %s", tn ? tn : "?", w);
			if (!(x = scn_map_need(l, d, "va", w)) || !scn_get_value(l, x, "desc.va", &va) ||
			    !(x = scn_map_need(l, d, "level", w)) || !scn_get_int(l, x, "desc.level", 0, 3, &level))
				return false;
			uint64_t pa = pt_desc_addr(&l->pb, tree->val, 0, va, level);
			if (pa == ~0ull)
				return scn_fail_at(l, d, "no level %d table reaches va 0x%llx in tree '%s' "
					       "(a larger mapping, or nothing, is there)", level,
					       (unsigned long long)va, tn);
			scn_name_set(s, scn_scalar(scn_map_get(l, d, "name")), pa);
		}
	}
	/* Code may refer to __reserved even when no PE starts on it (parking code does). */
	if (s->has_pool && l->pb.pool_next + PAGE_SIZE <= l->pb.pool_end)
		return scn_ensure_reserved(l, n, NULL);
	return true;
}

/* The shared empty table 'reserved' (symbol __reserved), allocated once from the pool. */
bool scn_ensure_reserved(Ld *l, yaml_node_t *at, uint64_t *pa_out)
{
	Scenario *s = l->s;
	Name *r = scn_name_find(s, "reserved");
	if (!r) {
		uint64_t pa;
		if (!alloc_table(l, at, "the 'reserved' table", &pa))
			return false;
		s->names = realloc(s->names, (s->nnames + 1) * sizeof(*s->names));
		if (!s->names)
			abort();
		r = &s->names[s->nnames++];
		r->name = scn_xstrdup("reserved");
		r->kind = NAME_RESERVED;
		r->at = scn_loc_of(at);
		r->known = true;
		r->val = pa;
	}
	if (pa_out)
		*pa_out = r->val;
	return true;
}
