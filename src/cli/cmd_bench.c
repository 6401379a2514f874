/* `nats bench SUBJECT --pub N --sub N --msgs N --size B`: the core NATS pub/sub and
 * request/reply benchmark of natscli v0.0.35 (cli/bench_command.go). Each publisher and
 * subscriber has its own connection and thread; messages are split across the publishers and
 * every subscriber expects all of them (in --reply mode the replies are split instead). The
 * report and CSV come from bench_report.c, the engine from bench_engine.c. The natscli 0.2
 * subcommand forms ("nats bench pub SUBJECT ...") go to bench_modern.c. JetStream and KV
 * modes are refused with "not supported" errors. */
#include "cli/bench.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"

/* The checks and the banner of natscli's bench action. Returns -1 to go on, else an exit code. */
static int bench_validate(struct bench *b)
{
    struct cli *cli = b->cli;
    char msgs[32], size[32], ps[40], ss[40];

    if (b->msgs <= 0)
        return cli_errorf(cli, "number of messages should be greater than 0");
    if (bench_parse_bytes(b->size_str, &b->size) != 0 || b->size <= 0) {
        /* natscli calls log.Fatal (not Fatalf) here, so the %s stays and the value follows */
        cli_logf(cli, "Can not parse or invalid the value specified for the message size: %%s%s",
                 b->size_str);
        return 1;
    }
    if (b->pubs == 0 && b->subs == 0) {
        cli_logf(cli, "You must have at least one publisher or at least one subscriber... try "
                      "adding --pub 1 and/or --sub 1 to the arguments");
        return 1;
    }
    if (b->pubs < 0 || b->subs < 0)
        return cli_errorf(cli, "the number of publishers and subscribers can not be negative");
    if (b->request || b->reply) {
        cli_logf(cli, "Benchmark in request-reply mode");
        if (b->reply)
            b->no_progress = true; /* open-ended, so no progress bar */
    }
    if (b->request && b->reply) {
        cli_logf(cli, "Request-reply mode error: can not be both a requester and a replier at "
                      "the same time, please use at least two instances of nats bench to "
                      "benchmark request/reply");
        return 1;
    }
    if (b->reply && b->pubs > 0 && b->subs > 0) {
        cli_logf(cli, "Request-reply mode error: can not have a publisher while in --reply mode");
        return 1;
    }

    bench_comma(b->msgs, msgs, sizeof(msgs));
    bench_ibytes((uint64_t)b->size, size, sizeof(size));
    cli_format_duration_ns(b->pubsleep_ns, ps, sizeof(ps));
    cli_format_duration_ns(b->subsleep_ns, ss, sizeof(ss));
    if (b->request || b->reply)
        cli_logf(cli,
                 "Starting request-reply benchmark [subject=%s%s, multisubject=%s, "
                 "multisubjectmax=%" PRId64 ", request=%s, reply=%s, msgs=%s, msgsize=%s, "
                 "pubs=%" PRId64 ", subs=%" PRId64 ", pubsleep=%s, subsleep=%s]",
                 b->subject, b->multisubject ? ".*" : "", b->multisubject ? "true" : "false",
                 b->multisubjectmax, b->request ? "true" : "false", b->reply ? "true" : "false",
                 msgs, size, b->pubs, b->subs, ps, ss);
    else
        cli_logf(cli,
                 "Starting Core NATS pub/sub benchmark [subject=%s%s, multisubject=%s, "
                 "multisubjectmax=%" PRId64 ", msgs=%s, msgsize=%s, pubs=%" PRId64 ", subs=%" PRId64
                 ", pubsleep=%s, subsleep=%s]",
                 b->subject, b->multisubject ? ".*" : "", b->multisubject ? "true" : "false",
                 b->multisubjectmax, msgs, size, b->pubs, b->subs, ps, ss);
    return -1;
}

