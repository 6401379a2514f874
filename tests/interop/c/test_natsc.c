/* Interop: nats.c (Debian's libnats 3.4.1) against the server in $NATS_SERVER_BIN.
 * Each TEST starts its own server on a free 127.0.0.1 port (tests/harness/proc.h)
 * and covers one scenario: pub/sub, wildcards, queue groups, request/reply, headers,
 * no responders, flush, drain, auto-unsubscribe, reconnect after a restart on the
 * same port, a payload just under 1 MiB and 100k messages in order. Connections and
 * subscriptions are destroyed by harness cleanups, so a failed ASSERT leaks nothing. */
#include <nats/nats.h>

#include "proc.h"
#include "test.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ASSERT_NATS(x)                                                                             \
    do {                                                                                           \
        natsStatus s_ = (x);                                                                       \
        if (s_ != NATS_OK)                                                                         \
            test_fail(__FILE__, __LINE__, "%s: %s", #x, natsStatus_GetText(s_));                   \
    } while (0)
#define ASSERT_STATUS(x, want)                                                                     \
    do {                                                                                           \
        natsStatus s_ = (x);                                                                       \
        if (s_ != (want))                                                                          \
            test_fail(__FILE__, __LINE__, "%s: got %s, want %s", #x, natsStatus_GetText(s_),       \
                      natsStatus_GetText(want));                                                   \
    } while (0)

/* The current test's server (proc_start; stopped by the harness when the test ends). */
static struct server_proc srv;
static char srv_url[64];

static void start_server(void)
{
    memset(&srv, 0, sizeof(srv));
    ASSERT_OK(proc_start(&srv, NULL, NULL));
    snprintf(srv_url, sizeof(srv_url), "nats://127.0.0.1:%d", srv.port);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Polls an atomic counter until it reaches want or timeout_ms passes; returns the last value. */
static int wait_count(atomic_int *n, int want, int timeout_ms)
{
    int64_t end = now_ms() + timeout_ms;
    while (atomic_load(n) < want && now_ms() < end)
        sleep_ms(5);
    return atomic_load(n);
}

static void destroy_conn(void *nc)
{
    natsConnection_Destroy(nc);
}

static void destroy_sub(void *sub)
{
    natsSubscription_Destroy(sub);
}

static void destroy_opts(void *opts)
{
    natsOptions_Destroy(opts);
}

/* A connection to srv with opts (NULL = defaults); destroyed when the test ends. */
static natsConnection *conn_with(natsOptions *opts)
{
    natsConnection *nc = NULL;
    if (opts) {
        ASSERT_NATS(natsOptions_SetURL(opts, srv_url));
        ASSERT_NATS(natsConnection_Connect(&nc, opts));
    } else {
        ASSERT_NATS(natsConnection_ConnectTo(&nc, srv_url));
    }
    test_on_cleanup(destroy_conn, nc);
    return nc;
}

static natsConnection *conn(void)
{
    return conn_with(NULL);
}

static natsOptions *new_opts(void)
{
    natsOptions *o = NULL;
    ASSERT_NATS(natsOptions_Create(&o));
    test_on_cleanup(destroy_opts, o);
    return o;
}

static natsSubscription *sub_sync(natsConnection *nc, const char *subj)
{
    natsSubscription *sub = NULL;
    ASSERT_NATS(natsConnection_SubscribeSync(&sub, nc, subj));
    test_on_cleanup(destroy_sub, sub);
    return sub;
}

static natsSubscription *sub_async(natsConnection *nc, const char *subj, const char *queue,
                                   natsMsgHandler cb, void *arg)
{
    natsSubscription *sub = NULL;
    if (queue)
        ASSERT_NATS(natsConnection_QueueSubscribe(&sub, nc, subj, queue, cb, arg));
    else
        ASSERT_NATS(natsConnection_Subscribe(&sub, nc, subj, cb, arg));
    test_on_cleanup(destroy_sub, sub);
    return sub;
}

/* Receives the next message and checks its subject and payload. */
static void expect_msg(natsSubscription *sub, const char *subj, const char *data)
{
    natsMsg *m = NULL;
    ASSERT_NATS(natsSubscription_NextMsg(&m, sub, 2000));
    ASSERT_STR_EQ(natsMsg_GetSubject(m), subj);
    ASSERT_EQ(natsMsg_GetDataLength(m), strlen(data));
    ASSERT(memcmp(natsMsg_GetData(m), data, strlen(data)) == 0);
    natsMsg_Destroy(m);
}

/* Checks that nothing more arrives within ms. */
static void expect_none(natsSubscription *sub, int ms)
{
    natsMsg *m = NULL;
    natsStatus s = natsSubscription_NextMsg(&m, sub, ms);
    if (s == NATS_OK) {
        char subj[128];
        snprintf(subj, sizeof(subj), "%s", natsMsg_GetSubject(m));
        natsMsg_Destroy(m);
        test_fail(__FILE__, __LINE__, "unexpected message on %s", subj);
    }
    ASSERT_STATUS(s, NATS_TIMEOUT);
}

TEST(pubsub)
{
    start_server();
    natsConnection *nc = conn();
    natsSubscription *sub = sub_sync(nc, "c.ps");
    ASSERT_NATS(natsConnection_FlushTimeout(nc, 2000));
    ASSERT_NATS(natsConnection_PublishString(nc, "c.ps", "hello"));
    ASSERT_NATS(natsConnection_Publish(nc, "c.ps", "world", 5));
    ASSERT_NATS(natsConnection_Publish(nc, "c.ps", NULL, 0));
    expect_msg(sub, "c.ps", "hello");
    expect_msg(sub, "c.ps", "world");
    expect_msg(sub, "c.ps", "");
    expect_none(sub, 100);
}

TEST(wildcards)
{
    static const char *const pubs[] = {"c.wc.a", "c.wc.a.b", "c.wc", "c.other.a", "c.wc.b"};
    start_server();
    natsConnection *nc = conn();
    natsSubscription *star = sub_sync(nc, "c.wc.*");
    natsSubscription *gt = sub_sync(nc, "c.wc.>");
    natsSubscription *mid = sub_sync(nc, "c.*.a");
    ASSERT_NATS(natsConnection_FlushTimeout(nc, 2000));
    for (size_t i = 0; i < sizeof(pubs) / sizeof(pubs[0]); i++)
        ASSERT_NATS(natsConnection_PublishString(nc, pubs[i], "x"));
    ASSERT_NATS(natsConnection_FlushTimeout(nc, 2000));
    expect_msg(star, "c.wc.a", "x");
    expect_msg(star, "c.wc.b", "x");
    expect_msg(gt, "c.wc.a", "x");
    expect_msg(gt, "c.wc.a.b", "x");
    expect_msg(gt, "c.wc.b", "x");
    expect_msg(mid, "c.wc.a", "x");
    expect_msg(mid, "c.other.a", "x");
    expect_none(star, 50);
    expect_none(gt, 10);
    expect_none(mid, 10);
}

#define QN 300
struct queue_member {
    atomic_int got;
    atomic_int *seen; /* shared: deliveries per message id */
};

static void on_queue_msg(natsConnection *nc, natsSubscription *sub, natsMsg *m, void *arg)
{
    struct queue_member *q = arg;
    int id = atoi(natsMsg_GetData(m));
    if (id >= 0 && id < QN)
        atomic_fetch_add(&q->seen[id], 1);
    atomic_fetch_add(&q->got, 1);
    natsMsg_Destroy(m);
}

TEST(queue_groups)
{
    static atomic_int seen[QN];
    static struct queue_member members[3], plain;
    atomic_int total = 0;
    start_server();
    for (int i = 0; i < QN; i++)
        atomic_store(&seen[i], 0);
    for (int i = 0; i < 3; i++) {
        natsConnection *nc = conn();
        atomic_store(&members[i].got, 0);
        members[i].seen = seen;
        sub_async(nc, "c.q", "workers", on_queue_msg, &members[i]);
        ASSERT_NATS(natsConnection_FlushTimeout(nc, 2000));
    }
    static atomic_int plain_seen[QN];
    atomic_store(&plain.got, 0);
    plain.seen = plain_seen;
    natsConnection *pc = conn();
    sub_async(pc, "c.q", NULL, on_queue_msg, &plain);
    ASSERT_NATS(natsConnection_FlushTimeout(pc, 2000));

    natsConnection *pub = conn();
    for (int i = 0; i < QN; i++) {
        char buf[16];
        snprintf(buf, sizeof(buf), "%d", i);
        ASSERT_NATS(natsConnection_PublishString(pub, "c.q", buf));
    }
    ASSERT_NATS(natsConnection_FlushTimeout(pub, 2000));
    int64_t end = now_ms() + 5000;
    do {
        total = atomic_load(&members[0].got) + atomic_load(&members[1].got) +
                atomic_load(&members[2].got);
        if (total >= QN && atomic_load(&plain.got) >= QN)
            break;
        sleep_ms(5);
    } while (now_ms() < end);
    sleep_ms(100); /* a duplicate would show up now */
    total =
        atomic_load(&members[0].got) + atomic_load(&members[1].got) + atomic_load(&members[2].got);
    ASSERT_EQ(total, QN);
    for (int i = 0; i < QN; i++)
        ASSERT_EQ(atomic_load(&seen[i]), 1);
    for (int i = 0; i < 3; i++)
        ASSERT(atomic_load(&members[i].got) > 0);
    ASSERT_EQ(atomic_load(&plain.got), QN);
}

static void on_echo(natsConnection *nc, natsSubscription *sub, natsMsg *m, void *arg)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "echo:%.*s", natsMsg_GetDataLength(m), natsMsg_GetData(m));
    if (natsMsg_GetReply(m))
        natsConnection_PublishString(nc, natsMsg_GetReply(m), buf);
    natsMsg_Destroy(m);
}

