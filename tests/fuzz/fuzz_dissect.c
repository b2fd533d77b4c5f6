/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * In-process fuzzing of the whole plugin through libwireshark. The plugin's sources are
 * compiled into this program and registered as plugin.c does, before epan_init; every
 * input becomes a short TCP capture (raw IPv4), dissected as `tshark -2 -V` would: a
 * first pass over every packet, then a second pass with a visible tree and columns.
 * Each input is a capture file of its own (epan_new ... epan_free).
 *
 * Input format (docs/robustness.md):
 *   byte 0   bits 0-1 server port (0: 40000, unregistered; 1: 80; 2: 5000; 3: 443, TLS off)
 *            bit 2 SYN handshake first, bit 3 FIN both ways at the end, bit 4 tcp.desegment off,
 *            bit 5 ws.desegment off, bit 6 ws.guard_ports off, bit 7 ws.take_over_upgrade off
 *            (and the built-in WebSocket dissector disabled)
 *   byte 1   bits 0-2 ws.heur_claim_score - 1, bits 3-4 ws.text_as, bit 5 RST at the end
 *   byte 2   number of segments - 1 (mod 48)
 *   2 bytes per segment: bit 15 direction (1: server to client), bits 13-14 kind (0, 3: data;
 *            1: retransmission of the direction's previous data segment; 2: lost: its bytes
 *            advance the sequence numbers but are not captured), bits 0-12 payload length
 *   the rest: the payloads, consumed in order (a segment gets what is left when short)
 *
 * Invariants (abort() so that libFuzzer keeps the input):
 *   1. a packet that shows WebSocket frames in the first pass shows the same frames (data
 *      source, offset, length, opcode) in the second, unless libwireshark handed the
 *      plugin nothing of that packet in the second pass (counted);
 *   2. every whole frame shown lies on the frame chain that the harness parses itself from
 *      the direction's stream (after a well-formed HTTP head, up to the first lost byte),
 *      when the plugin names the captured handshake as its evidence; without it, where the
 *      plugin starts (or starts again after a header it distrusts) is the heuristic's
 *      choice: frames off the chain are counted, and fatal with WS_FUZZ_STRICT=1;
 *   3. memory held while an input is dissected stays under 16 MiB + 2100 bytes per input
 *      byte, and what stays after the file is closed, summed over inputs, under 16 MiB +
 *      8 KiB per input;
 *   4. no "Dissector bug" item names the plugin (protocol WS or a plugin/ws-*.c line);
 *      libwireshark's own are counted.
 * WS_FUZZ_VERBOSE=1 prints each input's counts (and the frames, on a violation);
 * WS_FUZZ_PCAP=FILE writes the input's packets as a pcap for tshark.
 */
#define _GNU_SOURCE /* memmem, mallinfo2 */
#include <wireshark.h>
#include <epan/epan.h>
#include <epan/epan_dissect.h>
#include <epan/packet.h>
#include <epan/prefs.h>
#include <epan/proto.h>
#include <epan/column.h>
#include <epan/column-info.h>
#include <epan/frame_data.h>
#include <epan/timestamp.h>
#include <wiretap/wtap.h>
#include <wsutil/filesystem.h>
#include <wsutil/privileges.h>
#include <wsutil/wslog.h>

#include <dlfcn.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WS_HAVE_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define WS_HAVE_ASAN 1
#endif
#ifdef WS_HAVE_ASAN
/* from sanitizer/allocator_interface.h, which gcc does not install */
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

void proto_register_ws(void);
void proto_reg_handoff_ws(void);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#include "fuzz_dissect.h"

