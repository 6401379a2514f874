/* `nats server ...` (natscli v0.0.35 cli/server_command.go): dispatches to the subcommands
 * natrium has (info, list, ping, check connection) and refuses the others by name. `server
 * info [ID|NAME]` (server_info_command.go) asks $SYS.REQ.SERVER.<id>.VARZ, or
 * $SYS.REQ.SERVER.PING.VARZ filtered by server name, and prints the VARZ page. */
#include "cli/cli.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/bench_report.h"
#include "cli/sysreq.h"
#include "core/xmalloc.h"

#define NO_RESULTS_ERR                                                                          \
    "no results received, ensure the account used has system privileges and appropriate "     \
    "permissions"

/* Writes s in fatih/color's Bold (only when stdout is a terminal). */
static void bold(struct cli *cli, const char *s)
{
    if (isatty(fileno(cli->out)))
        fprintf(cli->out, "\033[1m%s\033[0m", s);
    else
        fputs(s, cli->out);
}

/* A bold section title followed by a blank line. */
static void section(struct cli *cli, const char *title)
{
    bold(cli, title);
    fputs("\n\n", cli->out);
}

static void join_lines(struct cli *cli, const char *label, json_t *arr, const char *key)
{
    size_t i;
    json_t *v;

    fprintf(cli->out, "%s", label);
    json_array_foreach(arr, i, v) {
        const char *s = key ? sysreq_str(v, key) : json_string_value(v);
        fprintf(cli->out, "%s%s", i ? "\n                  " : "", s ? s : "");
    }
    fputc('\n', cli->out);
}

