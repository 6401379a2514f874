/* `nats bench` (src/cli/cmd_bench.c) end to end: the CLI binary ($NATS_CLI_BIN, else "nats"
 * next to our server binary) runs small pub/sub and request/reply benchmarks against our
 * server and the reference, and the tests check natscli v0.0.35's output structure with
 * regexes, the counts each client reports, the CSV file, and the errors for bad flags. */
#include "proc.h"
#include "test.h"

#include <fcntl.h>
#include <limits.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- helpers ---- */

struct run {
    int status; /* exit code, or 128 + signal */
    char *out, *err;
};

static const char *cli_bin(void)
{
    static char path[PATH_MAX];
    const char *b = getenv("NATS_CLI_BIN");
    const char *srv;
    const char *slash;

    if (b && *b)
        return b;
    srv = proc_our_bin();
    slash = strrchr(srv, '/');
    snprintf(path, sizeof(path), "%.*snats", slash ? (int)(slash - srv + 1) : 0, srv);
    return path;
}

static void run_free(void *arg)
{
    struct run *r = arg;

    free(r->out);
    free(r->err);
    free(r);
}

/* Starts `nats -s <url> <args...>` with stdout and stderr going to files in dir. */
static pid_t spawn_cli(const char *dir, const char *tag, int port, const char *const *args)
{
    char url[64], out[512], err[512];
    const char *argv[40];
    int n = 0;
    pid_t pid;

    snprintf(url, sizeof(url), "nats://127.0.0.1:%d", port);
    snprintf(out, sizeof(out), "%s/%s.out", dir, tag);
    snprintf(err, sizeof(err), "%s/%s.err", dir, tag);
    argv[n++] = cli_bin();
    argv[n++] = "-s";
    argv[n++] = url;
    for (; *args && n < 38; args++)
        argv[n++] = *args;
    argv[n] = NULL;
    pid = fork();
    if (pid == 0) {
        int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int fe = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);

        dup2(fo, 1);
        dup2(fe, 2);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    return pid;
}

