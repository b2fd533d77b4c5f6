/* SPDX-License-Identifier: GPL-2.0-or-later
 * Fuzz harness: the heuristic over a conversation. The first byte chooses the
 * threshold and how the rest is cut into segments and directions. */
#include <stdint.h>
#include <stdlib.h>

#include "wsc_heur.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wsc_heur_conv c;
    wsc_heur_result r;
    size_t off = 2;
    char desc[256];

    if (size < 2)
        return 0;
    wsc_heur_scan(data, size, -1, 1, &r);
    wsc_heur_describe(r.evidence, desc, sizeof(desc));
    wsc_heur_conv_init(&c);
    while (off < size) {
        /* Segment length and direction come from the data itself. */
        size_t n = (size_t)data[off] % 97 + 1;
        int dir = data[off] & 1;
        wsc_heur_seg seg;
        off++;
        if (n > size - off)
            n = size - off;
        wsc_heur_conv_feed(&c, dir, data + off, n, data[0] & 1, (data[1] % 10) + 1, &seg);
        if (seg.skip_header + seg.skip_payload > n)
            abort();
        off += n;
    }
    return 0;
}
