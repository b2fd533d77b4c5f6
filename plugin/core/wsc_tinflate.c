/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * DEFLATE decoding (RFC 1951) with unknown-byte tracking; see wsc_tinflate.h.
 * Huffman codes are decoded canonically, one bit at a time: simple and bounded,
 * fast enough for the messages that need it (those after a gap in the history).
 */
#include "wsc_tinflate.h"

#include <string.h>

#define MAXBITS 15
#define MAXLCODES 286
#define MAXDCODES 30
#define FIXLCODES 288

typedef struct {
    const uint8_t *in;
    size_t len;          /* bytes of in, then 4 bytes of tail */
    size_t byte;         /* next byte to read */
    uint32_t bitbuf;
    int bitcnt;
    int ran_out;
    wsc_tinflate *t;
    uint8_t *out;
    size_t out_cap;
    size_t out_len;
    size_t unknown;
    int full;
} tstate;

typedef struct {
    short count[MAXBITS + 1];
    short symbol[FIXLCODES];
} huff;

static int next_byte(tstate *s)
{
    static const uint8_t tail[4] = { 0x00, 0x00, 0xff, 0xff };
    int b;

    if (s->byte < s->len)
        b = s->in[s->byte];
    else if (s->byte < s->len + 4)
        b = tail[s->byte - s->len];
    else {
        s->ran_out = 1;
        return 0;
    }
    s->byte++;
    return b;
}

static int input_left(const tstate *s)
{
    return s->byte < s->len + 4 || s->bitcnt > 0;
}

static int bits(tstate *s, int need)
{
    uint32_t val = s->bitbuf;

    while (s->bitcnt < need) {
        val |= (uint32_t)next_byte(s) << s->bitcnt;
        s->bitcnt += 8;
    }
    s->bitbuf = val >> need;
    s->bitcnt -= need;
    return (int)(val & ((1u << need) - 1));
}

/* Appends one byte to the output and the window. */
static void emit(tstate *s, uint8_t b, uint8_t unknown)
{
    wsc_tinflate *t = s->t;

    t->win[t->pos] = b;
    t->unknown[t->pos] = unknown;
    t->pos = (t->pos + 1) & (WSC_TINF_WINDOW - 1);
    if (s->out_len < s->out_cap) {
        s->out[s->out_len++] = b;
        s->unknown += unknown;
    } else {
        s->full = 1;
    }
}

/* Canonical Huffman table from code lengths; returns 0 if over-subscribed. */
static int build(huff *h, const short *length, int n)
{
    short offs[MAXBITS + 1];
    int left = 1;
    int i;

    memset(h->count, 0, sizeof(h->count));
    for (i = 0; i < n; i++)
        h->count[length[i]]++;
    if (h->count[0] == n)
        return 1; /* no codes: fine as long as none is used */
    for (i = 1; i <= MAXBITS; i++) {
        left <<= 1;
        left -= h->count[i];
        if (left < 0)
            return 0;
    }
    offs[1] = 0;
    for (i = 1; i < MAXBITS; i++)
        offs[i + 1] = (short)(offs[i] + h->count[i]);
    for (i = 0; i < n; i++)
        if (length[i])
            h->symbol[offs[length[i]]++] = (short)i;
    return 1;
}

/* Reads one symbol, bit by bit (codes are stored most significant bit first). */
static int decode(tstate *s, const huff *h)
{
    int code = 0, first = 0, index = 0, len;

    for (len = 1; len <= MAXBITS; len++) {
        int count;
        code |= bits(s, 1);
        count = h->count[len];
        if (code - count < first)
            return h->symbol[index + (code - first)];
        index += count;
        first += count;
        first <<= 1;
        code <<= 1;
        if (s->ran_out)
            return -1;
    }
    return -1;
}

static const short len_base[29] = { 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59,
                                    67, 83, 99, 115, 131, 163, 195, 227, 258 };
static const short len_extra[29] = { 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4,
                                     5, 5, 5, 5, 0 };
static const short dist_base[30] = { 1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513,
                                     769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577 };
static const short dist_extra[30] = { 0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10,
                                      11, 11, 12, 12, 13, 13 };

static int codes(tstate *s, const huff *lencode, const huff *distcode)
{
    for (;;) {
        int sym = decode(s, lencode);
        if (sym < 0 || s->ran_out)
            return 0;
        if (sym < 256) {
            emit(s, (uint8_t)sym, 0);
        } else if (sym == 256) {
            return 1;
        } else {
            int n, dsym;
            uint32_t dist, from;
            sym -= 257;
            if (sym >= 29)
                return 0;
            n = len_base[sym] + bits(s, len_extra[sym]);
            dsym = decode(s, distcode);
            if (dsym < 0 || dsym >= 30)
                return 0;
            dist = (uint32_t)(dist_base[dsym] + bits(s, dist_extra[dsym]));
            if (dist > WSC_TINF_WINDOW || s->ran_out)
                return 0;
            /* The window starts all unknown, so a reference never falls outside it. */
            from = (s->t->pos - dist) & (WSC_TINF_WINDOW - 1);
            while (n--) {
                emit(s, s->t->win[from], s->t->unknown[from]);
                from = (from + 1) & (WSC_TINF_WINDOW - 1);
            }
        }
        if (s->full)
            return 1;
    }
}

