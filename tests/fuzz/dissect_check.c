/* SPDX-License-Identifier: GPL-2.0-or-later
 * fuzz_dissect's invariants 1 and 2 (fuzz_dissect.c says what they are): the frame chain
 * the harness reads itself from each direction, the frames the plugin showed (from the
 * tree), and the checks that compare them. */
#define _GNU_SOURCE /* memmem */
#include "fuzz_dissect.h"

unsigned long n_wireshark_bugs;

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the harness's own reading of a direction: the frame chain from its start ---- */

typedef struct {
    uint32_t off, len;
} ref_t;

static ref_t *refs[2];
uint32_t nrefs[2], ref_end[2];
static int ref_head[2]; /* the direction begins with an HTTP head */
static uint32_t head_end[2];
unsigned long n_early_frames;

/*
 * A client that wrote bytes after its request before the server's answer was captured
 * (RFC 6455 4.1: it must wait for the 101): HTTP takes them as "Continuation", and no
 * dissector after it learns where its request ended. Its frame chain is then not one the
 * plugin can know the start of: the direction is judged as one without a handshake.
 */
static int early_client_bytes(void)
{
    uint32_t seen = 0;
    if (!ref_head[0] || !ref_head[1])
        return 0;
    for (uint32_t i = 0; i < npkts; i++) {
        const pkt_t *k = &pkts[i];
        if (k->dir == 1 && k->e >= head_end[1] && k->e > k->s)
            break;
        if (k->dir == 0 && k->e > seen)
            seen = k->e;
    }
    return seen > head_end[0];
}

void reference(int dir)
{
    const uint8_t *p = stream[dir];
    uint32_t end = MIN(stream_len[dir], stream_gap[dir]), at = 0;

    nrefs[dir] = 0;
    ref_head[dir] = 0;
    free(refs[dir]);
    refs[dir] = malloc(sizeof(ref_t) * (end / 2 + 1));
    /* An HTTP head first (the handshake): the frames start after its blank line. */
    if (end >= 4 && (memcmp(p, "GET ", 4) == 0 || memcmp(p, "HTTP", 4) == 0)) {
        const uint8_t *h = memmem(p, end, "\r\n\r\n", 4);
        at = h ? (uint32_t)(h - p) + 4 : end;
        /* A head the reference can vouch for: printable lines, each ended by CRLF
         * (a mangled one may end elsewhere for Wireshark's HTTP parser). */
        ref_head[dir] = h != NULL;
        head_end[dir] = at;
        for (uint32_t i = 0; h && i < at; i++) {
            uint8_t c = p[i];
            if ((c == '\r' && p[i + 1] != '\n') || (c == '\n' && (i == 0 || p[i - 1] != '\r')) ||
                (c < 0x20 && c != '\r' && c != '\n' && c != '\t') || c >= 0x7f)
                ref_head[dir] = 0;
        }
        /* Text lines and another blank line right after it (a fuzzed server sends a head's
         * tail again, 'grade\r\nSec-WebSocket-Accept: ...\r\n\r\n'): whether they are more
         * of the head (the plugin reads them as the part HTTP did not read) or bytes of the
         * stream is a matter of reading, and no frame begins with a printable character
         * with FIN: the head's end is not vouched for (judged as without a handshake). */
        if (ref_head[dir] && at < end && p[at] >= 0x20 && p[at] < 0x7f) {
            const uint8_t *h2 = memmem(p + at, end - at, "\r\n\r\n", 4);
            int text = h2 != NULL;
            for (uint32_t i = at; text && i < (uint32_t)(h2 - p); i++)
                if ((p[i] < 0x20 && p[i] != '\r' && p[i] != '\n' && p[i] != '\t') || p[i] >= 0x7f)
                    text = 0;
            if (text)
                ref_head[dir] = 0;
        }
        /* Bytes right after the head that are no frame's first header (a reserved opcode,
         * RSV2 or RSV3, a control frame without FIN or of more than 125 bytes: RFC 6455
         * 5.2, 5.5): the sender is not speaking WebSocket there, and where the head ended
         * is a matter of reading again ('\r\n' or a second 'HTTP/1.1 101 ...' after a whole
         * head, which the plugin reads as the head's rest; finding 20): not vouched for. */
        if (ref_head[dir] && at + 1 < end) {
            uint8_t b0 = p[at], op = b0 & 0x0fu, len7 = p[at + 1] & 0x7fu;
            if ((op >= 3 && op <= 7) || op >= 11 || (b0 & 0x30u) || (op >= 8 && (!(b0 & 0x80u) || len7 > 125)))
                ref_head[dir] = 0;
        }
    }
    while (end - at >= 2) {
        uint64_t plen = p[at + 1] & 0x7fu;
        uint32_t hl = 2;
        if (plen == 126) {
            if (end - at < 4)
                break;
            plen = (uint64_t)p[at + 2] << 8 | p[at + 3];
            hl = 4;
        } else if (plen == 127) {
            if (end - at < 10)
                break;
            plen = 0;
            for (int k = 0; k < 8; k++)
                plen = plen << 8 | p[at + 2 + k];
            hl = 10;
        }
        if (p[at + 1] & 0x80u)
            hl += 4;
        if (plen > end || hl + plen > (uint64_t)(end - at))
            break;
        refs[dir][nrefs[dir]].off = at;
        refs[dir][nrefs[dir]].len = hl + (uint32_t)plen;
        nrefs[dir]++;
        at += hl + (uint32_t)plen;
    }
    ref_end[dir] = at;
}

