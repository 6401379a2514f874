/* nats.c (libnats) against natrium (or $NATS_SERVER_BIN) with nkey users and operator mode:
 * natsOptions_SetUserCredentialsFromFiles with creds made by tests/tools/nkjwt, and
 * natsOptions_SetNKeyFromSeed; messages flow, permissions from the JWT hold, bad
 * credentials are refused, an expiring JWT closes the connection. Labels auth and interop. */
#include "auth_util.h"
#include "proc.h"
#include "test.h"

#include <nats/nats.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct opw {
    struct kp op, acc, user;
    char *op_jwt, *acc_jwt;
    struct server_proc sp;
};

static void opw_start(struct opw *m)
{
    char conf[16384];
    memset(m, 0, sizeof(*m));
    tool_key(&m->op, "operator");
    tool_key(&m->acc, "account");
    tool_key(&m->user, "user");
    m->op_jwt = nkjwt("operator --seed %s --name op", m->op.seed);
    m->acc_jwt = nkjwt("account --seed %s --sub %s --name acc", m->op.seed, m->acc.pub);
    snprintf(conf, sizeof(conf),
             "operator: %s\nresolver: MEMORY\nresolver_preload {\n  %s: %s\n}\n", m->op_jwt,
             m->acc.pub, m->acc_jwt);
    ASSERT_OK(proc_start_conf(&m->sp, proc_our_bin(), conf, NULL));
}

static void opw_free(struct opw *m)
{
    free(m->op_jwt);
    free(m->acc_jwt);
}

/* A creds file for a user JWT made with extra nkjwt options; returns its path. */
static char *creds(struct opw *m, const char *name, const char *opts, const char *seed)
{
    char *path = malloc(512);
    char *jwt = nkjwt("user --seed %s --sub %s %s", m->acc.seed, m->user.pub, opts ? opts : "");
    snprintf(path, 512, "%s/%s.creds", m->sp.dir, name);
    free(nkjwt("creds --jwt %s --seed %s --out %s", jwt, seed ? seed : m->user.seed, path));
    free(jwt);
    return path;
}

static natsConnection *connect_creds(int port, const char *path, natsStatus *st)
{
    natsOptions *o = NULL;
    natsConnection *nc = NULL;
    char url[64];
    snprintf(url, sizeof(url), "nats://127.0.0.1:%d", port);
    ASSERT_EQ(nats_Open(-1), NATS_OK);
    ASSERT_EQ(natsOptions_Create(&o), NATS_OK);
    natsOptions_SetURL(o, url);
    natsOptions_SetTimeout(o, 2000);
    natsOptions_SetAllowReconnect(o, false);
    ASSERT_EQ(natsOptions_SetUserCredentialsFromFiles(o, path, NULL), NATS_OK);
    *st = natsConnection_Connect(&nc, o);
    natsOptions_Destroy(o);
    return nc;
}

TEST(creds_pub_sub_and_jwt_permissions)
{
    struct opw m;
    natsStatus st;
    natsSubscription *sub = NULL;
    natsMsg *msg = NULL;
    opw_start(&m);
    char *path = creds(&m, "u",
                       "--nats '{\"pub\":{\"allow\":[\"foo.>\"]},"
                       "\"sub\":{\"allow\":[\"foo.>\"]}}'",
                       NULL);
    natsConnection *nc = connect_creds(m.sp.port, path, &st);
    ASSERT_EQ(st, NATS_OK);
    ASSERT_EQ(natsConnection_SubscribeSync(&sub, nc, "foo.bar"), NATS_OK);
    ASSERT_EQ(natsConnection_PublishString(nc, "foo.bar", "hello"), NATS_OK);
    ASSERT_EQ(natsSubscription_NextMsg(&msg, sub, 2000), NATS_OK);
    ASSERT_STR_EQ(natsMsg_GetData(msg), "hello");
    natsMsg_Destroy(msg);
    /* outside the JWT's permissions: the server says so, the connection stays */
    ASSERT_EQ(natsConnection_PublishString(nc, "bar", "x"), NATS_OK);
    ASSERT_EQ(natsConnection_FlushTimeout(nc, 2000), NATS_OK);
    ASSERT(proc_log_wait(&m.sp, "Publish Violation - JWT User", 2000));
    ASSERT_EQ(natsConnection_Status(nc), NATS_CONN_STATUS_CONNECTED);
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    free(path);
    opw_free(&m);
}

TEST(creds_refused)
{
    struct opw m;
    struct kp other;
    char opts[64];
    opw_start(&m);
    tool_key(&other, "user");
    char *good = creds(&m, "good", NULL, NULL);
    ASSERT_EQ(try_connect(m.sp.port, WITH_CREDS, good, NULL), NATS_OK);
    char *wrong_seed = creds(&m, "wrong", NULL, other.seed);
    ASSERT_REFUSED(try_connect(m.sp.port, WITH_CREDS, wrong_seed, NULL), AUTH_VIOLATION);
    snprintf(opts, sizeof(opts), "--exp %lld", (long long)time(NULL) - 5);
    char *expired = creds(&m, "expired", opts, NULL);
    ASSERT_REFUSED(try_connect(m.sp.port, WITH_CREDS, expired, NULL), AUTH_VIOLATION);
    free(good);
    free(wrong_seed);
    free(expired);
    opw_free(&m);
}

TEST(creds_expiry_closes_connection)
{
    struct opw m;
    natsStatus st;
    char opts[64];
    opw_start(&m);
    snprintf(opts, sizeof(opts), "--exp %lld", (long long)time(NULL) + 2);
    char *path = creds(&m, "exp", opts, NULL);
    natsConnection *nc = connect_creds(m.sp.port, path, &st);
    ASSERT_EQ(st, NATS_OK);
    for (int i = 0; i < 40 && natsConnection_Status(nc) == NATS_CONN_STATUS_CONNECTED; i++)
        usleep(100 * 1000);
    ASSERT(natsConnection_Status(nc) != NATS_CONN_STATUS_CONNECTED);
    const char *text = NULL;
    natsConnection_GetLastError(nc, &text);
    ASSERT(text != NULL && strstr(text, "User Authentication Expired") != NULL);
    natsConnection_Destroy(nc);
    free(path);
    opw_free(&m);
}

TEST(nkey_seed)
{
    struct server_proc sp;
    struct kp u, other;
    char conf[512], seedf[512], otherf[512];
    memset(&sp, 0, sizeof(sp));
    tool_key(&u, "user");
    tool_key(&other, "user");
    snprintf(conf, sizeof(conf), "authorization { users = [ {nkey: %s} ] }\n", u.pub);
    ASSERT_OK(proc_start_conf(&sp, proc_our_bin(), conf, NULL));
    snprintf(seedf, sizeof(seedf), "%s/u.nk", sp.dir);
    snprintf(otherf, sizeof(otherf), "%s/o.nk", sp.dir);
    write_file(seedf, u.seed);
    write_file(otherf, other.seed);
    ASSERT_EQ(try_connect(sp.port, WITH_NKEY_SEED, u.pub, seedf), NATS_OK);
    ASSERT_REFUSED(try_connect(sp.port, WITH_NKEY_SEED, u.pub, otherf), AUTH_VIOLATION);
    ASSERT_REFUSED(try_connect(sp.port, WITH_NKEY_SEED, other.pub, otherf), AUTH_VIOLATION);
    char want[128];
    snprintf(want, sizeof(want), "authentication error - Nkey \"%s\"", other.pub);
    ASSERT(proc_log_wait(&sp, want, 2000));
}
