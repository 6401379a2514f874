/* Results of `nats bench`: per-client samples and the text and CSV reports that natscli prints
 * through nats.go's bench package (bench/bench.go: Sample, SampleGroup, Benchmark.Report,
 * Benchmark.CSV, HumanBytes, commaFormat, MsgsPerClient), plus go-humanize's IBytes used in
 * the banner. Pure formatting: no threads, no connections. */
#ifndef NS_CLI_BENCH_REPORT_H
#define NS_CLI_BENCH_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* One client's measurement (nats.go bench.Sample). Times are monotonic nanoseconds. */
struct bench_sample {
    int64_t job_msgs;   /* messages the client was asked to send or receive */
    uint64_t msg_cnt;   /* the connection's in + out message counters */
    uint64_t msg_bytes; /* job_msgs * message size */
    int64_t start_ns, end_ns;
};

/* Samples of one kind (publishers or subscribers), in the order the clients finished. */
struct bench_group {
    struct bench_sample *v;
    int n, cap;
};

void bench_group_add(struct bench_group *g, const struct bench_sample *s);
void bench_group_release(struct bench_group *g);

/* "1,234,567" (nats.go commaFormat, go-humanize Comma). */
void bench_comma(int64_t n, char *buf, size_t size);
/* nats.go bench.HumanBytes(x, false): "512.00 B", "1.50 KB", "286.33 MB" (base 1024). */
void bench_human_bytes(double bytes, char *buf, size_t size);
/* go-humanize IBytes: "8 B", "128 B", "1.0 KiB", "16 KiB", "1.5 MiB". */
void bench_ibytes(uint64_t bytes, char *buf, size_t size);
/* nats.go bench.MsgsPerClient: total split over clients, the first ones get the remainder. */
int64_t bench_msgs_per_client(int64_t total, int clients, int index);

/* Writes Benchmark.Report() for the benchmark called name ("NATS"), ending with a newline
 * after the last line (natscli then prints one more). */
void bench_report(FILE *out, const char *name, const struct bench_group *pubs,
                  const struct bench_group *subs);
/* Writes Benchmark.CSV(): a "#RunID,ClientID,..." header, then subscribers S0.., publishers
 * P0... Returns 0, or -1 with errno set. */
int bench_write_csv(const char *path, const char *run_id, const struct bench_group *pubs,
                    const struct bench_group *subs);

#endif
