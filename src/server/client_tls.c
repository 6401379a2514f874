/* TLS on client connections: the per-connection state machine driven by the owner loop's
 * epoll events (docs/internals/tls.md). Sockets stay non-blocking: SSL_ERROR_WANT_READ waits
 * for EPOLLIN, SSL_ERROR_WANT_WRITE registers EPOLLOUT. Nothing here blocks, so a client
 * stalled mid-handshake costs the loop nothing but its timer. Owner loop only (T2). */
#include "server/client.h"

#include "core/clock.h"
#include "server/info.h"
#include "server/server.h"
#include "server/tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <openssl/err.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#define CONTAINER(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))
#define TLS_RECORD_MAX (16 * 1024)
#define TLS_READ_BURST 4
#define TLS_HANDSHAKE_BYTE 0x16 /* a TLS record of type handshake: a ClientHello comes */

static void tls_timer_cb(struct loop *lp, struct timer *t);

static int64_t handshake_timeout(const struct client *c)
{
    int64_t t = c->srv->opts.tlsc.timeout_ms;
    return t > 0 ? t : DEFAULT_TLS_TIMEOUT_MS;
}

/* Creates the session and arms the handshake deadline. */
static bool begin_handshake(struct client *c)
{
    c->ssl = SSL_new(c->srv->tls_ctx);
    if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1) {
        ERR_clear_error();
        client_log(c, LOG_ERR, "TLS handshake error: cannot create a TLS session");
        client_close(c, CLOSE_TLS_HANDSHAKE);
        return false;
    }
    SSL_set_accept_state(c->ssl);
    client_log(c, LOG_DBG, "Starting TLS client connection handshake");
    return true;
}

void client_tls_start(struct client *c)
{
    const struct tls_opts *t = &c->srv->opts.tlsc;
    int64_t now = clock_mono_ms();

    if (c->closed)
        return;
    c->tls_timer.cb = tls_timer_cb;
    if (!c->srv->tls_required) {
        c->tls = CT_PEEK; /* allow_non_tls: INFO is queued; the client's first byte decides */
        return;
    }
    c->tls_deadline = now + handshake_timeout(c);
    if (t->handshake_first) {
        c->tls_info_pending = true;
        if (!begin_handshake(c))
            return;
        if (t->fallback_ms > 0 && t->fallback_ms < handshake_timeout(c)) {
            c->tls = CT_WAIT_FIRST;
            timer_arm(c->loop, &c->tls_timer, now + t->fallback_ms);
            return;
        }
        c->tls = CT_HANDSHAKE;
        timer_arm(c->loop, &c->tls_timer, c->tls_deadline);
        return;
    }
    /* upgrade after INFO: INFO goes out in plaintext now, before any handshake byte */
    c->tls_plain_write = true;
    client_write_out(c);
    c->tls_plain_write = false;
    if (c->closed || !begin_handshake(c))
        return;
    c->tls = CT_HANDSHAKE;
    timer_arm(c->loop, &c->tls_timer, c->tls_deadline);
}

static void handshake_failed(struct client *c, const char *why)
{
    client_log(c, LOG_ERR, "TLS handshake error: %s", why);
    client_close(c, CLOSE_TLS_HANDSHAKE);
}

static void handshake_done(struct client *c)
{
    struct server *s = c->srv;
    char key_id[65];

    if (!tls_pinned_ok(c->ssl, &s->opts.tlsc, key_id)) {
        client_log(c, LOG_DBG, "Failed pinned cert test for key id: %s", key_id);
        handshake_failed(c, "certificate not pinned");
        return;
    }
    timer_cancel(c->loop, &c->tls_timer);
    c->tls = CT_READY;
    client_log(c, LOG_DBG, "TLS handshake complete");
    client_log(c, LOG_DBG, "TLS version %s, cipher suite %s", tls_version_text(c->ssl),
               tls_cipher_text(c->ssl));
    if (s->opts.tlsc.map)
        c->tls_ids = tls_peer_ids_get(c->ssl);
    if (c->tls_info_pending) {
        c->tls_info_pending = false;
        info_send(c); /* handshake_first: INFO is the first thing inside TLS */
    }
    client_set_want_write(c, false);
    client_flush(c); /* whatever was held during the handshake (INFO, a PING) */
    if (!c->closed)
        client_tls_read(c); /* the client may have sent CONNECT with its Finished */
}

