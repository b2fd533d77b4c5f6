/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Heuristic evidence over the segments of one TCP conversation (wsc_heur_conv_*): each
 * direction's run of frames followed from segment to segment (a frame cut by a segment's
 * end is finished in the next one, its text checked as it comes), boundaries looked for
 * inside a segment when a direction has none (wsc_hunt.c does the search), the points
 * of both directions added up with what only a conversation shows (opposite masking, a
 * pong that echoes a ping, a close each way), and the verdict. The frames of one
 * segment are scored by wsc_heur.c.
 */
#include "wsc_heur.h"

#include <string.h>

#include "wsc_frame.h"
#include "wsc_heur_int.h"
#include "wsc_hunt.h"
#include "wsc_mask.h"
#include "wsc_utf8.h"

/* Forgets what the direction has shown; the masking it must have stays. */
static void dir_reset(wsc_heur_dir *d)
{
    int known = d->known_mask;
    uint64_t hunted = d->hunted;

    memset(d, 0, sizeof(*d));
    d->known_mask = known;
    d->hunted = hunted;
    d->masked = known;
    d->in_message = -1;
}

void wsc_heur_conv_init(wsc_heur_conv *c)
{
    memset(c, 0, sizeof(*c));
    c->dir[0].known_mask = c->dir[1].known_mask = -1;
    dir_reset(&c->dir[0]);
    dir_reset(&c->dir[1]);
}

void wsc_heur_conv_reset_dir(wsc_heur_conv *c, int dir)
{
    c->dir[dir & 1].known_mask = -1;
    c->dir[dir & 1].hunted = 0;
    dir_reset(&c->dir[dir & 1]);
}

void wsc_heur_conv_from_start(wsc_heur_conv *c, int dir)
{
    /* The hunt's budget, spent: kept across dir_reset(), given back by reset_dir(). */
    c->dir[dir & 1].hunted = UINT64_MAX / 2;
}

void wsc_heur_conv_expect_mask(wsc_heur_conv *c, int dir, int masked)
{
    wsc_heur_dir *d = &c->dir[dir & 1];

    d->known_mask = masked < 0 ? -1 : masked != 0;
    if (d->known_mask >= 0)
        d->masked = d->known_mask;
}

/* Both directions have shown frames, all unmasked. */
static int unmasked_alike(const wsc_heur_conv *c)
{
    return c->dir[0].masked == 0 && c->dir[1].masked == 0 && c->dir[0].frames > 0 && c->dir[1].frames > 0;
}

int wsc_heur_conv_unmasked_both(const wsc_heur_conv *c)
{
    return unmasked_alike(c) && c->dir[0].paired && c->dir[1].paired;
}

/*
 * What joins direction d (which has just sent the frames of scan r) to the other, o: a
 * pong whose payload is that of o's last ping (RFC 6455 5.5.3), worth WSC_HEUR_PING_PONG
 * to each direction the first time, or a close frame with a valid code each way.
 */
static void pair_directions(wsc_heur_conv *c, wsc_heur_dir *d, wsc_heur_dir *o, const wsc_heur_result *r)
{
    if (r->pong_sig && o->ping_sig == r->pong_sig) {
        o->ping_sig = 0;
        c->evidence |= WSC_EV_PING_PONG;
        if (!(d->paired & 1) || !(o->paired & 1)) {
            d->score += WSC_HEUR_PING_PONG;
            o->score += WSC_HEUR_PING_PONG;
        }
        d->paired |= 1;
        o->paired |= 1;
    }
    if (r->ping_sig)
        d->ping_sig = r->ping_sig;
    if (r->close_code) {
        d->close_code = 1;
        if (o->close_code) {
            c->evidence |= WSC_EV_CLOSE_BOTH;
            d->paired |= 2;
            o->paired |= 2;
        }
    }
}

