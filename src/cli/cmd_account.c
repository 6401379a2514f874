/* `nats account info` (natscli v0.0.35 cli/account_command.go infoAction): the connection's
 * details ("Connection Information:") and the JetStream account information from
 * $JS.API.INFO ("JetStream Account Information:"; "JetStream is not supported in this
 * account" on no responders). Needs no system account. Deviations: "Connected Server Name"
 * and "Connected Cluster" are not printed (libnats does not expose them), and "Connected
 * Address" is the connected URL's host resolved to its first address. */
#include "cli/cli.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include "cli/bench_report.h"
#include "cli/sysreq.h"

/* "host:port" of a nats://[user@]host:port URL, the host resolved to an address. */
static void connected_addr(const char *url, char *out, size_t n)
{
    const char *p = strstr(url, "://");
    char host[256], port[16] = "4222";
    struct addrinfo hints, *res = NULL;

    p = p ? p + 3 : url;
    if (strchr(p, '@'))
        p = strchr(p, '@') + 1;
    snprintf(host, sizeof(host), "%s", p);
    char *colon = strrchr(host, ':');
    if (colon && !strchr(colon, ']')) {
        snprintf(port, sizeof(port), "%s", colon + 1);
        *colon = '\0';
    }
    if (host[0] == '[') {
        memmove(host, host + 1, strlen(host));
        host[strcspn(host, "]")] = '\0';
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &res) == 0 && res) {
        char a[64];
        void *src = res->ai_family == AF_INET6
                        ? (void *)&((struct sockaddr_in6 *)res->ai_addr)->sin6_addr
                        : (void *)&((struct sockaddr_in *)res->ai_addr)->sin_addr;
        inet_ntop(res->ai_family, src, a, sizeof(a));
        if (res->ai_family == AF_INET6)
            snprintf(out, n, "[%s]:%s", a, port);
        else
            snprintf(out, n, "%s:%s", a, port);
    } else {
        snprintf(out, n, "%s:%s", host, port);
    }
    if (res)
        freeaddrinfo(res);
}

static void limit_line(struct cli *cli, const char *label, int64_t used, int64_t max)
{
    char a[32], b[32];

    bench_ibytes((uint64_t)used, a, sizeof(a));
    if (max == -1) {
        fprintf(cli->out, "%s: %s of Unlimited\n", label, a);
    } else {
        bench_ibytes((uint64_t)max, b, sizeof(b));
        fprintf(cli->out, "%s: %s of %s\n", label, a, b);
    }
}

static void count_line(struct cli *cli, const char *label, int64_t used, int64_t max)
{
    char a[32], b[32];

    bench_comma(used, a, sizeof(a));
    if (max == -1) {
        fprintf(cli->out, "%s: %s of Unlimited\n", label, a);
    } else {
        bench_comma(max, b, sizeof(b));
        fprintf(cli->out, "%s: %s of %s\n", label, a, b);
    }
}

static void per_stream(struct cli *cli, const char *label, int64_t v)
{
    char a[32];

    if (v <= 0) {
        fprintf(cli->out, "%s: Unlimited\n", label);
    } else {
        bench_ibytes((uint64_t)v, a, sizeof(a));
        fprintf(cli->out, "%s: %s\n", label, a);
    }
}

