/* SPDX-License-Identifier: GPL-2.0-or-later
 * Fuzz harness: the MQTT checks stay inside their input, and what they accept is
 * consistent: a CONNECT or CONNACK accepted is a buffer of whole MQTT packets that
 * begins with that packet's first byte, and no proper prefix of its first packet is
 * accepted. */
#include <stdint.h>
#include <stdlib.h>

#include "wsc_mqtt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int level = wsc_mqtt_connect_check(data, size);
    int whole = wsc_mqtt_whole_packets(data, size);
    uint32_t rl = 0;
    int h = wsc_mqtt_fixed_header(data, size, &rl);

    if (h > 5 || h < -1 || (h > 0 && (size_t)h > size))
        abort();
    if (whole && (h <= 0 || rl > size - (size_t)h))
        abort();
    if (level != 0 && level != 3 && level != 4 && level != 5)
        abort();
    if (level) {
        if (data[0] != 0x10 || !whole)
            abort();
        if (wsc_mqtt_connect_check(data, (size_t)h + rl) != level)
            abort();
        if (rl > 0 && wsc_mqtt_connect_check(data, (size_t)h + rl - 1))
            abort();
    }
    for (level = 3; level <= 5; level++) {
        if (wsc_mqtt_connack_check(data, size, level)) {
            if (data[0] != 0x20 || !whole)
                abort();
            if (rl > 0 && wsc_mqtt_connack_check(data, (size_t)h + rl - 1, level))
                abort();
        }
    }
    return 0;
}
