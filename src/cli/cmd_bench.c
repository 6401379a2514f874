/* `nats bench SUBJECT --pub N --sub N --msgs N --size B`: the core NATS pub/sub and
 * request/reply benchmark of natscli v0.0.35 (cli/bench_command.go). Each publisher and
 * subscriber has its own connection and thread; messages are split across the publishers and
 * every subscriber expects all of them (in --reply mode the replies are split instead). The
 * report and CSV come from bench_report.c. JetStream and KV modes and the natscli 0.2
 * subcommand forms are refused with "not supported" errors. */
#include "cli/cli.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "cli/bench_report.h"
#include "core/xmalloc.h"

#define BENCH_REQUEST_TIMEOUT_MS 1000 /* natscli: nc.Request(subject, msg, time.Second) */
#define BENCH_REPLY_QUEUE "bench-reply"
#define BENCH_BAR_WIDTH 40

enum bar_state { BAR_SETUP, BAR_RECEIVING, BAR_PUBLISHING, BAR_FINISHED };

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
    bool done; /* under b->mu */
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

static int64_t mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_ns(int64_t ns)
{
    struct timespec ts = {.tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL};

    if (ns <= 0)
        return;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* The nats.go wording of a client error, as natscli's %v prints it. */
static const char *go_err_text(natsStatus s)
{
    switch (s) {
    case NATS_TIMEOUT:
        return "nats: timeout";
    case NATS_NO_RESPONDERS:
        return "nats: no responders available for request";
    case NATS_CONNECTION_CLOSED:
        return "nats: connection closed";
    case NATS_SLOW_CONSUMER:
        return "nats: slow consumer, messages dropped";
    case NATS_MAX_PAYLOAD:
        return "nats: maximum payload exceeded";
    case NATS_INVALID_SUBJECT:
        return "nats: invalid subject";
    default:
        return natsStatus_GetText(s);
    }
}

/* cli_logf from several threads: one whole line at a time, as Go's log does. */
__attribute__((format(printf, 2, 3))) static void bench_log(struct bench *b, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    flockfile(b->cli->out);
    cli_logf(b->cli, "%s", msg);
    funlockfile(b->cli->out);
}

/* log.Fatalf from a client thread: the line, then the process ends with status 1 as Go's does. */
__attribute__((format(printf, 2, 3), noreturn)) static void bench_fatal(struct bench *b,
                                                                        const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    flockfile(b->cli->out);
    cli_logf(b->cli, "%s", msg);
    fflush(b->cli->out);
    fflush(b->cli->err);
    _exit(1);
}

/* Go's time.ParseDuration into nanoseconds: [-+]?(number unit)+ or "0". Returns 0 or -1. */
static int parse_go_duration_ns(const char *s, int64_t *out)
{
    static const struct {
        const char *name;
        uint64_t ns;
    } units[] = {
        {"ns", 1},       {"us", 1000},         {"\xc2\xb5s", 1000},   {"\xce\xbcs", 1000},
        {"ms", 1000000}, {"s", 1000000000ULL}, {"m", 60000000000ULL}, {"h", 3600000000000ULL}};
    const char *p = s;
    bool neg = false;
    uint64_t total = 0;

    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    if (strcmp(p, "0") == 0) {
        *out = 0;
        return 0;
    }
    if (*p == '\0')
        return -1;
    while (*p) {
        uint64_t v = 0, frac = 0, scale = 1, unit = 0;
        bool digits = false;
        size_t ulen = 0;

        for (; *p >= '0' && *p <= '9'; p++, digits = true) {
            if (v > (UINT64_MAX - 9) / 10)
                return -1;
            v = v * 10 + (uint64_t)(*p - '0');
        }
        if (*p == '.') {
            for (p++; *p >= '0' && *p <= '9'; p++, digits = true) {
                if (scale < 1000000000000000000ULL) {
                    frac = frac * 10 + (uint64_t)(*p - '0');
                    scale *= 10;
                }
            }
        }
        if (!digits)
            return -1;
        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
            size_t n = strlen(units[i].name);

            if (strncmp(p, units[i].name, n) == 0 && n > ulen) {
                ulen = n;
                unit = units[i].ns;
            }
        }
        if (ulen == 0)
            return -1;
        p += ulen;
        if (v > (uint64_t)INT64_MAX / unit)
            return -1;
        v *= unit;
        v += (uint64_t)((double)frac * ((double)unit / (double)scale));
        if (v > (uint64_t)INT64_MAX - total)
            return -1;
        total += v;
    }
    *out = neg ? -(int64_t)total : (int64_t)total;
    return 0;
}