static void render_tier(struct cli *cli, const char *name, json_t *tier)
{
    json_t *lim = json_object_get(tier, "limits");
    int64_t ack = sysreq_int(lim, "max_ack_pending");
    char a[32];

    fprintf(cli->out, "   Tier: %s\n\n", name);
    fprintf(cli->out, "      Configuration Requirements:\n\n");
    fprintf(cli->out, "         Stream Requires Max Bytes Set: %s\n",
            json_is_true(json_object_get(lim, "max_bytes_required")) ? "true" : "false");
    if (ack <= 0) {
        fprintf(cli->out, "          Consumer Maximum Ack Pending: Unlimited\n");
    } else {
        bench_comma(ack, a, sizeof(a));
        fprintf(cli->out, "          Consumer Maximum Ack Pending: %s\n", a);
    }
    fprintf(cli->out, "\n      Stream Resource Usage Limits:\n\n");
    limit_line(cli, "                    Memory", sysreq_int(tier, "memory"),
               sysreq_int(lim, "max_memory"));
    per_stream(cli, "         Memory Per Stream", sysreq_int(lim, "memory_max_stream_bytes"));
    limit_line(cli, "                   Storage", sysreq_int(tier, "storage"),
               sysreq_int(lim, "max_storage"));
    per_stream(cli, "        Storage Per Stream", sysreq_int(lim, "storage_max_stream_bytes"));
    count_line(cli, "                   Streams", sysreq_int(tier, "streams"),
               sysreq_int(lim, "max_streams"));
    count_line(cli, "                 Consumers", sysreq_int(tier, "consumers"),
               sysreq_int(lim, "max_consumers"));
    fputc('\n', cli->out);
}

static void jetstream_info(struct cli *cli, natsConnection *nc)
{
    char subj[256], a[32];
    natsMsg *m = NULL;
    natsStatus s;
    json_t *info;

    if (cli->js_api_prefix && *cli->js_api_prefix)
        snprintf(subj, sizeof(subj), "%s.INFO", cli->js_api_prefix);
    else if (cli->js_domain && *cli->js_domain)
        snprintf(subj, sizeof(subj), "$JS.%s.API.INFO", cli->js_domain);
    else
        snprintf(subj, sizeof(subj), "$JS.API.INFO");
    fprintf(cli->out, "JetStream Account Information:\n\n");
    if (cli->trace)
        cli_logf(cli, ">>> %s\n\n\n", subj); /* jsm.go: subject, the empty body */
    s = natsConnection_Request(&m, nc, subj, NULL, 0, cli->timeout_ms);
    if (s == NATS_NO_RESPONDERS || (s == NATS_OK && cli_is_no_responders(m))) {
        fprintf(cli->out, "   JetStream is not supported in this account\n");
        natsMsg_Destroy(m);
        return;
    }
    if (s != NATS_OK) {
        fprintf(cli->out, "   No response from JetStream server\n");
        return;
    }
    if (cli->trace)
        cli_logf(cli, "<<< %s\n%.*s\n\n", subj, natsMsg_GetDataLength(m), natsMsg_GetData(m));
    info = json_loadb(natsMsg_GetData(m), (size_t)natsMsg_GetDataLength(m), 0, NULL);
    natsMsg_Destroy(m);
    if (!json_is_object(info) || json_object_get(info, "error")) {
        const char *d = sysreq_str(json_object_get(info, "error"), "description");
        fprintf(cli->out, "   Could not obtain account information: %s\n",
                *d ? d : "invalid response");
        json_decref(info);
        return;
    }
    fprintf(cli->out, "Account Usage:\n\n");
    bench_ibytes((uint64_t)sysreq_int(info, "storage"), a, sizeof(a));
    fprintf(cli->out, "    Storage: %s\n", a);
    bench_ibytes((uint64_t)sysreq_int(info, "memory"), a, sizeof(a));
    fprintf(cli->out, "     Memory: %s\n", a);
    bench_comma(sysreq_int(info, "streams"), a, sizeof(a));
    fprintf(cli->out, "    Streams: %s\n", a);
    bench_comma(sysreq_int(info, "consumers"), a, sizeof(a));
    fprintf(cli->out, "  Consumers: %s\n\n", a);
    fprintf(cli->out, "Account Limits:\n\n");
    bench_ibytes((uint64_t)natsConnection_GetMaxPayload(nc), a, sizeof(a));
    fprintf(cli->out, "   Max Message Payload: %s \n\n", a);
    json_t *tiers = json_object_get(info, "tiers");
    if (json_object_size(tiers) > 0) {
        const char *k;
        json_t *t;
        json_object_foreach(tiers, k, t)
            render_tier(cli, k, t);
    } else {
        render_tier(cli, "Default", info);
    }
    fputc('\n', cli->out);
    json_decref(info);
}

