/* Event loops: see loop.h and docs/internals/threads-and-locks.md. A batch is one epoll_wait:
 * handle its events, run due timers, drain the inbox, then flush every connection appended to
 * (T4) and drop the owner refs of connections closed in the batch (R3). */
#include "server/loop.h"

#include "core/clock.h"
#include "core/xmalloc.h"
#include "server/client.h"
#include "server/server.h"
#include "server/snapshot.h"
#include "sublist/sublist.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_EVENTS 256
/* After a batch that read at least LOOP_SPIN_MIN_BYTES (a client is streaming), poll for
 * LOOP_SPIN_US before sleeping. Light traffic never spins, so a quiet loop costs no CPU. */
#define LOOP_SPIN_US 50
#define LOOP_SPIN_MIN_BYTES (64 * 1024)
#define MATCH_CACHE_SIZE 1024 /* entries; cleared when 3/4 full or when genid moves */

struct loop_task {
    struct loop_task *next;
    loop_task_fn *fn;
    void *arg;
};

/* Tags in epoll data for the non-client descriptors. Client events carry the client pointer. */
static char tag_listen, tag_event;

struct loop *loop_new(struct server *s, int idx)
{
    struct loop *lp = xcalloc(1, sizeof(*lp));
    struct epoll_event ev = {0};

    lp->srv = s;
    lp->idx = idx;
    lp->rbuf = xmalloc(LOOP_READ_BUF_SIZE);
    lp->rng = 0x9E3779B97F4A7C15ULL ^ ((uint64_t)(uintptr_t)lp) ^ (uint64_t)clock_wall_ns();
    lp->wake = xcalloc((size_t)s->nloops, sizeof(bool));
    lp->cache_cap = MATCH_CACHE_SIZE;
    lp->cache = xcalloc(lp->cache_cap, sizeof(*lp->cache));
    pthread_mutex_init(&lp->inbox_mu, NULL);
    lp->epfd = epoll_create1(EPOLL_CLOEXEC);
    lp->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (lp->epfd < 0 || lp->evfd < 0) {
        loop_free(lp);
        return NULL;
    }
    ev.events = EPOLLIN;
    ev.data.ptr = &tag_event;
    epoll_ctl(lp->epfd, EPOLL_CTL_ADD, lp->evfd, &ev);
    ev.events = EPOLLIN | EPOLLEXCLUSIVE;
    ev.data.ptr = &tag_listen;
    if (epoll_ctl(lp->epfd, EPOLL_CTL_ADD, s->listen_fd, &ev) != 0) {
        loop_free(lp);
        return NULL;
    }
    return lp;
}

static void cache_clear(struct loop *lp)
{
    for (uint32_t i = 0; i < lp->cache_cap; i++) {
        struct match_cache_entry *e = &lp->cache[i];
        if (e->r) {
            sl_result_free(e->sl, e->r);
            free(e->subject);
            memset(e, 0, sizeof(*e));
        }
    }
    lp->cache_n = 0;
}

void loop_free(struct loop *lp)
{
    if (!lp)
        return;
    if (lp->cache)
        cache_clear(lp);
    free(lp->cache);
    if (lp->epfd >= 0)
        close(lp->epfd);
    if (lp->evfd >= 0)
        close(lp->evfd);
    pthread_mutex_destroy(&lp->inbox_mu);
    free(lp->rbuf);
    free(lp->heap);
    free(lp->pending);
    free(lp->closed);
    free(lp->inbox);
    for (uint32_t i = 0; i < lp->njobs; i++)
        snap_job_unref(lp->jobs[i]);
    free(lp->jobs);
    while (lp->tasks) { /* posted but never run: the loop had stopped */
        struct loop_task *t = lp->tasks;
        lp->tasks = t->next;
        free(t);
    }
    free(lp->wake);
    free(lp);
}

void loop_wake(struct loop *lp)
{
    uint64_t one = 1;
    if (write(lp->evfd, &one, sizeof(one)) < 0) {
        /* EAGAIN: the counter is already non-zero, so the loop will wake anyway */
    }
}

uint64_t loop_rand(struct loop *lp)
{
    uint64_t x = lp->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    lp->rng = x;
    return x;
}

