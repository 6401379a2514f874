/* Config reload (SIGHUP) with an nkey user connected, against natrium and the reference: the
 * user survives a reload that keeps its key (its subscription still delivers), and is cut by
 * one that removes it (labels auth, diff). */
#include "auth_util.h"
#include "proc.h"
#include "test.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static atomic_int got, closed;

static void on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *arg)
{
    (void)nc;
    (void)sub;
    (void)arg;
    atomic_fetch_add(&got, 1);
    natsMsg_Destroy(msg);
}

static void on_closed(natsConnection *nc, void *arg)
{
    (void)nc;
    (void)arg;
    atomic_store(&closed, 1);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static bool wait_for(atomic_int *v, int want, int ms)
{
    for (int i = 0; i < ms / 10 && atomic_load(v) < want; i++)
        sleep_ms(10);
    return atomic_load(v) >= want;
}

static void run(const char *bin)
{
    struct kp u;
    struct server_proc sp = {0};
    char conf[1024], seedfile[512], path[512], url[64];
    natsOptions *o = NULL;
    natsConnection *nc = NULL, *pub = NULL;
    natsSubscription *sub = NULL;

    tool_key(&u, "user");
    snprintf(conf, sizeof(conf),
             "authorization { users: [ {nkey: \"%s\"}, {user: p, password: p} ] }\n", u.pub);
    ASSERT_OK(proc_start_conf(&sp, bin, conf, NULL));
    snprintf(seedfile, sizeof(seedfile), "%s/user.nk", sp.dir);
    write_file(seedfile, u.seed);
    snprintf(url, sizeof(url), "nats://127.0.0.1:%d", sp.port);
    atomic_store(&got, 0);
    atomic_store(&closed, 0);
    ASSERT_EQ(natsOptions_Create(&o), NATS_OK);
    ASSERT_EQ(natsOptions_SetURL(o, url), NATS_OK);
    ASSERT_EQ(natsOptions_SetNKeyFromSeed(o, u.pub, seedfile), NATS_OK);
    ASSERT_EQ(natsOptions_SetMaxReconnect(o, 0), NATS_OK);
    ASSERT_EQ(natsOptions_SetClosedCB(o, on_closed, NULL), NATS_OK);
    ASSERT_EQ(natsConnection_Connect(&nc, o), NATS_OK);
    ASSERT_EQ(natsConnection_Subscribe(&sub, nc, "news", on_msg, NULL), NATS_OK);
    ASSERT_EQ(natsConnection_Flush(nc), NATS_OK);
    ASSERT(natsConnection_ConnectTo(&pub, url) != NATS_OK); /* no credentials */
    {
        natsOptions *po = NULL;
        ASSERT_EQ(natsOptions_Create(&po), NATS_OK);
        ASSERT_EQ(natsOptions_SetURL(po, url), NATS_OK);
        ASSERT_EQ(natsOptions_SetUserInfo(po, "p", "p"), NATS_OK);
        ASSERT_EQ(natsOptions_SetMaxReconnect(po, 0), NATS_OK);
        ASSERT_EQ(natsConnection_Connect(&pub, po), NATS_OK);
        natsOptions_Destroy(po);
    }
    /* a reload that keeps the nkey user (adds a user) */
    snprintf(path, sizeof(path), "%s/server.conf", sp.dir);
    snprintf(conf, sizeof(conf),
             "authorization { users: [ {nkey: \"%s\"}, {user: p, password: p}, {user: q, "
             "password: q} ] }\n",
             u.pub);
    write_file(path, conf);
    kill(sp.pid, SIGHUP);
    ASSERT(proc_log_wait(&sp, "Reloaded server configuration", 3000));
    ASSERT_EQ(natsConnection_PublishString(pub, "news", "1"), NATS_OK);
    ASSERT_EQ(natsConnection_Flush(pub), NATS_OK);
    ASSERT(wait_for(&got, 1, 3000));
    ASSERT(!atomic_load(&closed));
    /* a reload that removes it */
    write_file(path, "authorization { users: [ {user: p, password: p} ] }\n");
    kill(sp.pid, SIGHUP);
    ASSERT(wait_for(&closed, 1, 3000));
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    natsConnection_Destroy(pub);
    natsOptions_Destroy(o);
    proc_stop(&sp, SIGTERM);
}

TEST(reload_keeps_and_cuts_nkey_users)
{
    run(proc_our_bin());
    if (proc_ref_bin())
        run(proc_ref_bin());
}
