/* A tiny blocking HTTPS client for the monitoring tests, on OpenSSL's client API (curl is
 * not guaranteed on CI): TCP connect to 127.0.0.1, the TLS handshake (no client certificate;
 * the server's certificate checked against a CA when one is given), one request, then
 * everything until the server closes. */
#ifndef NS_TEST_HTTPS_UTIL_H
#define NS_TEST_HTTPS_UTIL_H

#include "mon_util.h"

#include <stddef.h>

/* Sends req over TLS and reads until the server closes or timeout_ms passes. ca may be NULL
 * (no verification). Returns the malloc'd, NUL-terminated bytes (*len set), or NULL with the
 * reason in err (connect or handshake failure). */
char *https_raw(int port, const char *ca, const char *req, size_t n, size_t *len, int timeout_ms,
                char *err, size_t errlen);
/* GET path over HTTPS; fills r (free with http_resp_free). 0, or -1 with err set. */
int https_get(int port, const char *ca, const char *path, struct http_resp *r, char *err,
              size_t errlen);
/* GET path over HTTPS and parse the body as JSON; fails the test unless 200 and JSON. */
json_t *https_get_json(int port, const char *ca, const char *path);

#endif
