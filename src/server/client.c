/* Client connections: accept, read, outbound queue, flush, timers, close (mirrors the
 * connection half of server/client.go). Thread rules T2, T3, L3, R1, R3 in
 * docs/internals/threads-and-locks.md. */
#include "server/client.h"

#include "server/account.h"
#include "server/client_auth.h"
#include "server/events.h"

#include "core/clock.h"
#include "core/units.h"
#include "core/xmalloc.h"
#include "server/info.h"
#include "server/server.h"
#include "server/snapshot.h"
#include "server/trust.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define FIRST_PING_MAX_MS 2000 /* the first client PING comes early, to measure RTT */
#define MIN_CHUNK 512
#define MAX_CHUNK (64 * 1024)
#define MAX_IOV 64

static void ping_timer_cb(struct loop *lp, struct timer *t);
static void conn_timer_cb(struct loop *lp, struct timer *t);
static void wd_timer_cb(struct loop *lp, struct timer *t);

#define CONTAINER(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

void client_ref(struct client *c)
{
    atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
}

static void free_chunks(struct ochunk *ch)
{
    while (ch) {
        struct ochunk *next = ch->next;
        free(ch);
        ch = next;
    }
}

void client_unref(struct client *c)
{
    if (atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) != 1)
        return;
    proto_parser_release(&c->ps);
    free_chunks(c->out_head);
    sidmap_release(&c->subs);
    replies_release(&c->replies);
    free(c->name);
    free(c->lang);
    free(c->version);
    free(c->auth_user);
    free(c->cred_user);
    free(c->cred_pass);
    free(c->cred_token);
    client_jwt_free(c->jwt);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

void client_log(const struct client *c, int level, const char *fmt, ...)
{
    const struct logger *lg = &c->srv->log;
    char msg[4096], name[256];
    va_list ap;
    if (!log_enabled(lg, level))
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    pthread_mutex_lock((pthread_mutex_t *)&c->mu);
    snprintf(name, sizeof(name), "%s", c->name ? c->name : "");
    pthread_mutex_unlock((pthread_mutex_t *)&c->mu);
    if (*name)
        log_printf(lg, (enum log_level)level, "%s:%d - cid:%llu - \"%s\" - %s", c->host, c->port,
                   (unsigned long long)c->cid, name, msg);
    else
        log_printf(lg, (enum log_level)level, "%s:%d - cid:%llu - %s", c->host, c->port,
                   (unsigned long long)c->cid, msg);
}

/* ---- outbound queue (guarded by mu) ---- */

void client_out_append_locked(struct client *c, const char *p, size_t n)
{
    struct ochunk *t = c->out_tail;
    c->out_pending += n;
    while (n > 0) {
        if (!t || t->len == t->cap) {
            uint32_t cap = t ? t->cap * 2 : MIN_CHUNK;
            if (cap > MAX_CHUNK)
                cap = MAX_CHUNK;
            if (cap < n && n <= MAX_CHUNK)
                cap = (uint32_t)n;
            struct ochunk *nc = xmalloc(sizeof(*nc) + cap);
            nc->next = NULL;
            nc->len = nc->off = 0;
            nc->cap = cap;
            if (t)
                t->next = nc;
            else
                c->out_head = nc;
            c->out_tail = t = nc;
        }
        size_t room = t->cap - t->len, k = n < room ? n : room;
        memcpy(t->data + t->len, p, k);
        t->len += (uint32_t)k;
        p += k;
        n -= k;
    }
}

void client_sub_detach_locked(struct client *c, struct subscription *sub)
{
    sub->closed = true;
    sidmap_del(&c->subs, sub);
    c->nsubs--;
}

void client_queue_flush_locked(struct loop *lp, struct client *c)
{
    if (!c->flush_queued) {
        c->flush_queued = true;
        loop_queue_flush(lp, c);
    }
}

void client_mark_slow_locked(struct loop *lp, struct client *c)
{
    c->closing = true;
    c->reason = CLOSE_SLOW_PENDING;
    client_queue_flush_locked(lp, c);
}