static void handshake_step(struct client *c)
{
    int r;

    ERR_clear_error();
    r = SSL_do_handshake(c->ssl);
    if (r == 1) {
        handshake_done(c);
        return;
    }
    switch (SSL_get_error(c->ssl, r)) {
    case SSL_ERROR_WANT_READ:
        client_set_want_write(c, false);
        return;
    case SSL_ERROR_WANT_WRITE:
        client_set_want_write(c, true);
        return;
    default: {
        char why[512];
        tls_handshake_error(c->ssl, r, why, sizeof(why));
        handshake_failed(c, why);
        return;
    }
    }
}

void client_tls_on_events(struct client *c, uint32_t events)
{
    unsigned char b;
    ssize_t n;

    switch (c->tls) {
    case CT_PEEK:
        if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
            client_flush(c);
            return;
        }
        do {
            n = recv(c->fd, &b, 1, MSG_PEEK);
        } while (n < 0 && errno == EINTR);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n == 1 && b == TLS_HANDSHAKE_BYTE) {
            if (!begin_handshake(c))
                return;
            c->tls = CT_HANDSHAKE;
            c->tls_deadline = clock_mono_ms() + handshake_timeout(c);
            timer_arm(c->loop, &c->tls_timer, c->tls_deadline);
            handshake_step(c);
            return;
        }
        c->tls = CT_PLAIN; /* a plaintext client (or EOF, which the plain read handles) */
        client_on_events(c, events);
        return;
    case CT_WAIT_FIRST:
        if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
            return;
        c->tls = CT_HANDSHAKE;
        timer_arm(c->loop, &c->tls_timer, c->tls_deadline);
        handshake_step(c);
        return;
    case CT_HANDSHAKE:
        handshake_step(c);
        return;
    case CT_PLAIN:
    case CT_READY:
        break;
    }
}

void client_tls_read(struct client *c)
{
    struct loop *lp = c->loop;

    c->tls_read_wants_write = false;
    for (int burst = 1;; burst++) {
        size_t got = 0;
        bool blocked = false, eof = false, failed = false;

        ERR_clear_error();
        while (got < LOOP_READ_BUF_SIZE) {
            size_t room = LOOP_READ_BUF_SIZE - got;
            int r = SSL_read(c->ssl, lp->rbuf + got, room > INT_MAX ? INT_MAX : (int)room);
            if (r > 0) {
                got += (size_t)r;
                continue;
            }
            switch (SSL_get_error(c->ssl, r)) {
            case SSL_ERROR_WANT_READ:
                blocked = true;
                break;
            case SSL_ERROR_WANT_WRITE:
                c->tls_read_wants_write = true;
                client_set_want_write(c, true);
                blocked = true;
                break;
            case SSL_ERROR_ZERO_RETURN: /* close_notify, or EOF (IGNORE_UNEXPECTED_EOF) */
                eof = true;
                break;
            case SSL_ERROR_SYSCALL:
                if (ERR_peek_error() == 0 && (r == 0 || errno == ECONNRESET))
                    eof = true;
                else
                    failed = true;
                break;
            default:
                failed = true;
                break;
            }
            break;
        }
        ERR_clear_error();
        if (got > 0 && !client_parse_in(c, lp->rbuf, got))
            return;
        if (eof) {
            client_close(c, CLOSE_CLIENT);
            return;
        }
        if (failed) {
            client_close(c, CLOSE_READ_ERROR);
            return;
        }
        /* WANT_READ: OpenSSL holds no complete record; the next bytes wake epoll */
        if (blocked)
            return;
        /* The buffer filled. After a few rounds let the other connections run, unless
         * OpenSSL holds bytes already read from the socket: epoll would not report those. */
        if (burst >= TLS_READ_BURST && !SSL_has_pending(c->ssl))
            return;
    }
}

