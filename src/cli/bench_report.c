/* The report and CSV file of `nats bench`, worded and rounded as nats.go's bench package
 * (bench/bench.go) and go-humanize print them, so natscli users see the same numbers: rates
 * truncated to integers with comma grouping, throughput in HumanBytes, min/avg/max/stddev over
 * the clients of one kind. Pure formatting over struct bench_sample. */
#include "cli/bench_report.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"

#define NS_PER_SEC 1000000000LL

void bench_group_add(struct bench_group *g, const struct bench_sample *s)
{
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 8;
        g->v = xrealloc(g->v, (size_t)g->cap * sizeof(*g->v));
    }
    g->v[g->n++] = *s;
}

void bench_group_release(struct bench_group *g)
{
    FREE_AND_NULL(g->v);
    g->n = g->cap = 0;
}

void bench_comma(int64_t n, char *buf, size_t size)
{
    char digits[32];
    char out[48];
    size_t len, o = 0;
    uint64_t u = n < 0 ? (uint64_t)0 - (uint64_t)n : (uint64_t)n;

    snprintf(digits, sizeof(digits), "%" PRIu64, u);
    len = strlen(digits);
    if (n < 0)
        out[o++] = '-';
    for (size_t i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
    snprintf(buf, size, "%s", out);
}

void bench_human_bytes(double bytes, char *buf, size_t size)
{
    static const char *const pre[] = {"K", "M", "G", "T", "P", "E"};
    int exp;

    if (!(bytes >= 1024.0)) { /* also NaN */
        snprintf(buf, size, "%.2f B", bytes);
        return;
    }
    exp = (int)(log(bytes) / log(1024.0));
    if (exp < 1)
        exp = 1;
    if (exp > 6)
        exp = 6;
    snprintf(buf, size, "%.2f %sB", bytes / pow(1024.0, exp), pre[exp - 1]);
}

void bench_ibytes(uint64_t bytes, char *buf, size_t size)
{
    static const char *const sizes[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double e, val;
    int idx;

    if (bytes < 10) {
        snprintf(buf, size, "%" PRIu64 " B", bytes);
        return;
    }
    e = floor(log((double)bytes) / log(1024.0));
    idx = (int)e;
    if (idx > 6)
        idx = 6;
    val = floor((double)bytes / pow(1024.0, idx) * 10 + 0.5) / 10;
    snprintf(buf, size, val < 10 ? "%.1f %s" : "%.0f %s", val, sizes[idx]);
}

int64_t bench_msgs_per_client(int64_t total, int clients, int index)
{
    int64_t each, extra;

    if (clients <= 0 || total <= 0)
        return 0;
    each = total / clients;
    extra = total % clients;
    return each + (index < extra ? 1 : 0);
}

/* Go's Duration.Seconds(): whole seconds plus the remainder, as float64. */
static double sample_seconds(const struct bench_sample *s)
{
    int64_t d = s->end_ns - s->start_ns;

    if (d <= 0)
        d = 1; /* Go would divide by zero here; one nanosecond keeps the numbers finite */
    return (double)(d / NS_PER_SEC) + (double)(d % NS_PER_SEC) / 1e9;
}

static int64_t sample_rate(const struct bench_sample *s)
{
    double r = (double)s->job_msgs / sample_seconds(s);

    return r >= 9.2e18 ? INT64_MAX : (int64_t)r;
}

static double sample_throughput(const struct bench_sample *s)
{
    return (double)s->msg_bytes / sample_seconds(s);
}

/* "1,172,839 msgs/sec ~ 143.17 MB/sec" (Sample.String). */
static void sample_string(const struct bench_sample *s, char *buf, size_t size)
{
    char rate[48], tput[48];

    bench_comma(sample_rate(s), rate, sizeof(rate));
    bench_human_bytes(sample_throughput(s), tput, sizeof(tput));
    snprintf(buf, size, "%s msgs/sec ~ %s/sec", rate, tput);
}

/* The group as one sample: earliest start, latest end, sums of the counts. */
static struct bench_sample group_total(const struct bench_group *g)
{
    struct bench_sample t = {0};

    for (int i = 0; i < g->n; i++) {
        const struct bench_sample *s = &g->v[i];

        if (i == 0 || s->start_ns < t.start_ns)
            t.start_ns = s->start_ns;
        if (i == 0 || s->end_ns > t.end_ns)
            t.end_ns = s->end_ns;
        t.job_msgs += s->job_msgs;
        t.msg_cnt += s->msg_cnt;
        t.msg_bytes += s->msg_bytes;
    }
    return t;
}

/* "min 590,000 | avg 600,000 | max 610,000 | stddev 7,071 msgs" (SampleGroup.Statistics). */
static void group_statistics(const struct bench_group *g, char *buf, size_t size)
{
    int64_t lo = 0, hi = 0, avg;
    uint64_t sum = 0;
    double var = 0;
    char a[48], b[48], c[48], d[48];

    for (int i = 0; i < g->n; i++) {
        int64_t r = sample_rate(&g->v[i]);

        if (i == 0 || r < lo)
            lo = r;
        if (i == 0 || r > hi)
            hi = r;
        sum += (uint64_t)r;
    }
    avg = g->n ? (int64_t)(sum / (uint64_t)g->n) : 0;
    for (int i = 0; i < g->n; i++) {
        double diff = (double)sample_rate(&g->v[i]) - (double)avg;

        var += diff * diff;
    }
    if (g->n)
        var /= g->n;
    bench_comma(lo, a, sizeof(a));
    bench_comma(avg, b, sizeof(b));
    bench_comma(hi, c, sizeof(c));
    bench_comma((int64_t)sqrt(var), d, sizeof(d));
    snprintf(buf, size, "min %s | avg %s | max %s | stddev %s msgs", a, b, c, d);
}

static void report_group(FILE *out, const char *indent, const char *label,
                         const struct bench_group *g)
{
    struct bench_sample t = group_total(g);
    char line[256];

    sample_string(&t, line, sizeof(line));
    fprintf(out, "%s%s stats: %s\n", indent, label, line);
    if (g->n < 2)
        return;
    for (int i = 0; i < g->n; i++) {
        sample_string(&g->v[i], line, sizeof(line));
        fprintf(out, "%s [%d] %s (%" PRId64 " msgs)\n", indent, i + 1, line, g->v[i].job_msgs);
    }
    group_statistics(g, line, sizeof(line));
    fprintf(out, "%s %s\n", indent, line);
}

void bench_report(FILE *out, const char *name, const struct bench_group *pubs,
                  const struct bench_group *subs)
{
    const char *indent = "";

    if (pubs->n == 0 && subs->n == 0) {
        fputs("No publisher or subscribers. Nothing to report.", out);
        return;
    }
    if (pubs->n > 0 && subs->n > 0) {
        struct bench_sample p = group_total(pubs), s = group_total(subs), all = s;
        char line[256];

        if (p.start_ns < all.start_ns)
            all.start_ns = p.start_ns;
        if (p.end_ns > all.end_ns)
            all.end_ns = p.end_ns;
        all.job_msgs += p.job_msgs;
        all.msg_cnt += p.msg_cnt;
        all.msg_bytes += p.msg_bytes;
        sample_string(&all, line, sizeof(line));
        fprintf(out, "%s Pub/Sub stats: %s\n", name, line);
        indent = " ";
    }
    if (pubs->n > 0)
        report_group(out, indent, "Pub", pubs);
    if (subs->n > 0)
        report_group(out, indent, "Sub", subs);
}

static bool csv_group(FILE *f, const char *run_id, char prefix, const struct bench_group *g)
{
    for (int i = 0; i < g->n; i++) {
        const struct bench_sample *s = &g->v[i];

        if (fprintf(f, "%s,%c%d,%" PRIu64 ",%" PRIu64 ",%" PRId64 ",%f,%f\n", run_id, prefix, i,
                    s->msg_cnt, s->msg_bytes, sample_rate(s), sample_throughput(s),
                    sample_seconds(s)) < 0)
            return false;
    }
    return true;
}

int bench_write_csv(const char *path, const char *run_id, const struct bench_group *pubs,
                    const struct bench_group *subs)
{
    FILE *f = fopen(path, "w");
    bool ok;
    int saved;

    if (!f)
        return -1;
    ok = fputs("#RunID,ClientID,MsgCount,MsgBytes,MsgsPerSec,BytesPerSec,DurationSecs\n", f) >= 0 &&
         csv_group(f, run_id, 'S', subs) && csv_group(f, run_id, 'P', pubs);
    saved = errno;
    if (fclose(f) != 0 && ok) {
        ok = false;
        saved = errno;
    }
    errno = saved;
    return ok ? 0 : -1;
}
