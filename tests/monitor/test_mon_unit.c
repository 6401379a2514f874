/* Pure parts of src/monitor: Go's time and duration texts, the HTTP head parser, the query
 * and JSON option decoders with the reference's error texts. */
#include "monitor/http_parse.h"
#include "monitor/monitor.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

TEST(fmt_durations_as_go)
{
    static const struct {
        long long ns;
        const char *want;
    } cases[] = {
        {0, "0s"},
        {999, "999ns"},
        {382000, "382\xc2\xb5s"},
        {382123, "382.123\xc2\xb5s"},
        {1500000, "1.5ms"},
        {1000000000, "1s"},
        {1500000000, "1.5s"},
        {120000000000LL, "2m0s"},
        {3723500000000LL, "1h2m3.5s"},
        {-2000000000LL, "-2s"},
    };
    char buf[64];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        mon_fmt_duration(cases[i].ns, buf, sizeof(buf));
        ASSERT_STR_EQ(buf, cases[i].want);
    }
}

TEST(fmt_uptime_and_time)
{
    char buf[64];
    mon_fmt_uptime(0, buf, sizeof(buf));
    ASSERT_STR_EQ(buf, "0s");
    mon_fmt_uptime(69LL * 1000000000LL, buf, sizeof(buf));
    ASSERT_STR_EQ(buf, "1m9s");
    mon_fmt_uptime((26LL * 3600 + 5) * 1000000000LL, buf, sizeof(buf));
    ASSERT_STR_EQ(buf, "1d2h0m5s");
    mon_fmt_uptime(366LL * 86400 * 1000000000LL, buf, sizeof(buf));
    ASSERT_STR_EQ(buf, "1y1d0h0m0s");
    mon_fmt_time(1795388398841643500LL, buf, sizeof(buf));
    ASSERT_STR_EQ(buf, "2026-11-22T22:59:58.8416435Z");
    mon_fmt_time(1795388398000000000LL, buf, sizeof(buf));
    ASSERT_STR_EQ(buf, "2026-11-22T22:59:58Z");
}

static int parse(const char *s, struct http_request *rq)
{
    return http_parse_request(s, strlen(s), rq);
}

TEST(http_parse_heads)
{
    struct http_request rq;
    ASSERT_EQ(parse("GET /connz?subs=1 HTTP/1.1\r\nHost: a\r\n\r\nrest", &rq), HTTP_PARSE_DONE);
    ASSERT_EQ(rq.path_len, 6);
    ASSERT(strncmp(rq.path, "/connz", 6) == 0);
    ASSERT_EQ(rq.query_len, 6);
    ASSERT_EQ(rq.head_len, strlen("GET /connz?subs=1 HTTP/1.1\r\nHost: a\r\n\r\n"));
    ASSERT_EQ(parse("GET /x HTTP/1.0\n\n", &rq), HTTP_PARSE_DONE);
    ASSERT_EQ(rq.minor, 0);
    ASSERT_EQ(parse("GET /x HTTP/1.1\r\nHost: a\r\n", &rq), HTTP_PARSE_INCOMPLETE);
    ASSERT_EQ(parse("GET /x HTTP/1.1\r\n\r\n", &rq), HTTP_PARSE_ERROR);
    ASSERT_EQ(rq.error_status, 400);
    ASSERT_STR_EQ(rq.error_text, "Bad Request: missing required Host header");
    ASSERT_EQ(parse("GET /x HTTP/2.0\r\nHost: a\r\n\r\n", &rq), HTTP_PARSE_ERROR);
    ASSERT_EQ(rq.error_status, 505);
    ASSERT_EQ(parse("garbage\r\n\r\n", &rq), HTTP_PARSE_ERROR);
    ASSERT_EQ(rq.error_status, 400);
    {
        char *big = malloc(HTTP_MAX_HEAD + 10);
        memset(big, 'a', HTTP_MAX_HEAD + 10);
        memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
        ASSERT_EQ(http_parse_request(big, HTTP_MAX_HEAD + 10, &rq), HTTP_PARSE_ERROR);
        ASSERT_EQ(rq.error_status, 431);
        ASSERT_EQ(http_parse_request(big, HTTP_MAX_HEAD - 1, &rq), HTTP_PARSE_INCOMPLETE);
        free(big);
    }
}

