/* `nats request` / `nats req` (natscli v0.0.35 cli/pub_command.go doReq): sends --count
 * templated requests on a fresh inbox and prints each reply with its round-trip time, waiting
 * for --replies answers (0: until --timeout). A timeout ends the wait quietly (exit 0), as
 * natscli; a 503 status logs "No responders are available". */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

#include "core/clock.h"

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
#include "core/xmalloc.h"

/* Waits for the replies to one request. Returns 0, 2 on no responders, 1 on error. */
static int await_replies(struct cli *cli, natsSubscription *sub, int64_t start_us,
                         int64_t replies, int64_t reply_timeout_ms, bool raw)
{
    int64_t timeout = cli->timeout_ms, rc = 0, rtt_sum_us = 0;

    for (;;) {
        natsMsg *m = NULL;
        natsStatus s = natsSubscription_NextMsg(&m, sub, timeout > 0 ? timeout : 1);
        int64_t rtt_us, rtt_ns;

        if (s == NATS_TIMEOUT)
            return 0;
        if (s == NATS_NO_RESPONDERS)
            goto no_responders;
        if (s != NATS_OK)
            return cli_errorf(cli, "nats: %s", natsStatus_GetText(s));
        if (cli_is_no_responders(m)) {
            natsMsg_Destroy(m);
            goto no_responders;
        }
        rtt_ns = mono_ns() - start_us * 1000;
        rtt_us = rtt_ns / 1000;
        if (!raw) {
            char d[32];
            cli_format_duration_ns(rtt_ns, d, sizeof(d));
            cli_logf(cli, "Received with rtt %s", d);
            if (cli_print_headers(cli, m, true) > 0)
                fputc('\n', cli->out);
        }
        cli_print_body(cli, natsMsg_GetData(m), natsMsg_GetDataLength(m));
        natsMsg_Destroy(m);
        rc++;
        if (replies > 0 && rc == replies)
            return 0;
        if (replies == 0) {
            timeout = cli->timeout_ms - ((mono_ns() / 1000) - start_us) / 1000;
        } else {
            rtt_sum_us += rtt_us;
            timeout = rtt_sum_us / rc / 1000 + reply_timeout_ms;
        }
        if (timeout <= 0)
            return 0;
    }
no_responders:
    cli_logf(cli, "No responders are available");
    return 2;
}

int cmd_request(struct cli *cli, int argc, char **argv)
{
    char **pos = NULL, *q = NULL;
    struct cli_strings hdrs = {0};
    int64_t count = 1, replies = 1, reply_timeout_ms = 300, sleep_ms = 0;
    bool raw = false, wait = true;
    int npos = 0, rc;
    natsConnection *nc = NULL;
    const struct cli_flag flags[] = {
        {"raw", 'r', CLI_BOOL, &raw, "Show just the output received", NULL},
        {"header", 'H', CLI_STRINGS, &hdrs, "Adds headers to the message", "HEADER"},
        {"count", 0, CLI_INT, &count, "Publish multiple messages", "COUNT"},
        {"replies", 0, CLI_INT, &replies,
         "Wait for multiple replies from services. 0 waits until timeout", "REPLIES"},
        {"reply-timeout", 0, CLI_DURATION, &reply_timeout_ms,
         "Maximum timeout between incoming replies.", "REPLY-TIMEOUT"},
        {"sleep", 0, CLI_DURATION, &sleep_ms,
         "When publishing multiple messages, sleep between publishes", "SLEEP"},
        {"wait", 'w', CLI_BOOL, &wait, "Wait for a reply from a service", NULL},
        {NULL, 0, CLI_BOOL, NULL, NULL, NULL},
    };

    if (cli_command_start(cli, "request [<flags>] <subject> [<body>]", flags, argc, argv, 1, 2, "subject", &pos,
                          &npos, &nc, &rc) != 0)
        goto out;
    if (count < 1)
        count = 32767;
    q = cli_go_quote(pos[0]);
    for (int i = 1; i <= count && !cli_interrupted(); i++) {
        size_t len;
        char *data, *inbox;
        natsMsg *m = NULL;
        natsSubscription *sub = NULL;
        natsStatus s;
        int64_t start;

        if (!raw)
            cli_logf(cli, "Sending request on %s", q);
        data = cli_render_template(npos == 2 ? pos[1] : "!nil!", i, NULL, &len);
        inbox = cli_new_inbox(cli);
        s = natsMsg_Create(&m, pos[0], inbox, data, (int)len);
        free(data);
        if (s == NATS_OK && cli_add_headers(cli, m, &hdrs, i) != 0) {
            natsMsg_Destroy(m);
            free(inbox);
            rc = 1;
            break;
        }
        if (s == NATS_OK)
            s = natsConnection_SubscribeSync(&sub, nc, inbox);
        free(inbox);
        start = (mono_ns() / 1000);
        if (s == NATS_OK)
            s = natsConnection_PublishMsg(nc, m);
        natsMsg_Destroy(m);
        if (s != NATS_OK) {
            rc = cli_errorf(cli, "nats: %s", natsStatus_GetText(s));
            natsSubscription_Destroy(sub);
            break;
        }
        rc = await_replies(cli, sub, start, replies, reply_timeout_ms, raw);
        natsSubscription_Unsubscribe(sub);
        natsSubscription_Destroy(sub);
        if (rc == 2) {
            rc = 0;
            break;
        }
        if (rc != 0)
            break;
        if (count > 1 && sleep_ms > 0) {
            int64_t left = sleep_ms - ((mono_ns() / 1000) - start) / 1000;
            if (left > 0)
                nats_Sleep(left);
        }
    }
out:
    if (nc)
        natsConnection_Destroy(nc);
    free(q);
    cli_strings_free(&hdrs);
    free(pos);
    return rc;
}