static int account_info(struct cli *cli, int argc, char **argv)
{
    char **pos = NULL, url[256] = "", sid[128] = "", addr[300], d[32];
    int npos = 0, rc;
    natsConnection *nc = NULL;
    uint64_t cid = 0;
    char *ip = NULL;
    int64_t rtt = 0;

    char why[512];

    rc = cli_parse_flags(cli, "account info", NULL, argc, argv, &pos, &npos);
    if (rc != 0) {
        rc = rc < 0 ? 1 : 0;
        goto out;
    }
    if (npos > 0) {
        rc = cli_errorf(cli, "unexpected %s, try --help", pos[0]);
        goto out;
    }
    nc = cli_connect_why(cli, why, sizeof(why));
    if (!nc) { /* kingpin.FatalIfError(err, "setup failed") */
        rc = cli_errorf(cli, "setup failed: %s", why);
        goto out;
    }
    natsConnection_GetClientID(nc, &cid);
    natsConnection_GetClientIP(nc, &ip);
    natsConnection_GetRTT(nc, &rtt);
    natsConnection_GetConnectedUrl(nc, url, sizeof(url));
    natsConnection_GetConnectedServerId(nc, sid, sizeof(sid));
    connected_addr(url, addr, sizeof(addr));
    fprintf(cli->out, "Connection Information:\n\n");
    fprintf(cli->out, "               Client ID: %" PRIu64 "\n", cid);
    fprintf(cli->out, "               Client IP: %s\n", ip ? ip : "");
    cli_format_duration_ns(rtt, d, sizeof(d));
    fprintf(cli->out, "                     RTT: %s\n", d);
    fprintf(cli->out, "       Headers Supported: %s\n",
            natsConnection_HasHeaderSupport(nc) == NATS_OK ? "true" : "false");
    bench_ibytes((uint64_t)natsConnection_GetMaxPayload(nc), d, sizeof(d));
    fprintf(cli->out, "         Maximum Payload: %s\n", d);
    fprintf(cli->out, "           Connected URL: %s\n", url);
    fprintf(cli->out, "       Connected Address: %s\n", addr);
    fprintf(cli->out, "     Connected Server ID: %s\n\n", sid);
    jetstream_info(cli, nc);
    rc = 0;
out:
    free(ip);
    if (nc)
        natsConnection_Destroy(nc);
    free(pos);
    return rc;
}

int cmd_account(struct cli *cli, int argc, char **argv)
{
    const char *sub = NULL;
    int at = -1, rc;

    for (int i = 1; i < argc; i++) {
        if (argv[i][0] != '-') {
            sub = argv[i];
            at = i;
            break;
        }
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fprintf(cli->out, "usage: nats account <command> [<args> ...]\n\n"
                              "Account information and status\n\nSubcommands:\n"
                              "  account info\n\n");
            return 0;
        }
        if (cli_global_takes_value(argv[i]))
            i++;
    }
    if (!sub)
        return cli_errorf(cli, "must select a subcommand of 'account', try --help");
    if (strcmp(sub, "info") == 0 || strcmp(sub, "nfo") == 0) {
        char *nargv[64];
        int n = 0;
        nargv[n++] = argv[at];
        for (int i = 1; i < argc && n < 63; i++)
            if (i != at)
                nargv[n++] = argv[i];
        nargv[n] = NULL;
        return account_info(cli, n, nargv);
    }
    if (strcmp(sub, "report") == 0 || strcmp(sub, "backup") == 0 || strcmp(sub, "restore") == 0) {
        return cli_errorf(cli, "\"nats account %s\" is not supported by natrium yet", sub);
    }
    char *q = cli_go_quote(sub);
    rc = cli_errorf(cli, "expected command but got %s, try --help", q);
    free(q);
    return rc;
}
