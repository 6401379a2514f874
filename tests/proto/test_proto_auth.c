/* Raw-protocol tests, authentication and authorization: users lists with bcrypt, permissions
 * with wildcards and allow_responses, default permissions, no_auth_user, and accounts with
 * stream and service imports. Each passes against nats-server 2.9.10 too
 * (NATS_SERVER_BIN=/usr/sbin/nats-server). The exact -ERR texts of violations are covered by
 * the diff transcripts (tests/diff/corpus/perm-*.txt). */
#include "proto_util.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* bcrypt of "s3cr3t" (cost 4), made with libxcrypt */
#define BCRYPT_S3CR3T "$2b$04$17SiWp4I7j/im2rzYS4jdOFrzy6TAeJYeh8TMT.ybYWTaiVT.Tx7q"

#define LOGIN(u, p) "{\"verbose\":false,\"pedantic\":false,\"user\":\"" u "\",\"pass\":\"" p "\"}"
#define LOGIN_HDRS(u, p)                                                                          \
    "{\"verbose\":false,\"pedantic\":false,\"headers\":true,\"no_responders\":true,\"user\":\"" u \
    "\",\"pass\":\"" p "\"}"

TEST(bcrypt_password_user)
{
    struct server_proc sp = {0};
    struct wire *w;

    PU_START_CONF(&sp, "authorization { users: [ {user: u, password: \"" BCRYPT_S3CR3T "\"} ] }\n");
    w = PU_CLIENT(sp.port, LOGIN("u", "s3cr3t"));
    wire_close(w);
    w = PU_CONNECT(sp.port);
    wire_send(w, "CONNECT " LOGIN("u", "wrong") "\r\nPING\r\n");
    WIRE_EXPECT(w, "-ERR 'Authorization Violation'\r\n");
    WIRE_EXPECT_CLOSED(w);
    /* the hash itself is not the password */
    w = PU_CONNECT(sp.port);
    wire_send(w, "CONNECT " LOGIN("u", BCRYPT_S3CR3T) "\r\nPING\r\n");
    WIRE_EXPECT(w, "-ERR 'Authorization Violation'\r\n");
}

TEST(bcrypt_token)
{
    struct server_proc sp = {0};
    struct wire *w;

    PU_START_CONF(&sp, "authorization { token: \"" BCRYPT_S3CR3T "\" }\n");
    w = PU_CLIENT(sp.port, "{\"verbose\":false,\"pedantic\":false,\"auth_token\":\"s3cr3t\"}");
    wire_close(w);
    w = PU_CONNECT(sp.port);
    wire_send(w, "CONNECT {\"verbose\":false,\"auth_token\":\"nope\"}\r\nPING\r\n");
    WIRE_EXPECT(w, "-ERR 'Authorization Violation'\r\n");
}

TEST(wildcard_subscription_skips_denied_subjects)
{
    struct server_proc sp = {0};
    struct wire *sub, *pub;

    PU_START_CONF(&sp, "authorization { users: [\n"
                       "  {user: s, password: s, permissions: {subscribe: {deny: \"foo.secret\"}}}\n"
                       "  {user: p, password: p}\n] }\n");
    sub = PU_CLIENT(sp.port, LOGIN("s", "s"));
    pub = PU_CLIENT(sp.port, LOGIN("p", "p"));
    wire_send(sub, "SUB foo.> 1\r\nPING\r\n");
    WIRE_EXPECT(sub, "PONG\r\n");
    wire_send(pub, "PUB foo.secret 1\r\nx\r\nPUB foo.ok 1\r\ny\r\nPING\r\n");
    WIRE_EXPECT(pub, "PONG\r\n");
    wire_send(sub, "PING\r\n");
    WIRE_EXPECT(sub, "MSG foo.ok 1 1\r\ny\r\nPONG\r\n");
}