/* ---- what the plugin showed ---- */

shown_t shown[2][MAX_FRAMES];
uint32_t nshown[2];
uint8_t ws_in_pass2[MAX_PKTS]; /* the plugin put anything in the packet's tree */


uint32_t tcp_runs[2][MAX_PKTS];
unsigned long n_tcp_differs;
int proto_http_id = -1, proto_malformed_id = -1;

/* The runs of bytes TCP reassembled for the packet ("Reassembled TCP" data sources), by
 * length: on the second pass libwireshark hands them from what the first pass stored. */
void note_tcp_runs(packet_info *pinfo, proto_node *tree, int pass, uint32_t k)
{
    uint32_t h = 2166136261u;
    for (GSList *s = pinfo->data_src; s; s = s->next) {
        struct data_source *src = (struct data_source *)s->data;
        char *name = get_data_source_name(src);
        if (name && strncmp(name, "Reassembled TCP", 15) == 0)
            h = (h ^ tvb_reported_length(get_data_source_tvb(src))) * 16777619u;
        wmem_free(NULL, name);
    }
    /* and the protocols the tree shows before the plugin's first item (HTTP, in one
     * pass only, when its parser reads a mangled head one way and then another) */
    if (tree)
        for (proto_node *c = tree->first_child; c; c = c->next) {
            field_info *fi = PNODE_FINFO(c);
            if (!fi || fi->hfinfo->id == proto_ws_id)
                break;
            if (fi->hfinfo->id == proto_http_id)
                h = (h ^ (uint32_t)fi->hfinfo->id) * 16777619u;
        }
    tcp_runs[pass][k] = h;
}

static int ds_index(packet_info *pinfo, tvbuff_t *tvb)
{
    int i = 0;
    for (GSList *s = pinfo->data_src; s; s = s->next, i++)
        if (get_data_source_tvb((struct data_source *)s->data) == tvb)
            return i;
    return -1;
}

