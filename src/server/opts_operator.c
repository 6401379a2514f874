/* Configuration of operator mode (mirrors server/opts.go 2.9.10 processConfigFileLine for
 * "operator", "trusted", "resolver", "resolver_preload", and server.go
 * validateTrustedOperators): see trust.h. Texts are the reference's. */
#include "server/opts_conf_int.h"
#include "server/trust.h"

#include "auth/creds.h"
#include "auth/jwt.h"
#include "auth/nkeys.h"
#include "core/xmalloc.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define M_OP_TYPE "error parsing operators: unsupported type %s"
#define M_OP_JWT "error parsing operator JWT: %s"
#define M_NOT_OP "not operator claim"
#define M_TRUST_TYPE "error parsing trusted: unsupported type %s"
#define M_TRUST_ITEM "error parsing trusted: unsupported type in array %s"
#define M_TRUST_KEY "trust key %s required to be a valid public operator nkey"
#define M_RESOLVER_TYPE "error parsing operator resolver, wrong type %s"
#define M_RESOLVER_BAD                                                                             \
    "error parsing account resolver, should be MEM or  URL(\"url\") or a map containing dir and "  \
    "type state=[FULL|CACHE])"
#define M_RESOLVER_UNSUP "resolver %s is not supported by natrium yet (only MEMORY)"
#define M_PRELOAD_MAP "preload should be a map of account_public_key:account_jwt"
#define M_PRELOAD_STR "preload map value should be a string JWT"
#define M_PRELOAD_JWT "invalid account JWT"
#define OPERATOR_FILE_MAX (1024 * 1024)
#define JWT_PREFIX "eyJ"

/* Go's %T of a config value. */
static const char *go_type(enum conf_type t)
{
    switch (t) {
    case CONF_MAP:
        return "map[string]interface {}";
    case CONF_ARRAY:
        return "[]interface {}";
    case CONF_STRING:
        return "string";
    case CONF_INT:
        return "int64";
    case CONF_FLOAT:
        return "float64";
    case CONF_BOOL:
        return "bool";
    case CONF_DATETIME:
        return "time.Time";
    }
    return "?";
}

bool trust_conf_enabled(const struct trust_conf *t)
{
    return t->noperators > 0 || t->ntrusted > 0;
}

void trust_conf_release(struct trust_conf *t)
{
    for (uint32_t i = 0; i < t->noperators; i++)
        free(t->operator_jwts[i]);
    free(t->operator_jwts);
    for (uint32_t i = 0; i < t->ntrusted; i++)
        free(t->trusted_keys[i]);
    free(t->trusted_keys);
    for (uint32_t i = 0; i < t->npreload; i++) {
        free(t->preload[i].account);
        free(t->preload[i].jwt);
    }
    free(t->preload);
    memset(t, 0, sizeof(*t));
}

