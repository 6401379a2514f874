/* Monitoring snapshots: see snapshot.h and docs/internals/threads-and-locks.md (T6, L4, R5). */
#include "server/snapshot.h"

#include "server/account.h"

#include "core/clock.h"
#include "core/xmalloc.h"
#include "server/client.h"
#include "server/loop.h"
#include "server/server.h"
#include "sublist/sublist.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A snapshot request shared by the caller and every loop. refs: the caller + each loop that
 * still has to answer; the last one frees it (R5). Guarded by mu: everything below it. */
struct loop_job {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int refs;
    int remaining;  /* loops that have not answered */
    bool abandoned; /* the caller gave up waiting: late answers are dropped */
    unsigned flags;
    uint64_t only_cid;
    struct snap_totals t;
    struct conn_info *conns;
    size_t nconns, capconns;
    int answered;
};

struct snap_ring {
    pthread_mutex_t mu;
    struct conn_info *v; /* grows up to SNAP_CLOSED_MAX, then wraps */
    size_t cap, n, head; /* head: the oldest entry once full */
};

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

void conn_info_release(struct conn_info *ci)
{
    for (uint32_t i = 0; i < ci->nsubs_list; i++) {
        free(ci->subs[i].subject);
        free(ci->subs[i].queue);
        free(ci->subs[i].sid);
    }
    free(ci->subs);
    free(ci->name);
    free(ci->lang);
    free(ci->version);
    free(ci->user);
    free(ci->account);
    memset(ci, 0, sizeof(*ci));
}

void conn_info_free_array(struct conn_info *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        conn_info_release(&v[i]);
    free(v);
}

/* Copies up to max subscriptions of c. Caller holds c->mu (the sid map is guarded by it). */
static void copy_subs_locked(struct client *c, struct conn_info *ci, uint32_t max)
{
    uint32_t n = c->subs.n < max ? c->subs.n : max, k = 0;
    if (n == 0)
        return;
    ci->subs = xcalloc(n, sizeof(*ci->subs));
    for (uint32_t i = 0; i < c->subs.cap && k < n; i++) {
        struct subscription *sub = c->subs.slots[i];
        if (!sub)
            continue;
        ci->subs[k].subject = xstrndup(sub->sl.subject, sub->sl.subject_len);
        ci->subs[k].queue = sub->sl.queue ? xstrndup(sub->sl.queue, sub->sl.queue_len) : NULL;
        ci->subs[k].sid = xstrndup(sub->sid, sub->sid_len);
        ci->subs[k].msgs = sub->nmsgs;
        k++;
    }
    ci->nsubs_list = k;
}

/* Owner loop: the fields of an open connection. Takes c->mu for the guarded ones. */
static void fill_conn(struct client *c, struct conn_info *ci, unsigned flags, int64_t now_ns,
                      int64_t now_ms)
{
    memset(ci, 0, sizeof(*ci));
    ci->cid = c->cid;
    memcpy(ci->ip, c->host, sizeof(ci->ip));
    ci->port = c->port;
    ci->start_ns = c->start_ns;
    ci->last_ns = now_ns - (now_ms - c->last_in) * 1000000LL;
    if (ci->last_ns < ci->start_ns)
        ci->last_ns = ci->start_ns;
    ci->rtt_ns = c->rtt_us * 1000;
    ci->in_msgs = c->in_msgs;
    ci->in_bytes = c->in_bytes;
    ci->lang = dup_or_null(c->lang);
    ci->version = dup_or_null(c->version);
    ci->user = dup_or_null(c->auth_user);
    ci->account = dup_or_null(c->acc ? c->acc->name : NULL);
    pthread_mutex_lock(&c->mu);
    ci->pending_bytes = c->out_pending;
    ci->out_msgs = c->out_msgs;
    ci->out_bytes = c->out_bytes;
    ci->nsubs = c->nsubs;
    ci->name = dup_or_null(c->name);
    if (flags & SNAP_SUBS)
        copy_subs_locked(c, ci, UINT32_MAX);
    pthread_mutex_unlock(&c->mu);
}

void snap_job_unref(struct loop_job *job)
{
    int left;
    pthread_mutex_lock(&job->mu);
    left = --job->refs;
    pthread_mutex_unlock(&job->mu);
    if (left > 0)
        return;
    conn_info_free_array(job->conns, job->nconns);
    pthread_cond_destroy(&job->cv);
    pthread_mutex_destroy(&job->mu);
    free(job);
}