TEST(request_reply)
{
    natsMsg *r = NULL;
    start_server();
    natsConnection *svc = conn();
    sub_async(svc, "c.svc", NULL, on_echo, NULL);
    ASSERT_NATS(natsConnection_FlushTimeout(svc, 2000));

    natsConnection *nc = conn();
    ASSERT_NATS(natsConnection_RequestString(&r, nc, "c.svc", "ping", 2000));
    ASSERT_EQ(natsMsg_GetDataLength(r), 9);
    ASSERT(memcmp(natsMsg_GetData(r), "echo:ping", 9) == 0);
    natsMsg_Destroy(r);
    for (int i = 0; i < 50; i++) {
        char q[16], want[32];
        snprintf(q, sizeof(q), "r%d", i);
        snprintf(want, sizeof(want), "echo:r%d", i);
        ASSERT_NATS(natsConnection_RequestString(&r, nc, "c.svc", q, 2000));
        ASSERT_EQ(natsMsg_GetDataLength(r), strlen(want));
        ASSERT(memcmp(natsMsg_GetData(r), want, strlen(want)) == 0);
        natsMsg_Destroy(r);
    }

    /* old request style: a fresh inbox subscription per request */
    natsOptions *o = new_opts();
    ASSERT_NATS(natsOptions_UseOldRequestStyle(o, true));
    natsConnection *old = conn_with(o);
    ASSERT_NATS(natsConnection_RequestString(&r, old, "c.svc", "solo", 2000));
    ASSERT_EQ(natsMsg_GetDataLength(r), 9);
    ASSERT(memcmp(natsMsg_GetData(r), "echo:solo", 9) == 0);
    natsMsg_Destroy(r);
}

