/* Raw-protocol tests, basics: the INFO line, CONNECT and its verbose default, framing rules
 * (case, tabs, bare \n, trailing bytes after PING), and PUB/SUB/UNSUB/MSG byte for byte,
 * wildcards and queue groups. Each test starts its own $NATS_SERVER_BIN; every expectation
 * was checked against nats-server 2.9.10 (shared/reference-behaviour.md sections 0-1). */
#include "proto_util.h"

#include <stdio.h>
#include <stdlib.h>

/* The INFO line with everything but the ids fixed ("%d" is the port). natrium may put its
 * own string in "go" and its own version; the key order and the rest must match. */
#define INFO_RE_FMT                                                                                \
    "^INFO "                                                                                       \
    "\\{\"server_id\":\"N[A-Z2-7]{55}\",\"server_name\":\"%s\",\"version\":\"[0-9]+\\.[0-9]+"      \
    "\\.[0-9]+[^\"]*\",\"proto\":1,\"go\":\"[^\"]*\",\"host\":\"127\\.0\\.0\\.1\",\"port\":%d,"    \
    "\"headers\":true,%s\"max_payload\":1048576,\"client_id\":[1-9][0-9]*,"                        \
    "\"client_ip\":\"127\\.0\\.0\\.1\"\\} \r\n$"

static void check_info_line(int port, const char *name_re, const char *auth)
{
    struct wire *w = wire_connect(port);
    char re[1024];
    char *line;

    ASSERT(w != NULL);
    line = WIRE_UNTIL(w, "\r\n");
    snprintf(re, sizeof(re), INFO_RE_FMT, name_re, port, auth);
    ASSERT_MATCH(line, re);
    free(line);
    /* INFO is all the server says until the client speaks */
    WIRE_EXPECT_QUIET(w);
    wire_close(w);
}

TEST(info_line_exact_fields)
{
    struct server_proc sp = {0};
    PU_START(&sp, NULL);
    check_info_line(sp.port, "N[A-Z2-7]{55}", "");
}

TEST(info_server_name_defaults_to_server_id)
{
    struct server_proc sp = {0};
    struct wire *w;
    char *info, *id, *name;

    PU_START(&sp, NULL);
    w = PU_CONNECT_INFO(sp.port, &info);
    id = pu_json_str(info, "server_id");
    name = pu_json_str(info, "server_name");
    ASSERT(id != NULL);
    ASSERT_EQ(strlen(id), 56);
    ASSERT_EQ(id[0], 'N');
    ASSERT_STR_EQ(name, id);
    /* the INFO JSON ends with "} " (the space before \r\n) */
    ASSERT_EQ(info[strlen(info) - 1], ' ');
    ASSERT_EQ(info[strlen(info) - 2], '}');
    free(id);
    free(name);
    free(info);
    wire_close(w);
}

TEST(info_server_id_same_for_every_client)
{
    struct server_proc sp = {0};
    struct wire *a, *b;
    char *ia, *ib, *ida, *idb;

    PU_START(&sp, NULL);
    a = PU_CONNECT_INFO(sp.port, &ia);
    b = PU_CONNECT_INFO(sp.port, &ib);
    ida = pu_json_str(ia, "server_id");
    idb = pu_json_str(ib, "server_id");
    ASSERT_STR_EQ(ida, idb);
    /* client ids are distinct and grow */
    ASSERT(pu_json_int(ib, "client_id") > pu_json_int(ia, "client_id"));
    free(ida);
    free(idb);
    free(ia);
    free(ib);
    wire_close(a);
    wire_close(b);
}

TEST(info_name_flag_sets_server_name)
{
    struct server_proc sp = {0};
    const char *args[] = {"-n", "my-node", NULL};
    PU_START(&sp, args);
    check_info_line(sp.port, "my-node", "");
}

TEST(info_user_pass_flags_add_auth_required)
{
    struct server_proc sp = {0};
    const char *args[] = {"--user", "a", "--pass", "b", NULL};
    PU_START(&sp, args);
    check_info_line(sp.port, "N[A-Z2-7]{55}", "\"auth_required\":true,");
}

TEST(info_token_flag_adds_auth_required)
{
    struct server_proc sp = {0};
    const char *args[] = {"--auth", "s3cr3t", NULL};
    PU_START(&sp, args);
    check_info_line(sp.port, "N[A-Z2-7]{55}", "\"auth_required\":true,");
}

