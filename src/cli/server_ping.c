/* `nats server ping [expect]` (natscli v0.0.35 cli/server_ping_command.go): sends
 * $SYS.REQ.SERVER.PING and prints one "<name padded to 60> rtt=<d>" line per answering
 * server, then "---- ping statistics ----" with max/min/avg in milliseconds. A status reply
 * (503: not in the system account) prints natscli's hint and exits 1. */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

#include "cli/sysreq.h"
#include "core/clock.h"
#include "core/xmalloc.h"

int cmd_server_ping(struct cli *cli, int argc, char **argv)
{
    char **pos = NULL, *inbox = NULL;
    bool graph = false, show_id = false;
    int npos = 0, rc, seen = 0;
    long expect = 0;
    natsConnection *nc = NULL;
    natsSubscription *sub = NULL;
    double *times = NULL;
    const struct cli_flag flags[] = {
        {"graph", 0, CLI_BOOL, &graph, "Produce a response distribution graph", NULL},
        {"id", 0, CLI_BOOL, &show_id, "Include the Server ID in the output", NULL},
        {NULL, 0, CLI_BOOL, NULL, NULL, NULL},
    };

    if (cli_command_start(cli, "server ping [<flags>] [<expect>]", flags, argc, argv, 0, 1,
                          "expect", &pos, &npos, &nc, &rc) != 0)
        goto out;
    if (graph) {
        rc = cli_errorf(cli, "--graph is not supported by natrium yet");
        goto out;
    }
    if (npos == 1) {
        char *end;
        expect = strtol(pos[0], &end, 10);
        if (*end || expect < 0) {
            char *q = cli_go_quote(pos[0]);
            rc = cli_errorf(cli, "strconv.ParseUint: parsing %s: invalid syntax, try --help", q);
            free(q);
            goto out;
        }
    }
    inbox = cli_new_inbox(cli);
    int64_t start_ns = cli_mono_ns(), deadline = clock_mono_ms() + cli->timeout_ms;
    if (natsConnection_SubscribeSync(&sub, nc, inbox) != NATS_OK ||
        natsConnection_PublishRequest(nc, "$SYS.REQ.SERVER.PING", inbox, NULL, 0) != NATS_OK) {
        rc = cli_errorf(cli, "nats: could not send the ping request");
        goto out;
    }
    natsConnection_Flush(nc);
    for (;;) {
        int64_t now = clock_mono_ms();
        natsMsg *m = NULL;
        const char *status = NULL;

        if (now >= deadline || cli_interrupted() || (expect > 0 && seen >= expect))
            break;
        natsStatus s = natsSubscription_NextMsg(&m, sub, deadline - now);
        if (s == NATS_NO_RESPONDERS)
            status = "503";
        else if (s != NATS_OK)
            continue;
        else if (natsMsgHeader_Get(m, "Status", &status) != NATS_OK)
            status = NULL;
        if (status && *status) {
            fprintf(cli->out, "%s status from $SYS.REQ.SERVER.PING, ensure a system account "
                              "is used with appropriate permissions\n", status);
            natsMsg_Destroy(m);
            rc = 1;
            goto out;
        }
        int64_t since_ns = cli_mono_ns() - start_ns;
        json_t *ssm = json_loadb(natsMsg_GetData(m) ? natsMsg_GetData(m) : "",
                                 (size_t)natsMsg_GetDataLength(m), 0, NULL);
        natsMsg_Destroy(m);
        if (!ssm) {
            cli_logf(cli, "Could not decode response: invalid character");
            rc = 1;
            goto out;
        }
        json_t *srv = json_object_get(ssm, "server");
        int64_t active = sysreq_int(json_object_get(ssm, "statsz"), "active_servers");
        char d[32];
        seen++;
        if (expect == 0 && active > 0 && seen == 1)
            expect = (long)active;
        times = xrealloc(times, sizeof(double) * (size_t)seen);
        times[seen - 1] = (double)(since_ns / 1000000); /* Duration.Milliseconds() */
        cli_format_duration_ns(since_ns, d, sizeof(d));
        if (show_id)
            fprintf(cli->out, "%s %-60s rtt=%s\n", sysreq_str(srv, "id"),
                    sysreq_str(srv, "name"), d);
        else
            fprintf(cli->out, "%-60s rtt=%s\n", sysreq_str(srv, "name"), d);
        fflush(cli->out);
        json_decref(ssm);
    }
    fprintf(cli->out, "\n---- ping statistics ----\n");
    if (seen > 0) {
        double sum = 0, mn = 999999.0, mx = -1.0;
        for (int i = 0; i < seen; i++) {
            sum += times[i];
            mn = times[i] < mn ? times[i] : mn;
            mx = times[i] > mx ? times[i] : mx;
        }
        fprintf(cli->out, "%d replies max: %.2f min: %.2f avg: %.2f\n", seen, mx, mn,
                sum / seen);
    } else {
        fprintf(cli->out, "no responses received\n");
    }
    if (expect != 0 && expect != seen)
        fprintf(cli->out, "\nMissing %ld server(s)\n", expect - seen);
    rc = 0;
out:
    natsSubscription_Destroy(sub);
    free(inbox);
    free(times);
    if (nc)
        natsConnection_Destroy(nc);
    free(pos);
    return rc;
}
