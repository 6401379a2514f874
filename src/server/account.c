/* Accounts, stream imports and service imports: see account.h. An import is an internal
 * client subscribed in one account whose deliveries are re-published into another, on the
 * publisher's loop:
 *   stream import  B <- A: a subscription in A on the exported subject; each message goes to B
 *                  under "<prefix>.<subject>" (or the subject itself).
 *   service import B -> A: a subscription in B on the local subject ("to"); each request goes
 *                  to A on the exported subject with a fresh reply subject "_R_.<id>" that an
 *                  internal subscription in A maps back to the requester's reply in B: once for
 *                  a singleton response, until the threshold for stream and chunked ones. */
#include "server/account.h"

#include "core/clock.h"
#include "core/xmalloc.h"
#include "server/client.h"
#include "server/server.h"
#include "server/trust.h"
#include "sublist/sublist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_IMPORT_DEPTH 8 /* imports re-publishing into imports: a cycle stops here */
#define RESP_PREFIX "_R_."
#define DEFAULT_RESP_THRESHOLD_MS (2 * 60 * 1000)

struct stream_import {
    struct account *importer;
    char *prefix; /* NULL: none */
    struct client *ic; /* internal, in the exporter */
};

struct resp_map {
    struct resp_map *next;
    char *reply;     /* the requester's reply subject in the importer */
    char *mapped;    /* "_R_.<id>" in the exporter */
    int64_t expires; /* monotonic ms */
    struct subscription *sub;
};

struct service_import {
    struct server *srv;
    struct account *importer, *exporter;
    char *to;      /* subject in the importer */
    char *subject; /* subject in the exporter */
    enum resp_type rt;
    int64_t threshold_ms;
    struct client *ic; /* internal, in the importer, on "to" */
    struct client *rc; /* internal, in the exporter, on the mapped replies */
    pthread_mutex_t mu; /* guards resps and seq (L4) */
    struct resp_map *resps;
    uint64_t seq;
};

/* ---- accounts ---- */

static struct account *account_new(struct server *s, const char *name,
                                   const struct account_conf *conf)
{
    struct account *a = xcalloc(1, sizeof(*a));
    a->name = xstrdup(name);
    a->sl = sl_new(client_sub_release);
    a->conf = conf;
    atomic_init(&a->nconns, 0);
    s->accounts = xrealloc(s->accounts, (s->naccounts + 1) * sizeof(*s->accounts));
    s->accounts[s->naccounts++] = a;
    return a;
}

struct account *account_find(struct server *s, const char *name)
{
    for (uint32_t i = 0; name && i < s->naccounts; i++) {
        if (strcmp(s->accounts[i]->name, name) == 0)
            return s->accounts[i];
    }
    return NULL;
}

/* ---- re-publishing ---- */

/* Publishes m (with subject and reply replaced) into acc, on lp. Returns true if a
 * subscription took it. */
static bool republish(struct loop *lp, struct account *acc, struct client *pub,
                      const struct proto_msg *m, const char *subject, size_t slen,
                      const char *reply, size_t rlen)
{
    struct proto_msg mm = *m;
    bool delivered;

    if (lp->import_depth >= MAX_IMPORT_DEPTH)
        return false;
    mm.subject = subject;
    mm.subject_len = (uint32_t)slen;
    mm.reply = reply;
    mm.reply_len = (uint32_t)rlen;
    lp->import_depth++;
    delivered = deliver_publish_in(lp, acc, pub, &mm, false);
    lp->import_depth--;
    return delivered;
}

static bool stream_import_cb(struct loop *lp, struct subscription *sub, struct client *pub,
                             const struct proto_msg *m)
{
    struct stream_import *si = sub->c->iarg;
    char stackbuf[512], *subj = stackbuf;
    size_t plen = si->prefix ? strlen(si->prefix) : 0, n;
    bool ok;

    if (!plen)
        return republish(lp, si->importer, pub, m, m->subject, m->subject_len, m->reply,
                         m->reply ? m->reply_len : 0);
    n = plen + 1 + m->subject_len;
    if (n > sizeof(stackbuf))
        subj = xmalloc(n);
    memcpy(subj, si->prefix, plen);
    subj[plen] = '.';
    memcpy(subj + plen + 1, m->subject, m->subject_len);
    ok = republish(lp, si->importer, pub, m, subj, n, m->reply, m->reply ? m->reply_len : 0);
    if (subj != stackbuf)
        free(subj);
    return ok;
}

/* Maps a subject of the import's "to" space onto the exported subject: literal imports map
 * one to one; wildcard ones keep the tokens the wildcards matched. */
