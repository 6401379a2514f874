/* The authentication and authorization model (mirrors server/auth.go, opts.go's
 * parseAuthorization / parseUsers / parseUserPermissions / parseAccounts, 2.9.10): users,
 * their permissions and accounts, with exports and imports, as read from the configuration,
 * and the pure checks on them. Immutable once the server runs: a reload builds a new one.
 * Design: docs/internals/auth.md */
#ifndef NS_SERVER_AUTH_H
#define NS_SERVER_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GLOBAL_ACCOUNT "$G"
#define SYSTEM_ACCOUNT "$SYS"
#define DEFAULT_RESP_MAX 1                  /* allow_responses: true */
#define DEFAULT_RESP_EXPIRES_MS (2 * 60000) /* 2m */

/* One permission subject; "subject queue" entries of a subscribe list carry a queue. */
struct perm_entry {
    char *subject;
    char *queue; /* NULL for none */
};

struct perm_list {
    struct perm_entry *v;
    uint32_t n;
    bool set; /* in force: given with at least one subject, or implied by allow_responses
               * (then an empty allow list denies everything) */
};

struct permissions {
    struct perm_list pub_allow, pub_deny, sub_allow, sub_deny;
    bool resp;               /* allow_responses */
    int64_t resp_max;        /* messages per reply subject (0: unlimited) */
    int64_t resp_expires_ms; /* 0: never */
};

/* allowed_connection_types bits (0: all). */
enum {
    CONN_TYPE_STANDARD = 1 << 0,
    CONN_TYPE_WEBSOCKET = 1 << 1,
    CONN_TYPE_LEAFNODE = 1 << 2,
    CONN_TYPE_MQTT = 1 << 3,
};

struct user_conf {
    char *name;     /* NULL for an nkey user */
    char *password; /* plain or bcrypt ($2a$...) */
    char *nkey;     /* public nkey (U...) of an nkey user */
    struct permissions *perms; /* owned; NULL: everything allowed */
    char *account;             /* NULL: the global account $G */
    uint32_t conn_types;
};

enum resp_type { RESP_SINGLETON, RESP_STREAM, RESP_CHUNKED };

struct export_conf {
    bool service;
    char *subject;
    char **accounts; /* who may import; NULL/0: everyone */
    uint32_t naccounts;
    enum resp_type resp_type;
    int64_t resp_threshold_ms;
};

struct import_conf {
    bool service;
    char *account; /* the exporter */
    char *subject; /* as exported */
    char *to;      /* service: local subject (default: subject) */
    char *prefix;  /* stream: prefix added to delivered subjects */
};

struct account_conf {
    char *name;
    struct export_conf *exports;
    uint32_t nexports;
    struct import_conf *imports;
    uint32_t nimports;
    struct permissions *default_perms; /* owned */
};

struct auth_conf {
    struct user_conf *users; /* authorization users, then the accounts' users, in file order */
    uint32_t nusers;
    struct account_conf *accounts;
    uint32_t naccounts;
    struct permissions *default_perms; /* authorization { default_permissions } (owned) */
    char *no_auth_user;
    char *system_account; /* NULL: $SYS */
    bool no_system_account;
};

/* Frees everything a conf owns (not the struct itself) and zeroes it. */
void auth_conf_release(struct auth_conf *a);
/* Deep copy (dst is overwritten, not released). */
void auth_conf_copy(struct auth_conf *dst, const struct auth_conf *src);
void perms_free(struct permissions *p);
struct permissions *perms_dup(const struct permissions *p);

/* The user with this name (or nkey), or NULL. */
const struct user_conf *auth_find_user(const struct auth_conf *a, const char *name);
const struct user_conf *auth_find_nkey(const struct auth_conf *a, const char *nkey);
const struct account_conf *auth_find_account(const struct auth_conf *a, const char *name);

/* The export of exporter that lets account importer make import im (same kind, a subject the
 * import's fits in, importer on its list or no list), or NULL. */
const struct export_conf *auth_export_for(const struct account_conf *exporter,
                                          const struct import_conf *im, const char *importer);

/* client.go pubAllowed without the reply allowance: the allow list (if set) must match
 * subject and the deny list must not. subject is taken literally, token by token. */
bool perms_pub_allowed(const struct permissions *p, const char *subject, size_t len);
/* client.go canSubscribe: the subject (which may hold wildcards, matched as tokens) against
 * the allow list (plain entries, or queue entries for a queue subscription) and the deny
 * list. queue is NULL for a plain subscription. */
bool perms_sub_allowed(const struct permissions *p, const char *subject, size_t len,
                       const char *queue, size_t qlen);
/* True when a message on literal subject must not reach a wildcard subscription because the
 * subscriber's deny list matches it (the reference's checkDenySub). */
bool perms_sub_denied_msg(const struct permissions *p, const char *subject, size_t len);

#endif