/*
 * The points of a direction whose evidence is only the shape of its frames (a type byte and
 * a length that fits, wsc_heur_result.shape_only) beyond WSC_HEUR_SHAPE_MAX, while the other
 * direction has sent bytes that are no frames and nothing that is: a protocol of such
 * records talking to a peer that is not WebSocket either (MQTT's SUBSCRIBE answered by its
 * SUBACK, 0x90: RSV1 on a continuation). They do not count then.
 */
static int shape_excess(const wsc_heur_conv *c, int i)
{
    const wsc_heur_dir *d = &c->dir[i], *o = &c->dir[i ^ 1];

    if (c->rejected[i ^ 1] == 0 || o->frames > 0 || d->shape_points <= WSC_HEUR_SHAPE_MAX)
        return 0;
    return d->shape_points - WSC_HEUR_SHAPE_MAX;
}

static int conv_score(const wsc_heur_conv *c, unsigned *evidence)
{
    int s = c->dir[0].score + c->dir[1].score - shape_excess(c, 0) - shape_excess(c, 1);

    /* Opposite masking counts once both directions have shown some evidence of their own,
     * and a whole frame each: a header with an extended length whose frame goes on for
     * thousands of segments earns a point on its own, and in random bytes (an encrypted
     * stream of small segments) each direction holds such a frame, open for a long time,
     * often enough for the two to coincide with their mask bits opposite. */
    if (c->dir[0].masked >= 0 && c->dir[1].masked >= 0 && c->dir[0].masked != c->dir[1].masked &&
        c->dir[0].score > 0 && c->dir[1].score > 0 && c->dir[0].frames > 0 && c->dir[1].frames > 0) {
        s += WSC_HEUR_OPPOSITE_MASKS;
        *evidence |= WSC_EV_OPPOSITE_MASKS;
    }
    if (c->dir[0].segments + c->dir[1].segments >= 2)
        *evidence |= WSC_EV_SEGMENTS;
    return s;
}

/* Points for a text payload of n bytes that is UTF-8 (as wsc_heur_scan_ex gives them). */
static int text_points(uint64_t n, int masked, unsigned *evidence)
{
    int pts;

    if (n == 0)
        return 0;
    *evidence |= WSC_EV_TEXT_UTF8;
    pts = n >= 256 ? 4 : n >= 16 ? 3 : 1;
    if (n >= 16 && masked) {
        *evidence |= WSC_EV_MASKED_TEXT;
        pts += 2;
    }
    return pts;
}

/* Checks payload bytes of the open text frame (p holds them as sent, masked or not). */
static int open_text_ok(wsc_heur_dir *d, const wsc_frame_header *h, const uint8_t *p, size_t n)
{
    uint8_t chunk[256];
    size_t done = 0;

    while (done < n && d->text_seen < WSC_HEUR_MAX_TEXT_CHECK) {
        size_t k = n - done;
        if (k > sizeof(chunk))
            k = sizeof(chunk);
        if (k > WSC_HEUR_MAX_TEXT_CHECK - d->text_seen)
            k = (size_t)(WSC_HEUR_MAX_TEXT_CHECK - d->text_seen);
        if (h->masked)
            wsc_unmask(chunk, p + done, k, h->mask_key, d->payload_pos + done);
        else
            memcpy(chunk, p + done, k);
        if (!wsc_utf8_feed(&d->text, chunk, k))
            return 0;
        if (wsc_heur_has_control(chunk, k))
            d->text_nul = 1;
        done += k;
        d->text_seen += k;
    }
    return 1;
}

static int is_plain_text(const wsc_frame_header *h)
{
    return h->opcode == WSC_OP_TEXT && !(h->rsv & 0x4u);
}

/*
 * Points for the header h found right where a frame that went on over segments ended
 * (d->at_boundary): random bytes rarely hold a valid header of the right masking at
 * the one offset a length names, so each such header is worth what a whole frame in a
 * segment is. Empty frames and bare continuations earn nothing (runs of zero bytes
 * parse as them) and leave the next header due after them.
 */