TEST(allow_responses_lets_a_service_reply_once)
{
    struct server_proc sp = {0};
    struct wire *svc, *cli;

    PU_START_CONF(&sp, "authorization { users: [\n"
                       "  {user: svc, password: s, permissions: {subscribe: \"req\", "
                       "allow_responses: true}}\n"
                       "  {user: cli, password: c}\n] }\n");
    svc = PU_CLIENT(sp.port, LOGIN("svc", "s"));
    cli = PU_CLIENT(sp.port, LOGIN("cli", "c"));
    wire_send(svc, "SUB req 1\r\nPING\r\n");
    WIRE_EXPECT(svc, "PONG\r\n");
    wire_send(cli, "SUB inbox.1 1\r\nPUB req inbox.1 1\r\nq\r\nPING\r\n");
    WIRE_EXPECT(cli, "PONG\r\n");
    WIRE_EXPECT(svc, "MSG req 1 inbox.1 1\r\nq\r\n");
    /* the first answer passes, the second is over max (1), other subjects never */
    wire_send(svc, "PUB inbox.1 1\r\na\r\nPUB inbox.1 1\r\nb\r\nPUB other 1\r\nc\r\nPING\r\n");
    WIRE_EXPECT(svc, "-ERR 'Permissions Violation for Publish to \"inbox.1\"'\r\n"
                     "-ERR 'Permissions Violation for Publish to \"other\"'\r\n"
                     "PONG\r\n");
    wire_send(cli, "PING\r\n");
    WIRE_EXPECT(cli, "MSG inbox.1 1 1\r\na\r\nPONG\r\n");
}

TEST(default_permissions_apply_to_users_without_their_own)
{
    struct server_proc sp = {0};
    struct wire *w;

    PU_START_CONF(&sp, "authorization {\n"
                       "  default_permissions: { publish: { deny: \"no.>\" } }\n"
                       "  users: [ {user: a, password: a}, {user: b, password: b, permissions: "
                       "{publish: \">\"}} ]\n}\n");
    w = PU_CLIENT(sp.port, LOGIN("a", "a"));
    wire_send(w, "PUB no.x 0\r\n\r\nPING\r\n");
    WIRE_EXPECT(w, "-ERR 'Permissions Violation for Publish to \"no.x\"'\r\nPONG\r\n");
    w = PU_CLIENT(sp.port, LOGIN("b", "b"));
    wire_send(w, "PUB no.x 0\r\n\r\nPING\r\n");
    WIRE_EXPECT(w, "PONG\r\n");
}

TEST(no_auth_user_binds_its_account)
{
    struct server_proc sp = {0};
    struct wire *anon, *a, *g;

    PU_START_CONF(&sp, "accounts { A { users: [ {user: a, password: a} ] } }\n"
                       "authorization { users: [ {user: g, password: g} ] }\n"
                       "no_auth_user: a\n");
    anon = PU_CLIENT(sp.port, PU_QUIET);
    a = PU_CLIENT(sp.port, LOGIN("a", "a"));
    g = PU_CLIENT(sp.port, LOGIN("g", "g"));
    wire_send(anon, "SUB foo 1\r\nPING\r\n");
    WIRE_EXPECT(anon, "PONG\r\n");
    wire_send(g, "SUB foo 1\r\nPING\r\n");
    WIRE_EXPECT(g, "PONG\r\n");
    wire_send(a, "PUB foo 2\r\nhi\r\nPING\r\n");
    WIRE_EXPECT(a, "PONG\r\n");
    wire_send(anon, "PING\r\n");
    WIRE_EXPECT(anon, "MSG foo 1 2\r\nhi\r\nPONG\r\n");
    wire_send(g, "PING\r\n");
    WIRE_EXPECT(g, "PONG\r\n"); /* $G did not see A's message */
}

#define SVC_CONF                                                                                  \
    "accounts {\n"                                                                                \
    "  A { users: [ {user: a, password: a} ], exports: [ {service: \"svc.>\"} ] }\n"              \
    "  B { users: [ {user: b, password: b} ], imports: [ {service: {account: A, subject: "        \
    "\"svc.x\"}, to: \"local\"} ] }\n"                                                            \
    "}\n"

/* Reads "MSG svc.x 1 <reply> <n>\r\n<payload>\r\n" and returns the reply subject. */
static char *read_request(struct wire *w, const char *payload)
{
    char *line = wire_line(w, WIRE_TIMEOUT_MS), *reply, *sp;

    ASSERT(line != NULL);
    ASSERT_MATCH(line, "^MSG svc\\.x 1 _R_\\.[^ ]+ [0-9]+$");
    reply = strdup(line + strlen("MSG svc.x 1 "));
    free(line);
    sp = strchr(reply, ' ');
    *sp = '\0';
    line = wire_line(w, WIRE_TIMEOUT_MS);
    ASSERT(line != NULL);
    ASSERT_STR_EQ(line, payload);
    free(line);
    return reply;
}