void snap_run_job(struct loop *lp, struct loop_job *job)
{
    struct snap_totals t = {0};
    struct conn_info *rows = NULL;
    size_t n = 0, cap = 0;
    int64_t now_ns = clock_wall_ns(), now_ms = clock_mono_ms();

    t.in_msgs = lp->in_msgs;
    t.in_bytes = lp->in_bytes;
    t.out_msgs = lp->out_msgs;
    t.out_bytes = lp->out_bytes;
    t.slow_consumers = lp->slow_consumers;
    t.cache_hits = lp->cache_hits;
    t.cache_lookups = lp->cache_lookups;
    for (uint32_t i = 0; i < lp->cache_cap; i++) {
        const struct sl_result *r = lp->cache[i].r;
        uint64_t f;
        if (!r)
            continue;
        f = r->npsubs + r->nqgroups;
        t.cache_entries++;
        t.fanout_sum += f;
        if (f > t.fanout_max)
            t.fanout_max = f;
    }
    if (job->flags & SNAP_CONNS) {
        for (struct client *c = lp->clients; c; c = c->next) {
            if (job->only_cid && c->cid != job->only_cid)
                continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 64;
                rows = xrealloc(rows, cap * sizeof(*rows));
            }
            fill_conn(c, &rows[n++], job->flags, now_ns, now_ms);
        }
    }

    pthread_mutex_lock(&job->mu);
    if (!job->abandoned) {
        job->t.in_msgs += t.in_msgs;
        job->t.in_bytes += t.in_bytes;
        job->t.out_msgs += t.out_msgs;
        job->t.out_bytes += t.out_bytes;
        job->t.slow_consumers += t.slow_consumers;
        job->t.cache_entries += t.cache_entries;
        job->t.fanout_sum += t.fanout_sum;
        job->t.cache_hits += t.cache_hits;
        job->t.cache_lookups += t.cache_lookups;
        if (t.fanout_max > job->t.fanout_max)
            job->t.fanout_max = t.fanout_max;
        if (n > 0) {
            if (job->nconns + n > job->capconns) {
                job->capconns = job->nconns + n;
                job->conns = xrealloc(job->conns, job->capconns * sizeof(*job->conns));
            }
            memcpy(job->conns + job->nconns, rows, n * sizeof(*rows));
            job->nconns += n;
            n = 0; /* moved */
        }
        job->answered++;
    }
    job->remaining--;
    pthread_cond_signal(&job->cv);
    pthread_mutex_unlock(&job->mu);
    conn_info_free_array(rows, n);
    snap_job_unref(job);
}

int server_snapshot(struct server *s, unsigned flags, uint64_t only_cid, int timeout_ms,
                    struct server_snap *out)
{
    struct loop_job *job;
    struct timespec dl;
    int posted = 0;

    memset(out, 0, sizeof(*out));
    if (atomic_load_explicit(&s->shutdown, memory_order_acquire) || !s->loops)
        return -1;
    /* a loop waiting for loops would stall (and could deadlock with another doing the same):
     * refuse, T5 */
    for (int i = 0; i < s->nloops; i++)
        if (pthread_equal(pthread_self(), s->loops[i]->thread))
            return -1;
    job = xcalloc(1, sizeof(*job));
    pthread_mutex_init(&job->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&job->cv, &ca);
    pthread_condattr_destroy(&ca);
    job->flags = flags;
    job->only_cid = only_cid;
    job->refs = 1 + s->nloops;
    job->remaining = s->nloops;
    for (int i = 0; i < s->nloops; i++) {
        if (loop_post_job(s->loops[i], job) == 0) {
            posted++;
        } else {
            pthread_mutex_lock(&job->mu);
            job->remaining--;
            job->refs--;
            pthread_mutex_unlock(&job->mu);
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &dl);
    dl.tv_sec += timeout_ms / 1000;
    dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&job->mu);
    while (job->remaining > 0) {
        if (pthread_cond_timedwait(&job->cv, &job->mu, &dl) == ETIMEDOUT)
            break;
    }
    job->abandoned = true;
    out->t = job->t;
    out->conns = job->conns;
    out->nconns = job->nconns;
    out->loops_answered = job->answered;
    job->conns = NULL;
    job->nconns = 0;
    pthread_mutex_unlock(&job->mu);
    snap_job_unref(job);
    (void)posted;
    return 0;
}

