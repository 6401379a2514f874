/* `nats server list [expect]` (natscli v0.0.35 cli/server_list_command.go): STATSZ from every
 * server via $SYS.REQ.SERVER.PING, shown as the "Server Overview" table (and "Cluster
 * Overview" when servers are clustered), or as JSON with -j. */
#include "cli/cli.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli/bench_report.h"
#include "cli/sysreq.h"
#include "cli/table.h"
#include "core/xmalloc.h"

struct srv_result {
    json_t *ssm; /* the whole ServerStatsMsg */
    int64_t rtt_ns;
};

struct srv_list {
    struct srv_result *v;
    int n;
    const char *sort;
    bool reverse;
};

static void on_reply(void *arg, json_t *reply, const char *data, int len, int64_t since_ns)
{
    struct srv_list *l = arg;

    (void)data;
    (void)len;
    if (!json_is_object(reply))
        return;
    l->v = xrealloc(l->v, sizeof(*l->v) * (size_t)(l->n + 1));
    l->v[l->n].ssm = json_incref(reply);
    l->v[l->n].rtt_ns = since_ns;
    l->n++;
}

static double sort_key(const struct srv_result *r, const char *sort)
{
    json_t *st = json_object_get(r->ssm, "statsz");

    if (strcmp(sort, "conns") == 0 || strcmp(sort, "conn") == 0)
        return (double)sysreq_int(st, "connections");
    if (strcmp(sort, "subs") == 0 || strcmp(sort, "sub") == 0)
        return (double)sysreq_int(st, "subscriptions");
    if (strcmp(sort, "routes") == 0 || strcmp(sort, "route") == 0)
        return (double)json_array_size(json_object_get(st, "routes"));
    if (strcmp(sort, "gw") == 0 || strcmp(sort, "gws") == 0)
        return (double)json_array_size(json_object_get(st, "gateways"));
    if (strcmp(sort, "mem") == 0)
        return (double)sysreq_int(st, "mem");
    if (strcmp(sort, "cpu") == 0)
        return sysreq_real(st, "cpu");
    if (strcmp(sort, "slow") == 0)
        return (double)sysreq_int(st, "slow_consumers");
    if (strcmp(sort, "uptime") == 0)
        return -(double)sysreq_since_ns(sysreq_str(st, "start"));
    return (double)r->rtt_ns;
}

/* natscli sorts descending unless --reverse (its "rev" helper), by name ascending. */
static void sort_results(struct srv_list *l)
{
    for (int i = 1; i < l->n; i++) {
        for (int j = i; j > 0; j--) {
            struct srv_result *a = &l->v[j - 1], *b = &l->v[j];
            bool swap;
            if (strcmp(l->sort, "name") == 0) {
                swap = strcmp(sysreq_str(json_object_get(a->ssm, "server"), "name"),
                              sysreq_str(json_object_get(b->ssm, "server"), "name")) > 0;
            } else {
                double ka = sort_key(a, l->sort), kb = sort_key(b, l->sort);
                bool rtt = strcmp(l->sort, "rtt") == 0;
                /* rtt: fastest first; the others: largest first; --reverse flips */
                swap = rtt ? (l->reverse ? ka < kb : ka > kb) : (l->reverse ? ka > kb : ka < kb);
            }
            if (!swap)
                break;
            struct srv_result t = *a;
            *a = *b;
            *b = t;
        }
    }
}

/* natscli's compactStrings: drops the dot-separated suffix all names share. */
static void compact_names(char **names, int n)
{
    int shortest = 127;
    size_t cut = 0;

    if (n == 0)
        return;
    for (int i = 0; i < n; i++) {
        int parts = 1;
        for (const char *p = names[i]; *p; p++)
            parts += *p == '.';
        if (parts < shortest)
            shortest = parts;
    }
    /* try suffixes of k parts, k = shortest-1 .. 1, the longest one shared by all */
    for (int k = shortest - 1; k > 0; k--) {
        const char *suf = names[0] + strlen(names[0]);
        for (int c = 0; c < k; c++) {
            suf--;
            while (suf > names[0] && *suf != '.')
                suf--;
        }
        size_t sl = strlen(suf);
        bool all = true;
        for (int i = 0; i < n && all; i++) {
            size_t l = strlen(names[i]);
            all = l > sl && strcmp(names[i] + l - sl, suf) == 0;
        }
        if (all) {
            cut = sl;
            break;
        }
    }
    for (int i = 0; i < n && cut; i++)
        names[i][strlen(names[i]) - cut] = '\0';
}