/* natscli's parseStringAsBytes: a plain integer, or digits and a K/KB/KiB/M/.../TiB suffix
 * (base 1024); empty or negative means -1. Returns 0 or -1 (bad syntax). */
static int parse_bytes(const char *s, int64_t *out)
{
    static const struct {
        const char *suffix;
        int shift;
    } map[] = {{"K", 10}, {"KB", 10}, {"KIB", 10}, {"M", 20}, {"MB", 20}, {"MIB", 20},
               {"G", 30}, {"GB", 30}, {"GIB", 30}, {"T", 40}, {"TB", 40}, {"TIB", 40}};
    char suffix[16];
    const char *p;
    char *end;
    size_t n = 0, len;
    long long num;

    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    len = strlen(s);
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n'))
        len--;
    if (len == 0 || *s == '-') {
        *out = -1;
        return 0;
    }
    errno = 0;
    num = strtoll(s, &end, 10);
    if (end == s + len && *s != '+' && errno == 0) {
        *out = num;
        return 0;
    }
    for (p = s; *p >= '0' && *p <= '9'; p++)
        ;
    if (p == s)
        return -1;
    errno = 0;
    num = strtoll(s, NULL, 10);
    if (errno != 0)
        return -1;
    for (; (size_t)(p - s) < len && n < sizeof(suffix) - 1; p++) {
        char c = *p;

        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '_'))
            break;
        suffix[n++] = (char)(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    }
    suffix[n] = '\0';
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (strcmp(suffix, map[i].suffix) == 0) {
            *out = (int64_t)((uint64_t)num << map[i].shift); /* wraps like Go's int64 */
            return 0;
        }
    }
    return -1;
}

static char *comma(int64_t n, char *buf, size_t size)
{
    bench_comma(n, buf, size);
    return buf;
}

/* The subject of message number n (natscli getPublishSubject). */
static const char *publish_subject(const struct bench *b, int64_t n, char *buf, size_t size)
{
    if (!b->multisubject)
        return b->subject;
    if (b->multisubjectmax > 0)
        n %= b->multisubjectmax;
    snprintf(buf, size, "%s.%" PRId64, b->subject, n);
    return buf;
}

static struct bench_sample client_sample(struct bench_client *c, int64_t start, int64_t end)
{
    struct bench_sample s = {.job_msgs = c->job, .start_ns = start, .end_ns = end};
    natsStatistics *st = NULL;
    uint64_t in_msgs = 0, in_bytes = 0, out_msgs = 0, out_bytes = 0, reconnects = 0;

    s.msg_bytes = (uint64_t)c->b->size * (uint64_t)c->job;
    if (natsStatistics_Create(&st) == NATS_OK && natsConnection_GetStats(c->nc, st) == NATS_OK)
        natsStatistics_GetCounts(st, &in_msgs, &in_bytes, &out_msgs, &out_bytes, &reconnects);
    natsStatistics_Destroy(st);
    s.msg_cnt = in_msgs + out_msgs;
    return s;
}

static void mark_ready(struct bench *b)
{
    pthread_mutex_lock(&b->mu);
    b->ready++;
    pthread_cond_broadcast(&b->cond);
    pthread_mutex_unlock(&b->mu);
}

