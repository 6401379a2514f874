/* `nats server check connection` (natscli v0.0.35 cli/server_check_command.go): a Nagios
 * check that connects, measures the rtt, and round-trips a random 100-byte message through a
 * new inbox. Prints "OK Connection OK:connected to nats://... in 1.2ms OK:rtt time 180µs
 * OK:round trip took 0.000310s | connect_time=0.0012s;0.5000;1.0000 rtt=...
 * request_time=..." and exits 0 (OK), 1 (WARNING), 2 (CRITICAL). --format json renders the
 * same result as natscli's JSON, --format prometheus as its Prometheus text (always exit 0).
 * Needs no system account. The other checks (stream, meta,
 * jetstream, server, kv) are refused as not supported yet. */
#include "cli/cli.h"

#include <jansson.h>

#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"

#define CHECK_MAX_ITEMS 8

struct perf {
    const char *name;
    double value, warn, crit;
};

struct check {
    const char *name, *suite;
    char *crit[CHECK_MAX_ITEMS], *warn[CHECK_MAX_ITEMS], *ok[CHECK_MAX_ITEMS];
    int ncrit, nwarn, nok;
    struct perf pd[CHECK_MAX_ITEMS];
    int npd;
};

/* Appends prefix + a to list. */
static void add(char **list, int *n, const char *prefix, const char *a)
{
    char buf[512];

    if (*n >= CHECK_MAX_ITEMS)
        return;
    snprintf(buf, sizeof(buf), "%s%s", prefix, a);
    list[(*n)++] = xstrdup(buf);
}

static void add_pd(struct check *c, const char *name, double v, double w, double cr)
{
    if (c->npd < CHECK_MAX_ITEMS)
        c->pd[c->npd++] = (struct perf){name, v, w, cr};
}

/* perfDataItem.String() for unit "s": "name=0.0012s;0.5000;1.0000". */
static void perf_string(const struct perf *p, char *buf, size_t n)
{
    size_t l = (size_t)snprintf(buf, n, "%s=%0.4fs", p->name, p->value);
    if (p->warn > 0 || p->crit > 0) {
        if (p->warn != 0)
            l += (size_t)snprintf(buf + l, n - l, ";%0.4f", p->warn);
        else
            l += (size_t)snprintf(buf + l, n - l, ";");
        if (p->crit != 0)
            snprintf(buf + l, n - l, ";%0.4f", p->crit);
    }
}

static const char *status_of(const struct check *c, int *code)
{
    if (c->ncrit > 0) {
        *code = 2;
        return "CRITICAL";
    }
    if (c->nwarn > 0) {
        *code = 1;
        return "WARNING";
    }
    *code = 0;
    return "OK";
}

static char *render_nagios(const struct check *c, int *code)
{
    char buf[4096], pd[256];
    size_t l;

    l = (size_t)snprintf(buf, sizeof(buf), "%s %s", status_of(c, code), c->name);
    for (int i = 0; i < c->ncrit; i++)
        l += (size_t)snprintf(buf + l, sizeof(buf) - l, " Crit:%s", c->crit[i]);
    for (int i = 0; i < c->nwarn; i++)
        l += (size_t)snprintf(buf + l, sizeof(buf) - l, " Warn:%s", c->warn[i]);
    for (int i = 0; i < c->nok; i++)
        l += (size_t)snprintf(buf + l, sizeof(buf) - l, " OK:%s", c->ok[i]);
    if (c->npd > 0) {
        l += (size_t)snprintf(buf + l, sizeof(buf) - l, " |");
        for (int i = 0; i < c->npd; i++) {
            perf_string(&c->pd[i], pd, sizeof(pd));
            l += (size_t)snprintf(buf + l, sizeof(buf) - l, " %s", pd);
        }
    }
    return xstrdup(buf);
}

