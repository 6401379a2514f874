/* TLS on the client port: the handshake after INFO and TLS first, mutual TLS, failures
 * (plaintext client, missing/wrong/expired client certificate, handshake timeout, pinned
 * certificates), allow_non_tls, the TLS flags, large and many messages through TLS, many
 * clients at once beside a stalled handshake, config errors that need real files, and the
 * verify_and_map identities. Tests named diff_* run the same checks against the reference
 * (Debian's nats-server 2.9.10) too, when it is installed. */
#include "certs.h"
#include "proc.h"
#include "test.h"
#include "tls_client.h"
#include "wire.h"

#include "server/tls.h"

#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static struct test_certs certs;

static void make_certs(void)
{
    if (certs_make(&certs) != 0)
        test_fail(__FILE__, __LINE__, "could not make certificates with openssl");
}

/* The binaries a diff test runs against: ours, then the reference when present. */
static int nbins(const char *bins[2])
{
    bins[0] = proc_our_bin();
    bins[1] = proc_ref_bin();
    return bins[1] ? 2 : 1;
}

/* Starts bin with tls { cert, key, ca <extra> } and the top-level extra text, -DV. */
static void start_tls(struct server_proc *sp, const char *bin, const char *tls_extra,
                      const char *top_extra)
{
    char conf[4096];
    static const char *const args[] = {"-DV", NULL};
    snprintf(conf, sizeof(conf),
             "tls {\n  cert_file: \"%s\"\n  key_file: \"%s\"\n  ca_file: \"%s\"\n  %s\n}\n%s\n",
             certs.server, certs.server_key, certs.ca, tls_extra ? tls_extra : "",
             top_extra ? top_extra : "");
    memset(sp, 0, sizeof(*sp));
    if (proc_start_conf(sp, bin, conf, args) != 0)
        test_fail(__FILE__, __LINE__, "server %s did not start", bin);
}

static struct tls_conn *dial(int port, const char *cert, const char *key)
{
    char err[512];
    struct tls_dial d = {.ca = certs.ca, .cert = cert, .key = key};
    struct tls_conn *c = tlsc_connect(port, &d, err, sizeof(err));
    if (!c)
        test_fail(__FILE__, __LINE__, "TLS connect: %s", err);
    return c;
}

static void expect(struct tls_conn *c, const char *needle)
{
    char *got = tlsc_until(c, needle, 3000);
    if (!got)
        test_fail(__FILE__, __LINE__, "did not receive \"%s\"",
                  wire_escape(needle, strlen(needle)));
    free(got);
}

static void connect_ping(struct tls_conn *c)
{
    ASSERT_OK(tlsc_sends(c, "CONNECT {\"verbose\":false,\"pedantic\":false}\r\nPING\r\n"));
    expect(c, "PONG\r\n");
}

#define LOG_HAS(sp, needle)                                                                        \
    do {                                                                                           \
        if (!proc_log_wait((sp), (needle), 3000))                                                  \
            test_fail(__FILE__, __LINE__, "log of %s lacks \"%s\"", (sp)->log_path, (needle));     \
    } while (0)

/* The top-level keys of an INFO JSON, in order, comma separated. */
static void info_keys(const char *info, char *out, size_t n)
{
    size_t o = 0;
    int depth = 0;
    bool in_str = false;
    out[0] = '\0';
    for (const char *p = info; *p; p++) {
        if (in_str) {
            if (*p == '\\' && p[1])
                p++;
            else if (*p == '"')
                in_str = false;
            continue;
        }
        if (*p == '{' || *p == '[')
            depth++;
        else if (*p == '}' || *p == ']')
            depth--;
        else if (*p == '"') {
            const char *e = strchr(p + 1, '"');
            if (depth == 1 && e && e[1] == ':' && (p[-1] == '{' || p[-1] == ',')) {
                o += (size_t)snprintf(out + o, n - o, "%.*s,", (int)(e - p - 1), p + 1);
                p = e;
                continue;
            }
            in_str = true;
        }
    }
}

