/* nkey and JWT authentication of a client (mirrors server/auth.go 2.9.10
 * processClientOrLeafAuthentication's nkey and trusted-keys paths, buildInternalNkeyUser,
 * client.go applyAccountLimits / setExpiration / authExpired). Owner loop only, except
 * client_jwt_recheck (whoever re-authenticates, under its own locking). See trust.h. */
#include "server/trust.h"

#include "auth/jwt.h"
#include "auth/nkeys.h"
#include "auth/nonce.h"
#include "core/clock.h"
#include "core/xmalloc.h"
#include "server/account.h"
#include "server/auth.h"
#include "server/client.h"
#include "server/connect.h"
#include "server/server.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CONTAINER(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))
#define NS_PER_MS 1000000LL

/* What a nkey or JWT client keeps: enough to check it again later (re-authentication) and
 * the permissions its deliveries read (freed with the client, never before). */
struct client_jwt {
    char *nkey;                /* the user's public key (nkey users and JWT users) */
    char *jwt, *sig;           /* CONNECT's (jwt NULL for nkey users) */
    char *account;             /* the account's public key (JWT users) */
    struct jwt_claims *claims; /* the user JWT */
    struct permissions *perms; /* from the JWT (or the account's defaults); NULL: none */
    struct client_jwt *prev;   /* an earlier CONNECT's: its perms may still be read */
};

void client_jwt_free(struct client_jwt *j)
{
    if (!j)
        return;
    client_jwt_free(j->prev);
    free(j->nkey);
    free(j->jwt);
    free(j->sig);
    free(j->account);
    jwt_claims_free(j->claims);
    perms_free(j->perms);
    free(j);
}

static int64_t now_unix(void)
{
    return clock_wall_ns() / 1000000000LL;
}

void client_nonce_init(struct client *c)
{
    c->nonce[0] = '\0';
    if (c->srv->nonce_required && auth_nonce_new(c->nonce, sizeof(c->nonce)) != 0)
        c->nonce[0] = '\0'; /* no randomness: every signature check then fails */
}

void client_auth_failed_log(struct client *c, const struct connect_opts *co)
{
    struct server *s = c->srv;
    bool nkeys = false;

    for (uint32_t i = 0; i < s->opts.auth.nusers; i++)
        nkeys |= s->opts.auth.users[i].nkey != NULL;
    if (s->trust)
        client_log(c, LOG_ERR, "authentication error");
    else if (nkeys)
        client_log(c, LOG_ERR, "authentication error - Nkey \"%s\"", co->nkey ? co->nkey : "");
    else if (co->user)
        client_log(c, LOG_ERR, "authentication error - User \"%s\"", co->user ? co->user : "");
    else
        client_log(c, LOG_ERR, "authentication error");
}

/* ---- nkey users ---- */

/* Earlier CONNECTs' states stay allocated (see struct client_jwt.prev); a client that keeps
 * re-authenticating is refused after this many, so that it cannot grow them without bound. */
#define MAX_REAUTH 8

static bool too_many_connects(struct client *c)
{
    int n = 0;
    for (const struct client_jwt *j = c->jwt; j; j = j->prev)
        n++;
    if (n < MAX_REAUTH)
        return false;
    client_log(c, LOG_DBG, "Too many CONNECTs");
    return true;
}

static struct client_jwt *remember(struct client *c, const char *nkey)
{
    struct client_jwt *j = xcalloc(1, sizeof(*j));
    j->nkey = xstrdup(nkey);
    j->prev = c->jwt; /* another CONNECT: deliveries may still hold the old permissions */
    c->jwt = j;
    return j;
}

const struct user_conf *client_nkey_check(struct client *c, const struct connect_opts *co)
{
    const struct user_conf *u = auth_find_nkey(&c->srv->opts.auth, co->nkey);

    if (!u || (u->conn_types && !(u->conn_types & CONN_TYPE_STANDARD)) || too_many_connects(c))
        return NULL;
    if (!co->sig || !*co->sig) {
        client_log(c, LOG_DBG, "Signature missing");
        return NULL;
    }
    if (!nk_is_valid_public(co->nkey, NK_USER)) {
        client_log(c, LOG_DBG, "User nkey not valid: %s", co->nkey);
        return NULL;
    }
    if (!auth_verify_nonce_sig(co->nkey, c->nonce, co->sig)) {
        client_log(c, LOG_DBG, "Signature not verified");
        return NULL;
    }
    remember(c, co->nkey)->sig = xstrdup(co->sig);
    return u;
}

/* ---- JWT users ---- */