static epan_t *session;
static column_info cinfo;
static frame_data fds[MAX_PKTS];
pkt_t pkts[MAX_PKTS];
uint32_t npkts;
int proto_ws_id = -1, hf_opcode = -1, hf_payload = -1, hf_evidence = -1;
int by_handshake; /* the second pass's ws.heur.evidence names the HTTP handshake */
static int proto_tls_id = -1;
static int proto_builtin_ws_id = -1;
int strict;
unsigned long n_inputs, n_unsynced, n_resynced, n_frames_checked, n_pass2_silent;
static size_t mem_peak, mem_peak_size;
static long long mem_kept; /* bytes still held after epan_free, summed over the inputs */

/* the direction streams, as the harness sees them */
uint8_t *stream[2];
uint32_t stream_len[2], stream_gap[2];

uint32_t fnv(const uint8_t *p, uint32_t n)
{
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

static size_t mem_now(void)
{
#ifdef WS_HAVE_ASAN
    return __sanitizer_get_current_allocated_bytes();
#else
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
#endif
}

static const nstime_t *get_frame_ts(struct packet_provider_data *prov _U_, guint32 num)
{
    static nstime_t zero;
    return num >= 1 && num <= npkts ? &fds[num - 1].abs_ts : &zero;
}

static void set_pref(const char *name, const char *value)
{
    char arg[256];
    char *err = NULL;
    snprintf(arg, sizeof(arg), "%s:%s", name, value);
    if (prefs_set_pref(arg, &err) != PREFS_SET_OK) {
        fprintf(stderr, "fuzz_dissect: preference %s refused: %s\n", arg, err ? err : "");
        abort();
    }
    g_free(err);
}

/*
 * A ws.so in Wireshark's plugin folder (tools/setup.sh installs one) is loaded by
 * epan_init too (root always reads the global folder), and its registration would clash
 * with ours. This program exports proto_register_plugin, so the loaded ws.so calls this
 * one: a registration from a file named ws.so is dropped, the others go on to
 * libwireshark's.
 */
WS_DLL_PUBLIC void proto_register_plugin(const proto_plugin *plug);
void proto_register_plugin(const proto_plugin *plug)
{
    static void (*real)(const proto_plugin *);
    Dl_info info;

    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "proto_register_plugin");
    if (!real)
        abort();
    if (plug->register_protoinfo != proto_register_ws && dladdr((void *)plug->register_protoinfo, &info) &&
        info.dli_fname && g_str_has_suffix(info.dli_fname, "/ws.so"))
        return;
    real(plug);
}

/*
 * Every epan_new (one per input) resets name resolution, which reads manuf, services,
 * enterprises and the others again from Wireshark's data folder: about 0.1 s, most of
 * an input's time. They name addresses and ports only; the harness hands libwireshark
 * missing files instead (the same export as above).
 */
WS_DLL_PUBLIC char *get_datafile_path(const char *filename);
char *get_datafile_path(const char *filename)
{
    static const char *const skip[] = { "manuf", "wka", "services", "enterprises.tsv", "ipxnets", "vlans",
                                        "hosts", "ethers", "subnets", "ss7pcs", NULL };
    static char *(*real)(const char *);

    for (int i = 0; skip[i]; i++)
        if (strcmp(filename, skip[i]) == 0)
            return g_strdup_printf("/nonexistent/ws-fuzz/%s", filename);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "get_datafile_path");
    if (!real)
        abort();
    return real(filename);
}

static void report(void)
{
    fprintf(stderr, "fuzz_dissect: %lu inputs; frames checked against the reference %lu; directions whose "
            "first frame was off it (no handshake) %lu, left it later %lu; packets with frames in the first pass "
            "that libwireshark did not hand to the plugin in the second %lu, that TCP reassembled or HTTP read otherwise in the second %lu; inputs whose client wrote after its request before the 101 %lu; bytes kept after closing, all inputs %lld; "
            "most memory held by one input %zu bytes (an input of %zu); other dissectors' bugs %lu\n",
            n_inputs, n_frames_checked, n_unsynced, n_resynced, n_pass2_silent, n_tcp_differs, n_early_frames, mem_kept, mem_peak, mem_peak_size, n_wireshark_bugs);
}