/* Reads a file of at most OPERATOR_FILE_MAX bytes; NULL with errno set on failure. */
static char *read_small_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    size_t n;

    if (!f)
        return NULL;
    buf = xmalloc(OPERATOR_FILE_MAX + 1);
    n = fread(buf, 1, OPERATOR_FILE_MAX + 1, f);
    fclose(f);
    if (n > OPERATOR_FILE_MAX) {
        free(buf);
        errno = EFBIG;
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

/* jwt.ParseDecoratedJWT: the first dashed block, else the whole text, trimmed. */
static char *undecorate(const char *text)
{
    struct creds cr = {0};
    char *out = NULL;
    const char *b, *e;

    if (strstr(text, "---") && creds_parse(text, strlen(text), &cr) == 0 && cr.jwt) {
        out = xstrdup(cr.jwt);
        creds_release(&cr);
        return out;
    }
    creds_release(&cr);
    for (b = text; *b && isspace((unsigned char)*b); b++)
        ;
    for (e = b + strlen(b); e > b && isspace((unsigned char)e[-1]); e--)
        ;
    return xstrndup(b, (size_t)(e - b));
}

/* readOperatorJWT: a file name, or the JWT itself when no such file exists and the text
 * starts like a JWT. Returns the token, or NULL with the reason in why. */
static char *read_operator_jwt(const char *v, char *why, size_t n)
{
    char *text = read_small_file(v), *tok;
    struct jwt_claims *c = NULL;
    int rc;

    if (!text) {
        if (strncmp(v, JWT_PREFIX, strlen(JWT_PREFIX)) != 0) {
            char err[128];
            snprintf(err, sizeof(err), "%s", strerror(errno));
            err[0] = (char)tolower((unsigned char)err[0]); /* Go's syscall texts */
            snprintf(why, n, "open %s: %s", v, err);
            return NULL;
        }
        text = xstrdup(v);
    }
    tok = undecorate(text);
    free(text);
    rc = jwt_decode(tok, strlen(tok), &c);
    if (rc != JWT_OK || c->kind != JWT_KIND_OPERATOR) {
        snprintf(why, n, "%s", rc != JWT_OK ? jwt_strerror(rc) : M_NOT_OP);
        jwt_claims_free(c);
        free(tok);
        return NULL;
    }
    jwt_claims_free(c);
    return tok;
}

void oc_apply_operators(struct loader *l, const struct conf_entry *e)
{
    struct trust_conf *t = &l->o->trust;
    char why[512];
    char *tok;

    if (e->val->type != CONF_STRING) { /* the reference takes one string only */
        oc_error_at(l, e, M_OP_TYPE, go_type(e->val->type));
        return;
    }
    for (uint32_t i = 0; i < t->noperators; i++)
        free(t->operator_jwts[i]);
    t->noperators = 0;
    tok = read_operator_jwt(e->val->str, why, sizeof(why));
    if (!tok) {
        oc_error_at(l, e, M_OP_JWT, why);
        return;
    }
    t->operator_jwts = xrealloc(t->operator_jwts, sizeof(*t->operator_jwts));
    t->operator_jwts[t->noperators++] = tok;
    /* one operator: its system account unless the config names one (also later on) */
    if (!l->o->auth.system_account) {
        struct jwt_claims *c = NULL;
        if (jwt_decode(tok, strlen(tok), &c) == JWT_OK && c->u.op.system_account &&
            *c->u.op.system_account) {
            l->o->auth.system_account = xstrdup(c->u.op.system_account);
        }
        jwt_claims_free(c);
    }
}

static void add_trusted(struct trust_conf *t, const char *k)
{
    t->trusted_keys = xrealloc(t->trusted_keys, (t->ntrusted + 1) * sizeof(*t->trusted_keys));
    t->trusted_keys[t->ntrusted++] = xstrdup(k);
}

void oc_apply_trusted(struct loader *l, const struct conf_entry *e)
{
    struct trust_conf *t = &l->o->trust;
    const struct conf_node *v = e->val, *last = NULL;

    for (uint32_t i = 0; i < t->ntrusted; i++)
        free(t->trusted_keys[i]);
    t->ntrusted = 0;
    if (v->type == CONF_STRING) {
        add_trusted(t, v->str);
    } else if (v->type == CONF_ARRAY) {
        for (size_t i = 0; i < v->nitems; i++) {
            last = v->items[i]; /* the reference reports at the last item it looked at */
            if (v->items[i]->type == CONF_STRING)
                add_trusted(t, v->items[i]->str);
            else
                oc_error_node(l, v->items[i], M_TRUST_ITEM, go_type(v->items[i]->type));
        }
    } else {
        oc_error_at(l, e, M_TRUST_TYPE, go_type(v->type));
        return;
    }
    for (uint32_t i = 0; i < t->ntrusted; i++) {
        if (!nk_is_valid_public(t->trusted_keys[i], NK_OPERATOR)) {
            char *q = opts_go_quote(t->trusted_keys[i]);
            if (last)
                oc_error_node(l, last, M_TRUST_KEY, q);
            else
                oc_error_at(l, e, M_TRUST_KEY, q);
            free(q);
        }
    }
}

void oc_apply_resolver(struct loader *l, const struct conf_entry *e)
{
    struct trust_conf *t = &l->o->trust;
    const struct conf_node *v = e->val;

    t->resolver_set = true;
    t->resolver_memory = false;
    if (v->type == CONF_MAP) {
        oc_error_at(l, e, M_RESOLVER_UNSUP, "{dir, type}");
        return;
    }
    if (v->type != CONF_STRING) {
        oc_error_at(l, e, M_RESOLVER_TYPE, go_type(v->type));
        return;
    }
    /* the reference's (?i)(MEM|MEMORY) matches anywhere in the text */
    for (const char *p = v->str; *p; p++) {
        if (strncasecmp(p, "MEM", 3) == 0) {
            t->resolver_memory = true;
            return;
        }
    }
    for (const char *p = v->str; *p; p++) {
        if (strncasecmp(p, "URL", 3) == 0) {
            char *q = opts_go_quote(v->str);
            oc_error_at(l, e, M_RESOLVER_UNSUP, q);
            free(q);
            return;
        }
    }
    oc_error_at(l, e, M_RESOLVER_BAD);
}

void oc_apply_preload(struct loader *l, const struct conf_entry *e)
{
    struct trust_conf *t = &l->o->trust;
    const struct conf_node *v = e->val;

    if (v->type != CONF_MAP) {
        oc_error_at(l, e, M_PRELOAD_MAP);
        return;
    }
    for (uint32_t i = 0; i < t->npreload; i++) {
        free(t->preload[i].account);
        free(t->preload[i].jwt);
    }
    t->npreload = 0;
    for (size_t i = 0; i < v->nentries; i++) {
        const struct conf_entry *pe = &v->entries[i];
        struct jwt_claims *c = NULL;
        int rc;

        if (pe->val->type != CONF_STRING) {
            oc_error_at(l, pe, M_PRELOAD_STR);
            continue;
        }
        rc = jwt_decode(pe->val->str, strlen(pe->val->str), &c);
        if (rc != JWT_OK || c->kind != JWT_KIND_ACCOUNT) {
            jwt_claims_free(c);
            oc_error_at(l, pe, M_PRELOAD_JWT);
            continue;
        }
        jwt_claims_free(c);
        t->preload = xrealloc(t->preload, (t->npreload + 1) * sizeof(*t->preload));
        t->preload[t->npreload].account = xstrdup(pe->key);
        t->preload[t->npreload].jwt = xstrdup(pe->val->str);
        t->npreload++;
    }
}

bool oc_trust_ok(const struct options *o, char *msg, size_t n)
{
    const struct trust_conf *t = &o->trust;
    const struct auth_conf *a = &o->auth;

    if (t->npreload > 0 && trust_conf_enabled(t) && !t->resolver_memory) {
        snprintf(msg, n,
                 "resolver preloads only available for writeable resolver types "
                 "MEM/DIR/CACHE_DIR");
        return false;
    }
    if (t->noperators == 0) {
        if (t->ntrusted > 0 && a->no_auth_user && *a->no_auth_user) {
            snprintf(msg, n, "no_auth_user not compatible with Trusted Operator");
            return false;
        }
        return true;
    }
    if (!t->resolver_memory) {
        /* the reference falls back to a URL resolver at the operator's account server */
        snprintf(msg, n,
                 "could not fetch <\"/accounts/\">: Get \"/accounts/\": unsupported "
                 "protocol scheme \"\"");
        return false;
    }
    if (a->naccounts > 0) {
        snprintf(msg, n, "operators do not allow Accounts to be configured directly");
        return false;
    }
    if (a->nusers > 0) {
        snprintf(msg, n, "operators do not allow users to be configured directly");
        return false;
    }
    if (t->ntrusted > 0) {
        snprintf(msg, n, "conflicting options for 'TrustedKeys' and 'TrustedOperators'");
        return false;
    }
    if (a->system_account && *a->system_account) {
        bool found = false, nonempty = false;
        for (uint32_t i = 0; i < t->noperators; i++) {
            struct jwt_claims *c = NULL;
            if (jwt_decode(t->operator_jwts[i], strlen(t->operator_jwts[i]), &c) == JWT_OK) {
                const char *sa = c->u.op.system_account;
                nonempty |= sa && *sa;
                found |= sa && strcmp(sa, a->system_account) == 0;
            }
            jwt_claims_free(c);
        }
        if (nonempty && !found) {
            snprintf(msg, n, "system_account in config and operator JWT must be identical");
            return false;
        }
    }
    if (a->no_auth_user && *a->no_auth_user) {
        snprintf(msg, n, "no_auth_user not compatible with Trusted Operator");
        return false;
    }
    if (a->system_account && *a->system_account) {
        bool found = false;
        if (!nk_is_valid_public(a->system_account, NK_ACCOUNT)) {
            snprintf(msg, n, "error resolving system account: will only fetch valid account keys");
            return false;
        }
        for (uint32_t i = 0; i < t->npreload; i++)
            found |= strcmp(t->preload[i].account, a->system_account) == 0;
        if (!found) {
            snprintf(msg, n, "error resolving system account: account missing");
            return false;
        }
    }
    return true;
}
