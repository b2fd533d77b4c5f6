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

/* tvb_get_guint8 was renamed tvb_get_uint8 in 4.2 and the old name later dropped. */
#if WS_VERSION_AT_LEAST(4, 2)
#define ws_tvb_get_u8 tvb_get_uint8
#else
#define ws_tvb_get_u8 tvb_get_guint8
#endif

/* ett_ variables start at -1 up to 4.2 (4.4 accepts either). */
#define WS_ETT_INIT (-1)

#endif