static void on_hdr_echo(natsConnection *nc, natsSubscription *sub, natsMsg *m, void *arg)
{
    const char *v = NULL;
    natsMsg *reply = NULL;
    if (natsMsg_GetReply(m) &&
        natsMsg_Create(&reply, natsMsg_GetReply(m), NULL, "ok", 2) == NATS_OK) {
        if (natsMsgHeader_Get(m, "X-Single", &v) != NATS_OK)
            v = "missing";
        natsMsgHeader_Set(reply, "X-Echo", v);
        natsConnection_PublishMsg(nc, reply);
        natsMsg_Destroy(reply);
    }
    natsMsg_Destroy(m);
}

/* Checks X-Single: one and X-Multi: a, b on m. */
static void expect_headers(natsMsg *m)
{
    const char *v = NULL;
    const char **vals = NULL;
    int n = 0;
    ASSERT_NATS(natsMsgHeader_Get(m, "X-Single", &v));
    ASSERT_STR_EQ(v, "one");
    ASSERT_NATS(natsMsgHeader_Values(m, "X-Multi", &vals, &n));
    bool ok = n == 2 && strcmp(vals[0], "a") == 0 && strcmp(vals[1], "b") == 0;
    free((void *)vals);
    ASSERT(ok);
    ASSERT_STATUS(natsMsgHeader_Get(m, "X-Absent", &v), NATS_NOT_FOUND);
}

