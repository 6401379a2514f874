/* The monitoring HTTP(S) listener: one thread with its own epoll, never on a messaging loop
 * (threads-and-locks.md T6). Non-blocking sockets, one request per connection (answers carry
 * "Connection: close"), a bounded request head (HTTP_MAX_HEAD), a deadline for reading the head
 * and one for writing the answer (slow clients are dropped), and at most MON_MAX_CONNS open
 * connections. HTTPS (https_port): each connection first waits for its first record header
 * (HC_PEEK), then runs the TLS handshake driven by epoll (HC_HANDSHAKE: WANT_READ waits for
 * EPOLLIN, WANT_WRITE for EPOLLOUT) under a deadline, then the same request handling through
 * SSL_read/SSL_write; a close_notify is sent best-effort at the end. Endpoints: monitor.h; routing
 * mirrors the reference's mux (exact paths under http_base_path, "404 page not found" otherwise;
 * any method is answered like GET). */
#include "monitor/mon_priv.h"

#include "core/net.h"

#include "core/clock.h"
#include "core/log.h"
#include "core/xmalloc.h"
#include "monitor/http_parse.h"
#include "server/server.h"
#include "server/tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MON_MAX_CONNS 128
#define MON_READ_DEADLINE_MS 10000  /* the whole request head must arrive within this */
#define MON_WRITE_DEADLINE_MS 10000 /* and the answer must be taken within this */
#define MON_MAX_EVENTS 64

enum hc_state {
    HC_PEEK,      /* HTTPS: waiting for the first 5 bytes (edge-triggered) */
    HC_HANDSHAKE, /* HTTPS: SSL_do_handshake until done */
    HC_READ,      /* reading the request head */
    HC_WRITE,     /* writing the answer */
};

struct httpc {
    struct httpc *next, *prev;
    int fd;
    enum hc_state state;
    SSL *ssl;         /* HTTPS, from the handshake on */
    char peer[64];    /* "ip:port" for the log */
    int64_t deadline; /* monotonic ms */
    char in[HTTP_MAX_HEAD];
    size_t inlen;
    char *out;
    size_t outlen, outoff;
};

static char tag_listen, tag_event;

/* Paths the reference serves (the key in http_req_stats is the path without the base). */
enum route {
    R_ROOT, R_VARZ, R_CONNZ, R_ROUTEZ, R_GATEWAYZ, R_LEAFZ, R_SUBSZ, R_SUBSCRIPTIONSZ,
    R_ACCOUNTZ, R_ACCSTATZ, R_HEALTHZ, R_JSZ, R_METRICS, R_DASHBOARD, R_NONE,
};
static const char *const route_paths[] = {
    [R_ROOT] = "/",          [R_VARZ] = "/varz",         [R_CONNZ] = "/connz",
    [R_ROUTEZ] = "/routez",  [R_GATEWAYZ] = "/gatewayz", [R_LEAFZ] = "/leafz",
    [R_SUBSZ] = "/subsz",    [R_SUBSCRIPTIONSZ] = "/subscriptionsz",
    [R_ACCOUNTZ] = "/accountz", [R_ACCSTATZ] = "/accstatz", [R_HEALTHZ] = "/healthz",
    [R_JSZ] = "/jsz",        [R_METRICS] = "/metrics",   [R_DASHBOARD] = "/dashboard",
};

static const char TEXT_404[] = "404 page not found\n";

/* Startup errors, the reference's words (logged as fatal, then the server exits 1). */
#define MSG_BOTH_PORTS "Can't start monitoring: can't specify both HTTP (%d) and HTTPs (%d) ports"
#define MSG_NO_TLS "Can't start monitoring: TLS cert and key required for HTTPS"

/* Log texts (the reference's http.Server error log, prefixed "monitoring: "). */
#define LOG_HS_ERR "monitoring: TLS handshake error from %s: %s"
#define HS_NOT_TLS "tls: first record does not look like a TLS handshake"
#define HS_EOF "EOF"
#define HS_SHORT_EOF "unexpected EOF"
#define HS_TIMEOUT "handshake timeout"

/* ---- connections ---- */

