/* SPDX-License-Identifier: GPL-2.0-or-later
 * Fuzz harness: the Socket.IO packet grammar and the JSON validator over any bytes.
 * What the parser reports lies inside the input and agrees with itself: a packet
 * it accepts has valid JSON where it says, an event name that unescapes into no
 * more bytes than it has, and a namespace that starts with '/'. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wsc_socketio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wsc_sio_packet pk;
    int ok = wsc_sio_parse(data, size, &pk);
    size_t off, len;
    int kind;

    (void)wsc_json_validate(data, size);
    if (wsc_json_validate(data, size))
        (void)wsc_json_member(data, size, "sid", 3, &off, &len, &kind);
    if (!ok) {
        if (pk.error == WSC_SIO_OK || !wsc_sio_error_str(pk.error))
            abort();
        return 0;
    }
    if (pk.data_off + pk.data_len != size || pk.ns_off + pk.ns_len > size)
        abort();
    if (pk.ns_len && data[pk.ns_off] != '/')
        abort();
    if (pk.has_attachments && pk.attachments > WSC_SIO_MAX_ATTACHMENTS)
        abort();
    if (pk.sio_type >= 0 && pk.data_len && !wsc_json_validate(data + pk.data_off, pk.data_len))
        abort();
    if (pk.eio_type == WSC_EIO_OPEN && wsc_json_member(data + 1, size - 1, "sid", 3, &off, &len, &kind) &&
        off + len > size - 1)
        abort();
    if (pk.has_event) {
        uint8_t *out;
        if (pk.event_off + pk.event_len > size)
            abort();
        out = malloc(pk.event_len + 1);
        if (!out || wsc_json_unescape(data + pk.event_off, pk.event_len, out) > pk.event_len)
            abort();
        free(out);
    }
    return 0;
}
