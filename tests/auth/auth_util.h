/* Shared by the authentication tests (tests/auth): keys, JWTs and creds from the nkjwt tool,
 * libnats connections, and raw-wire sessions that answer the INFO nonce. */
#ifndef NS_TEST_AUTH_UTIL_H
#define NS_TEST_AUTH_UTIL_H

#include "auth/nkeys.h"

#include <nats/nats.h>
#include <stdbool.h>
#include <stddef.h>

/* Runs the nkjwt tool (next to the test binary) with a formatted argument string through the
 * shell; returns its stdout (malloc'd, trailing newline removed). Fails the test unless it
 * exits 0. */
char *nkjwt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

struct kp {
    char seed[NK_SEED_LEN + 1], pub[NK_PUBLIC_LEN + 1];
};

/* A key pair from `nkjwt create <type>`. */
void tool_key(struct kp *k, const char *type);
void write_file(const char *path, const char *text);

enum how { WITH_CREDS, WITH_NKEY_SEED, WITH_USERPASS, WITH_TOKEN };

/* libnats' error text of the last failed try_connect. */
extern char last_err[512];

/* Connects with libnats; returns the status (the connection, if any, is closed again after a
 * flush round trip). */
natsStatus try_connect(int port, enum how how, const char *a, const char *b);

/* The connection must be refused with the given server error text (so a timeout or a
 * config problem cannot pass for a refusal). */
#define ASSERT_REFUSED(call, text)                                                                 \
    do {                                                                                           \
        natsStatus st_ = (call);                                                                   \
        if (st_ == NATS_OK || !strstr(last_err, (text)))                                           \
            test_fail(__FILE__, __LINE__, "%s: got %s (%s), want a refusal with \"%s\"", #call,    \
                      natsStatus_GetText(st_), last_err, (text));                                  \
    } while (0)
#define AUTH_VIOLATION "Authorization Violation"

#endif
