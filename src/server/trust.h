/* Operator mode (mirrors nats-server 2.9.10 opts.go parseOperators / trusted keys, server.go
 * checkTrustedKeyOptions / configureResolver, accounts.go MemAccResolver and auth.go's JWT
 * path): trusted operators, `resolver: MEMORY` with the accounts of `resolver_preload`, and
 * the authentication of clients by nkey (a configured nkey user) or by user JWT.
 * Design: docs/internals/auth-crypto.md ("Wiring it into CONNECT"). */
#ifndef NS_SERVER_TRUST_H
#define NS_SERVER_TRUST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct server;
struct client;
struct account;
struct connect_opts;
struct jwt_claims;
struct user_conf;

/* ---- configuration (struct options.trust; filled by opts_operator.c) ---- */

struct trust_preload {
    char *account; /* the key in resolver_preload (an account public key) */
    char *jwt;     /* its account JWT (verified at load) */
};

struct trust_conf {
    char **operator_jwts; /* `operator`: each operator JWT (read from its file or inline) */
    uint32_t noperators;
    char **trusted_keys; /* `trusted` / `trusted_keys`: operator public keys */
    uint32_t ntrusted;
    bool resolver_memory; /* resolver: MEMORY */
    bool resolver_set;    /* a resolver key was given */
    struct trust_preload *preload;
    uint32_t npreload;
};

/* True when the configuration trusts operators (by JWT or by key): operator mode. */
bool trust_conf_enabled(const struct trust_conf *t);
/* Frees what t owns and zeroes it. */
void trust_conf_release(struct trust_conf *t);

/* ---- at run time (operator.c) ---- */

struct trust_account {
    char *pub;                 /* the account's public key (its name) */
    struct jwt_claims *claims; /* its account JWT, decoded */
    bool trusted;              /* signed by a trusted operator or one of its signing keys */
    struct account *acc;       /* the runtime account */
};

struct trust {
    struct jwt_claims **operators; /* decoded operator JWTs */
    uint32_t noperators;
    char **keys; /* every trusted key: operators' own keys, their signing keys, trusted_keys */
    uint32_t nkeys;
    struct trust_account *accounts;
    uint32_t naccounts;
    bool explicit_system_account; /* system_account given (config or operator JWT) */
};

/* Called from accounts_init, after $G and before the system account: in operator mode,
 * decodes the trusted operators and makes a runtime account for every preloaded account JWT
 * (s->trust). Returns 0 (also when not in operator mode), or -1 with a message logged. */
int trust_init(struct server *s);
/* Logs the "Trusted Operators" banner lines the reference prints at start. */
void trust_log_banner(struct server *s);
void trust_free(struct server *s);
/* The preloaded account with this public key, or NULL. */
const struct trust_account *trust_find_account(const struct server *s, const char *pub);
/* True if key is a trusted operator key or one of their signing keys. */
bool trust_key_trusted(const struct server *s, const char *key);

/* ---- clients (client_jwt.c) ---- */

/* At accept: writes a fresh nonce into c->nonce when nkeys or operators are configured (the
 * reference's nonceRequired), so that INFO carries it. */
void client_nonce_init(struct client *c);
/* nkey user authentication (co->nkey given and nkey users configured): the configured user
 * with that key whose signature of the nonce (co->sig) verifies, or NULL. */
const struct user_conf *client_nkey_check(struct client *c, const struct connect_opts *co);
/* Operator mode CONNECT: checks the user JWT in the reference's order and, on success, binds
 * c to its account, permissions and limits, remembers jwt/sig/nonce for re-authentication
 * and arms the expiry timer. On failure returns false; when the failure already answered
 * the client (account connection limit) *answered is set and c is closed. */
bool client_jwt_authenticate(struct client *c, const struct connect_opts *co, bool *answered);
/* Re-checks a connected JWT client against the current trust state and time (expiry,
 * revocation, account still known and trusted). True if it may stay. For config reload. */
bool client_jwt_recheck(struct client *c, int64_t now);
/* The public key an nkey or JWT client proved at CONNECT, or NULL. */
const char *client_nkey_of(const struct client *c);
/* The public key of a JWT-authenticated client, or NULL. */
const char *client_jwt_user(const struct client *c);
/* The log line for a refused CONNECT, as the reference's authViolation words it. */
void client_auth_failed_log(struct client *c, const struct connect_opts *co);
/* Frees c's JWT state (client_unref). */
struct client_jwt;
void client_jwt_free(struct client_jwt *j);

#endif