static json_t *strings_json(char *const *v, int n)
{
    json_t *a = json_array();

    for (int i = 0; i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

/* natscli's result JSON (json.MarshalIndent, fields in struct order, omitempty lists). */
static char *render_json(const struct check *c, int *code)
{
    json_t *o = json_object(), *pd = json_array();
    char *s;

    json_object_set_new(o, "status", json_string(status_of(c, code)));
    json_object_set_new(o, "check_suite", json_string(c->suite));
    json_object_set_new(o, "check_name", json_string(c->name));
    if (c->nwarn)
        json_object_set_new(o, "warning", strings_json(c->warn, c->nwarn));
    if (c->ncrit)
        json_object_set_new(o, "critical", strings_json(c->crit, c->ncrit));
    if (c->nok)
        json_object_set_new(o, "ok", strings_json(c->ok, c->nok));
    for (int i = 0; i < c->npd; i++) {
        json_t *p = json_object();
        json_object_set_new(p, "name", json_string(c->pd[i].name));
        json_object_set_new(p, "value", json_real(c->pd[i].value));
        json_object_set_new(p, "warning", json_real(c->pd[i].warn));
        json_object_set_new(p, "critical", json_real(c->pd[i].crit));
        json_object_set_new(p, "unit", json_string("s"));
        json_array_append_new(pd, p);
    }
    json_object_set_new(o, "perf_data", pd);
    s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(o);
    return s;
}

/* Go's strconv.FormatFloat(v, 'g', -1, 64): the shortest text that reads back as v. */
static void go_float(double v, char *buf, size_t n)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    /* Go writes exponents with at least two digits and no leading zero padding beyond that */
    char *e = strchr(buf, 'e');
    if (e && (e[1] == '-' || e[1] == '+') && e[2] == '0' && e[3] >= '0' && e[3] <= '9' && e[4])
        memmove(e + 2, e + 3, strlen(e + 3) + 1);
}

/* natscli's renderPrometheus: one gauge per perf item and the status code gauge, sorted by
 * metric name as the Prometheus registry gathers them; the exit code is always 0. */
static char *render_prometheus(const struct check *c, int *code)
{
    char buf[4096], v[64];
    size_t l = 0;
    const struct perf *sorted[CHECK_MAX_ITEMS];
    const char *status = status_of(c, code);
    int n = c->npd, status_code = *code;
    bool status_done = false;

    for (int i = 0; i < n; i++)
        sorted[i] = &c->pd[i];
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && strcmp(sorted[j - 1]->name, sorted[j]->name) > 0; j--) {
            const struct perf *t = sorted[j];
            sorted[j] = sorted[j - 1];
            sorted[j - 1] = t;
        }
    static const char *const helps[][2] = {
        {"connect_time", "Time taken to connect to NATS"},
        {"rtt", "The round-trip-time of the connection"},
        {"request_time", "Time taken for a full Request-Reply operation"}};
    for (int i = 0; i <= n; i++) {
        /* "status_code" sorts after the perf names used here */
        if (i == n && !status_done) {
            l += (size_t)snprintf(buf + l, sizeof(buf) - l,
                                  "# HELP nats_server_check_%s_status_code Nagios compatible "
                                  "status code for %s\n"
                                  "# TYPE nats_server_check_%s_status_code gauge\n"
                                  "nats_server_check_%s_status_code{item=\"%s\",status=\"%s\"} "
                                  "%d\n",
                                  c->suite, c->suite, c->suite, c->suite, c->name, status,
                                  status_code);
            status_done = true;
            continue;
        }
        const char *help = "";
        for (size_t k = 0; k < sizeof(helps) / sizeof(helps[0]); k++)
            if (strcmp(helps[k][0], sorted[i]->name) == 0)
                help = helps[k][1];
        go_float(sorted[i]->value, v, sizeof(v));
        l += (size_t)snprintf(buf + l, sizeof(buf) - l,
                              "# HELP nats_server_check_%s_%s %s\n"
                              "# TYPE nats_server_check_%s_%s gauge\n"
                              "nats_server_check_%s_%s{item=\"%s\"} %s\n",
                              c->suite, sorted[i]->name, help, c->suite, sorted[i]->name,
                              c->suite, sorted[i]->name, c->name, v);
        if (l >= sizeof(buf))
            break;
    }
    *code = 0; /* natscli: prometheus output always exits 0 */
    /* fmt.Println adds the final newline; drop ours */
    if (l > 0 && l < sizeof(buf) && buf[l - 1] == '\n')
        buf[l - 1] = '\0';
    return xstrdup(buf);
}

static void random_text(char *buf, int n)
{
    static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    natsInbox *ib = NULL;

    /* nuids are random base-62; chain a few for 100 characters */
    for (int i = 0; i < n;) {
        natsInbox_Create(&ib);
        for (const char *p = (const char *)ib + strlen("_INBOX."); *p && i < n; p++)
            buf[i++] = strchr(chars, *p) ? *p : 'x';
        natsInbox_Destroy(ib);
    }
    buf[n] = '\0';
}

