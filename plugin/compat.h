/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Bridges the Wireshark API differences between 4.0 and 4.6.
 * This is the only file that tests WIRESHARK_VERSION_MAJOR/MINOR.
 */
#ifndef WS_PLUGIN_COMPAT_H
#define WS_PLUGIN_COMPAT_H

#include <ws_version.h>

#define WS_VERSION_AT_LEAST(maj, min) \
    (WIRESHARK_VERSION_MAJOR > (maj) || (WIRESHARK_VERSION_MAJOR == (maj) && WIRESHARK_VERSION_MINOR >= (min)))

/* Heuristic dissectors return bool from 4.4 on, gboolean before. */
#if WS_VERSION_AT_LEAST(4, 4)
#include <stdbool.h>
typedef bool ws_heur_ret_t;
#else
typedef gboolean ws_heur_ret_t;
#endif

/* Boolean preference variables are bool from 4.4 on (prefs_register_bool_preference
 * takes bool *), gboolean before. */
#if WS_VERSION_AT_LEAST(4, 4)
typedef bool ws_pref_bool_t;
#else
typedef gboolean ws_pref_bool_t;
#endif

/* plugin_describe() and WS_PLUGIN_DESC_* (4.2 on) come from wsutil/plugins.h, which
 * no other installed header pulls in; 4.0 does not install it. */
#if WS_VERSION_AT_LEAST(4, 2)
#include <wsutil/plugins.h>
#endif

/* What the captured HTTP handshake negotiated (Sec-WebSocket-Protocol and
 * Sec-WebSocket-Extensions of the server's 101), read where HTTP hands the connection
 * over: `http` is the conversation's http_conv_t (or NULL), `data` what HTTP passed
 * to the upgrade dissector. Up to 4.4 http_conv_t holds the two strings. 4.6 removed
 * them: HTTP passes an http_upgrade_info_t (packet-http.h) as data (also kept as
 * http_conv_t.upgrade_info), whose get_header_value(pinfo, name, other_direction)
 * looks a header of the handshake up; other_direction = !from_server asks for the
 * server's answer whichever side sent the packet at hand. The value is copied to file
 * scope (the callback's string belongs to HTTP). */
#if WS_VERSION_AT_LEAST(4, 6)
#include <epan/dissectors/packet-http.h>
static inline const char *ws_http_ws_header(packet_info *pinfo, http_conv_t *http, void *data, const char *name)
{
    http_upgrade_info_t *up = data ? (http_upgrade_info_t *)data : http ? http->upgrade_info : NULL;
    const char *v;

    if (!up || !up->get_header_value)
        return NULL;
    v = up->get_header_value(pinfo, name, !up->from_server);
    return v ? wmem_strdup(wmem_file_scope(), v) : NULL;
}
#define WS_HTTP_WS_PROTOCOL(pinfo, http, data) ws_http_ws_header((pinfo), (http), (data), "sec-websocket-protocol")
#define WS_HTTP_WS_EXTENSIONS(pinfo, http, data) ws_http_ws_header((pinfo), (http), (data), "sec-websocket-extensions")
#else
#define WS_HTTP_WS_PROTOCOL(pinfo, http, data) \
    ((void)(pinfo), (void)(data), (http) ? (const char *)(http)->websocket_protocol : (const char *)NULL)
#define WS_HTTP_WS_EXTENSIONS(pinfo, http, data) \
    ((void)(pinfo), (void)(data), (http) ? (const char *)(http)->websocket_extensions : (const char *)NULL)
#endif

/* What the TLS dissector hands its heuristic subdissectors: a pointer to the
 * session's application handle in 4.0, a struct tlsinfo holding that pointer from
 * 4.2 on (checked in the 4.4 and 4.6 headers). */
#if WS_VERSION_AT_LEAST(4, 2)
#define WS_TLS_APP_HANDLE_SLOT(data) ((data) ? ((struct tlsinfo *)(data))->app_handle : NULL)
#else
#define WS_TLS_APP_HANDLE_SLOT(data) ((dissector_handle_t *)(data))
#endif

/* dissector_try_string() is deprecated in 4.6 for dissector_try_string_with_data(). */
#if WS_VERSION_AT_LEAST(4, 6)
#define ws_dissector_try_string(table, str, tvb, pinfo, tree) \
    dissector_try_string_with_data((table), (str), (tvb), (pinfo), (tree), true, NULL)
#else
#define ws_dissector_try_string(table, str, tvb, pinfo, tree) \
    dissector_try_string((table), (str), (tvb), (pinfo), (tree), NULL)
#endif

/* tvb_get_guint8 was renamed tvb_get_uint8 in 4.2 (the old name is deprecated). */
#if WS_VERSION_AT_LEAST(4, 2)
#define ws_tvb_get_u8 tvb_get_uint8
#else
#define ws_tvb_get_u8 tvb_get_guint8
#endif

/* tvb_find_guint8 is deprecated for tvb_find_uint8 in 4.4 and 4.6 (headers checked; 4.2
 * not checked, so it keeps the old name). */
#if WS_VERSION_AT_LEAST(4, 4)
#define ws_tvb_find_u8 tvb_find_uint8
#else
#define ws_tvb_find_u8 tvb_find_guint8
#endif

/* register_follow_stream() takes two more callbacks in 4.4 and 4.6 (headers checked;
 * 4.2 not checked): the number of streams (for the GUI's stream spin box) and the
 * sub-stream lookup (NULL: none). */
#if WS_VERSION_AT_LEAST(4, 4)
#define ws_register_follow_stream(proto, tap, conv_f, index_f, addr_f, port_f, handler, count_f) \
    register_follow_stream((proto), (tap), (conv_f), (index_f), (addr_f), (port_f), (handler), (count_f), NULL)
#else
#define ws_register_follow_stream(proto, tap, conv_f, index_f, addr_f, port_f, handler, count_f) \
    ((void)(count_f), register_follow_stream((proto), (tap), (conv_f), (index_f), (addr_f), (port_f), (handler)))
#endif

/* struct tcp_analysis.conversation_completeness (packet-tcp.h): the bits of tcp.completeness,
 * SYN (1) and SYN-ACK (2) seen. The values are those documented for the field; the
 * names are private to packet-tcp.c. */
#define WS_TCP_COMPLETENESS_SYN 0x03

/* ett_ variables start at -1 up to 4.2 (4.4 accepts either). */
#define WS_ETT_INIT (-1)

#endif