static void init_once(const char *arg0)
{
    static int done;
    e_prefs *p;

    if (done)
        return;
    done = 1;
    /* No personal configuration: the defaults, whoever runs this. */
    g_setenv("XDG_CONFIG_HOME", "/nonexistent/ws-fuzz", 1);
    g_setenv("XDG_CACHE_HOME", "/nonexistent/ws-fuzz", 1);
    g_setenv("HOME", "/nonexistent/ws-fuzz", 1);
    /* Every wmem allocation its own malloc, so ASan sees overruns of wmem buffers. */
    g_setenv("WIRESHARK_DEBUG_WMEM_OVERRIDE", "simple", 0);
    g_setenv("G_SLICE", "always-malloc", 0);
    /* A failed DISSECTOR_ASSERT is shown as a "Dissector bug" item; dissect_check.c
     * aborts on one of ours. Wireshark 4.0.17 has its own (Ceph, TCP after a heuristic
     * that asked for more data), found in the first campaign with the plugin disabled:
     * WIRESHARK_ABORT_ON_DISSECTOR_BUG=1 would stop on those too. */
    atexit(report);
    strict = getenv("WS_FUZZ_STRICT") && atoi(getenv("WS_FUZZ_STRICT")) != 0;
    ws_log_init("fuzz_dissect", NULL);
    init_process_policies();
    g_free(configuration_init(arg0, NULL));
    timestamp_set_type(TS_RELATIVE);
    timestamp_set_precision(TS_PREC_AUTO);
    timestamp_set_seconds_type(TS_SECONDS_DEFAULT);
    {
        static proto_plugin plug;
        plug.register_protoinfo = proto_register_ws;
        plug.register_handoff = proto_reg_handoff_ws;
        proto_register_plugin(&plug);
    }
    wtap_init(TRUE);
    if (!epan_init(NULL, NULL, FALSE)) {
        fprintf(stderr, "fuzz_dissect: epan_init failed\n");
        exit(2);
    }
    p = epan_load_settings();
    /* Bounded messages keep one input's memory small (the bound is checked below). */
    set_pref("ws.max_message_size", "262144");
    prefs_apply_all();
    build_column_format_array(&cinfo, p->num_cols, TRUE);
    proto_ws_id = proto_get_id_by_filter_name("ws");
    proto_tls_id = proto_get_id_by_filter_name("tls");
    proto_builtin_ws_id = proto_get_id_by_filter_name("websocket");
    proto_http_id = proto_get_id_by_filter_name("http");
    proto_malformed_id = proto_get_id_by_filter_name("_ws.malformed");
    hf_opcode = proto_registrar_get_id_byname("ws.opcode");
    hf_payload = proto_registrar_get_id_byname("ws.payload");
    hf_evidence = proto_registrar_get_id_byname("ws.heur.evidence");
    if (proto_ws_id < 0 || hf_opcode < 0 || hf_payload < 0 || hf_evidence < 0) {
        fprintf(stderr, "fuzz_dissect: the plugin did not register\n");
        exit(2);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    init_once(*argc > 0 ? (*argv)[0] : "fuzz_dissect");
    return 0;
}

/* Preferences chosen by the input, applied only when they change. */
static void apply_prefs(uint8_t b0, uint8_t b1)
{
    static int last = -1;
    char v[16];
    int key = b0 & 0xf0;

    key |= (b1 & 0x1f) << 8;
    if (key == last)
        return;
#define BOOLPREF(name, bit) set_pref(name, (b0 & (bit)) ? "FALSE" : "TRUE")
    BOOLPREF("tcp.desegment_tcp_streams", 0x10);
    BOOLPREF("ws.desegment", 0x20);
    BOOLPREF("ws.guard_ports", 0x40);
    BOOLPREF("ws.take_over_upgrade", 0x80);
#undef BOOLPREF
    snprintf(v, sizeof(v), "%u", (unsigned)(b1 & 7u) + 1u);
    set_pref("ws.heur_claim_score", v);
    {
        /* the enum's values by name, as -o would give them */
        static const char *const as[] = { "lines", "json", "json-if-valid", "lines" };
        set_pref("ws.text_as", as[(b1 >> 3) & 3]);
    }
    prefs_apply_all();
    last = key;
}

static uint16_t ip_sum(const uint8_t *h)
{
    uint32_t s = 0;
    for (int i = 0; i < 20; i += 2)
        s += (uint32_t)(h[i] << 8 | h[i + 1]);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v); }