/* ---- timers: binary min-heap on 'when' ---- */

static void heap_swap(struct loop *lp, uint32_t a, uint32_t b)
{
    struct timer *t = lp->heap[a];
    lp->heap[a] = lp->heap[b];
    lp->heap[b] = t;
    lp->heap[a]->idx = (int32_t)a;
    lp->heap[b]->idx = (int32_t)b;
}

static void heap_up(struct loop *lp, uint32_t i)
{
    while (i > 0) {
        uint32_t p = (i - 1) / 2;
        if (lp->heap[p]->when <= lp->heap[i]->when)
            break;
        heap_swap(lp, i, p);
        i = p;
    }
}

static void heap_down(struct loop *lp, uint32_t i)
{
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < lp->nheap && lp->heap[l]->when < lp->heap[m]->when)
            m = l;
        if (r < lp->nheap && lp->heap[r]->when < lp->heap[m]->when)
            m = r;
        if (m == i)
            break;
        heap_swap(lp, i, m);
        i = m;
    }
}

void timer_cancel(struct loop *lp, struct timer *t)
{
    uint32_t i;
    if (t->idx < 0)
        return;
    i = (uint32_t)t->idx;
    t->idx = -1;
    lp->nheap--;
    if (i != lp->nheap) {
        lp->heap[i] = lp->heap[lp->nheap];
        lp->heap[i]->idx = (int32_t)i;
        heap_down(lp, i);
        heap_up(lp, i);
    }
}

void timer_arm(struct loop *lp, struct timer *t, int64_t when)
{
    timer_cancel(lp, t);
    if (lp->nheap == lp->capheap) {
        lp->capheap = lp->capheap ? lp->capheap * 2 : 64;
        lp->heap = xrealloc(lp->heap, lp->capheap * sizeof(*lp->heap));
    }
    t->when = when;
    t->idx = (int32_t)lp->nheap;
    lp->heap[lp->nheap++] = t;
    heap_up(lp, (uint32_t)t->idx);
}

static void run_timers(struct loop *lp)
{
    int64_t now = clock_mono_ms();
    while (lp->nheap > 0 && lp->heap[0]->when <= now) {
        struct timer *t = lp->heap[0];
        timer_cancel(lp, t);
        t->cb(lp, t);
    }
}

static int next_timeout(struct loop *lp)
{
    int64_t d;
    if (lp->nheap == 0)
        return 1000;
    d = lp->heap[0]->when - clock_mono_ms();
    if (d < 0)
        return 0;
    return d > 1000 ? 1000 : (int)d;
}

/* ---- flushing across loops (T4) ---- */

void loop_queue_flush(struct loop *lp, struct client *c)
{
    client_ref(c);
    if (lp->npending == lp->cappending) {
        lp->cappending = lp->cappending ? lp->cappending * 2 : 64;
        lp->pending = xrealloc(lp->pending, lp->cappending * sizeof(*lp->pending));
    }
    lp->pending[lp->npending++] = c;
}

static void hand_over(struct loop *owner, struct client *c)
{
    pthread_mutex_lock(&owner->inbox_mu);
    if (owner->ninbox == owner->capinbox) {
        owner->capinbox = owner->capinbox ? owner->capinbox * 2 : 64;
        owner->inbox = xrealloc(owner->inbox, owner->capinbox * sizeof(*owner->inbox));
    }
    owner->inbox[owner->ninbox++] = c; /* the ref moves with it */
    pthread_mutex_unlock(&owner->inbox_mu);
}

void loop_flush_early(struct loop *lp, struct client *c)
{
    if (c->loop == lp) {
        client_flush(c);
        return;
    }
    client_ref(c);
    hand_over(c->loop, c);
    loop_wake(c->loop);
}

struct loop *loop_new_worker(struct server *s)
{
    struct loop *lp = xcalloc(1, sizeof(*lp));

    lp->srv = s;
    lp->idx = -1;
    lp->epfd = lp->evfd = -1;
    lp->rng = 0x9E3779B97F4A7C15ULL ^ ((uint64_t)(uintptr_t)lp) ^ (uint64_t)clock_wall_ns();
    lp->wake = xcalloc((size_t)s->nloops, sizeof(bool));
    lp->cache_cap = MATCH_CACHE_SIZE;
    lp->cache = xcalloc(lp->cache_cap, sizeof(*lp->cache));
    pthread_mutex_init(&lp->inbox_mu, NULL);
    return lp;
}