static int boundary_points(wsc_heur_dir *d, const wsc_frame_header *h, unsigned *evidence)
{
    if (h->opcode == WSC_OP_CONTINUATION || h->payload_len == 0)
        return 0;
    d->at_boundary = 0;
    *evidence |= WSC_EV_CHAIN_ACROSS;
    return 1;
}

/*
 * Consumes the bytes that finish the frame left open by the previous segment. A header
 * completed here is checked as a whole one would be; text payload is checked for UTF-8
 * as it comes. When the frame ends in this segment it earns what a whole frame earns
 * (*points, *evidence). Returns the bytes used, or (size_t)-1 when they break a rule.
 */
static size_t finish_open_frame(wsc_heur_dir *d, const uint8_t *buf, size_t len, wsc_heur_seg *out, int *points,
                                unsigned *evidence)
{
    size_t used = 0;
    wsc_frame_header h;

    *points = 0;
    if (d->hdr_have && d->owed == 0) {
        /* The header itself was cut: complete it first. */
        size_t need;
        unsigned v;
        int rc = wsc_frame_parse_header(d->hdr, d->hdr_have, &h, &need);
        while (rc == WSC_PARSE_NEED_MORE && used < len && d->hdr_have < WSC_MAX_HEADER_LEN) {
            d->hdr[d->hdr_have++] = buf[used++];
            rc = wsc_frame_parse_header(d->hdr, d->hdr_have, &h, &need);
        }
        out->skip_header = used;
        if (rc == WSC_PARSE_NEED_MORE)
            return used;
        if (rc < 0) {
            d->hdr_have = 0;
            return (size_t)-1;
        }
        v = wsc_frame_violations(&h, 1);
        if ((h.rsv & 0x4u) && h.opcode == WSC_OP_CONTINUATION)
            v |= WSC_V_RSV1;
        if (v || (d->masked >= 0 && d->masked != h.masked))
            return (size_t)-1;
        if (!wsc_opcode_is_control(h.opcode)) {
            if ((h.opcode == WSC_OP_CONTINUATION && d->in_message == 0) ||
                (h.opcode != WSC_OP_CONTINUATION && d->in_message == 1))
                return (size_t)-1;
            d->in_message = h.fin ? 0 : 1;
        }
        d->masked = h.masked;
        if (h.opcode == WSC_OP_CLOSE)
            d->closed = 1;
        if (d->at_boundary)
            *points += boundary_points(d, &h, evidence);
        d->owed = h.payload_len;
        d->payload_pos = 0;
        wsc_heur_open_sig_start(d, &h);
        wsc_utf8_init(&d->text);
        d->text_seen = 0;
        d->text_nul = 0;
        d->open_segments = 0;
        if (h.payload_len == 0) {
            /* An empty frame: whole now, and worth nothing. Say what it was:
             * the glue labels the header bytes with it. */
            out->skip_payload = 0;
            out->skip_payload_pos = 0;
            out->skip_payload_len = 0;
            memcpy(out->skip_key, h.mask_key, 4);
            out->skip_masked = h.masked;
            out->skip_opcode = h.opcode;
            d->hdr_have = 0;
            return used;
        }
    }
    if (d->hdr_have) {
        size_t n;
        if (wsc_frame_parse_header(d->hdr, d->hdr_have, &h, NULL) <= 0)
            return (size_t)-1;
        n = (size_t)((uint64_t)(len - used) < d->owed ? (uint64_t)(len - used) : d->owed);
        if (is_plain_text(&h) && !open_text_ok(d, &h, buf + used, n))
            return (size_t)-1;
        if (h.opcode == WSC_OP_CLOSE && d->payload_pos == 0 && n == h.payload_len) {
            /* A close frame whose payload came whole after its header (header and
             * payload written apart): its code and reason are checked as in one piece. */
            int pts;
            if (!wsc_heur_close_payload_ok(buf + used, n, &h))
                return (size_t)-1;
            pts = wsc_heur_close_code_points(buf + used, n, &h);
            if (pts) {
                *points += pts;
                *evidence |= WSC_EV_CLOSE_CODE;
            }
        }
        out->skip_payload = n;
        out->skip_payload_pos = d->payload_pos;
        out->skip_payload_len = h.payload_len;
        memcpy(out->skip_key, h.mask_key, 4);
        out->skip_masked = h.masked;
        out->skip_opcode = h.opcode;
        d->open_sig = wsc_heur_sig_feed(d->open_sig, &d->open_count, buf + used, n);
        used += n;
        d->owed -= n;
        d->payload_pos += n;
        if (d->owed > 0)
            d->open_segments++;
        if (d->owed == 0) {
            d->hdr_have = 0;
            if (is_plain_text(&h) && h.fin && d->text_seen == h.payload_len && !wsc_utf8_complete(&d->text))
                return (size_t)-1;
            /* A frame begun in an earlier segment ends here. Text checked all the way
             * counts as a whole frame; other payload only when it fills the segment
             * right after its header's (header and payload written apart): a frame
             * found in random bytes that happens to end with some later segment proves
             * nothing. Text longer than WSC_HEUR_MAX_TEXT_CHECK is judged by its
             * checked prefix, as a whole frame in one segment is. */
            int text_checked = d->text_seen == h.payload_len || d->text_seen >= WSC_HEUR_MAX_TEXT_CHECK;
            /* ... or when an extended length (one in some 65,000 by chance for a given
             * offset) ends it exactly where the segment after its header's ends. */
            int ext_fit = h.len7 >= 126 && used == len && d->open_segments <= 1;
            /* A frame that repeats the one before it byte for byte is what repeated
             * records read as (wsc_heur_scan_prev): it earns nothing, and neither does
             * the header found where it ends. */
            uint32_t sig = wsc_heur_sig_end(d->open_sig);
            int same = sig == d->last_sig;
            d->last_sig = sig;
            if (same) {
                /* a repeat: no points, and none for the header after it */
            } else if (h.opcode != WSC_OP_CONTINUATION && h.payload_len > 0 &&
                (is_plain_text(&h) ? text_checked && !d->text_nul : d->open_segments == 0 || ext_fit)) {
                *points += 1;
                *evidence |= WSC_EV_SPLIT_FRAME;
                if (is_plain_text(&h) && !d->text_nul)
                    *points += text_points(d->text_seen < h.payload_len ? d->text_seen : h.payload_len, h.masked,
                                           evidence);
                if (used == len) {
                    *points += 1;
                    *evidence |= WSC_EV_EXACT_FIT;
                }
            } else {
                /* It earned nothing itself: the header after it will tell. */
                d->at_boundary = 1;
            }
        }
    }
    return used;
}

