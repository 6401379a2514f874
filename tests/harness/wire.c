/* Raw protocol client for tests: see wire.h. */
#include "wire.h"
#include "test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct wire *wire_connect(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct wire *w = calloc(1, sizeof(*w));
    int one = 1;
    w->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (w->fd < 0 || connect(w->fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        if (w->fd >= 0)
            close(w->fd);
        free(w);
        return NULL;
    }
    setsockopt(w->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return w;
}

void wire_close(struct wire *w)
{
    if (!w)
        return;
    close(w->fd);
    free(w);
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

/* One read with a timeout; returns false on timeout or EOF. */
static bool read_some(struct wire *w, int timeout_ms)
{
    struct pollfd pfd = {.fd = w->fd, .events = POLLIN};
    ssize_t r;
    if (w->closed || w->len >= sizeof(w->buf))
        return false;
    if (poll(&pfd, 1, timeout_ms < 0 ? 0 : timeout_ms) <= 0)
        return false;
    r = recv(w->fd, w->buf + w->len, sizeof(w->buf) - w->len, 0);
    if (r <= 0) {
        w->closed = true;
        return false;
    }
    w->len += (size_t)r;
    return true;
}

size_t wire_fill(struct wire *w, size_t n, int timeout_ms)
{
    long long end = now_ms() + timeout_ms;
    while (w->len < n && !w->closed) {
        long long left = end - now_ms();
        if (left <= 0 || !read_some(w, (int)left))
            if (w->closed || end - now_ms() <= 0)
                break;
    }
    return w->len;
}

static void consume(struct wire *w, size_t n)
{
    memmove(w->buf, w->buf + n, w->len - n);
    w->len -= n;
}

char *wire_line(struct wire *w, int timeout_ms)
{
    long long end = now_ms() + timeout_ms;
    for (;;) {
        char *nl = memchr(w->buf, '\n', w->len);
        if (nl) {
            size_t n = (size_t)(nl - w->buf), keep = n;
            if (keep > 0 && w->buf[keep - 1] == '\r')
                keep--;
            char *s = malloc(keep + 1);
            memcpy(s, w->buf, keep);
            s[keep] = '\0';
            consume(w, n + 1);
            return s;
        }
        long long left = end - now_ms();
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
    char *s = malloc(w->len + 1);
    memcpy(s, w->buf, w->len);
    s[w->len] = '\0';
    w->len = 0;
    return s;
}

bool wire_wait_closed(struct wire *w, int timeout_ms)
{
    long long end = now_ms() + timeout_ms;
    while (!w->closed) {
        long long left = end - now_ms();
        if (left <= 0)
            return false;
        if (!read_some(w, (int)left) && !w->closed)
            continue;
        w->len = 0; /* discard whatever came before the close */
    }
    return true;
}

const char *wire_escape(const char *p, size_t n)
{
    static char out[8192];
    size_t o = 0;
    for (size_t i = 0; i < n && o + 5 < sizeof(out); i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\r') {
            out[o++] = '\\';
            out[o++] = 'r';
        } else if (c == '\n') {
            out[o++] = '\\';
            out[o++] = 'n';
        } else if (c < 32 || c > 126) {
            o += (size_t)snprintf(out + o, sizeof(out) - o, "\\x%02x", c);
        } else {
            out[o++] = (char)c;
        }
    }
    out[o] = '\0';
    return out;
}

void wire_expect_at(const char *file, int line, struct wire *w, const char *expect, int timeout_ms)
{
    size_t n = strlen(expect);
    wire_fill(w, n, timeout_ms);
    if (w->len < n || memcmp(w->buf, expect, n) != 0) {
        char want[4096];
        snprintf(want, sizeof(want), "%s", wire_escape(expect, n));
        test_fail(file, line, "wire: want \"%s\"\n  got \"%s\"%s", want,
                  wire_escape(w->buf, w->len), w->closed ? " (closed)" : "");
    }
    consume(w, n);
}