static void wait_ready(struct bench *b, int n)
{
    pthread_mutex_lock(&b->mu);
    while (b->ready < n)
        pthread_cond_wait(&b->cond, &b->mu);
    pthread_mutex_unlock(&b->mu);
}

static void *publisher_main(void *arg)
{
    struct bench_client *c = arg;
    struct bench *b = c->b;
    char num[32], subj[512];
    char *payload;
    int64_t start, end;
    natsStatus s;
    bool run;

    mark_ready(b);
    bench_log(b, "Starting publisher, publishing %s messages", comma(c->job, num, sizeof(num)));
    payload = xcalloc(1, b->size > 0 ? (size_t)b->size : 1);

    pthread_mutex_lock(&b->mu);
    while (!b->go && !b->abort)
        pthread_cond_wait(&b->cond, &b->mu);
    run = !b->abort;
    pthread_mutex_unlock(&b->mu);
    if (!run)
        goto out;

    /* natscli spreads the publishers' first messages when they sleep between messages */
    if (b->pubsleep_ns > 0 && c->index != 0) {
        uint64_t r = 0;

        if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
            r = (uint64_t)mono_ns();
        sleep_ns((int64_t)(r % (uint64_t)b->pubsleep_ns));
    }
    if (c->bar)
        atomic_store(&c->bar->state, BAR_PUBLISHING);
    start = mono_ns();
    for (int64_t i = 0; i < c->job; i++) {
        const char *to = publish_subject(b, i + c->offset, subj, sizeof(subj));

        if (cli_interrupted() || atomic_load(&b->stop)) {
            pthread_mutex_lock(&b->mu);
            b->abort = true;
            atomic_store(&b->stop, true);
            pthread_cond_broadcast(&b->cond);
            pthread_mutex_unlock(&b->mu);
            goto out;
        }
        if (c->bar)
            atomic_fetch_add(&c->bar->cur, 1);
        if (!b->request) {
            s = natsConnection_Publish(c->nc, to, payload, (int)b->size);
            if (s != NATS_OK)
                bench_fatal(b, "Publish error: %s", go_err_text(s));
        } else {
            natsMsg *reply = NULL;
            const char *data;
            int len;

            s = natsConnection_Request(&reply, c->nc, to, payload, (int)b->size,
                                       BENCH_REQUEST_TIMEOUT_MS);
            if (s != NATS_OK)
                bench_fatal(b, "Request error %s", go_err_text(s));
            data = natsMsg_GetData(reply);
            len = natsMsg_GetDataLength(reply);
            if (len == 0 || data[0] == '-' || memmem(data, (size_t)len, "error", 5)) {
                char *body = xstrndup(data, (size_t)len);
                char *q = cli_go_quote(body);

                bench_fatal(b, "Publish Request did not receive a positive ACK: %s", q);
            }
            natsMsg_Destroy(reply);
        }
        sleep_ns(b->pubsleep_ns);
    }
    s = natsConnection_Flush(c->nc);
    if (s != NATS_OK)
        bench_fatal(b, "Could not flush the connection: %s", go_err_text(s));
    end = mono_ns();
    if (c->bar)
        atomic_store(&c->bar->state, BAR_FINISHED);
    {
        struct bench_sample smp = client_sample(c, start, end);

        pthread_mutex_lock(&b->mu);
        bench_group_add(&b->pub_samples, &smp);
        pthread_mutex_unlock(&b->mu);
    }
out:
    free(payload);
    return NULL;
}

/* Delivery callback of a subscriber (one delivery thread per subscription in libnats). */
static void on_bench_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    struct bench_client *c = closure;
    struct bench *b = c->b;
    int64_t now;

    (void)sub;
    if (b->reply) {
        const char *to = natsMsg_GetReply(msg);
        natsStatus s;

        sleep_ns(b->subsleep_ns);
        if (!to || !*to)
            bench_fatal(b, "Error sending a reply message: nats: message does not have a reply");
        s = natsConnection_PublishString(nc, to, "+ACK");
        if (s != NATS_OK)
            bench_fatal(b, "Error sending a reply message: %s", go_err_text(s));
    }
    natsMsg_Destroy(msg);
    now = mono_ns();
    if (++c->received == 1)
        c->first_ns = now;
    if (c->received >= c->job && !b->reply && c->received == c->job) {
        pthread_mutex_lock(&b->mu);
        c->last_ns = now;
        c->done = true;
        pthread_cond_broadcast(&b->cond);
        pthread_mutex_unlock(&b->mu);
    }
    if (c->bar)
        atomic_fetch_add(&c->bar->cur, 1);
}

