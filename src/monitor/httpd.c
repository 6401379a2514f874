/* The monitoring HTTP listener: one thread with its own epoll, never on a messaging loop
 * (threads-and-locks.md T6). Non-blocking sockets, one request per connection (answers carry
 * "Connection: close"), a bounded request head (HTTP_MAX_HEAD), a deadline for reading the head
 * and one for writing the answer (slow clients are dropped), and at most MON_MAX_CONNS open
 * connections. Endpoints: monitor.h; routing mirrors the reference's mux (exact paths under
 * http_base_path, "404 page not found" otherwise; any method is answered like GET). */
#include "monitor/mon_priv.h"

#include "core/clock.h"
#include "core/log.h"
#include "core/xmalloc.h"
#include "monitor/http_parse.h"
#include "server/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
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

struct httpc {
    struct httpc *next, *prev;
    int fd;
    bool writing;
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

/* ---- connections ---- */

static void conn_free(struct monitor *m, struct httpc *c)
{
    epoll_ctl(m->epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
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

/* Writes what the socket takes; frees c when everything went (or on error). */
static void conn_write(struct monitor *m, struct httpc *c)
{
    while (c->outoff < c->outlen) {
        ssize_t n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                if (!c->writing) {
                    struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
                    c->writing = true;
                    c->deadline = clock_mono_ms() + MON_WRITE_DEADLINE_MS;
                    epoll_ctl(m->epfd, EPOLL_CTL_MOD, c->fd, &ev);
                }
                return;
            }
            conn_free(m, c);
            return;
        }
        c->outoff += (size_t)n;
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
        n = read(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n <= 0) {
            conn_free(m, c);
            return;
        }
        c->inlen += (size_t)n;
    }
    st = http_parse_request(c->in, c->inlen, &rq);
    if (st == HTTP_PARSE_INCOMPLETE)
        return;
    {
        /* stop reading: one request per connection */
        struct epoll_event ev = {.events = 0, .data.ptr = c};
        epoll_ctl(m->epfd, EPOLL_CTL_MOD, c->fd, &ev);
    }
    if (st == HTTP_PARSE_ERROR) {
        respond_raw_error(m, c, rq.error_status, rq.error_text);
        return;
    }
    pthread_rwlock_rdlock(&m->srv->cfg_lock); /* a reload changes what the pages read */
    handle(m, c, &rq);
    pthread_rwlock_unlock(&m->srv->cfg_lock);
}

static void accept_all(struct monitor *m)
{
    for (;;) {
        int fd = accept4(m->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        struct httpc *c;
        struct epoll_event ev = {.events = EPOLLIN};
        if (fd < 0) {
            if (errno == EINTR)
                continue;
            return;
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
        c->deadline = clock_mono_ms() + MON_READ_DEADLINE_MS;
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
        if (now >= c->deadline)
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
                if (c->writing)
                    conn_write(m, c);
                else
                    conn_read(m, c);
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
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res = NULL, *ai;
    char ps[16];
    int fd = -1, one = 1, rc;

    snprintf(ps, sizeof(ps), "%d", port < 0 ? 0 : port);
    rc = getaddrinfo(host, ps, &hints, &res);
    if (rc != 0) {
        log_printf(&m->srv->log, LOG_FTL, "Can't listen to the monitor port: listen tcp %s:%s: %s",
                   host, ps, gai_strerror(rc));
        return -1;
    }
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
            continue;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 128) == 0)
            break;
        rc = errno;
        close(fd);
        fd = -1;
        errno = rc;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        log_printf(&m->srv->log, LOG_FTL, "Can't listen to the monitor port: listen tcp %s:%s: %s",
                   host, ps, strerror(errno));
        return -1;
    }
    {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        getsockname(fd, (struct sockaddr *)&ss, &sl);
        m->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                 : ((struct sockaddr_in *)&ss)->sin_port);
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

    if (o->http_port == 0)
        return NULL;
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
    if (open_listener(m, host, o->http_port) != 0) {
        monitor_stop(m);
        return NULL;
    }
    log_printf(&s->log, LOG_INF, "Starting http monitor on %s:%d", m->host, m->port);
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
    pthread_mutex_destroy(&m->mu);
    free(m);
}