static void conn_free(struct monitor *m, struct httpc *c)
{
    epoll_ctl(m->epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    SSL_free(c->ssl);
    if (c->prev)
        c->prev->next = c->next;
    else
        m->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    free(c->out);
    free(c);
    m->nconns--;
}

/* Reads what is left so close() does not reset the connection over unread bytes (which can
 * drop the answer in flight). Bounded. */
static void drain_input(int fd)
{
    char buf[4096];
    for (int i = 0; i < 16; i++) {
        if (read(fd, buf, sizeof(buf)) <= 0)
            break;
    }
}

static void set_events(struct monitor *m, struct httpc *c, uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.ptr = c};
    epoll_ctl(m->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static void handshake_failed(struct monitor *m, struct httpc *c, const char *why)
{
    log_printf(&m->srv->log, LOG_ERR, LOG_HS_ERR, c->peer, why);
    drain_input(c->fd);
    conn_free(m, c);
}

/* Results of io_read / io_write besides a byte count. */
#define IO_AGAIN (-1) /* would block: the epoll events are set for the retry */
#define IO_CLOSED 0   /* EOF or error: free the connection */

/* For an SSL_ERROR_WANT_* of c->ssl: waits for the event it needs. Returns IO_AGAIN, or
 * IO_CLOSED for any other error. */
static ssize_t ssl_wait(struct monitor *m, struct httpc *c, int ret)
{
    switch (SSL_get_error(c->ssl, ret)) {
    case SSL_ERROR_WANT_READ:
        set_events(m, c, EPOLLIN);
        return IO_AGAIN;
    case SSL_ERROR_WANT_WRITE:
        set_events(m, c, EPOLLOUT);
        return IO_AGAIN;
    default:
        ERR_clear_error();
        return IO_CLOSED;
    }
}

static ssize_t io_read(struct monitor *m, struct httpc *c, char *buf, size_t n)
{
    if (c->ssl) {
        int r;
        ERR_clear_error();
        r = SSL_read(c->ssl, buf, n > INT32_MAX ? INT32_MAX : (int)n);
        return r > 0 ? r : ssl_wait(m, c, r);
    }
    for (;;) {
        ssize_t r = read(c->fd, buf, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return IO_AGAIN; /* EPOLLIN stays set while reading */
        return r > 0 ? r : IO_CLOSED;
    }
}

static ssize_t io_write(struct monitor *m, struct httpc *c, const char *buf, size_t n)
{
    if (c->ssl) {
        int r;
        ERR_clear_error();
        r = SSL_write(c->ssl, buf, n > INT32_MAX ? INT32_MAX : (int)n);
        return r > 0 ? r : ssl_wait(m, c, r);
    }
    for (;;) {
        ssize_t r = send(c->fd, buf, n, MSG_NOSIGNAL);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            set_events(m, c, EPOLLOUT);
            return IO_AGAIN;
        }
        return r > 0 ? r : IO_CLOSED;
    }
}

/* Writes what the socket takes; frees c when everything went (or on error). */
static void conn_write(struct monitor *m, struct httpc *c)
{
    if (c->state != HC_WRITE) {
        c->state = HC_WRITE;
        c->deadline = clock_mono_ms() + MON_WRITE_DEADLINE_MS;
    }
    while (c->outoff < c->outlen) {
        ssize_t n = io_write(m, c, c->out + c->outoff, c->outlen - c->outoff);
        if (n == IO_AGAIN)
            return;
        if (n == IO_CLOSED) {
            conn_free(m, c);
            return;
        }
        c->outoff += (size_t)n;
    }
    if (c->ssl) {
        ERR_clear_error();
        if (SSL_shutdown(c->ssl) < 0) /* one close_notify, no waiting for the peer's */
            ERR_clear_error();
    }
    shutdown(c->fd, SHUT_WR);
    drain_input(c->fd);
    conn_free(m, c);
}

static void http_date(char *out, size_t cap)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, cap, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static const char *status_text(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 503:
        return "Service Unavailable";
    default:
        return "Error";
    }
}

/* Queues a full answer (head + body unless head_only) and starts writing it. */
static void respond(struct monitor *m, struct httpc *c, int minor, int status, const char *ctype,
                    const char *body, size_t blen, bool head_only, bool nosniff)
{
    char date[64], hdr[512];
    int hl;
    http_date(date, sizeof(date));
    hl = snprintf(hdr, sizeof(hdr),
                  "HTTP/1.%d %d %s\r\nContent-Type: %s\r\n%sDate: %s\r\nContent-Length: %zu\r\n"
                  "Connection: close\r\n\r\n",
                  minor, status, status_text(status), ctype,
                  nosniff ? "X-Content-Type-Options: nosniff\r\n" : "", date, blen);
    if (status >= 400) {
        pthread_mutex_lock(&m->mu);
        m->http_errors++;
        pthread_mutex_unlock(&m->mu);
    }
    c->outlen = (size_t)hl + (head_only ? 0 : blen);
    c->out = xmalloc(c->outlen);
    memcpy(c->out, hdr, (size_t)hl);
    if (!head_only && blen)
        memcpy(c->out + hl, body, blen);
    c->outoff = 0;
    conn_write(m, c);
}

/* Go net/http's own answers for a head it cannot take: no Date, no length, then close. */
static void respond_raw_error(struct monitor *m, struct httpc *c, int status, const char *text)
{
    char buf[512];
    int n = snprintf(buf, sizeof(buf),
                     "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
                     "Connection: close\r\n\r\n%d %s",
                     status, text, status, text);
    pthread_mutex_lock(&m->mu);
    m->http_errors++;
    pthread_mutex_unlock(&m->mu);
    c->out = xmemdup(buf, (size_t)n);
    c->outlen = (size_t)n;
    c->outoff = 0;
    conn_write(m, c);
}

static enum route find_route(struct monitor *m, const char *path, size_t len)
{
    size_t bl = strlen(m->base);
    if (bl) {
        if (len < bl || memcmp(path, m->base, bl) != 0)
            return R_NONE;
        path += bl;
        len -= bl;
        if (len == 0)
            return R_ROOT;
    }
    for (int r = 0; r < R_NONE; r++) {
        if (strlen(route_paths[r]) == len && memcmp(route_paths[r], path, len) == 0)
            return (enum route)r;
    }
    return R_NONE;
}

/* A JSONP callback name: JavaScript identifier characters and dots only. */
static bool callback_ok(const char *cb)
{
    if (!*cb)
        return false;
    for (const char *p = cb; *p; p++) {
        char ch = *p;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '$' || ch == '.'))
            return false;
    }
    return true;
}

