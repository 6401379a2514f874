/* libFuzzer target for the monitoring HTTP request parser (src/monitor/http_parse.c) and the
 * query-option decoders behind /connz, /subsz and /healthz (src/monitor/mon_opts.c).
 * Links: ns_monitor_parse
 * The input is fed as one buffer and again in every 2-way split's prefix (as a slow client
 * delivers it): the parser must never read past len, never report a head longer than the
 * input, and must give the same answer for the whole buffer however it was cut. Oracles:
 * path starts with '/', method is a non-empty token, the query (if any) lies inside the
 * head; errors carry 400, 431 or 505. Every parsed query then goes through the option
 * decoders, which must leave err NUL-terminated and limits in range.
 * Build and run: see docs/internals/parser.md (same commands, target fuzz_http). */
#include "monitor/http_parse.h"
#include "monitor/monitor.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_opts(const char *q, size_t n)
{
    struct mon_connz_opts co;
    struct mon_subsz_opts so;
    struct mon_healthz_opts ho;
    char err[MON_ERR_MAX];

    memset(err, 'x', sizeof(err));
    if (mon_connz_opts_from_query(q, n, &co, err, sizeof(err)) == 0) {
        if (co.limit <= 0 || co.offset < 0)
            abort();
    } else if (!memchr(err, '\0', sizeof(err))) {
        abort();
    }
    memset(err, 'x', sizeof(err));
    if (mon_subsz_opts_from_query(q, n, &so, err, sizeof(err)) == 0) {
        if (so.limit <= 0 || so.offset < 0 || !memchr(so.test, '\0', sizeof(so.test)))
            abort();
    } else if (!memchr(err, '\0', sizeof(err))) {
        abort();
    }
    memset(err, 'x', sizeof(err));
    if (mon_healthz_opts_from_query(q, n, &ho, err, sizeof(err)) != 0 &&
        !memchr(err, '\0', sizeof(err)))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* an exact-size heap copy, so ASan catches any read past the end */
    char *buf = malloc(size ? size : 1);
    struct http_request rq, rq2;
    int st;

    memcpy(buf, data, size);
    st = http_parse_request(buf, size, &rq);
    if (st == HTTP_PARSE_DONE) {
        if (rq.head_len == 0 || rq.head_len > size || rq.head_len > HTTP_MAX_HEAD)
            abort();
        if (rq.path_len == 0 || rq.path[0] != '/' || rq.method_len == 0)
            abort();
        if (rq.path < buf || rq.path + rq.path_len > buf + rq.head_len)
            abort();
        if (rq.query_len && (rq.query < buf || rq.query + rq.query_len > buf + rq.head_len))
            abort();
        if (rq.minor != 0 && rq.minor != 1)
            abort();
        check_opts(rq.query, rq.query_len);
    } else if (st == HTTP_PARSE_ERROR) {
        if (rq.error_status != 400 && rq.error_status != 431 && rq.error_status != 505)
            abort();
        if (!rq.error_text)
            abort();
    } else if (st != HTTP_PARSE_INCOMPLETE || size >= HTTP_MAX_HEAD) {
        abort();
    }
    /* a prefix is either incomplete or already decided the same way */
    for (size_t cut = 0; cut < size && cut < 64; cut++) {
        int st2 = http_parse_request(buf, cut, &rq2);
        if (st2 == HTTP_PARSE_DONE && (st != HTTP_PARSE_DONE || rq2.head_len != rq.head_len))
            abort();
    }
    free(buf);
    return 0;
}
