/* HTTP monitoring (label "monitor"): natrium's endpoints against the reference's under the
 * same load (keys and JSON types, recursively), the reference's 400 texts for bad query
 * parameters, hostile HTTP input while clients keep working, /metrics against a strict
 * Prometheus text-format checker, the closed-connection ring, paging and sorting, and the
 * http / http_base_path configuration. Fields natrium does not fill are listed in
 * docs/monitoring.md and in missing_ok below. */
#include "mon_util.h"
#include "test.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Reference fields natrium cannot fill yet. */
static const char *const missing_ok[] = {
    "account_detail.imports", /* the service imports of the system account: no $SYS yet */
    NULL,
};
/* natrium's additions (none in the reference's endpoints). */
static const char *const extra_ok[] = {NULL};

static const char *const shape_paths[] = {
    "/varz",
    "/connz",
    "/connz?subs=1",
    "/connz?subs=detail",
    "/connz?state=closed&subs=1",
    "/connz?state=all&sort=cid",
    "/connz?auth=1",
    "/connz?sort=msgs_from&limit=2&offset=1",
    "/connz?cid=5",
    "/subsz",
    "/subsz?subs=1",
    "/subsz?subs=1&test=foo.1",
    "/subscriptionsz",
    "/routez",
    "/gatewayz",
    "/leafz",
    "/accountz",
    "/accountz?acc=$G",
    "/accstatz",
    "/jsz",
    "/healthz",
    "/healthz?js-enabled-only=true",
};

static const char *ref_or_skip(void)
{
    const char *ref = proc_ref_bin();
    if (!ref || access(ref, X_OK) != 0)
        test_skip("no reference nats-server (NATS_REF_BIN)");
    return ref;
}

TEST(endpoints_match_reference_shape)
{
    const char *ref = ref_or_skip();
    struct server_proc rs = {0}, ns = {0};
    int rport, nport, ndiff = 0;
    struct wire *rw[3], *nw[3];
    char err[8192];

    ASSERT_OK(mon_start(&rs, ref, &rport, NULL));
    ASSERT_OK(mon_start(&ns, NULL, &nport, NULL));
    mon_load(rs.port, rw);
    mon_load(ns.port, nw);
    wire_sleep_ms(300); /* the closed connection reaches both rings */
    for (size_t i = 0; i < sizeof(shape_paths) / sizeof(shape_paths[0]); i++) {
        json_t *r = http_get_json(rport, shape_paths[i]);
        json_t *o = http_get_json(nport, shape_paths[i]);
        int n = json_shape_diff(r, o, missing_ok, extra_ok, err, sizeof(err));
        if (n) {
            printf("%s: %d difference(s)\n%s", shape_paths[i], n, err);
            ndiff += n;
        }
        json_decref(r);
        json_decref(o);
    }
    ASSERT_EQ(ndiff, 0);
}

/* Non-JSON answers: status, content type and body as the reference's. */
TEST(bad_params_match_reference)
{
    static const char *const paths[] = {
        "/connz?limit=abc",     "/connz?offset=x1",          "/connz?limit=99999999999999999999",
        "/connz?cid=x",         "/connz?cid=-1",             "/connz?subs=x",
        "/connz?auth=maybe",    "/connz?state=foo",          "/connz?sort=foo",
        "/connz?sort=stop",     "/connz?sort=reason",        "/connz?sort=rtt",
        "/subsz?subs=x",        "/subsz?limit=z",            "/subsz?test=foo.*",
        "/subsz?test=a..b",     "/healthz?js-enabled-only=x", "/healthz?js-server-only=2",
        "/accountz?acc=nope",   "/nope",                     "/varz/x",
        "/healthz/",            "/VARZ",
    };
    const char *ref = ref_or_skip();
    struct server_proc rs = {0}, ns = {0};
    int rport, nport, bad = 0;

    ASSERT_OK(mon_start(&rs, ref, &rport, NULL));
    ASSERT_OK(mon_start(&ns, NULL, &nport, NULL));
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        struct http_resp r, o;
        char *rct, *oct;
        ASSERT_OK(http_get(rport, paths[i], &r));
        ASSERT_OK(http_get(nport, paths[i], &o));
        rct = http_header(&r, "Content-Type");
        oct = http_header(&o, "Content-Type");
        if (r.status != o.status || strcmp(r.body, o.body) != 0 || !rct || !oct ||
            strcmp(rct, oct) != 0) {
            printf("%s:\n  reference %d [%s] \"%s\"\n  natrium   %d [%s] \"%s\"\n", paths[i],
                   r.status, rct ? rct : "", r.body, o.status, oct ? oct : "", o.body);
            bad++;
        }
        ASSERT(r.status >= 400);
        free(rct);
        free(oct);
        http_resp_free(&r);
        http_resp_free(&o);
    }
    ASSERT_EQ(bad, 0);
}

