/* HTTPS test client: see https_util.h. */
#include "https_util.h"

#include "test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static int dial(int port, int timeout_ms)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0)
        return -1;
    /* every blocking read/write (the handshake included) gives up after timeout_ms */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void ssl_err(char *err, size_t errlen, const char *what)
{
    unsigned long e = ERR_get_error();
    char buf[256] = "no detail";
    if (e)
        ERR_error_string_n(e, buf, sizeof(buf));
    snprintf(err, errlen, "%s: %s", what, buf);
    ERR_clear_error();
}

char *https_raw(int port, const char *ca, const char *req, size_t n, size_t *len, int timeout_ms,
                char *err, size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL *ssl = NULL;
    int fd = -1;
    size_t cap = 4096, got = 0;
    char *buf = NULL;
    long long deadline = wire_now_ms() + timeout_ms;

    if (!ctx) {
        ssl_err(err, errlen, "context");
        return NULL;
    }
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
    if (ca) {
        if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
            ssl_err(err, errlen, "load CA");
            goto out;
        }
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    }
    fd = dial(port, timeout_ms);
    if (fd < 0) {
        snprintf(err, errlen, "connect to port %d failed", port);
        goto out;
    }
    ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    SSL_set_tlsext_host_name(ssl, "localhost");
    if (SSL_connect(ssl) != 1) {
        ssl_err(err, errlen, "handshake");
        goto out;
    }
    for (size_t off = 0; off < n;) {
        int k = SSL_write(ssl, req + off, (int)(n - off));
        if (k <= 0)
            break; /* the server may answer and close before taking everything */
        off += (size_t)k;
    }
    buf = malloc(cap);
    while (wire_now_ms() < deadline) {
        int k;
        if (got + 4096 > cap)
            buf = realloc(buf, cap *= 2);
        k = SSL_read(ssl, buf + got, (int)(cap - got - 1));
        if (k <= 0)
            break; /* close_notify, EOF, error or the socket timeout */
        got += (size_t)k;
    }
    ERR_clear_error();
    buf[got] = '\0';
    if (len)
        *len = got;
out:
    SSL_free(ssl);
    if (fd >= 0)
        close(fd);
    SSL_CTX_free(ctx);
    return buf;
}

int https_get(int port, const char *ca, const char *path, struct http_resp *r, char *err,
              size_t errlen)
{
    char req[2048];
    size_t len;
    char *raw;
    int n = snprintf(req, sizeof(req),
                     "GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", path);
    memset(r, 0, sizeof(*r));
    raw = https_raw(port, ca, req, (size_t)n, &len, 5000, err, errlen);
    if (!raw)
        return -1;
    if (http_resp_parse(raw, len, r) != 0) {
        snprintf(err, errlen, "no HTTP answer (%zu bytes)", len);
        return -1;
    }
    return 0;
}

json_t *https_get_json(int port, const char *ca, const char *path)
{
    struct http_resp r;
    json_error_t je;
    json_t *j;
    char err[512];
    if (https_get(port, ca, path, &r, err, sizeof(err)) != 0)
        test_fail(__FILE__, __LINE__, "GET https %s on port %d: %s", path, port, err);
    if (r.status != 200) {
        int st = r.status;
        http_resp_free(&r);
        test_fail(__FILE__, __LINE__, "GET https %s: status %d", path, st);
    }
    j = json_loads(r.body, 0, &je);
    http_resp_free(&r);
    if (!j)
        test_fail(__FILE__, __LINE__, "GET https %s: not JSON: %s", path, je.text);
    return j;
}
