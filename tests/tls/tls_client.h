/* A raw NATS-over-TLS client for tests, on OpenSSL's client API: TCP connect, the plaintext
 * INFO line (unless the server does the handshake first), the handshake (the server
 * certificate verified against a CA, an optional client certificate), then exact bytes in
 * and out with timeouts. Connections still open when a test ends are closed by a cleanup. */
#ifndef NS_TEST_TLS_CLIENT_H
#define NS_TEST_TLS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

struct tls_conn;

struct tls_dial {
    const char *ca;         /* verify the server against this CA (NULL: no verification) */
    const char *cert, *key; /* client certificate (NULL: none) */
    bool handshake_first;   /* no plaintext INFO before the handshake */
    int timeout_ms;         /* for INFO and the handshake (0: 3000) */
    bool tls12_only;        /* offer TLS 1.2 at most */
};

/* Returns the connection, or NULL with the reason in err (e.g. "handshake: ..." with
 * OpenSSL's text, "closed before INFO"). */
struct tls_conn *tlsc_connect(int port, const struct tls_dial *d, char *err, size_t errlen);
/* The INFO line received in plaintext before the handshake ("" for handshake_first). */
const char *tlsc_plain_info(const struct tls_conn *c);
/* "TLSv1.3" etc. */
const char *tlsc_version(const struct tls_conn *c);
/* The negotiated cipher's OpenSSL name, and the key exchange group's NID. */
const char *tlsc_cipher(const struct tls_conn *c);
int tlsc_group(const struct tls_conn *c);
int tlsc_send(struct tls_conn *c, const void *p, size_t n);
int tlsc_sends(struct tls_conn *c, const char *s);
/* Reads until needle has arrived; returns everything through it (malloc'd, consumed), or
 * NULL on timeout/close. */
char *tlsc_until(struct tls_conn *c, const char *needle, int timeout_ms);
/* Reads until n bytes are buffered; returns them (malloc'd, consumed) or NULL. */
char *tlsc_read_n(struct tls_conn *c, size_t n, int timeout_ms);
/* True when the server closes the connection within timeout_ms. */
bool tlsc_wait_closed(struct tls_conn *c, int timeout_ms);
void tlsc_close(struct tls_conn *c);

#endif