TEST(service_import_request_and_singleton_reply)
{
    struct server_proc sp = {0};
    struct wire *a, *b;
    char *reply, buf[256];

    PU_START_CONF(&sp, SVC_CONF);
    a = PU_CLIENT(sp.port, LOGIN("a", "a"));
    b = PU_CLIENT(sp.port, LOGIN("b", "b"));
    wire_send(a, "SUB svc.x 1\r\nPING\r\n");
    WIRE_EXPECT(a, "PONG\r\n");
    wire_send(b, "SUB inbox.1 9\r\nPUB local inbox.1 3\r\nreq\r\nPING\r\n");
    WIRE_EXPECT(b, "PONG\r\n");
    reply = read_request(a, "req");
    /* two answers: a singleton service passes only the first */
    snprintf(buf, sizeof(buf), "PUB %s 3\r\nans\r\nPUB %s 4\r\nans2\r\nPING\r\n", reply, reply);
    wire_send(a, buf);
    WIRE_EXPECT(a, "PONG\r\n");
    wire_send(b, "PING\r\n");
    WIRE_EXPECT(b, "MSG inbox.1 9 3\r\nans\r\nPONG\r\n");
    free(reply);
    /* the exported subject itself is not visible in B */
    wire_send(b, "PUB svc.x 1\r\nx\r\nPING\r\n");
    WIRE_EXPECT(b, "PONG\r\n");
    wire_send(a, "PING\r\n");
    WIRE_EXPECT(a, "PONG\r\n");
}

/* The reference counts the import as a taker: no 503 even when A has no responder. */
TEST(service_import_without_responder_sends_no_status)
{
    struct server_proc sp = {0};
    struct wire *b;

    PU_START_CONF(&sp, SVC_CONF);
    b = PU_CLIENT(sp.port, LOGIN_HDRS("b", "b"));
    wire_send(b, "SUB inbox.1 9\r\nPUB local inbox.1 3\r\nreq\r\nPING\r\n");
    WIRE_EXPECT(b, "PONG\r\n");
    WIRE_EXPECT_QUIET(b);
}

TEST(stream_import_without_prefix)
{
    struct server_proc sp = {0};
    struct wire *a, *b;

    PU_START_CONF(&sp, "accounts {\n"
                       "  A { users: [ {user: a, password: a} ], exports: [ {stream: \"ev.*\", "
                       "accounts: [B]} ] }\n"
                       "  B { users: [ {user: b, password: b} ], imports: [ {stream: {account: "
                       "A, subject: \"ev.*\"}} ] }\n"
                       "}\n");
    a = PU_CLIENT(sp.port, LOGIN("a", "a"));
    b = PU_CLIENT(sp.port, LOGIN("b", "b"));
    wire_send(b, "SUB ev.* 1\r\nPING\r\n");
    WIRE_EXPECT(b, "PONG\r\n");
    wire_send(a, "PUB ev.1 1\r\nx\r\nPUB ev.1.2 1\r\ny\r\nPING\r\n");
    WIRE_EXPECT(a, "PONG\r\n");
    wire_send(b, "PING\r\n");
    WIRE_EXPECT(b, "MSG ev.1 1 1\r\nx\r\nPONG\r\n");
    /* B's own publishes on ev.* do not flow back into A */
    wire_send(a, "SUB ev.* 1\r\nPING\r\n");
    WIRE_EXPECT(a, "PONG\r\n");
    wire_send(b, "PUB ev.2 1\r\nz\r\nPING\r\n");
    WIRE_EXPECT(b, "MSG ev.2 1 1\r\nz\r\nPONG\r\n");
    wire_send(a, "PING\r\n");
    WIRE_EXPECT(a, "PONG\r\n");
}

#define SYS_CONF                                                                                  \
    "accounts { SYS { users: [ {user: sys, password: sys} ] }, APP { users: [ {user: a, "         \
    "password: a} ] } }\nsystem_account: SYS\n"

/* Reads one "MSG <inbox> 1  <n>" (empty reply field, as the reference) and its JSON line. */
static char *read_sys_answer(struct wire *w, const char *inbox)
{
    char *line = wire_line(w, WIRE_TIMEOUT_MS), re[128];

    ASSERT(line != NULL);
    snprintf(re, sizeof(re), "^MSG %s 1  [0-9]+$", inbox);
    ASSERT_MATCH(line, re);
    free(line);
    line = wire_line(w, WIRE_TIMEOUT_MS);
    ASSERT(line != NULL);
    return line;
}

