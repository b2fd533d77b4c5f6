/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * In-process fuzzing of the whole plugin through libwireshark. The plugin's sources are
 * compiled into this program and registered as plugin.c does, before epan_init; every
 * input becomes a short TCP capture (raw IPv4), dissected as `tshark -2 -V` would: a
 * first pass over every packet, then a second pass with a visible tree and columns.
 *
 * Sessions: one capture file (epan_new) holds WS_FUZZ_RECYCLE inputs (default 256), then
 * is closed (epan_free) and a new one opened; as oss-fuzz's fuzzshark does, since
 * epan_new/epan_free (every dissector's init and cleanup) cost more than dissecting an
 * input. Each input of a session is its own TCP conversation: the k-th (from 0) has the
 * client 10.0.(k/127).(1+2(k%127)) and the server the next address (10.0.0.1 and
 * 10.0.0.2 for the first), client port 51234, the server port the input chooses; its
 * packets continue the session's frame numbers, timestamps and file offsets. Both passes
 * run over the input's packets before the next input starts (the second sees them
 * visited). Replayed alone, an input is the first of a fresh session, addressed as before
 * sessions existed. State the plugin keeps per capture file rather than per conversation
 * (socketio.c counts the file's Socket.IO conversations) can let an earlier input of the
 * session change an input's result: a finding is reported with its place in the session
 * ("the input was number N of its session"), WS_FUZZ_BATCH_DIR=DIR saves the session's
 * inputs up to it as DIR/session-PID/000001... (replay_dissect replays a folder in name
 * order: WS_FUZZ_RECYCLE=0 build-fuzz/tests/replay_dissect DIR/session-PID), and
 * WS_FUZZ_RECYCLE=1 gives every input a file of its own. A session holding more than
 * 256 MiB, or of 32,512 inputs, is closed early. (Some state outlives epan_free too:
 * tests/fuzz/order-dependence, docs/robustness.md.)
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
 *   3. memory held while an input is dissected (its two passes) stays under 24 MiB + 2100
 *      bytes per input byte, and what stays after a session's file is closed, summed over
 *      the sessions, under 16 MiB + 8 KiB per input (checked at each close, the last
 *      session's at exit; counted from epan_new, each input's call and epan_free, not
 *      what libFuzzer allocates between calls);
 *   4. no "Dissector bug" item names the plugin (protocol WS or a plugin/ws-*.c line);
 *      libwireshark's own are counted.
 * WS_FUZZ_VERBOSE=1 prints each input's counts (and the frames, on a violation) and each
 * session's memory; WS_FUZZ_PCAP=FILE writes the input's packets as a pcap for tshark.
 * The plugin's wmem allocations are one malloc each (wmem_track.c), so ASan sees their
 * bounds; libwireshark's pools keep their block allocators (WIRESHARK_DEBUG_WMEM_OVERRIDE=
 * simple makes every pool malloc each allocation, as the harness did before: 2.7 times
 * slower).
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
#include <limits.h>
#include <unistd.h>
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
/* from sanitizer/asan_interface.h */
void __asan_set_error_report_callback(void (*callback)(const char *));
#endif

void proto_register_ws(void);
void proto_reg_handoff_ws(void);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#include "fuzz_dissect.h"

static epan_t *session;
static column_info cinfo;
static frame_data fds[MAX_PKTS];
/* The session (one "capture file" of many inputs, each its own TCP conversation). */
static unsigned long recycle_every = 256; /* WS_FUZZ_RECYCLE */
static unsigned long session_inputs;      /* inputs dissected in the open session */
static unsigned long n_sessions;          /* sessions closed */
static uint32_t frame_base;               /* frames numbered in the open session before this input */
/* What the open session holds: the memory epan_new took, plus what each input's call left
 * allocated (its start to its end; not libFuzzer's own allocations between calls, such as
 * its corpus); epan_free's change is added when it closes. */
