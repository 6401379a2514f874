/* HTTPS monitoring's pieces outside the connection state machine (httpd.c): the monitor's
 * own SSL_CTX and the look at a connection's first record header, which decides between a
 * TLS handshake, the reference's plaintext answer to an HTTP request, and a silent close. */
#include "monitor/mon_priv.h"

#include "server/server.h"
#include "server/tls.h"

#include <string.h>

/* Request beginnings Go's HTTPS server recognises in a first "record header" (5 bytes) and
 * answers in plaintext (MON_TEXT_HTTP_TO_HTTPS) instead of failing the handshake silently. */
static const char *const http_starts[] = {"GET /", "HEAD ", "POST ", "PUT /", "OPTIO"};

#define REC_HANDSHAKE 0x16
#define REC_ALERT 0x15

const char MON_TEXT_HTTP_TO_HTTPS[] =
    "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n";

enum mon_first mon_tls_first_record(const unsigned char hdr[MON_TLS_HDR])
{
    for (size_t i = 0; i < sizeof(http_starts) / sizeof(http_starts[0]); i++) {
        if (memcmp(hdr, http_starts[i], MON_TLS_HDR) == 0)
            return MON_FIRST_HTTP;
    }
    /* a real first record is a handshake (or an alert) with a version below 0x1000 */
    if ((hdr[0] != REC_HANDSHAKE && hdr[0] != REC_ALERT) || hdr[1] >= 0x10)
        return MON_FIRST_NOT_TLS;
    return MON_FIRST_TLS;
}

SSL_CTX *mon_tls_ctx_new(struct server *s, char *err, size_t errlen)
{
    SSL_CTX *ctx = tls_ctx_new(&s->opts.tlsc, err, errlen);
    if (!ctx)
        return NULL;
    /* the reference serves HTTPS with its tls { } settings but never asks for a client
     * certificate, verify or not */
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    return ctx;
}
