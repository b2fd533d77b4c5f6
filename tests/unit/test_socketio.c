/* SPDX-License-Identifier: GPL-2.0-or-later
 * Unit tests of core/wsc_socketio: fixed packets (what socket.io 4 sends, and what
 * it never sends), JSON validator vectors, member lookup and unescaping; packets
 * composed at random from their parts must parse back into those parts; and every
 * input, truncated at every length, is read inside its bounds (guard page). */
#include <glib.h>
#include <string.h>

#include "guard.h"
#include "wsc_socketio.h"

typedef struct {
    const char *name;
    const char *text;
    int ok;          /* parses */
    int error;       /* else: the error */
    int eio, sio;
    int att;         /* attachments, -1: none */
    const char *ns;  /* namespace, NULL: default */
    long long ack;   /* -1: none */
    const char *event; /* NULL: none (raw bytes between the quotes) */
} siovec;

static const siovec vecs[] = {
    { "open", "0{\"sid\":\"aiNO1-Huw-VlFNERAAAA\",\"upgrades\":[],\"pingInterval\":60000}", 1, 0, 0, -1, -1, NULL, -1, NULL },
    { "open_not_object", "0[1]", 0, WSC_SIO_E_PAYLOAD, 0, -1, -1, NULL, -1, NULL },
    { "open_bad_json", "0{\"sid\":}", 0, WSC_SIO_E_JSON, 0, -1, -1, NULL, -1, NULL },
    { "close", "1", 1, 0, 1, -1, -1, NULL, -1, NULL },
    { "close_data", "1x", 0, WSC_SIO_E_PAYLOAD, 1, -1, -1, NULL, -1, NULL },
    { "ping", "2", 1, 0, 2, -1, -1, NULL, -1, NULL },
    { "ping_probe", "2probe", 1, 0, 2, -1, -1, NULL, -1, NULL },
    { "pong_probe", "3probe", 1, 0, 3, -1, -1, NULL, -1, NULL },
    { "upgrade", "5", 1, 0, 5, -1, -1, NULL, -1, NULL },
    { "noop", "6", 1, 0, 6, -1, -1, NULL, -1, NULL },
    { "eio_7", "7", 0, WSC_SIO_E_EIO_TYPE, -1, -1, -1, NULL, -1, NULL },
    { "letter", "hello", 0, WSC_SIO_E_EIO_TYPE, -1, -1, -1, NULL, -1, NULL },
    { "empty", "", 0, WSC_SIO_E_EMPTY, -1, -1, -1, NULL, -1, NULL },
    { "message_bare", "4", 0, WSC_SIO_E_SIO_TYPE, 4, -1, -1, NULL, -1, NULL },
    { "message_text", "4hello", 0, WSC_SIO_E_SIO_TYPE, 4, -1, -1, NULL, -1, NULL },
    { "connect", "40", 1, 0, 4, 0, -1, NULL, -1, NULL },
    { "connect_sid", "40{\"sid\":\"BkQ803IaGtnPsdVBAAAA\"}", 1, 0, 4, 0, -1, NULL, -1, NULL },
    { "connect_ns", "40/admin,", 1, 0, 4, 0, -1, "/admin", -1, NULL },
    { "connect_ns_end", "40/admin", 1, 0, 4, 0, -1, "/admin", -1, NULL },
    { "connect_ns_auth", "40/admin,{\"token\":\"x\"}", 1, 0, 4, 0, -1, "/admin", -1, NULL },
    { "connect_array", "40[1]", 0, WSC_SIO_E_PAYLOAD, 4, 0, -1, NULL, -1, NULL },
    { "disconnect", "41", 1, 0, 4, 1, -1, NULL, -1, NULL },
    { "disconnect_ns", "41/chat,", 1, 0, 4, 1, -1, "/chat", -1, NULL },
    { "disconnect_data", "41{}", 0, WSC_SIO_E_PAYLOAD, 4, 1, -1, NULL, -1, NULL },
    { "event", "42[\"m\",\"\"]", 1, 0, 4, 2, -1, NULL, -1, "m" },
    { "event_ws", "42[ \"chat message\" , 1 ]", 1, 0, 4, 2, -1, NULL, -1, "chat message" },
    { "event_ack", "4212[\"m\",1]", 1, 0, 4, 2, -1, NULL, 12, "m" },
    { "event_ns_ack", "42/chat,7[\"hi\"]", 1, 0, 4, 2, -1, "/chat", 7, "hi" },
    { "event_escaped", "42[\"a\\\"b\\u00e9\"]", 1, 0, 4, 2, -1, NULL, -1, "a\\\"b\\u00e9" },
    { "event_number", "42[1,2]", 1, 0, 4, 2, -1, NULL, -1, NULL },
    { "event_empty_array", "42[]", 0, WSC_SIO_E_PAYLOAD, 4, 2, -1, NULL, -1, NULL },
    { "event_object_first", "42[{}]", 0, WSC_SIO_E_PAYLOAD, 4, 2, -1, NULL, -1, NULL },
    { "event_not_array", "42{\"a\":1}", 0, WSC_SIO_E_PAYLOAD, 4, 2, -1, NULL, -1, NULL },
    { "event_no_payload", "42", 0, WSC_SIO_E_PAYLOAD, 4, 2, -1, NULL, -1, NULL },
    { "event_reserved", "42[\"connect\"]", 0, WSC_SIO_E_PAYLOAD, 4, 2, -1, NULL, -1, NULL },
    { "event_trailing", "42[\"m\"]x", 0, WSC_SIO_E_JSON, 4, 2, -1, NULL, -1, NULL },
    { "event_truncated", "42[\"m\",", 0, WSC_SIO_E_JSON, 4, 2, -1, NULL, -1, NULL },
    { "ack", "4312[\"ok\"]", 1, 0, 4, 3, -1, NULL, 12, NULL },
    { "ack_empty", "43/chat,0[]", 1, 0, 4, 3, -1, "/chat", 0, NULL },
    { "ack_object", "431{}", 0, WSC_SIO_E_PAYLOAD, 4, 3, -1, NULL, 1, NULL },
    { "connect_error", "44{\"message\":\"Not authorized\"}", 1, 0, 4, 4, -1, NULL, -1, NULL },
    { "connect_error_string", "44/admin,\"no\"", 1, 0, 4, 4, -1, "/admin", -1, NULL },
    { "connect_error_number", "441", 0, WSC_SIO_E_PAYLOAD, 4, 4, -1, NULL, 1, NULL },
    { "binary_event", "451-[\"m\",{\"_placeholder\":true,\"num\":0}]", 1, 0, 4, 5, 1, NULL, -1, "m" },
    { "binary_event_ns_ack", "452-/up,3[\"f\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]",
      1, 0, 4, 5, 2, "/up", 3, "f" },
    { "binary_event_no_dash", "451[\"m\"]", 0, WSC_SIO_E_ATTACHMENTS, 4, 5, -1, NULL, -1, NULL },
    { "binary_event_no_count", "45-[\"m\"]", 0, WSC_SIO_E_ATTACHMENTS, 4, 5, -1, NULL, -1, NULL },
    { "binary_event_too_many", "451001-[\"m\"]", 0, WSC_SIO_E_ATTACHMENTS, 4, 5, -1, NULL, -1, NULL },
    { "binary_event_max", "451000-[\"m\"]", 1, 0, 4, 5, 1000, NULL, -1, "m" },
    { "binary_event_long_count", "45000001-[\"m\"]", 0, WSC_SIO_E_ATTACHMENTS, 4, 5, -1, NULL, -1, NULL },
    { "binary_ack", "461-5[{\"_placeholder\":true,\"num\":0}]", 1, 0, 4, 6, 1, NULL, 5, NULL },
    { "sio_7", "47[]", 0, WSC_SIO_E_SIO_TYPE, 4, -1, -1, NULL, -1, NULL },
    { "ack_id_15", "42123456789012345[\"m\"]", 1, 0, 4, 2, -1, NULL, 123456789012345LL, "m" },
    { "ack_id_16", "421234567890123456[\"m\"]", 0, WSC_SIO_E_ACK_ID, 4, 2, -1, NULL, -1, NULL },
};