bool client_send(struct loop *lp, struct client *c, const char *p, size_t n)
{
    bool ok = true;
    /* The slow-consumer log line comes from client_close, on the owner loop. */
    pthread_mutex_lock(&c->mu);
    if (c->closing) {
        ok = false;
    } else if (c->out_pending + n > (uint64_t)c->srv->opts.max_pending) {
        client_mark_slow_locked(lp, c);
        ok = false;
    } else {
        client_out_append_locked(c, p, n);
        client_queue_flush_locked(lp, c);
    }
    pthread_mutex_unlock(&c->mu);
    return ok;
}

void client_send_err(struct client *c, const char *text)
{
    char buf[512];
    int n = snprintf(buf, sizeof(buf), "-ERR '%s'\r\n", text);
    client_log(c, LOG_TRC, "->> [-ERR %s]", text);
    client_send(c->loop, c, buf, (size_t)(n < (int)sizeof(buf) ? n : (int)sizeof(buf) - 1));
}

void client_set_want_write(struct client *c, bool on)
{
    struct epoll_event ev = {.events = EPOLLIN | (on ? EPOLLOUT : 0), .data.ptr = c};
    if (c->want_write == on)
        return;
    c->want_write = on;
    epoll_ctl(c->loop->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Writes what the socket takes (L3). Returns false on a write error (c closed). While a TLS
 * handshake is under way the queue is held (written once it is done). */
bool client_write_out(struct client *c)
{
    struct iovec iov[MAX_IOV];
    struct ochunk *head, *ch;
    ssize_t w;
    int n = 0;

    if (c->ssl && c->tls != CT_READY && !c->tls_plain_write) {
        pthread_mutex_lock(&c->mu);
        c->flush_queued = false;
        pthread_mutex_unlock(&c->mu);
        return true;
    }
    pthread_mutex_lock(&c->mu);
    c->flush_queued = false;
    head = c->out_head;
    c->out_head = c->out_tail = NULL;
    pthread_mutex_unlock(&c->mu);
    if (!head)
        return true;

    if (c->ssl && c->tls == CT_READY) {
        w = client_tls_write(c, head);
        if (w < 0)
            errno = EPIPE;
    } else {
        for (ch = head; ch && n < MAX_IOV; ch = ch->next) {
            iov[n].iov_base = ch->data + ch->off;
            iov[n].iov_len = ch->len - ch->off;
            n++;
        }
        do {
            w = writev(c->fd, iov, n);
        } while (w < 0 && errno == EINTR);
    }
    if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
        free_chunks(head);
        pthread_mutex_lock(&c->mu);
        c->out_pending = 0;
        pthread_mutex_unlock(&c->mu);
        client_close(c, CLOSE_WRITE_ERROR);
        return false;
    }
    size_t done = w > 0 ? (size_t)w : 0;
    /* drop fully written chunks, advance the first partial one */
    while (head && done >= head->len - head->off) {
        done -= head->len - head->off;
        ch = head->next;
        free(head);
        head = ch;
    }
    if (head)
        head->off += (uint32_t)done;
    pthread_mutex_lock(&c->mu);
    c->out_pending -= (uint64_t)(w > 0 ? w : 0);
    if (head) {
        /* splice the remainder back in front of anything appended meanwhile */
        struct ochunk *last = head;
        while (last->next)
            last = last->next;
        last->next = c->out_head;
        if (!c->out_head)
            c->out_tail = last;
        c->out_head = head;
    }
    bool more = c->out_head != NULL;
    pthread_mutex_unlock(&c->mu);

    int64_t now = clock_mono_ms();
    if (w > 0)
        c->last_progress = now;
    if (more) {
        client_set_want_write(c, true);
        if (c->wd_timer.idx < 0 && c->srv->opts.write_deadline_ms > 0) {
            c->last_progress = now;
            timer_arm(c->loop, &c->wd_timer, now + c->srv->opts.write_deadline_ms);
        }
    } else {
        client_set_want_write(c, c->tls_read_wants_write);
        timer_cancel(c->loop, &c->wd_timer);
    }
    return true;
}

void client_flush(struct client *c)
{
    bool closing;
    if (c->closed)
        return;
    if (!client_write_out(c))
        return;
    pthread_mutex_lock(&c->mu);
    closing = c->closing;
    pthread_mutex_unlock(&c->mu);
    if (closing)
        client_close(c, CLOSE_NONE);
}

/* ---- timers ---- */

static int64_t first_ping_delay(struct client *c)
{
    int64_t d = c->srv->opts.ping_interval_ms;
    if (d > FIRST_PING_MAX_MS)
        d = FIRST_PING_MAX_MS;
    /* up to 20% later, so a crowd of clients does not ping in step */
    if (d >= 5)
        d += (int64_t)(loop_rand(c->loop) % (uint64_t)(d / 5));
    return d;
}

static void ping_timer_cb(struct loop *lp, struct timer *t)
{
    struct client *c = CONTAINER(t, struct client, ping_timer);
    struct server *s = c->srv;
    int64_t now = clock_mono_ms();

    if (c->ssl && c->tls != CT_READY) {
        /* no PING before the TLS handshake is done (it would precede a TLS-first INFO) */
        timer_arm(lp, t, now + s->opts.ping_interval_ms);
        return;
    }
    if (c->pings_out + 1 > s->opts.ping_max) {
        client_log(c, LOG_DBG, "Stale Client Connection - Closing");
        client_send_err(c, proto_err_text(ERRT_STALE));
        client_close(c, CLOSE_STALE);
        return;
    }
    /* Traffic within the interval proves the client alive: skip this PING (once RTT known). */
    if (c->rtt_measured && now - c->last_in < s->opts.ping_interval_ms) {
        timer_arm(lp, t, now + s->opts.ping_interval_ms);
        return;
    }
    c->pings_out++;
    c->rtt_start = now;
    c->rtt_start_us = clock_mono_us();
    client_log(c, LOG_TRC, "->> [PING]");
    client_send(lp, c, "PING\r\n", 6);
    timer_arm(lp, t, now + s->opts.ping_interval_ms);
}

static void conn_timer_cb(struct loop *lp, struct timer *t)
{
    struct client *c = CONTAINER(t, struct client, conn_timer);
    (void)lp;
    if (c->connected)
        return;
    if (c->tls == CT_HANDSHAKE || c->tls == CT_WAIT_FIRST) {
        client_tls_timeout(c); /* the handshake is what is late */
        return;
    }
    client_log(c, LOG_DBG, "Authentication Timeout");
    client_send_err(c, proto_err_text(ERRT_AUTH_TIMEOUT));
    client_close(c, CLOSE_AUTH_TIMEOUT);
}

static void wd_timer_cb(struct loop *lp, struct timer *t)
{
    struct client *c = CONTAINER(t, struct client, wd_timer);
    struct server *s = c->srv;
    int64_t now = clock_mono_ms();
    uint64_t pending;

    pthread_mutex_lock(&c->mu);
    pending = c->out_pending;
    pthread_mutex_unlock(&c->mu);
    if (pending == 0)
        return;
    if (now - c->last_progress < s->opts.write_deadline_ms) {
        timer_arm(lp, t, c->last_progress + s->opts.write_deadline_ms);
        return;
    }
    char dl[32];
    units_format_duration(s->opts.write_deadline_ms, dl, sizeof(dl));
    client_log(c, LOG_INF,
               "Slow Consumer Detected: WriteDeadline of %s exceeded with %llu chars to send", dl,
               (unsigned long long)pending);
    lp->slow_consumers++;
    client_close(c, CLOSE_SLOW_DEADLINE);
}

/* ---- accept, read, close ---- */

void client_accept(struct loop *lp, int fd)
{
    struct server *s = lp->srv;
    struct client *c = xcalloc(1, sizeof(*c));
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    struct epoll_event ev = {.events = EPOLLIN};
    int one = 1;

    c->srv = s;
    c->loop = lp;
    c->fd = fd;
    atomic_init(&c->refs, 1);
    pthread_mutex_init(&c->mu, NULL);
    c->cid = atomic_fetch_add(&s->next_cid, 1);
    c->verbose = c->pedantic = c->echo = true; /* the reference's defaults before CONNECT */
    c->acc = s->gacc;
    c->jwt_timer = (struct timer){.idx = -1};
    c->max_subs = s->opts.max_subs > 0 ? s->opts.max_subs : -1;
    client_nonce_init(c);
    client_auth_init(c);
    c->ping_timer = (struct timer){.idx = -1, .cb = ping_timer_cb};
    c->conn_timer = (struct timer){.idx = -1, .cb = conn_timer_cb};
    c->wd_timer = (struct timer){.idx = -1, .cb = wd_timer_cb};
    c->tls_timer = (struct timer){.idx = -1, .cb = NULL}; /* client_tls_start sets it */
    c->last_in = clock_mono_ms();
    c->start_ns = clock_wall_ns();
    proto_parser_init(&c->ps, &client_proto_handlers, c);
    c->ps.max_control_line = (uint32_t)s->opts.max_control_line;
    c->ps.max_payload = s->opts.max_payload;
    c->ps.need_connect = s->auth_required;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0) {
        if (ss.ss_family == AF_INET) {
            struct sockaddr_in *a = (struct sockaddr_in *)&ss;
            inet_ntop(AF_INET, &a->sin_addr, c->host, sizeof(c->host));
            c->port = ntohs(a->sin_port);
        } else if (ss.ss_family == AF_INET6) {
            struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
            inet_ntop(AF_INET6, &a->sin6_addr, c->host, sizeof(c->host));
            c->port = ntohs(a->sin6_port);
        }
    }
    /* link into the loop */
    c->next = lp->clients;
    if (lp->clients)
        lp->clients->prev = c;
    lp->clients = c;
    ev.data.ptr = c;
    epoll_ctl(lp->epfd, EPOLL_CTL_ADD, fd, &ev);

    client_log(c, LOG_DBG, "Client connection created");
    if (!(s->tls_required && s->opts.tlsc.handshake_first))
        info_send(c); /* with handshake_first, INFO comes after the handshake */
    if (atomic_fetch_add(&s->nconns, 1) >= s->opts.max_connections) {
        client_log(c, LOG_ERR, "%s", proto_err_text(ERRT_MAX_CONNECTIONS));
        client_send_err(c, proto_err_text(ERRT_MAX_CONNECTIONS));
        client_close(c, CLOSE_MAX_CONNECTIONS);
        return;
    }
    int64_t now = clock_mono_ms();
    int64_t ct = s->auth_required ? s->opts.auth_timeout_ms : s->opts.connect_timeout_ms;
    if (ct > 0)
        timer_arm(lp, &c->conn_timer, now + ct);
    if (s->opts.ping_interval_ms > 0)
        timer_arm(lp, &c->ping_timer, now + first_ping_delay(c));
    if (s->tls_ctx)
        client_tls_start(c);
}

