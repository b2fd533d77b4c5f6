/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ws-follow.c: Follow WebSocket stream. Owns the "ws" follower (Wireshark's follow
 * API, epan/follow.h: `tshark -z follow,ws,MODE,FILTER`, and the GUI's Follow
 * dialog where the GUI lists plugin followers): one conversation, chosen by its TCP
 * stream index or by its two address:port ends, shown as the data messages each side
 * sent, in the order they completed, each as it was decoded (unmasked, reassembled
 * from its fragments, decompressed). It listens to the "ws" tap and takes only its
 * WS_TAP_MESSAGE records (ws-deliver.c queues them); a message whose bytes are not
 * known (not decompressed, or cut at the maximum message size) becomes a marked
 * placeholder line, never bytes that were not sent. The client is the masking side
 * (RFC 6455 5.1) when the conversation knows it, else the first sender seen. It calls
 * the follow API (register_follow_stream through compat.h, follow_record_t), the TCP
 * dissector's stream index and stream count, and reads only the tap record: it keeps
 * no state of its own.
 */
#include <wireshark.h>
#include <epan/packet.h>
#include <epan/follow.h>
#include <epan/tap.h>
#include <epan/addr_resolv.h>
#include <epan/conversation.h>
#include <epan/dissectors/packet-tcp.h>
#include <inttypes.h>

#include "ws-int.h"

/* The display filter of one TCP stream: what the follower taps. */
static gchar *ws_follow_index_filter(guint stream, guint sub_stream _U_)
{
    return g_strdup_printf("tcp.stream eq %u", stream);
}

/* The packet's TCP stream, when the packet is ours (the GUI: "follow this one"). */
static gchar *ws_follow_conv_filter(epan_dissect_t *edt _U_, packet_info *pinfo, guint *stream, guint *sub_stream)
{
    struct tcp_analysis *tcpd;

    if (!proto_is_frame_protocol(pinfo->layers, "tcp") || !proto_is_frame_protocol(pinfo->layers, "ws"))
        return NULL;
    tcpd = get_tcp_conversation_data(find_conversation_pinfo(pinfo, 0), pinfo);
    if (!tcpd)
        return NULL;
    *stream = tcpd->stream;
    *sub_stream = 0;
    return ws_follow_index_filter(tcpd->stream, 0);
}

/* The filter name of an address family (IPv4 or IPv6), NULL for any other. */
static const char *ws_follow_ip_field(const address *a)
{
    if (a->type == AT_IPv4)
        return "ip";
    if (a->type == AT_IPv6)
        return "ipv6";
    return NULL;
}

/* The display filter of the TCP connection between two address:port ends. */
static gchar *ws_follow_address_filter(address *src, address *dst, int src_port, int dst_port)
{
    const char *ip = ws_follow_ip_field(src);
    gchar *s, *d, *f;

    if (!ip || src->type != dst->type)
        return NULL;
    s = address_to_str(NULL, src);
    d = address_to_str(NULL, dst);
    f = g_strdup_printf("((%s.src eq %s and tcp.srcport eq %d and %s.dst eq %s and tcp.dstport eq %d) or "
                        "(%s.src eq %s and tcp.srcport eq %d and %s.dst eq %s and tcp.dstport eq %d))",
                        ip, s, src_port, ip, d, dst_port, ip, d, dst_port, ip, s, src_port);
    wmem_free(NULL, s);
    wmem_free(NULL, d);
    return f;
}

/* The number of TCP streams (4.4 on: the GUI's stream selector). */
static guint32 ws_follow_stream_count(void)
{
    return get_tcp_stream_count();
}

/*
 * The conversation's two ends, set from the first message: the client is the
 * masking side when that is known, else the first message's sender.
 */
static void ws_follow_set_ends(follow_info_t *fi, packet_info *pinfo, const ws_tap_rec_t *r)
{
    gboolean sender_is_client = r->from_client != 0;

    if (fi->client_port || fi->server_port || fi->client_ip.type != AT_NONE)
        return;
    copy_address(&fi->client_ip, sender_is_client ? &pinfo->src : &pinfo->dst);
    copy_address(&fi->server_ip, sender_is_client ? &pinfo->dst : &pinfo->src);
    fi->client_port = sender_is_client ? pinfo->srcport : pinfo->destport;
    fi->server_port = sender_is_client ? pinfo->destport : pinfo->srcport;
}

/* Whether the message came from the server: by its masking, else by its sender's end. */
static gboolean ws_follow_from_server(const follow_info_t *fi, packet_info *pinfo, const ws_tap_rec_t *r)
{
    if (r->from_client >= 0)
        return r->from_client == 0;
    return !addresses_equal(&fi->client_ip, &pinfo->src) || fi->client_port != pinfo->srcport;
}

/* The bytes a message stands for: its own when decoded (an empty message has no
 * pointer), else a marked placeholder. */
static GByteArray *ws_follow_bytes(const ws_tap_rec_t *r)
{
    GByteArray *b = g_byte_array_new();
    gchar *note;

    if (r->decoded && (r->data || r->len == 0)) {
        if (r->len)
            g_byte_array_append(b, r->data, r->len);
        return b;
    }
    note = g_strdup_printf("[ws: %s message not decoded: %" PRIu64 " payload bytes on the wire, %u frame%s "
                           "from packet %u]\n",
                           val_to_str_const(r->opcode, ws_opcode_vals, "data"), r->wire_len, r->nframes,
                           r->nframes == 1 ? "" : "s", r->first_frame);
    g_byte_array_append(b, (const guint8 *)note, (guint)strlen(note));
    g_free(note);
    return b;
}

/* The tap listener: one follow record per complete data message. */
static tap_packet_status ws_follow_tap(void *tapdata, packet_info *pinfo, epan_dissect_t *edt _U_,
                                       const void *data, tap_flags_t flags _U_)
{
    follow_info_t *fi = (follow_info_t *)tapdata;
    const ws_tap_rec_t *r = (const ws_tap_rec_t *)data;
    follow_record_t *rec;

    if (!r || r->kind != WS_TAP_MESSAGE)
        return TAP_PACKET_DONT_REDRAW;
    ws_follow_set_ends(fi, pinfo, r);
    rec = g_new0(follow_record_t, 1);
    rec->is_server = ws_follow_from_server(fi, pinfo, r);
    rec->packet_num = pinfo->num;
    rec->abs_ts = pinfo->abs_ts;
    rec->data = ws_follow_bytes(r);
    fi->bytes_written[rec->is_server] += rec->data->len;
    /* The follow API keeps its records newest first. */
    fi->payload = g_list_prepend(fi->payload, rec);
    return TAP_PACKET_REDRAW;
}

/* Registers the "ws" follower (from proto_register_ws, after the "ws" tap). */
void ws_follow_register(void)
{
    ws_register_follow_stream(proto_ws, "ws", ws_follow_conv_filter, ws_follow_index_filter,
                              ws_follow_address_filter, tcp_port_to_display, ws_follow_tap,
                              ws_follow_stream_count);
}
