/* A small HTTP/1.x request-head parser for the monitoring listener. It only looks at the
 * request line and the headers it needs (Host); it never allocates, never reads past len,
 * and bounds the head at HTTP_MAX_HEAD bytes. Answers mirror Go's net/http where the
 * reference's behaviour is visible: 400 for a malformed head, 431 for an oversized one, 505
 * for a version other than HTTP/1.0 or 1.1, 400 for HTTP/1.1 without Host. Methods are any
 * token (the reference answers every method alike). Fuzzed by tests/fuzz/fuzz_http.c. */
#ifndef NS_MONITOR_HTTP_PARSE_H
#define NS_MONITOR_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#define HTTP_MAX_HEAD 8192  /* request line + headers */
#define HTTP_MAX_HEADERS 64 /* header lines */

enum http_parse_status {
    HTTP_PARSE_INCOMPLETE = 0, /* need more bytes (and len < HTTP_MAX_HEAD) */
    HTTP_PARSE_DONE = 1,       /* *req filled */
    HTTP_PARSE_ERROR = -1,     /* answer req->error_status, then close */
};

struct http_request {
    const char *method, *path, *query; /* point into the buffer, not NUL-terminated */
    size_t method_len, path_len, query_len; /* query_len 0: no query */
    int minor;       /* HTTP/1.<minor> */
    bool has_host;
    size_t head_len; /* bytes of the head including the blank line */
    int error_status; /* with HTTP_PARSE_ERROR: 400, 431 or 505 */
    const char *error_text; /* with HTTP_PARSE_ERROR: the status line's reason */
};

/* Parses the head at buf[0..len). Returns one of enum http_parse_status. */
int http_parse_request(const char *buf, size_t len, struct http_request *req);

/* Finds name in a query string ("a=1&b=2", percent-encoded, '+' = space) and decodes its
 * first value into out (NUL-terminated, cut at cap-1 bytes). Returns true if the name is
 * present (a bare "name" gives ""). */
bool http_query_get(const char *query, size_t qlen, const char *name, char *out, size_t cap);

#endif
