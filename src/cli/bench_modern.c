/* The natscli 0.2 forms of `nats bench` (natscli HEAD cli/bench_command.go):
 *   nats bench pub SUBJECT     [--clients N --msgs N --size S --sleep D --multisubject
 *                               --multisubjectmax N --csv FILE --no-progress]
 *   nats bench sub SUBJECT     [--clients N --msgs N --multisubject ...]
 *   nats bench service request SUBJECT [--clients --msgs --size --sleep ...]
 *   nats bench service serve SUBJECT   [--clients --sleep ...]
 * plus "bench request" and "bench reply" as short names of the two service forms. Banner
 * "Starting Core NATS publish benchmark [clients=1, msg-size=128 B, msgs=100,000, ...]"
 * (arguments sorted by name), then the engine (bench_engine.c) and the same report as the
 * classic form. JetStream and KV forms (js, kv, oldjs) are refused as not supported yet. */
#include "cli/bench.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli/sysreq.h"
#include "core/xmalloc.h"

enum modern_kind { K_PUB, K_SUB, K_REQUEST, K_SERVE };

/* Flags that take a value, in either bench form, so positional words can be found before
 * the flags are parsed. */
static bool bench_takes_value(const char *a)
{
    static const char *const names[] = {
        "--clients", "--msgs", "--csv", "--size", "--sleep", "--multisubjectmax", "--pub",
        "--sub", "--subsleep", "--pubsleep", "--stream", "--storage", "--replicas",
        "--maxbytes", "--consumer", "--jstimeout", "--pubbatch", "--consumerbatch",
        "--pullbatch", "--history", "--bucket", "--dedupwindow", "--retries"};

    if (cli_global_takes_value(a))
        return true;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(a, names[i]) == 0)
            return true;
    return false;
}

/* Index of the n-th positional word of argv (from 1), or -1. */
static int positional(int argc, char **argv, int n)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            return i + n < argc ? i + n : -1;
        if (argv[i][0] == '-' && argv[i][1]) {
            if (!strchr(argv[i], '=') && bench_takes_value(argv[i]))
                i++;
            continue;
        }
        if (--n == 0)
            return i;
    }
    return -1;
}

bool bench_is_modern(int argc, char **argv)
{
    static const char *const words[] = {"pub", "sub", "service", "request", "reply",
                                        "js",  "kv",  "oldjs"};
    int first = positional(argc, argv, 1);

    if (first < 0 || positional(argc, argv, 2) < 0)
        return false; /* "nats bench pub": the v0.0.35 form with subject "pub" */
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (strcmp(argv[first], words[i]) == 0)
            return true;
    return false;
}

struct nvp {
    const char *name;
    char value[160];
};

static int cmp_nvp(const void *a, const void *b)
{
    return strcmp(((const struct nvp *)a)->name, ((const struct nvp *)b)->name);
}

/* natscli's generateBanner: "Starting <label> benchmark [a=1, b=2]" sorted by name. */
static void banner(struct bench *b, enum modern_kind k, int64_t clients, int64_t sleep_ns)
{
    static const char *const labels[] = {"Core NATS publish", "Core NATS subscribe",
                                         "Core NATS service request", "Core NATS service serve"};
    struct nvp v[8];
    int n = 0;
    char line[1024];
    size_t l;

    memset(v, 0, sizeof(v));
    v[n].name = "subject";
    snprintf(v[n++].value, sizeof(v[0].value), "%s%s", b->subject,
             b->multisubject && (k == K_PUB || k == K_SUB) ? ".*" : "");
    if (k == K_PUB || k == K_SUB) {
        v[n].name = "multi-subject";
        snprintf(v[n++].value, sizeof(v[0].value), "%s", b->multisubject ? "true" : "false");
    }
    if (k == K_PUB) {
        v[n].name = "multi-subject-max";
        bench_comma(b->multisubjectmax, v[n++].value, sizeof(v[0].value));
    }
    if (k != K_SUB) {
        v[n].name = "sleep"; /* columns.HumanizeDuration */
        if (sleep_ns < 1000000LL)
            cli_format_duration_ns((sleep_ns + 500) / 1000 * 1000, v[n].value, sizeof(v[0].value));
        else if (sleep_ns < 1000000000LL)
            cli_format_duration_ns((sleep_ns + 500000) / 1000000 * 1000000, v[n].value,
                                   sizeof(v[0].value));
        else
            sysreq_humanize_duration(sleep_ns, v[n].value, sizeof(v[0].value));
        n++;
    }
    v[n].name = "msgs";
    bench_comma(b->msgs, v[n++].value, sizeof(v[0].value));
    v[n].name = "msg-size";
    bench_ibytes((uint64_t)b->size, v[n++].value, sizeof(v[0].value));
    v[n].name = "clients";
    bench_comma(clients, v[n++].value, sizeof(v[0].value));
    qsort(v, (size_t)n, sizeof(v[0]), cmp_nvp);
    l = (size_t)snprintf(line, sizeof(line), "Starting %s benchmark [", labels[k]);
    for (int i = 0; i < n && l < sizeof(line); i++)
        l += (size_t)snprintf(line + l, sizeof(line) - l, "%s%s=%s", i ? ", " : "", v[i].name,
                              v[i].value);
    cli_logf(b->cli, "%s]", line);
}

