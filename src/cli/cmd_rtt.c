/* `nats rtt [iterations]` (natscli cli/rtt_command.go): for each server URL, resolves its
 * host and measures the average round-trip time (PING/PONG via flush) to each address. Text:
 * "nats://h:p:", a blank line, "   addr:port: 250.2µs" lines (right-aligned to the longest
 * address + 3), a blank line. --json/-j: natscli's JSON array of {url, results: [{time,
 * address, rtt (ns), url}]}. */
#include "cli/cli.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/xmalloc.h"

struct rtt_result {
    char address[96], url[256], time[64];
    int64_t rtt_ns;
};

struct rtt_target {
    char url[512];
    struct rtt_result *v;
    int n;
};

static int64_t mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* time.Now() as Go's JSON writes it (RFC 3339 with nanoseconds, trailing zeros trimmed). */
static void now_rfc3339(char *buf, size_t n)
{
    struct timespec ts;
    struct tm tm;
    char date[32], frac[16], zone[8];
    size_t fl;

    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(frac, sizeof(frac), "%09ld", ts.tv_nsec);
    fl = strlen(frac);
    while (fl > 0 && frac[fl - 1] == '0')
        frac[--fl] = '\0';
    strftime(zone, sizeof(zone), "%z", &tm);
    if (strcmp(zone, "+0000") == 0)
        snprintf(buf, n, "%s%s%s%s", date, fl ? "." : "", frac, "Z");
    else
        snprintf(buf, n, "%s%s%s%.3s:%.2s", date, fl ? "." : "", frac, zone, zone + 3);
}

/* Average flush round trip over iters to url, in ns; -1 if the connection fails. */
static int64_t measure(struct cli *cli, const char *url, int64_t iters, char *connected,
                       size_t n)
{
    struct cli c = *cli;
    natsConnection *nc;
    int64_t total = 0;

    c.servers = (char *)url;
    nc = cli_connect(&c);
    if (!nc)
        return -1;
    natsConnection_GetConnectedUrl(nc, connected, n);
    for (int64_t i = 0; i < iters; i++) {
        int64_t start = mono_ns();
        natsConnection_Flush(nc);
        total += mono_ns() - start;
    }
    natsConnection_Destroy(nc);
    return total / (iters > 0 ? iters : 1);
}

/* Resolves and measures one server URL into t. Returns 0 or an exit code. */
static int measure_target(struct cli *cli, const char *u, int64_t iters, struct rtt_target *t)
{
    char host[256] = "", port[16] = "4222";
    const char *hp = strstr(u, "://"), *start = hp ? hp + 3 : u, *at;
    struct addrinfo hints, *res = NULL;
    int rc = 0;

    if ((at = strchr(start, '@')))
        start = at + 1;
    snprintf(host, sizeof(host), "%s", start);
    char *colon = strrchr(host, ':');
    if (colon && !strchr(colon, ']')) {
        snprintf(port, sizeof(port), "%s", colon + 1);
        *colon = '\0';
    }
    snprintf(t->url, sizeof(t->url), "%s%s", hp ? "" : "nats://", u);
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &res) != 0)
        return cli_errorf(cli, "lookup %s: no such host", host);
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        char addr[64], url[128];
        void *src = ai->ai_family == AF_INET6
                        ? (void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr
                        : (void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr;
        struct rtt_result *r;

        inet_ntop(ai->ai_family, src, addr, sizeof(addr));
        if (ai->ai_family == AF_INET6)
            snprintf(url, sizeof(url), "nats://[%s]:%s", addr, port);
        else
            snprintf(url, sizeof(url), "nats://%s:%s", addr, port);
        t->v = xrealloc(t->v, sizeof(*t->v) * (size_t)(t->n + 1));
        r = &t->v[t->n++];
        memset(r, 0, sizeof(*r));
        snprintf(r->address, sizeof(r->address), "%s:%s", addr, port);
        now_rfc3339(r->time, sizeof(r->time));
        r->rtt_ns = measure(cli, url, iters, r->url, sizeof(r->url));
        if (r->rtt_ns < 0) {
            rc = 1;
            break;
        }
    }
    freeaddrinfo(res);
    return rc;
}

static void print_json(struct cli *cli, struct rtt_target *t, int n)
{
    json_t *arr = json_array();
    char *s;

    for (int i = 0; i < n; i++) {
        json_t *o = json_object(), *res = json_array();
        json_object_set_new(o, "url", json_string(t[i].url));
        for (int k = 0; k < t[i].n; k++) {
            json_t *r = json_object();
            json_object_set_new(r, "time", json_string(t[i].v[k].time));
            json_object_set_new(r, "address", json_string(t[i].v[k].address));
            json_object_set_new(r, "rtt", json_integer(t[i].v[k].rtt_ns));
            json_object_set_new(r, "url", json_string(t[i].v[k].url));
            json_array_append_new(res, r);
        }
        json_object_set_new(o, "results", res);
        json_array_append_new(arr, o);
    }
    s = json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fprintf(cli->out, "%s\n", s);
    free(s);
    json_decref(arr);
}

int cmd_rtt(struct cli *cli, int argc, char **argv)
{
    char **pos = NULL, *list;
    bool json = false;
    int64_t iters = 5;
    int npos = 0, rc, nt = 0, indent = 3;
    struct rtt_target *t = NULL;
    const struct cli_flag flags[] = {
        {"json", 'j', CLI_BOOL, &json, "Produce JSON output", NULL},
        {NULL, 0, CLI_BOOL, NULL, NULL, NULL},
    };

    rc = cli_parse_flags(cli, "rtt [<flags>] [<iterations>]", flags, argc, argv, &pos, &npos);
    if (rc != 0)
        return rc < 0 ? 1 : 0;
    if (npos > 1) {
        rc = cli_errorf(cli, "unexpected %s, try --help", pos[1]);
        free(pos);
        return rc;
    }
    if (npos > 0) {
        char *end;
        iters = strtoll(pos[0], &end, 10);
        if (*end || iters < 1) {
            char *q = cli_go_quote(pos[0]);
            free(pos);
            rc = cli_errorf(cli, "strconv.ParseInt: parsing %s: invalid syntax, try --help", q);
            free(q);
            return rc;
        }
    }
    free(pos);
    list = xstrdup(cli->servers ? cli->servers : "nats://127.0.0.1:4222");
    for (char *save = NULL, *u = strtok_r(list, ",", &save); u && rc == 0;
         u = strtok_r(NULL, ",", &save)) {
        while (*u == ' ')
            u++;
        t = xrealloc(t, sizeof(*t) * (size_t)(nt + 1));
        memset(&t[nt], 0, sizeof(t[0]));
        rc = measure_target(cli, u, iters, &t[nt++]);
    }
    if (rc == 0 && json) {
        print_json(cli, t, nt);
    } else if (rc == 0) {
        for (int i = 0; i < nt; i++)
            for (int k = 0; k < t[i].n; k++)
                if ((int)strlen(t[i].v[k].address) + 3 > indent)
                    indent = (int)strlen(t[i].v[k].address) + 3;
        for (int i = 0; i < nt; i++) {
            fprintf(cli->out, "%s:\n\n", t[i].url);
            for (int k = 0; k < t[i].n; k++) {
                char d[32];
                cli_format_duration_ns(t[i].v[k].rtt_ns, d, sizeof(d));
                fprintf(cli->out, "%*s: %s\n", indent, t[i].v[k].address, d);
            }
            fputc('\n', cli->out);
        }
    }
    for (int i = 0; i < nt; i++)
        free(t[i].v);
    free(t);
    free(list);
    return rc;
}
