/* The engine behind `nats bench` (both natscli's v0.0.35 flag form, cmd_bench.c, and the
 * natscli 0.2 subcommand forms, bench_modern.c): one connection and thread per client,
 * publishers split the messages, subscribers expect them all, per-client progress bars, and
 * the report and CSV of bench_report.c. Internal to the CLI. */
#ifndef NS_CLI_BENCH_H
#define NS_CLI_BENCH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "cli/bench_report.h"
#include "cli/cli.h"

#define BENCH_REQUEST_TIMEOUT_MS 1000 /* natscli: nc.Request(subject, msg, time.Second) */
#define BENCH_REPLY_QUEUE "bench-reply"
#define BENCH_SERVICE_QUEUE "q" /* nats.go micro's default queue group */
#define BENCH_BAR_WIDTH 40

enum bar_state { BAR_SETUP, BAR_RECEIVING, BAR_PUBLISHING, BAR_FINISHED, BAR_REQUESTING };

/* One textual progress bar (natscli draws them with uiprogress). */
struct bench_bar {
    atomic_llong cur;
    int64_t total;
    atomic_int state;
};

struct bench_client {
    struct bench *b;
    natsConnection *nc;
    pthread_t thread;
    bool started;
    int index;
    int64_t job;    /* messages to publish, or to receive */
    int64_t offset; /* this publisher's first message number (multisubject) */
    struct bench_bar *bar;
    /* Subscriber state: received, first_ns only touched by the delivery thread until done. */
    int64_t received, first_ns, last_ns;
    bool done;     /* under b->mu */
    bool cb_done;  /* under b->mu: the subscription is closed and its handler returned */
};

struct bench {
    struct cli *cli;
    /* Options. */
    const char *subject;
    int64_t pubs, subs, msgs, multisubjectmax;
    int64_t size;
    int64_t pubsleep_ns, subsleep_ns;
    char *size_str, *csv, *pubsleep_str, *subsleep_str;
    bool no_progress, request, reply, multisubject;
    /* natscli 0.2 forms (bench_modern.c): replies "ok" in queue group "q", zero-padded
     * multi-subject tokens, no "Starting subscriber" line, errors returned not fatal. */
    bool modern;
    char error[256];  /* modern: the first client error, under mu */
    int error_client;
    /* Run state, under mu. */
    pthread_mutex_t mu;
    pthread_cond_t cond;
    int ready;        /* clients done with their setup */
    bool go;          /* publishers may start (natscli's trigger channel) */
    bool abort;       /* setup failed or interrupted: clients give up */
    atomic_bool stop; /* abort, readable without the lock by busy publishers */
    struct bench_group pub_samples, sub_samples;
    /* Progress display. */
    bool progress;
    struct bench_bar *bars;
    int nbars;
    atomic_bool progress_stop;
    int64_t go_ns;
};


/* Go's time.ParseDuration into nanoseconds. Returns 0 or -1. */
int bench_parse_duration_ns(const char *s, int64_t *out);
/* natscli's parseStringAsBytes ("128", "1KB", "1MiB"; empty or negative: -1). 0 or -1. */
int bench_parse_bytes(const char *s, int64_t *out);
/* A log line from any thread (whole lines, as Go's log). */
void bench_log(struct bench *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Runs the clients (b->subs subscribers/repliers first, then b->pubs publishers/requesters)
 * until done or interrupted. Returns 0, or an exit code after printing the error. */
int bench_run(struct bench *b);
/* True when argv (starting at "bench") is a natscli 0.2 form: "bench pub|sub|service|
 * request|reply|js|kv|oldjs SUBJECT ..." (a kind word followed by another word). */
bool bench_is_modern(int argc, char **argv);
/* Runs a natscli 0.2 form (bench_modern.c). Returns the exit code. */
int bench_modern(struct cli *cli, int argc, char **argv);
/* Prints the report (and writes the CSV when asked). Returns the exit code. */
int bench_finish(struct bench *b);

#endif