/* ---------------------------------------------------------------- INFO */

TEST(diff_tls_info_fields)
{
    static const struct {
        const char *tls, *top, *want;
    } cases[] = {
        {"", "", "\"tls_required\":true,\"max_payload\""},
        {"verify: true", "", "\"tls_required\":true,\"tls_verify\":true,\"max_payload\""},
        {"", "allow_non_tls: true", "\"headers\":true,\"tls_available\":true,\"max_payload\""},
        {"verify: true", "allow_non_tls: true", "\"tls_available\":true,\"max_payload\""},
        {"", "authorization { token: s3cr3t }",
         "\"auth_required\":true,\"tls_required\":true,\"max_payload\""},
    };
    const char *bins[2];
    int nb = nbins(bins);
    make_certs();
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char keys[2][1024];
        for (int b = 0; b < nb; b++) {
            struct server_proc sp;
            struct wire *w;
            char *info;
            start_tls(&sp, bins[b], cases[i].tls, cases[i].top);
            w = wire_connect(sp.port);
            ASSERT(w != NULL);
            info = wire_info(w, WIRE_TIMEOUT_MS);
            ASSERT(info != NULL);
            if (!strstr(info, cases[i].want))
                test_fail(__FILE__, __LINE__, "%s: INFO %s lacks %s", bins[b], info, cases[i].want);
            info_keys(info, keys[b], sizeof(keys[b]));
            free(info);
            wire_close(w);
            proc_stop(&sp, SIGTERM);
        }
        if (nb == 2)
            ASSERT_STR_EQ(keys[0], keys[1]);
    }
}

/* ---------------------------------------------------------------- working connections */

TEST(diff_tls_pubsub_after_info)
{
    const char *bins[2];
    int nb = nbins(bins);
    make_certs();
    for (int b = 0; b < nb; b++) {
        struct server_proc sp;
        struct tls_conn *c;
        start_tls(&sp, bins[b], "", "");
        c = dial(sp.port, NULL, NULL);
        ASSERT(strncmp(tlsc_plain_info(c), "INFO {", 6) == 0);
        ASSERT(strstr(tlsc_plain_info(c), "\"tls_required\":true") != NULL);
        connect_ping(c);
        ASSERT_OK(tlsc_sends(c, "SUB foo 1\r\nPUB foo 5\r\nhello\r\nPING\r\n"));
        expect(c, "MSG foo 1 5\r\nhello\r\nPONG\r\n");
        LOG_HAS(&sp, "Starting TLS client connection handshake");
        LOG_HAS(&sp, "TLS handshake complete");
        LOG_HAS(&sp, "TLS version 1.3, cipher suite TLS_AES_128_GCM_SHA256");
        LOG_HAS(&sp, "TLS required for client connections");
        tlsc_close(c);
        LOG_HAS(&sp, "Client connection closed: Client Closed");
    }
}

TEST(diff_tls_mutual_and_flags)
{
    const char *bins[2];
    int nb = nbins(bins);
    make_certs();
    for (int b = 0; b < nb; b++) {
        /* the flags alone: --tlsverify with a CA */
        const char *const args[] = {"-DV",         "--tlsverify", "--tlscert",
                                    certs.server,  "--tlskey",    certs.server_key,
                                    "--tlscacert", certs.ca,      NULL};
        struct server_proc sp = {0};
        struct tls_conn *c;
        struct wire *w;
        char *info;
        ASSERT_OK(proc_start(&sp, bins[b], args));
        w = wire_connect(sp.port);
        info = wire_info(w, WIRE_TIMEOUT_MS);
        ASSERT(info && strstr(info, "\"tls_required\":true,\"tls_verify\":true,"));
        free(info);
        wire_close(w);
        c = dial(sp.port, certs.client, certs.client_key);
        connect_ping(c);
        proc_stop(&sp, SIGTERM);
    }
}

