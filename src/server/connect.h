/* Decoding a client's CONNECT JSON (mirrors json.Unmarshal into ClientOpts in
 * server/client.go): keys match case-insensitively as in Go, null leaves a field unset, a
 * value of the wrong type is an error. Pure: no server state, so it can be fuzzed alone
 * (tests/fuzz/fuzz_connect.c). */
#ifndef NS_SERVER_CONNECT_H
#define NS_SERVER_CONNECT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct connect_opts {
    int verbose, pedantic, echo, headers, no_responders; /* -1: not given */
    long long protocol;
    bool has_protocol, has_account;
    /* borrowed from *root: valid until json_decref(*root) */
    const char *user, *pass, *auth_token, *name, *lang, *version;
    const char *nkey, *sig, *jwt; /* nkey and JWT authentication */
};

/* Parses len bytes of CONNECT JSON into co. On success returns 0 and *root holds the parsed
 * document, which the caller releases with json_decref once done with co's strings. On a
 * syntax or type error returns -1 (*root is NULL). */
int connect_decode(const char *json, size_t len, struct connect_opts *co, json_t **root);

#endif