TEST(index_jsonp_head_and_content_types)
{
    struct server_proc ns = {0};
    int port;
    struct http_resp r;
    char *ct;
    size_t len;
    char *raw;

    ASSERT_OK(mon_start(&ns, NULL, &port, NULL));
    ASSERT_OK(http_get(port, "/", &r));
    ASSERT_EQ(r.status, 200);
    ct = http_header(&r, "Content-Type");
    ASSERT_STR_EQ(ct, "text/html; charset=utf-8");
    free(ct);
    static const char *const links[] = {"=/varz>", "=/connz>", "=/subsz>", "=/routez>",
                                        "=/leafz>", "=/gatewayz>", "=/accountz>", "=/accstatz>",
                                        "=/jsz>", "=/healthz ", "=/metrics>", "=/dashboard "};
    for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
        ASSERT(strstr(r.body, links[i]) != NULL);
    ASSERT(strstr(r.body, "http://") == NULL && strstr(r.body, "https://") == NULL);
    http_resp_free(&r);

    ASSERT_OK(http_get(port, "/varz?callback=cb", &r));
    ct = http_header(&r, "Content-Type");
    ASSERT_STR_EQ(ct, "application/javascript");
    free(ct);
    ASSERT(strncmp(r.body, "cb({", 4) == 0);
    ASSERT(r.body[r.body_len - 1] == ')');
    http_resp_free(&r);

    ASSERT_OK(http_get(port, "/healthz", &r));
    ASSERT_STR_EQ(r.body, "{\"status\":\"ok\"}");
    ct = http_header(&r, "Content-Type");
    ASSERT_STR_EQ(ct, "application/json");
    free(ct);
    http_resp_free(&r);

    raw = http_raw(port, "HEAD /varz HTTP/1.1\r\nHost: x\r\n\r\n", 32, &len, 3000);
    ASSERT(raw && strncmp(raw, "HTTP/1.1 200 OK\r\n", 17) == 0);
    ASSERT(strstr(raw, "\r\n\r\n") && strstr(raw, "\r\n\r\n")[4] == '\0'); /* no body */
    free(raw);

    ASSERT_OK(http_get(port, "/dashboard", &r));
    ASSERT_EQ(r.status, 200);
    ASSERT(strstr(r.body, "<canvas") != NULL);
    ASSERT(strstr(r.body, "src=\"http") == NULL && strstr(r.body, "href=\"http") == NULL);
    http_resp_free(&r);
}

/* The HTTP side gets garbage, oversized heads, slow and abandoned clients and a connection
 * flood; NATS clients keep working throughout and the monitor still answers afterwards. */