static void print_table(struct cli *cli, struct srv_list *l, bool compact)
{
    static const char *const hdr[] = {"Name", "Cluster", "IP",   "Version", "JS",
                                      "Conns", "Subs",  "Routes", "GWs",    "Mem",
                                      "CPU",  "Slow",   "Uptime", "RTT"};
    static const bool num[] = {false, false, false, false, false, true, true,
                               true,  true,  false, false, true,  false, true};
    struct table *t = table_new("Server Overview");
    char **names = xcalloc((size_t)l->n + 1, sizeof(char *));
    int64_t conns = 0, mem = 0, slow = 0, subs = 0, js = 0;
    char **clusters = xcalloc((size_t)l->n + 1, sizeof(char *));
    int nclusters = 0;

    table_header(t, 14, hdr);
    for (int i = 0; i < l->n; i++)
        names[i] = xstrdup(sysreq_str(json_object_get(l->v[i].ssm, "server"), "name"));
    if (compact)
        compact_names(names, l->n);
    for (int i = 0; i < l->n; i++) {
        json_t *srv = json_object_get(l->v[i].ssm, "server");
        json_t *st = json_object_get(l->v[i].ssm, "statsz");
        char c[14][64];
        const char *cells[14];
        const char *cl = sysreq_str(srv, "cluster");
        bool jse = json_is_true(json_object_get(srv, "jetstream"));

        conns += sysreq_int(st, "connections");
        mem += sysreq_int(st, "mem");
        slow += sysreq_int(st, "slow_consumers");
        subs += sysreq_int(st, "subscriptions");
        js += jse;
        if (*cl) {
            bool seen = false;
            for (int k = 0; k < nclusters; k++)
                seen = seen || strcmp(clusters[k], cl) == 0;
            if (!seen)
                clusters[nclusters++] = xstrdup(cl);
        }
        snprintf(c[0], 64, "%s", names[i]);
        snprintf(c[1], 64, "%s", cl);
        snprintf(c[2], 64, "%s", sysreq_str(srv, "host"));
        snprintf(c[3], 64, "%s", sysreq_str(srv, "ver"));
        snprintf(c[4], 64, "%s", jse ? "yes" : "no");
        snprintf(c[5], 64, "%" PRId64, sysreq_int(st, "connections"));
        snprintf(c[6], 64, "%" PRId64, sysreq_int(st, "subscriptions"));
        snprintf(c[7], 64, "%zu", json_array_size(json_object_get(st, "routes")));
        snprintf(c[8], 64, "%zu", json_array_size(json_object_get(st, "gateways")));
        bench_ibytes((uint64_t)sysreq_int(st, "mem"), c[9], 64);
        snprintf(c[10], 64, "%.1f", sysreq_real(st, "cpu"));
        snprintf(c[11], 64, "%" PRId64, sysreq_int(st, "slow_consumers"));
        sysreq_humanize_duration(sysreq_since_ns(sysreq_str(st, "start")), c[12], 64);
        cli_format_duration_ns(l->v[i].rtt_ns, c[13], 64);
        for (int k = 0; k < 14; k++)
            cells[k] = c[k];
        table_row(t, cells, num);
    }
    {
        char c[14][64];
        const char *cells[14];
        static const bool tnum[] = {false, false, false, false, true, true, true,
                                    false, false, false, false, true, false, false};
        for (int k = 0; k < 14; k++)
            c[k][0] = '\0';
        snprintf(c[1], 64, "%d Clusters", nclusters);
        snprintf(c[2], 64, "%d Servers", l->n);
        snprintf(c[4], 64, "%" PRId64, js);
        snprintf(c[5], 64, "%" PRId64, conns);
        snprintf(c[6], 64, "%" PRId64, subs);
        bench_ibytes((uint64_t)mem, c[9], 64);
        snprintf(c[11], 64, "%" PRId64, slow);
        for (int k = 0; k < 14; k++)
            cells[k] = c[k];
        table_separator(t);
        table_row(t, cells, tnum);
    }
    table_print(t, cli->out);
    if (nclusters > 0) {
        static const char *const ch[] = {"Cluster", "Node Count", "Outgoing Gateways",
                                         "Incoming Gateways", "Connections"};
        static const bool cnum[] = {false, true, true, true, true};
        struct table *ct = table_new("Cluster Overview");
        int64_t tn = 0, to = 0, ti = 0, tc = 0;
        table_header(ct, 5, ch);
        for (int k = 0; k < nclusters; k++) {
            int64_t nodes = 0, out = 0, in = 0, cc = 0;
            char c[5][64];
            const char *cells[5] = {c[0], c[1], c[2], c[3], c[4]};
            for (int i = 0; i < l->n; i++) {
                json_t *srv = json_object_get(l->v[i].ssm, "server");
                json_t *st = json_object_get(l->v[i].ssm, "statsz");
                size_t gi;
                json_t *g;
                if (strcmp(sysreq_str(srv, "cluster"), clusters[k]) != 0)
                    continue;
                nodes++;
                cc += sysreq_int(st, "connections");
                out += (int64_t)json_array_size(json_object_get(st, "gateways"));
                json_array_foreach(json_object_get(st, "gateways"), gi, g)
                    in += sysreq_int(g, "inbound_connections");
            }
            snprintf(c[0], 64, "%s", clusters[k]);
            snprintf(c[1], 64, "%" PRId64, nodes);
            snprintf(c[2], 64, "%" PRId64, out);
            snprintf(c[3], 64, "%" PRId64, in);
            snprintf(c[4], 64, "%" PRId64, cc);
            tn += nodes;
            to += out;
            ti += in;
            tc += cc;
            table_row(ct, cells, cnum);
        }
        {
            char c[5][64];
            const char *cells[5] = {"", c[1], c[2], c[3], c[4]};
            snprintf(c[1], 64, "%" PRId64, tn);
            snprintf(c[2], 64, "%" PRId64, to);
            snprintf(c[3], 64, "%" PRId64, ti);
            snprintf(c[4], 64, "%" PRId64, tc);
            table_separator(ct);
            table_row(ct, cells, cnum);
        }
        fputc('\n', cli->out);
        table_print(ct, cli->out);
    }
    for (int i = 0; i < l->n; i++)
        free(names[i]);
    for (int k = 0; k < nclusters; k++)
        free(clusters[k]);
    free(names);
    free(clusters);
}

