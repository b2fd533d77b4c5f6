/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Payload (un)masking, RFC 6455 section 5.3.
 */
#ifndef WSC_MASK_H
#define WSC_MASK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * dst[i] = src[i] ^ key[(offset + i) % 4] for i in [0, len).
 * offset is the position of src[0] inside the frame's payload, so a payload that
 * arrives in pieces is unmasked piece by piece. dst may equal src (in place);
 * otherwise the buffers must not overlap. Reads exactly len bytes of src.
 */
void wsc_unmask(uint8_t *dst, const uint8_t *src, size_t len, const uint8_t key[4], uint64_t offset);

#ifdef __cplusplus
}
#endif
#endif
