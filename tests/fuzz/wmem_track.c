/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fuzz_dissect: the plugin's own wmem allocations, one malloc each, so that ASan sees
 * their bounds, while libwireshark keeps its fast block allocators.
 *
 * The harness is linked with -Wl,--wrap for the wmem functions below: the plugin's calls
 * (its sources are compiled into the harness) come here, libwireshark's do not. Each
 * block is g_malloc'ed and remembered with its pool; when the pool is emptied
 * (wmem_free_all: pinfo->pool after each packet, the file scope at epan_free) or
 * destroyed, a callback registered on the pool frees its blocks. wmem_free and
 * wmem_realloc of a block not made here go to libwireshark's.
 *
 * Before (WIRESHARK_DEBUG_WMEM_OVERRIDE=simple for every pool) each of libwireshark's
 * tree items was a malloc under ASan too: 2.7 times slower per input (docs/robustness.md),
 * for buffers that uninstrumented libwireshark code reads without ASan's checks anyway.
 * WIRESHARK_DEBUG_WMEM_OVERRIDE=simple still gives that. The NULL allocator (g_malloc)
 * is passed through.
 */
#include <wireshark.h>
#include <wsutil/wmem/wmem.h>
#include <wsutil/wmem/wmem_user_cb.h>

#include <stdarg.h>
#include <string.h>

void *__real_wmem_alloc(wmem_allocator_t *allocator, const size_t size);
void *__real_wmem_alloc0(wmem_allocator_t *allocator, const size_t size);
void *__real_wmem_realloc(wmem_allocator_t *allocator, void *ptr, const size_t size);
void __real_wmem_free(wmem_allocator_t *allocator, void *ptr);
void *__real_wmem_memdup(wmem_allocator_t *allocator, const void *source, const size_t size);
gchar *__real_wmem_strdup(wmem_allocator_t *allocator, const gchar *src);
gchar *__real_wmem_strndup(wmem_allocator_t *allocator, const gchar *src, const size_t len);

/* Default visibility: the linker checks libwireshark's references to the wrapped names
 * against these too (at run time those bind to libwsutil's by name). */
#pragma GCC visibility push(default)
void *__wrap_wmem_alloc(wmem_allocator_t *allocator, const size_t size);
void *__wrap_wmem_alloc0(wmem_allocator_t *allocator, const size_t size);
void *__wrap_wmem_realloc(wmem_allocator_t *allocator, void *ptr, const size_t size);
void __wrap_wmem_free(wmem_allocator_t *allocator, void *ptr);
void *__wrap_wmem_memdup(wmem_allocator_t *allocator, const void *source, const size_t size);
gchar *__wrap_wmem_strdup(wmem_allocator_t *allocator, const gchar *src);
gchar *__wrap_wmem_strndup(wmem_allocator_t *allocator, const gchar *src, const size_t len);
gchar *__wrap_wmem_strdup_printf(wmem_allocator_t *allocator, const gchar *fmt, ...);
#pragma GCC visibility pop

static GHashTable *pools; /* allocator -> GHashTable of its blocks (a set) */
unsigned long wmem_track_blocks; /* blocks made here, all told */

static gboolean pool_event(wmem_allocator_t *allocator, wmem_cb_event_t event, void *user_data)
{
    GHashTable *blocks = (GHashTable *)user_data;

    /* the set's destroy function frees the blocks */
    g_hash_table_remove_all(blocks);
    if (event == WMEM_CB_DESTROY_EVENT) {
        g_hash_table_remove(pools, allocator);
        return FALSE;
    }
    return TRUE;
}

static GHashTable *pool_blocks(wmem_allocator_t *allocator, gboolean create)
{
    GHashTable *blocks;

    if (!pools) {
        if (!create)
            return NULL;
        pools = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, (GDestroyNotify)g_hash_table_destroy);
    }
    blocks = (GHashTable *)g_hash_table_lookup(pools, allocator);
    if (!blocks && create) {
        blocks = g_hash_table_new_full(g_direct_hash, g_direct_equal, g_free, NULL);
        g_hash_table_insert(pools, allocator, blocks);
        wmem_register_callback(allocator, pool_event, blocks);
    }
    return blocks;
}

static void *track(wmem_allocator_t *allocator, void *p)
{
    g_hash_table_add(pool_blocks(allocator, TRUE), p);
    wmem_track_blocks++;
    return p;
}

void *__wrap_wmem_alloc(wmem_allocator_t *allocator, const size_t size)
{
    if (!allocator || !size)
        return __real_wmem_alloc(allocator, size);
    return track(allocator, g_malloc(size));
}

void *__wrap_wmem_alloc0(wmem_allocator_t *allocator, const size_t size)
{
    if (!allocator || !size)
        return __real_wmem_alloc0(allocator, size);
    return track(allocator, g_malloc0(size));
}

void __wrap_wmem_free(wmem_allocator_t *allocator, void *ptr)
{
    GHashTable *blocks = allocator && ptr ? pool_blocks(allocator, FALSE) : NULL;

    if (blocks && g_hash_table_remove(blocks, ptr))
        return;
    __real_wmem_free(allocator, ptr);
}

void *__wrap_wmem_realloc(wmem_allocator_t *allocator, void *ptr, const size_t size)
{
    GHashTable *blocks;

    if (!allocator)
        return __real_wmem_realloc(allocator, ptr, size);
    if (!ptr)
        return __wrap_wmem_alloc(allocator, size);
    blocks = pool_blocks(allocator, FALSE);
    if (blocks && g_hash_table_steal(blocks, ptr)) {
        if (!size) {
            g_free(ptr);
            return NULL;
        }
        return track(allocator, g_realloc(ptr, size));
    }
    return __real_wmem_realloc(allocator, ptr, size);
}

void *__wrap_wmem_memdup(wmem_allocator_t *allocator, const void *source, const size_t size)
{
    void *p;

    if (!allocator || !source || !size)
        return __real_wmem_memdup(allocator, source, size);
    p = __wrap_wmem_alloc(allocator, size);
    memcpy(p, source, size);
    return p;
}

gchar *__wrap_wmem_strdup(wmem_allocator_t *allocator, const gchar *src)
{
    if (!allocator || !src)
        return __real_wmem_strdup(allocator, src);
    return (gchar *)__wrap_wmem_memdup(allocator, src, strlen(src) + 1);
}

gchar *__wrap_wmem_strndup(wmem_allocator_t *allocator, const gchar *src, const size_t len)
{
    gchar *dst;
    size_t i;

    if (!allocator || !src)
        return __real_wmem_strndup(allocator, src, len);
    /* as libwsutil's: len + 1 bytes, copied up to a NUL */
    dst = (gchar *)__wrap_wmem_alloc(allocator, len + 1);
    for (i = 0; i < len && src[i]; i++)
        dst[i] = src[i];
    dst[i] = '\0';
    return dst;
}

gchar *__wrap_wmem_strdup_printf(wmem_allocator_t *allocator, const gchar *fmt, ...)
{
    va_list ap;
    gchar *s;

    va_start(ap, fmt);
    s = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (!allocator)
        return s;
    return (gchar *)track(allocator, s);
}