static void respond_json(struct monitor *m, struct httpc *c, const struct http_request *rq,
                         json_t *j, bool compact, bool head_only)
{
    char cb[128];
    char *txt = json_dumps(j, (compact ? JSON_COMPACT : JSON_INDENT(2)) | JSON_REAL_PRECISION(15));
    size_t n = strlen(txt);
    if (rq->query_len && http_query_get(rq->query, rq->query_len, "callback", cb, sizeof(cb)) &&
        callback_ok(cb)) {
        size_t cl = strlen(cb);
        char *w = xmalloc(cl + n + 3);
        memcpy(w, cb, cl);
        w[cl] = '(';
        memcpy(w + cl + 1, txt, n);
        w[cl + 1 + n] = ')';
        w[cl + 2 + n] = '\0';
        respond(m, c, rq->minor, 200, "application/javascript", w, cl + n + 2, head_only, false);
        free(w);
    } else {
        respond(m, c, rq->minor, 200, "application/json", txt, n, head_only, false);
    }
    free(txt);
}

static void handle(struct monitor *m, struct httpc *c, const struct http_request *rq)
{
    struct server *s = m->srv;
    enum route r = find_route(m, rq->path, rq->path_len);
    bool head_only = rq->method_len == 4 && memcmp(rq->method, "HEAD", 4) == 0;
    char err[MON_ERR_MAX] = "";
    json_t *j = NULL;
    const char *q = rq->query;
    size_t ql = rq->query_len;

    if (r == R_NONE) {
        respond(m, c, rq->minor, 404, "text/plain; charset=utf-8", TEXT_404, sizeof(TEXT_404) - 1,
                head_only, true);
        return;
    }
    mon_count_request(m, route_paths[r]);
    switch (r) {
    case R_ROOT: {
        char *html = mon_index_html(m->base);
        respond(m, c, rq->minor, 200, "text/html; charset=utf-8", html, strlen(html), head_only,
                false);
        free(html);
        return;
    }
    case R_DASHBOARD:
        respond(m, c, rq->minor, 200, "text/html; charset=utf-8", mon_dashboard_html,
                strlen(mon_dashboard_html), head_only, false);
        return;
    case R_METRICS: {
        char *txt = mon_metrics(s, m);
        respond(m, c, rq->minor, 200, "text/plain; version=0.0.4; charset=utf-8", txt,
                strlen(txt), head_only, false);
        free(txt);
        return;
    }
    case R_VARZ:
        j = mon_varz(s, m);
        break;
    case R_CONNZ: {
        struct mon_connz_opts o;
        if (mon_connz_opts_from_query(q, ql, &o, err, sizeof(err)) == 0)
            j = mon_connz(s, &o, err, sizeof(err));
        break;
    }
    case R_SUBSZ:
    case R_SUBSCRIPTIONSZ: {
        struct mon_subsz_opts o;
        if (mon_subsz_opts_from_query(q, ql, &o, err, sizeof(err)) == 0)
            j = mon_subsz(s, &o, err, sizeof(err));
        break;
    }
    case R_ROUTEZ:
        j = mon_routez(s);
        break;
    case R_GATEWAYZ:
        j = mon_gatewayz(s);
        break;
    case R_LEAFZ:
        j = mon_leafz(s);
        break;
    case R_ACCOUNTZ: {
        char acc[256] = "";
        if (q)
            http_query_get(q, ql, "acc", acc, sizeof(acc));
        j = mon_accountz(s, acc, err, sizeof(err));
        break;
    }
    case R_ACCSTATZ:
        j = mon_accstatz(s);
        break;
    case R_JSZ:
        j = mon_jsz(s);
        break;
    case R_HEALTHZ: {
        struct mon_healthz_opts o;
        if (mon_healthz_opts_from_query(q, ql, &o, err, sizeof(err)) == 0)
            j = mon_healthz(s, &o);
        break;
    }
    default:
        break;
    }
    if (!j) {
        respond(m, c, rq->minor, 400, "text/plain; charset=utf-8", err, strlen(err), head_only,
                false);
        return;
    }
    respond_json(m, c, rq, j, r == R_HEALTHZ, head_only);
    json_decref(j);
}

