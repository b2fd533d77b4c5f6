/* SPDX-License-Identifier: GPL-2.0-or-later
 * Fuzz harness: the zlib inflater and the unknown-tracking decoder on the same
 * messages (the input, cut into messages at 0xfe bytes). Output stays within its
 * buffer; when both decode a message from a fresh start, they agree. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wsc_inflate.h"
#include "wsc_tinflate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CAP 65536

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static wsc_tinflate t;
    static uint8_t a[CAP], b[CAP];
    wsc_inflater *z = wsc_inflate_new();
    size_t start = 0, i;
    int zok = 1;

    if (!z)
        return 0;
    wsc_tinflate_init_unknown(&t);
    for (i = 0; i <= size; i++) {
        if (i < size && data[i] != 0xfe)
            continue;
        {
            size_t zn = 0, tn = 0, unknown = 0, made;
            int rc, trc;
            wsc_inflate_begin(z, data + start, i - start, 1);
            do {
                rc = wsc_inflate_run(z, a + zn, CAP - zn, &made);
                zn += made;
            } while (rc == WSC_INF_FULL && zn < CAP);
            trc = wsc_tinflate_message(&t, data + start, i - start, b, CAP, &tn, &unknown);
            if (zn > CAP || tn > CAP || unknown > tn)
                abort();
            /* Both decoders saw the same history (zok): where both succeed they agree. */
            if (zok && rc == WSC_INF_DONE && trc == WSC_TINF_DONE && unknown == 0 &&
                (zn != tn || memcmp(a, b, zn) != 0))
                abort();
            if (rc != WSC_INF_DONE || trc != WSC_TINF_DONE) {
                zok = 0;
                wsc_inflate_reset(z);
            }
        }
        start = i + 1;
    }
    wsc_inflate_free(z);
    return 0;
}