static void check_vec(gconstpointer data)
{
    const siovec *v = data;
    size_t n = strlen(v->text);
    const uint8_t *g = guard_copy(v->text, n);
    wsc_sio_packet pk;
    int ok = wsc_sio_parse(g, n, &pk);

    g_assert_cmpint(ok, ==, v->ok);
    g_assert_cmpint(pk.error, ==, v->ok ? WSC_SIO_OK : v->error);
    g_assert_cmpint(pk.eio_type, ==, v->eio);
    g_assert_cmpint(pk.sio_type, ==, v->sio);
    if (!ok) {
        guard_free(g);
        return;
    }
    g_assert_cmpint(pk.has_attachments ? (int)pk.attachments : -1, ==, v->att);
    if (v->ns) {
        g_assert_cmpuint(pk.ns_len, ==, strlen(v->ns));
        g_assert_true(memcmp(g + pk.ns_off, v->ns, pk.ns_len) == 0);
    } else {
        g_assert_cmpuint(pk.ns_len, ==, 0);
    }
    g_assert_cmpint(pk.has_ack ? (long long)pk.ack_id : -1, ==, v->ack);
    g_assert_cmpint(pk.has_event, ==, v->event != NULL);
    if (v->event) {
        g_assert_cmpuint(pk.event_len, ==, strlen(v->event));
        g_assert_true(memcmp(g + pk.event_off, v->event, pk.event_len) == 0);
    }
    g_assert_cmpuint(pk.data_off + pk.data_len, ==, n);
    guard_free(g);
}