static size_t map_subject(const struct service_import *si, const struct proto_msg *m, char *out,
                          size_t cap)
{
    size_t n;
    if (strcmp(si->to, si->subject) == 0 || !strpbrk(si->to, "*>")) {
        if (strcmp(si->to, si->subject) == 0) {
            n = m->subject_len < cap ? m->subject_len : cap;
            memcpy(out, m->subject, n);
            return n;
        }
        n = strlen(si->subject);
        n = n < cap ? n : cap;
        memcpy(out, si->subject, n);
        return n;
    }
    /* same shape with wildcards: take the exporter's literal tokens, the message's wildcard
     * tokens */
    {
        const char *e = si->subject, *s = m->subject, *send = m->subject + m->subject_len;
        size_t o = 0;
        while (*e && o < cap) {
            const char *ee = strchr(e, '.');
            size_t el = ee ? (size_t)(ee - e) : strlen(e);
            const char *se = memchr(s, '.', (size_t)(send - s));
            size_t sl = se ? (size_t)(se - s) : (size_t)(send - s);
            if (el == 1 && *e == '>') {
                sl = (size_t)(send - s);
                if (o + sl > cap)
                    break;
                memcpy(out + o, s, sl);
                o += sl;
                break;
            }
            if (el == 1 && *e == '*') {
                if (o + sl > cap)
                    break;
                memcpy(out + o, s, sl);
                o += sl;
            } else {
                if (o + el > cap)
                    break;
                memcpy(out + o, e, el);
                o += el;
            }
            if (!ee || !se)
                break;
            out[o++] = '.';
            e = ee + 1;
            s = se + 1;
        }
        return o;
    }
}

static void resp_free(struct resp_map *r)
{
    free(r->reply);
    free(r->mapped);
    free(r);
}

/* Caller holds si->mu. Takes expired mappings out of the list into *dead. */
static void resp_expire_locked(struct service_import *si, int64_t now, struct resp_map **dead)
{
    struct resp_map **pp = &si->resps;
    while (*pp) {
        struct resp_map *r = *pp;
        if (r->expires <= now) {
            *pp = r->next;
            r->next = *dead;
            *dead = r;
        } else {
            pp = &r->next;
        }
    }
}

static void resp_drop(struct service_import *si, struct resp_map *dead)
{
    while (dead) {
        struct resp_map *next = dead->next;
        client_unsub_internal(si->rc, dead->sub);
        resp_free(dead);
        dead = next;
    }
}

static bool service_import_cb(struct loop *lp, struct subscription *sub, struct client *pub,
                              const struct proto_msg *m)
{
    struct service_import *si = sub->c->iarg;
    char subj[1024], mapped[64];
    size_t slen = map_subject(si, m, subj, sizeof(subj)), mlen = 0;
    struct resp_map *r = NULL, *dead = NULL;
    int64_t now = clock_mono_ms();
    bool ok;

    if (m->reply && m->reply_len > 0) {
        uint64_t id;
        pthread_mutex_lock(&si->mu);
        resp_expire_locked(si, now, &dead);
        id = ++si->seq;
        pthread_mutex_unlock(&si->mu);
        resp_drop(si, dead);
        mlen = (size_t)snprintf(mapped, sizeof(mapped), RESP_PREFIX "%016llx%llu",
                                (unsigned long long)loop_rand(lp), (unsigned long long)id);
        r = xcalloc(1, sizeof(*r));
        r->reply = xstrndup(m->reply, m->reply_len);
        r->mapped = xstrndup(mapped, mlen);
        r->expires = now + si->threshold_ms;
        r->sub = client_sub_internal(si->rc, r->mapped);
        pthread_mutex_lock(&si->mu);
        r->next = si->resps;
        si->resps = r;
        pthread_mutex_unlock(&si->mu);
    }
    ok = republish(lp, si->exporter, pub, m, subj, slen, r ? mapped : NULL, mlen);
    if (!ok && r) { /* nobody took the request: no response will come */
        struct resp_map **pp;
        pthread_mutex_lock(&si->mu);
        for (pp = &si->resps; *pp && *pp != r; pp = &(*pp)->next)
            ;
        if (*pp)
            *pp = r->next;
        else
            r = NULL; /* a response came and took it already */
        pthread_mutex_unlock(&si->mu);
        if (r) {
            r->next = NULL;
            resp_drop(si, r);
        }
    }
    return ok;
}

/* A response in the exporter on a mapped reply: back to the requester in the importer. */
static bool service_resp_cb(struct loop *lp, struct subscription *sub, struct client *pub,
                            const struct proto_msg *m)
{
    struct service_import *si = sub->c->iarg;
    struct resp_map **pp, *r = NULL;
    char *reply = NULL;
    bool ok, once = si->rt == RESP_SINGLETON;

    pthread_mutex_lock(&si->mu);
    for (pp = &si->resps; *pp; pp = &(*pp)->next) {
        if ((*pp)->sub == sub) {
            r = *pp;
            if (once)
                *pp = r->next;
            else
                reply = xstrdup(r->reply);
            break;
        }
    }
    pthread_mutex_unlock(&si->mu);
    if (!r)
        return false;
    if (once)
        reply = r->reply;
    ok = republish(lp, si->importer, pub, m, reply, strlen(reply), m->reply,
                   m->reply ? m->reply_len : 0);
    if (once) {
        r->next = NULL;
        resp_drop(si, r);
    } else {
        free(reply);
    }
    return ok;
}

