/* Raw-protocol tests, errors: every -ERR a core server sends (shared/reference-behaviour.md
 * 1.5) with its exact text, whether the connection is then closed or kept (a PING after it
 * must get PONG), and the protocol errors that close the connection with no -ERR at all
 * (section 0.6). Limits and timers have their own files. */
#include "proto_util.h"

#include <stdio.h>
#include <stdlib.h>

/* Sends input on a fresh connection (after CONNECT prefix, if any) and expects exactly
 * expect and then a close with nothing more. */
static void expect_close_after(int port, const char *prefix, const char *input, const char *expect)
{
    struct wire *w = PU_CONNECT(port);
    if (prefix)
        wire_send(w, prefix);
    wire_send(w, input);
    if (!w->closed && *expect) {
        /* name the input in the failure message */
        char *got = wire_until(w, expect, WIRE_TIMEOUT_MS);
        if (!got || strcmp(got, expect) != 0) {
            char in[512];
            snprintf(in, sizeof(in), "%s", wire_escape(input, strlen(input)));
            test_fail(__FILE__, __LINE__, "input \"%s\": want \"%s\", got \"%s\"", in, expect,
                      got ? wire_escape(got, strlen(got)) : wire_escape(w->buf, w->len));
        }
        free(got);
    }
    /* read until the close: nothing more may arrive */
    wire_fill(w, (size_t)-1, WIRE_TIMEOUT_MS);
    if (!w->closed || w->len > 0) {
        char in[512];
        snprintf(in, sizeof(in), "%s", wire_escape(input, strlen(input)));
        test_fail(__FILE__, __LINE__, "input \"%s\": want a close, got \"%s\"%s", in,
                  wire_escape(w->buf, w->len), w->closed ? " (then closed)" : " (still open)");
    }
    wire_close(w);
}

#define UNKNOWN_OP "-ERR 'Unknown Protocol Operation'\r\n"
#define QUIET_CONNECT "CONNECT {\"verbose\":false}\r\n"

TEST(unknown_operation_closes)
{
    static const char *const inputs[] = {
        "FOO\r\n",  "PUBX foo 1\r\n", "PUB\r\n", "SUB\r\n", "UNSUB\r\n", "SUBfoo 1\r\n",
        "HPUB\r\n", "PINX\r\n",       "X\r\n",   "\r\n",    " PING\r\n", "-ER\r\n",
    };
    struct server_proc sp = {0};

    PU_START(&sp, NULL);
    for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++)
        expect_close_after(sp.port, QUIET_CONNECT, inputs[i], UNKNOWN_OP);
}

TEST(server_only_ops_from_client_close)
{
    static const char *const inputs[] = {
        "MSG foo 1 2\r\nhi\r\n", "HMSG foo 1 12 12\r\n", "RS+ foo\r\n",       "RS- foo\r\n",
        "LS+ foo\r\n",           "A+ foo\r\n",           "RMSG $G foo 2\r\n",
    };
    struct server_proc sp = {0};

    PU_START(&sp, NULL);
    for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++)
        expect_close_after(sp.port, QUIET_CONNECT, inputs[i], UNKNOWN_OP);
    /* also as the very first bytes, before any CONNECT */
    expect_close_after(sp.port, NULL, "MSG foo 1 2\r\nhi\r\n", UNKNOWN_OP);
}

TEST(bad_payload_terminator_closes)
{
    struct server_proc sp = {0};
    struct wire *sub;

    PU_START(&sp, NULL);
    sub = PU_CLIENT(sp.port, PU_QUIET);
    wire_send(sub, "SUB foo 1\r\nPING\r\n");
    WIRE_EXPECT(sub, "PONG\r\n");
    expect_close_after(sp.port, QUIET_CONNECT, "PUB foo 2\r\nhiXY", UNKNOWN_OP);
    expect_close_after(sp.port, QUIET_CONNECT, "PUB foo 2\r\nhi\rX", UNKNOWN_OP);
    expect_close_after(sp.port, QUIET_CONNECT, "PUB foo 2\r\nhi\n\r", UNKNOWN_OP);
    expect_close_after(sp.port, QUIET_CONNECT, "PUB foo 2\r\nhiy\r\n", UNKNOWN_OP);
    expect_close_after(sp.port, "CONNECT {\"verbose\":false,\"headers\":true}\r\n",
                       "HPUB foo 12 14\r\nNATS/1.0\r\n\r\nhi!!", UNKNOWN_OP);
    /* none of the broken messages was delivered */
    WIRE_PING_PONG(sub);
}

