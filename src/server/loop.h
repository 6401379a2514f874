/* One event loop thread: epoll, timers (a binary min-heap), the inbox other loops hand
 * connections over with, and the per-loop match cache. A loop owns the connections it accepted
 * (T1, T2). Everything here runs on the loop's own thread unless marked "any thread". */
#ifndef NS_SERVER_LOOP_H
#define NS_SERVER_LOOP_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct server;
struct client;
struct loop;
struct sl_result;
struct loop_job;
struct loop_task;
typedef void loop_task_fn(struct loop *lp, void *arg);

/* Bytes one read() may take from a socket into the loop's shared buffer. Large reads mean
 * fewer syscalls for fast publishers; the buffer is per loop, not per connection. */
#define LOOP_READ_BUF_SIZE (64 * 1024) /* 256 KiB read less per CPU second: performance.md */

struct timer {
    int64_t when; /* monotonic ms */
    int32_t idx;  /* position in the heap, -1 when not armed */
    void (*cb)(struct loop *lp, struct timer *t);
};

struct match_cache_entry {
    uint64_t hash;
    struct sublist *sl; /* whose result */
    uint64_t genid;     /* sl's genid when matched: stale once it moves */
    char *subject; /* owned */
    uint32_t len;
    struct sl_result *r;
};

struct loop {
    struct server *srv;
    int idx;
    int epfd;
    int evfd; /* eventfd: inbox and shutdown wake-ups */
    pthread_t thread;
    char *rbuf; /* shared read buffer: connections keep no buffer while idle */
    uint64_t rng;

    struct timer **heap;
    uint32_t nheap, capheap;

    struct client *clients; /* owned connections (doubly linked) */
    struct client **pending; /* connections appended to in this batch (each holds a ref) */
    uint32_t npending, cappending;
    struct client **closed; /* closed in this batch; the owner ref is dropped after it */
    uint32_t nclosed, capclosed;
    bool *wake; /* [nloops] loops to wake at the end of this batch */

    pthread_mutex_t inbox_mu;
    struct client **inbox; /* handed over by other loops, each with a ref */
    uint32_t ninbox, capinbox;
    struct loop_job **jobs; /* snapshot requests (snapshot.h), each with a ref */
    struct loop_task *tasks, *tasks_tail; /* guarded by inbox_mu: loop_post_task */
    uint32_t njobs, capjobs;
    bool stopped;           /* guarded by inbox_mu: the loop has exited, post no more jobs */

    struct match_cache_entry *cache; /* open addressing, power-of-two size */
    uint32_t cache_cap, cache_n;

    uint64_t batch_in; /* bytes read in the current batch (decides whether to spin) */
    int import_depth;  /* imports re-publishing within one delivery (cycle guard) */

    /* counters (this loop's share; summed for monitoring) */
    uint64_t in_msgs, in_bytes, out_msgs, out_bytes, slow_consumers;
    uint64_t cache_hits, cache_lookups;
};

struct loop *loop_new(struct server *s, int idx);
/* A loop without epoll or thread, for a thread that is not a loop but delivers messages (the
 * system account's worker): it owns no connection, so loop_end_batch hands everything it
 * appended to to the owners. Free it with loop_free. */
struct loop *loop_new_worker(struct server *s);
/* The worker's end of batch: flushes (hands over) every connection appended to. */
void loop_end_batch(struct loop *lp);
void loop_free(struct loop *lp);
int loop_start(struct loop *lp);
/* Any thread: wakes the loop (eventfd). */
void loop_wake(struct loop *lp);
/* Any thread: runs fn(lp, arg) on lp's own thread in its next batch (after the inbox).
 * Returns 0, or -1 if lp has stopped (fn will not run). */
int loop_post_task(struct loop *lp, loop_task_fn *fn, void *arg);

/* Any thread but lp's: queues a snapshot job for lp and wakes it; the job's ref moves to the
 * loop. Returns 0, or -1 if the loop has stopped (the caller keeps the ref). */
int loop_post_job(struct loop *lp, struct loop_job *job);

void timer_arm(struct loop *lp, struct timer *t, int64_t when);
void timer_cancel(struct loop *lp, struct timer *t);

/* Remembers c for the end-of-batch flush. Caller holds c->mu and has set c->flush_queued;
 * takes a ref on c. */
void loop_queue_flush(struct loop *lp, struct client *c);
/* Flushes c now instead of at the end of the batch (its queue has grown past
 * LOOP_EARLY_FLUSH_BYTES): directly if lp owns it, else by handing it to its owner at once.
 * c stays in the batch's pending list; the second flush finds little or nothing to do. */
void loop_flush_early(struct loop *lp, struct client *c);
/* Queue size at which a subscriber is flushed before the batch ends: bounds the memory a
 * large fan-out holds per batch, and the latency the batch adds. */
#define LOOP_EARLY_FLUSH_BYTES (256 * 1024)

/* Matches subject in sl through this loop's cache. The result is borrowed: valid until the
 * next call on this loop. */
struct sl_result *loop_match(struct loop *lp, struct sublist *sl, const char *subject,
                             uint32_t len);
/* Fast per-loop random number (xorshift). */
uint64_t loop_rand(struct loop *lp);

#endif