/* ---- wiring ---- */

static int add_stream_import(struct server *s, struct account *importer,
                             const struct import_conf *im)
{
    struct account *exporter = account_find(s, im->account);
    struct stream_import *si;

    if (!exporter)
        return -1;
    si = xcalloc(1, sizeof(*si));
    si->importer = importer;
    si->prefix = im->prefix && *im->prefix ? xstrdup(im->prefix) : NULL;
    si->ic = client_new_internal(s, exporter, stream_import_cb, si);
    client_sub_internal(si->ic, im->subject);
    importer->simports =
        xrealloc(importer->simports, (importer->nsimports + 1) * sizeof(*importer->simports));
    importer->simports[importer->nsimports++] = si;
    return 0;
}

static int add_service_import(struct server *s, struct account *importer,
                              const struct import_conf *im, const struct export_conf *x)
{
    struct account *exporter = account_find(s, im->account);
    struct service_import *si;

    if (!exporter)
        return -1;
    si = xcalloc(1, sizeof(*si));
    si->srv = s;
    si->importer = importer;
    si->exporter = exporter;
    si->subject = xstrdup(im->subject);
    si->to = xstrdup(im->to && *im->to ? im->to : im->subject);
    si->rt = x ? x->resp_type : RESP_SINGLETON;
    si->threshold_ms = x && x->resp_threshold_ms > 0 ? x->resp_threshold_ms
                                                      : DEFAULT_RESP_THRESHOLD_MS;
    pthread_mutex_init(&si->mu, NULL);
    si->ic = client_new_internal(s, importer, service_import_cb, si);
    si->rc = client_new_internal(s, exporter, service_resp_cb, si);
    client_sub_internal(si->ic, si->to);
    importer->svcimports = xrealloc(importer->svcimports,
                                    (importer->nsvcimports + 1) * sizeof(*importer->svcimports));
    importer->svcimports[importer->nsvcimports++] = si;
    return 0;
}

/* Wires the imports of account importer's config. Returns 0, or -1 (logged). */
static int imports_wire(struct server *s, struct account *importer)
{
    const struct auth_conf *a = &s->opts.auth;
    const struct account_conf *ac = importer->conf;

    for (uint32_t k = 0; ac && k < ac->nimports; k++) {
        const struct import_conf *im = &ac->imports[k];
        const struct account_conf *ex = auth_find_account(a, im->account);
        const struct export_conf *x = ex ? auth_export_for(ex, im, ac->name) : NULL;
        int rc = im->service ? add_service_import(s, importer, im, x)
                             : add_stream_import(s, importer, im);
        if (rc != 0) {
            log_printf(&s->log, LOG_FTL, "Error adding %s import \"%s\"",
                       im->service ? "service" : "stream", im->subject);
            return -1;
        }
    }
    return 0;
}

int accounts_init(struct server *s)
{
    const struct auth_conf *a = &s->opts.auth;
    const char *sysname = a->system_account && *a->system_account ? a->system_account
                                                                   : SYSTEM_ACCOUNT;

    s->gacc = account_new(s, GLOBAL_ACCOUNT, auth_find_account(a, GLOBAL_ACCOUNT));
    if (trust_init(s) != 0) /* operator mode: the preloaded accounts */
        return -1;
    for (uint32_t i = 0; i < a->naccounts; i++) {
        if (!account_find(s, a->accounts[i].name))
            account_new(s, a->accounts[i].name, &a->accounts[i]);
    }
    if (!a->no_system_account) {
        s->sacc = account_find(s, sysname);
        if (!s->sacc)
            s->sacc = account_new(s, sysname, NULL);
        s->sacc->system = true;
    }
    for (uint32_t i = 0; i < s->naccounts; i++) {
        if (imports_wire(s, s->accounts[i]) != 0)
            return -1;
    }
    return 0;
}

/* Tears down an account's imports (their internal clients unsubscribe). Safe with the loops
 * parked or stopped: a loop match result cached before holds the subscriptions, not the
 * import structs, and is re-matched (without them) before its next use. */
