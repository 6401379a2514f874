/* Authentication at CONNECT and permission checks on PUB/SUB (mirrors server/auth.go
 * processClientOrLeafAuthentication and client.go pubAllowed / canSubscribe, 2.9.10).
 * Owner loop only. */
#include "server/client_auth.h"

#include "auth/password.h"
#include "core/clock.h"
#include "server/account.h"
#include "server/auth.h"
#include "server/client.h"
#include "server/connect.h"
#include "server/server.h"
#include "server/trust.h"

#include <stdio.h>
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

bool client_authenticate(struct client *c, const struct connect_opts *co)
{
    struct server *s = c->srv;
    const struct options *o = &s->opts;
    const struct auth_conf *a = &o->auth;

    if (s->trust) { /* operator mode: a user JWT, nothing else */
        bool answered;
        return client_jwt_authenticate(c, co, &answered);
    }
    if (co->has_account)
        return false; /* operator-mode account binding: no operator configured */
    if (co->nkey && *co->nkey && s->nonce_required) {
        const struct user_conf *u = client_nkey_check(c, co);
        if (u)
            bind_user(c, u);
        return u != NULL;
    }
    if (a->nusers > 0) {
        const char *name = co->user;
        const struct user_conf *u;
        if ((!name || !*name) && a->no_auth_user && *a->no_auth_user) {
            bind_user(c, auth_find_user(a, a->no_auth_user));
            return c->user != NULL;
        }
        if (!name || !*name)
            return false;
        u = auth_find_user(a, name);
        if (!u || !secret_ok(u->password, co->pass))
            return false;
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