static void conn_read(struct monitor *m, struct httpc *c)
{
    struct http_request rq;
    int st;
    for (;;) {
        ssize_t n;
        if (c->inlen == sizeof(c->in))
            break;
        n = io_read(m, c, c->in + c->inlen, sizeof(c->in) - c->inlen);
        if (n == IO_AGAIN)
            break;
        if (n == IO_CLOSED) {
            conn_free(m, c);
            return;
        }
        c->inlen += (size_t)n;
    }
    st = http_parse_request(c->in, c->inlen, &rq);
    if (st == HTTP_PARSE_INCOMPLETE)
        return;
    set_events(m, c, 0); /* stop reading: one request per connection */
    if (st == HTTP_PARSE_ERROR) {
        respond_raw_error(m, c, rq.error_status, rq.error_text);
        return;
    }
    pthread_rwlock_rdlock(&m->srv->cfg_lock); /* a reload changes what the pages read */
    handle(m, c, &rq);
    pthread_rwlock_unlock(&m->srv->cfg_lock);
}

/* HTTPS: one more TLS step. Done: the request head follows (maybe already buffered by
 * OpenSSL's read-ahead, which epoll cannot see, so it is read at once). */
static void handshake_step(struct monitor *m, struct httpc *c)
{
    int r;
    ERR_clear_error();
    r = SSL_do_handshake(c->ssl);
    if (r == 1) {
        c->state = HC_READ;
        c->deadline = clock_mono_ms() + MON_READ_DEADLINE_MS;
        set_events(m, c, EPOLLIN);
        conn_read(m, c);
        return;
    }
    switch (SSL_get_error(c->ssl, r)) {
    case SSL_ERROR_WANT_READ:
        set_events(m, c, EPOLLIN);
        return;
    case SSL_ERROR_WANT_WRITE:
        set_events(m, c, EPOLLOUT);
        return;
    default: {
        char why[256];
        tls_handshake_error(c->ssl, r, why, sizeof(why));
        handshake_failed(m, c, why);
        return;
    }
    }
}

/* HTTPS: looks at the first record header without taking it off the socket (edge-triggered
 * EPOLLIN, so a header arriving in pieces wakes us once per piece, never in a spin). */