static void imports_release(struct account *a)
{
    for (uint32_t k = 0; k < a->nsimports; k++) {
        struct stream_import *si = a->simports[k];
        client_free_internal(si->ic);
        free(si->prefix);
        free(si);
    }
    free(a->simports);
    a->simports = NULL;
    a->nsimports = 0;
    for (uint32_t k = 0; k < a->nsvcimports; k++) {
        struct service_import *si = a->svcimports[k];
        struct resp_map *r = si->resps;
        while (r) {
            struct resp_map *next = r->next;
            resp_free(r);
            r = next;
        }
        client_free_internal(si->ic);
        client_free_internal(si->rc);
        pthread_mutex_destroy(&si->mu);
        free(si->to);
        free(si->subject);
        free(si);
    }
    free(a->svcimports);
    a->svcimports = NULL;
    a->nsvcimports = 0;
}

static bool same_str(const char *x, const char *y)
{
    return strcmp(x ? x : "", y ? y : "") == 0;
}

static bool imports_equal(const struct account_conf *x, const struct account_conf *y)
{
    if (!x || !y)
        return x == y || (!x ? y->nimports == 0 : x->nimports == 0);
    if (x->nimports != y->nimports)
        return false;
    for (uint32_t i = 0; i < x->nimports; i++) {
        const struct import_conf *p = &x->imports[i], *q = &y->imports[i];
        if (p->service != q->service || !same_str(p->account, q->account) ||
            !same_str(p->subject, q->subject) || !same_str(p->to, q->to) ||
            !same_str(p->prefix, q->prefix))
            return false;
    }
    return true;
}

static bool exports_equal(const struct account_conf *x, const struct account_conf *y)
{
    if (!x || !y)
        return x == y || (!x ? y->nexports == 0 : x->nexports == 0);
    if (x->nexports != y->nexports)
        return false;
    for (uint32_t i = 0; i < x->nexports; i++) {
        const struct export_conf *p = &x->exports[i], *q = &y->exports[i];
        if (p->service != q->service || !same_str(p->subject, q->subject) ||
            p->resp_type != q->resp_type || p->resp_threshold_ms != q->resp_threshold_ms)
            return false;
    }
    return true;
}

void accounts_reload(struct server *s)
{
    const struct auth_conf *a = &s->opts.auth;
    uint32_t first = s->naccounts;
    bool *rewire;

    /* which existing accounts' imports change (or import from an account whose exports
     * changed): compare against the old config they still point into */
    rewire = xcalloc(first ? first : 1, sizeof(*rewire));
    for (uint32_t i = 0; i < first; i++) {
        struct account *acc = s->accounts[i];
        const struct account_conf *nc = auth_find_account(a, acc->name);
        if (!imports_equal(acc->conf, nc))
            rewire[i] = true;
    }
    for (uint32_t i = 0; i < first; i++) {
        struct account *acc = s->accounts[i];
        const struct account_conf *nc = auth_find_account(a, acc->name);
        if (exports_equal(acc->conf, nc))
            continue;
        for (uint32_t k = 0; k < first; k++) { /* its importers are re-wired too */
            const struct account_conf *ic = s->accounts[k]->conf;
            for (uint32_t j = 0; ic && j < ic->nimports; j++)
                rewire[k] |= strcmp(ic->imports[j].account, acc->name) == 0;
        }
    }
    for (uint32_t i = 0; i < first; i++) {
        if (rewire[i])
            imports_release(s->accounts[i]);
    }
    /* new accounts, and every account onto the new config */
    for (uint32_t i = 0; i < a->naccounts; i++) {
        struct account *acc = account_find(s, a->accounts[i].name);
        if (acc)
            acc->conf = &a->accounts[i];
        else
            account_new(s, a->accounts[i].name, &a->accounts[i]);
    }
    for (uint32_t i = 0; i < first; i++) {
        if (s->accounts[i]->conf && !auth_find_account(a, s->accounts[i]->name))
            s->accounts[i]->conf = NULL; /* gone from the config: kept, without users */
    }
    for (uint32_t i = 0; i < s->naccounts; i++) {
        if (i < first && !rewire[i])
            continue;
        if (imports_wire(s, s->accounts[i]) != 0)
            log_printf(&s->log, LOG_ERR, "Error adding imports of account %s on reload",
                       s->accounts[i]->name);
    }
    free(rewire);
}

struct account *account_add(struct server *s, const char *name)
{
    return account_new(s, name, NULL);
}

int account_add_import(struct server *s, struct account *importer, const struct import_conf *im,
                       const struct export_conf *x)
{
    return im->service ? add_service_import(s, importer, im, x)
                       : add_stream_import(s, importer, im);
}

void accounts_release(struct server *s)
{
    trust_free(s);
    for (uint32_t i = 0; i < s->naccounts; i++)
        imports_release(s->accounts[i]);
    for (uint32_t i = 0; i < s->naccounts; i++) {
        struct account *a = s->accounts[i];
        sl_free(a->sl);
        free(a->name);
        free(a);
    }
    free(s->accounts);
    s->accounts = NULL;
    s->naccounts = 0;
}
