/* SPDX-License-Identifier: GPL-2.0-or-later
 * Fuzz harness: frame header parser and RFC checks. Every prefix must parse to
 * "need more" or to the same header as the whole input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wsc_frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wsc_frame_header whole, part;
    size_t need = 0, n;
    int rc = wsc_frame_parse_header(data, size, &whole, &need);

    if (rc > 0) {
        (void)wsc_frame_violations(&whole, 0);
        (void)wsc_frame_violations(&whole, 1);
        {
            /* The summary always fits WSC_SUMMARY_LEN, is terminated, and a smaller
             * buffer gets its beginning. */
            char s[WSC_SUMMARY_LEN], t[16];
            size_t len = wsc_frame_summary(s, sizeof(s), &whole);
            if (len >= sizeof(s) || s[len] != '\0' || strlen(s) != len)
                abort();
            len = wsc_frame_summary(t, sizeof(t), &whole);
            if (len >= sizeof(t) || memcmp(s, t, len) != 0 || t[len] != '\0')
                abort();
        }
        if (whole.payload_len >> 63 || wsc_frame_total_len(&whole) < whole.payload_len)
            abort();
        for (n = 0; n < (size_t)rc; n++)
            if (wsc_frame_parse_header(data, n, &part, NULL) != WSC_PARSE_NEED_MORE)
                abort();
        if (wsc_frame_parse_header(data, (size_t)rc, &part, NULL) != rc || part.fin != whole.fin ||
            part.rsv != whole.rsv || part.opcode != whole.opcode || part.masked != whole.masked ||
            part.header_len != whole.header_len || part.payload_len != whole.payload_len ||
            memcmp(part.mask_key, whole.mask_key, 4) != 0)
            abort();
    }
    if (size >= 2)
        (void)wsc_close_code_valid((uint16_t)((data[0] << 8) | data[1]));
    return 0;
}