TEST(hostile_http_keeps_serving)
{
    struct server_proc ns = {0};
    int port, fds[300], nfd = 0;
    struct wire *c, *sub;
    char *raw, *big;
    size_t len;

    ASSERT_OK(mon_start(&ns, NULL, &port, NULL));
    sub = wire_connect(ns.port);
    c = wire_connect(ns.port);
    ASSERT(sub && c);
    free(wire_info(sub, WIRE_TIMEOUT_MS));
    free(wire_info(c, WIRE_TIMEOUT_MS));
    wire_send(sub, "CONNECT {\"verbose\":false}\r\nSUB t 1\r\n");
    WIRE_PING_PONG(sub);
    wire_send(c, "CONNECT {\"verbose\":false}\r\n");
    WIRE_PING_PONG(c);

    /* slowloris: many partial heads, left open */
    for (int i = 0; i < 40; i++) {
        struct wire *w = wire_connect(port);
        ASSERT(w != NULL);
        wire_send(w, "GET /varz HTTP/1.1\r\nHost: x\r\nX-Slow: ");
        fds[nfd++] = w->fd;
        w->fd = dup(w->fd);
        wire_close(w);
    }
    /* the monitor answers while the slow ones hang */
    {
        json_t *v = http_get_json(port, "/varz");
        json_decref(v);
    }
    /* an oversized head */
    big = malloc(70000);
    memcpy(big, "GET /varz HTTP/1.1\r\nHost: x\r\nX-Big: ", 37);
    memset(big + 37, 'a', 70000 - 37 - 4);
    memcpy(big + 70000 - 4, "\r\n\r\n", 4);
    raw = http_raw(port, big, 70000, &len, 3000);
    ASSERT(raw && strncmp(raw, "HTTP/1.1 431 ", 13) == 0);
    free(raw);
    free(big);
    /* too many header lines */
    {
        char many[8000];
        int n = snprintf(many, sizeof(many), "GET /varz HTTP/1.1\r\nHost: x\r\n");
        for (int i = 0; i < 100; i++)
            n += snprintf(many + n, sizeof(many) - (size_t)n, "X%d: y\r\n", i);
        n += snprintf(many + n, sizeof(many) - (size_t)n, "\r\n");
        raw = http_raw(port, many, (size_t)n, &len, 3000);
        ASSERT(raw && strncmp(raw, "HTTP/1.1 431 ", 13) == 0);
        free(raw);
    }
    /* garbage, binary, bad request lines, bad versions, bad paths, pipelined junk */
    static const char *const junk[] = {
        "garbage\r\n\r\n",
        "\x01\x02\x03\xff\xfe\r\n\r\n",
        "GET\r\n\r\n",
        "GET /varz\r\n\r\n",
        "GET varz HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /varz HTTP/9.9\r\nHost: x\r\n\r\n",
        "GET /varz HTTP/1.1\r\n\r\n",
        "G(T /varz HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /varz HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
        "GET /varz HTTP/1.1\r\nNoColon\r\n\r\n",
        "GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGARBAGE\x00\x01 /x HTTP/7\r\n\r\n",
        "\r\n\r\n\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
        raw = http_raw(port, junk[i], strlen(junk[i]), &len, 3000);
        ASSERT(raw != NULL);
        ASSERT(strncmp(raw, "HTTP/1.", 7) == 0);
        free(raw);
        WIRE_PING_PONG(c);
    }
    /* bad methods are answered like GET, as the reference does */
    raw = http_raw(port, "DELETE /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 38, &len, 3000);
    ASSERT(raw && strstr(raw, "{\"status\":\"ok\"}") != NULL);
    free(raw);
    /* a flood past the connection cap: refused or served, never a hang or crash */
    for (int i = 0; i < 200 && nfd < 300; i++) {
        struct wire *w = wire_connect(port);
        if (!w)
            break;
        fds[nfd++] = dup(w->fd);
        wire_close(w);
    }
    /* messaging is untouched */
    for (int i = 0; i < 20; i++)
        wire_send(c, "PUB t 2\r\nok\r\n");
    WIRE_PING_PONG(c);
    for (int i = 0; i < 20; i++)
        WIRE_EXPECT(sub, "MSG t 1 2\r\nok\r\n");
    for (int i = 0; i < nfd; i++)
        close(fds[i]);
    /* and the monitor serves again once the flood is gone */
    {
        struct http_resp r;
        int ok = 0;
        for (int i = 0; i < 50 && !ok; i++) {
            if (http_get(port, "/healthz", &r) == 0) {
                ok = r.status == 200;
                http_resp_free(&r);
            }
            if (!ok)
                wire_sleep_ms(100);
        }
        ASSERT(ok);
        json_t *v = http_get_json(port, "/varz");
        ASSERT(json_integer_value(json_object_get(v, "in_msgs")) >= 20);
        json_decref(v);
    }
}

TEST(prom_checker_rejects_bad_text)
{
    char err[256];
    static const char *const bad[] = {
        "",
        "x 1",                                          /* no newline, no TYPE */
        "x 1\n",                                        /* no TYPE */
        "# TYPE x gauge\nx one\n",                      /* bad value */
        "# TYPE x counter\nx 1\n",                      /* counter without _total */
        "# TYPE x gauge\n# TYPE x gauge\nx 1\n",        /* two TYPEs */
        "# TYPE x gauge\nx{a=\"1\"} 1\nx{a=\"1\"} 2\n", /* duplicate series */
        "# TYPE x gauge\nx{a=1} 1\n",                   /* unquoted label */
        "# TYPE x gauge\nx{a=\"\\q\"} 1\n",             /* bad escape */
        "# TYPE 1x gauge\n1x 1\n",                      /* bad name */
        "# TYPE x gauge\n# TYPE y gauge\nx 1\ny 1\nx 2\n", /* not contiguous */
        "# TYPE x gauge\nx 1\n# HELP x late\n",         /* HELP after samples */
        "# TYPE x weird\nx 1\n",                        /* unknown type */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (prom_check(bad[i], err, sizeof(err)) == 0)
            test_fail(__FILE__, __LINE__, "checker accepted bad input #%zu", i);
    }
    ASSERT_OK(prom_check("# HELP x_total a\n# TYPE x_total counter\nx_total{k=\"a\\\"b\"} 3\n"
                         "# TYPE g gauge\ng 1.5e3\n",
                         err, sizeof(err)));
}

TEST(metrics_prometheus_format)
{
    struct server_proc ns = {0};
    int port;
    struct http_resp r;
    struct wire *w[3];
    char err[512], *ct;
    double before;

    ASSERT_OK(mon_start(&ns, NULL, &port, NULL));
    ASSERT_OK(http_get(port, "/metrics", &r));
    ASSERT_EQ(r.status, 200);
    ct = http_header(&r, "Content-Type");
    ASSERT_STR_EQ(ct, "text/plain; version=0.0.4; charset=utf-8");
    free(ct);
    if (prom_check(r.body, err, sizeof(err)) != 0)
        test_fail(__FILE__, __LINE__, "/metrics: %s\n%s", err, r.body);
    before = prom_value(r.body, "natrium_in_msgs_total");
    ASSERT(before == 0);
    http_resp_free(&r);

    mon_load(ns.port, w);
    ASSERT_OK(http_get(port, "/metrics", &r));
    if (prom_check(r.body, err, sizeof(err)) != 0)
        test_fail(__FILE__, __LINE__, "/metrics: %s\n%s", err, r.body);
    ASSERT(prom_value(r.body, "natrium_in_msgs_total") == 46); /* 3 x 5 x 3 + 1 */
    ASSERT(prom_value(r.body, "natrium_connections") == 3);
    ASSERT(prom_value(r.body, "natrium_connections_by_kind{kind=\"client\"}") == 3);
    ASSERT(prom_value(r.body, "natrium_connections_total") >= 4); /* + proc_start's probe */
    ASSERT(prom_value(r.body, "natrium_subscriptions") >= 9); /* + the system account's */
    ASSERT(prom_value(r.body, "natrium_out_msgs_total") > 0);
    ASSERT(prom_value(r.body, "natrium_in_bytes_total") > 0);
    ASSERT(prom_value(r.body, "natrium_slow_consumers_total") == 0);
    ASSERT(prom_value(r.body, "natrium_http_requests_total{path=\"/metrics\"}") == 2);
    http_resp_free(&r);
}

static json_t *conn_by_name(json_t *connz, const char *name)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(connz, "connections"), i, c) {
        const char *n = json_string_value(json_object_get(c, "name"));
        if (n && !strcmp(n, name))
            return c;
    }
    return NULL;
}

