/* Raw protocol client for tests: see wire.h. Reads use poll() with deadlines on the
 * monotonic clock; nothing here blocks without a bound. */
#include "wire.h"
#include "test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_OPEN_WIRES 256

/* Wires not yet closed, closed by close_all at the end of each test. */
static struct wire *open_wires[MAX_OPEN_WIRES];
static int nopen;
static bool cleanup_armed;

long long wire_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void wire_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static void free_wire(struct wire *w)
{
    close(w->fd);
    free(w->buf);
    free(w);
}

static void close_all(void *arg)
{
    (void)arg;
    while (nopen > 0)
        free_wire(open_wires[--nopen]);
    cleanup_armed = false;
}

struct wire *wire_connect(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct wire *w;
    int one = 1;

    if (nopen == MAX_OPEN_WIRES)
        return NULL;
    w = calloc(1, sizeof(*w));
    w->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (w->fd < 0 || connect(w->fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        if (w->fd >= 0)
            close(w->fd);
        free(w);
        return NULL;
    }
    setsockopt(w->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    w->cap = 64 * 1024;
    w->buf = malloc(w->cap);
    open_wires[nopen++] = w;
    if (!cleanup_armed) {
        test_on_cleanup(close_all, NULL);
        cleanup_armed = true;
    }
    return w;
}

void wire_close(struct wire *w)
{
    if (!w)
        return;
    for (int i = 0; i < nopen; i++) {
        if (open_wires[i] == w) {
            open_wires[i] = open_wires[--nopen];
            break;
        }
    }
    free_wire(w);
}

int wire_sendn(struct wire *w, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t r = send(w->fd, c, n, MSG_NOSIGNAL);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        c += r;
        n -= (size_t)r;
    }
    return 0;
}

int wire_send(struct wire *w, const char *s)
{
    return wire_sendn(w, s, strlen(s));
}

int wire_sendf(struct wire *w, const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;
    int n, rc;

    va_start(ap, fmt);
    n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    rc = wire_sendn(w, s, (size_t)n);
    free(s);
    return rc;
}

/* One read with a timeout; returns false on timeout, EOF or a full buffer. */
static bool read_some(struct wire *w, int timeout_ms)
{
    struct pollfd pfd = {.fd = w->fd, .events = POLLIN};
    ssize_t r;

    if (w->closed)
        return false;
    if (w->cap - w->len < 16 * 1024) {
        if (w->cap >= WIRE_MAX_BUF)
            return false;
        w->cap *= 2;
        w->buf = realloc(w->buf, w->cap);
    }
    if (poll(&pfd, 1, timeout_ms < 0 ? 0 : timeout_ms) <= 0)
        return false;
    r = recv(w->fd, w->buf + w->len, w->cap - w->len, 0);
    if (r <= 0) {
        if (r < 0 && errno == EINTR)
            return true;
        w->closed = true;
        return false;
    }
    w->len += (size_t)r;
    return true;
}

size_t wire_fill(struct wire *w, size_t n, int timeout_ms)
{
    long long end = wire_now_ms() + timeout_ms;
    while (w->len < n && !w->closed) {
        long long left = end - wire_now_ms();
        if (left <= 0)
            break;
        if (!read_some(w, (int)left) && w->len >= WIRE_MAX_BUF - 16 * 1024)
            break;
    }
    return w->len;
}

static void consume(struct wire *w, size_t n)
{
    memmove(w->buf, w->buf + n, w->len - n);
    w->len -= n;
}

static char *take(struct wire *w, size_t n)
{
    char *s = malloc(n + 1);
    memcpy(s, w->buf, n);
    s[n] = '\0';
    consume(w, n);
    return s;
}

char *wire_line(struct wire *w, int timeout_ms)
{
    long long end = wire_now_ms() + timeout_ms;
    for (;;) {
        char *nl = memchr(w->buf, '\n', w->len);
        if (nl) {
            size_t n = (size_t)(nl - w->buf);
            char *s = take(w, n + 1);
            s[n] = '\0';
            if (n > 0 && s[n - 1] == '\r')
                s[n - 1] = '\0';
            return s;
        }
        long long left = end - wire_now_ms();
        if (left <= 0 || w->closed)
            return NULL;
        read_some(w, (int)left);
    }
}

char *wire_info(struct wire *w, int timeout_ms)
{
    char *line = wire_line(w, timeout_ms);
    if (!line || strncmp(line, "INFO ", 5) != 0) {
        free(line);
        return NULL;
    }
    memmove(line, line + 5, strlen(line + 5) + 1);
    return line;
}

char *wire_drain(struct wire *w, int quiet_ms)
{
    while (read_some(w, quiet_ms))
        ;
    return take(w, w->len);
}

char *wire_until(struct wire *w, const char *needle, int timeout_ms)
{
    long long end = wire_now_ms() + timeout_ms;
    size_t nl = strlen(needle);
    for (;;) {
        if (w->len >= nl) {
            char *hit = memmem(w->buf, w->len, needle, nl);
            if (hit)
                return take(w, (size_t)(hit - w->buf) + nl);
        }
        long long left = end - wire_now_ms();
        if (left <= 0 || w->closed)
            return NULL;
        read_some(w, (int)left);
    }
}

bool wire_wait_closed(struct wire *w, int timeout_ms)
{
    long long end = wire_now_ms() + timeout_ms;
    while (!w->closed) {
        long long left = end - wire_now_ms();
        if (left <= 0)
            return false;
        w->len = 0; /* discard whatever came before the close */
        read_some(w, (int)left);
    }
    w->len = 0;
    return true;
}

const char *wire_escape(const char *p, size_t n)
{
    static char out[8192];
    size_t o = 0;
    for (size_t i = 0; i < n && o + 8 < sizeof(out); i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\r' || c == '\n' || c == '\t') {
            out[o++] = '\\';
            out[o++] = c == '\r' ? 'r' : c == '\n' ? 'n' : 't';
        } else if (c < 32 || c > 126) {
            o += (size_t)snprintf(out + o, sizeof(out) - o, "\\x%02x", c);
        } else {
            out[o++] = (char)c;
        }
        if (o + 8 >= sizeof(out) && i + 1 < n) {
            memcpy(out + o, "...", 3);
            o += 3;
        }
    }
    out[o] = '\0';
    return out;
}