static void conn_peek(struct monitor *m, struct httpc *c, uint32_t events)
{
    unsigned char hdr[MON_TLS_HDR];
    ssize_t n = recv(c->fd, hdr, sizeof(hdr), MSG_PEEK);

    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (n <= 0) {
        handshake_failed(m, c, HS_EOF);
        return;
    }
    if ((size_t)n < sizeof(hdr)) {
        if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
            handshake_failed(m, c, HS_SHORT_EOF);
        return;
    }
    switch (mon_tls_first_record(hdr)) {
    case MON_FIRST_HTTP: /* Go's answer, in plaintext, not logged */
        set_events(m, c, 0);
        c->outlen = strlen(MON_TEXT_HTTP_TO_HTTPS);
        c->out = xmemdup(MON_TEXT_HTTP_TO_HTTPS, c->outlen);
        c->outoff = 0;
        conn_write(m, c);
        return;
    case MON_FIRST_NOT_TLS:
        handshake_failed(m, c, HS_NOT_TLS);
        return;
    case MON_FIRST_TLS:
        break;
    }
    c->ssl = SSL_new(m->tls_ctx);
    if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1) {
        ERR_clear_error();
        conn_free(m, c);
        return;
    }
    SSL_set_accept_state(c->ssl);
    c->state = HC_HANDSHAKE;
    set_events(m, c, EPOLLIN);
    handshake_step(m, c);
}

static void peer_text(const struct sockaddr_storage *ss, char *out, size_t cap)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
        snprintf(out, cap, "[%s]:%d", ip, ntohs(a->sin6_port));
    } else {
        const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
        snprintf(out, cap, "%s:%d", ip, ntohs(a->sin_port));
    }
}