long client_tls_write(struct client *c, struct ochunk *head)
{
    char rec[TLS_RECORD_MAX];
    long done = 0;
    struct ochunk *ch = head;
    uint32_t off = ch ? ch->off : 0;

    ERR_clear_error();
    while (ch) {
        const char *p;
        size_t len = ch->len - off;
        int r;

        if (len == 0) {
            ch = ch->next;
            off = ch ? ch->off : 0;
            continue;
        }
        if (len >= TLS_RECORD_MAX) {
            /* a big chunk goes as it is */
            p = ch->data + off;
            if (len > INT_MAX)
                len = INT_MAX;
        } else {
            /* small chunks: gather up to one record, so each makes no record of its own. A
             * retry after WANT_WRITE gathers the same leading bytes again (the queue only
             * grows at its tail), as OpenSSL requires (moving buffer mode). */
            struct ochunk *g = ch;
            uint32_t goff = off;
            size_t n = 0;
            while (g && n < sizeof(rec)) {
                size_t k = g->len - goff;
                if (k > sizeof(rec) - n)
                    k = sizeof(rec) - n;
                memcpy(rec + n, g->data + goff, k);
                n += k;
                g = g->next;
                goff = g ? g->off : 0;
            }
            p = rec;
            len = n;
        }
        r = SSL_write(c->ssl, p, (int)len);
        if (r <= 0) {
            int e = SSL_get_error(c->ssl, r);
            ERR_clear_error();
            if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ)
                return done;
            return done > 0 ? done : -1;
        }
        done += r;
        /* advance (ch, off) by r bytes */
        for (size_t adv = (size_t)r; adv > 0 && ch;) {
            size_t k = ch->len - off;
            if (adv < k) {
                off += (uint32_t)adv;
                adv = 0;
            } else {
                adv -= k;
                ch = ch->next;
                off = ch ? ch->off : 0;
            }
        }
    }
    return done;
}

/* "read tcp <local>-><remote>: i/o timeout", as Go words a handshake deadline. */
static void timeout_text(struct client *c, char *out, size_t n)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    char ip[INET6_ADDRSTRLEN] = "";
    int port = 0;

    if (getsockname(c->fd, (struct sockaddr *)&ss, &sl) == 0) {
        if (ss.ss_family == AF_INET) {
            struct sockaddr_in *a = (struct sockaddr_in *)&ss;
            inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
            port = ntohs(a->sin_port);
        } else if (ss.ss_family == AF_INET6) {
            struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
            inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
            port = ntohs(a->sin6_port);
        }
    }
    if (strchr(ip, ':'))
        snprintf(out, n, "read tcp [%s]:%d->[%s]:%d: i/o timeout", ip, port, c->host, c->port);
    else
        snprintf(out, n, "read tcp %s:%d->%s:%d: i/o timeout", ip, port, c->host, c->port);
}

void client_tls_timeout(struct client *c)
{
    char why[256];

    timeout_text(c, why, sizeof(why));
    client_log(c, LOG_ERR, "TLS handshake error: %s", why);
    client_log(c, LOG_ERR, "TLS handshake timeout");
    /* the reference queues this -ERR but closes before it can go out; so does natrium */
    client_log(c, LOG_TRC, "->> [-ERR %s]", proto_err_text(ERRT_TLS_REQUIRED));
    client_close(c, CLOSE_TLS_HANDSHAKE);
}

static void tls_timer_cb(struct loop *lp, struct timer *t)
{
    struct client *c = CONTAINER(t, struct client, tls_timer);

    if (c->closed)
        return;
    if (c->tls == CT_WAIT_FIRST) {
        /* handshake_first fallback: the client sent nothing, so it waits for INFO first */
        c->tls = CT_HANDSHAKE;
        c->tls_info_pending = false;
        info_send(c);
        c->tls_plain_write = true;
        client_write_out(c);
        c->tls_plain_write = false;
        if (!c->closed)
            timer_arm(lp, t, c->tls_deadline);
        return;
    }
    if (c->tls == CT_HANDSHAKE)
        client_tls_timeout(c);
}

void client_tls_close(struct client *c, bool reset)
{
    if (c->tls != CT_READY) {
        /* A failed handshake: take what the client sent (a plaintext CONNECT, say) off the
         * socket, bounded, so the close is a clean EOF for it rather than a reset. */
        char sink[4096];
        for (int i = 0; i < 16; i++) {
            ssize_t n = recv(c->fd, sink, sizeof(sink), MSG_DONTWAIT);
            if (n <= 0)
                break;
        }
    }
    if (c->tls == CT_READY && !reset) {
        ERR_clear_error();
        SSL_shutdown(c->ssl); /* one close_notify, best effort: no waiting for the peer's */
        ERR_clear_error();
    }
    SSL_free(c->ssl);
    c->ssl = NULL;
    tls_peer_ids_free(c->tls_ids);
    c->tls_ids = NULL;
}
