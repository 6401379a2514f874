/* Raw-protocol tests, timers: the authentication timeout (only armed when auth is required
 * in the reference), the server's PINGs and the Stale Connection close, and natrium's
 * CONNECT deadline for every client (a deliberate difference, shared/reliability.md D2:
 * those tests SKIP on the reference). Deadlines are generous: the machine is shared. */
#include "proto_util.h"

#include <stdlib.h>

#define AUTH_TIMEOUT_ERR "-ERR 'Authentication Timeout'\r\n"

/* natrium-only flag: no CONNECT deadline for clients when no auth is configured */
static const char *const no_deadline[] = {"--connect_timeout", "0", NULL};

/* Waits for exactly text, then a close with nothing more; returns the ms it took for text
 * to arrive, measured from start. */
static long long expect_at_then_close(struct wire *w, const char *text, long long start,
                                      int timeout_ms)
{
    long long took;
    wire_expect_at(__FILE__, __LINE__, w, text, timeout_ms);
    took = wire_now_ms() - start;
    WIRE_EXPECT_CLOSED(w);
    return took;
}

TEST(auth_timeout_from_config)
{
    struct server_proc sp = {0};
    struct wire *w;
    long long start, took;

    PU_START_CONF(&sp, "authorization { user: a, password: b, timeout: 1 }\n");
    start = wire_now_ms();
    w = PU_CONNECT(sp.port);
    took = expect_at_then_close(w, AUTH_TIMEOUT_ERR, start, 3000);
    ASSERT(took >= 700);
}

TEST(auth_timeout_default_2s)
{
    struct server_proc sp = {0};
    const char *args[] = {"--user", "a", "--pass", "b", NULL};
    struct wire *w;
    long long start, took;

    PU_START(&sp, args);
    start = wire_now_ms();
    w = PU_CONNECT(sp.port);
    took = expect_at_then_close(w, AUTH_TIMEOUT_ERR, start, 4000);
    ASSERT(took >= 1500);
}

TEST(auth_in_time_is_not_timed_out)
{
    struct server_proc sp = {0};
    struct wire *w;

    PU_START_CONF(&sp, "authorization { user: a, password: b, timeout: 1 }\n");
    w = PU_CLIENT(sp.port, "{\"verbose\":false,\"user\":\"a\",\"pass\":\"b\"}");
    wire_sleep_ms(1500);
    WIRE_PING_PONG(w);
    WIRE_EXPECT_QUIET(w);
}

TEST(stale_connection_when_pings_are_ignored)
{
    struct server_proc sp = {0};
    struct wire *w;
    long long start = wire_now_ms(), took;

    PU_START_CONF(&sp, "ping_interval: \"1s\"\nping_max: 1\n");
    w = PU_CLIENT(sp.port, PU_QUIET);
    /* live: PING at ~1.1 s, the -ERR at ~2.1 s; the client never answers */
    wire_expect_at(__FILE__, __LINE__, w, "PING\r\n", 3000);
    took = expect_at_then_close(w, "-ERR 'Stale Connection'\r\n", start, 3000);
    ASSERT(took >= 1500);
}

TEST(stale_connection_also_before_connect)
{
    struct server_proc sp = {0};
    struct wire *w;

    /* natrium's own CONNECT deadline (2 s) would race the Stale Connection: turn it off */
    if (pu_testing_ref())
        PU_START_CONF(&sp, "ping_interval: \"1s\"\nping_max: 1\n");
    else
        ASSERT_OK(proc_start_conf(&sp, NULL, "ping_interval: \"1s\"\nping_max: 1\n", no_deadline));
    w = PU_CONNECT(sp.port);
    wire_expect_at(__FILE__, __LINE__, w, "PING\r\n", 3000);
    expect_at_then_close(w, "-ERR 'Stale Connection'\r\n", wire_now_ms(), 3000);
}

TEST(answered_pings_keep_connection)
{
    struct server_proc sp = {0};
    struct wire *w;
    long long end;
    int pings = 0;

    PU_START_CONF(&sp, "ping_interval: \"1s\"\nping_max: 1\n");
    w = PU_CLIENT(sp.port, PU_QUIET);
    end = wire_now_ms() + 3500;
    while (wire_now_ms() < end) {
        char *line = wire_line(w, 200);
        if (line) {
            ASSERT_STR_EQ(line, "PING");
            pings++;
            wire_send(w, "PONG\r\n");
            free(line);
        }
        ASSERT(!w->closed);
    }
    ASSERT(pings >= 2);
    WIRE_PING_PONG(w);
}

/* Sends PING and expects PONG, skipping the server's own PINGs (it sends its first one about
 * 2 s after accept, to measure RTT), then checks the connection is still open. */
static void ping_pong_skipping_server_pings(struct wire *w)
{
    char *line;
    wire_send(w, "PING\r\n");
    while ((line = wire_line(w, 2000)) != NULL && strcmp(line, "PING") == 0)
        free(line);
    ASSERT(line != NULL);
    ASSERT_STR_EQ(line, "PONG");
    free(line);
    ASSERT(!w->closed);
}

TEST(natrium_connect_deadline_without_auth)
{
    struct server_proc sp = {0};
    struct wire *w;
    long long start, took;

    if (pu_testing_ref())
        SKIP("reference");
    PU_START(&sp, NULL);
    start = wire_now_ms();
    w = PU_CONNECT(sp.port);
    /* natrium closes a client that never sends CONNECT after 2 s, auth or not */
    took = expect_at_then_close(w, AUTH_TIMEOUT_ERR, start, 3000);
    ASSERT(took >= 1500);
}

TEST(natrium_connect_deadline_met_by_connect)
{
    struct server_proc sp = {0};
    struct wire *w;

    if (pu_testing_ref())
        SKIP("reference");
    PU_START(&sp, NULL);
    w = PU_CLIENT(sp.port, PU_QUIET);
    wire_sleep_ms(2500);
    ping_pong_skipping_server_pings(w);
}

TEST(natrium_connect_timeout_zero_disables_deadline)
{
    struct server_proc sp = {0};
    struct wire *w;

    if (pu_testing_ref())
        SKIP("reference");
    PU_START(&sp, no_deadline);
    w = PU_CONNECT(sp.port);
    WIRE_EXPECT_QUIET(w);
    wire_sleep_ms(3000);
    /* still open: a PING (the first op, no CONNECT) is answered */
    ping_pong_skipping_server_pings(w);
}