TEST(diff_tls_allow_non_tls)
{
    const char *bins[2];
    int nb = nbins(bins);
    make_certs();
    for (int b = 0; b < nb; b++) {
        struct server_proc sp;
        struct tls_conn *c;
        struct wire *w;
        char *info;
        start_tls(&sp, bins[b], "", "allow_non_tls: true");
        w = wire_connect(sp.port);
        info = wire_info(w, WIRE_TIMEOUT_MS);
        ASSERT(info && strstr(info, "\"tls_available\":true") && !strstr(info, "tls_required"));
        free(info);
        wire_send(w, "CONNECT {\"verbose\":false}\r\n");
        WIRE_PING_PONG(w);
        c = dial(sp.port, NULL, NULL);
        connect_ping(c);
        proc_stop(&sp, SIGTERM);
    }
}

/* ---------------------------------------------------------------- failures */

TEST(diff_tls_plaintext_client_closed)
{
    const char *bins[2];
    int nb = nbins(bins);
    make_certs();
    for (int b = 0; b < nb; b++) {
        struct server_proc sp;
        struct wire *w;
        char *info;
        start_tls(&sp, bins[b], "", "");
        w = wire_connect(sp.port);
        info = wire_info(w, WIRE_TIMEOUT_MS);
        ASSERT(info != NULL);
        free(info);
        wire_send(w, "CONNECT {\"verbose\":false}\r\nPING\r\n");
        WIRE_EXPECT_CLOSED(w); /* no -ERR: the server expected a ClientHello */
        LOG_HAS(&sp, "TLS handshake error: tls: first record does not look like a TLS handshake");
        LOG_HAS(&sp, "Client connection closed: TLS Handshake Failure");
        proc_stop(&sp, SIGTERM);
    }
}

/* Connects with the given client certificate (or none) and expects the server to close. */
static void expect_rejected(int port, const char *cert, const char *key)
{
    char err[512];
    struct tls_dial d = {.ca = certs.ca, .cert = cert, .key = key};
    struct tls_conn *c = tlsc_connect(port, &d, err, sizeof(err));
    if (!c)
        return; /* TLS 1.2-style failure inside the handshake */
    /* TLS 1.3: the client finishes first; the server's verdict arrives as an alert/close */
    tlsc_sends(c, "CONNECT {\"verbose\":false}\r\nPING\r\n");
    char *got = tlsc_until(c, "PONG\r\n", 2000);
    if (got)
        test_fail(__FILE__, __LINE__, "a rejected client got PONG");
    ASSERT(tlsc_wait_closed(c, 2000));
}

TEST(diff_tls_verify_failures)
{
    const char *bins[2];
    int nb = nbins(bins);
    make_certs();
    for (int b = 0; b < nb; b++) {
        struct server_proc sp;
        start_tls(&sp, bins[b], "verify: true", "");
        expect_rejected(sp.port, NULL, NULL);
        LOG_HAS(&sp, "TLS handshake error: tls: client didn't provide a certificate");
        expect_rejected(sp.port, certs.stranger, certs.stranger_key);
        LOG_HAS(&sp, "TLS handshake error: tls: failed to verify client certificate: x509: "
                     "certificate signed by unknown authority");
        expect_rejected(sp.port, certs.expired, certs.expired_key);
        LOG_HAS(&sp, "TLS handshake error: tls: failed to verify client certificate: x509: "
                     "certificate has expired or is not yet valid");
        LOG_HAS(&sp, "Client connection closed: TLS Handshake Failure");
        /* and the good one still works */
        struct tls_conn *c = dial(sp.port, certs.client, certs.client_key);
        connect_ping(c);
        proc_stop(&sp, SIGTERM);
    }
}

