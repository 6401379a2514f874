/* HTTPS monitoring (label "monitor"): natrium and the reference ($NATS_REF_BIN) started with
 * the same config (https: host:port and a tls { } block, certificates made by certs_make),
 * queried with OpenSSL from the test (https_util.h): /varz keys and the monitoring fields,
 * a 400 text, a plaintext request and junk sent to the HTTPS port, no client certificate
 * asked with verify: true, the startup errors; and natrium alone: stalled handshakes do not
 * hold up other requests and are dropped at the handshake deadline, a large answer over
 * several TLS records. */
#include "certs.h"
#include "https_util.h"
#include "test.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const no_paths[] = {NULL};

static const char *ref_or_skip(void)
{
    const char *ref = proc_ref_bin();
    if (!ref || access(ref, X_OK) != 0)
        test_skip("no reference nats-server (NATS_REF_BIN)");
    return ref;
}

static void make_certs(struct test_certs *c)
{
    if (certs_make(c) != 0)
        test_skip("openssl command line tool not available");
}

/* Starts bin with "https: 127.0.0.1:<free port>" and a tls { } block (+ extra lines inside
 * it, + top-level lines); waits until HTTPS answers /healthz. Returns the HTTPS port. */
static int start_https_conf(struct server_proc *sp, const char *bin, const struct test_certs *c,
                            const char *tls_extra, const char *top_extra)
{
    char conf[2048], err[512];
    int hp = proc_free_port();

    snprintf(conf, sizeof(conf),
             "https: \"127.0.0.1:%d\"\ntls {\n  cert_file: \"%s\"\n  key_file: \"%s\"\n%s}\n%s", hp,
             c->server, c->server_key, tls_extra ? tls_extra : "", top_extra ? top_extra : "");
    memset(sp, 0, sizeof(*sp));
    if (proc_start_conf(sp, bin, conf, NULL) != 0)
        test_fail(__FILE__, __LINE__, "%s did not start with https", bin ? bin : "natrium");
    for (int i = 0; i < 100; i++) {
        struct http_resp r;
        if (https_get(hp, c->ca, "/healthz", &r, err, sizeof(err)) == 0) {
            http_resp_free(&r);
            return hp;
        }
        wire_sleep_ms(50);
    }
    test_fail(__FILE__, __LINE__, "no HTTPS answer on port %d: %s", hp, err);
}

static int start_https(struct server_proc *sp, const char *bin, const struct test_certs *c,
                       const char *tls_extra)
{
    return start_https_conf(sp, bin, c, tls_extra, NULL);
}

