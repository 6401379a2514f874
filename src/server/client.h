/* A client connection (mirrors server/client.go): its socket, parser, subscriptions, outbound
 * queue and timers. Owner-loop fields are touched only by the loop that accepted it (T2);
 * fields under "guarded by mu" by any loop holding mu (T3, L1). Lifetime: refcounted (R1). */
#ifndef NS_SERVER_CLIENT_H
#define NS_SERVER_CLIENT_H

#include "proto/errors.h"
#include "proto/parser.h"
#include "server/loop.h"
#include "server/replies.h"
#include "sublist/sublist.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct server;
struct account;
struct user_conf;
struct permissions;
struct subscription;
struct client_jwt;

/* An internal client's delivery: runs on the publisher's loop instead of queueing bytes.
 * pub is NULL for messages the server makes. Returns true if the message was taken. */
typedef bool client_internal_fn(struct loop *lp, struct subscription *sub, struct client *pub,
                                const struct proto_msg *m);
struct ssl_st; /* OpenSSL's SSL */
struct tls_peer_ids;

/* Where a connection is in TLS (owner loop only; docs/internals/tls.md). */
enum client_tls {
    CT_PLAIN = 0,   /* no TLS (the plaintext path costs nothing more) */
    CT_PEEK,        /* allow_non_tls: the first byte decides (0x16 starts a handshake) */
    CT_WAIT_FIRST,  /* handshake_first with fallback: waiting for the ClientHello or the delay */
    CT_HANDSHAKE,   /* SSL_do_handshake in progress; the outbound queue is held */
    CT_READY,       /* established: reads and writes go through ssl */
};

/* A subscription. The strings live in the same allocation, after the struct. */
struct subscription {
    struct sl_sub sl; /* first: the sublist sees only this */
    struct client *c;    /* holds a ref on c */
    struct account *acc; /* whose sublist holds it */
    const char *sid;
    uint32_t sid_len;
    bool closed;     /* guarded by c->mu: unsubscribed, deliver nothing more */
    bool check_deny; /* a wildcard overlapping c's subscribe deny list: filter deliveries */
    uint64_t nmsgs; /* guarded by c->mu: messages delivered */
    uint64_t max;   /* guarded by c->mu: auto-unsubscribe after this many (0: none) */
};

/* Open-addressing map sid -> subscription (guarded by c->mu). */
struct sidmap {
    struct subscription **slots;
    uint32_t cap, n;
};

/* Outbound queue: a list of chunks; appended at the tail, written from the head. */
struct ochunk {
    struct ochunk *next;
    uint32_t len, cap, off;
    char data[];
};

struct client {
    struct server *srv;
    struct loop *loop; /* owner */
    atomic_int refs;
    int fd;
    uint64_t cid;
    struct client *next, *prev; /* owner loop's list */

    pthread_mutex_t mu;
    /* guarded by mu */
    struct ochunk *out_head, *out_tail;
    uint64_t out_pending; /* bytes queued, including a batch being written */
    bool flush_queued;     /* in some loop's pending list or the owner's inbox */
    bool closing;          /* no more deliveries; the owner will close it */
    enum close_reason reason;
    struct sidmap subs;
    uint32_t nsubs;
    uint32_t nsubs_made; /* internal clients: sids handed out */
    uint64_t out_msgs, out_bytes;
    char *name; /* from CONNECT; read by loggers on any loop */
    struct reply_set replies; /* allow_responses: replies delivered to it */
    /* read by other loops when delivering to this client */
    atomic_bool headers_ok;

    /* Set at accept and at CONNECT by the owner, before the client has subscriptions or
     * publishes; read by deliveries on any loop after that. */
    struct account *acc;
    const struct user_conf *user;    /* authenticated user (NULL without a users list) */
    const struct permissions *perms; /* NULL: everything allowed */
    /* internal clients (fd -1, no loop): deliveries call icb(…) with iarg */
    client_internal_fn *icb;
    void *iarg;