TEST(diff_tls_handshake_timeout)
{
    const char *bins[2];
    int nb = nbins(bins);
    make_certs();
    for (int b = 0; b < nb; b++) {
        struct server_proc sp;
        struct wire *w;
        char *info;
        long long t0;
        start_tls(&sp, bins[b], "timeout: 0.5", "");
        w = wire_connect(sp.port);
        info = wire_info(w, WIRE_TIMEOUT_MS);
        ASSERT(info != NULL);
        free(info);
        t0 = wire_now_ms();
        ASSERT(wire_wait_closed(w, 3000));
        long long took = wire_now_ms() - t0;
        if (took < 300 || took > 2000)
            test_fail(__FILE__, __LINE__, "%s closed after %lld ms, want ~500", bins[b], took);
        ASSERT_EQ(w->len, 0);
        LOG_HAS(&sp, "TLS handshake error: read tcp 127.0.0.1:");
        LOG_HAS(&sp, ": i/o timeout");
        if (b == 0) { /* the reference logs these two only when its timer wins a race */
            LOG_HAS(&sp, "TLS handshake timeout");
            LOG_HAS(&sp, "->> [-ERR Secure Connection - TLS Required]");
        }
        LOG_HAS(&sp, "Client connection closed: TLS Handshake Failure");
        proc_stop(&sp, SIGTERM);
    }
}

/* The lower-case hex SHA-256 of cert's SubjectPublicKeyInfo, computed with the openssl tool. */
static void spki_sha256(const char *cert, char out[65])
{
    char cmd[1024];
    FILE *p;
    snprintf(cmd, sizeof(cmd),
             "openssl x509 -in '%s' -pubkey -noout | openssl pkey -pubin -outform der | "
             "openssl dgst -sha256 -r",
             cert);
    p = popen(cmd, "r");
    ASSERT(p != NULL);
    ASSERT(fgets(out, 65, p) != NULL);
    pclose(p);
    ASSERT_EQ(strlen(out), 64);
}

TEST(diff_tls_pinned_certs)
{
    const char *bins[2];
    int nb = nbins(bins);
    char pin[65], tls[512];
    make_certs();
    spki_sha256(certs.client, pin);
    for (int b = 0; b < nb; b++) {
        struct server_proc sp;
        /* pinned: the client's key is accepted */
        snprintf(tls, sizeof(tls), "verify: true, pinned_certs: [\"%s\"]", pin);
        start_tls(&sp, bins[b], tls, "");
        connect_ping(dial(sp.port, certs.client, certs.client_key));
        proc_stop(&sp, SIGTERM);
        /* another key only: refused */
        start_tls(&sp, bins[b],
                  "verify: true, pinned_certs: "
                  "[\"0000000000000000000000000000000000000000000000000000000000000000\"]",
                  "");
        expect_rejected(sp.port, certs.client, certs.client_key);
        char line[160];
        snprintf(line, sizeof(line), "Failed pinned cert test for key id: %s", pin);
        LOG_HAS(&sp, line);
        LOG_HAS(&sp, "TLS handshake error: certificate not pinned");
        proc_stop(&sp, SIGTERM);
    }
}

/* Runs bin with args (NULL-terminated, after the binary) and returns stdout+stderr. */
static char *run_capture(const char *bin, const char *args, int *code)
{
    char cmd[2048];
    char *out = calloc(1, 65536);
    size_t n = 0;
    FILE *p;
    char *abs = realpath(bin, NULL);
    snprintf(cmd, sizeof(cmd), "cd '%s' && timeout 5 '%s' %s 2>&1", certs.dir, abs ? abs : bin,
             args);
    free(abs);
    p = popen(cmd, "r");
    while (p && n < 65535) {
        size_t k = fread(out + n, 1, 65535 - n, p);
        if (k == 0)
            break;
        n += k;
    }
    int st = p ? pclose(p) : -1;
    *code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return out;
}