/*
 * A segment of a direction whose frame boundaries are not known, that is not a run of
 * frames from its first byte: it may begin inside a frame (the capture, or what is left
 * of the stream, starts there). A boundary inside it is taken when every reading of the
 * segment as frames agrees on it (wsc_hunt_boundary) and at least two frames from there
 * fill the segment exactly and pass every check of the scan. Returns the offset (the
 * scan then describes what follows it), or 0 with the scan left as it was.
 */
/* Text of 8 bytes or more that is plain UTF-8, or a close frame with a valid code and a
 * plain reason: a frame that random bytes hardly ever pass for. */
#define HUNT_SELF_TEXT 8u
/* Frames at the start of a hunted reading that may be left out (see hunt_inside). */
/* How many bytes of a direction are searched for a boundary inside a segment, from its
 * first captured byte or its last gap. A stream that is not WebSocket would otherwise pay
 * for the search on every segment until the conversation is given up: without a limit it
 * added 2.3 % to the instructions of a whole tshark run over traffic that is not
 * WebSocket (tests/bench/workloads.py nonws), with this one 0.1 %. */
#ifndef WSC_HUNT_BUDGET
#define WSC_HUNT_BUDGET (64u * 1024u)
#endif
#define HUNT_DOUBT_FRAMES 3u
static int frame_speaks_for_itself(const uint8_t *p, size_t n, const wsc_frame_header *h)
{
    if (h->payload_len > n)
        return 0;
    if (h->opcode == WSC_OP_TEXT && !(h->rsv & 0x4u) && h->payload_len >= HUNT_SELF_TEXT)
        return wsc_heur_text_prefix_valid(p, (size_t)h->payload_len, h, 1) == 1;
    if (h->opcode == WSC_OP_CLOSE && h->payload_len >= 2 && wsc_heur_close_payload_ok(p, (size_t)h->payload_len, h) &&
        wsc_heur_close_reason_plain(p, (size_t)h->payload_len, h)) {
        /* Only the codes of RFC 6455 7.4.1 that endpoints send: 1000-1003, 1007-1011. */
        uint8_t c[2];
        unsigned code;
        if (h->masked)
            wsc_unmask(c, p, 2, h->mask_key, 0);
        else
            memcpy(c, p, 2);
        code = (unsigned)c[0] << 8 | c[1];
        return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011);
    }
    return 0;
}