typedef struct {
    const char *text;
    int valid;
} jvec;

static const jvec jvecs[] = {
    { "{}", 1 }, { "[]", 1 }, { " [ 1 , -0.5e+3 , true , false , null , \"x\" ] ", 1 },
    { "\"\\u00e9\\n\\/\"", 1 }, { "0", 1 }, { "-0", 1 }, { "1E9", 1 }, { "{\"a\":{\"b\":[{}]}}", 1 },
    { "", 0 }, { " ", 0 }, { "01", 0 }, { "1.", 0 }, { ".5", 0 }, { "-", 0 }, { "1e", 0 }, { "+1", 0 },
    { "[1,]", 0 }, { "{\"a\":1,}", 0 }, { "{\"a\"}", 0 }, { "{a:1}", 0 }, { "[1 2]", 0 }, { "tru", 0 },
    { "nul", 0 }, { "\"abc", 0 }, { "\"\\x\"", 0 }, { "\"\\u12g4\"", 0 }, { "\"\\u12\"", 0 },
    { "\"a\tb\"", 0 }, { "'a'", 0 }, { "[1]]", 0 }, { "{} {}", 0 }, { "NaN", 0 }, { "[", 0 }, { "{", 0 },
    { "{\"a\":", 0 }, { "[\"a\\", 0 },
};

static void test_json_vectors(void)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(jvecs); i++) {
        size_t n = strlen(jvecs[i].text);
        const uint8_t *g = guard_copy(jvecs[i].text, n);
        if (wsc_json_validate(g, n) != jvecs[i].valid)
            g_error("json vector %zu \"%s\": expected %d", i, jvecs[i].text, jvecs[i].valid);
        guard_free(g);
    }
}