TEST(system_account_server_ping_and_varz)
{
    struct server_proc sp = {0};
    struct wire *w, *app;
    char *ans;

    PU_START_CONF(&sp, SYS_CONF);
    w = PU_CLIENT(sp.port, LOGIN("sys", "sys"));
    wire_send(w, "SUB _INBOX.> 1\r\nPUB $SYS.REQ.SERVER.PING _INBOX.1 0\r\n\r\n");
    ans = read_sys_answer(w, "_INBOX\\.1");
    ASSERT_MATCH(ans, "^\\{\"server\":\\{\"name\":\"[A-Z0-9]+\",\"host\":\"127\\.0\\.0\\.1\","
                      "\"id\":\"N[A-Z0-9]{55}\",\"ver\":\"2\\.9\\.10\",\"seq\":[0-9]+,"
                      "\"jetstream\":false,\"time\":\"[-0-9T:.]+Z\"\\},\"statsz\":\\{\"start\":");
    ASSERT_MATCH(ans, "\"connections\":1,\"total_connections\":[0-9]+,\"active_accounts\":1,");
    free(ans);
    wire_send(w, "PUB $SYS.REQ.SERVER.PING.VARZ _INBOX.2 0\r\n\r\n");
    ans = read_sys_answer(w, "_INBOX\\.2");
    ASSERT_MATCH(ans, "\"data\":\\{\"server_id\":\"N[A-Z0-9]{55}\",");
    ASSERT_MATCH(ans, "\"system_account\":\"SYS\"");
    free(ans);
    wire_send(w, "PUB $SYS.REQ.SERVER.PING.CONNZ _INBOX.3 3\r\nxyz\r\n");
    ans = read_sys_answer(w, "_INBOX\\.3");
    ASSERT_MATCH(ans, "\"error\":\\{\"code\":400,\"description\":\"");
    free(ans);
    /* an unknown kind gets no answer */
    wire_send(w, "PUB $SYS.REQ.SERVER.PING.NOPE _INBOX.4 0\r\n\r\nPING\r\n");
    WIRE_EXPECT(w, "PONG\r\n");
    /* other accounts cannot reach the system services */
    app = PU_CLIENT(sp.port, LOGIN("a", "a"));
    wire_send(app, "SUB _INBOX.> 1\r\nPUB $SYS.REQ.SERVER.PING _INBOX.1 0\r\n\r\nPING\r\n");
    WIRE_EXPECT(app, "PONG\r\n");
    WIRE_EXPECT_QUIET(app);
}

/* Rewrites the server's config file (proc_start_conf wrote it to <dir>/server.conf). */
static void rewrite_conf(const struct server_proc *sp, const char *conf)
{
    char path[512];
    FILE *f;
    snprintf(path, sizeof(path), "%s/server.conf", sp->dir);
    f = fopen(path, "w");
    ASSERT(f != NULL);
    fputs(conf, f);
    fclose(f);
}

/* SIGHUP: users and permissions change under live connections. A removed user is cut with
 * -ERR 'Authorization Violation'; a subscription the new permissions forbid is removed; a
 * publish they forbid is refused; the others keep working. */
TEST(reload_applies_users_and_permissions)
{
    struct server_proc sp = {0};
    struct wire *a, *b, *a2;
    char *got;

    PU_START_CONF(&sp, "authorization { users: [ {user: a, password: a}, {user: b, password: b} "
                       "] }\n");
    a = PU_CLIENT(sp.port, LOGIN("a", "a"));
    b = PU_CLIENT(sp.port, LOGIN("b", "b"));
    wire_send(a, "SUB foo 1\r\nSUB bar 2\r\nPING\r\n");
    WIRE_EXPECT(a, "PONG\r\n");
    rewrite_conf(&sp, "authorization { users: [ {user: a, password: a, permissions: {subscribe: "
                      "{deny: \"foo\"}, publish: {deny: \"x\"}}} ] }\n");
    kill(sp.pid, SIGHUP);
    ASSERT(proc_log_wait(&sp, "Reloaded server configuration", 3000));
    WIRE_EXPECT_CLOSED(b); /* without an -ERR, as the reference */
    a2 = PU_CLIENT(sp.port, LOGIN("a", "a"));
    wire_send(a2, "PUB foo 1\r\n1\r\nPUB bar 1\r\n2\r\nPUB x 1\r\n3\r\nPING\r\n");
    WIRE_EXPECT(a2, "-ERR 'Permissions Violation for Publish to \"x\"'\r\nPONG\r\n");
    wire_send(a, "PING\r\n");
    got = wire_until(a, "PONG\r\n", 2000);
    ASSERT(got != NULL);
    ASSERT(strstr(got, "-ERR 'Permissions Violation for Subscription to \"foo\" (sid \"1\")'\r\n"));
    ASSERT(strstr(got, "MSG bar 2 1\r\n2\r\n") != NULL);
    ASSERT(strstr(got, "MSG foo") == NULL);
    free(got);
}