TEST(silent_close_on_argument_errors)
{
    static const char *const inputs[] = {
        "SUB foo\r\n",
        "SUB foo bar baz qux\r\n",
        "PUB foo\r\n",
        "PUB a b c d\r\n",
        "PUB foo -1\r\n",
        "PUB foo 1x\r\n",
        "PUB foo bar\r\n",
        "PUB foo 99999999999999999999\r\n",
        "PUB foo 1000000000\r\n", /* sizes have at most 9 digits */
        "PUB foo 0000000001\r\n",
        "UNSUB 1 2 3\r\n",
        "-ERR 'x'\r\n",
        "-ERR\t'Unknown Protocol Operation'\r\n",
    };
    struct server_proc sp = {0};

    PU_START(&sp, NULL);
    for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++)
        expect_close_after(sp.port, QUIET_CONNECT, inputs[i], "");
}

TEST(silent_close_on_bad_connect)
{
    static const char *const inputs[] = {
        "CONNECT {bad\r\n",
        "CONNECT\r\n",
        "CONNECT {\"verbose\":\"yes\"}\r\n",
        "CONNECT {\"protocol\":\"1\"}\r\n",
        "CONNECT [1,2]\r\n",
        "CONNECTX {}\r\n",
    };
    struct server_proc sp = {0};

    PU_START(&sp, NULL);
    for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++)
        expect_close_after(sp.port, NULL, inputs[i], "");
}

TEST(silent_close_on_hpub_errors)
{
    struct server_proc sp = {0};

    PU_START(&sp, NULL);
    /* HPUB from a client that did not say "headers":true */
    expect_close_after(sp.port, QUIET_CONNECT, "HPUB foo 12 14\r\n", "");
    expect_close_after(sp.port, NULL, "HPUB foo 12 14\r\n", "");
    /* header size greater than total size; bad sizes; wrong argument count */
    expect_close_after(sp.port, "CONNECT {\"verbose\":false,\"headers\":true}\r\n",
                       "HPUB foo 14 12\r\n", "");
    expect_close_after(sp.port, "CONNECT {\"verbose\":false,\"headers\":true}\r\n",
                       "HPUB foo 12 x\r\n", "");
    expect_close_after(sp.port, "CONNECT {\"verbose\":false,\"headers\":true}\r\n",
                       "HPUB foo 12\r\n", "");
    expect_close_after(sp.port, "CONNECT {\"verbose\":false,\"headers\":true}\r\n",
                       "HPUB foo -1 12\r\n", "");
}

TEST(invalid_subject_keeps_connection)
{
    static const char *const subjects[] = {"foo..bar",  ".foo",  "foo.",
                                           "foo.>.bar", ">.foo", "foo.>.>"};
    struct server_proc sp = {0};
    struct wire *w;

    PU_START(&sp, NULL);
    w = PU_CONNECT(sp.port);
    wire_send(w, "CONNECT {}\r\n");
    WIRE_EXPECT(w, "+OK\r\n");
    for (size_t i = 0; i < sizeof(subjects) / sizeof(subjects[0]); i++) {
        wire_sendf(w, "SUB %s %zu\r\n", subjects[i], i + 1);
        /* no +OK after the -ERR, even with verbose on */
        WIRE_EXPECT(w, "-ERR 'Invalid Subject'\r\n");
    }
    WIRE_PING_PONG(w);
    /* the failed SUBs left nothing behind: their sids are free, nothing is delivered */
    wire_send(w, "SUB ok 1\r\nPUB ok 1\r\nx\r\nPING\r\n");
    WIRE_EXPECT(w, "+OK\r\n+OK\r\nMSG ok 1 1\r\nx\r\nPONG\r\n");
}

TEST(auth_wrong_password_closes)
{
    struct server_proc sp = {0};
    const char *args[] = {"--user", "alice", "--pass", "s3cret", NULL};

    PU_START(&sp, args);
    expect_close_after(sp.port, NULL,
                       "CONNECT {\"verbose\":false,\"user\":\"alice\",\"pass\":\"nope\"}\r\n",
                       "-ERR 'Authorization Violation'\r\n");
    expect_close_after(sp.port, NULL,
                       "CONNECT {\"verbose\":false,\"user\":\"bob\",\"pass\":\"s3cret\"}\r\n",
                       "-ERR 'Authorization Violation'\r\n");
    expect_close_after(sp.port, NULL, "CONNECT {\"verbose\":false}\r\n",
                       "-ERR 'Authorization Violation'\r\n");
}

TEST(auth_first_op_not_connect_closes)
{
    static const char *const inputs[] = {"PING\r\n", "SUB foo 1\r\n", "PUB foo 1\r\n", "PONG\r\n",
                                         "+OK\r\n"};
    struct server_proc sp = {0};
    const char *args[] = {"--user", "alice", "--pass", "s3cret", NULL};

    PU_START(&sp, args);
    for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++)
        expect_close_after(sp.port, NULL, inputs[i], "-ERR 'Authorization Violation'\r\n");
}

