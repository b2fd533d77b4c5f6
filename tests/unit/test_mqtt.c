/* SPDX-License-Identifier: GPL-2.0-or-later
 * Unit tests of core/wsc_mqtt: the strict CONNECT and CONNACK checks, the fixed header,
 * whole packets. Every input is read from a copy that ends at an unreadable page. */
#include <glib.h>
#include <string.h>

#include "guard.h"
#include "wsc_mqtt.h"

static int connect_check(const void *p, size_t n)
{
    const uint8_t *g = guard_copy(p, n);
    int r = wsc_mqtt_connect_check(g, n);
    guard_free(g);
    return r;
}

static int connack_check(const void *p, size_t n, int level)
{
    const uint8_t *g = guard_copy(p, n);
    int r = wsc_mqtt_connack_check(g, n, level);
    guard_free(g);
    return r;
}

/* paho-mqtt 1.6.1's CONNECT, MQTT 3.1.1, clean session, keep alive 60, client id "paho-ws". */
static const uint8_t paho311[] = {0x10, 0x13, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3c,
                                  0x00, 0x07, 'p', 'a', 'h', 'o', '-', 'w', 's'};

/* MQTT 5: clean start, Will (QoS 1, retained) with properties, user name and password;
 * properties: session expiry interval 0x11 = 10. */
static const uint8_t v5full[] = {
    0x10, 0x2a,
    0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0xee, 0x00, 0x0a,
    0x05, 0x11, 0x00, 0x00, 0x00, 0x0a,            /* properties */
    0x00, 0x02, 'c', '1',                          /* client id */
    0x00,                                          /* Will properties: none */
    0x00, 0x03, 'w', '/', 't',                     /* Will topic */
    0x00, 0x02, 0xff, 0x00,                        /* Will message (binary) */
    0x00, 0x04, 'u', 's', 'e', 'r',                /* user name */
    0x00, 0x04, 'p', 'w', 0x00, 0x01,              /* password (binary) */
};

/* MQTT 3.1: "MQIsdp", level 3, client id "x". */
static const uint8_t v31[] = {0x10, 0x0f, 0x00, 0x06, 'M', 'Q', 'I', 's', 'd', 'p', 0x03, 0x02, 0x00, 0x0a,
                              0x00, 0x01, 'x'};

static void test_valid(void)
{
    g_assert_cmpint(sizeof(v5full), ==, 2 + 0x2a);
    g_assert_cmpint(connect_check(paho311, sizeof(paho311)), ==, 4);
    g_assert_cmpint(connect_check(v5full, sizeof(v5full)), ==, 5);
    g_assert_cmpint(connect_check(v31, sizeof(v31)), ==, 3);
}

/* Every prefix is too short; every extra byte that is not a whole packet is refused. */
static void test_lengths(void)
{
    uint8_t buf[64];
    size_t i;

    for (i = 0; i < sizeof(paho311); i++)
        g_assert_cmpint(connect_check(paho311, i), ==, 0);
    for (i = 0; i < sizeof(v5full); i++)
        g_assert_cmpint(connect_check(v5full, i), ==, 0);
    memcpy(buf, paho311, sizeof(paho311));
    buf[sizeof(paho311)] = 0x00;
    g_assert_cmpint(connect_check(buf, sizeof(paho311) + 1), ==, 0);
    /* followed by a PINGREQ (whole): accepted; by half a PUBLISH: refused */
    buf[sizeof(paho311)] = 0xc0;
    buf[sizeof(paho311) + 1] = 0x00;
    g_assert_cmpint(connect_check(buf, sizeof(paho311) + 2), ==, 4);
    buf[sizeof(paho311)] = 0x30;
    buf[sizeof(paho311) + 1] = 0x05;
    buf[sizeof(paho311) + 2] = 0x00;
    g_assert_cmpint(connect_check(buf, sizeof(paho311) + 3), ==, 0);
    /* a Remaining Length one more or one less than what the fields fill */
    memcpy(buf, paho311, sizeof(paho311));
    buf[1] = 0x12;
    g_assert_cmpint(connect_check(buf, sizeof(paho311) - 1), ==, 0);
    buf[1] = 0x14;
    buf[sizeof(paho311)] = 'x';
    g_assert_cmpint(connect_check(buf, sizeof(paho311) + 1), ==, 0);
    /* the client id's length one off */
    memcpy(buf, paho311, sizeof(paho311));
    buf[13] = 0x08;
    g_assert_cmpint(connect_check(buf, sizeof(paho311)), ==, 0);
    buf[13] = 0x06;
    g_assert_cmpint(connect_check(buf, sizeof(paho311)), ==, 0);
}

static void test_bad_fields(void)
{
    uint8_t buf[64];
    static const struct { size_t at; uint8_t val; } bad311[] = {
        {0, 0x11},   /* CONNECT with flags in the fixed header */
        {0, 0x20},   /* another type */
        {4, 'm'},    /* protocol name */
        {8, 0x03},   /* "MQTT" level 3 */
        {8, 0x06},   /* level 6 */
        {9, 0x03},   /* reserved flag */
        {9, 0x0a},   /* Will QoS without the Will flag */
        {9, 0x22},   /* Will retain without the Will flag */
        {9, 0x1e},   /* Will QoS 3 */
        {9, 0x42},   /* password without user name (3.1.1) */
        {14, 0xc0},  /* client id not UTF-8 */
        {15, 0x00},  /* client id with U+0000 */
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(bad311); i++) {
        memcpy(buf, paho311, sizeof(paho311));
        buf[bad311[i].at] = bad311[i].val;
        g_assert_cmpint(connect_check(buf, sizeof(paho311)), ==, 0);
    }
    /* "MQIsdp" with level 4 */
    memcpy(buf, v31, sizeof(v31));
    buf[10] = 0x04;
    g_assert_cmpint(connect_check(buf, sizeof(v31)), ==, 0);
    /* MQTT 5: the properties length one off */
    memcpy(buf, v5full, sizeof(v5full));
    buf[12] = 0x06;
    g_assert_cmpint(connect_check(buf, sizeof(v5full)), ==, 0);
    /* MQTT 5 reads properties: the same packet as level 4 does not fit */
    memcpy(buf, v5full, sizeof(v5full));
    buf[8] = 0x04;
    g_assert_cmpint(connect_check(buf, sizeof(v5full)), ==, 0);
}