/*
 * The end of the frame a segment begins in may hold bytes that read as a header whose
 * frame ends exactly on the true first boundary: with random bytes, about one segment in
 * a hundred, and two such frames in a row about one in ten thousand. A frame with a
 * 7-bit length that proves nothing by itself is that likely to be one of them: up to
 * three such frames at the start of a hunted reading are left out (three in a row: about
 * one segment in a million, measured). A 16-bit length that lands exactly on a boundary
 * by chance is some 65,000 times rarer, except that RSV1 frames (compressed) are taken
 * no more on their length than on their content. Returns the offset after the doubtful
 * frames, *left_out = how many; (size_t)-1 when a header there cannot be read whole.
 */
static size_t skip_doubtful(const uint8_t *buf, size_t len, size_t at, unsigned *left_out)
{
    wsc_frame_header h;
    unsigned i;

    *left_out = 0;
    for (i = 0; i < HUNT_DOUBT_FRAMES && at < len; i++) {
        if (wsc_frame_parse_header(buf + at, len - at, &h, NULL) <= 0)
            return (size_t)-1;
        if ((h.len7 >= 126 && !(h.rsv & 0x4u)) ||
            frame_speaks_for_itself(buf + at + h.header_len, len - at - h.header_len, &h))
            break;
        if (wsc_frame_total_len(&h) > len - at)
            break; /* not whole here: it is not followed by a boundary in this segment */
        at += (size_t)wsc_frame_total_len(&h);
        (*left_out)++;
    }
    return at;
}

static size_t hunt_inside(const wsc_heur_dir *d, const uint8_t *buf, size_t len, wsc_heur_seg *out)
{
    wsc_heur_result r;
    unsigned frames, left_out;
    size_t at = wsc_hunt_boundary(buf, len, d->masked, 1, &frames);

    if (at == 0)
        return 0;
    at = skip_doubtful(buf, len, at, &left_out);
    if (at == (size_t)-1)
        return 0;
    frames -= left_out;
    if (frames < 2 || at >= len)
        return 0;
    wsc_heur_scan_ex(buf + at, len - at, d->masked, -1, 1, &r);
    if (r.reject || r.frames < 2 || !(r.evidence & WSC_EV_EXACT_FIT))
        return 0;
    out->scan = r;
    out->skip_lead = at;
    return at;
}

/*
 * In a conversation known to be WebSocket, a segment whose frames do not end at its end
 * (a sender of big frames segmented at the MSS rarely lines them up with a segment end,
 * so hunt_inside finds nothing for many segments): the first offset from which two whole
 * frames, the first a data or control frame with a payload, pass every check of the scan
 * and the rest of the segment reads as frames too. It is taken on trial: it earns at
 * most one point here, the rest must come from the headers its lengths place in later
 * segments (a false boundary breaks there, and the direction is hunted again).
 */
