/* Authentication at CONNECT and permission checks on PUB/SUB (mirrors server/auth.go
 * processClientOrLeafAuthentication and client.go pubAllowed / canSubscribe, 2.9.10).
 * Owner loop only. */
#include "server/client_auth.h"

#include "auth/password.h"
#include "core/clock.h"
#include "core/xmalloc.h"
#include "sublist/subject.h"
#include "server/account.h"
#include "server/auth.h"
#include "server/client.h"
#include "server/connect.h"
#include "server/server.h"
#include "server/tls.h"
#include "server/trust.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool str_eq(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}


/* comparePasswords: a missing secret is the empty one on either side. */
static bool secret_ok(const char *configured, const char *given)
{
    return auth_password_matches(configured ? configured : "", given ? given : "");
}

/* Binds c to user u: its account, and its permissions (the user's, else the account's
 * default, else the authorization block's default). */
static void bind_user(struct client *c, const struct user_conf *u)
{
    struct server *s = c->srv;
    const struct auth_conf *a = &s->opts.auth;
    struct account *acc = u && u->account ? account_find(s, u->account) : s->gacc;
    const struct account_conf *ac = u && u->account ? auth_find_account(a, u->account) : NULL;

    c->user = u;
    c->acc = acc ? acc : s->gacc;
    c->perms = u && u->perms                 ? u->perms
               : ac && ac->default_perms     ? ac->default_perms
               : u                           ? a->default_perms
                                             : NULL;
}

void client_auth_init(struct client *c)
{
    struct server *s = c->srv;
    const struct auth_conf *a = &s->opts.auth;

    if (a->no_auth_user && *a->no_auth_user)
        bind_user(c, auth_find_user(a, a->no_auth_user));
}

static void keep(char **dst, const char *src)
{
    if (*dst == src)
        return;
    free(*dst);
    *dst = src && *src ? xstrdup(src) : NULL;
}

/* verify_and_map (auth.go checkClientTLSCertSubject): the certificate's SAN names as exact
 * user names, then a user whose name is the subject DN (equal, then a reordered subset),
 * then the DN string itself. */
static const struct user_conf *user_from_cert(const struct auth_conf *a,
                                              const struct tls_peer_ids *ids)
{
    const struct user_conf *u;

    for (size_t i = 0; i < ids->n_sans; i++) {
        if ((u = auth_find_user(a, ids->names[i])))
            return u;
    }
    if (!ids->dn)
        return NULL;
    for (int want = TLS_DN_EQUAL; want >= TLS_DN_SUBSET; want--) {
        for (uint32_t i = 0; i < a->nusers; i++) {
            if (a->users[i].name && (int)tls_dn_match(a->users[i].name, ids->dn) == want)
                return &a->users[i];
        }
    }
    return auth_find_user(a, ids->dn);
}

bool client_authenticate(struct client *c, const struct connect_opts *co)
{
    struct server *s = c->srv;
    const struct options *o = &s->opts;
    const struct auth_conf *a = &o->auth;

    keep(&c->cred_user, co->user);
    keep(&c->cred_pass, co->pass);
    keep(&c->cred_token, co->auth_token);
    if (s->trust) { /* operator mode: a user JWT, nothing else */
        bool answered;
        return client_jwt_authenticate(c, co, &answered);
    }
    if (co->has_account)
        return false; /* operator-mode account binding: no operator configured */
    if (a->nusers > 0 && o->tlsc.map) {
        const struct user_conf *u;
        if (!c->tls_ids)
            return false;
        if (co->user && *co->user)
            client_log(c, LOG_WRN, "User \"%s\" found in connect proto, but user required from cert",
                       co->user);
        u = user_from_cert(a, c->tls_ids);
        if (!u)
            return false;
        bind_user(c, u);
        return true;
    }
    if (co->nkey && *co->nkey && s->nonce_required) {
        const struct user_conf *u = client_nkey_check(c, co);
        if (u)
            bind_user(c, u);
        return u != NULL;
    }
    if (a->nusers > 0) {
        const char *name = co->user;
        const struct user_conf *u;
        bool no_creds = (!name || !*name) && (!co->pass || !*co->pass) &&
                        (!co->auth_token || !*co->auth_token) && (!co->nkey || !*co->nkey) &&
                        (!co->jwt || !*co->jwt);
        if (no_creds && a->no_auth_user && *a->no_auth_user) {
            bind_user(c, auth_find_user(a, a->no_auth_user));
            return c->user != NULL;
        }
        if (!name || !*name)
            return false;
        u = auth_find_user(a, name);
        if (!u || !secret_ok(u->password, co->pass))
            return false;
        if (u->conn_types && !(u->conn_types & CONN_TYPE_STANDARD))
            return false; /* allowed_connection_types without STANDARD */
        bind_user(c, u);
        return true;
    }
    if (!s->auth_required)
        return true;
    if (o->auth_token && *o->auth_token)
        return co->auth_token && auth_token_matches(o->auth_token, co->auth_token);
    return co->user && str_eq(co->user, o->username) && secret_ok(o->password, co->pass);
}