static json_int_t jint(const json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

TEST(https_endpoints_match_reference)
{
    const char *ref = ref_or_skip();
    struct test_certs c;
    struct server_proc rs, ns;
    int rp, np;
    char err[8192], want[128];

    make_certs(&c);
    rp = start_https(&rs, ref, &c, NULL);
    np = start_https(&ns, NULL, &c, NULL);
    {
        json_t *r = https_get_json(rp, c.ca, "/varz");
        json_t *o = https_get_json(np, c.ca, "/varz");
        int n = json_shape_diff(r, o, no_paths, no_paths, err, sizeof(err));
        if (n)
            printf("/varz over https: %d difference(s)\n%s", n, err);
        ASSERT_EQ(n, 0);
        ASSERT_EQ(jint(r, "https_port"), rp);
        ASSERT_EQ(jint(o, "https_port"), np);
        ASSERT_EQ(jint(r, "http_port"), 0);
        ASSERT_EQ(jint(o, "http_port"), 0);
        ASSERT_STR_EQ(json_string_value(json_object_get(o, "http_host")),
                      json_string_value(json_object_get(r, "http_host")));
        ASSERT(json_is_true(json_object_get(o, "tls_required")));
        /* the request just made is counted, as by the reference */
        ASSERT_EQ(jint(json_object_get(o, "http_req_stats"), "/varz"), 1);
        json_decref(r);
        json_decref(o);
    }
    {
        static const char *const bad[] = {"/connz?sort=bad", "/connz?limit=abc",
                                          "/subsz?test=foo.*"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            struct http_resp a, b;
            ASSERT_OK(https_get(rp, c.ca, bad[i], &a, err, sizeof(err)));
            ASSERT_OK(https_get(np, c.ca, bad[i], &b, err, sizeof(err)));
            ASSERT_EQ(a.status, 400);
            ASSERT_EQ(b.status, 400);
            ASSERT_STR_EQ(b.body, a.body);
            http_resp_free(&a);
            http_resp_free(&b);
        }
    }
    snprintf(want, sizeof(want), "[INF] Starting https monitor on 127.0.0.1:%d", rp);
    ASSERT(proc_log_wait(&rs, want, 100));
    snprintf(want, sizeof(want), "[INF] Starting https monitor on 127.0.0.1:%d", np);
    ASSERT(proc_log_wait(&ns, want, 100));
}

TEST(https_port_plaintext_and_junk_match_reference)
{
    const char *ref = ref_or_skip();
    struct test_certs c;
    struct server_proc rs, ns;
    int rp, np;
    static const char get[] = "GET /varz HTTP/1.1\r\nHost: localhost\r\n\r\n";
    static const char head[] = "HEAD /varz HTTP/1.0\r\n\r\n";
    static const char junk[] = "hello, this is not TLS\r\n";

    make_certs(&c);
    rp = start_https(&rs, ref, &c, NULL);
    np = start_https(&ns, NULL, &c, NULL);
    for (int i = 0; i < 2; i++) {
        const char *req = i ? head : get;
        size_t rl, nl;
        char *a = http_raw(rp, req, strlen(req), &rl, 3000);
        char *b = http_raw(np, req, strlen(req), &nl, 3000);
        ASSERT(a && b);
        ASSERT_STR_EQ(a, "HTTP/1.0 400 Bad Request\r\n\r\n"
                         "Client sent an HTTP request to an HTTPS server.\n");
        ASSERT_STR_EQ(b, a);
        free(a);
        free(b);
    }
    {
        size_t rl, nl;
        char *a = http_raw(rp, junk, strlen(junk), &rl, 3000);
        char *b = http_raw(np, junk, strlen(junk), &nl, 3000);
        ASSERT(a && b);
        ASSERT_EQ(rl, 0); /* closed without a byte */
        ASSERT_EQ(nl, 0);
        free(a);
        free(b);
    }
    ASSERT(proc_log_wait(&rs, "[ERR] monitoring: TLS handshake error from 127.0.0.1:", 2000));
    ASSERT(proc_log_wait(&ns, "[ERR] monitoring: TLS handshake error from 127.0.0.1:", 2000));
    ASSERT(proc_log_wait(&ns, ": tls: first record does not look like a TLS handshake", 100));
    {
        char *log = proc_read_log(&ns);
        ASSERT(strstr(log, "HTTP request to an HTTPS") == NULL); /* not logged, as the ref */
        free(log);
    }
    /* the listener still serves */
    json_decref(https_get_json(np, c.ca, "/healthz"));
}

TEST(https_verify_asks_no_client_certificate)
{
    const char *ref = ref_or_skip();
    struct test_certs c;
    struct server_proc rs, ns;
    char extra[512];

    make_certs(&c);
    snprintf(extra, sizeof(extra), "  ca_file: \"%s\"\n  verify: true\n", c.ca);
    /* start_https itself fails unless a client without a certificate gets answers */
    int rp = start_https(&rs, ref, &c, extra);
    int np = start_https(&ns, NULL, &c, extra);
    json_t *r = https_get_json(rp, c.ca, "/varz");
    json_t *o = https_get_json(np, c.ca, "/varz");
    ASSERT(json_is_true(json_object_get(r, "tls_verify")));
    ASSERT(json_is_true(json_object_get(o, "tls_verify")));
    json_decref(r);
    json_decref(o);
}

/* Connects a raw TCP client that sends bytes (maybe none) and then stalls. */
static struct wire *stall(int port, const void *bytes, size_t n)
{
    struct wire *w = wire_connect(port);
    ASSERT(w != NULL);
    if (n)
        wire_sendn(w, bytes, n);
    return w;
}

TEST(https_stalled_handshakes_do_not_block)
{
    struct test_certs c;
    struct server_proc ns;
    struct wire *w[4];
    /* a ClientHello record header announcing 512 bytes, then only a few of them */
    static const unsigned char partial_hello[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01};
    long long t0;
    int np;

    make_certs(&c);
    np = start_https(&ns, NULL, &c, "  timeout: 1\n");
    w[0] = stall(np, NULL, 0);
    w[1] = stall(np, "GE", 2);
    w[2] = stall(np, partial_hello, sizeof(partial_hello));
    w[3] = stall(np, partial_hello, 5);
    wire_sleep_ms(100);
    t0 = wire_now_ms();
    for (int i = 0; i < 5; i++) {
        json_t *v = https_get_json(np, c.ca, "/varz");
        json_decref(v);
    }
    ASSERT(wire_now_ms() - t0 < 900); /* well before any stalled client is dropped */
    /* the handshake deadline (tls timeout: 1) closes every stalled client */
    for (int i = 0; i < 4; i++)
        ASSERT(wire_wait_closed(w[i], 4000));
    ASSERT(proc_log_wait(&ns, ": handshake timeout", 1000));
    for (int i = 0; i < 4; i++)
        wire_close(w[i]);
    json_decref(https_get_json(np, c.ca, "/healthz"));
}

TEST(https_large_answer_arrives_whole)
{
    struct test_certs c;
    struct server_proc ns;
    struct wire *w;
    json_t *j;
    int np;
    enum { NSUBS = 3000 };

    make_certs(&c);
    np = start_https_conf(&ns, NULL, &c, "", "allow_non_tls: true\n");
    w = wire_connect(ns.port);
    ASSERT(w != NULL);
    free(wire_info(w, WIRE_TIMEOUT_MS));
    wire_send(w, "CONNECT {\"verbose\":false}\r\n");
    for (int i = 0; i < NSUBS; i++)
        wire_sendf(w, "SUB a.rather.long.subject.name.to.make.the.answer.larger.%d %d\r\n", i,
                   i + 1);
    WIRE_PING_PONG(w);
    /* /subsz with its list is some hundreds of KiB: many TLS records, partial writes */
    j = https_get_json(np, c.ca, "/subsz?subs=1&limit=5000");
    {
        json_t *list = json_object_get(j, "subscriptions_list"), *e;
        size_t i, ours = 0;
        ASSERT(json_array_size(list) >= NSUBS); /* plus the system account's own */
        json_array_foreach(list, i, e)
        {
            const char *subj = json_string_value(json_object_get(e, "subject"));
            ours += subj && strncmp(subj, "a.rather.", 9) == 0;
        }
        ASSERT_EQ(ours, NSUBS);
    }
    json_decref(j);
    wire_close(w);
}

TEST(https_startup_errors_match_reference)
{
    const char *ref = ref_or_skip();
    struct test_certs c;
    const char *bins[2] = {ref, NULL};
    char msp[16], mp[16], want[160];

    make_certs(&c);
    snprintf(msp, sizeof(msp), "%d", proc_free_port());
    snprintf(mp, sizeof(mp), "%d", proc_free_port());
    for (int b = 0; b < 2; b++) {
        struct server_proc sp;
        char *log;
        const char *no_tls[] = {"-ms", msp, NULL};
        const char *both[] = {"-m",        mp,       "-ms",      msp,          "--tls",
                              "--tlscert", c.server, "--tlskey", c.server_key, NULL};

        memset(&sp, 0, sizeof(sp));
        ASSERT(proc_start(&sp, bins[b], no_tls) != 0);
        log = proc_read_log(&sp);
        ASSERT(strstr(log, "[FTL] Can't start monitoring: TLS cert and key required for HTTPS") !=
               NULL);
        free(log);

        memset(&sp, 0, sizeof(sp));
        ASSERT(proc_start_conf(&sp, bins[b], "https_port: 8443\n", NULL) != 0);
        log = proc_read_log(&sp);
        ASSERT(strstr(log, "[FTL] Can't start monitoring: TLS cert and key required for HTTPS") !=
               NULL);
        free(log);

        memset(&sp, 0, sizeof(sp));
        ASSERT(proc_start(&sp, bins[b], both) != 0);
        log = proc_read_log(&sp);
        snprintf(want, sizeof(want),
                 "[FTL] Can't start monitoring: can't specify both HTTP (%s) and HTTPs (%s) ports",
                 mp, msp);
        ASSERT(strstr(log, want) != NULL);
        free(log);
    }
}