void walk(proto_node *node, packet_info *pinfo, int pass, uint32_t k, int labels)
{
    for (proto_node *c = node->first_child; c; c = c->next) {
        field_info *fi = PNODE_FINFO(c);
        if (fi && labels && fi->hfinfo->id == proto_malformed_id) {
            /* libwireshark's "[Dissector bug, protocol X: ...]" item (show_exception), not
             * any label that happens to read so (a fuzzed HTTP header did). */
            char buf[ITEM_LABEL_LENGTH];
            const char *label = buf;
            if (fi->rep)
                label = fi->rep->representation;
            else
                proto_item_fill_label(fi, buf);
            if (strncmp(label, "[Dissector bug", 14) == 0) {
                if (strstr(label, "protocol WS:") || strstr(label, "/ws-") || strstr(label, "wsc_")) {
                    fprintf(stderr, "fuzz_dissect: INVARIANT: %s (packet %u)\n", label, k + 1);
                    fuzz_fatal();
                    abort();
                }
                n_wireshark_bugs++;
            }
        }
        if (fi && fi->hfinfo->id == proto_ws_id) {
            int op = -1, whole = 0;
            if (pass == 1)
                ws_in_pass2[k] = 1;
            for (proto_node *g = c->first_child; g; g = g->next) {
                field_info *gi = PNODE_FINFO(g);
                if (!gi)
                    continue;
                if (gi->hfinfo->id == hf_opcode)
                    op = (int)fvalue_get_uinteger(&gi->value);
                else if (gi->hfinfo->id == hf_payload)
                    whole = 1;
                else if (gi->hfinfo->id == hf_evidence && pass == 1) {
                    const char *ev = fvalue_get_string(&gi->value);
                    if (ev && strncmp(ev, "HTTP", 4) == 0)
                        by_handshake = 1;
                }
            }
            if (op >= 0 && whole && nshown[pass] < MAX_FRAMES) {
                shown_t *f = &shown[pass][nshown[pass]++];
                f->pkt = k;
                f->ds = ds_index(pinfo, fi->ds_tvb);
                f->start = fi->start;
                f->length = fi->length;
                f->opcode = op;
                f->hash = fnv(tvb_get_ptr(fi->ds_tvb, fi->start, fi->length), (uint32_t)fi->length);
            }
        }
        walk(c, pinfo, pass, k, labels);
    }
}