static void test_json_depth(void)
{
    char buf[2 * (WSC_JSON_MAX_DEPTH + 2) + 1];
    size_t d;

    for (d = WSC_JSON_MAX_DEPTH; d <= WSC_JSON_MAX_DEPTH + 1; d++) {
        memset(buf, '[', d);
        memset(buf + d, ']', d);
        g_assert_cmpint(wsc_json_validate((const uint8_t *)buf, 2 * d), ==, d <= WSC_JSON_MAX_DEPTH);
    }
    /* Deep nesting inside a packet is refused without recursing further. */
    {
        static char deep[100002];
        memset(deep, '[', 50001);
        memset(deep + 50001, ']', 50001);
        g_assert_cmpint(wsc_json_validate((const uint8_t *)deep, sizeof(deep)), ==, 0);
    }
}

static void test_member(void)
{
    const char *o = "{ \"upgrades\" : [\"x\"], \"sid\" : \"abc\", \"n\":12 }";
    size_t off = 0, len = 0;
    int kind = 0;

    g_assert_true(wsc_json_member((const uint8_t *)o, strlen(o), "sid", 3, &off, &len, &kind));
    g_assert_cmpint(kind, ==, WSC_JSON_STRING);
    g_assert_cmpuint(len, ==, 3);
    g_assert_true(memcmp(o + off, "abc", 3) == 0);
    g_assert_true(wsc_json_member((const uint8_t *)o, strlen(o), "n", 1, &off, &len, &kind));
    g_assert_cmpint(kind, ==, WSC_JSON_NUMBER);
    g_assert_true(memcmp(o + off, "12", len) == 0 && len == 2);
    g_assert_true(wsc_json_member((const uint8_t *)o, strlen(o), "upgrades", 8, &off, &len, &kind));
    g_assert_cmpint(kind, ==, WSC_JSON_ARRAY);
    g_assert_false(wsc_json_member((const uint8_t *)o, strlen(o), "si", 2, &off, &len, &kind));
    g_assert_false(wsc_json_member((const uint8_t *)"[1]", 3, "sid", 3, &off, &len, &kind));
    /* Only top-level members. */
    g_assert_false(wsc_json_member((const uint8_t *)"{\"a\":{\"sid\":\"x\"}}", 17, "sid", 3, &off, &len, &kind));
}

static void test_unescape(void)
{
    static const struct { const char *in, *out; } u[] = {
        { "plain", "plain" },
        { "a\\\"b\\\\c\\/d", "a\"b\\c/d" },
        { "\\b\\f\\n\\r\\t", "\b\f\n\r\t" },
        { "\\u00e9\\u20ac", "\xc3\xa9\xe2\x82\xac" },
        { "\\ud83d\\ude00", "\xf0\x9f\x98\x80" },
        { "\\ud83dx", "\xef\xbf\xbdx" },
        { "\\ude00", "\xef\xbf\xbd" },
        { "\\ud83d\\u0041", "\xef\xbf\xbd" "A" },
        { "\\u0041", "A" },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(u); i++) {
        size_t n = strlen(u[i].in);
        uint8_t out[64];
        size_t m = wsc_json_unescape((const uint8_t *)u[i].in, n, out);
        g_assert_cmpuint(m, <=, n);
        g_assert_cmpuint(m, ==, strlen(u[i].out));
        g_assert_true(memcmp(out, u[i].out, m) == 0);
    }
}

