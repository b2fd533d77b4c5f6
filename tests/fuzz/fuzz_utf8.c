/* SPDX-License-Identifier: GPL-2.0-or-later
 * Fuzz harness: UTF-8 validation gives the same verdict and error offset whatever
 * the split of the input into pieces. */
#include <stdint.h>
#include <stdlib.h>

#include "wsc_utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t err = 0;
    int whole = wsc_utf8_validate(data, size, &err);
    size_t split;

    for (split = 0; split <= size; split += 1 + size / 16) {
        wsc_utf8 u;
        int ok;
        wsc_utf8_init(&u);
        ok = wsc_utf8_feed(&u, data, split) && wsc_utf8_feed(&u, data + split, size - split);
        if (whole != (ok && wsc_utf8_complete(&u)))
            abort();
        if (!ok && u.error_offset != err)
            abort();
    }
    return 0;
}
