/* SPDX-License-Identifier: GPL-2.0-or-later
 * Fuzz harness: unmasking in two pieces at any split equals byte-by-byte unmasking. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wsc_mask.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *a, *b;
    size_t i, split;
    uint64_t off;

    if (size < 6)
        return 0;
    off = data[5];
    split = data[4] % (size - 6 + 1);
    data += 6;
    size -= 6;
    a = malloc(size + 1);
    b = malloc(size + 1);
    for (i = 0; i < size; i++)
        a[i] = (uint8_t)(data[i] ^ (data - 6)[(off + i) % 4]);
    wsc_unmask(b, data, split, data - 6, off);
    wsc_unmask(b + split, data + split, size - split, data - 6, off + split);
    if (memcmp(a, b, size) != 0)
        abort();
    memcpy(b, data, size);
    wsc_unmask(b, b, size, data - 6, off);
    if (memcmp(a, b, size) != 0)
        abort();
    free(a);
    free(b);
    return 0;
}