TEST(info_auth_config_adds_auth_required)
{
    struct server_proc sp = {0};
    PU_START_CONF(&sp, "authorization { user: a, password: b }\n");
    check_info_line(sp.port, "N[A-Z2-7]{55}", "\"auth_required\":true,");
}

TEST(connect_empty_gets_ok_verbose_default)
{
    struct server_proc sp = {0};
    struct wire *w;

    PU_START(&sp, NULL);
    w = PU_CONNECT(sp.port);
    wire_send(w, "CONNECT {}\r\n");
    WIRE_EXPECT(w, "+OK\r\n");
    wire_send(w, "SUB foo 1\r\n");
    WIRE_EXPECT(w, "+OK\r\n");
    wire_send(w, "PUB foo 2\r\nhi\r\n");
    WIRE_EXPECT(w, "+OK\r\nMSG foo 1 2\r\nhi\r\n");
    wire_send(w, "UNSUB 1\r\n");
    WIRE_EXPECT(w, "+OK\r\n");
    /* no +OK for PING and PONG */
    wire_send(w, "PING\r\n");
    WIRE_EXPECT(w, "PONG\r\n");
    wire_send(w, "PONG\r\n");
    WIRE_EXPECT_QUIET(w);
}

TEST(no_connect_at_all_is_verbose)
{
    struct server_proc sp = {0};
    struct wire *w;

    PU_START(&sp, NULL);
    w = PU_CONNECT(sp.port);
    wire_send(w, "SUB foo 1\r\n");
    WIRE_EXPECT(w, "+OK\r\n");
    wire_send(w, "PUB foo 2\r\nhi\r\n");
    WIRE_EXPECT(w, "+OK\r\nMSG foo 1 2\r\nhi\r\n");
    WIRE_PING_PONG(w);
}

TEST(connect_verbose_true_pipelined)
{
    struct server_proc sp = {0};
    struct wire *w;

    PU_START(&sp, NULL);
    w = PU_CONNECT(sp.port);
    wire_send(w, "CONNECT {\"verbose\":true}\r\nSUB foo 1\r\nPUB foo 1\r\nx\r\nUNSUB 1\r\n"
                 "PUB foo 1\r\ny\r\nPING\r\n");
    WIRE_EXPECT(w, "+OK\r\n+OK\r\n+OK\r\nMSG foo 1 1\r\nx\r\n+OK\r\n+OK\r\nPONG\r\n");
    WIRE_EXPECT_QUIET(w);
}

TEST(connect_verbose_false_no_ok)
{
    struct server_proc sp = {0};
    struct wire *w;

    PU_START(&sp, NULL);
    w = PU_CONNECT(sp.port);
    wire_send(w, "CONNECT {\"verbose\":false}\r\nSUB foo 1\r\nPUB foo 1\r\nx\r\nUNSUB 1\r\n"
                 "PING\r\n");
    WIRE_EXPECT(w, "MSG foo 1 1\r\nx\r\nPONG\r\n");
    WIRE_EXPECT_QUIET(w);
}

TEST(connect_all_client_options)
{
    struct server_proc sp = {0};
    struct wire *w;

    PU_START(&sp, NULL);
    w = PU_CONNECT(sp.port);
    wire_send(w, "CONNECT {\"verbose\":false,\"pedantic\":false,\"tls_required\":false,"
                 "\"name\":\"probe\",\"lang\":\"c\",\"version\":\"3.4.1\",\"protocol\":1,"
                 "\"echo\":true,\"headers\":true,\"no_responders\":true,\"user\":\"\","
                 "\"pass\":\"\",\"auth_token\":\"\",\"sig\":\"\",\"jwt\":\"\","
                 "\"unknown_field\":[1,{\"x\":null}]}\r\nPING\r\n");
    WIRE_EXPECT(w, "PONG\r\n");
    /* protocol 0 is accepted too */
    w = PU_CONNECT(sp.port);
    wire_send(w, "CONNECT {\"verbose\":false,\"protocol\":0}\r\nPING\r\n");
    WIRE_EXPECT(w, "PONG\r\n");
    /* a second CONNECT on the same connection is processed */
    wire_send(w, "CONNECT {\"verbose\":true}\r\nPING\r\n");
    WIRE_EXPECT(w, "+OK\r\nPONG\r\n");
}

