/* Operator mode at run time: the trusted keys and the preloaded accounts (see trust.h). Built
 * once at start by accounts_init and read-only afterwards, so any loop may read it. */
#include "server/trust.h"

#include "auth/jwt.h"
#include "core/clock.h"
#include "core/xmalloc.h"
#include "sublist/subject.h"
#include "server/account.h"
#include "server/server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void wire_imports(struct server *s, const struct trust_account *ta, int64_t now);
static int validate_imports(struct server *s, const struct trust_account *ta);

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
    for (uint32_t i = 0; i < t->naccounts; i++)
        if (t->accounts[i].trusted && validate_imports(s, &t->accounts[i]) > 0)
            t->accounts[i].trusted = false; /* "account validation failed" */
    for (uint32_t i = 0; i < t->naccounts; i++)
        if (t->accounts[i].trusted)
            wire_imports(s, &t->accounts[i], clock_wall_ns() / 1000000000LL);
    return 0;
}

/* The export of exporter that import im may use, or NULL (same kind, a subject the import's
 * fits in). */
static const struct jwt_export *find_export(const struct jwt_account *ex,
                                            const struct jwt_import *im)
{
    for (size_t i = 0; i < ex->nexports; i++) {
        const struct jwt_export *x = &ex->exports[i];
        if (x->type == im->type && x->subject && im->subject &&
            subj_matches(x->subject, strlen(x->subject), im->subject, strlen(im->subject)))
            return x;
    }
    return NULL;
}

/* An import of a token_req export needs an activation JWT issued by the exporter (or one of
 * its signing keys) to this importer, for a subject covering the import, of the same kind,
 * not expired and not revoked by the export (jwt ActivationClaims, the reference's
 * checkActivation). */
static bool activation_ok(const struct trust_account *exporter, const char *importer,
                          const struct jwt_import *im, const struct jwt_export *x, int64_t now)
{
    struct jwt_claims *ac = NULL;
    json_t *nats;
    const char *subj, *kind;
    bool ok = false;

    if (!im->token || jwt_decode(im->token, strlen(im->token), &ac) != JWT_OK)
        return false;
    nats = json_object_get(ac->payload, "nats");
    subj = json_string_value(json_object_get(nats, "subject"));
    kind = json_string_value(json_object_get(nats, "kind"));
    if (ac->kind == JWT_KIND_ACTIVATION && ac->sub && strcmp(ac->sub, importer) == 0 &&
        (strcmp(ac->iss, exporter->pub) == 0 ||
         jwt_account_signing_key(&exporter->claims->u.acc, ac->iss)) &&
        subj && kind && !jwt_is_expired(ac, now) && !jwt_is_not_yet_valid(ac, now) && subj &&
        subj_matches(subj, strlen(subj), im->subject, strlen(im->subject)) &&
        (!kind || strcmp(kind, im->type == JWT_EXPORT_SERVICE ? "service" : "stream") == 0) &&
        !jwt_is_revoked(x->revocations, x->nrevocations, importer, ac->iat))
        ok = true;
    jwt_claims_free(ac);
    return ok;
}

/* jwt Import.Validate's blocking errors for account ta (importer): a bad import type or
 * missing exporter, and an activation token that does not decode, was not issued by the
 * exporter, is for another account, another kind or a subject not covering the import. The
 * reference then refuses to load the account ("has validation issues"). Logs them; returns
 * the number found. */