TEST(auth_good_credentials_work)
{
    struct server_proc sp = {0};
    const char *args[] = {"--user", "alice", "--pass", "s3cret", NULL};
    struct wire *w;

    PU_START(&sp, args);
    w = PU_CONNECT(sp.port);
    wire_send(w, "CONNECT {\"user\":\"alice\",\"pass\":\"s3cret\"}\r\nSUB foo 1\r\n"
                 "PUB foo 1\r\nx\r\nPING\r\n");
    WIRE_EXPECT(w, "+OK\r\n+OK\r\n+OK\r\nMSG foo 1 1\r\nx\r\nPONG\r\n");
}

TEST(auth_config_user_password)
{
    struct server_proc sp = {0};
    struct wire *w;

    PU_START_CONF(&sp, "authorization {\n  user: alice\n  password: s3cret\n}\n");
    w = PU_CLIENT(sp.port, "{\"verbose\":false,\"user\":\"alice\",\"pass\":\"s3cret\"}");
    WIRE_EXPECT_QUIET(w);
    expect_close_after(sp.port, NULL,
                       "CONNECT {\"verbose\":false,\"user\":\"alice\",\"pass\":\"x\"}\r\n",
                       "-ERR 'Authorization Violation'\r\n");
    expect_close_after(sp.port, NULL, "SUB foo 1\r\n", "-ERR 'Authorization Violation'\r\n");
}

TEST(auth_token)
{
    struct server_proc sp = {0};
    const char *args[] = {"--auth", "t0k3n", NULL};
    struct wire *w;

    PU_START(&sp, args);
    w = PU_CLIENT(sp.port, "{\"verbose\":false,\"auth_token\":\"t0k3n\"}");
    WIRE_EXPECT_QUIET(w);
    expect_close_after(sp.port, NULL, "CONNECT {\"verbose\":false,\"auth_token\":\"nope\"}\r\n",
                       "-ERR 'Authorization Violation'\r\n");
    expect_close_after(sp.port, NULL, "CONNECT {\"verbose\":false}\r\n",
                       "-ERR 'Authorization Violation'\r\n");
}

TEST(account_in_connect_is_authorization_violation)
{
    struct server_proc sp = {0};

    PU_START(&sp, NULL);
    expect_close_after(sp.port, NULL, "CONNECT {\"verbose\":false,\"account\":\"x\"}\r\n",
                       "-ERR 'Authorization Violation'\r\n");
    expect_close_after(sp.port, NULL, "CONNECT {\"verbose\":false,\"new_account\":true}\r\n",
                       "-ERR 'Authorization Violation'\r\n");
}

TEST(invalid_client_protocol_closes)
{
    struct server_proc sp = {0};

    PU_START(&sp, NULL);
    expect_close_after(sp.port, NULL, "CONNECT {\"verbose\":false,\"protocol\":2}\r\n",
                       "-ERR 'invalid client protocol'\r\n");
    expect_close_after(sp.port, NULL, "CONNECT {\"verbose\":false,\"protocol\":-1}\r\n",
                       "-ERR 'invalid client protocol'\r\n");
    /* verbose on: no +OK before the -ERR */
    expect_close_after(sp.port, NULL, "CONNECT {\"protocol\":5}\r\n",
                       "-ERR 'invalid client protocol'\r\n");
}

TEST(no_responders_without_headers_closes)
{
    struct server_proc sp = {0};

    PU_START(&sp, NULL);
    expect_close_after(sp.port, NULL, "CONNECT {\"verbose\":false,\"no_responders\":true}\r\n",
                       "-ERR 'no responders requires headers support'\r\n");
    expect_close_after(sp.port, NULL, "CONNECT {\"no_responders\":true,\"headers\":false}\r\n",
                       "-ERR 'no responders requires headers support'\r\n");
}

TEST(errors_do_not_disturb_other_clients)
{
    struct server_proc sp = {0};
    struct wire *sub, *pub;

    PU_START(&sp, NULL);
    sub = PU_CLIENT(sp.port, PU_QUIET);
    wire_send(sub, "SUB foo 1\r\nPING\r\n");
    WIRE_EXPECT(sub, "PONG\r\n");
    expect_close_after(sp.port, QUIET_CONNECT, "FOO\r\n", UNKNOWN_OP);
    expect_close_after(sp.port, QUIET_CONNECT, "PUB foo -1\r\n", "");
    pub = PU_CLIENT(sp.port, PU_QUIET);
    wire_send(pub, "PUB foo 2\r\nok\r\nPING\r\n");
    WIRE_EXPECT(pub, "PONG\r\n");
    wire_send(sub, "PING\r\n");
    WIRE_EXPECT(sub, "MSG foo 1 2\r\nok\r\nPONG\r\n");
}