#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10

static uint32_t isn[2] = { 1000u, 700000u };
static uint32_t nxt[2];
static uint16_t sport = 51234, dport;

static void add_packet(int dir, uint8_t flags, const uint8_t *pl, uint32_t n, uint32_t seq, uint32_t s)
{
    pkt_t *k = &pkts[npkts++];
    uint8_t *b = malloc(HDR_LEN + n); /* exact: ASan sees a read past the packet */
    k->dir = dir;
    k->s = s;
    k->e = s + n;
    k->len = HDR_LEN + n;
    k->buf = b;
    memset(b, 0, HDR_LEN);
    b[0] = 0x45;
    put16(b + 2, HDR_LEN + n);
    put16(b + 4, npkts);
    b[6] = 0x40;
    b[8] = 64;
    b[9] = 6;
    put32(b + 12, dir ? 0x0a000002u : 0x0a000001u);
    put32(b + 16, dir ? 0x0a000001u : 0x0a000002u);
    put16(b + 10, ip_sum(b));
    put16(b + 20, dir ? dport : sport);
    put16(b + 22, dir ? sport : dport);
    put32(b + 24, seq);
    put32(b + 28, (flags & F_SYN) && !(flags & F_ACK) ? 0 : nxt[!dir]);
    b[32] = 0x50;
    b[33] = flags;
    put16(b + 34, 65535);
    if (n)
        memcpy(b + HDR_LEN, pl, n);
}

/* Turns the input into packets and the two direction streams; returns 0 when too short. */
static int build(const uint8_t *d, size_t size)
{
    static const uint16_t ports[4] = { 40000, 80, 5000, 443 };
    uint32_t nseg, i, at;
    int32_t last_seg[2] = { -1, -1 };
    uint32_t last_seq[2] = { 0, 0 };

    if (size < 3)
        return 0;
    dport = ports[d[0] & 3];
    nseg = (uint32_t)(d[2] % MAX_SEGS) + 1;
    if (size < 3 + 2 * (size_t)nseg)
        nseg = (uint32_t)((size - 3) / 2);
    at = 3 + 2 * nseg;
    npkts = 0;
    for (int dir = 0; dir < 2; dir++) {
        nxt[dir] = isn[dir];
        stream_len[dir] = 0;
        stream_gap[dir] = UINT32_MAX;
        free(stream[dir]);
        stream[dir] = malloc(size + 1);
    }
    if (d[0] & 0x04) {
        nxt[0] = isn[0];
        add_packet(0, F_SYN, NULL, 0, isn[0] - 1, 0);
        nxt[1] = isn[1];
        add_packet(1, F_SYN | F_ACK, NULL, 0, isn[1] - 1, 0);
        add_packet(0, F_ACK, NULL, 0, isn[0], 0);
    }
    for (i = 0; i < nseg; i++) {
        uint32_t code = (uint32_t)(d[3 + 2 * i] << 8 | d[4 + 2 * i]);
        int dir = (int)(code >> 15);
        uint32_t kind = (code >> 13) & 3u, n = code & 0x1fffu;
        if (kind == 1 && last_seg[dir] >= 0) {
            pkt_t *o = &pkts[last_seg[dir]];
            add_packet(dir, F_ACK | F_PSH, o->buf + HDR_LEN, o->len - HDR_LEN, last_seq[dir], o->s);
            continue;
        }
        if (n > size - at)
            n = (uint32_t)(size - at);
        memcpy(stream[dir] + stream_len[dir], d + at, n);
        if (kind == 2) {
            if (n && stream_gap[dir] == UINT32_MAX)
                stream_gap[dir] = stream_len[dir];
        } else {
            last_seg[dir] = (int32_t)npkts;
            last_seq[dir] = nxt[dir];
            add_packet(dir, n ? F_ACK | F_PSH : F_ACK, d + at, n, nxt[dir], stream_len[dir]);
        }
        stream_len[dir] += n;
        nxt[dir] += n;
        at += n;
    }
    if (d[1] & 0x20) {
        add_packet(0, F_RST | F_ACK, NULL, 0, nxt[0], stream_len[0]);
    } else if (d[0] & 0x08) {
        add_packet(0, F_FIN | F_ACK, NULL, 0, nxt[0], stream_len[0]);
        nxt[0]++;
        add_packet(1, F_FIN | F_ACK, NULL, 0, nxt[1], stream_len[1]);
        nxt[1]++;
        add_packet(0, F_ACK, NULL, 0, nxt[0], stream_len[0]);
    }
    return npkts > 0;
}