static int find_ref(int dir, uint32_t off, uint32_t len, uint32_t hash)
{
    uint32_t lo = 0, hi = nrefs[dir];
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (refs[dir][mid].off < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < nrefs[dir] && refs[dir][lo].off == off && refs[dir][lo].len == len &&
           fnv(stream[dir] + off, len) == hash;
}

static void dump(void)
{
    for (int pass = 0; pass < 2; pass++)
        for (uint32_t i = 0; i < nshown[pass]; i++) {
            const shown_t *f = &shown[pass][i];
            const pkt_t *k = &pkts[f->pkt];
            fprintf(stderr, "  pass %d packet %u dir %d stream %u-%u: ds %d at %d len %d op %d\n", pass + 1,
                    f->pkt + 1, k->dir, k->s, k->e, f->ds, f->start, f->length, f->opcode);
        }
    for (int dir = 0; dir < 2; dir++) {
        fprintf(stderr, "  dir %d: %u bytes, gap at %u, reference frames up to %u:", dir, stream_len[dir],
                stream_gap[dir], ref_end[dir]);
        for (uint32_t r = 0; r < nrefs[dir] && r < 400; r++)
            fprintf(stderr, " %u+%u", refs[dir][r].off, refs[dir][r].len);
        fprintf(stderr, "\n");
    }
}

static unsigned long n_passes_differ;

static void violation(const char *what, const shown_t *f)
{
    if (getenv("WS_FUZZ_VERBOSE"))
        dump();
    fprintf(stderr, "fuzz_dissect: INVARIANT: %s (packet %u, data source %d, offset %d, length %d, opcode %d)\n",
            what, f ? f->pkt + 1 : 0, f ? f->ds : -1, f ? f->start : -1, f ? f->length : -1, f ? f->opcode : -1);
    fuzz_fatal();
    abort();
}

/* Invariant 2 over one pass's frames. Frames in the packet's own bytes (data source 0)
 * have a stream offset; frames in a reassembled source are found by their bytes among
 * the reference frames that end in this packet. */
void check_reference(int pass)
{
    int state[2] = { 0, 0 }; /* 0: no frame yet, 1: in sync, 2: started elsewhere */
    int early = early_client_bytes();
    if (early && pass == 1)
        n_early_frames++;
    for (uint32_t i = 0; i < nshown[pass]; i++) {
        const shown_t *f = &shown[pass][i];
        const pkt_t *k = &pkts[f->pkt];
        int dir = k->dir, ok = 0, known = 1;
        if (f->ds == 0) {
            uint32_t off = k->s + (uint32_t)(f->start - HDR_LEN);
            known = off + (uint32_t)f->length <= ref_end[dir];
            ok = known && find_ref(dir, off, (uint32_t)f->length, f->hash);
        } else {
            known = k->e <= ref_end[dir];
            for (uint32_t r = 0; known && r < nrefs[dir] && !ok; r++) {
                const ref_t *x = &refs[dir][r];
                /* (A packet without payload, a FIN, can complete a run TCP reassembled at
                 * the end of the stream: its frames end in earlier packets.) */
                if ((x->off + x->len > k->s || k->s == k->e) && x->off + x->len <= k->e &&
                    x->len == (uint32_t)f->length &&
                    fnv(stream[dir] + x->off, x->len) == f->hash)
                    ok = 1;
            }
        }
        if (!known)
            continue;
        if (by_handshake && ref_head[0] && ref_head[1] && !(early && dir == 0)) {
            /* The boundaries came from the captured handshake: no guessing involved. */
            n_frames_checked++;
            if (!ok)
                violation("frame off the reference chain of a conversation with its handshake", f);
            continue;
        }
        /* Without the handshake, where the plugin starts, or starts again after a header
         * it does not trust, is the heuristic's choice: counted, fatal when strict. */
        if (state[dir] == 0 || (state[dir] == 2 && ok)) {
            state[dir] = ok ? 1 : 2;
            if (!ok) {
                n_unsynced++;
                if (strict)
                    violation("first frame of the direction off the reference chain", f);
            }
            continue;
        }
        if (state[dir] == 1) {
            n_frames_checked++;
            if (!ok) {
                n_resynced++;
                state[dir] = 2;
                if (strict)
                    violation("frame off the reference chain after frames on it", f);
            }
        }
    }
}

void check_passes(void)
{
    uint32_t a = 0, b = 0;
    while (a < nshown[0]) {
        uint32_t k = shown[0][a].pkt, a2 = a, b2;
        while (a2 < nshown[0] && shown[0][a2].pkt == k)
            a2++;
        while (b < nshown[1] && shown[1][b].pkt < k)
            b++;
        b2 = b;
        while (b2 < nshown[1] && shown[1][b2].pkt == k)
            b2++;
        if (b2 == b && !ws_in_pass2[k]) {
            /* TCP or HTTP did not hand the packet's bytes to the plugin on the second
             * pass (Wireshark 4.0's HTTP does that to a 101 split over segments, with the
             * built-in dissector as well): not the plugin's to answer for. */
            n_pass2_silent++;
            a = a2;
            continue;
        }
        if (tcp_runs[0][k] != tcp_runs[1][k]) {
            /* TCP reassembled other runs of bytes for this packet in the second pass than
             * in the first, or other dissectors had it before the plugin (Wireshark 4.0's
             * HTTP and TCP after a mangled head; the built-in dissector is handed other
             * bytes as well): the plugin decodes what it is given. */
            n_tcp_differs++;
            a = a2;
            b = b2;
            continue;
        }
        if (a2 - a != b2 - b) {
            /* WS_FUZZ_PASSES_COUNT: counted instead of fatal (to see how often a known
             * finding comes up in a long run before it is fixed). */
            if (getenv("WS_FUZZ_PASSES_COUNT")) {
                n_passes_differ++;
                a = a2;
                b = b2;
                continue;
            }
            violation("the second pass shows another number of frames than the first", &shown[0][a]);
        }
        for (uint32_t j = 0; j < a2 - a; j++) {
            const shown_t *x = &shown[0][a + j], *y = &shown[1][b + j];
            if (x->ds != y->ds || x->start != y->start || x->length != y->length || x->opcode != y->opcode)
                violation("the second pass shows another frame than the first", y);
        }
        a = a2;
        b = b2;
    }
}