TEST(connz_values_paging_sorting_and_closed)
{
    struct server_proc ns = {0};
    int port;
    struct wire *w[3];
    json_t *j, *c, *arr;

    ASSERT_OK(mon_start(&ns, NULL, &port, NULL));
    mon_load(ns.port, w);
    wire_sleep_ms(200);

    j = http_get_json(port, "/connz?subs=detail");
    ASSERT_EQ(json_integer_value(json_object_get(j, "num_connections")), 3);
    ASSERT_EQ(json_integer_value(json_object_get(j, "total")), 3);
    c = conn_by_name(j, "alpha");
    ASSERT(c != NULL);
    ASSERT_STR_EQ(json_string_value(json_object_get(c, "name")), "alpha");
    ASSERT_STR_EQ(json_string_value(json_object_get(c, "lang")), "c");
    ASSERT_STR_EQ(json_string_value(json_object_get(c, "version")), "1.0");
    ASSERT_EQ(json_integer_value(json_object_get(c, "in_msgs")), 15);
    ASSERT_EQ(json_integer_value(json_object_get(c, "in_bytes")), 50);
    ASSERT_EQ(json_integer_value(json_object_get(c, "subscriptions")), 3);
    ASSERT_EQ(json_array_size(json_object_get(c, "subscriptions_list_detail")), 3);
    ASSERT_MATCH(json_string_value(json_object_get(c, "start")),
                 "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?Z$");
    ASSERT_MATCH(json_string_value(json_object_get(c, "uptime")), "^[0-9]+s$");
    json_decref(j);

    /* limit and offset */
    j = http_get_json(port, "/connz?limit=1&offset=1");
    ASSERT_EQ(json_integer_value(json_object_get(j, "num_connections")), 1);
    ASSERT_EQ(json_integer_value(json_object_get(j, "total")), 3);
    ASSERT_EQ(json_integer_value(json_object_get(j, "limit")), 1);
    ASSERT_EQ(json_integer_value(json_object_get(j, "offset")), 1);
    json_decref(j);

    /* sort=subs / msgs_to are descending; cid ascending */
    j = http_get_json(port, "/connz?sort=cid");
    arr = json_object_get(j, "connections");
    ASSERT(json_integer_value(json_object_get(json_array_get(arr, 0), "cid")) <
           json_integer_value(json_object_get(json_array_get(arr, 2), "cid")));
    json_decref(j);
    j = http_get_json(port, "/connz?sort=msgs_to");
    arr = json_object_get(j, "connections");
    for (size_t i = 1; i < json_array_size(arr); i++)
        ASSERT(json_integer_value(json_object_get(json_array_get(arr, i - 1), "out_msgs")) >=
               json_integer_value(json_object_get(json_array_get(arr, i), "out_msgs")));
    json_decref(j);

    /* the closed one, with its reason and subscriptions (proc_start's probe is closed too) */
    j = http_get_json(port, "/connz?state=closed&subs=1");
    ASSERT(json_integer_value(json_object_get(j, "num_connections")) >= 1);
    c = conn_by_name(j, "gone");
    ASSERT(c != NULL);
    ASSERT_STR_EQ(json_string_value(json_object_get(c, "name")), "gone");
    ASSERT_STR_EQ(json_string_value(json_object_get(c, "reason")), "Client Closed");
    ASSERT(json_object_get(c, "stop") != NULL);
    ASSERT_STR_EQ(json_string_value(json_array_get(json_object_get(c, "subscriptions_list"), 0)),
                  "tmp");
    {
        char path[64];
        snprintf(path, sizeof(path), "/connz?state=all&cid=%lld",
                 json_integer_value(json_object_get(c, "cid")));
        json_decref(j);
        j = http_get_json(port, path);
        ASSERT_EQ(json_integer_value(json_object_get(j, "num_connections")), 1);
        ASSERT_STR_EQ(json_string_value(json_object_get(
                          json_array_get(json_object_get(j, "connections"), 0), "name")),
                      "gone");
        json_decref(j);
    }
    j = http_get_json(port, "/connz?state=all");
    ASSERT(json_integer_value(json_object_get(j, "total")) >= 4);
    json_decref(j);

    /* subsz with a test subject */
    j = http_get_json(port, "/subsz?subs=1&test=all.x");
    ASSERT_EQ(json_integer_value(json_object_get(j, "total")), 3);
    /* the clients' 9, plus the server's own in the system account (the reference has 43) */
    ASSERT(json_integer_value(json_object_get(j, "num_subscriptions")) >= 9);
    json_decref(j);

    /* varz counts the traffic and the requests */
    j = http_get_json(port, "/varz");
    ASSERT_EQ(json_integer_value(json_object_get(j, "in_msgs")), 46);
    ASSERT_EQ(json_integer_value(json_object_get(j, "connections")), 3);
    ASSERT(json_integer_value(json_object_get(j, "total_connections")) >= 4);
    ASSERT(json_integer_value(json_object_get(json_object_get(j, "http_req_stats"), "/connz")) >= 6);
    json_decref(j);
}

