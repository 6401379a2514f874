/* Test certificates made at test time with the `openssl` command line tool (Debian's
 * openssl package), into a scratch directory: nothing is checked in. One call makes the
 * whole set; the paths are absolute. RSA 2048 keys, so a set takes a fraction of a second. */
#ifndef NS_TEST_CERTS_H
#define NS_TEST_CERTS_H

#include <stdbool.h>

struct test_certs {
    char dir[256];
    char ca[320];     /* the test CA (CN=natrium test CA) */
    char server[320]; /* CN=localhost, SAN DNS:localhost IP:127.0.0.1, signed by ca */
    char server_key[320];
    char client[320]; /* CN=alice,OU=Dev,O=Acme + SANs email:alice@example.com,
                       * DNS:alice.example.com, URI:nats://alice; clientAuth; by ca */
    char client_key[320];
    char other_ca[320]; /* an unrelated CA */
    char stranger[320]; /* CN=mallory, signed by other_ca (wrong CA for the server) */
    char stranger_key[320];
    char expired[320]; /* CN=old, signed by ca, validity entirely in the past */
    char expired_key[320];
};

/* Makes the set in a new scratch directory (removed when the test ends unless it failed).
 * Returns 0, or -1 when openssl is missing or fails (the test should then skip or fail). */
int certs_make(struct test_certs *c);

#endif
