/* Helpers of the authentication tests: see auth_util.h. */
#include "auth_util.h"

#include "test.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

char last_err[512];

/* Runs the nkjwt tool (next to this binary) with a formatted argument string through the
 * shell; returns its stdout (malloc'd, trailing newline removed). Fails the test unless it
 * exits 0. */
char *nkjwt(const char *fmt, ...)
{
    char self[512], cmd[16384], *out = calloc(1, 65536);
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    size_t len = 0;
    va_list ap;
    FILE *p;
    int st;

    ASSERT(n > 0);
    self[n] = '\0';
    *strrchr(self, '/') = '\0';
    int off = snprintf(cmd, sizeof(cmd), "%s/nkjwt ", self);
    va_start(ap, fmt);
    vsnprintf(cmd + off, sizeof(cmd) - (size_t)off, fmt, ap);
    va_end(ap);
    p = popen(cmd, "r");
    ASSERT(p != NULL);
    while (len < 65535 && (n = (ssize_t)fread(out + len, 1, 65535 - len, p)) > 0)
        len += (size_t)n;
    st = pclose(p);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        test_fail(__FILE__, __LINE__, "nkjwt failed: %s", cmd);
    while (len > 0 && out[len - 1] == '\n')
        out[--len] = '\0';
    return out;
}

/* A key pair from `nkjwt create`. */
void tool_key(struct kp *k, const char *type)
{
    char *o = nkjwt("create %s", type);
    ASSERT(sscanf(o, "%58s %56s", k->seed, k->pub) == 2);
    ASSERT_EQ(strlen(k->seed), NK_SEED_LEN);
    ASSERT(nk_is_valid_public(k->pub, -1));
    free(o);
}

void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ASSERT(f != NULL);
    fputs(text, f);
    fclose(f);
}

static natsConnection *conn_to_close;

static void close_conn(void *arg)
{
    (void)arg;
    if (conn_to_close) {
        natsConnection_Destroy(conn_to_close);
        conn_to_close = NULL;
    }
}

/* Connects with libnats; returns the status (the connection, if any, is closed again). */
natsStatus try_connect(int port, enum how how, const char *a, const char *b)
{
    natsOptions *o = NULL;
    natsConnection *nc = NULL;
    natsStatus s;
    char url[64];

    ASSERT_EQ(nats_Open(-1), NATS_OK);
    snprintf(url, sizeof(url), "nats://127.0.0.1:%d", port);
    ASSERT_EQ(natsOptions_Create(&o), NATS_OK);
    natsOptions_SetURL(o, url);
    natsOptions_SetTimeout(o, 2000);
    natsOptions_SetMaxReconnect(o, 0);
    natsOptions_SetAllowReconnect(o, false);
    switch (how) {
    case WITH_CREDS:
        ASSERT_EQ(natsOptions_SetUserCredentialsFromFiles(o, a, NULL), NATS_OK);
        break;
    case WITH_NKEY_SEED:
        ASSERT_EQ(natsOptions_SetNKeyFromSeed(o, a, b), NATS_OK);
        break;
    case WITH_USERPASS:
        ASSERT_EQ(natsOptions_SetUserInfo(o, a, b), NATS_OK);
        break;
    case WITH_TOKEN:
        ASSERT_EQ(natsOptions_SetToken(o, a), NATS_OK);
        break;
    }
    s = natsConnection_Connect(&nc, o);
    snprintf(last_err, sizeof(last_err), "%s", s == NATS_OK ? "" : nats_GetLastError(NULL));
    if (getenv("NS_AUTH_DEBUG"))
        fprintf(stderr, "try_connect: %s\n", last_err);
    natsOptions_Destroy(o);
    if (s == NATS_OK) {
        conn_to_close = nc;
        test_on_cleanup(close_conn, NULL);
        /* a round trip proves the session is really up */
        s = natsConnection_FlushTimeout(nc, 2000);
        natsConnection_Destroy(nc);
        conn_to_close = NULL;
    }
    return s;
}
