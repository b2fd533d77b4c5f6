/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _DEFAULT_SOURCE
#include "guard.h"

#include <glib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef struct { void *base; size_t total; } guard_map;
static GHashTable *maps;

const uint8_t *guard_copy(const void *p, size_t n)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t data_pages = (n + page - 1) / page + 1;
    size_t total = (data_pages + 1) * page;
    uint8_t *base = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    uint8_t *start;
    guard_map *m;

    g_assert_true(base != MAP_FAILED);
    g_assert_cmpint(mprotect(base + data_pages * page, page, PROT_NONE), ==, 0);
    start = base + data_pages * page - n;
    if (n)
        memcpy(start, p, n);
    if (!maps)
        maps = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    m = g_new(guard_map, 1);
    m->base = base;
    m->total = total;
    g_hash_table_insert(maps, start, m);
    return start;
}

void guard_free(const uint8_t *g)
{
    guard_map *m = g_hash_table_lookup(maps, g);
    g_assert_nonnull(m);
    munmap(m->base, m->total);
    g_hash_table_remove(maps, g);
}