/* The -ERR and close reason for each parser error (texts from proto/errors.h). */
static void parse_failed(struct client *c, enum proto_status st)
{
    switch (st) {
    case PROTO_ERR_UNKNOWN_OP:
        client_log(c, LOG_ERR, "%s", c->ps.errmsg);
        client_send_err(c, proto_err_text(ERRT_UNKNOWN_OP));
        client_close(c, CLOSE_PROTOCOL_VIOLATION);
        break;
    case PROTO_ERR_AUTH_FIRST:
        client_log(c, LOG_ERR, "%s", proto_err_text(ERRT_AUTH_VIOLATION));
        client_send_err(c, proto_err_text(ERRT_AUTH_VIOLATION));
        client_close(c, CLOSE_AUTH_FAILURE);
        break;
    case PROTO_ERR_CONTROL_LINE:
        client_log(c, LOG_ERR, "%s", c->ps.errmsg);
        client_send_err(c, proto_err_text(ERRT_MAX_CONTROL_LINE));
        client_close(c, CLOSE_MAX_CONTROL_LINE);
        break;
    case PROTO_ERR_MAX_PAYLOAD:
        client_log(c, LOG_ERR, "%s", c->ps.errmsg);
        client_send_err(c, proto_err_text(ERRT_MAX_PAYLOAD));
        client_close(c, CLOSE_MAX_PAYLOAD);
        break;
    case PROTO_ERR_ARGS:
    case PROTO_ERR_NO_HEADERS:
        client_log(c, LOG_ERR, "%s", c->ps.errmsg);
        client_close(c, CLOSE_PROTOCOL_VIOLATION);
        break;
    case PROTO_ERR_CLIENT_ERR:
        client_log(c, LOG_ERR, "%s", c->ps.errmsg);
        client_close(c, CLOSE_PARSE_ERROR); /* as the reference's processErr */
        break;
    case PROTO_OK:
    case PROTO_STOP:
        break;
    }
}