TEST(client_ok_and_info_are_ignored)
{
    struct server_proc sp = {0};
    struct wire *w;

    PU_START(&sp, NULL);
    w = PU_CONNECT(sp.port);
    wire_send(w, "CONNECT {\"verbose\":false}\r\n+OK\r\nINFO {}\r\nINFO {\"a\":1}\r\nPONG\r\n"
                 "PING\r\n");
    WIRE_EXPECT(w, "PONG\r\n");
    WIRE_EXPECT_QUIET(w);
}

TEST(ops_are_case_insensitive)
{
    struct server_proc sp = {0};
    struct wire *w;

    PU_START(&sp, NULL);
    w = PU_CONNECT(sp.port);
    wire_send(w, "connect {\"verbose\":false}\r\nsub foo 1\r\npub foo 2\r\nhi\r\n"
                 "Pub foo 1\r\nx\r\nsUb bar 2\r\nPuB bar 1\r\ny\r\nunsub 1\r\nUnSuB 2\r\n"
                 "pub foo 1\r\nz\r\nping\r\nPiNg\r\n");
    WIRE_EXPECT(w, "MSG foo 1 2\r\nhi\r\nMSG foo 1 1\r\nx\r\nMSG bar 2 1\r\ny\r\nPONG\r\nPONG\r\n");
    WIRE_EXPECT_QUIET(w);
}

TEST(tabs_and_runs_of_spaces_separate_args)
{
    struct server_proc sp = {0};
    struct wire *w;

    PU_START(&sp, NULL);
    w = PU_CONNECT(sp.port);
    wire_send(w, "CONNECT\t{\"verbose\":false}\r\nSUB\tfoo\t\t1\r\nPUB\tfoo\t\t2\r\nhi\r\n"
                 "SUB  bar   2\r\nPUB \t bar \t r \t 1\r\nx\r\nPING\r\n");
    WIRE_EXPECT(w, "MSG foo 1 2\r\nhi\r\nMSG bar 2 r 1\r\nx\r\nPONG\r\n");
}

TEST(lines_may_end_with_bare_newline)
{
    struct server_proc sp = {0};
    struct wire *w;

    PU_START(&sp, NULL);
    w = PU_CONNECT(sp.port);
    wire_send(w, "CONNECT {\"verbose\":false}\nSUB foo 1\nPUB foo 2\nhi\r\nUNSUB 1\nPING\n");
    /* the server always answers with \r\n */
    WIRE_EXPECT(w, "MSG foo 1 2\r\nhi\r\nPONG\r\n");
    WIRE_EXPECT_QUIET(w);
}

TEST(ping_ignores_trailing_bytes)
{
    struct server_proc sp = {0};
    struct wire *w;

    PU_START(&sp, NULL);
    w = PU_CONNECT(sp.port);
    wire_send(w, "PING extra stuff\r\nPINGX\r\nping\t1 2 3\n");
    WIRE_EXPECT(w, "PONG\r\nPONG\r\nPONG\r\n");
    wire_send(w, "PONG whatever\r\nPING\r\n");
    WIRE_EXPECT(w, "PONG\r\n");
    WIRE_EXPECT_QUIET(w);
}

TEST(pub_sub_exact_bytes_between_clients)
{
    struct server_proc sp = {0};
    struct wire *sub, *pub;

    PU_START(&sp, NULL);
    sub = PU_CLIENT(sp.port, PU_QUIET);
    pub = PU_CLIENT(sp.port, PU_QUIET);
    wire_send(sub, "SUB foo.bar 42\r\nPING\r\n");
    WIRE_EXPECT(sub, "PONG\r\n");
    wire_send(pub, "PUB foo.bar 5\r\nhello\r\nPUB foo.bar reply.to 5\r\nworld\r\n"
                   "PUB foo.bar 0\r\n\r\nPUB foo.bar 4\r\na\r\nb\r\nPUB other 1\r\nx\r\nPING\r\n");
    WIRE_EXPECT(pub, "PONG\r\n");
    WIRE_EXPECT(sub, "MSG foo.bar 42 5\r\nhello\r\n"
                     "MSG foo.bar 42 reply.to 5\r\nworld\r\n"
                     "MSG foo.bar 42 0\r\n\r\n"
                     "MSG foo.bar 42 4\r\na\r\nb\r\n");
    WIRE_EXPECT_QUIET(sub);
    WIRE_EXPECT_QUIET(pub);
}