static void *subscriber_main(void *arg)
{
    struct bench_client *c = arg;
    struct bench *b = c->b;
    natsSubscription *sub = NULL;
    char num[32];
    const char *subject = b->subject;
    char *wild = NULL;
    natsStatus s;
    bool ok;

    if (!b->reply)
        bench_log(b, "Starting subscriber, expecting %s messages", comma(c->job, num, sizeof(num)));
    else
        bench_log(b, "Starting replier, hit control-c to stop");
    if (b->multisubject) {
        wild = xmalloc(strlen(b->subject) + 3);
        sprintf(wild, "%s.*", b->subject);
        subject = wild;
    }
    if (c->bar)
        atomic_store(&c->bar->state, BAR_RECEIVING);
    if (!b->reply) {
        s = natsConnection_Subscribe(&sub, c->nc, subject, on_bench_msg, c);
        if (s != NATS_OK)
            bench_fatal(b, "Subscribe error: %s", go_err_text(s));
    } else {
        s = natsConnection_QueueSubscribe(&sub, c->nc, subject, BENCH_REPLY_QUEUE, on_bench_msg, c);
        if (s != NATS_OK)
            bench_fatal(b, "QueueSubscribe error: %s", go_err_text(s));
    }
    s = natsSubscription_SetPendingLimits(sub, -1, -1);
    if (s != NATS_OK)
        bench_fatal(b, "Error setting pending limits on the subscriber: %s", go_err_text(s));
    s = natsConnection_Flush(c->nc);
    if (s != NATS_OK)
        bench_fatal(b, "Error flushing: %s", go_err_text(s));

    pthread_mutex_lock(&b->mu);
    b->ready++;
    pthread_cond_broadcast(&b->cond);
    while (!c->done && !b->abort) { /* forever in --reply mode, until interrupted */
        struct timespec until;

        if (cli_interrupted()) {
            b->abort = true;
            atomic_store(&b->stop, true);
            pthread_cond_broadcast(&b->cond);
            break;
        }
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 100000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&b->cond, &b->mu, &until);
    }
    ok = c->done;
    pthread_mutex_unlock(&b->mu);

    natsSubscription_Unsubscribe(sub);
    natsSubscription_Destroy(sub);
    free(wild);
    if (!ok)
        return NULL;
    if (c->bar)
        atomic_store(&c->bar->state, BAR_FINISHED);
    {
        struct bench_sample smp = client_sample(c, c->first_ns, c->last_ns);

        pthread_mutex_lock(&b->mu);
        bench_group_add(&b->sub_samples, &smp);
        pthread_mutex_unlock(&b->mu);
    }
    return NULL;
}