static int validate_imports(struct server *s, const struct trust_account *ta)
{
    const struct jwt_account *a = &ta->claims->u.acc;
    char issues[8][320];
    int n = 0;

    for (size_t i = 0; i < a->nimports && n < 8; i++) {
        const struct jwt_import *im = &a->imports[i];
        const char *subj = im->subject ? im->subject : "";
        struct jwt_claims *ac = NULL;

        if (im->type != JWT_EXPORT_STREAM && im->type != JWT_EXPORT_SERVICE)
            snprintf(issues[n++], sizeof(issues[0]), "invalid import type: \"%s\"", subj);
        else if (!im->account || !*im->account)
            snprintf(issues[n++], sizeof(issues[0]), "account to import from is not specified");
        else if (im->token && *im->token) {
            json_t *nats;
            const char *isa, *asub, *kind;
            const char *want = im->type == JWT_EXPORT_SERVICE ? "service" : "stream";
            if (jwt_decode(im->token, strlen(im->token), &ac) != JWT_OK ||
                ac->kind != JWT_KIND_ACTIVATION) {
                snprintf(issues[n++], sizeof(issues[0]),
                         "import \"%s\" contains an invalid activation token", subj);
                jwt_claims_free(ac);
                continue;
            }
            nats = json_object_get(ac->payload, "nats");
            isa = json_string_value(json_object_get(nats, "issuer_account"));
            asub = json_string_value(json_object_get(nats, "subject"));
            kind = json_string_value(json_object_get(nats, "kind"));
            if (strcmp(ac->iss, im->account) != 0 && !(isa && strcmp(isa, im->account) == 0))
                snprintf(issues[n++], sizeof(issues[0]),
                         "activation token doesn't match account for import \"%s\"", subj);
            else if (!ac->sub || strcmp(ac->sub, ta->pub) != 0)
                snprintf(issues[n++], sizeof(issues[0]),
                         "activation token doesn't match account it is being included in, "
                         "\"%s\"",
                         subj);
            else if (!kind || strcmp(kind, want) != 0)
                snprintf(issues[n++], sizeof(issues[0]),
                         "mismatch between token import type %s and type of import %s",
                         kind ? kind : "", want);
            else if (!asub || !subj_matches(asub, strlen(asub), subj, strlen(subj)))
                snprintf(issues[n++], sizeof(issues[0]),
                         "activation token import subject \"%s\" doesn't match import \"%s\"",
                         asub ? asub : "", subj);
            jwt_claims_free(ac);
        }
    }
    if (n > 0) {
        log_printf(&s->log, LOG_WRN, "Account [%s] has validation issues:", ta->pub);
        for (int i = 0; i < n; i++)
            log_printf(&s->log, LOG_WRN, "  - %s", issues[i]);
    }
    return n;
}

/* Wires the imports of the preloaded account ta; invalid ones are skipped with a warning, as
 * the reference does (the account still loads). */
static void wire_imports(struct server *s, const struct trust_account *ta, int64_t now)
{
    const struct jwt_account *a = &ta->claims->u.acc;

    for (size_t i = 0; i < a->nimports; i++) {
        const struct jwt_import *im = &a->imports[i];
        const struct trust_account *ex = trust_find_account(s, im->account);
        const struct jwt_export *x = NULL;
        const char *why = NULL;
        struct import_conf ic = {0};
        struct export_conf xc = {0};

        if (im->type != JWT_EXPORT_STREAM && im->type != JWT_EXPORT_SERVICE)
            why = "unknown import type";
        else if (!ex || !ex->trusted)
            why = "exporting account not found";
        else if (!(x = find_export(&ex->claims->u.acc, im)))
            why = "no matching export";
        else if (x->token_req && !activation_ok(ex, ta->pub, im, x, now))
            why = "activation token not valid";
        else if (im->type == JWT_EXPORT_STREAM && im->local_subject && *im->local_subject &&
                 strcmp(im->local_subject, im->subject) != 0)
            why = "stream import local_subject mapping not supported by natrium yet";
        if (why) {
            log_printf(&s->log, LOG_DBG, "Account %s: import of \"%s\" from %s skipped: %s",
                       ta->pub, im->subject ? im->subject : "", im->account ? im->account : "",
                       why);
            continue;
        }
        ic.service = im->type == JWT_EXPORT_SERVICE;
        ic.account = ex->pub;
        ic.subject = im->subject;
        if (ic.service)
            ic.to = im->local_subject && *im->local_subject ? im->local_subject : im->to;
        else
            ic.prefix = im->to; /* v1 stream imports: "to" is a prefix */
        xc.service = ic.service;
        xc.resp_type = !x->response_type                          ? RESP_SINGLETON
                       : strcmp(x->response_type, "Stream") == 0  ? RESP_STREAM
                       : strcmp(x->response_type, "Chunked") == 0 ? RESP_CHUNKED
                                                                  : RESP_SINGLETON;
        xc.resp_threshold_ms = x->response_threshold_ns / 1000000;
        if (account_add_import(s, ta->acc, &ic, &xc) != 0)
            log_printf(&s->log, LOG_WRN, "Account %s: import of \"%s\" failed", ta->pub,
                       im->subject);
    }
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