TEST(http_query_decoding)
{
    char v[64];
    const char *q = "a=1&user=b%20c+d&empty=&bare&x=%zz";
    ASSERT(http_query_get(q, strlen(q), "a", v, sizeof(v)));
    ASSERT_STR_EQ(v, "1");
    ASSERT(http_query_get(q, strlen(q), "user", v, sizeof(v)));
    ASSERT_STR_EQ(v, "b c d");
    ASSERT(http_query_get(q, strlen(q), "empty", v, sizeof(v)));
    ASSERT_STR_EQ(v, "");
    ASSERT(http_query_get(q, strlen(q), "bare", v, sizeof(v)));
    ASSERT(http_query_get(q, strlen(q), "x", v, sizeof(v)));
    ASSERT_STR_EQ(v, "%zz");
    ASSERT(!http_query_get(q, strlen(q), "nope", v, sizeof(v)));
}

TEST(connz_opts_from_query_and_json)
{
    struct mon_connz_opts o;
    char err[MON_ERR_MAX];
    const char *q = "sort=bytes_to&subs=detail&limit=-3&offset=-1&state=ANY&cid=7&auth=t";
    json_t *b;

    ASSERT_OK(mon_connz_opts_from_query(q, strlen(q), &o, err, sizeof(err)));
    ASSERT_EQ(o.sort, MON_SORT_BYTES_TO);
    ASSERT(o.subs && o.subs_detail && o.auth);
    ASSERT_EQ(o.limit, MON_DEFAULT_LIMIT);
    ASSERT_EQ(o.offset, 0);
    ASSERT_EQ(o.state, MON_STATE_ALL);
    ASSERT_EQ(o.cid, 7);
    q = "limit=abc";
    ASSERT_EQ(mon_connz_opts_from_query(q, strlen(q), &o, err, sizeof(err)), -1);
    ASSERT_STR_EQ(err, "Error decoding int for 'limit': strconv.Atoi: parsing \"abc\": invalid syntax");
    q = "sort=stop";
    ASSERT_EQ(mon_connz_opts_from_query(q, strlen(q), &o, err, sizeof(err)), -1);
    ASSERT_STR_EQ(err, "sort by stop only valid on closed connections");

    b = json_pack("{s:s,s:b,s:b,s:i,s:i,s:i}", "sort", "msgs_to", "subscriptions", 1,
                  "subscriptions_detail", 1, "limit", 5, "state", 1, "cid", 9);
    ASSERT_OK(mon_connz_opts_from_json(b, &o, err, sizeof(err)));
    ASSERT_EQ(o.sort, MON_SORT_MSGS_TO);
    ASSERT(o.subs && o.subs_detail);
    ASSERT_EQ(o.limit, 5);
    ASSERT_EQ(o.state, MON_STATE_CLOSED);
    ASSERT_EQ(o.cid, 9);
    json_decref(b);
    b = json_pack("{s:s}", "limit", "x");
    ASSERT_EQ(mon_connz_opts_from_json(b, &o, err, sizeof(err)), -1);
    json_decref(b);
    ASSERT_OK(mon_connz_opts_from_json(NULL, &o, err, sizeof(err)));
    ASSERT_EQ(o.limit, MON_DEFAULT_LIMIT);
}

TEST(subsz_and_healthz_opts)
{
    struct mon_subsz_opts s;
    struct mon_healthz_opts h;
    char err[MON_ERR_MAX];
    const char *q = "subs=1&test=foo.bar&offset=2";
    json_t *b;

    ASSERT_OK(mon_subsz_opts_from_query(q, strlen(q), &s, err, sizeof(err)));
    ASSERT(s.subs);
    ASSERT_STR_EQ(s.test, "foo.bar");
    ASSERT_EQ(s.offset, 2);
    q = "test=foo.>";
    ASSERT_EQ(mon_subsz_opts_from_query(q, strlen(q), &s, err, sizeof(err)), -1);
    ASSERT_STR_EQ(err, "invalid test subject, must be valid publish subject: foo.>");
    q = "js-server-only=nope";
    ASSERT_EQ(mon_healthz_opts_from_query(q, strlen(q), &h, err, sizeof(err)), -1);
    ASSERT_STR_EQ(err, "Error decoding boolean for 'js-server-only': strconv.ParseBool: parsing "
                       "\"nope\": invalid syntax");
    b = json_pack("{s:b,s:s}", "subscriptions", 1, "test", "a.b");
    ASSERT_OK(mon_subsz_opts_from_json(b, &s, err, sizeof(err)));
    ASSERT(s.subs);
    ASSERT_STR_EQ(s.test, "a.b");
    json_decref(b);
}