static void check_connection(struct cli *cli, struct check *c, int64_t warn_ms[3],
                             int64_t crit_ms[3])
{
    natsConnection *nc;
    int64_t t0 = cli_mono_ns(), ct_ns, rtt_ns = 0, rq_ns;
    char url[256] = "", d[32], d2[32], msg[101], inbox_buf[256], line[512];
    natsSubscription *sub = NULL;
    natsMsg *m = NULL;
    FILE *err = cli->err;

    cli->err = fopen("/dev/null", "w"); /* natscli reports the failure in the check line */
    nc = cli_connect(cli);
    if (cli->err)
        fclose(cli->err);
    cli->err = err;
    if (!nc) {
        add(c->crit, &c->ncrit, "", "connection failed");
        return;
    }
    ct_ns = cli_mono_ns() - t0;
    natsConnection_GetConnectedUrl(nc, url, sizeof(url));
    add_pd(c, "connect_time", (double)ct_ns / 1e9, (double)warn_ms[0] / 1e3,
           (double)crit_ms[0] / 1e3);
    cli_format_duration_ns(ct_ns, d, sizeof(d));
    if (ct_ns >= crit_ms[0] * 1000000) {
        cli_format_duration_ns(crit_ms[0] * 1000000, d2, sizeof(d2));
        snprintf(line, sizeof(line), "connected to %s, connect time exceeded %s", url, d2);
        add(c->crit, &c->ncrit, "", line);
    } else if (ct_ns >= warn_ms[0] * 1000000) {
        cli_format_duration_ns(warn_ms[0] * 1000000, d2, sizeof(d2));
        snprintf(line, sizeof(line), "connected to %s, connect time exceeded %s", url, d2);
        add(c->warn, &c->nwarn, "", line);
    } else {
        snprintf(line, sizeof(line), "connected to %s in %s", url, d);
        add(c->ok, &c->nok, "", line);
    }
    if (natsConnection_GetRTT(nc, &rtt_ns) != NATS_OK) {
        add(c->crit, &c->ncrit, "rtt failed: ", "nats: timeout");
        natsConnection_Destroy(nc);
        return;
    }
    add_pd(c, "rtt", (double)rtt_ns / 1e9, (double)warn_ms[1] / 1e3, (double)crit_ms[1] / 1e3);
    if (rtt_ns >= crit_ms[1] * 1000000) {
        cli_format_duration_ns(crit_ms[1] * 1000000, d2, sizeof(d2));
        add(c->crit, &c->ncrit, "rtt time exceeded ", d2);
    } else if (rtt_ns >= warn_ms[1] * 1000000) {
        cli_format_duration_ns(warn_ms[1] * 1000000, d2, sizeof(d2));
        add(c->crit, &c->ncrit, "rtt time exceeded ", d2); /* sic: natscli says critical */
    } else {
        cli_format_duration_ns(rtt_ns, d2, sizeof(d2));
        add(c->ok, &c->nok, "rtt time ", d2);
    }
    random_text(msg, 100);
    char *ib = cli_new_inbox(cli);
    snprintf(inbox_buf, sizeof(inbox_buf), "%s", ib);
    free(ib);
    if (natsConnection_SubscribeSync(&sub, nc, inbox_buf) != NATS_OK) {
        snprintf(line, sizeof(line), "could not subscribe to %s", inbox_buf);
        add(c->crit, &c->ncrit, "", line);
        natsConnection_Destroy(nc);
        return;
    }
    natsSubscription_AutoUnsubscribe(sub, 1);
    t0 = cli_mono_ns();
    if (natsConnection_PublishString(nc, inbox_buf, msg) != NATS_OK ||
        natsSubscription_NextMsg(&m, sub, cli->timeout_ms) != NATS_OK) {
        snprintf(line, sizeof(line), "did not receive from %s: nats: timeout", inbox_buf);
        add(c->crit, &c->ncrit, "", line);
        natsSubscription_Destroy(sub);
        natsConnection_Destroy(nc);
        return;
    }
    rq_ns = cli_mono_ns() - t0;
    add_pd(c, "request_time", (double)rq_ns / 1e9, (double)warn_ms[2] / 1e3,
           (double)crit_ms[2] / 1e3);
    if (natsMsg_GetDataLength(m) != 100 || memcmp(natsMsg_GetData(m), msg, 100) != 0)
        add(c->crit, &c->ncrit, "", "did not receive expected message");
    snprintf(d, sizeof(d), "%f", (double)rq_ns / 1e9);
    if (rq_ns >= crit_ms[2] * 1000000)
        add(c->crit, &c->ncrit, "round trip request took ", d);
    else if (rq_ns >= warn_ms[2] * 1000000)
        add(c->warn, &c->nwarn, "round trip request took ", d);
    else
    {
        snprintf(line, sizeof(line), "round trip took %ss", d);
        add(c->ok, &c->nok, "", line);
    }
    natsMsg_Destroy(m);
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
}