int cmd_server_list(struct cli *cli, int argc, char **argv)
{
    static const char *const sorts[] = {"name", "conns", "conn", "subs", "sub", "routes",
                                        "route", "gw", "mem", "cpu", "slow", "uptime", "rtt"};
    char **pos = NULL, *sort = NULL;
    bool json = false, reverse = false, compact = true, sort_ok = false;
    int npos = 0, rc, want = 0;
    natsConnection *nc = NULL;
    struct srv_list l = {0};
    const struct cli_flag flags[] = {
        {"json", 'j', CLI_BOOL, &json, "Produce JSON output", NULL},
        {"sort", 0, CLI_STRING, &sort,
         "Sort servers by a specific key (name,conns,subs,routes,gws,mem,cpu,slow,uptime,rtt",
         "SORT"},
        {"reverse", 'R', CLI_BOOL, &reverse, "Reverse sort servers", NULL},
        {"compact", 0, CLI_BOOL, &compact, "Compact server names", NULL},
        {NULL, 0, CLI_BOOL, NULL, NULL, NULL},
    };

    rc = cli_parse_flags(cli, "server list [<flags>] [<expect>]", flags, argc, argv, &pos, &npos);
    if (rc != 0) {
        rc = rc < 0 ? 1 : 0;
        goto out;
    }
    for (size_t i = 0; i < sizeof(sorts) / sizeof(sorts[0]); i++)
        sort_ok = sort_ok || !sort || strcmp(sort, sorts[i]) == 0;
    if (!sort_ok) {
        rc = cli_errorf(cli, "enum value must be one of name,conns,conn,subs,sub,routes,route,"
                             "gw,mem,cpu,slow,uptime,rtt, got '%s', try --help", sort);
        goto out;
    }
    if (npos > 1) {
        rc = cli_errorf(cli, "unexpected %s, try --help", pos[1]);
        goto out;
    }
    if (npos == 1) {
        char *end;
        long v = strtol(pos[0], &end, 10);
        if (*end || v < 0) {
            char *q = cli_go_quote(pos[0]);
            rc = cli_errorf(cli, "strconv.ParseUint: parsing %s: invalid syntax, try --help", q);
            free(q);
            goto out;
        }
        want = (int)v;
    }
    nc = cli_connect(cli);
    if (!nc) {
        rc = 1;
        goto out;
    }
    sysreq_collect(cli, nc, "$SYS.REQ.SERVER.PING", NULL, want, on_reply, &l);
    if (l.n == 0) {
        rc = cli_errorf(cli, "no results received, ensure the account used has system "
                             "privileges and appropriate permissions");
        goto out;
    }
    if (json) {
        json_t *arr = json_array();
        for (int i = 0; i < l.n; i++)
            json_array_append(arr, l.v[i].ssm);
        char *s = json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fprintf(cli->out, "%s\n", s);
        free(s);
        json_decref(arr);
        rc = 0;
        goto out;
    }
    l.sort = sort ? sort : "rtt";
    l.reverse = reverse;
    sort_results(&l);
    print_table(cli, &l, compact);
    rc = 0;
out:
    for (int i = 0; i < l.n; i++)
        json_decref(l.v[i].ssm);
    free(l.v);
    if (nc)
        natsConnection_Destroy(nc);
    free(sort);
    free(pos);
    return rc;
}
