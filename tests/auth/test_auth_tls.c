/* Every authentication method over TLS, with nats.c, against natrium and the reference with
 * the same config: token, user/password (plain and bcrypt), nkey seed, a client certificate
 * mapped to a user (verify_and_map), and operator mode with a .creds file. Each login also
 * round-trips a message; a wrong credential is refused. Labels auth, interop. */
#include "auth_util.h"
#include "certs.h"
#include "proc.h"
#include "test.h"

#include <nats/nats.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* bcrypt of "s3cr3t" (cost 4) */
#define BCRYPT_S3CR3T "$2b$04$17SiWp4I7j/im2rzYS4jdOFrzy6TAeJYeh8TMT.ybYWTaiVT.Tx7q"

static struct test_certs certs;

enum method { M_TOKEN, M_USERPASS, M_NKEY, M_CERT, M_CREDS };

/* Connects over TLS (with the client certificate when cert is true) and the method's
 * credentials, then round-trips one message. Returns the connect status. */
static natsStatus tls_login(int port, enum method m, const char *a, const char *b, bool cert)
{
    natsOptions *o = NULL;
    natsConnection *nc = NULL;
    natsSubscription *sub = NULL;
    natsMsg *msg = NULL;
    char url[64];
    natsStatus s;

    snprintf(url, sizeof(url), "tls://127.0.0.1:%d", port);
    ASSERT_EQ(natsOptions_Create(&o), NATS_OK);
    ASSERT_EQ(natsOptions_SetURL(o, url), NATS_OK);
    ASSERT_EQ(natsOptions_SetSecure(o, true), NATS_OK);
    ASSERT_EQ(natsOptions_LoadCATrustedCertificates(o, certs.ca), NATS_OK);
    ASSERT_EQ(natsOptions_SetExpectedHostname(o, "localhost"), NATS_OK);
    ASSERT_EQ(natsOptions_SetTimeout(o, 3000), NATS_OK);
    ASSERT_EQ(natsOptions_SetMaxReconnect(o, 0), NATS_OK);
    if (cert)
        ASSERT_EQ(natsOptions_LoadCertificatesChain(o, certs.client, certs.client_key), NATS_OK);
    switch (m) {
    case M_TOKEN:
        ASSERT_EQ(natsOptions_SetToken(o, a), NATS_OK);
        break;
    case M_USERPASS:
        ASSERT_EQ(natsOptions_SetUserInfo(o, a, b), NATS_OK);
        break;
    case M_NKEY:
        ASSERT_EQ(natsOptions_SetNKeyFromSeed(o, a, b), NATS_OK);
        break;
    case M_CREDS:
        ASSERT_EQ(natsOptions_SetUserCredentialsFromFiles(o, a, NULL), NATS_OK);
        break;
    case M_CERT:
        break;
    }
    s = natsConnection_Connect(&nc, o);
    natsOptions_Destroy(o);
    if (s != NATS_OK)
        return s;
    ASSERT_EQ(natsConnection_SubscribeSync(&sub, nc, "tls.check"), NATS_OK);
    ASSERT_EQ(natsConnection_PublishString(nc, "tls.check", "ok"), NATS_OK);
    ASSERT_EQ(natsSubscription_NextMsg(&msg, sub, 3000), NATS_OK);
    ASSERT_EQ(natsMsg_GetDataLength(msg), 2);
    natsMsg_Destroy(msg);
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    return NATS_OK;
}

static void start(struct server_proc *sp, const char *bin, const char *tls_extra,
                  const char *rest)
{
    char conf[16384];
    snprintf(conf, sizeof(conf),
             "tls {\n  cert_file: \"%s\"\n  key_file: \"%s\"\n  ca_file: \"%s\"\n  %s\n}\n%s\n",
             certs.server, certs.server_key, certs.ca, tls_extra, rest);
    memset(sp, 0, sizeof(*sp));
    ASSERT_OK(proc_start_conf(sp, bin, conf, NULL));
}

static void run(const char *bin)
{
    struct server_proc sp;
    struct kp nk, op, acc, user;
    char seedfile[600], credsfile[600], rest[8192];
    char *op_jwt, *acc_jwt, *user_jwt;

    start(&sp, bin, "", "authorization { token: \"t0k3n\" }");
    ASSERT_EQ(tls_login(sp.port, M_TOKEN, "t0k3n", NULL, false), NATS_OK);
    ASSERT(tls_login(sp.port, M_TOKEN, "nope", NULL, false) != NATS_OK);
    proc_stop(&sp, SIGTERM);

    start(&sp, bin, "", "authorization { users: [ {user: a, password: pw}, {user: b, password: \""
                        BCRYPT_S3CR3T "\"} ] }");
    ASSERT_EQ(tls_login(sp.port, M_USERPASS, "a", "pw", false), NATS_OK);
    ASSERT_EQ(tls_login(sp.port, M_USERPASS, "b", "s3cr3t", false), NATS_OK);
    ASSERT(tls_login(sp.port, M_USERPASS, "b", "wrong", false) != NATS_OK);
    proc_stop(&sp, SIGTERM);

    tool_key(&nk, "user");
    snprintf(rest, sizeof(rest), "authorization { users: [ {nkey: \"%s\"} ] }", nk.pub);
    start(&sp, bin, "", rest);
    snprintf(seedfile, sizeof(seedfile), "%s/u.nk", sp.dir);
    write_file(seedfile, nk.seed);
    ASSERT_EQ(tls_login(sp.port, M_NKEY, nk.pub, seedfile, false), NATS_OK);
    proc_stop(&sp, SIGTERM);

    start(&sp, bin, "verify_and_map: true",
          "authorization { users: [ {user: \"alice@example.com\"} ] }");
    ASSERT_EQ(tls_login(sp.port, M_CERT, NULL, NULL, true), NATS_OK);
    proc_stop(&sp, SIGTERM);

    tool_key(&op, "operator");
    tool_key(&acc, "account");
    tool_key(&user, "user");
    op_jwt = nkjwt("operator --seed %s --name op", op.seed);
    acc_jwt = nkjwt("account --seed %s --sub %s --name acc", op.seed, acc.pub);
    user_jwt = nkjwt("user --seed %s --sub %s", acc.seed, user.pub);
    snprintf(rest, sizeof(rest), "operator: %s\nresolver: MEMORY\nresolver_preload {\n  %s: %s\n}",
             op_jwt, acc.pub, acc_jwt);
    start(&sp, bin, "", rest);
    snprintf(credsfile, sizeof(credsfile), "%s/u.creds", sp.dir);
    free(nkjwt("creds --jwt %s --seed %s --out %s", user_jwt, user.seed, credsfile));
    ASSERT_EQ(tls_login(sp.port, M_CREDS, credsfile, NULL, false), NATS_OK);
    proc_stop(&sp, SIGTERM);
    free(op_jwt);
    free(acc_jwt);
    free(user_jwt);
}

TEST(every_auth_method_over_tls)
{
    if (certs_make(&certs) != 0)
        test_fail(__FILE__, __LINE__, "could not make certificates with openssl");
    ASSERT_EQ(nats_Open(-1), NATS_OK);
    run(proc_our_bin());
    if (proc_ref_bin())
        run(proc_ref_bin());
}
