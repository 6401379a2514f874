/* The `nats bench` engine (see bench.h): client threads, progress bars, report. */
#include "cli/bench.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "core/xmalloc.h"

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
void bench_log(struct bench *b, const char *fmt, ...)
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
/* Records a client's error (natscli 0.2 returns it through errChan), stops the run. */
__attribute__((format(printf, 2, 3))) static void client_error(struct bench_client *c,
                                                               const char *fmt, ...)
{
    struct bench *b = c->b;
    va_list ap;

    pthread_mutex_lock(&b->mu);
    if (!b->error[0]) {
        va_start(ap, fmt);
        vsnprintf(b->error, sizeof(b->error), fmt, ap);
        va_end(ap);
        b->error_client = c->index;
    }
    b->abort = true;
    atomic_store(&b->stop, true);
    pthread_cond_broadcast(&b->cond);
    pthread_mutex_unlock(&b->mu);
}

int bench_parse_duration_ns(const char *s, int64_t *out)
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
int bench_parse_bytes(const char *s, int64_t *out)
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
    if (b->multisubjectmax > 0) {
        n %= b->multisubjectmax;
        if (b->modern) { /* natscli 0.2: "%0<digits of max>d" */
            int w = snprintf(NULL, 0, "%" PRId64, b->multisubjectmax);
            snprintf(buf, size, "%s.%0*" PRId64, b->subject, w, n);
            return buf;
        }
    }
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
    if (b->modern && b->request)
        bench_log(b, "Starting requester, requesting %s messages", comma(c->job, num, sizeof(num)));
    else
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
        atomic_store(&c->bar->state, b->request ? BAR_REQUESTING : BAR_PUBLISHING);
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
            if (s != NATS_OK && b->modern) {
                client_error(c, "requesting: requesting: %s", go_err_text(s));
                goto out;
            }
            if (s != NATS_OK)
                bench_fatal(b, "Request error %s", go_err_text(s));
            data = natsMsg_GetData(reply);
            len = natsMsg_GetDataLength(reply);
            if (len == 0 || data[0] == '-' || memmem(data, (size_t)len, "error", 5)) {
                char *body = xstrndup(data, (size_t)len);
                char *q = cli_go_quote(body);

                if (b->modern)
                    bench_fatal(b, "Request did not receive a good reply: %s", q);
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
        s = natsConnection_PublishString(nc, to, b->modern ? "ok" : "+ACK");
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

/* libnats: the subscription is closed and its message handler has returned. */
static void on_sub_complete(void *closure)
{
    struct bench_client *c = closure;

    pthread_mutex_lock(&c->b->mu);
    c->cb_done = true;
    pthread_cond_broadcast(&c->b->cond);
    pthread_mutex_unlock(&c->b->mu);
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

    if (b->reply)
        bench_log(b, "Starting replier, hit control-c to stop");
    else if (!b->modern) /* natscli 0.2's core subscriber logs nothing here */
        bench_log(b, "Starting subscriber, expecting %s messages", comma(c->job, num, sizeof(num)));
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
        s = natsConnection_QueueSubscribe(&sub, c->nc, subject,
                                          b->modern ? BENCH_SERVICE_QUEUE : BENCH_REPLY_QUEUE,
                                          on_bench_msg, c);
        if (s != NATS_OK)
            bench_fatal(b, "QueueSubscribe error: %s", go_err_text(s));
    }
    natsSubscription_SetOnCompleteCB(sub, on_sub_complete, c);
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
    /* the handler may still be running on the delivery thread: wait for it (libnats calls
     * on_sub_complete once it has returned), at most 5 s */
    pthread_mutex_lock(&b->mu);
    for (int i = 0; i < 50 && !c->cb_done; i++) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 100000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&b->cond, &b->mu, &until);
    }
    pthread_mutex_unlock(&b->mu);
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
    static const char *const names[] = {"Setup     ", "Receiving ", "Publishing", "Finished  ",
                                        "Requesting"};
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

int bench_run(struct bench *b)
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
        if (b->modern && !(b->pubs > 0 && !b->request)) {
            /* natscli 0.2's sub, request and serve: "client number N failed to connect" */
            char why[512];
            c->nc = cli_connect_why(cli, why, sizeof(why));
            if (!c->nc) {
                rc = cli_errorf(cli, "client number %d failed to connect: %s", i, why);
                break;
            }
        } else {
            c->nc = cli_connect(cli);
        }
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
    if (rc == 0 && b->error[0]) {
        bench_log(b, "Error from client %d: %s", b->error_client, b->error);
        rc = cli_errorf(cli, "%s", b->error);
    }
    return rc;
}

int bench_finish(struct bench *b)
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
            if (b->modern) /* natscli 0.2 returns the error */
                return cli_errorf(cli, "writing file %s: open %s: %s", b->csv, b->csv, why);
            cli_logf(cli, "error writing file %s: open %s: %s", b->csv, b->csv, why);
        }
        fprintf(cli->out, "Saved metric data in csv file %s\n", b->csv);
    }
    fflush(cli->out);
    return 0;
}