static long long session_net;
static long long session_peak;            /* most session_net after one of its inputs */
static long long sessions_peak;           /* most any session held */
static unsigned long n_recycled_on_memory;
pkt_t pkts[MAX_PKTS];
uint32_t npkts;
int proto_ws_id = -1, hf_opcode = -1, hf_payload = -1, hf_evidence = -1;
int by_handshake; /* the second pass's ws.heur.evidence names the HTTP handshake */
static int proto_tls_id = -1;
static int proto_builtin_ws_id = -1;
int strict;
unsigned long n_inputs, n_unsynced, n_resynced, n_frames_checked, n_pass2_silent;
static size_t mem_peak, mem_peak_size;
static long long mem_kept; /* bytes still held after epan_free, summed over the sessions */
#define SESSION_MEM_MAX (256u * 1024u * 1024u) /* a session holding more is closed early */
#define MAX_SESSION_INPUTS (127ul * 256ul)      /* addresses 10.0.0.1 to 10.0.255.254 (set_addresses) */

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
    return num > frame_base && num <= frame_base + npkts ? &fds[num - frame_base - 1].abs_ts : &zero;
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

static const char *batch_dir;
static unsigned long n_prefs_set, n_prefs_applied;
static void session_close(void);
#ifdef WS_HAVE_ASAN
static void asan_reported(const char *report);
#endif