TEST(diff_tls_config_file_errors)
{
    static const char *const confs[] = {
        "tls { cert_file: \"server.pem\", key_file: \"client-key.pem\" }",
        "tls { cert_file: \"server-key.pem\", key_file: \"server-key.pem\" }",
        "tls { cert_file: \"server.pem\", key_file: \"server.pem\" }",
        "tls { cert_file: \"server.pem\", key_file: \"server-key.pem\", ca_file: \"server.ext\" }",
        "tls { cert_file: \"server.pem\", key_file: \"server-key.pem\", ca_file: \"none.pem\" }",
        "tls { cert_file: \"server.pem\", key_file: \"server-key.pem\", verify_and_map: true,"
        " timeout: 1, cipher_suites: [\"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\"],"
        " curve_preferences: [\"CurveP256\"] }\nport: \"bad\"",
    };
    const char *ref = proc_ref_bin();
    make_certs();
    for (size_t i = 0; i < sizeof(confs) / sizeof(confs[0]); i++) {
        char path[400], args[600];
        int code_ours, code_ref;
        FILE *f;
        snprintf(path, sizeof(path), "%s/e%zu.conf", certs.dir, i);
        f = fopen(path, "w");
        ASSERT(f != NULL);
        fprintf(f, "%s\n", confs[i]);
        fclose(f);
        snprintf(args, sizeof(args), "-c e%zu.conf -t", i);
        char *ours = run_capture(proc_our_bin(), args, &code_ours);
        ASSERT_EQ(code_ours, 1);
        ASSERT(strncmp(ours, "nats-server: e", 14) == 0);
        if (ref) {
            char *theirs = run_capture(ref, args, &code_ref);
            ASSERT_STR_EQ(ours, theirs);
            ASSERT_EQ(code_ours, code_ref);
            free(theirs);
        }
        free(ours);
    }
}

/* ---------------------------------------------------------------- volume */

TEST(diff_tls_large_and_many_messages)
{
    const char *bins[2];
    int nb = nbins(bins);
    size_t big = 1000 * 1000;
    char *payload = malloc(big);
    for (size_t i = 0; i < big; i++)
        payload[i] = (char)('a' + (i * 7 + i / 1000) % 26);
    make_certs();
    for (int b = 0; b < nb; b++) {
        struct server_proc sp;
        struct tls_conn *sub, *pub;
        char hdr[64];
        start_tls(&sp, bins[b], "", "");
        sub = dial(sp.port, NULL, NULL);
        pub = dial(sp.port, NULL, NULL);
        connect_ping(sub);
        connect_ping(pub);
        ASSERT_OK(tlsc_sends(sub, "SUB big 1\r\nSUB small 2\r\nPING\r\n"));
        expect(sub, "PONG\r\n");
        /* one large message, both ways through TLS */
        snprintf(hdr, sizeof(hdr), "PUB big %zu\r\n", big);
        ASSERT_OK(tlsc_sends(pub, hdr));
        ASSERT_OK(tlsc_send(pub, payload, big));
        ASSERT_OK(tlsc_sends(pub, "\r\n"));
        snprintf(hdr, sizeof(hdr), "MSG big 1 %zu\r\n", big);
        expect(sub, hdr);
        char *got = tlsc_read_n(sub, big + 2, 10000);
        ASSERT(got != NULL);
        ASSERT(memcmp(got, payload, big) == 0 && memcmp(got + big, "\r\n", 2) == 0);
        free(got);
        /* many small ones: in order, none lost */
        char *batch = malloc(20000 * 40);
        size_t n = 0;
        for (int i = 0; i < 20000; i++)
            n += (size_t)sprintf(batch + n, "PUB small %zu\r\n%d\r\n",
                                 strlen("00000") - 5 + (size_t)snprintf(NULL, 0, "%d", i), i);
        ASSERT_OK(tlsc_send(pub, batch, n));
        free(batch);
        for (int i = 0; i < 20000; i++) {
            char want[64];
            snprintf(want, sizeof(want), "MSG small 2 %d\r\n%d\r\n",
                     (int)snprintf(NULL, 0, "%d", i), i);
            got = tlsc_read_n(sub, strlen(want), 10000);
            if (!got || strcmp(got, want) != 0)
                test_fail(__FILE__, __LINE__, "%s: message %d: got %s", bins[b], i,
                          got ? wire_escape(got, strlen(got)) : "(nothing)");
            free(got);
        }
        proc_stop(&sp, SIGTERM);
    }
    free(payload);
}

#define MANY 200

