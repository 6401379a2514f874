/* Test certificates: see certs.h. */
#include "certs.h"

#include "proc.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int run(const char *dir, const char *cmd)
{
    char buf[4096];
    snprintf(buf, sizeof(buf), "cd '%s' && %s >>openssl.log 2>&1", dir, cmd);
    return system(buf) == 0 ? 0 : -1;
}

static int write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    FILE *f;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(text, f);
    fclose(f);
    return 0;
}

static void remove_dir(void *arg)
{
    char *dir = arg, cmd[400];
    const char *keep = getenv("NS_KEEP_TMP");
    if (!test_current_failed() && !(keep && *keep == '1')) {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0) {
            /* best effort */
        }
    }
    free(dir);
}

int certs_make(struct test_certs *c)
{
    static const char *const steps[] = {
        "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca-key.pem -out ca.pem -days 30 "
        "-subj '/CN=natrium test CA'",
        "openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca-key.pem -out other-ca.pem "
        "-days 30 -subj '/CN=other CA'",
        "openssl req -newkey rsa:2048 -nodes -keyout server-key.pem -out server.csr "
        "-subj '/CN=localhost'",
        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial "
        "-out server.pem -days 30 -extfile server.ext",
        "openssl req -newkey rsa:2048 -nodes -keyout client-key.pem -out client.csr "
        "-subj '/O=Acme/OU=Dev/CN=alice'",
        "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial "
        "-out client.pem -days 30 -extfile client.ext",
        "openssl req -newkey rsa:2048 -nodes -keyout stranger-key.pem -out stranger.csr "
        "-subj '/CN=mallory'",
        "openssl x509 -req -in stranger.csr -CA other-ca.pem -CAkey other-ca-key.pem "
        "-CAcreateserial -out stranger.pem -days 30 -extfile plain.ext",
        "openssl req -newkey rsa:2048 -nodes -keyout expired-key.pem -out expired.csr "
        "-subj '/CN=old'",
        /* -not_before/-not_after need openssl 3.4; a CA-side "ca" run would need a database:
         * sign with a validity that ended yesterday through the x509 -days trick instead */
        "openssl x509 -req -in expired.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial "
        "-out expired.pem -days -1 -extfile plain.ext",
    };

    memset(c, 0, sizeof(*c));
    proc_tmpdir(c->dir, sizeof(c->dir));
    test_on_cleanup(remove_dir, strdup(c->dir));
    if (write_file(c->dir, "server.ext",
                   "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                   "extendedKeyUsage=serverAuth\n") != 0 ||
        write_file(c->dir, "client.ext",
                   "subjectAltName=email:alice@example.com,DNS:alice.example.com,"
                   "URI:nats://alice\nextendedKeyUsage=clientAuth\n") != 0 ||
        write_file(c->dir, "plain.ext", "extendedKeyUsage=clientAuth\n") != 0)
        return -1;
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        if (run(c->dir, steps[i]) != 0) {
            fprintf(stderr, "certs: failed: %s (see %s/openssl.log)\n", steps[i], c->dir);
            return -1;
        }
    }
#define P(field, name) snprintf(c->field, sizeof(c->field), "%s/%s", c->dir, name)
    P(ca, "ca.pem");
    P(server, "server.pem");
    P(server_key, "server-key.pem");
    P(client, "client.pem");
    P(client_key, "client-key.pem");
    P(other_ca, "other-ca.pem");
    P(stranger, "stranger.pem");
    P(stranger_key, "stranger-key.pem");
    P(expired, "expired.pem");
    P(expired_key, "expired-key.pem");
#undef P
    return 0;
}