/* Progress: one line per client on stderr, redrawn in place ("Publishing    1s [===>--] 40%"). */
static void draw_bars(struct bench *b, bool redraw)
{
    static const char *const names[] = {"Setup     ", "Receiving ", "Publishing", "Finished  "};
    FILE *f = b->cli->err;
    int64_t secs = b->go_ns ? (mono_ns() - b->go_ns) / 1000000000LL : 0;

    if (redraw)
        fprintf(f, "\033[%dA", b->nbars);
    for (int i = 0; i < b->nbars; i++) {
        struct bench_bar *bar = &b->bars[i];
        int64_t cur = atomic_load(&bar->cur);
        int pct = bar->total > 0 ? (int)(cur * 100 / bar->total) : 100;
        int fill = bar->total > 0 ? (int)(cur * BENCH_BAR_WIDTH / bar->total) : BENCH_BAR_WIDTH;
        char line[BENCH_BAR_WIDTH + 1], elapsed[32];

        if (pct > 100)
            pct = 100;
        if (fill > BENCH_BAR_WIDTH)
            fill = BENCH_BAR_WIDTH;
        for (int j = 0; j < BENCH_BAR_WIDTH; j++)
            line[j] = j < fill ? '=' : (j == fill ? '>' : '-');
        line[BENCH_BAR_WIDTH] = '\0';
        snprintf(elapsed, sizeof(elapsed), "%" PRId64 "s", secs);
        fprintf(f, "\r%s %5s [%s] %3d%%\033[K\n", names[atomic_load(&bar->state)], elapsed, line,
                pct);
    }
    fflush(f);
}

static void *progress_main(void *arg)
{
    struct bench *b = arg;

    draw_bars(b, false);
    while (!atomic_load(&b->progress_stop)) {
        sleep_ns(100000000LL);
        draw_bars(b, true);
    }
    return NULL;
}

static void make_run_id(char *out, size_t n)
{
    static const char digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    unsigned char rnd[22];
    size_t len = n - 1 < sizeof(rnd) ? n - 1 : sizeof(rnd);

    if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
        uint64_t x = (uint64_t)mono_ns() ^ (uint64_t)getpid() << 32;

        for (size_t i = 0; i < sizeof(rnd); i++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            rnd[i] = (unsigned char)(x >> 56);
        }
    }
    for (size_t i = 0; i < len; i++)
        out[i] = digits[rnd[i] % 62];
    out[len] = '\0';
}

static bool is_subcommand_word(const char *s)
{
    static const char *const words[] = {"pub", "sub", "service", "js", "kv", "oldjs"};

    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (strcmp(s, words[i]) == 0)
            return true;
    return false;
}