/* (The harness gives the port as a flag, which wins over the file: the name is changed.) */
TEST(reload_refuses_a_server_name_change)
{
    struct server_proc sp = {0};
    struct wire *w;

    PU_START_CONF(&sp, "debug: false\n");
    rewrite_conf(&sp, "server_name: other\n");
    kill(sp.pid, SIGHUP);
    ASSERT(proc_log_wait(&sp, "Failed to reload server configuration: config reload not "
                              "supported for ServerName: old=, new=other",
                         3000));
    w = PU_CLIENT(sp.port, PU_QUIET);
    wire_close(w);
}

/* A reload that adds a stream import to an account that exists already, and removes a
 * service import: the new wiring applies at once. */
TEST(reload_rewires_imports)
{
    struct server_proc sp = {0};
    struct wire *a, *b;

    PU_START_CONF(&sp, "accounts {\n"
                       "  A { users: [ {user: a, password: a} ], exports: [ {stream: \"ev.>\"}, "
                       "{service: \"svc\"} ] }\n"
                       "  B { users: [ {user: b, password: b} ], imports: [ {service: {account: "
                       "A, subject: svc}} ] }\n}\n");
    a = PU_CLIENT(sp.port, LOGIN("a", "a"));
    b = PU_CLIENT(sp.port, LOGIN("b", "b"));
    wire_send(b, "SUB > 1\r\nPING\r\n");
    WIRE_EXPECT(b, "PONG\r\n");
    wire_send(a, "SUB svc 1\r\nPUB ev.1 1\r\nx\r\nPING\r\n");
    WIRE_EXPECT(a, "PONG\r\n");
    wire_send(b, "PING\r\n");
    WIRE_EXPECT(b, "PONG\r\n"); /* no stream import yet */
    rewrite_conf(&sp, "accounts {\n"
                      "  A { users: [ {user: a, password: a} ], exports: [ {stream: \"ev.>\"}, "
                      "{service: \"svc\"} ] }\n"
                      "  B { users: [ {user: b, password: b} ], imports: [ {stream: {account: A, "
                      "subject: \"ev.>\"}, prefix: fromA} ] }\n}\n");
    kill(sp.pid, SIGHUP);
    ASSERT(proc_log_wait(&sp, "Reloaded server configuration", 3000));
    wire_send(a, "PUB ev.2 1\r\ny\r\nPING\r\n");
    WIRE_EXPECT(a, "PONG\r\n");
    wire_send(b, "PUB svc 1\r\nq\r\nPING\r\n"); /* the service import is gone */
    WIRE_EXPECT(b, "MSG fromA.ev.2 1 1\r\ny\r\nMSG svc 1 1\r\nq\r\nPONG\r\n");
    wire_send(a, "PING\r\n");
    WIRE_EXPECT(a, "PONG\r\n");
}

/* Connect and disconnect advisories in the system account (the reference also sends
 * account_connections updates there; natrium does not yet, so they are skipped). */
