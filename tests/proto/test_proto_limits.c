/* Raw-protocol tests, limits: max_payload (default 1 MiB, checked at the control line before
 * any payload byte is sent), max_control_line (counts the bytes after the op, also while the
 * line is still split across reads), max_subscriptions (the connection stays open), with
 * defaults and from a config file (shared/reference-behaviour.md 1.1, 1.5, 1.6). */
#include "proto_util.h"

#include <stdio.h>
#include <stdlib.h>

#define MAX_PAYLOAD_ERR "-ERR 'Maximum Payload Violation'\r\n"
#define MAX_CTRL_ERR "-ERR 'maximum control line exceeded'\r\n"

/* n bytes of a repeating printable pattern, malloc'd and NUL-terminated. */
static char *pattern(size_t n)
{
    char *p = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        p[i] = (char)('a' + i % 26);
    p[n] = '\0';
    return p;
}

/* Expects exactly err and then a close with nothing more. */
static void expect_err_close(struct wire *w, const char *err)
{
    WIRE_EXPECT(w, err);
    WIRE_EXPECT_CLOSED(w);
}

TEST(max_payload_default_1mib_passes)
{
    enum { SIZE = 1024 * 1024 };
    struct server_proc sp = {0};
    struct wire *sub, *pub;
    char *body = pattern(SIZE);

    PU_START(&sp, NULL);
    sub = PU_CLIENT(sp.port, PU_QUIET);
    wire_send(sub, "SUB big 1\r\nPING\r\n");
    WIRE_EXPECT(sub, "PONG\r\n");
    pub = PU_CLIENT(sp.port, PU_QUIET);
    wire_sendf(pub, "PUB big %d\r\n", SIZE);
    wire_sendn(pub, body, SIZE);
    wire_send(pub, "\r\nPING\r\n");
    WIRE_EXPECT(pub, "PONG\r\n");
    WIRE_EXPECT(sub, "MSG big 1 1048576\r\n");
    WIRE_EXPECTN(sub, body, SIZE);
    WIRE_EXPECT(sub, "\r\n");
    free(body);
    WIRE_PING_PONG(sub);
}

TEST(max_payload_default_plus_one_refused_at_control_line)
{
    struct server_proc sp = {0};
    struct wire *w;

    PU_START(&sp, NULL);
    w = PU_CLIENT(sp.port, PU_QUIET);
    /* no payload is sent: the -ERR must come from the control line alone */
    wire_send(w, "PUB big 1048577\r\n");
    expect_err_close(w, MAX_PAYLOAD_ERR);

    w = PU_CLIENT(sp.port, PU_QUIET_HDRS);
    wire_send(w, "HPUB big 12 1048577\r\n");
    expect_err_close(w, MAX_PAYLOAD_ERR);

    /* the largest size the parser takes (9 digits; 10 digits is a silent close) */
    w = PU_CLIENT(sp.port, PU_QUIET);
    wire_send(w, "PUB big 999999999\r\n");
    expect_err_close(w, MAX_PAYLOAD_ERR);
}

TEST(max_payload_from_config)
{
    struct server_proc sp = {0};
    struct wire *w;
    char *info, *body = pattern(101);

    PU_START_CONF(&sp, "max_payload: 100\n");
    w = PU_CONNECT_INFO(sp.port, &info);
    ASSERT(strstr(info, "\"headers\":true,\"max_payload\":100,\"client_id\":") != NULL);
    free(info);
    wire_send(w, "CONNECT {\"verbose\":false,\"headers\":true}\r\nSUB s 1\r\n");
    wire_sendf(w, "PUB s 100\r\n%.100s\r\nHPUB s 12 100\r\nNATS/1.0\r\n\r\n%.88s\r\nPING\r\n", body,
               body);
    {
        char want[512];
        snprintf(want, sizeof(want),
                 "MSG s 1 100\r\n%.100s\r\nHMSG s 1 12 100\r\nNATS/1.0\r\n\r\n%.88s\r\nPONG\r\n",
                 body, body);
        WIRE_EXPECT(w, want);
    }
    /* one byte over, with verbose on: no +OK for the refused PUB */
    wire_send(w, "CONNECT {\"verbose\":true}\r\nPUB s 101\r\n");
    expect_err_close(w, "+OK\r\n" MAX_PAYLOAD_ERR);

    w = PU_CLIENT(sp.port, PU_QUIET_HDRS);
    wire_send(w, "HPUB s 12 101\r\n");
    expect_err_close(w, MAX_PAYLOAD_ERR);
    free(body);
}