void server_snap_release(struct server_snap *sn)
{
    conn_info_free_array(sn->conns, sn->nconns);
    memset(sn, 0, sizeof(*sn));
}

/* ---- closed connections ---- */

struct snap_ring *snap_ring_new(void)
{
    struct snap_ring *r = xcalloc(1, sizeof(*r));
    pthread_mutex_init(&r->mu, NULL);
    return r;
}

void snap_ring_free(struct snap_ring *r)
{
    if (!r)
        return;
    conn_info_free_array(r->v, r->n);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

void snap_record_closed_locked(struct client *c, enum close_reason reason)
{
    struct snap_ring *r = c->srv->closed;
    struct conn_info ci, *slot;
    int64_t now_ns = clock_wall_ns(), now_ms = clock_mono_ms();

    memset(&ci, 0, sizeof(ci));
    ci.cid = c->cid;
    memcpy(ci.ip, c->host, sizeof(ci.ip));
    ci.port = c->port;
    ci.start_ns = c->start_ns;
    ci.last_ns = now_ns - (now_ms - c->last_in) * 1000000LL;
    if (ci.last_ns < ci.start_ns)
        ci.last_ns = ci.start_ns;
    ci.stop_ns = now_ns;
    ci.rtt_ns = c->rtt_us * 1000;
    ci.in_msgs = c->in_msgs;
    ci.in_bytes = c->in_bytes;
    ci.out_msgs = c->out_msgs;
    ci.out_bytes = c->out_bytes;
    ci.pending_bytes = c->out_pending;
    ci.nsubs = c->nsubs;
    ci.name = dup_or_null(c->name);
    ci.lang = dup_or_null(c->lang);
    ci.version = dup_or_null(c->version);
    ci.user = dup_or_null(c->auth_user);
    ci.account = dup_or_null(c->acc ? c->acc->name : NULL);
    ci.reason = reason;
    copy_subs_locked(c, &ci, SNAP_CLOSED_SUBS_MAX);

    pthread_mutex_lock(&r->mu);
    if (r->n < SNAP_CLOSED_MAX) {
        if (r->n == r->cap) {
            r->cap = r->cap ? r->cap * 2 : 64;
            if (r->cap > SNAP_CLOSED_MAX)
                r->cap = SNAP_CLOSED_MAX;
            r->v = xrealloc(r->v, r->cap * sizeof(*r->v));
        }
        slot = &r->v[r->n++];
    } else {
        slot = &r->v[r->head];
        r->head = (r->head + 1) % SNAP_CLOSED_MAX;
        conn_info_release(slot); /* frees under the lock: only monitoring waits on it */
    }
    *slot = ci;
    pthread_mutex_unlock(&r->mu);
}

static void copy_conn(struct conn_info *dst, const struct conn_info *src, unsigned flags)
{
    *dst = *src;
    dst->name = dup_or_null(src->name);
    dst->lang = dup_or_null(src->lang);
    dst->version = dup_or_null(src->version);
    dst->user = dup_or_null(src->user);
    dst->account = dup_or_null(src->account);
    dst->subs = NULL;
    dst->nsubs_list = 0;
    if ((flags & SNAP_SUBS) && src->nsubs_list > 0) {
        dst->subs = xcalloc(src->nsubs_list, sizeof(*dst->subs));
        for (uint32_t i = 0; i < src->nsubs_list; i++) {
            dst->subs[i].subject = xstrdup(src->subs[i].subject);
            dst->subs[i].queue = dup_or_null(src->subs[i].queue);
            dst->subs[i].sid = xstrdup(src->subs[i].sid);
            dst->subs[i].msgs = src->subs[i].msgs;
        }
        dst->nsubs_list = src->nsubs_list;
    }
}

size_t server_closed_conns(struct server *s, unsigned flags, struct conn_info **out)
{
    struct snap_ring *r = s->closed;
    size_t n;

    pthread_mutex_lock(&r->mu);
    n = r->n;
    *out = n ? xcalloc(n, sizeof(**out)) : NULL;
    for (size_t i = 0; i < n; i++)
        copy_conn(&(*out)[i], &r->v[(r->head + i) % n], flags); /* head is 0 until full */
    pthread_mutex_unlock(&r->mu);
    return n;
}
