/* Interop: nats.c (Debian's libnats 3.4.1, built with OpenSSL) over TLS against the server in
 * $NATS_SERVER_BIN: server verified against the test CA, mutual TLS with a client
 * certificate chain, a client without a certificate refused by `verify`, a plaintext client
 * stopped by tls_required in INFO, large messages and request/reply through TLS. Certificates
 * are made at test time (tests/harness/certs.h). nats.c 3.4.1 has no TLS-first option, so
 * handshake_first is covered by tests/tls only. */
#include <nats/nats.h>

#include "certs.h"
#include "proc.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

#define ASSERT_NATS(x)                                                                             \
    do {                                                                                           \
        natsStatus s_ = (x);                                                                       \
        if (s_ != NATS_OK)                                                                         \
            test_fail(__FILE__, __LINE__, "%s: %s (%s)", #x, natsStatus_GetText(s_),               \
                      nats_GetLastError(NULL) ? nats_GetLastError(NULL) : "");                     \
    } while (0)

static struct test_certs certs;
static struct server_proc srv;
static char url[64];

static void start(const char *tls_extra)
{
    char conf[4096];
    if (certs_make(&certs) != 0)
        test_fail(__FILE__, __LINE__, "could not make certificates");
    snprintf(conf, sizeof(conf),
             "tls {\n  cert_file: \"%s\"\n  key_file: \"%s\"\n  ca_file: \"%s\"\n  %s\n}\n",
             certs.server, certs.server_key, certs.ca, tls_extra);
    memset(&srv, 0, sizeof(srv));
    ASSERT_OK(proc_start_conf(&srv, NULL, conf, NULL));
    snprintf(url, sizeof(url), "tls://127.0.0.1:%d", srv.port);
}

static void destroy_conn(void *nc)
{
    natsConnection_Destroy(nc);
}

static void destroy_opts(void *o)
{
    natsOptions_Destroy(o);
}

static void destroy_sub(void *s)
{
    natsSubscription_Destroy(s);
}

static natsOptions *tls_opts(bool with_cert)
{
    natsOptions *o = NULL;
    ASSERT_NATS(natsOptions_Create(&o));
    test_on_cleanup(destroy_opts, o);
    ASSERT_NATS(natsOptions_SetURL(o, url));
    ASSERT_NATS(natsOptions_SetSecure(o, true));
    ASSERT_NATS(natsOptions_LoadCATrustedCertificates(o, certs.ca));
    ASSERT_NATS(natsOptions_SetExpectedHostname(o, "localhost"));
    ASSERT_NATS(natsOptions_SetTimeout(o, 3000));
    ASSERT_NATS(natsOptions_SetMaxReconnect(o, 0));
    if (with_cert)
        ASSERT_NATS(natsOptions_LoadCertificatesChain(o, certs.client, certs.client_key));
    return o;
}

static natsConnection *connect_with(natsOptions *o)
{
    natsConnection *nc = NULL;
    ASSERT_NATS(natsConnection_Connect(&nc, o));
    test_on_cleanup(destroy_conn, nc);
    return nc;
}

static void round_trip(natsConnection *nc, size_t size)
{
    natsSubscription *sub = NULL;
    natsMsg *m = NULL;
    char *data = malloc(size);
    for (size_t i = 0; i < size; i++)
        data[i] = (char)('A' + i % 23);
    ASSERT_NATS(natsConnection_SubscribeSync(&sub, nc, "tls.echo"));
    test_on_cleanup(destroy_sub, sub);
    ASSERT_NATS(natsConnection_Flush(nc));
    ASSERT_NATS(natsConnection_Publish(nc, "tls.echo", data, (int)size));
    ASSERT_NATS(natsSubscription_NextMsg(&m, sub, 5000));
    ASSERT_EQ(natsMsg_GetDataLength(m), size);
    ASSERT(memcmp(natsMsg_GetData(m), data, size) == 0);
    natsMsg_Destroy(m);
    free(data);
}