int cmd_bench(struct cli *cli, int argc, char **argv)
{
    struct bench b = {.cli = cli, .msgs = 100000};
    bool js = false, kv = false, pull = false, push = false, syncpub = false, purge = false,
         dedup = false;
    char *stream = NULL, *storage = NULL, *replicas = NULL, *maxbytes = NULL, *consumer = NULL,
         *jstimeout = NULL, *pubbatch = NULL, *consumerbatch = NULL, *pullbatch = NULL,
         *history = NULL, *bucket = NULL, *dedupwindow = NULL, *retries = NULL;
    const struct cli_flag flags[] = {
        {"pub", 0, CLI_INT, &b.pubs, "Number of concurrent publishers", "PUB"},
        {"sub", 0, CLI_INT, &b.subs, "Number of concurrent subscribers", "SUB"},
        {"request", 0, CLI_BOOL, &b.request,
         "Request-Reply mode: publishers send requests waits for a reply", NULL},
        {"reply", 0, CLI_BOOL, &b.reply, "Request-Reply mode: subscribers send replies", NULL},
        {"msgs", 0, CLI_INT, &b.msgs, "Number of messages to publish", "MSGS"},
        {"size", 0, CLI_STRING, &b.size_str, "Size of the test messages", "SIZE"},
        {"no-progress", 0, CLI_BOOL, &b.no_progress, "Disable progress bar while publishing", NULL},
        {"csv", 0, CLI_STRING, &b.csv, "Save benchmark data to CSV file", "CSV"},
        {"subsleep", 0, CLI_STRING, &b.subsleep_str,
         "Sleep for the specified interval before sending the reply back in --reply mode",
         "SUBSLEEP"},
        {"pubsleep", 0, CLI_STRING, &b.pubsleep_str,
         "Sleep for the specified interval after publishing each message", "PUBSLEEP"},
        {"multisubject", 0, CLI_BOOL, &b.multisubject,
         "Multi-subject mode, each message is published on a subject that includes the "
         "publisher's message sequence number as a token",
         NULL},
        {"multisubjectmax", 0, CLI_INT, &b.multisubjectmax,
         "The maximum number of subjects to use in multi-subject mode (0 means no max)",
         "MULTISUBJECTMAX"},
        /* JetStream and KV modes: accepted by the parser, refused below */
        {"js", 0, CLI_BOOL, &js, "Use JetStream (not supported by natrium yet)", NULL},
        {"kv", 0, CLI_BOOL, &kv, "KV mode (not supported by natrium yet)", NULL},
        {"pull", 0, CLI_BOOL, &pull, "JetStream durable pull consumer (not supported)", NULL},
        {"push", 0, CLI_BOOL, &push, "JetStream durable push consumer (not supported)", NULL},
        {"syncpub", 0, CLI_BOOL, &syncpub, "JetStream synchronous publish (not supported)", NULL},
        {"purge", 0, CLI_BOOL, &purge, "Purge the stream before running (not supported)", NULL},
        {"dedup", 0, CLI_BOOL, &dedup, "JetStream de-duplication (not supported)", NULL},
        {"stream", 0, CLI_STRING, &stream, "JetStream stream (not supported)", "STREAM"},
        {"storage", 0, CLI_STRING, &storage, "JetStream storage (not supported)", "STORAGE"},
        {"replicas", 0, CLI_STRING, &replicas, "Stream replicas (not supported)", "REPLICAS"},
        {"maxbytes", 0, CLI_STRING, &maxbytes, "Stream or bucket size (not supported)", "MAXBYTES"},
        {"consumer", 0, CLI_STRING, &consumer, "Durable consumer name (not supported)", "CONSUMER"},
        {"jstimeout", 0, CLI_STRING, &jstimeout, "JetStream timeout (not supported)", "JSTIMEOUT"},
        {"pubbatch", 0, CLI_STRING, &pubbatch, "JetStream publish batch (not supported)",
         "PUBBATCH"},
        {"consumerbatch", 0, CLI_STRING, &consumerbatch, "Consumer batch (not supported)",
         "CONSUMERBATCH"},
        {"pullbatch", 0, CLI_STRING, &pullbatch, "Pull batch (not supported)", "PULLBATCH"},
        {"history", 0, CLI_STRING, &history, "KV history (not supported)", "HISTORY"},
        {"bucket", 0, CLI_STRING, &bucket, "KV bucket (not supported)", "BUCKET"},
        {"dedupwindow", 0, CLI_STRING, &dedupwindow, "De-duplication window (not supported)",
         "DEDUPWINDOW"},
        {"retries", 0, CLI_STRING, &retries, "JetStream retries (not supported)", "RETRIES"},
        {NULL, 0, CLI_BOOL, NULL, NULL, NULL},
    };
    char **pos = NULL;
    int npos = 0, rc;

    if (bench_is_modern(argc, argv))
        return bench_modern(cli, argc, argv);
    b.size_str = xstrdup("128");
    pthread_mutex_init(&b.mu, NULL);
    pthread_cond_init(&b.cond, NULL);
    rc = cli_parse_flags(cli, "bench <subject> [<flags>]", flags, argc, argv, &pos, &npos);
    if (rc != 0) {
        rc = rc < 0 ? 1 : 0;
        goto out;
    }
    if ((rc = cli_one_arg(cli, "subject", pos, npos)) != 0)
        goto out;
    if (js || kv || pull || push || syncpub || purge || dedup || stream || storage || replicas ||
        maxbytes || consumer || jstimeout || pubbatch || consumerbatch || pullbatch || history ||
        bucket || dedupwindow || retries) {
        rc = cli_errorf(cli, "JetStream benchmarks are not supported by natrium yet");
        goto out;
    }
    b.subject = pos[0];
    if (b.pubsleep_str && bench_parse_duration_ns(b.pubsleep_str, &b.pubsleep_ns) != 0) {
        char *q = cli_go_quote(b.pubsleep_str);

        rc = cli_errorf(cli, "time: invalid duration %s, try --help", q);
        free(q);
        goto out;
    }
    if (b.subsleep_str && bench_parse_duration_ns(b.subsleep_str, &b.subsleep_ns) != 0) {
        char *q = cli_go_quote(b.subsleep_str);

        rc = cli_errorf(cli, "time: invalid duration %s, try --help", q);
        free(q);
        goto out;
    }
    rc = bench_validate(&b);
    if (rc >= 0)
        goto out;
    rc = bench_run(&b);
    if (rc == 0 && cli_interrupted())
        rc = b.reply ? 0 : 1; /* natscli dies on the signal: no report */
    else if (rc == 0)
        rc = bench_finish(&b);
out:
    bench_group_release(&b.pub_samples);
    bench_group_release(&b.sub_samples);
    free(b.bars);
    free(pos);
    free(b.size_str);
    free(b.csv);
    free(b.pubsleep_str);
    free(b.subsleep_str);
    {
        char *owned[] = {stream,    storage,     replicas,      maxbytes,  consumer,
                         jstimeout, pubbatch,    consumerbatch, pullbatch, history,
                         bucket,    dedupwindow, retries};

        for (size_t i = 0; i < sizeof(owned) / sizeof(owned[0]); i++)
            free(owned[i]);
    }
    pthread_cond_destroy(&b.cond);
    pthread_mutex_destroy(&b.mu);
    return rc;
}