TEST(binary_and_utf8_payload_and_subject)
{
    static const char payload[] = {'\0', '\x01', '\xff', '\r', '\n', 'Z'};
    struct server_proc sp = {0};
    struct wire *w;

    PU_START(&sp, NULL);
    w = PU_CLIENT(sp.port, PU_QUIET);
    /* any byte but space, tab, CR, LF is allowed in a subject token, UTF-8 included */
    wire_send(w, "SUB gr\xc3\xbc\xc3\x9f.* 7\r\nPUB gr\xc3\xbc\xc3\x9f.x 6\r\n");
    wire_sendn(w, payload, sizeof(payload));
    wire_send(w, "\r\nPING\r\n");
    WIRE_EXPECT(w, "MSG gr\xc3\xbc\xc3\x9f.x 7 6\r\n");
    WIRE_EXPECTN(w, payload, sizeof(payload));
    WIRE_EXPECT(w, "\r\nPONG\r\n");
}

/* Each pattern on its own connection, so the order between subscriptions never matters. */
TEST(wildcards_star_and_gt)
{
    static const char *const patterns[] = {"foo.*", "foo.>", ">", "*.bar", "foo*", "*", "*.*.*"};
    static const char *const expect[] = {
        "MSG foo.bar 1 1\r\na\r\n",
        "MSG foo.bar 1 1\r\na\r\nMSG foo.bar.baz 1 1\r\nb\r\n",
        ("MSG foo.bar 1 1\r\na\r\nMSG foo.bar.baz 1 1\r\nb\r\nMSG foo 1 1\r\nc\r\n"
         "MSG foo* 1 1\r\nd\r\nMSG x.bar 1 1\r\ne\r\n"),
        "MSG foo.bar 1 1\r\na\r\nMSG x.bar 1 1\r\ne\r\n",
        "MSG foo* 1 1\r\nd\r\n",
        "MSG foo 1 1\r\nc\r\nMSG foo* 1 1\r\nd\r\n",
        "MSG foo.bar.baz 1 1\r\nb\r\n",
    };
    enum { N = sizeof(patterns) / sizeof(patterns[0]) };
    struct server_proc sp = {0};
    struct wire *subs[N], *pub;

    PU_START(&sp, NULL);
    for (int i = 0; i < N; i++) {
        subs[i] = PU_CLIENT(sp.port, PU_QUIET);
        wire_sendf(subs[i], "SUB %s 1\r\nPING\r\n", patterns[i]);
        WIRE_EXPECT(subs[i], "PONG\r\n");
    }
    pub = PU_CLIENT(sp.port, PU_QUIET);
    wire_send(pub, "PUB foo.bar 1\r\na\r\nPUB foo.bar.baz 1\r\nb\r\nPUB foo 1\r\nc\r\n"
                   "PUB foo* 1\r\nd\r\nPUB x.bar 1\r\ne\r\nPING\r\n");
    WIRE_EXPECT(pub, "PONG\r\n");
    for (int i = 0; i < N; i++) {
        char want[512];
        /* what was routed before the publisher's PONG is queued in front of this PONG */
        wire_send(subs[i], "PING\r\n");
        snprintf(want, sizeof(want), "%sPONG\r\n", expect[i]);
        WIRE_EXPECT(subs[i], want);
    }
}

TEST(overlapping_subs_on_one_connection_each_get_a_copy)
{
    struct server_proc sp = {0};
    struct wire *w;
    char *got;

    PU_START(&sp, NULL);
    w = PU_CLIENT(sp.port, PU_QUIET);
    wire_send(w, "SUB foo.* 1\r\nSUB foo.> 2\r\nSUB > 3\r\nSUB foo.bar 4\r\nPUB foo.bar 1\r\nx\r\n"
                 "PING\r\n");
    got = WIRE_UNTIL(w, "PONG\r\n");
    /* one copy per matching subscription; their order is not part of the contract */
    ASSERT_EQ(strlen(got), 4 * strlen("MSG foo.bar 1 1\r\nx\r\n") + 6);
    ASSERT(strstr(got, "MSG foo.bar 1 1\r\nx\r\n"));
    ASSERT(strstr(got, "MSG foo.bar 2 1\r\nx\r\n"));
    ASSERT(strstr(got, "MSG foo.bar 3 1\r\nx\r\n"));
    ASSERT(strstr(got, "MSG foo.bar 4 1\r\nx\r\n"));
    free(got);
}