TEST(system_account_connect_disconnect_advisories)
{
    struct server_proc sp = {0};
    struct wire *s, *a;
    char *got;

    PU_START_CONF(&sp, SYS_CONF);
    s = PU_CLIENT(sp.port, LOGIN("sys", "sys"));
    wire_send(s, "SUB $SYS.ACCOUNT.APP.CONNECT 1\r\nSUB $SYS.ACCOUNT.APP.DISCONNECT 2\r\nPING\r\n");
    WIRE_EXPECT(s, "PONG\r\n");
    a = PU_CLIENT(sp.port, "{\"verbose\":false,\"pedantic\":false,\"user\":\"a\",\"pass\":\"a\","
                           "\"name\":\"cli\",\"lang\":\"c\",\"version\":\"1.0\"}");
    wire_send(a, "PUB x 2\r\nhi\r\nPING\r\n");
    WIRE_EXPECT(a, "PONG\r\n");
    wire_close(a);
    got = wire_until(s, "\"reason\":\"Client Closed\"}\r\n", 3000);
    ASSERT(got != NULL);
    ASSERT_MATCH(got, "MSG \\$SYS\\.ACCOUNT\\.APP\\.CONNECT 1  [0-9]+\r\n"
                      "\\{\"type\":\"io\\.nats\\.server\\.advisory\\.v1\\.client_connect\","
                      "\"id\":\"[0-9A-Za-z]{22}\",\"timestamp\":\"[-0-9T:.]+Z\","
                      "\"server\":\\{\"name\":\"[A-Z0-9]+\",\"host\":\"127\\.0\\.0\\.1\",\"id\":"
                      "\"N[A-Z0-9]{55}\",\"ver\":\"2\\.9\\.10\",\"seq\":[0-9]+,\"jetstream\":false,"
                      "\"time\":\"[-0-9T:.]+Z\"\\},\"client\":\\{\"start\":\"[-0-9T:.]+Z\","
                      "\"host\":\"127\\.0\\.0\\.1\",\"id\":[0-9]+,\"acc\":\"APP\",\"user\":\"a\","
                      "\"name\":\"cli\",\"lang\":\"c\",\"ver\":\"1\\.0\",\"kind\":\"Client\","
                      "\"client_type\":\"nats\"\\}\\}\r\n");
    ASSERT_MATCH(got, "MSG \\$SYS\\.ACCOUNT\\.APP\\.DISCONNECT 2  [0-9]+\r\n"
                      "\\{\"type\":\"io\\.nats\\.server\\.advisory\\.v1\\.client_disconnect\",.*"
                      "\"ver\":\"1\\.0\",(\"rtt\":[0-9]+,)?\"stop\":\"[-0-9T:.]+Z\","
                      "\"kind\":\"Client\",\"client_type\":\"nats\"\\},\"sent\":\\{\"msgs\":1,"
                      "\"bytes\":2\\},\"received\":\\{\"msgs\":0,\"bytes\":0\\},"
                      "\"reason\":\"Client Closed\"\\}\r\n$");
    free(got);
}

/* The periodic $SYS.SERVER.<id>.STATSZ: the first ones come within seconds of the start. */
TEST(system_account_periodic_statsz)
{
    struct server_proc sp = {0};
    struct wire *s;
    char *got;

    PU_START_CONF(&sp, SYS_CONF);
    s = PU_CLIENT(sp.port, LOGIN("sys", "sys"));
    wire_send(s, "SUB $SYS.SERVER.*.STATSZ 1\r\nPING\r\n");
    WIRE_EXPECT(s, "PONG\r\n");
    got = wire_until(s, "}}\r\n", 9000);
    ASSERT(got != NULL);
    ASSERT_MATCH(got, "^MSG \\$SYS\\.SERVER\\.N[A-Z0-9]{55}\\.STATSZ 1  [0-9]+\r\n"
                      "\\{\"server\":\\{\"name\":\"[A-Z0-9]+\",.*\\},\"statsz\":\\{\"start\":\".*"
                      "\"connections\":1,.*\\}\\}\r\n$");
    free(got);
}

/* $SYS.REQ.ACCOUNT.<acc>.CONNZ and .SUBSZ: one account's connections and subscriptions. */
TEST(system_account_account_connz_and_subsz)
{
    struct server_proc sp = {0};
    struct wire *s, *app;
    char *ans;

    PU_START_CONF(&sp, SYS_CONF);
    app = PU_CLIENT(sp.port, LOGIN("a", "a"));
    wire_send(app, "SUB foo.bar 7\r\nPING\r\n");
    WIRE_EXPECT(app, "PONG\r\n");
    s = PU_CLIENT(sp.port, LOGIN("sys", "sys"));
    wire_send(s, "SUB _INBOX.> 1\r\nPUB $SYS.REQ.ACCOUNT.APP.CONNZ _INBOX.1 0\r\n\r\n");
    ans = read_sys_answer(s, "_INBOX\\.1");
    ASSERT_MATCH(ans, "\"data\":\\{\"server_id\":\"N[A-Z0-9]{55}\",\"now\":\"[-0-9T:.]+Z\","
                      "\"num_connections\":1,\"total\":1,");
    free(ans);
    wire_send(s, "PUB $SYS.REQ.ACCOUNT.APP.SUBSZ _INBOX.2 0\r\n\r\n");
    ans = read_sys_answer(s, "_INBOX\\.2");
    ASSERT_MATCH(ans, "\\{\"account\":\"APP\",\"subject\":\"foo\\.bar\",\"sid\":\"7\",\"msgs\":0,"
                      "\"cid\":[0-9]+\\}");
    free(ans);
}
