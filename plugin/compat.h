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

/* What the captured HTTP handshake negotiated: http_conv_t has the two strings up to
 * 4.4; 4.6 moved them behind a callback of http_upgrade_info_t (not used yet). */
#if WS_VERSION_AT_LEAST(4, 6)
#define WS_HTTP_WS_PROTOCOL(http) ((const char *)NULL)
#define WS_HTTP_WS_EXTENSIONS(http) ((const char *)NULL)
#else
#define WS_HTTP_WS_PROTOCOL(http) ((const char *)(http)->websocket_protocol)
#define WS_HTTP_WS_EXTENSIONS(http) ((const char *)(http)->websocket_extensions)
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