TEST(unsub_stops_delivery)
{
    struct server_proc sp = {0};
    struct wire *w;

    PU_START(&sp, NULL);
    w = PU_CLIENT(sp.port, PU_QUIET);
    wire_send(w, "SUB foo 1\r\nPUB foo 1\r\na\r\nUNSUB 1\r\nPUB foo 1\r\nb\r\nPING\r\n");
    WIRE_EXPECT(w, "MSG foo 1 1\r\na\r\nPONG\r\n");
    /* the sid can be reused after UNSUB */
    wire_send(w, "SUB bar 1\r\nPUB bar 1\r\nc\r\nPUB foo 1\r\nd\r\nPING\r\n");
    WIRE_EXPECT(w, "MSG bar 1 1\r\nc\r\nPONG\r\n");
}

TEST(unsub_max_msgs_delivers_exactly_that_many)
{
    struct server_proc sp = {0};
    struct wire *sub, *pub;

    PU_START(&sp, NULL);
    sub = PU_CLIENT(sp.port, PU_QUIET);
    pub = PU_CLIENT(sp.port, PU_QUIET);
    wire_send(sub, "SUB foo 1\r\nUNSUB 1 2\r\nPING\r\n");
    WIRE_EXPECT(sub, "PONG\r\n");
    wire_send(pub, "PUB foo 1\r\na\r\nPUB foo 1\r\nb\r\nPUB foo 1\r\nc\r\nPUB foo 1\r\nd\r\n"
                   "PING\r\n");
    WIRE_EXPECT(pub, "PONG\r\n");
    wire_send(sub, "PING\r\n");
    WIRE_EXPECT(sub, "MSG foo 1 1\r\na\r\nMSG foo 1 1\r\nb\r\nPONG\r\n");
    WIRE_EXPECT_QUIET(sub);
}

TEST(unsub_max_counts_messages_already_delivered)
{
    struct server_proc sp = {0};
    struct wire *w;

    PU_START(&sp, NULL);
    w = PU_CLIENT(sp.port, PU_QUIET);
    /* two delivered, then UNSUB 1 2: the limit is already reached */
    wire_send(w, "SUB foo 1\r\nPUB foo 1\r\na\r\nPUB foo 1\r\nb\r\nUNSUB 1 2\r\n"
                 "PUB foo 1\r\nc\r\nPING\r\n");
    WIRE_EXPECT(w, "MSG foo 1 1\r\na\r\nMSG foo 1 1\r\nb\r\nPONG\r\n");
    /* one delivered, then UNSUB 2 3: two more */
    wire_send(w, "SUB bar 2\r\nPUB bar 1\r\na\r\nUNSUB 2 3\r\nPUB bar 1\r\nb\r\n"
                 "PUB bar 1\r\nc\r\nPUB bar 1\r\nd\r\nPING\r\n");
    WIRE_EXPECT(w, "MSG bar 2 1\r\na\r\nMSG bar 2 1\r\nb\r\nMSG bar 2 1\r\nc\r\nPONG\r\n");
}

TEST(unsub_max_zero_or_not_a_number_unsubscribes_now)
{
    struct server_proc sp = {0};
    struct wire *w;

    PU_START(&sp, NULL);
    w = PU_CLIENT(sp.port, PU_QUIET);
    wire_send(w, "SUB foo 1\r\nUNSUB 1 0\r\nSUB bar 2\r\nUNSUB 2 x\r\n"
                 "PUB foo 1\r\na\r\nPUB bar 1\r\nb\r\nPING\r\n");
    WIRE_EXPECT(w, "PONG\r\n");
    WIRE_EXPECT_QUIET(w);
}

TEST(unsub_unknown_sid_is_not_an_error)
{
    struct server_proc sp = {0};
    struct wire *w;

    PU_START(&sp, NULL);
    w = PU_CLIENT(sp.port, PU_QUIET);
    wire_send(w, "UNSUB 99\r\nUNSUB 98 5\r\nUNSUB x\r\nPING\r\n");
    WIRE_EXPECT(w, "PONG\r\n");
    /* verbose: still +OK */
    w = PU_CONNECT(sp.port);
    wire_send(w, "CONNECT {}\r\nUNSUB 99\r\nPING\r\n");
    WIRE_EXPECT(w, "+OK\r\n+OK\r\nPONG\r\n");
}