static int wait_status(pid_t pid, int timeout_ms)
{
    int st = 0;

    for (int waited = 0; waited < timeout_ms; waited += 10) {
        struct timespec ts = {0, 10000000L};

        if (waitpid(pid, &st, WNOHANG) == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        nanosleep(&ts, NULL);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    return -1;
}

static struct run *read_run(const char *dir, const char *tag, int status)
{
    struct run *r = calloc(1, sizeof(*r));
    char path[512];

    r->status = status;
    snprintf(path, sizeof(path), "%s/%s.out", dir, tag);
    r->out = proc_read_file(path);
    snprintf(path, sizeof(path), "%s/%s.err", dir, tag);
    r->err = proc_read_file(path);
    if (!r->out)
        r->out = calloc(1, 1);
    if (!r->err)
        r->err = calloc(1, 1);
    test_on_cleanup(run_free, r);
    return r;
}

/* Runs the CLI to completion (30 s max). The result is freed when the test ends. */
static struct run *run_cli(const char *dir, int port, ...)
{
    static int seq;
    const char *args[36];
    char tag[32];
    int n = 0;
    va_list ap;

    va_start(ap, port);
    for (const char *a; n < 35 && (a = va_arg(ap, const char *)) != NULL;)
        args[n++] = a;
    va_end(ap);
    args[n] = NULL;
    snprintf(tag, sizeof(tag), "run%d", ++seq);
    return read_run(dir, tag, wait_status(spawn_cli(dir, tag, port, args), 30000));
}

/* Number of lines of text matching the extended regex re (anchors apply per line). */
static int count_lines(const char *text, const char *re)
{
    regex_t rx;
    regmatch_t m;
    int n = 0;
    const char *p = text;

    if (regcomp(&rx, re, REG_EXTENDED | REG_NEWLINE) != 0)
        test_fail(__FILE__, __LINE__, "bad regex %s", re);
    while (*p && regexec(&rx, p, 1, &m, 0) == 0) {
        const char *eol = strchr(p + m.rm_so, '\n');

        n++;
        if (!eol)
            break;
        p = eol + 1;
    }
    regfree(&rx);
    return n;
}

#define ASSERT_LINES(text, re, n)                                                                  \
    do {                                                                                           \
        int got_ = count_lines((text), (re));                                                      \
        if (got_ != (n))                                                                           \
            test_fail(__FILE__, __LINE__, "%d lines match /%s/, want %d, in:\n%s", got_, (re),     \
                      (n), (text));                                                                \
    } while (0)

static void keep_dir(void *arg)
{
    char *dir = arg;
    char cmd[600];

    if (!test_current_failed()) {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
    } else {
        fprintf(stderr, "kept %s\n", dir);
    }
    free(dir);
}

static char *scratch(void)
{
    char *dir = malloc(256);

    proc_tmpdir(dir, 256);
    test_on_cleanup(keep_dir, dir);
    return dir;
}

static int start_server(struct server_proc *sp, const char *bin)
{
    memset(sp, 0, sizeof(*sp));
    if (access(cli_bin(), X_OK) != 0)
        test_skip("the nats CLI binary is not built");
    if (proc_start(sp, bin, NULL) != 0)
        test_fail(__FILE__, __LINE__, "server did not start");
    return sp->port;
}

#define NUM "[0-9]{1,3}(,[0-9]{3})*"
#define RATE NUM " msgs/sec ~ [0-9]+\\.[0-9]{2} [KMGTPE]?B/sec"
#define TS "^[0-9]{2}:[0-9]{2}:[0-9]{2} "

/* 2 publishers, 2 subscribers, 201 messages: the full report and the CSV file. */
static void pubsub_check(const char *bin)
{
    struct server_proc sp;
    int port = start_server(&sp, bin);
    char *dir = scratch();
    char csv[400];
    struct run *r;
    char *data;

    snprintf(csv, sizeof(csv), "%s/bench.csv", dir);
    r = run_cli(dir, port, "bench", "foo", "--pub", "2", "--sub", "2", "--msgs", "201", "--size",
                "64", "--no-progress", "--csv", csv, NULL);
    ASSERT_EQ(r->status, 0);
    ASSERT_STR_EQ(r->err, "");
    ASSERT_LINES(r->out,
                 TS "Starting Core NATS pub/sub benchmark \\[subject=foo, multisubject=false, "
                    "multisubjectmax=0, msgs=201, msgsize=64 B, pubs=2, subs=2, pubsleep=0s, "
                    "subsleep=0s\\]$",
                 1);
    ASSERT_LINES(r->out, TS "Starting subscriber, expecting 201 messages$", 2);
    ASSERT_LINES(r->out, TS "Starting publisher, publishing 101 messages$", 1);
    ASSERT_LINES(r->out, TS "Starting publisher, publishing 100 messages$", 1);
    ASSERT_LINES(r->out, "^NATS Pub/Sub stats: " RATE "$", 1);
    ASSERT_LINES(r->out, "^ Pub stats: " RATE "$", 1);
    ASSERT_LINES(r->out, "^ Sub stats: " RATE "$", 1);
    ASSERT_LINES(r->out, "^  \\[[12]\\] " RATE " \\(10[01] msgs\\)$", 2);
    ASSERT_LINES(r->out, "^  \\[[12]\\] " RATE " \\(201 msgs\\)$", 2);
    ASSERT_LINES(r->out, "^  min " NUM " \\| avg " NUM " \\| max " NUM " \\| stddev " NUM " msgs$",
                 2);
    ASSERT_LINES(r->out, "^Saved metric data in csv file .*/bench.csv$", 1);
    /* a blank line before the report and after it */
    ASSERT(strstr(r->out, "messages\n\nNATS Pub/Sub stats: "));
    ASSERT(strstr(r->out, " msgs\n\nSaved metric data"));

    data = proc_read_file(csv);
    ASSERT(data);
    ASSERT_LINES(data, "^#RunID,ClientID,MsgCount,MsgBytes,MsgsPerSec,BytesPerSec,DurationSecs$",
                 1);
    ASSERT_LINES(data,
                 "^[0-9A-Za-z]{22},S[01],201,12864,[0-9]+,[0-9]+\\.[0-9]{6},[0-9]+\\.[0-9]{6}$", 2);
    ASSERT_LINES(data,
                 "^[0-9A-Za-z]{22},P[01],10[01],64(64|00),[0-9]+,[0-9]+\\.[0-9]{6},"
                 "[0-9]+\\.[0-9]{6}$",
                 2);
    ASSERT_LINES(data, ".", 5);
    free(data);
}

/* ---- tests ---- */

TEST(pubsub_ours)
{
    pubsub_check(NULL);
}

TEST(pubsub_reference)
{
    if (!proc_ref_bin())
        test_skip("no reference nats-server");
    pubsub_check(proc_ref_bin());
}

TEST(publisher_only)
{
    struct server_proc sp;
    int port = start_server(&sp, NULL);
    char *dir = scratch();
    struct run *r =
        run_cli(dir, port, "bench", "solo", "--pub", "1", "--msgs", "1500", "--size", "2KB", NULL);

    ASSERT_EQ(r->status, 0);
    ASSERT_LINES(r->out, "msgs=1,500, msgsize=2\\.0 KiB, pubs=1, subs=0,", 1);
    ASSERT_LINES(r->out, TS "Starting publisher, publishing 1,500 messages$", 1);
    ASSERT_LINES(r->out, "^Pub stats: " RATE "$", 1);
    ASSERT_LINES(r->out, "Sub stats|Pub/Sub|\\[1\\]", 0);
}

TEST(multisubject)
{
    struct server_proc sp;
    int port = start_server(&sp, NULL);
    char *dir = scratch();
    struct run *r = run_cli(dir, port, "bench", "ms", "--pub", "1", "--sub", "1", "--msgs", "30",
                            "--multisubject", "--multisubjectmax", "7", "--pubsleep", "1us",
                            "--no-progress", NULL);

    ASSERT_EQ(r->status, 0);
    ASSERT_LINES(r->out,
                 "\\[subject=ms\\.\\*, multisubject=true, multisubjectmax=7, msgs=30, "
                 "msgsize=128 B, pubs=1, subs=1, pubsleep=1µs, subsleep=0s\\]$",
                 1);
    ASSERT_LINES(r->out, "^ Sub stats: " RATE "$", 1);
}

static void request_reply_check(const char *bin)
{
    struct server_proc sp;
    int port = start_server(&sp, bin);
    char *dir = scratch();
    const char *const rep_args[] = {"bench", "rr", "--sub", "2", "--reply", NULL};
    pid_t replier = spawn_cli(dir, "replier", port, rep_args);
    char path[512];
    struct run *r, *rep;
    int st;

    snprintf(path, sizeof(path), "%s/replier.out", dir);
    for (int i = 0; i < 500; i++) {
        char *text = proc_read_file(path);
        bool up = text && count_lines(text, "Starting replier, hit control-c to stop$") == 2;
        struct timespec ts = {0, 10000000L};

        free(text);
        if (up)
            break;
        nanosleep(&ts, NULL);
    }
    usleep(200000); /* the replier flushes its subscriptions right after the log lines */
    r = run_cli(dir, port, "bench", "rr", "--pub", "2", "--request", "--msgs", "41",
                "--no-progress", NULL);
    kill(replier, SIGTERM);
    st = wait_status(replier, 10000);
    rep = read_run(dir, "replier", st);

    ASSERT_EQ(r->status, 0);
    ASSERT_LINES(r->out, TS "Benchmark in request-reply mode$", 1);
    ASSERT_LINES(r->out,
                 TS "Starting request-reply benchmark \\[subject=rr, multisubject=false, "
                    "multisubjectmax=0, request=true, reply=false, msgs=41, msgsize=128 B, "
                    "pubs=2, subs=0, pubsleep=0s, subsleep=0s\\]$",
                 1);
    ASSERT_LINES(r->out, "^Pub stats: " RATE "$", 1);
    ASSERT_LINES(r->out, "^ \\[[12]\\] " RATE " \\(2[01] msgs\\)$", 2);
    ASSERT_LINES(r->out, "^ min " NUM " \\| avg " NUM " \\| max " NUM " \\| stddev " NUM " msgs$",
                 1);
    ASSERT_EQ(rep->status, 0);
    ASSERT_STR_EQ(rep->err, "");
    ASSERT_STR_EQ(r->err, "");
    ASSERT_LINES(rep->out, "request=false, reply=true, msgs=100,000,", 1);
    ASSERT_LINES(rep->out, "stats", 0);
}

TEST(request_reply_ours)
{
    request_reply_check(NULL);
}

TEST(request_reply_reference)
{
    if (!proc_ref_bin())
        test_skip("no reference nats-server");
    request_reply_check(proc_ref_bin());
}

TEST(request_without_replier)
{
    struct server_proc sp;
    int port = start_server(&sp, NULL);
    char *dir = scratch();
    struct run *r =
        run_cli(dir, port, "bench", "nobody", "--pub", "1", "--request", "--msgs", "3", NULL);

    ASSERT_EQ(r->status, 1);
    ASSERT_LINES(r->out, TS "Request error nats: no responders available for request$", 1);
}

TEST(bad_flags)
{
    struct server_proc sp;
    int port = start_server(&sp, NULL);
    char *dir = scratch();
    struct run *r;

    r = run_cli(dir, port, "bench", "--pub", "1", NULL);
    ASSERT_EQ(r->status, 1);
    ASSERT_STR_EQ(r->err, "nats: error: required argument 'subject' not provided, try --help\n");
    r = run_cli(dir, port, "bench", "x", "--bogus", NULL);
    ASSERT_EQ(r->status, 1);
    ASSERT_STR_EQ(r->err, "nats: error: unknown long flag '--bogus', try --help\n");
    r = run_cli(dir, port, "bench", "x", "--pub", "many", NULL);
    ASSERT_EQ(r->status, 1);
    ASSERT_LINES(r->err, "^nats: error: strconv.ParseInt: parsing \"many\": invalid syntax", 1);
    r = run_cli(dir, port, "bench", "x", "--pub", "1", "--msgs", "0", NULL);
    ASSERT_EQ(r->status, 1);
    ASSERT_STR_EQ(r->err, "nats: error: number of messages should be greater than 0\n");
    r = run_cli(dir, port, "bench", "x", "--pub", "1", "--size", "12QB", NULL);
    ASSERT_EQ(r->status, 1);
    ASSERT_LINES(
        r->out, TS "Can not parse or invalid the value specified for the message size: %s12QB$", 1);
    r = run_cli(dir, port, "bench", "x", NULL);
    ASSERT_EQ(r->status, 1);
    ASSERT_LINES(r->out,
                 TS "You must have at least one publisher or at least one subscriber\\.\\.\\. "
                    "try adding --pub 1 and/or --sub 1 to the arguments$",
                 1);
    r = run_cli(dir, port, "bench", "x", "--pub", "1", "--request", "--reply", NULL);
    ASSERT_EQ(r->status, 1);
    ASSERT_LINES(r->out, TS "Request-reply mode error: can not be both a requester and a replier",
                 1);
    r = run_cli(dir, port, "bench", "x", "--pub", "1", "--pubsleep", "5", NULL);
    ASSERT_EQ(r->status, 1);
    ASSERT_STR_EQ(r->err, "nats: error: time: invalid duration \"5\", try --help\n");
    r = run_cli(dir, port, "bench", "x", "--pub", "1", "--js", NULL);
    ASSERT_EQ(r->status, 1);
    ASSERT_STR_EQ(r->err, "nats: error: JetStream benchmarks are not supported by natrium yet\n");
    r = run_cli(dir, port, "bench", "x", "--sub", "1", "--stream", "S", NULL);
    ASSERT_EQ(r->status, 1);
    ASSERT_STR_EQ(r->err, "nats: error: JetStream benchmarks are not supported by natrium yet\n");
    /* "nats bench pub" alone is the v0.0.35 form with the subject "pub" */
    r = run_cli(dir, port, "bench", "pub", NULL);
    ASSERT_EQ(r->status, 1);
    ASSERT_LINES(r->out, TS "You must have at least one publisher", 1);
    /* natscli 0.2 forms */
    r = run_cli(dir, port, "bench", "pub", "x", "--msgs", "0", NULL);
    ASSERT_EQ(r->status, 1);
    ASSERT_STR_EQ(r->err, "nats: error: number of messages should be greater than 0\n");
    r = run_cli(dir, port, "bench", "pub", "x", "--size", "12QB", NULL);
    ASSERT_EQ(r->status, 1);
    ASSERT_STR_EQ(r->err, "nats: error: can not parse or invalid the value specified for the "
                          "message size: 12QB\n");
    r = run_cli(dir, port, "bench", "sub", "x", "--sleep", "1s", NULL);
    ASSERT_EQ(r->status, 1);
    ASSERT_STR_EQ(r->err, "nats: error: unknown long flag '--sleep', try --help\n");
    r = run_cli(dir, port, "bench", "service", "frob", "x", NULL);
    ASSERT_EQ(r->status, 1);
    ASSERT_STR_EQ(r->err, "nats: error: expected command but got \"frob\", try --help\n");
    r = run_cli(dir, port, "bench", "js", "pub", "x", NULL);
    ASSERT_EQ(r->status, 1);
    ASSERT_STR_EQ(r->err, "nats: error: JetStream benchmarks are not supported by natrium yet\n");
}

/* Waits (5 s max) until the file dir/tag.out has n lines matching re. */
static void wait_lines(const char *dir, const char *tag, const char *re, int n)
{
    char path[512];

    snprintf(path, sizeof(path), "%s/%s.out", dir, tag);
    for (int i = 0; i < 500; i++) {
        char *text = proc_read_file(path);
        bool up = text && count_lines(text, re) >= n;
        struct timespec ts = {0, 10000000L};

        free(text);
        if (up)
            return;
        nanosleep(&ts, NULL);
    }
}

/* natscli 0.2: "bench sub" (2 clients) receives what "bench pub" (2 clients) sends. */
static void modern_pubsub_check(const char *bin)
{
    struct server_proc sp;
    int port = start_server(&sp, bin);
    char *dir = scratch();
    char csv[400];
    const char *const sub_args[] = {"bench", "sub", "mb", "--clients", "2", "--msgs", "51",
                                    "--no-progress", NULL};
    pid_t sub = spawn_cli(dir, "sub", port, sub_args);
    struct run *r, *s;
    char *data;

    wait_lines(dir, "sub", "subscribe benchmark", 1);
    usleep(300000); /* the subscriptions are flushed right after the banner */
    snprintf(csv, sizeof(csv), "%s/pub.csv", dir);
    r = run_cli(dir, port, "bench", "pub", "mb", "--clients", "2", "--msgs", "51", "--size",
                "16", "--no-progress", "--csv", csv, NULL);
    s = read_run(dir, "sub", wait_status(sub, 10000));
    ASSERT_EQ(r->status, 0);
    ASSERT_STR_EQ(r->err, "");
    ASSERT_LINES(r->out,
                 TS "Starting Core NATS publish benchmark \\[clients=2, msg-size=16 B, msgs=51, "
                    "multi-subject=false, multi-subject-max=100,000, sleep=0s, subject=mb\\]$",
                 1);
    ASSERT_LINES(r->out, TS "Starting publisher, publishing 2[56] messages$", 2);
    ASSERT_LINES(r->out, "^Pub stats: " RATE "$", 1);
    ASSERT_LINES(r->out, "^ \\[[12]\\] " RATE " \\(2[56] msgs\\)$", 2);
    ASSERT_LINES(r->out, "^Saved metric data in csv file .*/pub.csv$", 1);
    ASSERT(strstr(r->out, "messages\n\nPub stats: "));
    data = proc_read_file(csv);
    ASSERT(data);
    ASSERT_LINES(data, "^[0-9A-Za-z]{22},P[01],2[56],4[01][06],", 2);
    free(data);
    ASSERT_EQ(s->status, 0);
    ASSERT_STR_EQ(s->err, "");
    ASSERT_LINES(s->out,
                 TS "Starting Core NATS subscribe benchmark \\[clients=2, msg-size=128 B, "
                    "msgs=51, multi-subject=false, subject=mb\\]$",
                 1);
    ASSERT_LINES(s->out, "Starting", 1); /* no per-client line in the 0.2 subscriber */
    ASSERT_LINES(s->out, "^Sub stats: " RATE "$", 1);
    ASSERT_LINES(s->out, "^ \\[[12]\\] " RATE " \\(51 msgs\\)$", 2);
}

TEST(modern_pubsub_ours)
{
    modern_pubsub_check(NULL);
}

TEST(modern_pubsub_reference)
{
    if (!proc_ref_bin())
        test_skip("no reference nats-server");
    modern_pubsub_check(proc_ref_bin());
}

/* "bench service serve" answers "ok" in queue group "q"; "bench service request" and its
 * short name "bench request" measure it; without a server the requester reports the error. */
static void modern_service_check(const char *bin)
{
    struct server_proc sp;
    int port = start_server(&sp, bin);
    char *dir = scratch();
    const char *const srv_args[] = {"bench", "service", "serve", "svc", "--clients", "2", NULL};
    const char *const sub_args[] = {"sub", "svc", "--queue", "q", "--count", "1", NULL};
    pid_t serve = spawn_cli(dir, "serve", port, srv_args);
    pid_t peer;
    struct run *r, *s;

    wait_lines(dir, "serve", "Starting replier, hit control-c to stop$", 2);
    usleep(300000);
    r = run_cli(dir, port, "bench", "service", "request", "svc", "--msgs", "20",
                "--no-progress", NULL);
    ASSERT_EQ(r->status, 0);
    ASSERT_STR_EQ(r->err, "");
    ASSERT_LINES(r->out,
                 TS "Starting Core NATS service request benchmark \\[clients=1, msg-size=128 B, "
                    "msgs=20, sleep=0s, subject=svc\\]$",
                 1);
    ASSERT_LINES(r->out, TS "Starting requester, requesting 20 messages$", 1);
    ASSERT_LINES(r->out, "^Pub stats: " RATE "$", 1);
    r = run_cli(dir, port, "req", "svc", "question", "--raw", NULL);
    ASSERT_EQ(r->status, 0);
    ASSERT_STR_EQ(r->out, "ok\n\n");
    /* the repliers are in queue group "q": a third member shares the requests */
    peer = spawn_cli(dir, "peer", port, sub_args);
    wait_lines(dir, "peer", "Subscribing", 1);
    usleep(200000);
    r = run_cli(dir, port, "bench", "request", "svc", "--msgs", "30", "--sleep", "1ms",
                "--no-progress", "--timeout", "1s", NULL);
    ASSERT_LINES(r->out, "sleep=1ms, subject=svc\\]$", 1);
    ASSERT_EQ(wait_status(peer, 5000), 0);
    kill(serve, SIGINT);
    s = read_run(dir, "serve", wait_status(serve, 10000));
    ASSERT_EQ(s->status, 0);
    ASSERT_LINES(s->out,
                 TS "Starting Core NATS service serve benchmark \\[clients=2, msg-size=128 B, "
                    "msgs=100,000, sleep=0s, subject=svc\\]$",
                 1);
    ASSERT_LINES(s->out, "stats", 0);

    r = run_cli(dir, port, "bench", "request", "nobody", "--msgs", "3", NULL);
    ASSERT_EQ(r->status, 1);
    ASSERT_LINES(r->out,
                 TS "Error from client 0: requesting: requesting: nats: no responders available "
                    "for request$",
                 1);
    ASSERT_STR_EQ(r->err, "nats: error: requesting: requesting: nats: no responders available "
                          "for request\n");
}

TEST(modern_service_ours)
{
    modern_service_check(NULL);
}

TEST(modern_service_reference)
{
    if (!proc_ref_bin())
        test_skip("no reference nats-server");
    modern_service_check(proc_ref_bin());
}

/* --multisubject pads the subject token to the width of --multisubjectmax (natscli 0.2). The
 * bodies are NUL bytes, so the watcher prints headers only. */
TEST(modern_multisubject)
{
    struct server_proc sp;
    int port = start_server(&sp, NULL);
    char *dir = scratch();
    const char *const sub_args[] = {"sub", "ms.*", "--count", "3", "--headers-only", NULL};
    pid_t sub = spawn_cli(dir, "watch", port, sub_args);
    struct run *r, *w;

    wait_lines(dir, "watch", "Subscribing", 1);
    usleep(200000);
    r = run_cli(dir, port, "bench", "pub", "ms", "--multisubject", "--multisubjectmax", "10",
                "--msgs", "3", "--size", "1", "--no-progress", NULL);
    ASSERT_EQ(r->status, 0);
    ASSERT_LINES(r->out, "multi-subject=true, multi-subject-max=10, sleep=0s, subject=ms\\.\\*\\]$",
                 1);
    w = read_run(dir, "watch", wait_status(sub, 5000));
    ASSERT_EQ(w->status, 0);
    ASSERT_LINES(w->out, "^\\[#1\\] Received on \"ms\\.00\"$", 1);
    ASSERT_LINES(w->out, "^\\[#2\\] Received on \"ms\\.01\"$", 1);
    ASSERT_LINES(w->out, "^\\[#3\\] Received on \"ms\\.02\"$", 1);
}
