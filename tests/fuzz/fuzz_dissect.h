/* SPDX-License-Identifier: GPL-2.0-or-later
 * What fuzz_dissect.c (the input, the capture, the passes) and dissect_check.c (the
 * reference and the invariants over what the plugin showed) share. */
#ifndef FUZZ_DISSECT_H
#define FUZZ_DISSECT_H
#include <wireshark.h>
#include <epan/proto.h>
#include <epan/packet.h>
#include <stdint.h>

#define MAX_SEGS 48
#define MAX_PKTS (MAX_SEGS + 8)
#define MAX_FRAMES 4096
#define HDR_LEN 40 /* IPv4 + TCP, no options */

typedef struct {
    int dir;           /* 0: client to server */
    uint32_t s, e;     /* stream range of the payload (direction's offsets) */
    uint8_t *buf;      /* the packet: IPv4 + TCP + payload */
    uint32_t len;
} pkt_t;

typedef struct {
    uint32_t pkt;      /* packet index */
    int ds;            /* index of the data source in the packet */
    int start, length;
    int opcode;
    uint32_t hash;     /* of the frame's bytes */
} shown_t;

extern pkt_t pkts[MAX_PKTS];
extern uint32_t npkts;
extern uint8_t *stream[2];                    /* each direction's bytes, lost ones included */
extern uint32_t stream_len[2], stream_gap[2]; /* stream_gap: offset of the first lost byte */
extern int proto_ws_id, hf_opcode, hf_payload, hf_evidence, proto_http_id, proto_malformed_id;
extern int by_handshake, strict;
extern unsigned long n_inputs, n_unsynced, n_resynced, n_frames_checked, n_pass2_silent;
extern unsigned long n_wireshark_bugs; /* "Dissector bug" items of other dissectors */
extern shown_t shown[2][MAX_FRAMES];
extern uint32_t nshown[2];
extern uint8_t ws_in_pass2[MAX_PKTS];
extern uint32_t tcp_runs[2][MAX_PKTS]; /* per pass and packet: the runs TCP reassembled (lengths hashed) */
extern unsigned long n_tcp_differs, n_early_frames;
extern uint32_t nrefs[2], ref_end[2];

uint32_t fnv(const uint8_t *p, uint32_t n);
void reference(int dir);
void walk(proto_node *node, packet_info *pinfo, int pass, uint32_t k, int labels);
void note_tcp_runs(packet_info *pinfo, proto_node *tree, int pass, uint32_t k);
void check_passes(void);
void check_reference(int pass);
void fuzz_fatal(void); /* before abort(): where the input stood in its session */

#endif