static void accept_all(struct monitor *m)
{
    for (;;) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        int fd = accept4(m->listen_fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        struct httpc *c;
        struct epoll_event ev = {.events = EPOLLIN};
        if (fd < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        if (m->nconns >= MON_MAX_CONNS && m->tls_ctx) {
            close(fd); /* no plaintext answer on a TLS port */
            continue;
        }
        if (m->nconns >= MON_MAX_CONNS) {
            static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n"
                                       "Content-Length: 0\r\n\r\n";
            if (send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
                /* best effort */
            }
            close(fd);
            continue;
        }
        c = xcalloc(1, sizeof(*c));
        c->fd = fd;
        peer_text(&ss, c->peer, sizeof(c->peer));
        if (m->tls_ctx) {
            c->state = HC_PEEK;
            c->deadline = clock_mono_ms() + m->handshake_ms;
            ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
        } else {
            c->state = HC_READ;
            c->deadline = clock_mono_ms() + MON_READ_DEADLINE_MS;
        }
        c->next = m->conns;
        if (m->conns)
            m->conns->prev = c;
        m->conns = c;
        m->nconns++;
        ev.data.ptr = c;
        epoll_ctl(m->epfd, EPOLL_CTL_ADD, fd, &ev);
    }
}

static void expire(struct monitor *m)
{
    int64_t now = clock_mono_ms();
    struct httpc *c = m->conns, *next;
    for (; c; c = next) {
        next = c->next;
        if (now < c->deadline)
            continue;
        if (c->state == HC_PEEK || c->state == HC_HANDSHAKE)
            handshake_failed(m, c, HS_TIMEOUT);
        else
            conn_free(m, c);
    }
}

static void *monitor_main(void *arg)
{
    struct monitor *m = arg;
    struct epoll_event evs[MON_MAX_EVENTS];

    while (!atomic_load_explicit(&m->stop, memory_order_acquire)) {
        int n = epoll_wait(m->epfd, evs, MON_MAX_EVENTS, 250);
        if (n < 0 && errno != EINTR)
            break;
        for (int i = 0; i < n; i++) {
            void *p = evs[i].data.ptr;
            if (p == &tag_listen) {
                accept_all(m);
            } else if (p == &tag_event) {
                uint64_t v;
                if (read(m->evfd, &v, sizeof(v)) < 0) {
                    /* nothing */
                }
            } else {
                struct httpc *c = p;
                switch (c->state) {
                case HC_PEEK:
                    conn_peek(m, c, evs[i].events);
                    break;
                case HC_HANDSHAKE:
                    handshake_step(m, c);
                    break;
                case HC_READ:
                    conn_read(m, c);
                    break;
                case HC_WRITE:
                    conn_write(m, c);
                    break;
                }
            }
        }
        expire(m);
    }
    while (m->conns)
        conn_free(m, m->conns);
    return NULL;
}

static int open_listener(struct monitor *m, const char *host, int port)
{
    char why[256];
    int fd = net_listen(host, port < 0 ? 0 : port, 128, &m->port, why, sizeof(why));

    if (fd < 0) {
        log_printf(&m->srv->log, LOG_FTL, "Can't listen to the monitor port: listen tcp %s:%d: %s",
                   host, port < 0 ? 0 : port, why);
        return -1;
    }
    m->listen_fd = fd;
    return 0;
}

struct monitor *monitor_open(struct server *s)
{
    struct monitor *m;
    const struct options *o = &s->opts;
    const char *host = o->http_host && *o->http_host ? o->http_host
                       : o->host && *o->host       ? o->host
                                                    : DEFAULT_HOST;
    struct epoll_event ev = {0};
    bool secure = o->https_port != 0;

    if (o->http_port == 0 && !secure)
        return NULL;
    /* the reference's startMonitoring checks, in its order */
    if (o->http_port != 0 && secure) {
        log_printf(&s->log, LOG_FTL, MSG_BOTH_PORTS, o->http_port, o->https_port);
        return NULL;
    }
    if (secure && !s->tls_ctx) {
        log_printf(&s->log, LOG_FTL, "%s", MSG_NO_TLS);
        return NULL;
    }
    m = xcalloc(1, sizeof(*m));
    m->srv = s;
    m->listen_fd = m->epfd = m->evfd = -1;
    pthread_mutex_init(&m->mu, NULL);
    atomic_init(&m->stop, false);
    snprintf(m->host, sizeof(m->host), "%s", host);
    if (o->http_base_path && *o->http_base_path) {
        const char *b = o->http_base_path;
        size_t bl;
        snprintf(m->base, sizeof(m->base), "%s%s", b[0] == '/' ? "" : "/", b);
        bl = strlen(m->base);
        while (bl > 0 && m->base[bl - 1] == '/')
            m->base[--bl] = '\0';
    }
    if (secure) {
        char err[1024];
        m->tls_ctx = mon_tls_ctx_new(s, err, sizeof(err));
        if (!m->tls_ctx) {
            log_printf(&s->log, LOG_FTL, "Can't start monitoring: %s", err);
            monitor_stop(m);
            return NULL;
        }
        m->handshake_ms = o->tlsc.timeout_ms > 0 ? o->tlsc.timeout_ms : DEFAULT_TLS_TIMEOUT_MS;
    }
    if (open_listener(m, host, secure ? o->https_port : o->http_port) != 0) {
        monitor_stop(m);
        return NULL;
    }
    log_printf(&s->log, LOG_INF, "Starting %s monitor on %s:%d", secure ? "https" : "http",
               m->host, m->port);
    m->epfd = epoll_create1(EPOLL_CLOEXEC);
    m->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (m->epfd < 0 || m->evfd < 0) {
        monitor_stop(m);
        return NULL;
    }
    ev.events = EPOLLIN;
    ev.data.ptr = &tag_listen;
    epoll_ctl(m->epfd, EPOLL_CTL_ADD, m->listen_fd, &ev);
    ev.data.ptr = &tag_event;
    epoll_ctl(m->epfd, EPOLL_CTL_ADD, m->evfd, &ev);
    return m;
}

int monitor_run(struct monitor *m)
{
    if (pthread_create(&m->thread, NULL, monitor_main, m) != 0)
        return -1;
    m->running = true;
    return 0;
}

int monitor_port(const struct monitor *m)
{
    return m ? m->port : 0;
}

void monitor_stop(struct monitor *m)
{
    uint64_t one = 1;
    if (!m)
        return;
    if (m->running) {
        atomic_store_explicit(&m->stop, true, memory_order_release);
        if (write(m->evfd, &one, sizeof(one)) < 0) {
            /* the loop polls stop every 250 ms anyway */
        }
        pthread_join(m->thread, NULL);
    }
    if (m->evfd >= 0)
        close(m->evfd);
    if (m->epfd >= 0)
        close(m->epfd);
    if (m->listen_fd >= 0)
        close(m->listen_fd);
    SSL_CTX_free(m->tls_ctx);
    pthread_mutex_destroy(&m->mu);
    free(m);
}