TEST(diff_tls_many_clients_and_a_stalled_handshake)
{
    const char *bins[2];
    int nb = nbins(bins);
    make_certs();
    for (int b = 0; b < nb; b++) {
        struct server_proc sp;
        struct tls_conn **cs = calloc(MANY, sizeof(*cs));
        struct wire *stalled;
        char *info;
        start_tls(&sp, bins[b], "timeout: 5", "");
        /* a client that starts a ClientHello and stops mid-record */
        stalled = wire_connect(sp.port);
        info = wire_info(stalled, WIRE_TIMEOUT_MS);
        ASSERT(info != NULL);
        free(info);
        wire_sendn(stalled, "\x16\x03\x01\x02\x00\x01", 6);
        long long t0 = wire_now_ms();
        for (int i = 0; i < MANY; i++) {
            cs[i] = dial(sp.port, NULL, NULL);
            ASSERT_OK(tlsc_sends(cs[i], "CONNECT {\"verbose\":false}\r\nSUB all 1\r\nPING\r\n"));
        }
        for (int i = 0; i < MANY; i++)
            expect(cs[i], "PONG\r\n");
        ASSERT_OK(tlsc_sends(cs[0], "PUB all 2\r\nhi\r\n"));
        for (int i = 0; i < MANY; i++)
            expect(cs[i], "MSG all 1 2\r\nhi\r\n");
        long long took = wire_now_ms() - t0;
        if (took > 4500)
            test_fail(__FILE__, __LINE__, "%d TLS clients took %lld ms", MANY, took);
        ASSERT(!stalled->closed);
        for (int i = 0; i < MANY; i++)
            tlsc_close(cs[i]);
        free(cs);
        proc_stop(&sp, SIGTERM);
    }
}

/* ---------------------------------------------------------------- natrium only */

TEST(tls_handshake_first)
{
    struct server_proc sp;
    struct tls_conn *c;
    struct wire *w;
    char err[512], *info;
    struct tls_dial d = {.ca = certs.ca, .handshake_first = true};
    if (proc_is_ref(proc_our_bin()))
        test_skip("handshake_first is a 2.10 feature");
    make_certs();
    d.ca = certs.ca;
    start_tls(&sp, proc_our_bin(), "handshake_first: true", "");
    /* a plaintext client gets nothing: the server waits for a ClientHello */
    w = wire_connect(sp.port);
    WIRE_EXPECT_QUIET(w);
    wire_close(w);
    c = tlsc_connect(sp.port, &d, err, sizeof(err));
    if (!c)
        test_fail(__FILE__, __LINE__, "%s", err);
    info = tlsc_until(c, "} \r\n", 3000); /* INFO comes inside TLS */
    ASSERT(info && strncmp(info, "INFO {", 6) == 0 && strstr(info, "\"tls_required\":true"));
    free(info);
    connect_ping(c);
    proc_stop(&sp, SIGTERM);

    /* auto: a client that waits gets INFO in plaintext after the fallback delay */
    start_tls(&sp, proc_our_bin(), "handshake_first: auto", "");
    c = tlsc_connect(sp.port, &d, err, sizeof(err));
    if (!c)
        test_fail(__FILE__, __LINE__, "%s", err);
    info = tlsc_until(c, "} \r\n", 3000);
    ASSERT(info && strncmp(info, "INFO {", 6) == 0);
    free(info);
    connect_ping(c);
    d.handshake_first = false;
    c = tlsc_connect(sp.port, &d, err, sizeof(err));
    if (!c)
        test_fail(__FILE__, __LINE__, "fallback: %s", err);
    ASSERT(strncmp(tlsc_plain_info(c), "INFO {", 6) == 0);
    connect_ping(c);
    proc_stop(&sp, SIGTERM);
}

