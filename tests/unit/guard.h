/* SPDX-License-Identifier: GPL-2.0-or-later
 * Test helper: places bytes right before an unreadable page, so that reading one
 * byte too many crashes the test instead of passing silently. */
#ifndef WS_TEST_GUARD_H
#define WS_TEST_GUARD_H
#include <stddef.h>
#include <stdint.h>
/* Returns a read-only view of a copy of p[0..n) that ends at a PROT_NONE page. Freed with guard_free(). */
const uint8_t *guard_copy(const void *p, size_t n);
void guard_free(const uint8_t *g);
#endif