/* One permission list from a JWT list; subscribe entries "subject queue" carry a queue. */
static void perm_list_from(struct perm_list *pl, const struct jwt_strlist *l, bool sub)
{
    pl->set = l->n > 0;
    pl->n = 0;
    pl->v = l->n ? xcalloc(l->n, sizeof(*pl->v)) : NULL;
    for (size_t i = 0; i < l->n; i++) {
        const char *s = l->v[i], *sp = sub ? strchr(s, ' ') : NULL;
        struct perm_entry *e = &pl->v[pl->n++];
        if (sp) {
            e->subject = xstrndup(s, (size_t)(sp - s));
            while (*sp == ' ')
                sp++;
            e->queue = *sp ? xstrdup(sp) : NULL;
        } else {
            e->subject = xstrdup(s);
        }
    }
}

/* buildInternalNkeyUser's permissions; NULL when the JWT has none. */
static struct permissions *perms_from_jwt(const struct jwt_permissions *jp)
{
    struct permissions *p;
    bool pub = jp->pub.allow.n || jp->pub.deny.n, sub = jp->sub.allow.n || jp->sub.deny.n;

    if (!pub && !sub && !jp->has_resp)
        return NULL;
    p = xcalloc(1, sizeof(*p));
    perm_list_from(&p->pub_allow, &jp->pub.allow, false);
    perm_list_from(&p->pub_deny, &jp->pub.deny, false);
    perm_list_from(&p->sub_allow, &jp->sub.allow, true);
    perm_list_from(&p->sub_deny, &jp->sub.deny, true);
    if (jp->has_resp) {
        /* validateResponsePermissions: only replies may be published unless allowed */
        p->pub_allow.set = true;
        p->resp = true;
        p->resp_max = jp->resp_max != 0 ? jp->resp_max : DEFAULT_RESP_MAX;
        p->resp_expires_ms =
            jp->resp_ttl_ns != 0 ? jp->resp_ttl_ns / NS_PER_MS : DEFAULT_RESP_EXPIRES_MS;
    }
    return p;
}

/* jwt's HasEmptyPermissions: the user's permissions and limits are Go's zero value (limits 0,
 * not -1: a user JWT with "no limit" values is not empty). */
static bool user_has_no_perms_or_limits(const struct jwt_user_limits *l)
{
    const struct jwt_permissions *p = &l->perms;
    return !p->pub.allow.n && !p->pub.deny.n && !p->sub.allow.n && !p->sub.deny.n && !p->has_resp &&
           !l->src.n && !l->ntimes && !l->locale && l->subs == 0 && l->data == 0 &&
           l->payload == 0 && !l->bearer_token && !l->allowed_connection_types.n;
}

/* connectionTypeAllowed for a plain client: an empty list allows all; otherwise STANDARD must
 * be on it. */
static bool conn_type_allowed(const struct jwt_strlist *l)
{
    if (l->n == 0)
        return true;
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], "STANDARD") == 0)
            return true;
    return false;
}

/* True if ip (text) is inside cidr ("a.b.c.d/n", "x::/n", or a bare address). */
static bool ip_in_cidr(const char *ip, const char *cidr)
{
    unsigned char a[16], n[16];
    char net[64];
    const char *slash = strchr(cidr, '/');
    int fam = strchr(cidr, ':') ? AF_INET6 : AF_INET, bits, len = fam == AF_INET6 ? 16 : 4;
    size_t nl = slash ? (size_t)(slash - cidr) : strlen(cidr);

    if (nl >= sizeof(net))
        return false;
    memcpy(net, cidr, nl);
    net[nl] = '\0';
    bits = slash ? atoi(slash + 1) : len * 8;
    if (bits < 0 || bits > len * 8 || inet_pton(fam, net, n) != 1 || inet_pton(fam, ip, a) != 1)
        return false;
    for (int i = 0; i < len && bits > 0; i++, bits -= 8) {
        unsigned char mask = bits >= 8 ? 0xff : (unsigned char)(0xff << (8 - bits));
        if ((a[i] & mask) != (n[i] & mask))
            return false;
    }
    return true;
}

static bool src_allowed(const struct client *c, const struct jwt_strlist *src)
{
    if (src->n == 0)
        return true;
    for (size_t i = 0; i < src->n; i++)
        if (ip_in_cidr(c->host, src->v[i]))
            return true;
    return false;
}

/* "15:04:05" -> seconds of the day, or -1. */
static int hms(const char *s)
{
    int h, m, sec;
    char extra;
    if (!s || sscanf(s, "%d:%d:%d%c", &h, &m, &sec, &extra) != 3 || h < 0 || h > 23 || m < 0 ||
        m > 59 || sec < 0 || sec > 59)
        return -1;
    return h * 3600 + m * 60 + sec;
}

/* validateTimes: with time ranges, now (server local time) must be inside one; *left gets the
 * seconds until it ends. times_location is not applied (see docs/configuration.md). */