/* Text, and bytes that are no MQTT, are refused. */
static void test_not_mqtt(void)
{
    static const char *texts[] = {"hello", "{\"type\":\"connect\"}", "42[\"chat\",\"hi\"]", "", "\x10"};
    guint8 buf[256];
    GRand *rnd = g_rand_new_with_seed(6455);
    int i, hits = 0;
    size_t k;

    for (k = 0; k < G_N_ELEMENTS(texts); k++)
        g_assert_cmpint(connect_check(texts[k], strlen(texts[k])), ==, 0);
    /* random messages that begin like a CONNECT of the right length: none passes */
    for (i = 0; i < 200000; i++) {
        size_t n = 8 + (size_t)g_rand_int_range(rnd, 0, 120);
        for (k = 0; k < n; k++)
            buf[k] = (guint8)g_rand_int_range(rnd, 0, 256);
        buf[0] = 0x10;
        buf[1] = (guint8)(n - 2);
        hits += connect_check(buf, n) != 0;
    }
    g_assert_cmpint(hits, ==, 0);
    g_rand_free(rnd);
}

static void test_fixed_header(void)
{
    uint32_t rl = 0;
    static const uint8_t four[] = {0x30, 0xff, 0xff, 0xff, 0x7f};
    static const uint8_t five[] = {0x30, 0xff, 0xff, 0xff, 0xff, 0x01};
    static const uint8_t nonmin[] = {0x30, 0x80, 0x00};
    static const uint8_t two[] = {0x30, 0x80, 0x01};

    g_assert_cmpint(wsc_mqtt_fixed_header(four, sizeof(four), &rl), ==, 5);
    g_assert_cmpuint(rl, ==, 268435455u);
    g_assert_cmpint(wsc_mqtt_fixed_header(five, sizeof(five), &rl), ==, 0);
    g_assert_cmpint(wsc_mqtt_fixed_header(nonmin, sizeof(nonmin), &rl), ==, 0);
    g_assert_cmpint(wsc_mqtt_fixed_header(two, sizeof(two), &rl), ==, 3);
    g_assert_cmpuint(rl, ==, 128);
    g_assert_cmpint(wsc_mqtt_fixed_header(two, 2, &rl), ==, -1);
    g_assert_cmpint(wsc_mqtt_fixed_header(two, 0, &rl), ==, -1);
    g_assert_cmpint(wsc_mqtt_fixed_header((const uint8_t *)"\x00\x00", 2, &rl), ==, 0);
    g_assert_cmpint(wsc_mqtt_whole_packets((const uint8_t *)"\xc0\x00\xd0\x00", 4), ==, 1);
    g_assert_cmpint(wsc_mqtt_whole_packets((const uint8_t *)"\xc0\x00\xd0", 3), ==, 0);
    g_assert_cmpint(wsc_mqtt_whole_packets((const uint8_t *)"", 0), ==, 0);
}

static void test_connack(void)
{
    static const uint8_t ok4[] = {0x20, 0x02, 0x00, 0x00};
    static const uint8_t refused4[] = {0x20, 0x02, 0x00, 0x05};
    static const uint8_t bad4[] = {0x20, 0x02, 0x02, 0x00};
    static const uint8_t ok5[] = {0x20, 0x06, 0x00, 0x00, 0x03, 0x21, 0x00, 0x14};
    static const uint8_t bad5[] = {0x20, 0x03, 0x00, 0x10, 0x00};
    static const uint8_t ok4_more[] = {0x20, 0x02, 0x01, 0x00, 0x90, 0x03, 0x00, 0x01, 0x00};

    g_assert_cmpint(connack_check(ok4, sizeof(ok4), 4), ==, 1);
    g_assert_cmpint(connack_check(ok4, sizeof(ok4), 3), ==, 1);
    g_assert_cmpint(connack_check(refused4, sizeof(refused4), 4), ==, 1);
    g_assert_cmpint(connack_check(bad4, sizeof(bad4), 4), ==, 0);
    g_assert_cmpint(connack_check(ok4, 3, 4), ==, 0);
    g_assert_cmpint(connack_check(ok5, sizeof(ok5), 5), ==, 1);
    g_assert_cmpint(connack_check(ok5, sizeof(ok5), 4), ==, 0);
    g_assert_cmpint(connack_check(ok4, sizeof(ok4), 5), ==, 0);   /* level 5 has properties */
    g_assert_cmpint(connack_check(bad5, sizeof(bad5), 5), ==, 0);
    g_assert_cmpint(connack_check(ok4_more, sizeof(ok4_more), 4), ==, 1);
    g_assert_cmpint(connack_check(ok4, sizeof(ok4), 0), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/core/mqtt/valid", test_valid);
    g_test_add_func("/core/mqtt/lengths", test_lengths);
    g_test_add_func("/core/mqtt/bad_fields", test_bad_fields);
    g_test_add_func("/core/mqtt/not_mqtt", test_not_mqtt);
    g_test_add_func("/core/mqtt/fixed_header", test_fixed_header);
    g_test_add_func("/core/mqtt/connack", test_connack);
    return g_test_run();
}