TEST(sub_duplicate_sid_is_ignored)
{
    struct server_proc sp = {0};
    struct wire *w;

    PU_START(&sp, NULL);
    w = PU_CONNECT(sp.port);
    /* verbose: the ignored SUB still gets +OK; the first subscription stays */
    wire_send(w, "CONNECT {}\r\nSUB foo 1\r\nSUB bar 1\r\nSUB foo 1\r\n");
    WIRE_EXPECT(w, "+OK\r\n+OK\r\n+OK\r\n+OK\r\n");
    wire_send(w, "PUB bar 1\r\nx\r\nPUB foo 1\r\ny\r\nPING\r\n");
    WIRE_EXPECT(w, "+OK\r\n+OK\r\nMSG foo 1 1\r\ny\r\nPONG\r\n");
    WIRE_EXPECT_QUIET(w);
}

TEST(queue_group_each_message_to_exactly_one_member)
{
    enum { MEMBERS = 3, MSGS = 200 };
    struct server_proc sp = {0};
    struct wire *m[MEMBERS], *plain, *other, *pub;
    int seen[MSGS] = {0}, per_member[MEMBERS] = {0}, members_used = 0;
    char *all;

    PU_START(&sp, NULL);
    for (int i = 0; i < MEMBERS; i++) {
        m[i] = PU_CLIENT(sp.port, PU_QUIET);
        wire_send(m[i], "SUB work.* grp 5\r\nPING\r\n");
        WIRE_EXPECT(m[i], "PONG\r\n");
    }
    plain = PU_CLIENT(sp.port, PU_QUIET); /* a plain subscriber gets every message */
    wire_send(plain, "SUB work.* 9\r\nPING\r\n");
    WIRE_EXPECT(plain, "PONG\r\n");
    other = PU_CLIENT(sp.port, PU_QUIET); /* a group of one gets every message too */
    wire_send(other, "SUB work.x other 3\r\nPING\r\n");
    WIRE_EXPECT(other, "PONG\r\n");

    pub = PU_CLIENT(sp.port, PU_QUIET);
    for (int i = 0; i < MSGS; i++)
        wire_sendf(pub, "PUB work.x 3\r\n%03d\r\n", i);
    wire_send(pub, "PING\r\n");
    WIRE_EXPECT(pub, "PONG\r\n");

    for (int i = 0; i < MEMBERS; i++) {
        char *got, *p;
        wire_send(m[i], "PING\r\n");
        got = WIRE_UNTIL(m[i], "PONG\r\n");
        for (p = got; strncmp(p, "MSG ", 4) == 0;) {
            int n;
            ASSERT(strncmp(p, "MSG work.x 5 3\r\n", 16) == 0);
            n = atoi(p + 16);
            ASSERT(n >= 0 && n < MSGS);
            seen[n]++;
            per_member[i]++;
            p += 16 + 5;
        }
        ASSERT_STR_EQ(p, "PONG\r\n");
        free(got);
        if (per_member[i] > 0)
            members_used++;
    }
    for (int i = 0; i < MSGS; i++)
        ASSERT_EQ(seen[i], 1);
    ASSERT(members_used > 1);

    wire_send(plain, "PING\r\n");
    all = WIRE_UNTIL(plain, "PONG\r\n");
    ASSERT_EQ(strlen(all), MSGS * strlen("MSG work.x 9 3\r\n000\r\n") + 6);
    ASSERT(strncmp(all, "MSG work.x 9 3\r\n000\r\nMSG work.x 9 3\r\n001\r\n", 42) == 0);
    free(all);
    wire_send(other, "PING\r\n");
    all = WIRE_UNTIL(other, "PONG\r\n");
    ASSERT_EQ(strlen(all), MSGS * strlen("MSG work.x 3 3\r\n000\r\n") + 6);
    free(all);
}

TEST(queue_group_on_one_connection_delivers_once)
{
    struct server_proc sp = {0};
    struct wire *w;
    char *got;

    PU_START(&sp, NULL);
    w = PU_CLIENT(sp.port, PU_QUIET);
    wire_send(w, "SUB foo q 1\r\nSUB foo q 2\r\nPUB foo 1\r\nx\r\nPING\r\n");
    got = WIRE_UNTIL(w, "PONG\r\n");
    ASSERT(strcmp(got, "MSG foo 1 1\r\nx\r\nPONG\r\n") == 0 ||
           strcmp(got, "MSG foo 2 1\r\nx\r\nPONG\r\n") == 0);
    free(got);
}