TEST(http_config_host_port_and_base_path)
{
    struct server_proc ns = {0};
    int hp = proc_free_port();
    char conf[256], *log;
    struct http_resp r;

    snprintf(conf, sizeof(conf), "http: \"127.0.0.1:%d\"\nhttp_base_path: \"/mon/\"\n", hp);
    ASSERT_OK(proc_start_conf(&ns, NULL, conf, NULL));
    {
        char want[128];
        snprintf(want, sizeof(want), "Starting http monitor on 127.0.0.1:%d", hp);
        ASSERT(proc_log_wait(&ns, want, 3000));
    }
    json_t *v = http_get_json(hp, "/mon/varz");
    ASSERT_STR_EQ(json_string_value(json_object_get(v, "http_host")), "127.0.0.1");
    ASSERT_EQ(json_integer_value(json_object_get(v, "http_port")), hp);
    ASSERT_STR_EQ(json_string_value(json_object_get(v, "http_base_path")), "/mon/");
    json_decref(v);
    ASSERT_OK(http_get(hp, "/varz", &r));
    ASSERT_EQ(r.status, 404);
    http_resp_free(&r);
    ASSERT_OK(http_get(hp, "/mon", &r));
    ASSERT_EQ(r.status, 200);
    ASSERT(strstr(r.body, "href=/mon/varz>") != NULL); /* links work under the base path */
    http_resp_free(&r);
    log = proc_read_log(&ns);
    ASSERT(strstr(log, "not supported") == NULL);
    free(log);
}

TEST(http_port_flag_forms)
{
    struct server_proc ns = {0};
    int hp = proc_free_port();
    char conf[128];

    snprintf(conf, sizeof(conf), "monitor_port: %d\n", hp);
    ASSERT_OK(proc_start_conf(&ns, NULL, conf, NULL));
    json_t *v = http_get_json(hp, "/varz");
    ASSERT_EQ(json_integer_value(json_object_get(v, "http_port")), hp);
    json_decref(v);
    proc_stop(&ns, SIGTERM);
    /* https (test_https.c) needs tls { }: without it the server does not start */
    {
        struct server_proc bad;
        const char *args[] = {"-ms", "8443", NULL};
        memset(&bad, 0, sizeof(bad));
        ASSERT(proc_start(&bad, NULL, args) != 0);
    }
}