const char *client_auth_name(const struct client *c, char *buf, size_t len)
{
    if (client_jwt_user(c))
        snprintf(buf, len, "JWT User \"%s\"", client_jwt_user(c));
    else if (c->user && c->user->name)
        snprintf(buf, len, "User \"%s\"", c->user->name);
    else if (c->user && c->user->nkey)
        snprintf(buf, len, "Nkey \"%s\"", c->user->nkey);
    else
        snprintf(buf, len, "User \"\"");
    return buf;
}

bool client_may_publish(struct client *c, const char *subject, uint32_t len)
{
    const struct permissions *p = c->perms;
    bool ok;

    if (!p || perms_pub_allowed(p, subject, len))
        return true;
    if (!p->resp)
        return false;
    pthread_mutex_lock(&c->mu);
    ok = replies_use(&c->replies, subject, len, clock_mono_ms(), p->resp_max,
                     p->resp_expires_ms);
    pthread_mutex_unlock(&c->mu);
    return ok;
}

bool client_reauthenticate(struct client *c)
{
    struct server *s = c->srv;
    const struct auth_conf *a = &s->opts.auth;
    struct connect_opts co;
    struct account *old = c->acc;

    if (!c->connected)
        return true; /* it will authenticate at its CONNECT, against the new config */
    if (s->trust) /* operator mode (not reloadable): the JWT is only checked again */
        return client_jwt_user(c) && client_jwt_recheck(c, clock_wall_ns() / 1000000000LL);
    if (c->user && c->user->nkey && client_nkey_of(c)) {
        /* an nkey user proved its key at CONNECT: find that key in the new users */
        const struct user_conf *u = auth_find_nkey(a, client_nkey_of(c));
        if (!u || (u->conn_types && !(u->conn_types & CONN_TYPE_STANDARD)))
            return false;
        c->user = NULL;
        c->perms = NULL;
        bind_user(c, u);
    } else {
        memset(&co, 0, sizeof(co));
        co.user = c->cred_user;
        co.pass = c->cred_pass;
        co.auth_token = c->cred_token;
        c->user = NULL;
        c->perms = NULL;
        if (!client_authenticate(c, &co))
            return false;
    }
    if (c->acc != old) {
        c->acc = old; /* its subscriptions live in the old account */
        return false;
    }
    /* deliveries on other loops read check_deny without c->mu: set it now, with every loop
     * parked (threads-and-locks.md T9), not in the owner's later clean-up */
    pthread_mutex_lock(&c->mu);
    for (uint32_t i = 0; i < c->subs.cap; i++) {
        struct subscription *sub = c->subs.slots[i];
        if (sub)
            sub->check_deny = c->perms && c->perms->sub_deny.n > 0 &&
                              subj_has_wildcard(sub->sl.subject, sub->sl.subject_len);
    }
    pthread_mutex_unlock(&c->mu);
    return true;
}

void client_drop_forbidden_subs(struct client *c)
{
    struct subscription **gone = NULL;
    uint32_t ngone = 0;

    pthread_mutex_lock(&c->mu);
    for (uint32_t i = 0; i < c->subs.cap; i++) {
        struct subscription *sub = c->subs.slots[i];
        if (!sub)
            continue;
        if (c->perms && !perms_sub_allowed(c->perms, sub->sl.subject, sub->sl.subject_len,
                                           sub->sl.queue, sub->sl.queue_len)) {
            gone = xrealloc(gone, (ngone + 1) * sizeof(*gone));
            gone[ngone++] = sub;
        }
    }
    for (uint32_t i = 0; i < ngone; i++) {
        client_ref(c); /* the sub's ref on c may go with sl_remove below */
        client_sub_detach_locked(c, gone[i]);
    }
    pthread_mutex_unlock(&c->mu);
    for (uint32_t i = 0; i < ngone; i++) {
        struct subscription *sub = gone[i];
        char text[1200], who[300];
        snprintf(text, sizeof(text), "Permissions Violation for Subscription to \"%s\" (sid \"%s\")",
                 sub->sl.subject, sub->sid);
        client_log(c, LOG_INF, "Removed sub \"%s\" (sid \"%s\") for %s - not authorized",
                   sub->sl.subject, sub->sid, client_auth_name(c, who, sizeof(who)));
        client_send_err(c, text);
        sl_remove(sub->acc->sl, &sub->sl);
        client_unref(c);
    }
    free(gone);
}