TEST(natsc_tls_server_verified)
{
    start("");
    natsConnection *nc = connect_with(tls_opts(false));
    round_trip(nc, 5);
    round_trip(nc, 900 * 1024);
    ASSERT(proc_log_wait(&srv, "TLS required for client connections", 1000));
}

static void on_request(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *arg)
{
    (void)sub;
    (void)arg;
    natsConnection_Publish(nc, natsMsg_GetReply(msg), "pong", 4);
    natsMsg_Destroy(msg);
}

TEST(natsc_tls_mutual)
{
    natsConnection *nc, *nc2 = NULL;
    natsSubscription *svc = NULL;
    natsMsg *reply = NULL;
    start("verify: true");
    nc = connect_with(tls_opts(true));
    ASSERT_NATS(natsConnection_Subscribe(&svc, nc, "svc.ping", on_request, NULL));
    test_on_cleanup(destroy_sub, svc);
    ASSERT_NATS(natsConnection_Flush(nc));
    ASSERT_NATS(natsConnection_Request(&reply, nc, "svc.ping", "x", 1, 3000));
    ASSERT_EQ(natsMsg_GetDataLength(reply), 4);
    natsMsg_Destroy(reply);
    round_trip(nc, 64 * 1024);
    /* no client certificate: refused */
    natsStatus s = natsConnection_Connect(&nc2, tls_opts(false));
    if (s == NATS_OK) {
        /* TLS 1.3: the refusal can land just after the client's handshake */
        s = natsConnection_FlushTimeout(nc2, 2000);
        natsConnection_Destroy(nc2);
    }
    ASSERT(s != NATS_OK);
    ASSERT(proc_log_wait(&srv, "tls: client didn't provide a certificate", 2000));
}

TEST(natsc_tls_plain_client_refused)
{
    natsOptions *o = NULL;
    natsConnection *nc = NULL;
    start("");
    ASSERT_NATS(natsOptions_Create(&o));
    test_on_cleanup(destroy_opts, o);
    snprintf(url, sizeof(url), "nats://127.0.0.1:%d", srv.port);
    ASSERT_NATS(natsOptions_SetURL(o, url));
    ASSERT_NATS(natsOptions_SetMaxReconnect(o, 0));
    /* the client reads tls_required in INFO and does not go on in plaintext (libnats 3.4
     * then tries TLS itself, which fails here: it trusts no CA); same with the reference */
    natsStatus s = natsConnection_Connect(&nc, o);
    if (s == NATS_OK)
        natsConnection_Destroy(nc);
    ASSERT(s != NATS_OK);
}

TEST(natsc_tls_flags_and_wrong_ca)
{
    const char *const args[] = {"--tls",    "--tlscert",      certs.server,
                                "--tlskey", certs.server_key, NULL};
    natsOptions *o = NULL;
    natsConnection *nc = NULL;
    if (certs_make(&certs) != 0)
        test_fail(__FILE__, __LINE__, "could not make certificates");
    memset(&srv, 0, sizeof(srv));
    ASSERT_OK(proc_start(&srv, NULL, args));
    snprintf(url, sizeof(url), "tls://127.0.0.1:%d", srv.port);
    round_trip(connect_with(tls_opts(false)), 100);
    /* a client that trusts another CA does not accept the server */
    ASSERT_NATS(natsOptions_Create(&o));
    test_on_cleanup(destroy_opts, o);
    ASSERT_NATS(natsOptions_SetURL(o, url));
    ASSERT_NATS(natsOptions_SetSecure(o, true));
    ASSERT_NATS(natsOptions_LoadCATrustedCertificates(o, certs.other_ca));
    ASSERT_NATS(natsOptions_SetMaxReconnect(o, 0));
    ASSERT(natsConnection_Connect(&nc, o) != NATS_OK);
}
