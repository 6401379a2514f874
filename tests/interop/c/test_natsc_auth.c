/* Interop: nats.c (Debian's libnats 3.4.1) with users, permissions and accounts, against the
 * server in $NATS_SERVER_BIN (each TEST starts its own, with a config file). Covers user and
 * password login (plain and bcrypt), a refused login, a permission violation reported to the
 * client's async error handler while the connection stays up, a request through a service
 * import between accounts, and a stream import with a prefix. */
#include <nats/nats.h>

#include "proc.h"
#include "test.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ASSERT_NATS(x)                                                                            \
    do {                                                                                          \
        natsStatus s_ = (x);                                                                      \
        if (s_ != NATS_OK)                                                                        \
            test_fail(__FILE__, __LINE__, "%s: %s", #x, natsStatus_GetText(s_));                  \
    } while (0)

/* bcrypt of "s3cr3t" (cost 4) */
#define BCRYPT_S3CR3T "$2b$04$17SiWp4I7j/im2rzYS4jdOFrzy6TAeJYeh8TMT.ybYWTaiVT.Tx7q"

static struct server_proc srv;

static void start_conf(const char *conf)
{
    memset(&srv, 0, sizeof(srv));
    ASSERT_OK(proc_start_conf(&srv, NULL, conf, NULL));
}

static void destroy_conn(void *nc)
{
    natsConnection_Destroy(nc);
}

static void destroy_sub(void *sub)
{
    natsSubscription_Destroy(sub);
}

/* Connects as user/pass; returns the status (the connection, if any, is destroyed at the
 * end of the test). */
static natsStatus login(natsConnection **nc, const char *user, const char *pass,
                        natsErrHandler errh, void *arg)
{
    natsOptions *o = NULL;
    char url[64];
    natsStatus s;

    snprintf(url, sizeof(url), "nats://127.0.0.1:%d", srv.port);
    ASSERT_NATS(natsOptions_Create(&o));
    ASSERT_NATS(natsOptions_SetURL(o, url));
    ASSERT_NATS(natsOptions_SetUserInfo(o, user, pass));
    ASSERT_NATS(natsOptions_SetMaxReconnect(o, 0));
    if (errh)
        ASSERT_NATS(natsOptions_SetErrorHandler(o, errh, arg));
    *nc = NULL;
    s = natsConnection_Connect(nc, o);
    natsOptions_Destroy(o);
    if (s == NATS_OK)
        test_on_cleanup(destroy_conn, *nc);
    return s;
}

static natsConnection *must_login(const char *user, const char *pass)
{
    natsConnection *nc;
    ASSERT_NATS(login(&nc, user, pass, NULL, NULL));
    return nc;
}

static natsSubscription *sub_sync(natsConnection *nc, const char *subj)
{
    natsSubscription *sub = NULL;
    ASSERT_NATS(natsConnection_SubscribeSync(&sub, nc, subj));
    test_on_cleanup(destroy_sub, sub);
    return sub;
}

static void expect_msg(natsSubscription *sub, const char *subj, const char *data)
{
    natsMsg *m = NULL;
    ASSERT_NATS(natsSubscription_NextMsg(&m, sub, 2000));
    ASSERT_STR_EQ(natsMsg_GetSubject(m), subj);
    ASSERT_EQ(natsMsg_GetDataLength(m), strlen(data));
    ASSERT(memcmp(natsMsg_GetData(m), data, strlen(data)) == 0);
    natsMsg_Destroy(m);
}

TEST(users_plain_and_bcrypt)
{
    natsConnection *nc;

    start_conf("authorization { users: [ {user: plain, password: pw}, {user: hashed, password: "
               "\"" BCRYPT_S3CR3T "\"} ] }\n");
    must_login("plain", "pw");
    must_login("hashed", "s3cr3t");
    ASSERT(login(&nc, "plain", "wrong", NULL, NULL) != NATS_OK);
    ASSERT(login(&nc, "nobody", "pw", NULL, NULL) != NATS_OK);
    ASSERT(login(&nc, "hashed", BCRYPT_S3CR3T, NULL, NULL) != NATS_OK);
}

struct errs {
    atomic_int n;
    char last[256];
};

static void on_error(natsConnection *nc, natsSubscription *sub, natsStatus err, void *arg)
{
    struct errs *e = arg;
    const char *text = NULL;
    (void)sub;
    (void)err;
    natsConnection_GetLastError(nc, &text);
    snprintf(e->last, sizeof(e->last), "%s", text ? text : "");
    atomic_fetch_add(&e->n, 1);
}

TEST(permission_violation_reaches_the_error_handler)
{
    struct errs e;
    natsConnection *nc, *other;
    natsSubscription *sub;
    struct timespec ts = {0, 10 * 1000000L};

    memset(&e, 0, sizeof(e));
    start_conf("authorization { users: [\n"
               "  {user: u, password: p, permissions: {publish: {deny: \"secret.>\"}}}\n"
               "  {user: r, password: r}\n] }\n");
    ASSERT_NATS(login(&nc, "u", "p", on_error, &e));
    other = must_login("r", "r");
    sub = sub_sync(other, ">");
    ASSERT_NATS(natsConnection_Flush(other));
    ASSERT_NATS(natsConnection_PublishString(nc, "secret.x", "no"));
    ASSERT_NATS(natsConnection_PublishString(nc, "open", "yes"));
    ASSERT_NATS(natsConnection_Flush(nc));
    for (int i = 0; i < 200 && atomic_load(&e.n) == 0; i++)
        nanosleep(&ts, NULL);
    ASSERT(atomic_load(&e.n) >= 1);
    ASSERT(strstr(e.last, "Permissions Violation for Publish to \"secret.x\"") != NULL);
    expect_msg(sub, "open", "yes"); /* the connection stayed up; the denied one never came */
    ASSERT(natsConnection_Status(nc) == NATS_CONN_STATUS_CONNECTED);
}

static void responder(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *arg)
{
    char reply[128];
    (void)sub;
    (void)arg;
    snprintf(reply, sizeof(reply), "answer to %.*s", natsMsg_GetDataLength(msg),
             natsMsg_GetData(msg));
    natsConnection_PublishString(nc, natsMsg_GetReply(msg), reply);
    natsMsg_Destroy(msg);
}

TEST(request_through_a_service_import)
{
    natsConnection *a, *b;
    natsSubscription *sub = NULL;
    natsMsg *resp = NULL;

    start_conf("accounts {\n"
               "  A { users: [ {user: a, password: a} ], exports: [ {service: \"time.>\"} ] }\n"
               "  B { users: [ {user: b, password: b} ], imports: [ {service: {account: A, "
               "subject: \"time.utc\"}, to: \"clock\"} ] }\n}\n");
    a = must_login("a", "a");
    b = must_login("b", "b");
    ASSERT_NATS(natsConnection_Subscribe(&sub, a, "time.utc", responder, NULL));
    test_on_cleanup(destroy_sub, sub);
    ASSERT_NATS(natsConnection_Flush(a));
    ASSERT_NATS(natsConnection_RequestString(&resp, b, "clock", "now", 2000));
    ASSERT_EQ(natsMsg_GetDataLength(resp), strlen("answer to now"));
    ASSERT(memcmp(natsMsg_GetData(resp), "answer to now", 13) == 0);
    natsMsg_Destroy(resp);
    /* B cannot reach A's subject directly */
    ASSERT(natsConnection_RequestString(&resp, b, "time.utc", "now", 300) != NATS_OK);
}

TEST(stream_import_with_prefix)
{
    natsConnection *a, *b;
    natsSubscription *sub;

    start_conf("accounts {\n"
               "  A { users: [ {user: a, password: a} ], exports: [ {stream: \"ev.>\"} ] }\n"
               "  B { users: [ {user: b, password: b} ], imports: [ {stream: {account: A, "
               "subject: \"ev.>\"}, prefix: \"a\"} ] }\n}\n");
    a = must_login("a", "a");
    b = must_login("b", "b");
    sub = sub_sync(b, "a.ev.*");
    ASSERT_NATS(natsConnection_Flush(b));
    ASSERT_NATS(natsConnection_PublishString(a, "ev.1", "one"));
    ASSERT_NATS(natsConnection_Flush(a));
    expect_msg(sub, "a.ev.1", "one");
}