static void report(void)
{
    /* The last session is closed here, so that its memory is checked too (a replay of
     * fewer inputs than WS_FUZZ_RECYCLE has only this one). */
    session_close();
    fprintf(stderr, "fuzz_dissect: %lu inputs in %lu sessions (WS_FUZZ_RECYCLE=%lu; %lu closed early, over %u MiB); "
            "frames checked against the reference %lu; directions whose "
            "first frame was off it (no handshake) %lu, left it later %lu; packets with frames in the first pass "
            "that libwireshark did not hand to the plugin in the second %lu, that TCP reassembled or HTTP read otherwise in the second %lu; inputs whose client wrote after its request before the 101 %lu; bytes kept after closing, all sessions %lld; "
            "most memory held by one input %zu bytes (an input of %zu), by one session %lld; other dissectors' bugs %lu; "
            "preferences set %lu times, applied %lu\n",
            n_inputs, n_sessions, recycle_every == ULONG_MAX ? 0 : recycle_every, n_recycled_on_memory, SESSION_MEM_MAX >> 20, n_frames_checked,
            n_unsynced, n_resynced, n_pass2_silent, n_tcp_differs, n_early_frames, mem_kept, mem_peak, mem_peak_size,
            sessions_peak, n_wireshark_bugs, n_prefs_set, n_prefs_applied);
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
    /* The plugin's wmem allocations are each a malloc of their own (wmem_track.c), so
     * ASan sees overruns of its wmem buffers; libwireshark's pools stay the fast block
     * allocators unless WIRESHARK_DEBUG_WMEM_OVERRIDE=simple says otherwise. */
    g_setenv("G_SLICE", "always-malloc", 0);
    /* A failed DISSECTOR_ASSERT is shown as a "Dissector bug" item; dissect_check.c
     * aborts on one of ours. Wireshark 4.0.17 has its own (Ceph, TCP after a heuristic
     * that asked for more data), found in the first campaign with the plugin disabled:
     * WIRESHARK_ABORT_ON_DISSECTOR_BUG=1 would stop on those too. */
    atexit(report);
    strict = getenv("WS_FUZZ_STRICT") && atoi(getenv("WS_FUZZ_STRICT")) != 0;
    /* WS_FUZZ_RECYCLE=N: a session (capture file) is closed after N inputs; 1 gives every
     * input a file of its own, 0 never closes one (but at 256 MiB held). */
    if (getenv("WS_FUZZ_RECYCLE")) {
        recycle_every = strtoul(getenv("WS_FUZZ_RECYCLE"), NULL, 10);
        if (recycle_every == 0)
            recycle_every = ULONG_MAX;
    }
    batch_dir = getenv("WS_FUZZ_BATCH_DIR");
    if (batch_dir && !*batch_dir)
        batch_dir = NULL;
#ifdef WS_HAVE_ASAN
    /* (libFuzzer takes the death callback for itself) */
    __asan_set_error_report_callback(asan_reported);
#endif
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

/*
 * Preferences chosen by the input, set only when they change. prefs_set_pref writes the
 * variables at once; prefs_apply_all then runs the changed modules' callbacks, only when
 * tcp.desegment_tcp_streams or ws.guard_ports changed. The plugin's callback (its handoff,
 * ws-register.c) redoes the port guards from ws.guard_ports (and guard_protocols, fixed
 * here) and nothing else: the other four are read while dissecting. That callback took
 * three quarters of a small input's time (re-registering every guarded port) and ran
 * whenever byte 0 or 1 changed. A module's changed flag stays set until the next
 * prefs_apply_all, which then calls it.
 */
static void apply_prefs(uint8_t b0, uint8_t b1)
{
    static int last = -1;
    char v[16];
    int key = b0 & 0xf0;

    key |= (b1 & 0x1f) << 8;
    if (key == last)
        return;
    n_prefs_set++;
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
    if (last < 0 || ((key ^ last) & 0x50)) {
        prefs_apply_all();
        n_prefs_applied++;
    }
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
static uint32_t cli_addr = 0x0a000001u, srv_addr = 0x0a000002u;

/* The input's addresses, by its place in the session: 10.0.0.1 and 10.0.0.2 for the first,
 * then 10.0.0.3 and 10.0.0.4, ... (last byte 1-254, the client's always the lower
 * address; ports as chosen by the input), so that no two inputs of a session share a
 * conversation. */
static void set_addresses(unsigned long k)
{
    cli_addr = 0x0a000000u | (uint32_t)(k / 127u) << 8 | (uint32_t)(1u + 2u * (k % 127u));
    srv_addr = cli_addr + 1u;
}

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
    put32(b + 12, dir ? srv_addr : cli_addr);
    put32(b + 16, dir ? cli_addr : srv_addr);
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
        uint32_t rh[4] = { 1700000000u + frame_base + i, 0, pkts[i].len, pkts[i].len };
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
        rec.ts.secs = 1700000000 + (time_t)(frame_base + i);
        rec.rec_header.packet_header.caplen = pkts[i].len;
        rec.rec_header.packet_header.len = pkts[i].len;
        rec.rec_header.packet_header.pkt_encap = WTAP_ENCAP_RAW_IP;
        if (pass == 0)
            frame_data_init(&fds[i], frame_base + i + 1, &rec, (gint64)(frame_base + i) * 100, cum);
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

/* ---- the session: inputs kept, for a finding that needs the ones before it ---- */

typedef struct {
    uint8_t *data;
    size_t size;
} kept_input_t;

static kept_input_t *batch; /* the open session's inputs, in order (WS_FUZZ_BATCH_DIR) */
static unsigned long batch_len;

/* Before a fatal end (an invariant, or a sanitizer's report): where the input stood in
 * its session, and with WS_FUZZ_BATCH_DIR the session's inputs up to it, as files that
 * replay in order (WS_FUZZ_RECYCLE=0 replay_dissect DIR/session-PID). */
void fuzz_fatal(void)
{
    static int once;
    char dir[4096], path[4200];

    if (once)
        return;
    once = 1;
    fprintf(stderr, "fuzz_dissect: the input was number %lu of its session (first frame %u, %lu sessions "
            "before it, WS_FUZZ_RECYCLE=%lu)%s\n", session_inputs + 1, frame_base + 1, n_sessions,
            recycle_every == ULONG_MAX ? 0 : recycle_every, session_inputs ? ": if it passes when replayed alone, the inputs before it count (WS_FUZZ_BATCH_DIR)" : "");
    if (!batch_dir || !session_inputs)
        return;
    snprintf(dir, sizeof(dir), "%s/session-%ld", batch_dir, (long)getpid());
    if (g_mkdir_with_parents(dir, 0755) != 0)
        return;
    for (unsigned long i = 0; i < batch_len; i++) {
        FILE *f;
        snprintf(path, sizeof(path), "%s/%06lu", dir, i + 1);
        f = fopen(path, "wb");
        if (!f)
            return;
        if (batch[i].size)
            fwrite(batch[i].data, batch[i].size, 1, f);
        fclose(f);
    }
    fprintf(stderr, "fuzz_dissect: the session's %lu inputs up to this one are in %s\n", batch_len, dir);
}

#ifdef WS_HAVE_ASAN
static void asan_reported(const char *report _U_)
{
    fuzz_fatal();
}
#endif

static void batch_clear(void)
{
    for (unsigned long i = 0; i < batch_len; i++)
        free(batch[i].data);
    batch_len = 0;
}

static void session_open(void)
{
    static const struct packet_provider_funcs funcs = { get_frame_ts, NULL, NULL, NULL };

    size_t b = mem_now();

    session = epan_new(NULL, &funcs);
    session_net = (long long)mem_now() - (long long)b;
    session_inputs = 0;
    frame_base = 0;
    session_peak = 0;
}

/* Invariant 3's second half: what stays once the session's file is closed, summed over
 * the sessions, must not creep. libwireshark itself keeps about 2.3 KiB per file closed
 * (measured with inputs of one empty ACK, which the plugin never sees): 8 KiB per input
 * is the allowance. */
static void session_close(void)
{
    long long kept;
    size_t b;

    if (!session)
        return;
    b = mem_now();
    epan_free(session);
    session = NULL;
    batch_clear();
    n_sessions++;
    kept = session_net + (long long)mem_now() - (long long)b;
    mem_kept += kept;
    if (session_peak > sessions_peak)
        sessions_peak = session_peak;
    if (getenv("WS_FUZZ_VERBOSE"))
        fprintf(stderr, "fuzz_dissect: session %lu closed after %lu inputs, %u frames; held at most %lld, kept %lld\n",
                n_sessions, session_inputs, frame_base, session_peak, kept);
    if (mem_kept > 16ll * 1024 * 1024 + 8192ll * (long long)n_inputs) {
        fprintf(stderr, "fuzz_dissect: INVARIANT: %lld bytes kept after %lu inputs (%lu sessions) were closed\n",
                mem_kept, n_inputs, n_sessions);
        fuzz_fatal();
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    epan_dissect_t *edt;
    size_t start, before, after, held, bound;
    int tls_off, builtin_off;

    init_once("fuzz_dissect");
    if (size < 3)
        return 0;
    if (session && (session_inputs >= MIN(recycle_every, MAX_SESSION_INPUTS) ||
                    session_net > (long long)SESSION_MEM_MAX)) {
        if (session_inputs < MIN(recycle_every, MAX_SESSION_INPUTS))
            n_recycled_on_memory++;
        session_close();
    }
    if (!session)
        session_open();
    start = mem_now();
    set_addresses(session_inputs);
    if (!build(data, size)) {
        session_net += (long long)mem_now() - (long long)start;
        return 0;
    }
    if (batch_dir) {
        static unsigned long cap;
        if (batch_len == cap) {
            cap = cap ? 2 * cap : 64;
            batch = realloc(batch, cap * sizeof(*batch));
        }
        batch[batch_len].data = malloc(size);
        memcpy(batch[batch_len].data, data, size);
        batch[batch_len++].size = size;
    }
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

    /* Both passes over this input's packets (its conversation's), one after the other:
     * earlier inputs' packets are not dissected again. */
    before = mem_now();
    edt = epan_dissect_new(session, TRUE, FALSE);
    run_pass(0, edt);
    epan_dissect_free(edt);
    edt = epan_dissect_new(session, TRUE, TRUE);
    run_pass(1, edt);
    epan_dissect_free(edt);
    after = mem_now();
    held = after - MIN(before, after);
    /* 3: no message bigger than ws.max_message_size (256 KiB) is kept, and each kept
     * byte came from at most 1032 input bytes inflated; the rest is per packet. 8 MiB
     * more: the input may be the one that starts a new block of the file scope's
     * allocator (libwireshark's wmem block allocator takes 8 MiB at a time). */
    bound = 24u * 1024u * 1024u + 2100u * size;
    if (held > bound) {
        fprintf(stderr, "fuzz_dissect: INVARIANT: %zu bytes held for an input of %zu\n", held, size);
        fuzz_fatal();
        abort();
    }
    if (held > mem_peak) {
        mem_peak = held;
        mem_peak_size = size;
    }
    n_inputs++;

    check_passes();
    check_reference(1);
    check_reference(0);

    if (getenv("WS_FUZZ_VERBOSE"))
        fprintf(stderr, "fuzz_dissect: %u packets (frames %u-%u of session %lu), frames %u/%u, ref %u+%u, handshake %d, "
                "checked %lu, unsynced %lu, resynced %lu, held %zu\n", npkts, frame_base + 1, frame_base + npkts,
                n_sessions + 1, nshown[0], nshown[1], nrefs[0], nrefs[1], by_handshake, n_frames_checked, n_unsynced,
                n_resynced, held);
    for (uint32_t i = 0; i < npkts; i++) {
        frame_data_destroy(&fds[i]);
        free(pkts[i].buf);
    }
    frame_base += npkts;
    npkts = 0;
    session_inputs++;
    if (tls_off)
        proto_set_decoding(proto_tls_id, TRUE);
    if (builtin_off)
        proto_set_decoding(proto_builtin_ws_id, TRUE);
    session_net += (long long)mem_now() - (long long)start;
    if (session_net > session_peak)
        session_peak = session_net;
    if (recycle_every == 1)
        session_close(); /* a file per input, closed with it, as before sessions */

    return 0;
}