#define HUNT_OPEN_POINTS 1
/* Candidates scanned whole per segment at most (each scan reads the rest of the segment):
 * the work stays linear in the segment's length. */
#define HUNT_OPEN_SCANS 16u
static size_t hunt_open(const wsc_heur_dir *d, const uint8_t *buf, size_t len, wsc_heur_seg *out)
{
    unsigned steps = 0, scans = 0;
    size_t at;

    for (at = 1; at + 2 < len && steps < WSC_HUNT_MAX_STEPS && scans < HUNT_OPEN_SCANS; at++) {
        wsc_frame_header h;
        size_t off = at;
        unsigned whole = 0, i;
        wsc_heur_result r;

        for (i = 0; i < 2 && off < len; i++) {
            steps++;
            if (wsc_frame_parse_header(buf + off, len - off, &h, NULL) <= 0 || wsc_frame_violations(&h, 1) ||
                (d->masked >= 0 && h.masked != d->masked) || h.payload_len >= WSC_HEUR_HUGE_LEN ||
                (i == 0 && (h.opcode == WSC_OP_CONTINUATION || h.payload_len == 0)) ||
                wsc_frame_total_len(&h) > len - off)
                break;
            whole++;
            off += (size_t)wsc_frame_total_len(&h);
        }
        if (whole < 2)
            continue;
        scans++;
        wsc_heur_scan_ex(buf + at, len - at, d->masked, -1, 1, &r);
        if (r.reject || r.frames < 2)
            continue;
        {
            /* The first frames of the reading may be bytes of the frame the segment
             * begins in (skip_doubtful): they are left out, and so is the candidate
             * when nothing is left after them. */
            unsigned left_out;
            size_t from = skip_doubtful(buf, len, at, &left_out);
            if (from == (size_t)-1 || from >= len)
                continue;
            if (left_out) {
                wsc_heur_scan_ex(buf + from, len - from, d->masked, -1, 1, &r);
                if (r.reject || r.frames < 1)
                    continue;
                at = from;
            }
        }
        if (r.score > HUNT_OPEN_POINTS)
            r.score = HUNT_OPEN_POINTS;
        out->scan = r;
        out->skip_lead = at;
        return at;
    }
    return 0;
}