TEST(max_control_line_from_config)
{
    struct server_proc sp = {0};
    struct wire *w;
    char *name = pattern(300);

    PU_START_CONF(&sp, "max_control_line: 256\n");
    /* the limit counts the bytes after "PUB ": 254 + " 1" = 256 passes */
    w = PU_CLIENT(sp.port, PU_QUIET);
    wire_sendf(w, "SUB %.254s 1\r\nPUB %.254s 1\r\nx\r\nPING\r\n", name, name);
    free(WIRE_UNTIL(w, "PONG\r\n"));
    /* 257 fails, with no payload sent */
    wire_sendf(w, "PUB %.255s 1\r\n", name);
    expect_err_close(w, MAX_CTRL_ERR);
    /* SUB, UNSUB, CONNECT and a client's INFO count too */
    w = PU_CLIENT(sp.port, PU_QUIET);
    wire_sendf(w, "SUB %.300s 1\r\n", name);
    expect_err_close(w, MAX_CTRL_ERR);
    w = PU_CLIENT(sp.port, PU_QUIET);
    wire_sendf(w, "UNSUB 1%300s\r\n", "");
    expect_err_close(w, MAX_CTRL_ERR);
    w = PU_CONNECT(sp.port);
    wire_sendf(w, "CONNECT {\"verbose\":false,\"name\":\"%.250s\"}\r\n", name);
    expect_err_close(w, MAX_CTRL_ERR);
    w = PU_CLIENT(sp.port, PU_QUIET);
    wire_sendf(w, "INFO {\"x\":\"%.260s\"}\r\n", name);
    expect_err_close(w, MAX_CTRL_ERR);
    /* PING ignores what follows it, whatever its length */
    w = PU_CLIENT(sp.port, PU_QUIET);
    wire_sendf(w, "PING %.300s\r\n", name);
    WIRE_EXPECT(w, "PONG\r\n");
    WIRE_PING_PONG(w);
    free(name);
}

TEST(max_control_line_checked_while_split)
{
    struct server_proc sp = {0};
    struct wire *w;
    char *name = pattern(300);

    PU_START_CONF(&sp, "max_control_line: 256\n");
    /* an unterminated line already over the limit is refused without waiting for \n */
    w = PU_CLIENT(sp.port, PU_QUIET);
    wire_sendf(w, "PUB %.300s", name);
    expect_err_close(w, MAX_CTRL_ERR);
    /* over the limit only once the second part arrives */
    w = PU_CLIENT(sp.port, PU_QUIET);
    wire_sendf(w, "PUB %.200s", name);
    WIRE_EXPECT_QUIET(w);
    wire_sendf(w, "%.100s", name);
    expect_err_close(w, MAX_CTRL_ERR);
    /* exactly at the limit, split just before "\n": accepted (the \r does not count) */
    w = PU_CLIENT(sp.port, PU_QUIET);
    wire_sendf(w, "SUB %.254s 1\r\nPUB %.254s 1\r", name, name);
    WIRE_EXPECT_QUIET(w);
    wire_send(w, "\nx\r\nPING\r\n");
    free(WIRE_UNTIL(w, "MSG "));
    free(WIRE_UNTIL(w, " 1 1\r\nx\r\nPONG\r\n"));
    free(name);
}

TEST(max_control_line_default_4096)
{
    struct server_proc sp = {0};
    struct wire *w;
    char *name = pattern(4096);

    PU_START(&sp, NULL);
    w = PU_CLIENT(sp.port, PU_QUIET);
    wire_sendf(w, "PUB %.4094s 1\r\nx\r\nPING\r\n", name);
    WIRE_EXPECT(w, "PONG\r\n");
    wire_sendf(w, "PUB %.4095s 1\r\n", name);
    expect_err_close(w, MAX_CTRL_ERR);
    free(name);
}

TEST(max_subscriptions_keeps_connection)
{
    struct server_proc sp = {0};
    struct wire *w;

    PU_START_CONF(&sp, "max_subscriptions: 2\n");
    w = PU_CONNECT(sp.port);
    wire_send(w, "CONNECT {}\r\nSUB a 1\r\nSUB b 2\r\nSUB c 3\r\nPING\r\n");
    /* verbose: +OK for the two that fit, no +OK after the -ERR */
    WIRE_EXPECT(w, "+OK\r\n+OK\r\n+OK\r\n-ERR 'maximum subscriptions exceeded'\r\nPONG\r\n");
    /* the refused subscription does not exist */
    wire_send(w, "PUB c 1\r\nx\r\nPING\r\n");
    WIRE_EXPECT(w, "+OK\r\nPONG\r\n");
    /* after an UNSUB there is room again */
    wire_send(w, "UNSUB 1\r\nSUB c 3\r\nPUB c 1\r\ny\r\nSUB d 4\r\nPING\r\n");
    WIRE_EXPECT(w, "+OK\r\n+OK\r\n+OK\r\nMSG c 3 1\r\ny\r\n"
                   "-ERR 'maximum subscriptions exceeded'\r\nPONG\r\n");
    /* the limit is per connection */
    w = PU_CLIENT(sp.port, PU_QUIET);
    wire_send(w, "SUB a 1\r\nSUB b 2\r\nPING\r\n");
    WIRE_EXPECT(w, "PONG\r\n");
}