static bool times_allowed(const struct jwt_user_limits *l, int64_t *left)
{
    time_t now = time(NULL);
    struct tm tm;
    int sod;

    *left = -1;
    if (l->ntimes == 0)
        return true;
    localtime_r(&now, &tm);
    sod = tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
    for (size_t i = 0; i < l->ntimes; i++) {
        int a = hms(l->times[i].start), b = hms(l->times[i].end);
        if (a < 0 || b < 0)
            continue;
        if (a <= b && sod >= a && sod < b) {
            *left = b - sod;
            return true;
        }
        if (a > b && (sod >= a || sod < b)) { /* over midnight */
            *left = sod >= a ? 86400 - sod + b : b - sod;
            return true;
        }
    }
    return false;
}

/* minLimit: the smaller of two limits where -1 is none. */
static int64_t min_limit(int64_t v, int64_t lim)
{
    if (v != JWT_NO_LIMIT)
        return lim != JWT_NO_LIMIT && lim < v ? lim : v;
    return lim;
}

static void jwt_timer_cb(struct loop *lp, struct timer *t)
{
    struct client *c = CONTAINER(t, struct client, jwt_timer);
    (void)lp;
    if (c->closed)
        return;
    client_log(c, LOG_DBG, "%s", proto_err_text(ERRT_AUTH_EXPIRED));
    client_send_err(c, proto_err_text(ERRT_AUTH_EXPIRED));
    client_close(c, CLOSE_AUTH_EXPIRED);
}

/* Applies the user's and the account's subscription and payload limits (applyAccountLimits). */
static void apply_limits(struct client *c, const struct jwt_user_limits *ul,
                         const struct jwt_account_limits *al)
{
    int64_t subs = min_limit(ul->subs, al->subs), pay = min_limit(ul->payload, al->payload);
    int64_t srv_subs = c->srv->opts.max_subs > 0 ? c->srv->opts.max_subs : JWT_NO_LIMIT;

    subs = min_limit(subs, srv_subs);
    c->max_subs = subs == JWT_NO_LIMIT ? -1 : subs > INT32_MAX ? INT32_MAX : (int)subs;
    pay = min_limit(pay, c->srv->opts.max_payload);
    if (pay != JWT_NO_LIMIT)
        c->ps.max_payload = pay;
}

/* The checks that hold for the whole life of the connection (also used by recheck): the
 * user JWT's times, the account is known, trusted and current, the issuer fits, no
 * revocation. On success *ta is the account. */
static bool user_still_valid(struct client *c, const struct jwt_claims *uc, int64_t now,
                             const struct trust_account **ta_out,
                             const struct jwt_signing_key **sk_out)
{
    const char *accpub = uc->u.user.issuer_account && *uc->u.user.issuer_account
                             ? uc->u.user.issuer_account
                             : uc->iss;
    const struct trust_account *ta;
    const struct jwt_signing_key *sk = NULL;

    if (jwt_is_expired(uc, now) || jwt_is_not_yet_valid(uc, now)) {
        client_log(c, LOG_DBG, "User JWT not valid: %s",
                   jwt_is_expired(uc, now) ? "claim is expired" : "claim is not yet valid");
        return false;
    }
    ta = trust_find_account(c->srv, accpub);
    if (!ta || !ta->trusted) {
        client_log(c, LOG_DBG, "Account JWT lookup error: %s", ta ? "not trusted" : "missing");
        return false;
    }
    if (strcmp(uc->iss, ta->pub) != 0) {
        sk = jwt_account_signing_key(&ta->claims->u.acc, uc->iss);
        if (!sk) {
            client_log(c, LOG_DBG, "User JWT issuer is not known");
            return false;
        }
    }
    if (jwt_is_expired(ta->claims, now)) {
        client_log(c, LOG_DBG, "Account JWT has expired");
        return false;
    }
    if (jwt_is_revoked(ta->claims->u.acc.revocations, ta->claims->u.acc.nrevocations, uc->sub,
                       uc->iat)) {
        client_log(c, LOG_DBG, "User authentication revoked");
        return false;
    }
    *ta_out = ta;
    if (sk_out)
        *sk_out = sk;
    return true;
}