TEST(headers)
{
    natsMsg *m = NULL, *r = NULL;
    start_server();
    natsConnection *nc = conn();
    natsSubscription *sub = sub_sync(nc, "c.hdr");
    ASSERT_NATS(natsConnection_FlushTimeout(nc, 2000));

    ASSERT_NATS(natsMsg_Create(&m, "c.hdr", NULL, "with headers", 12));
    ASSERT_NATS(natsMsgHeader_Set(m, "X-Single", "one"));
    ASSERT_NATS(natsMsgHeader_Add(m, "X-Multi", "a"));
    ASSERT_NATS(natsMsgHeader_Add(m, "X-Multi", "b"));
    ASSERT_NATS(natsConnection_PublishMsg(nc, m));
    natsMsg_Destroy(m);
    ASSERT_NATS(natsMsg_Create(&m, "c.hdr", NULL, NULL, 0)); /* headers, empty body */
    ASSERT_NATS(natsMsgHeader_Set(m, "X-Single", "one"));
    ASSERT_NATS(natsMsgHeader_Add(m, "X-Multi", "a"));
    ASSERT_NATS(natsMsgHeader_Add(m, "X-Multi", "b"));
    ASSERT_NATS(natsConnection_PublishMsg(nc, m));
    natsMsg_Destroy(m);

    ASSERT_NATS(natsSubscription_NextMsg(&m, sub, 2000));
    ASSERT_EQ(natsMsg_GetDataLength(m), 12);
    ASSERT(memcmp(natsMsg_GetData(m), "with headers", 12) == 0);
    expect_headers(m);
    natsMsg_Destroy(m);
    ASSERT_NATS(natsSubscription_NextMsg(&m, sub, 2000));
    ASSERT_EQ(natsMsg_GetDataLength(m), 0);
    expect_headers(m);
    natsMsg_Destroy(m);

    /* headers on a request and on its reply */
    sub_async(nc, "c.hdr.svc", NULL, on_hdr_echo, NULL);
    ASSERT_NATS(natsConnection_FlushTimeout(nc, 2000));
    ASSERT_NATS(natsMsg_Create(&m, "c.hdr.svc", NULL, "q", 1));
    ASSERT_NATS(natsMsgHeader_Set(m, "X-Single", "one"));
    ASSERT_NATS(natsConnection_RequestMsg(&r, nc, m, 2000));
    natsMsg_Destroy(m);
    const char *v = NULL;
    ASSERT_NATS(natsMsgHeader_Get(r, "X-Echo", &v));
    ASSERT_STR_EQ(v, "one");
    natsMsg_Destroy(r);
}

TEST(no_responders)
{
    natsMsg *r = NULL;
    start_server();
    natsConnection *nc = conn();
    int64_t t0 = now_ms();
    ASSERT_STATUS(natsConnection_RequestString(&r, nc, "c.nobody", "x", 5000), NATS_NO_RESPONDERS);
    ASSERT(r == NULL);
    ASSERT(now_ms() - t0 < 2000);

    natsOptions *o = new_opts();
    ASSERT_NATS(natsOptions_UseOldRequestStyle(o, true));
    natsConnection *old = conn_with(o);
    t0 = now_ms();
    ASSERT_STATUS(natsConnection_RequestString(&r, old, "c.nobody", "x", 5000), NATS_NO_RESPONDERS);
    ASSERT(now_ms() - t0 < 2000);
}