    /* owner loop only (or a reload, with the loops parked) */
    char *cred_user, *cred_pass, *cred_token; /* CONNECT's credentials, re-checked on reload */
    bool reload_close; /* a reload found it no longer authorized */
    struct proto_parser ps;
    bool closed; /* close completed; events for it are ignored */
    bool connected; /* CONNECT received and accepted */
    bool verbose, pedantic, echo, headers, no_responders;
    bool want_write; /* EPOLLOUT registered */
    bool rtt_measured;
    bool pong_sent; /* answered a PING: takes async INFO (with protocol 1) */
    int protocol;
    int pings_out;
    char *lang, *version;
    char *auth_user;       /* the user it authenticated as (monitoring), or NULL */
    int64_t start_ns;      /* wall clock at accept (monitoring) */
    int64_t rtt_us;        /* last PING/PONG round trip, 0 until measured */
    int64_t rtt_start_us;  /* monotonic us when our last PING went out */
    int64_t last_in;       /* monotonic ms of the last inbound op */
    int64_t rtt_start;     /* when our last PING went out */
    int64_t last_progress; /* last write progress while stalled */
    uint64_t in_msgs, in_bytes; /* messages published and their payload bytes */
    struct timer ping_timer, conn_timer, wd_timer;
    /* nkey / JWT authentication (client_jwt.c, trust.h) */
    char nonce[16];          /* the INFO nonce ("" when none was sent) */
    struct client_jwt *jwt;  /* a JWT user's claims, permissions, CONNECT jwt/sig; or NULL */
    struct timer jwt_timer;  /* the user JWT's expiry */
    int max_subs;            /* subscriptions allowed (-1: no limit): max_subs, JWT limits */
    char host[INET6_ADDRSTRLEN];
    int port;

    /* TLS (owner loop only) */
    struct ssl_st *ssl; /* NULL: plaintext */
    enum client_tls tls;
    bool tls_info_pending;     /* handshake_first: INFO goes out once the handshake is done */
    bool tls_plain_write;      /* write the queue in plaintext now (INFO before the handshake) */
    bool tls_read_wants_write; /* SSL_read needs the socket writable to go on */
    int64_t tls_deadline;      /* monotonic ms: the handshake must be done by then */
    struct timer tls_timer;
    /* verify_and_map: the certificate's candidate user names (tls.h), NULL otherwise. Set
     * when the handshake completes, before any CONNECT is read; freed at close. */
    struct tls_peer_ids *tls_ids;
};

/* Owner loop: sets up a client for an accepted socket (takes ownership of fd), sends INFO,
 * arms its timers. */
void client_accept(struct loop *lp, int fd);
/* Owner loop: handles epoll events for c. */
void client_on_events(struct client *c, uint32_t events);
/* Owner loop: writes as much of the outbound queue as the socket takes. Clears
 * flush_queued. Closes c if it was marked closing. */
void client_flush(struct client *c);
/* Owner loop: closes c (idempotent): sends nothing more, removes its subscriptions, closes the
 * socket, logs "Client connection closed: <reason>". The owner's ref is dropped at the end of
 * the batch (R3). */
void client_close(struct client *c, enum close_reason reason);
void client_ref(struct client *c);
/* Drops a ref; frees c at zero (any thread). */
void client_unref(struct client *c);
/* Frees a subscription whose last ref went (the sublist's release callback). */
void client_sub_release(struct sl_sub *sl);

/* Appends bytes to c's outbound queue and queues c for flushing on lp (the calling loop).
 * Returns false if c is closing or would exceed max_pending (then marked slow). Locks c->mu. */
bool client_send(struct loop *lp, struct client *c, const char *p, size_t n);
/* Caller holds c->mu. Puts c in lp's end-of-batch flush list unless it is queued already. */
void client_queue_flush_locked(struct loop *lp, struct client *c);
/* Caller holds c->mu. Marks c a slow consumer (max_pending exceeded): nothing more is queued
 * for it, and its owner closes it at the flush (and logs it). */