TEST(tls_verify_and_map_identities)
{
    X509 *x;
    FILE *f;
    struct tls_peer_ids *ids;
    make_certs();
    f = fopen(certs.client, "r");
    ASSERT(f != NULL);
    x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    ASSERT(x != NULL);
    ids = tls_peer_ids_from_cert(x);
    ASSERT(ids != NULL);
    ASSERT_EQ(ids->n, 4);
    ASSERT_EQ(ids->n_sans, 3);
    ASSERT_STR_EQ(ids->names[0], "alice@example.com");
    ASSERT_STR_EQ(ids->names[1], "alice.example.com");
    ASSERT_STR_EQ(ids->names[2], "nats://alice");
    ASSERT_STR_EQ(ids->names[3], "CN=alice,OU=Dev,O=Acme");
    ASSERT(ids->dn == ids->names[3]);
    ASSERT_EQ(tls_dn_match("CN=alice,OU=Dev,O=Acme", ids->dn), TLS_DN_EQUAL);
    ASSERT_EQ(tls_dn_match("cn=alice, ou=Dev, o=Acme", ids->dn), TLS_DN_EQUAL);
    ASSERT_EQ(tls_dn_match("O=Acme,OU=Dev,CN=alice", ids->dn), TLS_DN_SUBSET);
    ASSERT_EQ(tls_dn_match("CN=alice", ids->dn), TLS_DN_SUBSET);
    ASSERT_EQ(tls_dn_match("CN=bob,OU=Dev,O=Acme", ids->dn), TLS_DN_NONE);
    ASSERT_EQ(tls_dn_match("CN=Alice,OU=Dev,O=Acme", ids->dn), TLS_DN_NONE);
    ASSERT_EQ(tls_dn_match("alice", ids->dn), TLS_DN_NONE);
    ASSERT_EQ(tls_dn_match("CN=a\\,b", "CN=a\\2cb"), TLS_DN_EQUAL);
    tls_peer_ids_free(ids);
    X509_free(x);
}

TEST(diff_tls_auth_timeout_is_tls_timeout_plus_one)
{
    const char *bins[2];
    int nb = nbins(bins);
    make_certs();
    for (int b = 0; b < nb; b++) {
        struct server_proc sp;
        struct tls_conn *c;
        start_tls(&sp, bins[b], "timeout: 0.5", "authorization { user: a, password: b }");
        c = dial(sp.port, NULL, NULL);
        long long t0 = wire_now_ms();
        expect(c, "-ERR 'Authentication Timeout'\r\n");
        long long took = wire_now_ms() - t0;
        if (took < 1100 || took > 2200)
            test_fail(__FILE__, __LINE__, "%s: auth timeout after %lld ms, want ~1500", bins[b],
                      took);
        proc_stop(&sp, SIGTERM);
    }
}

