/* Test TLS client: see tls_client.h. */
#include "tls_client.h"

#include "test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct tls_conn {
    struct tls_conn *next; /* every connection of the running test (one cleanup hook) */
    int fd;
    SSL_CTX *ctx;
    SSL *ssl;
    char info[8192];
    char *buf;
    size_t len, cap;
    bool closed;
};

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool wait_fd(int fd, short ev, long long deadline)
{
    for (;;) {
        long long left = deadline - now_ms();
        struct pollfd p = {.fd = fd, .events = ev};
        if (left <= 0)
            return false;
        int r = poll(&p, 1, (int)left);
        if (r > 0)
            return true;
        if (r < 0 && errno != EINTR)
            return false;
    }
}

static struct tls_conn *all_conns;

/* The harness has a bounded number of cleanup hooks: one frees every connection. */
static void cleanup_conns(void *arg)
{
    (void)arg;
    while (all_conns) {
        struct tls_conn *c = all_conns;
        all_conns = c->next;
        if (c->ssl)
            SSL_free(c->ssl);
        if (c->ctx)
            SSL_CTX_free(c->ctx);
        if (c->fd >= 0)
            close(c->fd);
        free(c->buf);
        free(c);
    }
}

void tlsc_close(struct tls_conn *c)
{
    if (!c)
        return;
    if (c->ssl)
        SSL_free(c->ssl);
    if (c->fd >= 0)
        close(c->fd);
    c->ssl = NULL;
    c->fd = -1;
}

struct tls_conn *tlsc_connect(int port, const struct tls_dial *d, char *err, size_t errlen)
{
    struct tls_conn *c = calloc(1, sizeof(*c));
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    long long deadline = now_ms() + (d->timeout_ms > 0 ? d->timeout_ms : 3000);
    int one = 1;

    c->fd = -1;
    signal(SIGPIPE, SIG_IGN); /* a server that closed makes SSL_write fail, not kill us */
    if (!all_conns)
        test_on_cleanup(cleanup_conns, NULL);
    c->next = all_conns;
    all_conns = c;
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        snprintf(err, errlen, "connect: %s", strerror(errno));
        return NULL;
    }
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
    if (!d->handshake_first) {
        /* read the INFO line byte by byte: nothing of the handshake may be consumed */
        size_t n = 0;
        for (;;) {
            char ch;
            ssize_t r = recv(c->fd, &ch, 1, 0);
            if (r == 1) {
                if (n + 1 < sizeof(c->info))
                    c->info[n++] = ch;
                if (ch == '\n')
                    break;
                continue;
            }
            if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
                snprintf(err, errlen, "closed before INFO");
                return NULL;
            }
            if (!wait_fd(c->fd, POLLIN, deadline)) {
                snprintf(err, errlen, "no INFO");
                return NULL;
            }
        }
        c->info[n] = '\0';
    }
    c->ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
    if (d->tls12_only)
        SSL_CTX_set_max_proto_version(c->ctx, TLS1_2_VERSION);
    if (d->ca) {
        SSL_CTX_load_verify_locations(c->ctx, d->ca, NULL);
        SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
    }
    if (d->cert && (SSL_CTX_use_certificate_chain_file(c->ctx, d->cert) != 1 ||
                    SSL_CTX_use_PrivateKey_file(c->ctx, d->key, SSL_FILETYPE_PEM) != 1)) {
        snprintf(err, errlen, "client cert: cannot load %s", d->cert);
        return NULL;
    }
    c->ssl = SSL_new(c->ctx);
    SSL_set_fd(c->ssl, c->fd);
    SSL_set_tlsext_host_name(c->ssl, "localhost");
    SSL_set1_host(c->ssl, "localhost");
    for (;;) {
        int r = SSL_connect(c->ssl), e;
        if (r == 1)
            break;
        e = SSL_get_error(c->ssl, r);
        if ((e == SSL_ERROR_WANT_READ && wait_fd(c->fd, POLLIN, deadline)) ||
            (e == SSL_ERROR_WANT_WRITE && wait_fd(c->fd, POLLOUT, deadline)))
            continue;
        unsigned long code = ERR_get_error();
        snprintf(err, errlen, "handshake: %s (ssl error %d)",
                 code ? ERR_reason_error_string(code) : "timeout or EOF", e);
        ERR_clear_error();
        return NULL;
    }
    return c;
}

const char *tlsc_plain_info(const struct tls_conn *c)
{
    return c->info;
}

const char *tlsc_version(const struct tls_conn *c)
{
    return SSL_get_version(c->ssl);
}

const char *tlsc_cipher(const struct tls_conn *c)
{
    return SSL_get_cipher_name(c->ssl);
}

int tlsc_group(const struct tls_conn *c)
{
    return SSL_get_negotiated_group(c->ssl);
}

int tlsc_send(struct tls_conn *c, const void *p, size_t n)
{
    long long deadline = now_ms() + 5000;
    const char *q = p;
    while (n > 0) {
        int r = SSL_write(c->ssl, q, n > 65536 ? 65536 : (int)n), e;
        if (r > 0) {
            q += r;
            n -= (size_t)r;
            continue;
        }
        e = SSL_get_error(c->ssl, r);
        if ((e == SSL_ERROR_WANT_WRITE && wait_fd(c->fd, POLLOUT, deadline)) ||
            (e == SSL_ERROR_WANT_READ && wait_fd(c->fd, POLLIN, deadline)))
            continue;
        ERR_clear_error();
        return -1;
    }
    return 0;
}

int tlsc_sends(struct tls_conn *c, const char *s)
{
    return tlsc_send(c, s, strlen(s));
}

/* Reads what is available (waiting until deadline for something); false on close/timeout. */
static bool fill(struct tls_conn *c, long long deadline)
{
    char tmp[65536];
    for (;;) {
        int r = SSL_read(c->ssl, tmp, sizeof(tmp)), e;
        if (r > 0) {
            if (c->len + (size_t)r > c->cap) {
                c->cap = (c->len + (size_t)r) * 2;
                c->buf = realloc(c->buf, c->cap);
            }
            memcpy(c->buf + c->len, tmp, (size_t)r);
            c->len += (size_t)r;
            return true;
        }
        e = SSL_get_error(c->ssl, r);
        if (e == SSL_ERROR_WANT_READ && wait_fd(c->fd, POLLIN, deadline))
            continue;
        if (e == SSL_ERROR_WANT_READ)
            return false; /* timeout */
        ERR_clear_error();
        c->closed = true;
        return false;
    }
}

static char *take(struct tls_conn *c, size_t n)
{
    char *out = malloc(n + 1);
    memcpy(out, c->buf, n);
    out[n] = '\0';
    memmove(c->buf, c->buf + n, c->len - n);
    c->len -= n;
    return out;
}

char *tlsc_until(struct tls_conn *c, const char *needle, int timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;
    size_t nl = strlen(needle);
    for (;;) {
        for (size_t i = 0; c->len >= nl && i + nl <= c->len; i++) {
            if (memcmp(c->buf + i, needle, nl) == 0)
                return take(c, i + nl);
        }
        if (c->closed || !fill(c, deadline))
            return NULL;
    }
}

char *tlsc_read_n(struct tls_conn *c, size_t n, int timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;
    while (c->len < n) {
        if (c->closed || !fill(c, deadline))
            return NULL;
    }
    return take(c, n);
}

bool tlsc_wait_closed(struct tls_conn *c, int timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;
    while (!c->closed) {
        c->len = 0;
        if (!fill(c, deadline) && !c->closed)
            return false;
    }
    return true;
}