/* Reads and parses. A read that fills the whole buffer means the client is streaming: read
 * again at once (up to READ_BURST times, so one connection cannot starve the others on the
 * loop) instead of going back through epoll_wait. */
#define READ_BURST 4

static void read_in(struct client *c)
{
    struct loop *lp = c->loop;

    for (int burst = 0; burst < READ_BURST; burst++) {
        ssize_t n;
        do {
            n = read(c->fd, lp->rbuf, LOOP_READ_BUF_SIZE);
        } while (n < 0 && errno == EINTR);
        if (n == 0) {
            client_close(c, CLOSE_CLIENT);
            return;
        }
        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                client_close(c, errno == ECONNRESET ? CLOSE_CLIENT : CLOSE_READ_ERROR);
            return;
        }
        if (!client_parse_in(c, lp->rbuf, (size_t)n) || (size_t)n < LOOP_READ_BUF_SIZE)
            return;
    }
}

bool client_parse_in(struct client *c, const char *buf, size_t n)
{
    struct loop *lp = c->loop;
    lp->batch_in += (uint64_t)n;
    c->last_in = clock_mono_ms();
    enum proto_status st = proto_parse(&c->ps, buf, n);
    if (st == PROTO_OK)
        return !c->closed;
    if (!c->closed)
        parse_failed(c, st);
    return false; /* stopped or failed: the parser must not be fed again */
}