TEST(flush)
{
    int msgs = -1, bytes = -1;
    int64_t rtt = -1;
    start_server();
    natsConnection *snc = conn();
    natsConnection *pnc = conn();
    natsSubscription *sub = sub_sync(snc, "c.flush");
    ASSERT_NATS(natsConnection_FlushTimeout(snc, 2000)); /* the server has the SUB */
    ASSERT_NATS(natsConnection_PublishString(pnc, "c.flush", "x"));
    ASSERT_NATS(natsConnection_FlushTimeout(pnc, 2000)); /* the server routed the PUB */
    ASSERT_NATS(natsConnection_FlushTimeout(snc, 2000)); /* the MSG came before the PONG */
    ASSERT_NATS(natsSubscription_GetPending(sub, &msgs, &bytes));
    ASSERT_EQ(msgs, 1);
    ASSERT_EQ(bytes, 1);
    ASSERT_NATS(natsConnection_Flush(pnc));
    ASSERT_NATS(natsConnection_GetRTT(pnc, &rtt));
    ASSERT(rtt >= 0);
}

static void on_slow(natsConnection *nc, natsSubscription *sub, natsMsg *m, void *arg)
{
    sleep_ms(5); /* a slow consumer: messages pile up client-side */
    atomic_fetch_add((atomic_int *)arg, 1);
    natsMsg_Destroy(m);
}

TEST(drain)
{
    static atomic_int n1, n2;
    const int N = 50;
    atomic_store(&n1, 0);
    atomic_store(&n2, 0);
    start_server();
    natsConnection *pub = conn();

    /* subscription drain */
    natsConnection *nc = conn();
    natsSubscription *sub = sub_async(nc, "c.drain", NULL, on_slow, &n1);
    ASSERT_NATS(natsConnection_FlushTimeout(nc, 2000));
    for (int i = 0; i < N; i++)
        ASSERT_NATS(natsConnection_PublishString(pub, "c.drain", "m"));
    ASSERT_NATS(natsConnection_FlushTimeout(pub, 2000));
    sleep_ms(20);
    ASSERT(atomic_load(&n1) < N); /* still in flight when the drain starts */
    ASSERT_NATS(natsSubscription_Drain(sub));
    ASSERT_NATS(natsSubscription_WaitForDrainCompletion(sub, 5000));
    ASSERT_NATS(natsSubscription_DrainCompletionStatus(sub));
    ASSERT_EQ(atomic_load(&n1), N);
    ASSERT(!natsConnection_IsClosed(nc));

    /* connection drain: every subscription drains, then the connection closes */
    natsConnection *nc2 = conn();
    sub_async(nc2, "c.drain2", NULL, on_slow, &n2);
    ASSERT_NATS(natsConnection_FlushTimeout(nc2, 2000));
    for (int i = 0; i < N; i++)
        ASSERT_NATS(natsConnection_PublishString(pub, "c.drain2", "m"));
    ASSERT_NATS(natsConnection_FlushTimeout(pub, 2000));
    sleep_ms(20);
    ASSERT(atomic_load(&n2) < N);
    ASSERT_NATS(natsConnection_DrainTimeout(nc2, 5000));
    int64_t end = now_ms() + 5000;
    while (!natsConnection_IsClosed(nc2) && now_ms() < end)
        sleep_ms(5);
    ASSERT(natsConnection_IsClosed(nc2));
    ASSERT_EQ(atomic_load(&n2), N);
}