int cmd_server_check(struct cli *cli, int argc, char **argv)
{
    char **pos = NULL, *format = NULL, *outfile = NULL, *out = NULL;
    int npos = 0, rc, code = 3;
    int64_t warn_ms[3] = {500, 500, 500}, crit_ms[3] = {1000, 1000, 1000};
    struct check c = {.name = "Connection", .suite = "connections"};
    const struct cli_flag flags[] = {
        {"format", 0, CLI_STRING, &format, "Render the check in a specific format", "FORMAT"},
        {"outfile", 0, CLI_STRING, &outfile, "Save output to a file rather than STDOUT",
         "OUTFILE"},
        {"connect-warn", 0, CLI_DURATION, &warn_ms[0],
         "Warning threshold to allow for establishing connections", "DURATION"},
        {"connect-critical", 0, CLI_DURATION, &crit_ms[0],
         "Critical threshold to allow for establishing connections", "DURATION"},
        {"rtt-warn", 0, CLI_DURATION, &warn_ms[1], "Warning threshold to allow for server RTT",
         "DURATION"},
        {"rtt-critical", 0, CLI_DURATION, &crit_ms[1],
         "Critical threshold to allow for server RTT", "DURATION"},
        {"req-warn", 0, CLI_DURATION, &warn_ms[2],
         "Warning threshold to allow for full round trip test", "DURATION"},
        {"req-critical", 0, CLI_DURATION, &crit_ms[2],
         "Critical threshold to allow for full round trip test", "DURATION"},
        {NULL, 0, CLI_BOOL, NULL, NULL, NULL},
    };

    rc = cli_parse_flags(cli, "server check [<flags>] <command> [<args> ...]", flags, argc, argv,
                         &pos, &npos);
    if (rc != 0) {
        rc = rc < 0 ? 1 : 0;
        goto done;
    }
    if (npos > 0 && strcmp(pos[0], "connection") != 0 && strcmp(pos[0], "conn") != 0) {
        static const char *const later[] = {"stream", "meta", "raft", "jetstream", "js",
                                            "server", "kv"};
        bool known = false;
        for (size_t i = 0; i < sizeof(later) / sizeof(later[0]); i++)
            known = known || strcmp(pos[0], later[i]) == 0;
        if (known) {
            rc = cli_errorf(cli, "\"nats server check %s\" is not supported by natrium yet",
                            pos[0]);
        } else {
            char *q = cli_go_quote(pos[0]);
            rc = cli_errorf(cli, "expected command but got %s, try --help", q);
            free(q);
        }
        goto done;
    }
    if (npos > 1) {
        rc = cli_errorf(cli, "unexpected %s, try --help", pos[1]);
        goto done;
    }
    if (format && strcmp(format, "nagios") != 0 && strcmp(format, "json") != 0 &&
        strcmp(format, "prometheus") != 0) {
        rc = cli_errorf(cli, "enum value must be one of nagios,json,prometheus, got '%s', "
                             "try --help", format);
        goto done;
    }
    check_connection(cli, &c, warn_ms, crit_ms);
    if (format && strcmp(format, "json") == 0)
        out = render_json(&c, &code);
    else if (format && strcmp(format, "prometheus") == 0)
        out = render_prometheus(&c, &code);
    else
        out = render_nagios(&c, &code);
    if (outfile && *outfile) {
        char tmp[4096];
        FILE *f;
        snprintf(tmp, sizeof(tmp), "%s.tmp", outfile);
        f = fopen(tmp, "w");
        if (!f || fprintf(f, "%s\n", out) < 0 || fclose(f) != 0 || rename(tmp, outfile) != 0) {
            fprintf(cli->err, "temp file write failed: %s", outfile);
            rc = 1;
            goto done;
        }
        rc = 1; /* natscli exits 1 after writing the file */
        goto done;
    }
    fprintf(cli->out, "%s\n", out);
    rc = code;
done:
    for (int i = 0; i < c.ncrit; i++)
        free(c.crit[i]);
    for (int i = 0; i < c.nwarn; i++)
        free(c.warn[i]);
    for (int i = 0; i < c.nok; i++)
        free(c.ok[i]);
    free(out);
    free(format);
    free(outfile);
    free(pos);
    return rc;
}