void client_mark_slow_locked(struct loop *lp, struct client *c);
/* Caller holds c->mu. Unsubscribes sub: no more deliveries, out of the sid map. The caller
 * then takes it out of the sublist (sl_remove) after unlocking (L1). */
void client_sub_detach_locked(struct client *c, struct subscription *sub);
/* Appends to c's outbound queue; caller holds c->mu and has checked max_pending. */
void client_out_append_locked(struct client *c, const char *p, size_t n);
/* Sends "-ERR '<text>'\r\n" (and traces it). */
void client_send_err(struct client *c, const char *text);
/* Logs a line prefixed "<ip>:<port> - cid:<n> - " (and the client's name once known). */
void client_log(const struct client *c, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Internal clients (imports, the system account): bound to acc, no socket, no loop. Any
 * thread, at start-up or under the caller's own locking. */
struct client *client_new_internal(struct server *s, struct account *acc, client_internal_fn *fn,
                                   void *arg);
/* Removes every subscription of ic and drops the creator's ref. */
void client_free_internal(struct client *ic);
/* Subscribes ic to subject in its account; returns the subscription (borrowed: valid until
 * client_unsub_internal or client_free_internal). */
struct subscription *client_sub_internal(struct client *ic, const char *subject);
void client_unsub_internal(struct client *ic, struct subscription *sub);
/* A new subscription of c (not inserted anywhere; holds a ref on c). */
struct subscription *client_sub_new(struct client *c, const char *subj, size_t slen,
                                    const char *queue, size_t qlen, const char *sid,
                                    size_t sidlen);
/* TLS (client_tls.c), all owner loop. */
/* Right after accept: starts TLS as the server is configured (INFO already written for the
 * upgrade-after-INFO mode). */
void client_tls_start(struct client *c);
/* Handles events while c->tls is CT_PEEK, CT_WAIT_FIRST or CT_HANDSHAKE. */
void client_tls_on_events(struct client *c, uint32_t events);
/* Reads and parses application data through c->ssl (CT_READY). */
void client_tls_read(struct client *c);
/* Writes the detached chunks from head through c->ssl; returns the bytes taken, or -1 on a
 * connection error. */
long client_tls_write(struct client *c, struct ochunk *head);
/* The connect deadline fired during the handshake: closes c as a TLS handshake timeout. */
void client_tls_timeout(struct client *c);
/* At close: close_notify (best effort) unless reset, frees the session and identities. */
void client_tls_close(struct client *c, bool reset);
/* Shared with client.c. Counts and parses n bytes read from c; false when reading must stop
 * (c closed, or the parser stopped and must not be fed again). */
bool client_parse_in(struct client *c, const char *buf, size_t n);
bool client_write_out(struct client *c);
void client_set_want_write(struct client *c, bool on);

/* Parser callbacks (client_proto.c). */
extern const struct proto_handlers client_proto_handlers;

/* Delivery (deliver.c): one message to one subscription. Returns true if it was queued. */
struct proto_msg;
bool deliver_to_sub(struct loop *lp, struct client *pub, struct subscription *sub,
                    const struct proto_msg *m);
/* Routes a message published in acc to every matching subscription. Returns true if one took
 * it; otherwise, when no_resp is set and pub asked for it, sends pub the no-responders status.
 * pub may be NULL (the server's own messages). */
bool deliver_publish_in(struct loop *lp, struct account *acc, struct client *pub,
                        const struct proto_msg *m, bool no_resp);
/* A client's publish: deliver_publish_in(lp, pub->acc, pub, m, true). */
void deliver_publish(struct loop *lp, struct client *pub, const struct proto_msg *m);

/* sidmap.c */
struct subscription *sidmap_get(const struct sidmap *m, const char *sid, uint32_t len);
void sidmap_put(struct sidmap *m, struct subscription *sub);
void sidmap_del(struct sidmap *m, struct subscription *sub);
void sidmap_release(struct sidmap *m);

#endif