void client_on_events(struct client *c, uint32_t events)
{
    if (c->closed)
        return;
    if (c->tls != CT_PLAIN && c->tls != CT_READY) {
        client_tls_on_events(c, events);
        return;
    }
    if (events & (EPOLLIN | EPOLLHUP | EPOLLERR) ||
        (c->tls_read_wants_write && (events & EPOLLOUT))) {
        if (c->ssl)
            client_tls_read(c);
        else
            read_in(c);
    }
    if (!c->closed && (events & EPOLLOUT))
        client_flush(c);
}

void client_close(struct client *c, enum close_reason reason)
{
    struct loop *lp = c->loop;
    struct subscription **subs = NULL;
    uint32_t nsubs = 0;

    if (c->closed)
        return;
    c->closed = true;
    pthread_mutex_lock(&c->mu);
    c->closing = true;
    if (reason != CLOSE_NONE && c->reason == CLOSE_NONE)
        c->reason = reason;
    reason = c->reason != CLOSE_NONE ? c->reason : CLOSE_CLIENT;
    if (c->srv->record_closed)
        snap_record_closed_locked(c, reason);
    /* take every subscription out of the sid map; the sublist comes after the unlock (L1) */
    if (c->subs.n > 0) {
        subs = xmalloc(c->subs.n * sizeof(*subs));
        for (uint32_t i = 0; i < c->subs.cap; i++) {
            struct subscription *sub = c->subs.slots[i];
            if (sub) {
                sub->closed = true;
                subs[nsubs++] = sub;
            }
        }
    }
    sidmap_release(&c->subs);
    c->nsubs = 0;
    pthread_mutex_unlock(&c->mu);
    if (reason == CLOSE_SLOW_PENDING) {
        lp->slow_consumers++;
        client_log(c, LOG_INF, "Slow Consumer Detected: MaxPending of %lld Exceeded",
                   (long long)c->srv->opts.max_pending);
    }

    /* best effort: the last -ERR and whatever else is queued */
    client_write_out(c);

    for (uint32_t i = 0; i < nsubs; i++) {
        client_log(c, LOG_TRC, "<-> [DELSUB %.*s]", (int)subs[i]->sid_len, subs[i]->sid);
        sl_remove(subs[i]->acc->sl, &subs[i]->sl);
    }
    free(subs);

    timer_cancel(lp, &c->ping_timer);
    timer_cancel(lp, &c->conn_timer);
    timer_cancel(lp, &c->wd_timer);
    timer_cancel(lp, &c->tls_timer);
    timer_cancel(lp, &c->jwt_timer);
    epoll_ctl(lp->epfd, EPOLL_CTL_DEL, c->fd, NULL);
    bool reset = reason == CLOSE_SLOW_PENDING || reason == CLOSE_SLOW_DEADLINE ||
                 reason == CLOSE_WRITE_ERROR;
    if (c->ssl)
        client_tls_close(c, reset || reason == CLOSE_TLS_HANDSHAKE);
    if (reset) {
        /* A reader that stopped: what is still queued in the kernel will not be read, so
         * reset instead of a graceful close that would hold it (up to the socket's send
         * buffer, megabytes) until the peer drains it or TCP gives up. */
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    }
    close(c->fd);
    c->fd = -1;
    if (c->prev)
        c->prev->next = c->next;
    else
        lp->clients = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->next = c->prev = NULL;
    atomic_fetch_sub(&c->srv->nconns, 1);
    if (c->connected) {
        atomic_fetch_sub(&c->acc->nconns, 1);
        events_client_disconnect(lp, c, reason);
    }
    proto_parser_release(&c->ps);
    client_log(c, LOG_DBG, "Client connection closed: %s", close_reason_text(reason));

    if (lp->nclosed == lp->capclosed) {
        lp->capclosed = lp->capclosed ? lp->capclosed * 2 : 16;
        lp->closed = xrealloc(lp->closed, lp->capclosed * sizeof(*lp->closed));
    }
    lp->closed[lp->nclosed++] = c; /* the owner's ref, dropped after the batch (R3) */
}