TEST(auto_unsubscribe)
{
    natsMsg *m = NULL;
    start_server();
    natsConnection *nc = conn();
    natsSubscription *sub = sub_sync(nc, "c.max");
    ASSERT_NATS(natsSubscription_AutoUnsubscribe(sub, 3));
    natsSubscription *other = sub_sync(nc, "c.max");
    ASSERT_NATS(natsConnection_FlushTimeout(nc, 2000));
    for (int i = 0; i < 6; i++) {
        char buf[8];
        snprintf(buf, sizeof(buf), "%d", i);
        ASSERT_NATS(natsConnection_PublishString(nc, "c.max", buf));
    }
    ASSERT_NATS(natsConnection_FlushTimeout(nc, 2000));
    expect_msg(sub, "c.max", "0");
    expect_msg(sub, "c.max", "1");
    expect_msg(sub, "c.max", "2");
    ASSERT(natsSubscription_NextMsg(&m, sub, 200) != NATS_OK);
    ASSERT(!natsSubscription_IsValid(sub));
    for (int i = 0; i < 6; i++) { /* the other subscription got all six */
        char buf[8];
        snprintf(buf, sizeof(buf), "%d", i);
        expect_msg(other, "c.max", buf);
    }
    /* the server enforced the limit too: the connection read 3 + 6 messages, not 12 */
    natsStatistics *st = NULL;
    uint64_t in_msgs = 0;
    ASSERT_NATS(natsConnection_FlushTimeout(nc, 2000));
    ASSERT_NATS(natsStatistics_Create(&st));
    ASSERT_NATS(natsConnection_GetStats(nc, st));
    ASSERT_NATS(natsStatistics_GetCounts(st, &in_msgs, NULL, NULL, NULL, NULL));
    natsStatistics_Destroy(st);
    ASSERT_EQ(in_msgs, 9);
}

/* A server started by restart_same_port; the harness does not know about it. */
static pid_t restarted_pid;

static void stop_restarted(void *arg)
{
    pid_t *pid = arg;
    if (*pid > 0) {
        kill(*pid, SIGKILL);
        waitpid(*pid, NULL, 0);
        *pid = 0;
    }
}

/* Starts the same binary again on sp's port (proc_start always picks a new port), logging
 * to sp's log; it is killed when the test ends. Returns 0 once the port accepts. */
static int restart_same_port(const struct server_proc *sp)
{
    const char *bin = proc_our_bin();
    char port[16];
    int logfd;
    snprintf(port, sizeof(port), "%d", sp->port);
    logfd = open(sp->log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(logfd, 1);
        dup2(logfd, 2);
        execl(bin, bin, "-a", "127.0.0.1", "-p", port, (char *)NULL);
        _exit(127);
    }
    if (logfd >= 0)
        close(logfd);
    if (pid < 0)
        return -1;
    restarted_pid = pid;
    test_on_cleanup(stop_restarted, &restarted_pid);
    for (int i = 0; i < 500; i++) {
        struct sockaddr_in a = {.sin_family = AF_INET,
                                .sin_port = htons((uint16_t)sp->port),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        int st, fd = socket(AF_INET, SOCK_STREAM, 0);
        bool up = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
        if (fd >= 0)
            close(fd);
        if (up)
            return 0;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            restarted_pid = 0;
            return -1;
        }
        sleep_ms(10);
    }
    return -1;
}

static void on_event(natsConnection *nc, void *arg)
{
    atomic_fetch_add((atomic_int *)arg, 1);
}

TEST(reconnect)
{
    static atomic_int disconnects, reconnects;
    natsMsg *r = NULL;
    atomic_store(&disconnects, 0);
    atomic_store(&reconnects, 0);
    start_server();
    natsOptions *o = new_opts();
    ASSERT_NATS(natsOptions_SetMaxReconnect(o, 100));
    ASSERT_NATS(natsOptions_SetReconnectWait(o, 100));
    ASSERT_NATS(natsOptions_SetReconnectJitter(o, 0, 0));
    ASSERT_NATS(natsOptions_SetDisconnectedCB(o, on_event, &disconnects));
    ASSERT_NATS(natsOptions_SetReconnectedCB(o, on_event, &reconnects));
    natsConnection *nc = conn_with(o);
    natsSubscription *sub = sub_sync(nc, "c.re");
    sub_async(nc, "c.re.svc", NULL, on_echo, NULL);
    ASSERT_NATS(natsConnection_FlushTimeout(nc, 2000));
    ASSERT_NATS(natsConnection_PublishString(nc, "c.re", "before"));
    expect_msg(sub, "c.re", "before");

    proc_stop(&srv, SIGTERM);
    ASSERT_EQ(wait_count(&disconnects, 1, 5000), 1);
    ASSERT_OK(restart_same_port(&srv));
    ASSERT_EQ(wait_count(&reconnects, 1, 5000), 1);
    ASSERT_EQ(natsConnection_Status(nc), NATS_CONN_STATUS_CONNECTED);

    /* subscriptions were restored: pub/sub and request/reply work again */
    ASSERT_NATS(natsConnection_PublishString(nc, "c.re", "after"));
    expect_msg(sub, "c.re", "after");
    ASSERT_NATS(natsConnection_RequestString(&r, nc, "c.re.svc", "again", 2000));
    ASSERT_EQ(natsMsg_GetDataLength(r), 10);
    ASSERT(memcmp(natsMsg_GetData(r), "echo:again", 10) == 0);
    natsMsg_Destroy(r);
}