static void print_varz(struct cli *cli, json_t *vz)
{
    char a[64], b[64], d[64];
    const char *id = sysreq_str(vz, "server_id"), *name = sysreq_str(vz, "server_name");
    json_t *js = json_object_get(vz, "jetstream"), *jcfg = json_object_get(js, "config");

    fputs("Server information for ", cli->out);
    if (strcmp(id, name) == 0) {
        bold(cli, id);
    } else {
        bold(cli, name);
        fputs(" (", cli->out);
        bold(cli, id);
        fputs(")", cli->out);
    }
    fputs("\n\n", cli->out);
    section(cli, "Process Details:");
    fprintf(cli->out, "         Version: %s\n", sysreq_str(vz, "version"));
    fprintf(cli->out, "      Git Commit: %s\n", sysreq_str(vz, "git_commit"));
    fprintf(cli->out, "      Go Version: %s\n", sysreq_str(vz, "go"));
    sysreq_go_time(sysreq_str(vz, "start"), d, sizeof(d));
    fprintf(cli->out, "      Start Time: %s\n", d);
    fprintf(cli->out, "          Uptime: %s\n", sysreq_str(vz, "uptime"));
    fputc('\n', cli->out);
    section(cli, "Connection Details:");
    fprintf(cli->out, "   Auth Required: %s\n",
            json_is_true(json_object_get(vz, "auth_required")) ? "true" : "false");
    fprintf(cli->out, "    TLS Required: %s\n",
            json_is_true(json_object_get(vz, "tls_required")) ? "true" : "false");
    if (*sysreq_str(vz, "ip"))
        fprintf(cli->out, "            Host: %s:%" PRId64 " (%s)\n", sysreq_str(vz, "host"),
                sysreq_int(vz, "port"), sysreq_str(vz, "ip"));
    else
        fprintf(cli->out, "            Host: %s:%" PRId64 "\n", sysreq_str(vz, "host"),
                sysreq_int(vz, "port"));
    join_lines(cli, "     Client URLs: ", json_object_get(vz, "connect_urls"), NULL);
    if (json_array_size(json_object_get(vz, "ws_connect_urls")) > 0)
        join_lines(cli, "  WebSocket URLs: ", json_object_get(vz, "ws_connect_urls"), NULL);
    fputc('\n', cli->out);
    if (jcfg && *sysreq_str(jcfg, "store_dir")) {
        json_t *st = json_object_get(js, "stats"), *api = json_object_get(st, "api");
        section(cli, "JetStream:");
        if (json_array_size(json_object_get(vz, "tags")) > 0) {
            size_t i;
            json_t *t;
            fprintf(cli->out, "         Server Tags: ");
            json_array_foreach(json_object_get(vz, "tags"), i, t)
                fprintf(cli->out, "%s%s", i ? ", " : "", json_string_value(t));
            fputc('\n', cli->out);
        }
        fprintf(cli->out, "              Domain: %s\n", sysreq_str(jcfg, "domain"));
        fprintf(cli->out, "   Storage Directory: %s\n", sysreq_str(jcfg, "store_dir"));
        bench_ibytes((uint64_t)sysreq_int(jcfg, "max_memory"), a, sizeof(a));
        fprintf(cli->out, "          Max Memory: %s\n", a);
        bench_ibytes((uint64_t)sysreq_int(jcfg, "max_storage"), a, sizeof(a));
        fprintf(cli->out, "            Max File: %s\n", a);
        bench_comma(sysreq_int(st, "accounts"), a, sizeof(a));
        fprintf(cli->out, "      Active Acconts: %s\n", a); /* sic, as natscli */
        bench_ibytes((uint64_t)sysreq_int(st, "memory"), a, sizeof(a));
        fprintf(cli->out, "       Memory In Use: %s\n", a);
        bench_ibytes((uint64_t)sysreq_int(st, "storage"), a, sizeof(a));
        fprintf(cli->out, "         File In Use: %s\n", a);
        bench_comma(sysreq_int(api, "total"), a, sizeof(a));
        fprintf(cli->out, "        API Requests: %s\n", a);
        bench_comma(sysreq_int(api, "errors"), a, sizeof(a));
        fprintf(cli->out, "          API Errors: %s\n", a);
        fputc('\n', cli->out);
    }
    section(cli, "Limits:");
    fprintf(cli->out, "        Max Conn: %" PRId64 "\n", sysreq_int(vz, "max_connections"));
    fprintf(cli->out, "        Max Subs: %" PRId64 "\n", sysreq_int(vz, "max_subscriptions"));
    bench_ibytes((uint64_t)sysreq_int(vz, "max_payload"), a, sizeof(a));
    fprintf(cli->out, "     Max Payload: %s\n", a);
    cli_format_duration_ns(sysreq_int(vz, "tls_timeout") * 1000000000LL, d, sizeof(d));
    fprintf(cli->out, "     TLS Timeout: %s\n", d);
    {
        int64_t wd = sysreq_int(vz, "write_deadline");
        wd = (wd + 500000) / 1000000 * 1000000; /* Round(time.Millisecond) */
        cli_format_duration_ns(wd, d, sizeof(d));
        fprintf(cli->out, "  Write Deadline: %s\n", d);
    }
    fputc('\n', cli->out);
    section(cli, "Statistics:");
    fprintf(cli->out, "       CPU Cores: %" PRId64 " %.2f%%\n", sysreq_int(vz, "cores"),
            sysreq_real(vz, "cpu"));
    bench_ibytes((uint64_t)sysreq_int(vz, "mem"), a, sizeof(a));
    fprintf(cli->out, "          Memory: %s\n", a);
    bench_comma(sysreq_int(vz, "connections"), a, sizeof(a));
    fprintf(cli->out, "     Connections: %s\n", a);
    bench_comma(sysreq_int(vz, "subscriptions"), a, sizeof(a));
    fprintf(cli->out, "   Subscriptions: %s\n", a);
    bench_comma(sysreq_int(vz, "in_msgs"), a, sizeof(a));
    bench_comma(sysreq_int(vz, "out_msgs"), b, sizeof(b));
    fprintf(cli->out, "            Msgs: %s in %s out\n", a, b);
    bench_ibytes((uint64_t)sysreq_int(vz, "in_bytes"), a, sizeof(a));
    bench_ibytes((uint64_t)sysreq_int(vz, "out_bytes"), b, sizeof(b));
    fprintf(cli->out, "           Bytes: %s in %s out\n", a, b);
    bench_comma(sysreq_int(vz, "slow_consumers"), a, sizeof(a));
    fprintf(cli->out, "  Slow Consumers: %s\n", a);
    {
        json_t *cl = json_object_get(vz, "cluster");
        if (json_array_size(json_object_get(cl, "urls")) > 0) {
            fputc('\n', cli->out);
            section(cli, "Cluster:");
            fprintf(cli->out, "            Name: %s\n", sysreq_str(cl, "name"));
            fprintf(cli->out, "            Host: %s:%" PRId64 "\n", sysreq_str(cl, "addr"),
                    sysreq_int(cl, "cluster_port"));
            join_lines(cli, "            URLs: ", json_object_get(cl, "urls"), NULL);
        }
    }
    {
        json_t *gw = json_object_get(vz, "gateway");
        json_t *gws = json_object_get(gw, "gateways");
        if (json_array_size(gws) > 0) {
            fputc('\n', cli->out);
            section(cli, "Super Cluster:");
            fprintf(cli->out, "            Name: %s\n", sysreq_str(gw, "name"));
            fprintf(cli->out, "            Host: %s:%" PRId64 "\n", sysreq_str(gw, "host"),
                    sysreq_int(gw, "port"));
            /* natscli sorts the names; the server lists them sorted already */
            join_lines(cli, "        Clusters: ", gws, "name");
        }
    }
    fputc('\n', cli->out);
}