TEST(max_connections_exceeded_closes_newcomer)
{
    struct server_proc sp = {0};
    struct wire *first, *w;
    char *info;

    PU_START_CONF(&sp, "max_connections: 1\n");
    /* proc_start's readiness probe was a connection too: retry until its close is seen */
    for (int tries = 0;; tries++) {
        char *got;
        first = PU_CONNECT(sp.port);
        wire_send(first, "CONNECT " PU_QUIET "\r\nPING\r\n");
        got = wire_line(first, WIRE_TIMEOUT_MS);
        if (got && strcmp(got, "PONG") == 0) {
            free(got);
            break;
        }
        ASSERT(tries < 50);
        free(got);
        wire_close(first);
        wire_sleep_ms(20);
    }
    /* the newcomer still gets its INFO first, then the -ERR and the close */
    w = PU_CONNECT_INFO(sp.port, &info);
    ASSERT(strstr(info, "\"client_id\":") != NULL);
    free(info);
    WIRE_EXPECT(w, "-ERR 'maximum connections exceeded'\r\n");
    WIRE_EXPECT_CLOSED(w);
    WIRE_PING_PONG(first);
}

#define PERMS_CONF                                                                                 \
    "authorization {\n"                                                                            \
    "  users = [\n"                                                                                \
    "    {user: a, password: b, permissions: {\n"                                                  \
    "      publish: {allow: [\"ok.>\"], deny: [\"ok.no\"]}\n"                                      \
    "      subscribe: {allow: [\"ok.>\", \"q.* v1\"], deny: [\"ok.secret\"]}\n"                    \
    "    }}\n"                                                                                     \
    "  ]\n"                                                                                        \
    "}\n"

TEST(permission_violations_keep_connection)
{
    struct server_proc sp = {0};
    struct wire *w;

    PU_START_CONF(&sp, PERMS_CONF);
    w = PU_CONNECT(sp.port);
    wire_send(w, "CONNECT {\"user\":\"a\",\"pass\":\"b\"}\r\nSUB ok.> 1\r\n");
    WIRE_EXPECT(w, "+OK\r\n+OK\r\n");
    /* a denied publish gets the -ERR, no +OK, and is not delivered */
    wire_send(w, "PUB ok.no 1\r\nx\r\nPUB bad 1\r\nx\r\nPUB ok.yes 1\r\ny\r\nPING\r\n");
    WIRE_EXPECT(w, "-ERR 'Permissions Violation for Publish to \"ok.no\"'\r\n"
                   "-ERR 'Permissions Violation for Publish to \"bad\"'\r\n"
                   "+OK\r\nMSG ok.yes 1 1\r\ny\r\nPONG\r\n");
    wire_send(w, "SUB ok.secret 2\r\nSUB bad 3\r\nSUB q.a v1 4\r\nSUB q.a v2 5\r\nSUB q.a 6\r\n"
                 "PING\r\n");
    WIRE_EXPECT(w, "-ERR 'Permissions Violation for Subscription to \"ok.secret\"'\r\n"
                   "-ERR 'Permissions Violation for Subscription to \"bad\"'\r\n"
                   "+OK\r\n"
                   "-ERR 'Permissions Violation for Subscription to \"q.a\" using queue \"v2\"'\r\n"
                   "-ERR 'Permissions Violation for Subscription to \"q.a\"'\r\n"
                   "PONG\r\n");
    WIRE_EXPECT_QUIET(w);
}

TEST(reserved_reply_prefixes_are_permission_violations)
{
    struct server_proc sp = {0};
    struct wire *w;

    PU_START(&sp, NULL); /* no authorization configured at all */
    w = PU_CLIENT(sp.port, PU_QUIET);
    wire_send(w,
              "SUB > 1\r\nPUB a _R_.x 1\r\n1\r\nPUB a $JS.ACK.x 1\r\n2\r\nPUB a _GR_.r 1\r\n3\r\n"
              "PUB _GR_.x 1\r\n4\r\nPUB $GR.x 1\r\n5\r\nPUB a $GR.r 1\r\n6\r\nPING\r\n");
    WIRE_EXPECT(w, "-ERR 'Permissions Violation for Publish with Reply of \"_R_.x\"'\r\n"
                   "-ERR 'Permissions Violation for Publish with Reply of \"$JS.ACK.x\"'\r\n"
                   "-ERR 'Permissions Violation for Publish with Reply of \"_GR_.r\"'\r\n"
                   "-ERR 'Permissions Violation for Publish to \"_GR_.x\"'\r\n"
                   "MSG $GR.x 1 1\r\n5\r\n"
                   "MSG a 1 $GR.r 1\r\n6\r\n"
                   "PONG\r\n");
}
