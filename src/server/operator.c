/* Operator mode at run time: the trusted keys and the preloaded accounts (see trust.h). Built
 * once at start by accounts_init and read-only afterwards, so any loop may read it. */
#include "server/trust.h"

#include "auth/jwt.h"
#include "core/xmalloc.h"
#include "server/account.h"
#include "server/server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void add_key(struct trust *t, const char *k)
{
    for (uint32_t i = 0; i < t->nkeys; i++)
        if (strcmp(t->keys[i], k) == 0)
            return;
    t->keys = xrealloc(t->keys, (t->nkeys + 1) * sizeof(*t->keys));
    t->keys[t->nkeys++] = xstrdup(k);
}

bool trust_key_trusted(const struct server *s, const char *key)
{
    const struct trust *t = s->trust;
    for (uint32_t i = 0; t && key && i < t->nkeys; i++)
        if (strcmp(t->keys[i], key) == 0)
            return true;
    return false;
}

const struct trust_account *trust_find_account(const struct server *s, const char *pub)
{
    const struct trust *t = s->trust;
    for (uint32_t i = 0; t && pub && i < t->naccounts; i++)
        if (strcmp(t->accounts[i].pub, pub) == 0)
            return &t->accounts[i];
    return NULL;
}

int trust_init(struct server *s)
{
    const struct trust_conf *tc = &s->opts.trust;
    struct trust *t;

    if (!trust_conf_enabled(tc))
        return 0;
    t = s->trust = xcalloc(1, sizeof(*t));
    for (uint32_t i = 0; i < tc->noperators; i++) {
        struct jwt_claims *c = NULL;
        if (jwt_decode(tc->operator_jwts[i], strlen(tc->operator_jwts[i]), &c) != JWT_OK) {
            log_printf(&s->log, LOG_FTL, "error parsing operator JWT");
            return -1;
        }
        t->operators = xrealloc(t->operators, (t->noperators + 1) * sizeof(*t->operators));
        t->operators[t->noperators++] = c;
        /* validateTrustedOperators: the operator's own key unless strict signing */
        if (!c->u.op.strict_signing_key_usage)
            add_key(t, c->sub);
        for (size_t k = 0; k < c->u.op.signing_keys.n; k++)
            add_key(t, c->u.op.signing_keys.v[k]);
    }
    for (uint32_t i = 0; i < tc->ntrusted; i++)
        add_key(t, tc->trusted_keys[i]);
    t->explicit_system_account = s->opts.auth.system_account && *s->opts.auth.system_account;
    for (uint32_t i = 0; i < tc->npreload; i++) {
        const struct trust_preload *p = &tc->preload[i];
        struct trust_account *ta;
        struct jwt_claims *c = NULL;

        if (jwt_decode(p->jwt, strlen(p->jwt), &c) != JWT_OK || c->kind != JWT_KIND_ACCOUNT) {
            jwt_claims_free(c);
            log_printf(&s->log, LOG_FTL, "invalid account JWT");
            return -1;
        }
        t->accounts = xrealloc(t->accounts, (t->naccounts + 1) * sizeof(*t->accounts));
        ta = &t->accounts[t->naccounts++];
        ta->pub = xstrdup(p->account);
        ta->claims = c;
        /* signed by a trusted operator key, and naming the account it is preloaded as */
        ta->trusted = trust_key_trusted(s, c->iss) && strcmp(c->sub, p->account) == 0;
        if (!ta->trusted)
            log_printf(&s->log, LOG_DBG, "Account JWT not signed by trusted operator: %s",
                       p->account);
        ta->acc = account_find(s, p->account);
        if (!ta->acc)
            ta->acc = account_add(s, p->account);
    }
    return 0;
}

/* Go's time.Time String() of a unix time, in UTC. */
static void go_time(int64_t t, char *out, size_t n)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, n, "%Y-%m-%d %H:%M:%S +0000 UTC", &tm);
}

void trust_log_banner(struct server *s)
{
    const struct trust *t = s->trust;
    char when[64];

    if (!t || t->noperators == 0)
        return;
    log_printf(&s->log, LOG_INF, "Trusted Operators");
    for (uint32_t i = 0; i < t->noperators; i++) {
        const struct jwt_claims *c = t->operators[i];
        log_printf(&s->log, LOG_INF, "  System  : \"%s\"",
                   c->u.op.system_account ? c->u.op.system_account : "");
        log_printf(&s->log, LOG_INF, "  Operator: \"%s\"", c->name ? c->name : "");
        go_time(c->iat, when, sizeof(when));
        log_printf(&s->log, LOG_INF, "  Issued  : %s", when);
        if (c->exp > 0)
            go_time(c->exp, when, sizeof(when));
        log_printf(&s->log, LOG_INF, "  Expires : %s", c->exp > 0 ? when : "Never");
    }
    if (!t->explicit_system_account)
        log_printf(&s->log, LOG_WRN, "Trusted Operators should utilize a System Account");
}

void trust_free(struct server *s)
{
    struct trust *t = s->trust;
    if (!t)
        return;
    for (uint32_t i = 0; i < t->noperators; i++)
        jwt_claims_free(t->operators[i]);
    free(t->operators);
    for (uint32_t i = 0; i < t->nkeys; i++)
        free(t->keys[i]);
    free(t->keys);
    for (uint32_t i = 0; i < t->naccounts; i++) {
        free(t->accounts[i].pub);
        jwt_claims_free(t->accounts[i].claims);
    }
    free(t->accounts);
    free(t);
    s->trust = NULL;
}
