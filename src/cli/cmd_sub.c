/* `nats sub` (natscli cli/sub_command.go, core NATS part): subscribes to a subject (wildcards,
 * --queue, --inbox), prints "[#n] Received on ..." with headers and body, or the raw body, and
 * stops after --count messages or on SIGINT/SIGTERM. JetStream flags are not supported yet. */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"

static void print_msg(struct cli *cli, natsMsg *m, int64_t ctr, bool raw, bool headers_only)
{
    const char *reply = natsMsg_GetReply(m);
    const char *data = natsMsg_GetData(m);
    int len = natsMsg_GetDataLength(m);

    if (raw) {
        if (len > 0)
            fwrite(data, 1, (size_t)len, cli->out);
        fputc('\n', cli->out);
        fflush(cli->out);
        return;
    }
    char *qs = cli_go_quote(natsMsg_GetSubject(m));
    if (reply && *reply) {
        char *qr = cli_go_quote(reply);
        fprintf(cli->out, "[#%lld] Received on %s with reply %s\n", (long long)ctr, qs, qr);
        free(qr);
    } else {
        fprintf(cli->out, "[#%lld] Received on %s\n", (long long)ctr, qs);
    }
    free(qs);
    if (cli_print_headers(cli, m, false) > 0)
        fputc('\n', cli->out);
    if (!headers_only)
        cli_print_body(cli, data, len);
    fflush(cli->out);
}

int cmd_sub(struct cli *cli, int argc, char **argv)
{
    char *queue = NULL, **pos = NULL, *subject = NULL;
    bool raw = false, inbox = false, headers_only = false;
    int64_t limit = 0, ctr = 0;
    int npos = 0, rc;
    natsConnection *nc = NULL;
    natsSubscription *sub = NULL;
    natsStatus s;
    const struct cli_flag flags[] = {
        {"queue", 0, CLI_STRING, &queue, "Subscribe to a named queue group", "QUEUE"},
        {"raw", 'r', CLI_BOOL, &raw, "Show the raw data received", NULL},
        {"inbox", 'i', CLI_BOOL, &inbox, "Subscribes to a generate inbox", NULL},
        {"count", 0, CLI_INT, &limit, "Quit after receiving this many messages", "COUNT"},
        {"headers-only", 0, CLI_BOOL, &headers_only, "Do not render any data, shows only headers",
         NULL},
        {NULL, 0, CLI_BOOL, NULL, NULL, NULL},
    };

    if (cli_command_start(cli, "subscribe [<flags>] [<subject>]", flags, argc, argv, 0, 1, "subject", &pos,
                          &npos, &nc, &rc) != 0)
        goto out;
    if (npos == 0 && inbox) {
        subject = cli_new_inbox(cli);
    } else if (npos == 0) {
        rc = cli_errorf(cli, "subject is required");
        goto out;
    } else {
        subject = xstrdup(pos[0]);
    }
    if (!raw || inbox)
        cli_logf(cli, "Subscribing on %s ", subject);
    if (queue)
        s = natsConnection_QueueSubscribeSync(&sub, nc, subject, queue);
    else
        s = natsConnection_SubscribeSync(&sub, nc, subject);
    if (s == NATS_OK)
        s = natsConnection_Flush(nc);
    if (s != NATS_OK) {
        const char *e = nats_GetLastError(NULL);
        rc = cli_errorf(cli, "nats: %s", e && *e ? e : natsStatus_GetText(s));
        goto out;
    }
    while (!cli_interrupted()) {
        natsMsg *m = NULL;
        s = natsSubscription_NextMsg(&m, sub, 100);
        if (s == NATS_TIMEOUT)
            continue;
        if (s != NATS_OK) {
            if (s == NATS_SLOW_CONSUMER)
                continue;
            rc = cli_errorf(cli, "nats: %s", natsStatus_GetText(s));
            break;
        }
        ctr++;
        print_msg(cli, m, ctr, raw, headers_only);
        natsMsg_Destroy(m);
        if (limit > 0 && ctr == limit)
            break;
    }
out:
    if (sub) {
        natsSubscription_Unsubscribe(sub);
        natsSubscription_Destroy(sub);
    }
    if (nc)
        natsConnection_Destroy(nc);
    free(subject);
    free(queue);
    free(pos);
    return rc;
}