static void flush_pending(struct loop *lp);

void loop_end_batch(struct loop *lp)
{
    flush_pending(lp);
}

static void flush_pending(struct loop *lp)
{
    struct server *s = lp->srv;
    /* client_flush may queue more (e.g. a close that sends nothing); loop until empty */
    while (lp->npending > 0) {
        uint32_t n = lp->npending;
        struct client **list = lp->pending;
        lp->pending = NULL;
        lp->npending = lp->cappending = 0;
        for (uint32_t i = 0; i < n; i++) {
            struct client *c = list[i];
            if (c->loop == lp) {
                client_flush(c);
                client_unref(c);
            } else {
                hand_over(c->loop, c);
                lp->wake[c->loop->idx] = true;
            }
        }
        free(list);
    }
    for (int i = 0; i < s->nloops; i++) {
        if (lp->wake[i]) {
            lp->wake[i] = false;
            loop_wake(s->loops[i]);
        }
    }
}

int loop_post_task(struct loop *lp, loop_task_fn *fn, void *arg)
{
    struct loop_task *t = xmalloc(sizeof(*t));

    t->next = NULL;
    t->fn = fn;
    t->arg = arg;
    pthread_mutex_lock(&lp->inbox_mu);
    if (lp->stopped) {
        pthread_mutex_unlock(&lp->inbox_mu);
        free(t);
        return -1;
    }
    if (lp->tasks_tail)
        lp->tasks_tail->next = t;
    else
        lp->tasks = t;
    lp->tasks_tail = t;
    pthread_mutex_unlock(&lp->inbox_mu);
    loop_wake(lp);
    return 0;
}

int loop_post_job(struct loop *lp, struct loop_job *job)
{
    pthread_mutex_lock(&lp->inbox_mu);
    if (lp->stopped) {
        pthread_mutex_unlock(&lp->inbox_mu);
        return -1;
    }
    if (lp->njobs == lp->capjobs) {
        lp->capjobs = lp->capjobs ? lp->capjobs * 2 : 4;
        lp->jobs = xrealloc(lp->jobs, lp->capjobs * sizeof(*lp->jobs));
    }
    lp->jobs[lp->njobs++] = job;
    pthread_mutex_unlock(&lp->inbox_mu);
    loop_wake(lp);
    return 0;
}

static void drain_inbox(struct loop *lp)
{
    struct client **list;
    struct loop_job **jobs;
    struct loop_task *tasks;
    uint32_t n, njobs;
    uint64_t v;
    if (read(lp->evfd, &v, sizeof(v)) < 0) {
        /* EAGAIN: nothing signalled */
    }
    pthread_mutex_lock(&lp->inbox_mu);
    list = lp->inbox;
    n = lp->ninbox;
    lp->inbox = NULL;
    lp->ninbox = lp->capinbox = 0;
    jobs = lp->jobs;
    njobs = lp->njobs;
    lp->jobs = NULL;
    lp->njobs = lp->capjobs = 0;
    tasks = lp->tasks;
    lp->tasks = lp->tasks_tail = NULL;
    pthread_mutex_unlock(&lp->inbox_mu);
    for (uint32_t i = 0; i < n; i++) {
        client_flush(list[i]);
        client_unref(list[i]);
    }
    free(list);
    for (uint32_t i = 0; i < njobs; i++)
        snap_run_job(lp, jobs[i]); /* drops the loop's ref */
    free(jobs);
    while (tasks) {
        struct loop_task *t = tasks;
        tasks = t->next;
        t->fn(lp, t->arg);
        free(t);
    }
}

static void drop_closed(struct loop *lp)
{
    for (uint32_t i = 0; i < lp->nclosed; i++)
        client_unref(lp->closed[i]);
    lp->nclosed = 0;
}

/* ---- match cache (R4) ---- */

static uint64_t hash_bytes(const char *p, uint32_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (uint32_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 1099511628211ULL;
    }
    return h | 1; /* never 0: 0 marks an empty slot */
}