void wire_expect_at(const char *file, int line, struct wire *w, const char *expect, int timeout_ms)
{
    wire_expectn_at(file, line, w, expect, strlen(expect), timeout_ms);
}

void wire_expectn_at(const char *file, int line, struct wire *w, const void *expect, size_t n,
                     int timeout_ms)
{
    wire_fill(w, n, timeout_ms);
    if (w->len < n || memcmp(w->buf, expect, n) != 0) {
        char want[4096];
        snprintf(want, sizeof(want), "%s", wire_escape(expect, n));
        test_fail(file, line, "wire: want \"%s\"\n  got \"%s\"%s", want,
                  wire_escape(w->buf, w->len), w->closed ? " (closed)" : "");
    }
    consume(w, n);
}

char *wire_until_at(const char *file, int line, struct wire *w, const char *needle, int timeout_ms)
{
    char *s = wire_until(w, needle, timeout_ms);
    if (!s) {
        char want[1024];
        snprintf(want, sizeof(want), "%s", wire_escape(needle, strlen(needle)));
        test_fail(file, line, "wire: waited for \"%s\"\n  got \"%s\"%s", want,
                  wire_escape(w->buf, w->len), w->closed ? " (closed)" : " (timeout)");
    }
    return s;
}

void wire_expect_quiet_at(const char *file, int line, struct wire *w, int quiet_ms)
{
    while (read_some(w, quiet_ms))
        ;
    if (w->len > 0 || w->closed)
        test_fail(file, line, "wire: expected silence, got \"%s\"%s", wire_escape(w->buf, w->len),
                  w->closed ? " (closed)" : "");
}

void wire_expect_closed_at(const char *file, int line, struct wire *w, int timeout_ms)
{
    long long end = wire_now_ms() + timeout_ms;
    while (!w->closed && w->len == 0) {
        long long left = end - wire_now_ms();
        if (left <= 0)
            break;
        read_some(w, (int)left);
    }
    if (!w->closed || w->len > 0)
        test_fail(file, line, "wire: expected a close with nothing more, got \"%s\"%s",
                  wire_escape(w->buf, w->len), w->closed ? " (then closed)" : " (still open)");
}

void wire_ping_pong_at(const char *file, int line, struct wire *w)
{
    if (wire_send(w, "PING\r\n") != 0 && !w->closed)
        test_fail(file, line, "wire: send PING failed");
    wire_expect_at(file, line, w, "PONG\r\n", WIRE_TIMEOUT_MS);
}