int bench_modern(struct cli *cli, int argc, char **argv)
{
    struct bench b = {.cli = cli, .msgs = 100000, .modern = true, .multisubjectmax = 100000};
    int w1 = positional(argc, argv, 1), w2, skip[2] = {-1, -1}, npos = 0, rc;
    const char *kw = argv[w1];
    enum modern_kind kind;
    int64_t clients = 1, sleep_ns = 0;
    char *size_str = xstrdup("128"), *sleep_str = NULL, **pos = NULL, **nargv, usage[96];
    bool progress = true;

    skip[0] = w1;
    if (strcmp(kw, "js") == 0 || strcmp(kw, "kv") == 0 || strcmp(kw, "oldjs") == 0) {
        free(size_str);
        return cli_errorf(cli, "JetStream benchmarks are not supported by natrium yet");
    }
    if (strcmp(kw, "service") == 0) {
        w2 = positional(argc, argv, 2);
        if (strcmp(argv[w2], "request") == 0) {
            kind = K_REQUEST;
        } else if (strcmp(argv[w2], "serve") == 0) {
            kind = K_SERVE;
        } else {
            char *q = cli_go_quote(argv[w2]);
            rc = cli_errorf(cli, "expected command but got %s, try --help", q);
            free(q);
            free(size_str);
            return rc;
        }
        skip[1] = w2;
    } else {
        kind = strcmp(kw, "pub") == 0       ? K_PUB
               : strcmp(kw, "sub") == 0     ? K_SUB
               : strcmp(kw, "request") == 0 ? K_REQUEST
                                            : K_SERVE;
    }
    static const char *const ms_help =
        "Multi-subject mode, each message is published on a subject that includes the "
        "publisher's message sequence number as a token";
    struct cli_flag flags[10];
    int nf = 0;
    flags[nf++] = (struct cli_flag){"clients", 0, CLI_INT, &clients,
                                    "Number of concurrent clients", "CLIENTS"};
    flags[nf++] = (struct cli_flag){"msgs", 0, CLI_INT, &b.msgs,
                                    "Number of messages to publish or subscribe to", "MSGS"};
    flags[nf++] = (struct cli_flag){"progress", 0, CLI_BOOL, &progress,
                                    "Enable or disable the progress bar", NULL};
    flags[nf++] = (struct cli_flag){"csv", 0, CLI_STRING, &b.csv,
                                    "Save benchmark data to CSV file", "CSV"};
    flags[nf++] = (struct cli_flag){"size", 0, CLI_STRING, &size_str,
                                    "Size of the test messages", "SIZE"};
    if (kind != K_SUB)
        flags[nf++] = (struct cli_flag){"sleep", 0, CLI_STRING, &sleep_str,
                                        "Sleep for the specified interval between publications",
                                        "SLEEP"};
    if (kind == K_PUB || kind == K_SUB)
        flags[nf++] = (struct cli_flag){"multisubject", 0, CLI_BOOL, &b.multisubject, ms_help,
                                        NULL};
    if (kind == K_PUB)
        flags[nf++] = (struct cli_flag){
            "multisubjectmax", 0, CLI_INT, &b.multisubjectmax,
            "The maximum number of subjects to use in multi-subject mode (0 means no max)",
            "MULTISUBJECTMAX"};
    flags[nf] = (struct cli_flag){NULL, 0, CLI_BOOL, NULL, NULL, NULL};
    /* argv without the subcommand words */
    nargv = xcalloc((size_t)argc + 1, sizeof(char *));
    int n = 0;
    for (int i = 0; i < argc; i++)
        if (i != skip[0] && i != skip[1])
            nargv[n++] = argv[i];
    snprintf(usage, sizeof(usage), "bench %s%s <subject> [<flags>]",
             skip[1] >= 0 ? "service " : "", skip[1] >= 0 ? argv[skip[1]] : kw);
    pthread_mutex_init(&b.mu, NULL);
    pthread_cond_init(&b.cond, NULL);
    rc = cli_parse_flags(cli, usage, flags, n, nargv, &pos, &npos);
    if (rc != 0) {
        rc = rc < 0 ? 1 : 0;
        goto out;
    }
    if ((rc = cli_one_arg(cli, "subject", pos, npos)) != 0)
        goto out;
    if (sleep_str && bench_parse_duration_ns(sleep_str, &sleep_ns) != 0) {
        char *q = cli_go_quote(sleep_str);
        rc = cli_errorf(cli, "time: invalid duration %s, try --help", q);
        free(q);
        goto out;
    }
    if (b.msgs <= 0) {
        rc = cli_errorf(cli, "number of messages should be greater than 0");
        goto out;
    }
    if (bench_parse_bytes(size_str, &b.size) != 0 || b.size <= 0) {
        rc = cli_errorf(cli, "can not parse or invalid the value specified for the message "
                             "size: %s", size_str);
        goto out;
    }
    if (clients <= 0) {
        rc = cli_errorf(cli, "number of clients should be greater than 0");
        goto out;
    }
    b.subject = pos[0];
    b.no_progress = !progress || kind == K_SERVE;
    banner(&b, kind, clients, sleep_ns);
    switch (kind) {
    case K_PUB:
        b.pubs = clients;
        b.pubsleep_ns = sleep_ns;
        break;
    case K_SUB:
        b.subs = clients;
        break;
    case K_REQUEST:
        b.pubs = clients;
        b.request = true;
        b.pubsleep_ns = sleep_ns;
        break;
    case K_SERVE:
        b.subs = clients;
        b.reply = true;
        b.subsleep_ns = sleep_ns;
        break;
    }
    rc = bench_run(&b);
    if (rc == 0 && cli_interrupted())
        rc = b.reply ? 0 : 1; /* no report after Ctrl-C, as natscli */
    else if (rc == 0)
        rc = bench_finish(&b);
out:
    bench_group_release(&b.pub_samples);
    bench_group_release(&b.sub_samples);
    free(b.bars);
    free(pos);
    free(nargv);
    free(size_str);
    free(sleep_str);
    free(b.csv);
    pthread_cond_destroy(&b.cond);
    pthread_mutex_destroy(&b.mu);
    return rc;
}