TEST(large_payload)
{
    const int size = 1048576 - 256;
    natsMsg *m = NULL;
    start_server();
    natsConnection *nc = conn();
    ASSERT_EQ(natsConnection_GetMaxPayload(nc), 1048576);
    natsSubscription *sub = sub_sync(nc, "c.big");
    ASSERT_NATS(natsConnection_FlushTimeout(nc, 2000));
    unsigned char *data = malloc((size_t)size);
    ASSERT(data);
    test_on_cleanup(free, data);
    for (int i = 0; i < size; i++)
        data[i] = (unsigned char)(i * 31 + 7);
    natsConnection *pub = conn();
    ASSERT_NATS(natsConnection_Publish(pub, "c.big", data, size));
    ASSERT_NATS(natsConnection_FlushTimeout(pub, 5000));
    ASSERT_NATS(natsSubscription_NextMsg(&m, sub, 5000));
    bool same =
        natsMsg_GetDataLength(m) == size && memcmp(natsMsg_GetData(m), data, (size_t)size) == 0;
    natsMsg_Destroy(m);
    ASSERT(same);
    /* one byte over the limit is refused by the client before it reaches the server */
    unsigned char *over = calloc(1048577, 1);
    ASSERT(over);
    test_on_cleanup(free, over);
    ASSERT_STATUS(natsConnection_Publish(pub, "c.big", over, 1048577), NATS_MAX_PAYLOAD);
}

#define MANY 100000
struct order_check {
    atomic_int got;
    atomic_int out_of_order;
};

static void on_many(natsConnection *nc, natsSubscription *sub, natsMsg *m, void *arg)
{
    struct order_check *c = arg;
    int want = atomic_load(&c->got);
    char buf[16];
    int len = natsMsg_GetDataLength(m);
    if (len <= 0 || len >= (int)sizeof(buf))
        atomic_fetch_add(&c->out_of_order, 1);
    else {
        memcpy(buf, natsMsg_GetData(m), (size_t)len);
        buf[len] = '\0';
        if (atoi(buf) != want)
            atomic_fetch_add(&c->out_of_order, 1);
    }
    atomic_fetch_add(&c->got, 1);
    natsMsg_Destroy(m);
}

TEST(many_messages)
{
    static struct order_check chk;
    int64_t dropped = -1;
    atomic_store(&chk.got, 0);
    atomic_store(&chk.out_of_order, 0);
    start_server();
    natsConnection *snc = conn();
    natsSubscription *sub = sub_async(snc, "c.many", NULL, on_many, &chk);
    ASSERT_NATS(natsSubscription_SetPendingLimits(sub, -1, -1));
    ASSERT_NATS(natsConnection_FlushTimeout(snc, 2000));
    natsConnection *pub = conn();
    for (int i = 0; i < MANY; i++) {
        char buf[16];
        snprintf(buf, sizeof(buf), "%d", i);
        ASSERT_NATS(natsConnection_PublishString(pub, "c.many", buf));
    }
    ASSERT_NATS(natsConnection_FlushTimeout(pub, 10000));
    ASSERT_EQ(wait_count(&chk.got, MANY, 20000), MANY);
    ASSERT_EQ(atomic_load(&chk.out_of_order), 0);
    ASSERT_NATS(natsSubscription_GetDropped(sub, &dropped));
    ASSERT_EQ(dropped, 0);
}
