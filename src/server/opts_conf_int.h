/* Shared between the configuration loader's files (opts_conf.c, opts_auth.c): the loader state
 * and its helpers. Not for use outside the loader. */
#ifndef NS_SERVER_OPTS_CONF_INT_H
#define NS_SERVER_OPTS_CONF_INT_H

#include "conf/conf.h"
#include "server/opts.h"

#include <stdbool.h>
#include <stddef.h>

struct msg_list {
    char **v;
    size_t n;
};

struct loader {
    struct options *o;
    struct msg_list errors, warnings;
    const struct conf_entry *accounts_entry; /* the top-level accounts key, if any */
};

/* Records "<file>:<line>:<col>: <text>" at the key of e (or, _node, at a value). */
__attribute__((format(printf, 3, 4))) void oc_error_at(struct loader *l,
                                                       const struct conf_entry *e,
                                                       const char *fmt, ...);
__attribute__((format(printf, 3, 4))) void oc_error_node(struct loader *l,
                                                         const struct conf_node *n,
                                                         const char *fmt, ...);
__attribute__((format(printf, 3, 4))) void oc_warning_at(struct loader *l,
                                                         const struct conf_entry *e,
                                                         const char *fmt, ...);
/* Checks the value type of e; on a mismatch records Go's interface conversion text. */
bool oc_want(struct loader *l, const struct conf_entry *e, enum conf_type t);
/* Records 'unknown field "<key>"' (unless the entry is a variable some value used). */
void oc_unknown_field(struct loader *l, const struct conf_entry *e);
/* Records '"<key>" is not supported by natrium yet'. */
void oc_unsupported(struct loader *l, const struct conf_entry *e);
void oc_set_string(char **field, const struct conf_node *v);
/* parseDuration into *out (milliseconds); field names the option in messages. */
void oc_apply_duration(struct loader *l, const struct conf_entry *e, const char *field,
                       int64_t *out);

/* opts_auth.c: the "users", "permissions" and "default_permissions" keys of an authorization
 * block (the other keys stay in opts_conf.c); and the top-level "accounts" key. */
void oc_auth_users(struct loader *l, const struct conf_entry *e);
void oc_auth_default_perms(struct loader *l, const struct conf_entry *e);
void oc_apply_accounts(struct loader *l, const struct conf_entry *e);
/* Checks done once every key is read (subjects of permissions, imports naming accounts);
 * position-less problems go to *err (a new string) as the reference reports them. */
void oc_auth_validate(struct loader *l, const struct conf_entry *accounts_entry, char **err);

/* opts_operator.c: the operator-mode keys (operator, trusted, resolver, resolver_preload),
 * and server.go validateTrustedOperators' checks at start (false with the reason in msg). */
void oc_apply_operators(struct loader *l, const struct conf_entry *e);
void oc_apply_trusted(struct loader *l, const struct conf_entry *e);
void oc_apply_resolver(struct loader *l, const struct conf_entry *e);
void oc_apply_preload(struct loader *l, const struct conf_entry *e);
bool oc_trust_ok(const struct options *o, char *msg, size_t n);

#endif