/* ---- internal clients ---- */

struct client *client_new_internal(struct server *s, struct account *acc, client_internal_fn *fn,
                                   void *arg)
{
    struct client *c = xcalloc(1, sizeof(*c));

    c->srv = s;
    c->fd = -1;
    atomic_init(&c->refs, 1);
    pthread_mutex_init(&c->mu, NULL);
    c->acc = acc;
    c->icb = fn;
    c->iarg = arg;
    c->echo = true;
    c->headers = true;
    atomic_init(&c->headers_ok, true);
    return c;
}

struct subscription *client_sub_internal(struct client *ic, const char *subject)
{
    char sid[24];
    struct subscription *sub;
    int n;

    pthread_mutex_lock(&ic->mu);
    n = snprintf(sid, sizeof(sid), "%u", ++ic->nsubs_made);
    pthread_mutex_unlock(&ic->mu);
    sub = client_sub_new(ic, subject, strlen(subject), NULL, 0, sid, (size_t)n);
    if (sl_insert(ic->acc->sl, &sub->sl) != 0) {
        client_sub_release(&sub->sl);
        return NULL;
    }
    pthread_mutex_lock(&ic->mu);
    sidmap_put(&ic->subs, sub);
    ic->nsubs++;
    pthread_mutex_unlock(&ic->mu);
    return sub;
}

void client_unsub_internal(struct client *ic, struct subscription *sub)
{
    bool remove = false;

    if (!sub)
        return;
    pthread_mutex_lock(&ic->mu);
    if (!sub->closed) {
        client_sub_detach_locked(ic, sub);
        remove = true;
    }
    pthread_mutex_unlock(&ic->mu);
    if (remove)
        sl_remove(sub->acc->sl, &sub->sl);
}

void client_free_internal(struct client *ic)
{
    struct subscription **subs = NULL;
    uint32_t nsubs = 0;

    if (!ic)
        return;
    pthread_mutex_lock(&ic->mu);
    ic->closing = true;
    if (ic->subs.n > 0) {
        subs = xmalloc(ic->subs.n * sizeof(*subs));
        for (uint32_t i = 0; i < ic->subs.cap; i++) {
            struct subscription *sub = ic->subs.slots[i];
            if (sub) {
                sub->closed = true;
                subs[nsubs++] = sub;
            }
        }
    }
    sidmap_release(&ic->subs);
    ic->nsubs = 0;
    pthread_mutex_unlock(&ic->mu);
    for (uint32_t i = 0; i < nsubs; i++)
        sl_remove(subs[i]->acc->sl, &subs[i]->sl);
    free(subs);
    client_unref(ic);
}