/* WS_FUZZ_PCAP=FILE: the input's packets also written as a pcap (raw IP), for tshark. */
static void write_pcap(const char *path)
{
    FILE *f = fopen(path, "wb");
    uint32_t gh[6] = { 0xa1b2c3d4u, 0x00040002u, 0, 0, 65535, 101 };
    if (!f)
        return;
    fwrite(gh, sizeof(gh), 1, f);
    for (uint32_t i = 0; i < npkts; i++) {
        uint32_t rh[4] = { 1700000000u + i, 0, pkts[i].len, pkts[i].len };
        fwrite(rh, sizeof(rh), 1, f);
        fwrite(pkts[i].buf, pkts[i].len, 1, f);
    }
    fclose(f);
}

static void run_pass(int pass, epan_dissect_t *edt)
{
    const frame_data *ref = NULL;
    frame_data *prev = NULL;
    nstime_t elapsed = NSTIME_INIT_ZERO;
    guint32 cum = 0;

    nshown[pass] = 0;
    memset(ws_in_pass2, 0, sizeof(ws_in_pass2));
    for (uint32_t i = 0; i < npkts; i++) {
        wtap_rec rec;
        tvbuff_t *tvb;
        memset(&rec, 0, sizeof(rec));
        rec.rec_type = REC_TYPE_PACKET;
        rec.presence_flags = WTAP_HAS_TS | WTAP_HAS_CAP_LEN;
        rec.ts.secs = 1700000000 + (time_t)i;
        rec.rec_header.packet_header.caplen = pkts[i].len;
        rec.rec_header.packet_header.len = pkts[i].len;
        rec.rec_header.packet_header.pkt_encap = WTAP_ENCAP_RAW_IP;
        if (pass == 0)
            frame_data_init(&fds[i], i + 1, &rec, (gint64)i * 100, cum);
        frame_data_set_before_dissect(&fds[i], &elapsed, &ref, prev);
        if (pass == 0) {
            epan_dissect_prime_with_hfid(edt, proto_ws_id);
            epan_dissect_prime_with_hfid(edt, hf_opcode);
            epan_dissect_prime_with_hfid(edt, hf_payload);
            if (proto_http_id >= 0)
                epan_dissect_prime_with_hfid(edt, proto_http_id);
        }
        tvb = tvb_new_real_data(pkts[i].buf, pkts[i].len, pkts[i].len);
        epan_dissect_run(edt, WTAP_FILE_TYPE_SUBTYPE_UNKNOWN, &rec, tvb, &fds[i], pass ? &cinfo : NULL);
        if (edt->tree)
            walk((proto_node *)edt->tree, &edt->pi, pass, i, pass == 1);
        note_tcp_runs(&edt->pi, (proto_node *)edt->tree, pass, i);
        frame_data_set_after_dissect(&fds[i], &cum);
        prev = &fds[i];
        epan_dissect_reset(edt);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct packet_provider_funcs funcs = { get_frame_ts, NULL, NULL, NULL };
    epan_dissect_t *edt;
    size_t before_new, before, held, bound;
    long long kept;
    int tls_off, builtin_off;

    init_once("fuzz_dissect");
    if (!build(data, size))
        return 0;
    if (getenv("WS_FUZZ_PCAP"))
        write_pcap(getenv("WS_FUZZ_PCAP"));
    apply_prefs(data[0], data[1]);
    tls_off = (data[0] & 3) == 3 && proto_tls_id >= 0;
    if (tls_off)
        proto_set_decoding(proto_tls_id, FALSE);
    /* With the takeover off, HTTP's upgrades would go to Wireshark's built-in WebSocket
     * dissector, which is not ours to fuzz: 4.0.17's reads through a NULL pointer on
     * some inputs (tshark -2 -V crashes on them without the plugin). It is disabled,
     * so those upgrades take the path they take when a user disables it. */
    builtin_off = (data[0] & 0x80) && proto_builtin_ws_id >= 0;
    if (builtin_off)
        proto_set_decoding(proto_builtin_ws_id, FALSE);
    reference(0);
    reference(1);
    by_handshake = 0;

    before_new = mem_now();
    session = epan_new(NULL, &funcs);
    before = mem_now();
    edt = epan_dissect_new(session, TRUE, FALSE);
    run_pass(0, edt);
    epan_dissect_free(edt);
    edt = epan_dissect_new(session, TRUE, TRUE);
    run_pass(1, edt);
    epan_dissect_free(edt);
    held = mem_now() - MIN(before, mem_now());
    /* 4: no message bigger than ws.max_message_size (256 KiB) is kept, and each kept
     * byte came from at most 1032 input bytes inflated; the rest is per packet. */
    bound = 16u * 1024u * 1024u + 2100u * size;
    if (held > bound) {
        fprintf(stderr, "fuzz_dissect: INVARIANT: %zu bytes held for an input of %zu\n", held, size);
        abort();
    }
    if (held > mem_peak) {
        mem_peak = held;
        mem_peak_size = size;
    }
    epan_free(session);
    session = NULL;
    /* What stays once the file is closed: summed over the inputs, it must not creep. */
    n_inputs++;
    kept = (long long)mem_now() - (long long)before_new;
    if (n_inputs > 1)
        mem_kept += kept;
    /* libwireshark itself keeps about 2.3 KiB per file closed (measured with inputs of one
     * empty ACK, which the plugin never sees): 8 KiB per input is the allowance. */
    if (mem_kept > 16ll * 1024 * 1024 + 8192ll * (long long)n_inputs) {
        fprintf(stderr, "fuzz_dissect: INVARIANT: %lld bytes kept after %lu inputs were closed\n", mem_kept,
                n_inputs);
        abort();
    }

    check_passes();
    check_reference(1);
    check_reference(0);

    if (getenv("WS_FUZZ_VERBOSE"))
        fprintf(stderr, "fuzz_dissect: %u packets, frames %u/%u, ref %u+%u, handshake %d, "
                "checked %lu, unsynced %lu, resynced %lu, held %zu, kept %lld\n", npkts, nshown[0], nshown[1], nrefs[0],
                nrefs[1], by_handshake, n_frames_checked, n_unsynced, n_resynced, held, kept);
    for (uint32_t i = 0; i < npkts; i++) {
        frame_data_destroy(&fds[i]);
        free(pkts[i].buf);
    }
    npkts = 0;
    if (tls_off)
        proto_set_decoding(proto_tls_id, TRUE);
    if (builtin_off)
        proto_set_decoding(proto_builtin_ws_id, TRUE);

    return 0;
}
