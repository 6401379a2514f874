/* The auth model: see auth.h. */
#include "server/auth.h"

#include "core/xmalloc.h"
#include "sublist/subject.h"

#include <stdlib.h>
#include <string.h>

static void list_free(struct perm_list *l)
{
    for (uint32_t i = 0; i < l->n; i++) {
        free(l->v[i].subject);
        free(l->v[i].queue);
    }
    free(l->v);
    memset(l, 0, sizeof(*l));
}

static void list_copy(struct perm_list *d, const struct perm_list *s)
{
    *d = *s;
    d->v = s->n ? xcalloc(s->n, sizeof(*d->v)) : NULL;
    for (uint32_t i = 0; i < s->n; i++) {
        d->v[i].subject = xstrdup(s->v[i].subject);
        d->v[i].queue = s->v[i].queue ? xstrdup(s->v[i].queue) : NULL;
    }
}

void perms_free(struct permissions *p)
{
    if (!p)
        return;
    list_free(&p->pub_allow);
    list_free(&p->pub_deny);
    list_free(&p->sub_allow);
    list_free(&p->sub_deny);
    free(p);
}

struct permissions *perms_dup(const struct permissions *p)
{
    struct permissions *d;

    if (!p)
        return NULL;
    d = xmalloc(sizeof(*d));
    *d = *p;
    list_copy(&d->pub_allow, &p->pub_allow);
    list_copy(&d->pub_deny, &p->pub_deny);
    list_copy(&d->sub_allow, &p->sub_allow);
    list_copy(&d->sub_deny, &p->sub_deny);
    return d;
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static char **strv_dup(char **v, uint32_t n)
{
    char **d = n ? xcalloc(n, sizeof(*d)) : NULL;
    for (uint32_t i = 0; i < n; i++)
        d[i] = xstrdup(v[i]);
    return d;
}

void auth_conf_copy(struct auth_conf *dst, const struct auth_conf *src)
{
    *dst = *src;
    dst->users = src->nusers ? xcalloc(src->nusers, sizeof(*dst->users)) : NULL;
    for (uint32_t i = 0; i < src->nusers; i++) {
        const struct user_conf *u = &src->users[i];
        struct user_conf *d = &dst->users[i];
        *d = *u;
        d->name = dup_or_null(u->name);
        d->password = dup_or_null(u->password);
        d->nkey = dup_or_null(u->nkey);
        d->account = dup_or_null(u->account);
        d->perms = perms_dup(u->perms);
    }
    dst->accounts = src->naccounts ? xcalloc(src->naccounts, sizeof(*dst->accounts)) : NULL;
    for (uint32_t i = 0; i < src->naccounts; i++) {
        const struct account_conf *a = &src->accounts[i];
        struct account_conf *d = &dst->accounts[i];
        *d = *a;
        d->name = xstrdup(a->name);
        d->default_perms = perms_dup(a->default_perms);
        d->exports = a->nexports ? xcalloc(a->nexports, sizeof(*d->exports)) : NULL;
        for (uint32_t k = 0; k < a->nexports; k++) {
            d->exports[k] = a->exports[k];
            d->exports[k].subject = xstrdup(a->exports[k].subject);
            d->exports[k].accounts = strv_dup(a->exports[k].accounts, a->exports[k].naccounts);
        }
        d->imports = a->nimports ? xcalloc(a->nimports, sizeof(*d->imports)) : NULL;
        for (uint32_t k = 0; k < a->nimports; k++) {
            const struct import_conf *im = &a->imports[k];
            d->imports[k] = *im;
            d->imports[k].account = xstrdup(im->account);
            d->imports[k].subject = xstrdup(im->subject);
            d->imports[k].to = dup_or_null(im->to);
            d->imports[k].prefix = dup_or_null(im->prefix);
        }
    }
    dst->default_perms = perms_dup(src->default_perms);
    dst->no_auth_user = dup_or_null(src->no_auth_user);
    dst->system_account = dup_or_null(src->system_account);
}

void auth_conf_release(struct auth_conf *a)
{
    for (uint32_t i = 0; i < a->nusers; i++) {
        struct user_conf *u = &a->users[i];
        free(u->name);
        free(u->password);
        free(u->nkey);
        free(u->account);
        perms_free(u->perms);
    }
    free(a->users);
    for (uint32_t i = 0; i < a->naccounts; i++) {
        struct account_conf *ac = &a->accounts[i];
        free(ac->name);
        perms_free(ac->default_perms);
        for (uint32_t k = 0; k < ac->nexports; k++) {
            free(ac->exports[k].subject);
            for (uint32_t j = 0; j < ac->exports[k].naccounts; j++)
                free(ac->exports[k].accounts[j]);
            free(ac->exports[k].accounts);
        }
        free(ac->exports);
        for (uint32_t k = 0; k < ac->nimports; k++) {
            free(ac->imports[k].account);
            free(ac->imports[k].subject);
            free(ac->imports[k].to);
            free(ac->imports[k].prefix);
        }
        free(ac->imports);
    }
    free(a->accounts);
    perms_free(a->default_perms);
    free(a->no_auth_user);
    free(a->system_account);
    memset(a, 0, sizeof(*a));
}

const struct user_conf *auth_find_user(const struct auth_conf *a, const char *name)
{
    for (uint32_t i = 0; name && i < a->nusers; i++) {
        if (a->users[i].name && strcmp(a->users[i].name, name) == 0)
            return &a->users[i];
    }
    return NULL;
}

const struct user_conf *auth_find_nkey(const struct auth_conf *a, const char *nkey)
{
    for (uint32_t i = 0; nkey && i < a->nusers; i++) {
        if (a->users[i].nkey && strcmp(a->users[i].nkey, nkey) == 0)
            return &a->users[i];
    }
    return NULL;
}

const struct account_conf *auth_find_account(const struct auth_conf *a, const char *name)
{
    for (uint32_t i = 0; name && i < a->naccounts; i++) {
        if (strcmp(a->accounts[i].name, name) == 0)
            return &a->accounts[i];
    }
    return NULL;
}

/* ---- checks ---- */

const struct export_conf *auth_export_for(const struct account_conf *exporter,
                                          const struct import_conf *im, const char *importer)
{
    for (uint32_t i = 0; i < exporter->nexports; i++) {
        const struct export_conf *x = &exporter->exports[i];
        bool listed = x->naccounts == 0;
        if (x->service != im->service ||
            !subj_matches(x->subject, strlen(x->subject), im->subject, strlen(im->subject)))
            continue;
        for (uint32_t k = 0; k < x->naccounts && !listed; k++)
            listed = strcmp(x->accounts[k], importer) == 0;
        if (listed)
            return x;
    }
    return NULL;
}

static bool matches(const char *pattern, const char *s, size_t len)
{
    return subj_matches(pattern, strlen(pattern), s, len);
}

/* queueMatches: the same name, or a wildcard queue permission the name fits. */
static bool queue_fits(const char *perm_queue, const char *queue, size_t qlen)
{
    size_t pl = strlen(perm_queue);
    if (pl == qlen && memcmp(perm_queue, queue, qlen) == 0)
        return true;
    return subj_has_wildcard(perm_queue, pl) && subj_matches(perm_queue, pl, queue, qlen);
}

bool perms_pub_allowed(const struct permissions *p, const char *subject, size_t len)
{
    bool allowed = true;

    if (!p)
        return true;
    if (p->pub_allow.set) {
        allowed = false;
        for (uint32_t i = 0; i < p->pub_allow.n && !allowed; i++)
            allowed = matches(p->pub_allow.v[i].subject, subject, len);
    }
    if (allowed && p->pub_deny.set) {
        for (uint32_t i = 0; i < p->pub_deny.n && allowed; i++)
            allowed = !matches(p->pub_deny.v[i].subject, subject, len);
    }
    return allowed;
}

/* The reference matches the subscription subject in a sublist of the permission entries: plain
 * entries are "psubs", "subject queue" entries "qsubs". A queue subscription that matches any
 * qsub is decided by the queue names alone. */
static bool list_decides(const struct perm_list *l, const char *subject, size_t len,
                         const char *queue, size_t qlen, bool *plain, bool *queue_ok)
{
    bool any_q = false;

    *plain = false;
    *queue_ok = false;
    for (uint32_t i = 0; i < l->n; i++) {
        if (!matches(l->v[i].subject, subject, len))
            continue;
        if (!l->v[i].queue) {
            *plain = true;
        } else {
            any_q = true;
            if (queue && queue_fits(l->v[i].queue, queue, qlen))
                *queue_ok = true;
        }
    }
    return queue && any_q;
}

bool perms_sub_allowed(const struct permissions *p, const char *subject, size_t len,
                       const char *queue, size_t qlen)
{
    bool allowed = true, plain, qok;

    if (!p)
        return true;
    if (p->sub_allow.set) {
        bool byq = list_decides(&p->sub_allow, subject, len, queue, qlen, &plain, &qok);
        allowed = byq ? qok : plain;
    }
    if (allowed && p->sub_deny.set) {
        bool byq = list_decides(&p->sub_deny, subject, len, queue, qlen, &plain, &qok);
        allowed = byq ? !qok : !plain;
    }
    return allowed;
}

bool perms_sub_denied_msg(const struct permissions *p, const char *subject, size_t len)
{
    if (!p || !p->sub_deny.set)
        return false;
    for (uint32_t i = 0; i < p->sub_deny.n; i++) {
        if (!p->sub_deny.v[i].queue && matches(p->sub_deny.v[i].subject, subject, len))
            return true;
    }
    return false;
}