static int server_info(struct cli *cli, int argc, char **argv)
{
    char **pos = NULL, subj[128], *body;
    int npos = 0, rc;
    natsConnection *nc = NULL;
    json_t *reply = NULL, *data;

    if (cli_command_start(cli, "server info [<server>]", NULL, argc, argv, 0, 1, "server", &pos,
                          &npos, &nc, &rc) != 0)
        goto out;
    const char *id = npos ? pos[0] : "";
    bool is_id = strlen(id) == 56;
    for (const char *p = id; *p && is_id; p++)
        is_id = !(*p >= 'a' && *p <= 'z');
    if (is_id) {
        snprintf(subj, sizeof(subj), "$SYS.REQ.SERVER.%s.VARZ", id);
        body = xstrdup("{}");
    } else {
        json_t *o = json_object();
        snprintf(subj, sizeof(subj), "$SYS.REQ.SERVER.PING.VARZ");
        if (*id)
            json_object_set_new(o, "server_name", json_string(id));
        body = json_dumps(o, JSON_COMPACT);
        json_decref(o);
    }
    reply = sysreq_one(cli, nc, subj, body);
    free(body);
    if (!reply) {
        rc = cli_errorf(cli, NO_RESULTS_ERR);
        goto out;
    }
    if (json_object_get(reply, "error")) {
        char *e = json_dumps(json_object_get(reply, "error"), JSON_COMPACT);
        rc = cli_errorf(cli, "invalid response received: %s", e);
        free(e);
        goto out;
    }
    data = json_object_get(reply, "data");
    if (!json_is_object(data)) {
        rc = cli_errorf(cli, "no data received in response");
        goto out;
    }
    print_varz(cli, data);
    rc = 0;
out:
    json_decref(reply);
    if (nc)
        natsConnection_Destroy(nc);
    free(pos);
    return rc;
}

static const char *const unsupported[] = {"report", "request", "req", "run", "passwd",
                                          "pass", "raft", "mappings", "mapping", "account"};

int cmd_server(struct cli *cli, int argc, char **argv)
{
    const char *sub = NULL;
    int at = -1;

    for (int i = 1; i < argc; i++) {
        if (argv[i][0] != '-') {
            sub = argv[i];
            at = i;
            break;
        }
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fprintf(cli->out, "usage: nats server <command> [<args> ...]\n\n"
                              "Server information\n\nSubcommands:\n"
                              "  server info [<server>]\n  server list [<flags>] [<expect>]\n"
                              "  server ping [<flags>] [<expect>]\n"
                              "  server check connection [<flags>]\n\n");
            return 0;
        }
        if (cli_global_takes_value(argv[i]))
            i++; /* its value */
    }
    if (!sub)
        return cli_errorf(cli, "must select a subcommand of 'server', try --help");
    /* the subcommand's own argv: its name, then everything else */
    char **nargv = xcalloc((size_t)argc + 1, sizeof(char *));
    int n = 0, rc;
    nargv[n++] = argv[at];
    for (int i = 1; i < argc; i++)
        if (i != at)
            nargv[n++] = argv[i];
    if (strcmp(sub, "info") == 0 || strcmp(sub, "i") == 0) {
        rc = server_info(cli, n, nargv);
    } else if (strcmp(sub, "list") == 0 || strcmp(sub, "ls") == 0) {
        rc = cmd_server_list(cli, n, nargv);
    } else if (strcmp(sub, "ping") == 0) {
        rc = cmd_server_ping(cli, n, nargv);
    } else if (strcmp(sub, "check") == 0) {
        rc = cmd_server_check(cli, n, nargv);
    } else {
        bool known = false;
        for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++)
            known = known || strcmp(sub, unsupported[i]) == 0;
        if (known) {
            rc = cli_errorf(cli, "\"nats server %s\" is not supported by natrium yet", sub);
        } else {
            char *q = cli_go_quote(sub);
            rc = cli_errorf(cli, "expected command but got %s, try --help", q);
            free(q);
        }
    }
    free(nargv);
    return rc;
}