struct sl_result *loop_match(struct loop *lp, struct sublist *sl, const char *subject,
                             uint32_t len)
{
    uint64_t gen = sl_genid(sl);
    uint64_t h = hash_bytes(subject, len) ^ (uint64_t)(uintptr_t)sl;
    uint32_t mask = lp->cache_cap - 1, i;
    struct match_cache_entry *e;

    h |= 1;
    lp->cache_lookups++;
    for (i = (uint32_t)h & mask;; i = (i + 1) & mask) {
        e = &lp->cache[i];
        if (!e->r)
            break;
        if (e->hash == h && e->sl == sl && e->len == len &&
            memcmp(e->subject, subject, len) == 0) {
            if (e->genid == gen)
                lp->cache_hits++;
            else { /* the sublist changed since: match again */
                sl_result_free(sl, e->r);
                e->r = sl_match(sl, subject, len);
                e->genid = gen;
            }
            return e->r;
        }
    }
    if (lp->cache_n >= lp->cache_cap * 3 / 4) {
        cache_clear(lp);
        for (i = (uint32_t)h & mask; lp->cache[i].r; i = (i + 1) & mask)
            ;
    }
    e = &lp->cache[i];
    e->r = sl_match(sl, subject, len);
    e->sl = sl;
    e->genid = gen;
    e->hash = h;
    e->len = len;
    e->subject = xmemdup(subject, len);
    lp->cache_n++;
    return e->r;
}

/* ---- the loop ---- */

static void accept_all(struct loop *lp)
{
    for (int i = 0; i < 64; i++) {
        int fd = accept4(lp->srv->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EMFILE || errno == ENFILE)
                log_printf(&lp->srv->log, LOG_ERR, "Temporary Client Accept Error(%s)",
                           strerror(errno));
            return;
        }
        client_accept(lp, fd);
    }
}

static void close_all(struct loop *lp)
{
    while (lp->clients)
        client_close(lp->clients, CLOSE_SHUTDOWN);
    flush_pending(lp);
    drain_inbox(lp);
    drop_closed(lp);
}

static void *loop_main(void *arg)
{
    struct loop *lp = arg;
    struct server *s = lp->srv;
    struct epoll_event evs[MAX_EVENTS];

    int64_t busy_until = 0; /* monotonic us: poll without sleeping until then */

    while (!atomic_load_explicit(&s->shutdown, memory_order_acquire)) {
        int n = epoll_wait(lp->epfd, evs, MAX_EVENTS, 0);
        if (n == 0) {
            /* Nothing ready. Right after a streaming batch, keep polling a few microseconds:
             * a publisher streaming into us refills the socket almost at once, and a sleep and
             * wake-up per read costs both sides more than the spin (see
             * docs/internals/performance.md). Idle loops sleep at once. */
            if (clock_mono_us() < busy_until)
                continue;
            n = epoll_wait(lp->epfd, evs, MAX_EVENTS, next_timeout(lp));
        }
        lp->batch_in = 0;
        if (n < 0 && errno != EINTR)
            break;
        for (int i = 0; i < n; i++) {
            void *p = evs[i].data.ptr;
            if (p == &tag_listen)
                accept_all(lp);
            else if (p == &tag_event)
                drain_inbox(lp);
            else
                client_on_events(p, evs[i].events);
        }
        run_timers(lp);
        flush_pending(lp);
        drop_closed(lp);
        if (lp->batch_in >= LOOP_SPIN_MIN_BYTES)
            busy_until = clock_mono_us() + LOOP_SPIN_US;
    }
    epoll_ctl(lp->epfd, EPOLL_CTL_DEL, s->listen_fd, NULL);
    close_all(lp);
    /* answer the snapshot jobs still queued, then refuse new ones */
    pthread_mutex_lock(&lp->inbox_mu);
    lp->stopped = true;
    pthread_mutex_unlock(&lp->inbox_mu);
    drain_inbox(lp);
    return NULL;
}

int loop_start(struct loop *lp)
{
    return pthread_create(&lp->thread, NULL, loop_main, lp) == 0 ? 0 : -1;
}