bool client_jwt_authenticate(struct client *c, const struct connect_opts *co, bool *answered)
{
    struct jwt_claims *uc = NULL;
    const struct trust_account *ta = NULL;
    const struct jwt_signing_key *sk = NULL;
    const struct jwt_user_limits *lim;
    struct client_jwt *j;
    int64_t now = now_unix(), tleft = -1;
    int rc;

    *answered = false;
    if (too_many_connects(c))
        return false;
    if (!co->jwt || !*co->jwt) {
        client_log(c, LOG_DBG, "Authentication requires a user JWT");
        return false;
    }
    rc = jwt_decode(co->jwt, strlen(co->jwt), &uc);
    if (rc != JWT_OK || uc->kind != JWT_KIND_USER) {
        client_log(c, LOG_DBG, "User JWT not valid: %s",
                   rc != JWT_OK ? jwt_strerror(rc) : "not user claim");
        jwt_claims_free(uc);
        return false;
    }
    lim = &uc->u.user.lim;
    if (!conn_type_allowed(&lim->allowed_connection_types)) {
        client_log(c, LOG_DBG, "Connection type not allowed");
        goto fail;
    }
    if (!user_still_valid(c, uc, now, &ta, &sk))
        goto fail;
    if (sk && sk->scoped) {
        if (!user_has_no_perms_or_limits(lim)) {
            client_log(c, LOG_DBG,
                       "User JWT is not valid: scoped users can not have "
                       "permissions or limits");
            goto fail;
        }
        lim = &sk->tmpl;
    }
    if (lim->bearer_token && ta->claims->u.acc.limits.disallow_bearer) {
        client_log(c, LOG_DBG, "User JWT issued with bearer token but account disallows them");
        goto fail;
    }
    if (!lim->bearer_token) {
        if (!co->sig || !*co->sig) {
            client_log(c, LOG_DBG, "Signature missing");
            goto fail;
        }
        if (!auth_verify_nonce_sig(uc->sub, c->nonce, co->sig)) {
            client_log(c, LOG_DBG, "Signature not verified");
            goto fail;
        }
    }
    if (!src_allowed(c, &lim->src)) {
        client_log(c, LOG_DBG, "Client IP not allowed: %s", c->host);
        goto fail;
    }
    if (!times_allowed(lim, &tleft)) {
        client_log(c, LOG_DBG, "Outside connect times");
        goto fail;
    }
    /* the account's connection limit: -ERR of its own, not an authorization violation */
    if (ta->claims->u.acc.limits.conn != JWT_NO_LIMIT &&
        atomic_load(&ta->acc->nconns) >= ta->claims->u.acc.limits.conn) {
        client_log(c, LOG_ERR, "%s", proto_err_text(ERRT_MAX_ACCOUNT_CONNS));
        client_send_err(c, proto_err_text(ERRT_MAX_ACCOUNT_CONNS));
        client_close(c, CLOSE_MAX_ACCOUNT_CONNS);
        *answered = true;
        jwt_claims_free(uc);
        return false;
    }

    j = remember(c, uc->sub);
    j->jwt = xstrdup(co->jwt);
    j->sig = co->sig ? xstrdup(co->sig) : NULL;
    j->account = xstrdup(ta->pub);
    j->claims = uc;
    j->perms = perms_from_jwt(&lim->perms);
    if (!j->perms)
        j->perms = perms_from_jwt(&ta->claims->u.acc.default_permissions);
    c->user = NULL;
    c->acc = ta->acc;
    c->perms = j->perms;
    apply_limits(c, lim, &ta->claims->u.acc.limits);
    client_log(c, LOG_DBG,
               "Authenticated JWT: Client \"%s\" (claim-name: \"%s\") signed with \"%s\" by "
               "Account \"%s\" (claim-name: \"%s\") signed with \"%s\"",
               uc->sub, uc->name ? uc->name : "", uc->iss, ta->pub,
               ta->claims->name ? ta->claims->name : "", ta->claims->iss);
    /* setExpiration: the JWT's exp, or the end of the connect-time window */
    timer_cancel(c->loop, &c->jwt_timer);
    {
        int64_t left_ms = -1;
        if (uc->exp > 0)
            left_ms = (uc->exp - now) * 1000 - (clock_wall_ns() / NS_PER_MS) % 1000;
        if (tleft >= 0 && (left_ms < 0 || tleft * 1000 < left_ms))
            left_ms = tleft * 1000;
        if (left_ms >= 0) {
            c->jwt_timer.cb = jwt_timer_cb;
            timer_arm(c->loop, &c->jwt_timer, clock_mono_ms() + (left_ms > 0 ? left_ms : 0));
        }
    }
    return true;
fail:
    jwt_claims_free(uc);
    return false;
}

bool client_jwt_recheck(struct client *c, int64_t now)
{
    const struct trust_account *ta = NULL;
    if (!c->jwt || !c->jwt->claims)
        return true; /* not a JWT user: nothing of ours to check */
    if (!user_still_valid(c, c->jwt->claims, now, &ta, NULL))
        return false;
    return strcmp(ta->pub, c->jwt->account) == 0;
}

const char *client_nkey_of(const struct client *c)
{
    return c->jwt ? c->jwt->nkey : NULL;
}

const char *client_jwt_user(const struct client *c)
{
    return c->jwt && c->jwt->claims ? c->jwt->nkey : NULL;
}
