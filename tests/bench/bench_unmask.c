/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Micro-benchmark: the core's wsc_unmask() against memcpy() on the same buffers,
 * in the same process, plus a byte-at-a-time loop (how Wireshark's built-in
 * dissector unmasks) for reference. Prints GB/s and the ratio to memcpy for
 * payload sizes from 125 bytes to 16 MiB, at an aligned and an odd offset.
 *
 *     build/tests/bench_unmask [seconds per measurement, default 0.2]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wsc_mask.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* What every implementation writes is read back here, so nothing is optimised away. */
static volatile uint8_t sink;

static void bytewise(uint8_t *dst, const uint8_t *src, size_t len, const uint8_t key[4], uint64_t off)
{
    size_t i;
    for (i = 0; i < len; i++)
        dst[i] = (uint8_t)(src[i] ^ key[(off + i) & 3u]);
}

enum { IMPL_MEMCPY, IMPL_UNMASK, IMPL_BYTEWISE };

static void run_once(int impl, uint8_t *dst, const uint8_t *src, size_t len, const uint8_t key[4])
{
    switch (impl) {
    case IMPL_MEMCPY:
        memcpy(dst, src, len);
        break;
    case IMPL_UNMASK:
        wsc_unmask(dst, src, len, key, 0);
        break;
    default:
        bytewise(dst, src, len, key, 0);
        break;
    }
    sink ^= dst[len / 2];
}

/* Best throughput (GB/s) of five timed runs of about `secs` / 5 each. */
static double measure(int impl, uint8_t *dst, const uint8_t *src, size_t len, double secs)
{
    static const uint8_t key[4] = { 0x3e, 0x47, 0x69, 0x39 };
    double best = 0;
    int trial;

    for (trial = 0; trial < 5; trial++) {
        double t0 = now(), t;
        uint64_t reps = 0;
        do {
            int k;
            for (k = 0; k < 16; k++)
                run_once(impl, dst, src, len, key);
            reps += 16;
            t = now() - t0;
        } while (t < secs / 5);
        if ((double)reps * (double)len / t / 1e9 > best)
            best = (double)reps * (double)len / t / 1e9;
    }
    return best;
}

int main(int argc, char **argv)
{
    static const size_t sizes[] = { 125, 4096, 65536, 262144, 1u << 20, 16u << 20 };
    double secs = argc > 1 ? atof(argv[1]) : 0.2;
    uint8_t *src = malloc((16u << 20) + 64), *dst = malloc((16u << 20) + 64);
    size_t i, s;
    int misaligned;

    if (!src || !dst || secs <= 0)
        return 2;
    for (i = 0; i < (16u << 20) + 64; i++)
        src[i] = (uint8_t)(i * 2654435761u >> 13);

    /* Warm up (CPU frequency, page faults of the buffers) before anything counts. */
    measure(IMPL_MEMCPY, dst, src, 16u << 20, secs);
    measure(IMPL_UNMASK, dst, src, 16u << 20, secs);

    printf("%-10s %-6s %12s %12s %12s %10s %10s\n", "payload", "offset", "memcpy GB/s", "unmask GB/s",
           "bytewise", "unmask/cpy", "unmask/byte");
    for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        for (misaligned = 0; misaligned < 2; misaligned++) {
            /* Payloads follow a 2-, 4-, 6- or 14-byte header: odd offsets are the normal case. */
            size_t off = misaligned ? 6 : 0;
            double cpy = measure(IMPL_MEMCPY, dst + off, src + off, sizes[s], secs);
            double um = measure(IMPL_UNMASK, dst + off, src + off, sizes[s], secs);
            double bw = measure(IMPL_BYTEWISE, dst + off, src + off, sizes[s], secs);
            printf("%-10zu %-6s %12.2f %12.2f %12.2f %9.0f%% %9.1fx\n", sizes[s], misaligned ? "+6" : "0", cpy, um, bw,
                   100.0 * um / cpy, um / bw);
        }
    }
    free(src);
    free(dst);
    return 0;
}