/* Random packets made of parts: the parser gives the parts back. */
static void test_composed(void)
{
    static const char *const events[] = { "m", "chat message", "x\\\"y", "\xc3\xa9v" };
    static const char *const args[] = { "", ",1", ",\"s\"", ",{\"a\":[1,null]}", ",true,false" };
    GRand *r = g_rand_new_with_seed(5);
    int round;

    for (round = 0; round < 20000; round++) {
        GString *s = g_string_new("4");
        int type = g_rand_boolean(r) ? WSC_SIO_EVENT : WSC_SIO_BINARY_EVENT;
        guint att = (guint)g_rand_int_range(r, 0, 1001);
        gboolean ns = g_rand_boolean(r), ack = g_rand_boolean(r);
        guint64 ack_id = g_rand_int(r);
        const char *ev = events[g_rand_int_range(r, 0, G_N_ELEMENTS(events))];
        wsc_sio_packet pk;
        uint8_t *g;

        g_string_append_printf(s, "%d", type);
        if (type == WSC_SIO_BINARY_EVENT)
            g_string_append_printf(s, "%u-", att);
        if (ns)
            g_string_append(s, "/n-s.1,");
        if (ack)
            g_string_append_printf(s, "%" G_GUINT64_FORMAT, ack_id);
        g_string_append_printf(s, "[\"%s\"%s]", ev, args[g_rand_int_range(r, 0, G_N_ELEMENTS(args))]);
        g = (uint8_t *)guard_copy(s->str, s->len);
        g_assert_true(wsc_sio_parse(g, s->len, &pk));
        g_assert_cmpint(pk.sio_type, ==, type);
        g_assert_cmpint(pk.has_attachments, ==, type == WSC_SIO_BINARY_EVENT);
        if (type == WSC_SIO_BINARY_EVENT)
            g_assert_cmpuint(pk.attachments, ==, att);
        g_assert_cmpuint(pk.ns_len, ==, ns ? 6 : 0);
        g_assert_cmpint(pk.has_ack, ==, ack);
        if (ack)
            g_assert_cmpuint(pk.ack_id, ==, ack_id);
        g_assert_true(pk.has_event);
        g_assert_cmpuint(pk.event_len, ==, strlen(ev));
        g_assert_true(memcmp(g + pk.event_off, ev, pk.event_len) == 0);
        /* Every proper prefix that ends inside the JSON fails. */
        g_assert_false(wsc_sio_parse(g + 0, s->len - 1, &pk));
        guard_free(g);
        g_string_free(s, TRUE);
    }
    g_rand_free(r);
}

/* Every vector at every length, and mutations of it, read inside their bounds. */
static void test_bounds(void)
{
    GRand *r = g_rand_new_with_seed(6455);
    size_t i, k;
    int round;

    for (i = 0; i < G_N_ELEMENTS(vecs); i++) {
        size_t n = strlen(vecs[i].text);
        for (k = 0; k <= n; k++) {
            const uint8_t *g = guard_copy(vecs[i].text, k);
            wsc_sio_packet pk;
            if (wsc_sio_parse(g, k, &pk)) {
                g_assert_cmpuint(pk.data_off + pk.data_len, ==, k);
                g_assert_cmpuint(pk.ns_off + pk.ns_len, <=, k);
                g_assert_cmpuint(pk.event_off + pk.event_len, <=, k);
            }
            guard_free(g);
        }
        for (round = 0; round < 200; round++) {
            char buf[256];
            const uint8_t *g;
            wsc_sio_packet pk;
            memcpy(buf, vecs[i].text, n);
            if (n)
                buf[g_rand_int_range(r, 0, (gint32)n)] = "[]{}\",:\\-/0159au \x80"[g_rand_int_range(r, 0, 19)];
            g = guard_copy(buf, n);
            if (wsc_sio_parse(g, n, &pk) && pk.has_event && pk.event_escaped) {
                uint8_t out[256];
                g_assert_cmpuint(wsc_json_unescape(g + pk.event_off, pk.event_len, out), <=, pk.event_len);
            }
            guard_free(g);
        }
    }
    g_rand_free(r);
}

int main(int argc, char **argv)
{
    size_t i;

    g_test_init(&argc, &argv, NULL);
    for (i = 0; i < G_N_ELEMENTS(vecs); i++) {
        char *path = g_strdup_printf("/core/socketio/packet/%s", vecs[i].name);
        g_test_add_data_func(path, &vecs[i], check_vec);
        g_free(path);
    }
    g_test_add_func("/core/socketio/json/vectors", test_json_vectors);
    g_test_add_func("/core/socketio/json/depth", test_json_depth);
    g_test_add_func("/core/socketio/json/member", test_member);
    g_test_add_func("/core/socketio/json/unescape", test_unescape);
    g_test_add_func("/core/socketio/composed", test_composed);
    g_test_add_func("/core/socketio/bounds", test_bounds);
    return g_test_run();
}