static int stored(tstate *s)
{
    unsigned len, nlen;

    s->bitbuf = 0;
    s->bitcnt = 0;
    len = (unsigned)next_byte(s);
    len |= (unsigned)next_byte(s) << 8;
    nlen = (unsigned)next_byte(s);
    nlen |= (unsigned)next_byte(s) << 8;
    if (s->ran_out || len != (~nlen & 0xffffu))
        return 0;
    while (len--) {
        int b = next_byte(s);
        if (s->ran_out)
            return 0;
        emit(s, (uint8_t)b, 0);
        if (s->full)
            return 1;
    }
    return 1;
}

static int fixed(tstate *s)
{
    static huff lencode, distcode;
    static int built;

    if (!built) {
        short lengths[FIXLCODES];
        int i;
        for (i = 0; i < 144; i++)
            lengths[i] = 8;
        for (; i < 256; i++)
            lengths[i] = 9;
        for (; i < 280; i++)
            lengths[i] = 7;
        for (; i < FIXLCODES; i++)
            lengths[i] = 8;
        build(&lencode, lengths, FIXLCODES);
        for (i = 0; i < MAXDCODES; i++)
            lengths[i] = 5;
        build(&distcode, lengths, MAXDCODES);
        built = 1;
    }
    return codes(s, &lencode, &distcode);
}

static int dynamic(tstate *s)
{
    static const short order[19] = { 16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15 };
    short lengths[MAXLCODES + MAXDCODES];
    huff lencode, distcode;
    int nlen, ndist, ncode, index;

    nlen = bits(s, 5) + 257;
    ndist = bits(s, 5) + 1;
    ncode = bits(s, 4) + 4;
    if (nlen > MAXLCODES || ndist > MAXDCODES || s->ran_out)
        return 0;
    for (index = 0; index < ncode; index++)
        lengths[order[index]] = (short)bits(s, 3);
    for (; index < 19; index++)
        lengths[order[index]] = 0;
    if (!build(&lencode, lengths, 19))
        return 0;
    index = 0;
    while (index < nlen + ndist) {
        int sym = decode(s, &lencode);
        int len = 0, rep;
        if (sym < 0 || s->ran_out)
            return 0;
        if (sym < 16) {
            lengths[index++] = (short)sym;
            continue;
        }
        if (sym == 16) {
            if (index == 0)
                return 0;
            len = lengths[index - 1];
            rep = 3 + bits(s, 2);
        } else if (sym == 17) {
            rep = 3 + bits(s, 3);
        } else {
            rep = 11 + bits(s, 7);
        }
        if (index + rep > nlen + ndist)
            return 0;
        while (rep--)
            lengths[index++] = (short)len;
    }
    if (lengths[256] == 0)
        return 0;
    if (!build(&lencode, lengths, nlen) || !build(&distcode, lengths + nlen, ndist))
        return 0;
    return codes(s, &lencode, &distcode);
}

void wsc_tinflate_init_unknown(wsc_tinflate *t)
{
    memset(t->win, 0, sizeof(t->win));
    memset(t->unknown, 1, sizeof(t->unknown));
    t->pos = 0;
}

void wsc_tinflate_known(wsc_tinflate *t, const uint8_t *p, size_t len)
{
    if (len > WSC_TINF_WINDOW) {
        p += len - WSC_TINF_WINDOW;
        len = WSC_TINF_WINDOW;
    }
    while (len) {
        size_t n = WSC_TINF_WINDOW - t->pos;
        if (n > len)
            n = len;
        memcpy(t->win + t->pos, p, n);
        memset(t->unknown + t->pos, 0, n);
        t->pos = (uint32_t)((t->pos + n) & (WSC_TINF_WINDOW - 1));
        p += n;
        len -= n;
    }
}

int wsc_tinflate_message(wsc_tinflate *t, const uint8_t *in, size_t len, uint8_t *out, size_t out_cap,
                         size_t *out_len, size_t *unknown)
{
    tstate s;

    memset(&s, 0, sizeof(s));
    s.in = in;
    s.len = len;
    s.t = t;
    s.out = out;
    s.out_cap = out_cap;
    /* Blocks until the input (with its tail) is used up: the sync flush that ends
     * every message leaves the input byte-aligned after an empty stored block. */
    while (s.byte < s.len + 4) {
        int last = bits(&s, 1);
        int type = bits(&s, 2);
        int ok;

        if (s.ran_out)
            break;
        if (type == 0)
            ok = stored(&s);
        else if (type == 1)
            ok = fixed(&s);
        else if (type == 2)
            ok = dynamic(&s);
        else
            ok = 0;
        if (!ok || s.ran_out) {
            *out_len = s.out_len;
            *unknown = s.unknown;
            return WSC_TINF_CORRUPT;
        }
        if (s.full)
            break;
        if (last) {
            /* End of this DEFLATE stream; a new one may follow in the same message. */
            s.bitbuf = 0;
            s.bitcnt = 0;
        }
    }
    (void)input_left;
    *out_len = s.out_len;
    *unknown = s.unknown;
    return s.full ? WSC_TINF_FULL : WSC_TINF_DONE;
}
