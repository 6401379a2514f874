/* `nats rtt [iterations]` (natscli cli/rtt_command.go): for each server URL, resolves its
 * host and prints the average round-trip time (PING/PONG via flush) to each address:
 * "nats://h:p:", a blank line, "   addr:port: 250.2µs" lines, a blank line. */
#include "cli/cli.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/xmalloc.h"

/* Average flush round trip over iters to url, in ns; -1 if the connection fails. */
static int64_t measure(struct cli *cli, const char *url, int64_t iters)
{
    struct cli c = *cli;
    natsConnection *nc;
    int64_t start, total = 0;

    c.servers = (char *)url;
    nc = cli_connect(&c);
    if (!nc)
        return -1;
    for (int64_t i = 0; i < iters; i++) {
        start = clock_mono_us();
        natsConnection_Flush(nc);
        total += clock_mono_us() - start;
    }
    natsConnection_Destroy(nc);
    return total * 1000 / (iters > 0 ? iters : 1);
}

int cmd_rtt(struct cli *cli, int argc, char **argv)
{
    char **pos = NULL, *list;
    bool json = false;
    int64_t iters = 5;
    int npos = 0, rc;
    const struct cli_flag flags[] = {
        {"json", 0, CLI_BOOL, &json, "Produce JSON output", NULL},
        {NULL, 0, CLI_BOOL, NULL, NULL, NULL},
    };

    rc = cli_parse_flags(cli, "rtt [<flags>] [<iterations>]", flags, argc, argv, &pos, &npos);
    if (rc != 0)
        return rc < 0 ? 1 : 0;
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
    for (char *save = NULL, *u = strtok_r(list, ",", &save); u; u = strtok_r(NULL, ",", &save)) {
        char host[256] = "", port[16] = "4222", *hp = strstr(u, "://");
        struct addrinfo hints, *res = NULL;
        const char *scheme_end = hp ? hp + 3 : u;
        char *at = strchr(scheme_end, '@');

        if (at)
            scheme_end = at + 1;
        snprintf(host, sizeof(host), "%s", scheme_end);
        char *colon = strrchr(host, ':');
        if (colon && !strchr(colon, ']')) {
            snprintf(port, sizeof(port), "%s", colon + 1);
            *colon = '\0';
        }
        fprintf(cli->out, "%s%s:\n\n", hp ? "" : "nats://", u);
        memset(&hints, 0, sizeof(hints));
        hints.ai_socktype = SOCK_STREAM;
        if (getaddrinfo(host, port, &hints, &res) != 0) {
            rc = cli_errorf(cli, "lookup %s: no such host", host);
            break;
        }
        for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
            char addr[64], url[128], d[32];
            void *src = ai->ai_family == AF_INET6
                            ? (void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr
                            : (void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr;
            int64_t ns;
            inet_ntop(ai->ai_family, src, addr, sizeof(addr));
            if (ai->ai_family == AF_INET6)
                snprintf(url, sizeof(url), "nats://[%s]:%s", addr, port);
            else
                snprintf(url, sizeof(url), "nats://%s:%s", addr, port);
            ns = measure(cli, url, iters);
            if (ns < 0) {
                rc = 1;
                break;
            }
            cli_format_duration_ns(ns, d, sizeof(d));
            fprintf(cli->out, "   %s:%s: %s\n", addr, port, d);
        }
        freeaddrinfo(res);
        fputc('\n', cli->out);
        if (rc)
            break;
    }
    free(list);
    return rc;
}
