/* Consistent reads of loop-owned data for monitoring (threads-and-locks.md T6, L4, R5).
 * Connections belong to their loops (T2), so another thread never walks a loop's client list:
 * server_snapshot() posts a job to every loop (through its inbox and eventfd), each loop fills
 * rows for its own connections and its own counters on its own thread, and the caller waits
 * (condvar, bounded) for the answers. Closed connections are kept in a bounded ring
 * (SNAP_CLOSED_MAX, oldest dropped first), written by the owner loop as it closes one.
 * Nothing here is on the message path: the cost is one job per loop per snapshot. */
#ifndef NS_SERVER_SNAPSHOT_H
#define NS_SERVER_SNAPSHOT_H

#include "proto/errors.h"

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct server;
struct loop;
struct client;

/* The reference keeps the last 10000 closed connections. */
#define SNAP_CLOSED_MAX 10000
/* Subscriptions kept per closed connection (bounds the ring's memory). */
#define SNAP_CLOSED_SUBS_MAX 32

struct conn_sub_info {
    char *subject, *queue, *sid; /* queue NULL for a plain subscription */
    uint64_t msgs;
};

/* One connection, open or closed. Strings are owned copies (NULL when unknown). */
struct conn_info {
    uint64_t cid;
    char ip[INET6_ADDRSTRLEN];
    int port;
    int64_t start_ns, last_ns, stop_ns; /* wall clock; stop_ns 0 while open */
    int64_t rtt_ns;                     /* 0 until the first PING/PONG round trip */
    uint64_t pending_bytes, in_msgs, in_bytes, out_msgs, out_bytes;
    uint32_t nsubs;      /* subscriptions the connection had */
    uint32_t nsubs_list; /* entries in subs (with SNAP_SUBS; capped for closed ones) */
    struct conn_sub_info *subs;
    char *name, *lang, *version, *user;
    char *account; /* the account's name */
    enum close_reason reason; /* CLOSE_NONE while open */
};

/* Server-wide figures summed over the loops. */
struct snap_totals {
    uint64_t in_msgs, in_bytes, out_msgs, out_bytes, slow_consumers;
    uint64_t cache_entries;           /* match results cached over all loops */
    uint64_t fanout_sum, fanout_max; /* over the cached results */
    uint64_t cache_hits, cache_lookups;
};

enum {
    SNAP_CONNS = 1, /* rows for open connections */
    SNAP_SUBS = 2,  /* with their subscription lists */
};

struct server_snap {
    struct snap_totals t;
    struct conn_info *conns; /* open connections, unordered */
    size_t nconns;
    int loops_answered; /* < s->nloops when a loop did not answer in time */
};

/* Any thread but a loop's: asks every loop for its counters (and with SNAP_CONNS its
 * connections; only_cid != 0 keeps just that one) and waits up to timeout_ms. Returns 0 with
 * *out filled (release it with server_snap_release), or -1 if the server is shutting down.
 * Loops that miss the deadline are left out (loops_answered says so). Called on a loop
 * thread it returns -1 at once (a loop must not wait for loops, T5): hand the work to
 * another thread. */
int server_snapshot(struct server *s, unsigned flags, uint64_t only_cid, int timeout_ms,
                    struct server_snap *out);
void server_snap_release(struct server_snap *sn);

/* Any thread: copies of the closed-connection ring, oldest first (SNAP_SUBS keeps their
 * subscription lists). Returns the count; *out is malloc'd (free with conn_info_free_array). */
size_t server_closed_conns(struct server *s, unsigned flags, struct conn_info **out);
void conn_info_free_array(struct conn_info *v, size_t n);
void conn_info_release(struct conn_info *ci);

/* Server internals. */
struct snap_ring;
struct snap_ring *snap_ring_new(void);
void snap_ring_free(struct snap_ring *r);
/* Owner loop, inside client_close with c->mu held and before its subscriptions go: records
 * c in the closed ring. */
void snap_record_closed_locked(struct client *c, enum close_reason reason);
/* Owner loop: runs the jobs handed to it (drain_inbox). */
struct loop_job;
void snap_run_job(struct loop *lp, struct loop_job *job);
/* Drops a job the loop will not run (shutdown). */
void snap_job_unref(struct loop_job *job);

#endif