int wsc_heur_conv_feed(wsc_heur_conv *c, int dir, const uint8_t *buf, size_t len, int exact, int accept_score,
                       wsc_heur_seg *out)
{
    wsc_heur_dir *d = &c->dir[dir & 1];
    wsc_heur_dir *o = &c->dir[(dir & 1) ^ 1];
    size_t used;
    unsigned evidence = 0, open_evidence = 0;
    int open_points = 0;

    memset(out, 0, sizeof(*out));
    used = finish_open_frame(d, buf, len, out, &open_points, &open_evidence);
    if (used == (size_t)-1) {
        c->rejected[dir & 1]++;
        dir_reset(d);
        out->verdict = WSC_SEG_REJECT;
        return out->verdict;
    }
    if (!exact && (open_evidence & WSC_EV_EXACT_FIT)) {
        open_evidence &= ~(unsigned)WSC_EV_EXACT_FIT;
        open_points -= 1;
    }
    if (open_points > 0) {
        d->score += open_points;
        d->frames++;
        c->evidence |= open_evidence;
    }
    if (used < len) {
        if (d->closed && d->started && !d->hdr_have) {
            /* Bytes after the direction's close frame (RFC 6455 5.5.1): its run was no run
             * of frames. */
            out->scan.reject = WSC_R_AFTER_CLOSE;
        } else {
            wsc_heur_scan_prev(buf + used, len - used, d->masked, d->in_message, 1, d->last_sig, &out->scan);
            if (!exact)
                out->scan.evidence &= ~(unsigned)WSC_EV_EXACT_FIT;
            if (out->scan.reject && used == 0 && !d->started && exact &&
                (c->accepted || d->hunted + len <= WSC_HUNT_BUDGET)) {
                d->hunted += len;
                used = hunt_inside(d, buf, len, out);
                if (!used && c->accepted)
                    used = hunt_open(d, buf, len, out);
            }
        }
        /* Both directions masked: one of them began inside a frame. Both unmasked: the
         * same, or a client that does not mask (accepted only when paired, below). */
        if (!out->scan.reject && o->masked == 1 && out->scan.masked == 1 && (d->frames + out->scan.frames) > 0 &&
            o->frames > 0)
            out->scan.reject |= WSC_R_SAME_MASKS;
        if (out->scan.reject) {
            c->rejected[dir & 1]++;
            dir_reset(d);
            if (out->scan.reject & WSC_R_SAME_MASKS)
                dir_reset(o);
            c->evidence = 0;
            out->score = conv_score(c, &evidence);
            out->verdict = WSC_SEG_REJECT;
            return out->verdict;
        }
        if (d->at_boundary) {
            wsc_frame_header h;
            if (wsc_frame_parse_header(buf + used, len - used, &h, NULL) > 0) {
                int pts = boundary_points(d, &h, &c->evidence);
                d->score += pts;
                /* An empty frame or a bare continuation: the next header is due after it,
                 * in a later segment if this one holds no more. */
                if (!pts && (uint64_t)(len - used) != wsc_frame_total_len(&h))
                    d->at_boundary = 0;
            }
        }
        d->started = 1;
        if (out->scan.closed)
            d->closed = 1;
        d->masked = out->scan.masked;
        d->in_message = out->scan.in_message;
        d->frames += out->scan.frames;
        d->score += out->scan.score;
        if (out->scan.shape_only)
            d->shape_points += out->scan.score;
        if (out->scan.last_sig)
            d->last_sig = out->scan.last_sig;
        c->evidence |= out->scan.evidence;
        pair_directions(c, d, o, &out->scan);
        if (out->scan.tail_header_len) {
            memcpy(d->hdr, out->scan.tail_header, out->scan.tail_header_len);
            d->hdr_have = out->scan.tail_header_len;
            if (wsc_frame_header_len(d->hdr[0], d->hdr_have > 1 ? d->hdr[1] : 0) <= d->hdr_have) {
                wsc_frame_header h;
                if (wsc_frame_parse_header(d->hdr, d->hdr_have, &h, NULL) > 0) {
                    size_t seen = (size_t)out->scan.tail_payload_seen;
                    d->owed = h.payload_len - seen;
                    wsc_heur_open_sig_start(d, &h);
                    d->open_sig = wsc_heur_sig_feed(d->open_sig, &d->open_count, buf + len - seen, seen);
                    /* Its text so far, for the check of the rest. */
                    d->payload_pos = 0;
                    wsc_utf8_init(&d->text);
                    d->text_seen = 0;
                    d->text_nul = 0;
                    d->open_segments = seen ? 1 : 0;
                    if (is_plain_text(&h))
                        (void)open_text_ok(d, &h, buf + len - seen, seen);
                    d->payload_pos = seen;
                    if (d->owed == 0)
                        d->hdr_have = 0;
                }
            } else {
                d->owed = 0;
            }
        }
    } else if (!d->started) {
        /* All of it finishes a frame we know nothing about. */
        out->verdict = WSC_SEG_REJECT;
        return out->verdict;
    }
    d->segments++;
    out->score = conv_score(c, &evidence);
    c->evidence |= evidence;
    out->verdict = out->score >= accept_score ? WSC_SEG_ACCEPT : WSC_SEG_PLAUSIBLE;
    if (out->verdict == WSC_SEG_ACCEPT && unmasked_alike(c) && !wsc_heur_conv_unmasked_both(c))
        /* Neither direction masks, and nothing yet joins them. */
        out->verdict = WSC_SEG_PLAUSIBLE;
    if (out->verdict == WSC_SEG_ACCEPT)
        c->accepted = 1;
    return out->verdict;
}