/* The checks and the banner of natscli's bench action. Returns -1 to go on, else an exit code. */
static int bench_validate(struct bench *b)
{
    struct cli *cli = b->cli;
    char msgs[32], size[32], ps[40], ss[40];

    if (b->msgs <= 0)
        return cli_errorf(cli, "number of messages should be greater than 0");
    if (parse_bytes(b->size_str, &b->size) != 0 || b->size <= 0) {
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

    comma(b->msgs, msgs, sizeof(msgs));
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

static int bench_run(struct bench *b)
{
    struct cli *cli = b->cli;
    int nclients = (int)(b->pubs + b->subs);
    struct bench_client *clients = xcalloc((size_t)nclients + 1, sizeof(*clients));
    pthread_t progress_thread;
    bool progress_started = false;
    int rc = 0, i;

    b->progress = !b->no_progress && isatty(fileno(cli->out));
    if (b->progress) {
        b->bars = xcalloc((size_t)nclients + 1, sizeof(*b->bars));
        b->nbars = nclients;
    }
    /* Subscribers first: they must be subscribed before anything is published. */
    for (i = 0; i < nclients; i++) {
        struct bench_client *c = &clients[i];
        bool is_sub = i < b->subs;
        int k = is_sub ? i : i - (int)b->subs;

        if (i == b->subs)
            wait_ready(b, (int)b->subs);
        c->b = b;
        c->index = k;
        if (is_sub) {
            c->job = b->reply ? bench_msgs_per_client(b->msgs, (int)b->subs, k) : b->msgs;
        } else {
            c->job = bench_msgs_per_client(b->msgs, (int)b->pubs, k);
            for (int j = 0; j < k; j++)
                c->offset += bench_msgs_per_client(b->msgs, (int)b->pubs, j);
        }
        if (b->progress) {
            c->bar = &b->bars[i];
            c->bar->total = c->job;
        }
        c->nc = cli_connect(cli);
        if (!c->nc) {
            rc = 1;
            break;
        }
        if (pthread_create(&c->thread, NULL, is_sub ? subscriber_main : publisher_main, c) != 0) {
            rc = cli_errorf(cli, "could not start a benchmark thread");
            break;
        }
        c->started = true;
    }
    if (rc == 0) {
        wait_ready(b, nclients);
        pthread_mutex_lock(&b->mu);
        b->go = true;
        b->go_ns = mono_ns();
        pthread_cond_broadcast(&b->cond);
        pthread_mutex_unlock(&b->mu);
        if (b->progress && nclients > 0 &&
            pthread_create(&progress_thread, NULL, progress_main, b) == 0)
            progress_started = true;
    } else {
        pthread_mutex_lock(&b->mu);
        b->abort = true;
        atomic_store(&b->stop, true);
        pthread_cond_broadcast(&b->cond);
        pthread_mutex_unlock(&b->mu);
    }
    for (i = 0; i < nclients; i++)
        if (clients[i].started)
            pthread_join(clients[i].thread, NULL);
    if (progress_started) {
        atomic_store(&b->progress_stop, true);
        pthread_join(progress_thread, NULL);
        draw_bars(b, true);
    }
    for (i = 0; i < nclients; i++)
        natsConnection_Destroy(clients[i].nc);
    free(clients);
    return rc;
}

static int bench_finish(struct bench *b)
{
    struct cli *cli = b->cli;

    fputc('\n', cli->out);
    bench_report(cli->out, "NATS", &b->pub_samples, &b->sub_samples);
    fputc('\n', cli->out);
    if (b->csv && *b->csv) {
        char run_id[23];

        make_run_id(run_id, sizeof(run_id));
        if (bench_write_csv(b->csv, run_id, &b->pub_samples, &b->sub_samples) != 0) {
            char why[128];

            snprintf(why, sizeof(why), "%s", strerror(errno));
            if (why[0] >= 'A' && why[0] <= 'Z')
                why[0] = (char)(why[0] - 'A' + 'a'); /* Go's syscall errors are lower case */
            cli_logf(cli, "error writing file %s: open %s: %s", b->csv, b->csv, why);
        }
        fprintf(cli->out, "Saved metric data in csv file %s\n", b->csv);
    }
    fflush(cli->out);
    return 0;
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

    b.size_str = xstrdup("128");
    pthread_mutex_init(&b.mu, NULL);
    pthread_cond_init(&b.cond, NULL);
    rc = cli_parse_flags(cli, "bench <subject> [<flags>]", flags, argc, argv, &pos, &npos);
    if (rc != 0) {
        rc = rc < 0 ? 1 : 0;
        goto out;
    }
    if (npos >= 2 && is_subcommand_word(pos[0])) {
        rc = cli_errorf(cli,
                        "the natscli 0.2 form \"nats bench %s\" is not supported by natrium "
                        "yet, use \"nats bench SUBJECT --pub N --sub N\"",
                        pos[0]);
        goto out;
    }
    if (npos == 0) {
        rc = cli_errorf(cli, "required argument 'subject' not provided, try --help");
        goto out;
    }
    if (npos > 1) {
        rc = cli_errorf(cli, "unexpected %s, try --help", pos[1]);
        goto out;
    }
    if (js || kv || pull || push || syncpub || purge || dedup || stream || storage || replicas ||
        maxbytes || consumer || jstimeout || pubbatch || consumerbatch || pullbatch || history ||
        bucket || dedupwindow || retries) {
        rc = cli_errorf(cli, "JetStream benchmarks are not supported by natrium yet");
        goto out;
    }
    b.subject = pos[0];
    if (b.pubsleep_str && parse_go_duration_ns(b.pubsleep_str, &b.pubsleep_ns) != 0) {
        char *q = cli_go_quote(b.pubsleep_str);

        rc = cli_errorf(cli, "time: invalid duration %s, try --help", q);
        free(q);
        goto out;
    }
    if (b.subsleep_str && parse_go_duration_ns(b.subsleep_str, &b.subsleep_ns) != 0) {
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