TEST(diff_tls12_cipher_suites_and_curves)
{
    const char *bins[2];
    int nb = nbins(bins);
    make_certs();
    for (int b = 0; b < nb; b++) {
        struct server_proc sp;
        struct tls_conn *c;
        char err[512];
        struct tls_dial d = {.ca = certs.ca, .tls12_only = true};

        /* the defaults: AES-128-GCM first, as Go */
        start_tls(&sp, bins[b], "", "");
        c = tlsc_connect(sp.port, &d, err, sizeof(err));
        if (!c)
            test_fail(__FILE__, __LINE__, "%s: %s", bins[b], err);
        ASSERT_STR_EQ(tlsc_version(c), "TLSv1.2");
        ASSERT_STR_EQ(tlsc_cipher(c), "ECDHE-RSA-AES128-GCM-SHA256");
        connect_ping(c);
        LOG_HAS(&sp, "TLS version 1.2, cipher suite TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
        proc_stop(&sp, SIGTERM);

        /* configured: one suite, one curve */
        start_tls(&sp, bins[b],
                  "cipher_suites: [\"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384\"]\n"
                  "  curve_preferences: [\"CurveP384\"]",
                  "");
        c = tlsc_connect(sp.port, &d, err, sizeof(err));
        if (!c)
            test_fail(__FILE__, __LINE__, "%s: %s", bins[b], err);
        ASSERT_STR_EQ(tlsc_cipher(c), "ECDHE-RSA-AES256-GCM-SHA384");
        ASSERT_EQ(tlsc_group(c), NID_secp384r1);
        connect_ping(c);
        LOG_HAS(&sp, "TLS version 1.2, cipher suite TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
        proc_stop(&sp, SIGTERM);
    }
}

/* verify_and_map with a users list: the client certificate (SAN e-mail alice@example.com,
 * subject CN=alice,OU=Dev,O=Acme) picks the user and its permissions; a certificate that maps
 * to no user is refused. Against both servers. */
TEST(diff_tls_verify_and_map_users)
{
    const char *bins[2];
    int nb = nbins(bins);
    make_certs();
    for (int b = 0; b < nb; b++) {
        struct server_proc sp = {0};
        struct tls_conn *c;
        start_tls(&sp, bins[b], "verify_and_map: true",
                  "authorization { users: [\n"
                  "  {user: \"alice@example.com\", permissions: {publish: {deny: \"no\"}}}\n"
                  "] }");
        c = dial(sp.port, certs.client, certs.client_key);
        ASSERT_OK(tlsc_sends(c, "CONNECT {\"verbose\":false,\"pedantic\":false}\r\n"
                                "PUB no 0\r\n\r\nPING\r\n"));
        expect(c, "-ERR 'Permissions Violation for Publish to \"no\"'\r\nPONG\r\n");
        tlsc_close(c);
        proc_stop(&sp, SIGTERM);

        /* the subject DN, reordered, as the user name */
        start_tls(&sp, bins[b], "verify_and_map: true",
                  "authorization { users: [ {user: \"O=Acme,OU=Dev,CN=alice\"} ] }");
        c = dial(sp.port, certs.client, certs.client_key);
        connect_ping(c);
        tlsc_close(c);
        proc_stop(&sp, SIGTERM);

        /* no user for this certificate */
        start_tls(&sp, bins[b], "verify_and_map: true",
                  "authorization { users: [ {user: bob} ] }");
        c = dial(sp.port, certs.client, certs.client_key);
        ASSERT_OK(tlsc_sends(c, "CONNECT {\"verbose\":false,\"pedantic\":false}\r\nPING\r\n"));
        expect(c, "-ERR 'Authorization Violation'\r\n");
        ASSERT(tlsc_wait_closed(c, 3000));
        tlsc_close(c);
        proc_stop(&sp, SIGTERM);
    }
}

/* SIGHUP with a tls block added: new connections get TLS; the one already open stays. */
TEST(diff_tls_reload_turns_tls_on)
{
    const char *bins[2];
    int nb = nbins(bins);
    make_certs();
    for (int b = 0; b < nb; b++) {
        struct server_proc sp = {0};
        struct wire *w, *old;
        struct tls_conn *c;
        char path[600], *info;
        FILE *f;

        ASSERT_OK(proc_start_conf(&sp, bins[b], "debug: false\n", NULL));
        old = wire_connect(sp.port);
        free(wire_info(old, WIRE_TIMEOUT_MS));
        wire_send(old, "CONNECT {\"verbose\":false,\"pedantic\":false}\r\nPING\r\n");
        WIRE_EXPECT(old, "PONG\r\n");
        snprintf(path, sizeof(path), "%s/server.conf", sp.dir);
        f = fopen(path, "w");
        ASSERT(f != NULL);
        fprintf(f, "tls {\n  cert_file: \"%s\"\n  key_file: \"%s\"\n}\n", certs.server,
                certs.server_key);
        fclose(f);
        kill(sp.pid, SIGHUP);
        LOG_HAS(&sp, "Reloaded server configuration");
        w = wire_connect(sp.port);
        info = wire_info(w, WIRE_TIMEOUT_MS);
        ASSERT(info && strstr(info, "\"tls_required\":true"));
        free(info);
        wire_close(w);
        c = dial(sp.port, NULL, NULL);
        connect_ping(c);
        tlsc_close(c);
        wire_send(old, "PING\r\n");
        WIRE_EXPECT(old, "PONG\r\n");
        proc_stop(&sp, SIGTERM);
    }
}
