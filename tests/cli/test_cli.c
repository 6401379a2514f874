/* Black-box tests of build/bin/nats ($NATS_CLI_BIN): each scenario runs against natrium's
 * nats-server and against the reference binary, checks the output natscli would print, and
 * compares the two runs after normalising times (HH:MM:SS), rtt values and inbox ids.
 * Children get a scratch HOME and XDG_CONFIG_HOME so contexts never touch the user's. */
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "certs.h"
#include "clirun.h"
#include "proc.h"
#include "test.h"

typedef void scenario_fn(const struct run *r, char *log, size_t logsz);

/* Runs fn against natrium and, if present, the reference (each started with server_args,
 * NULL-terminated, or NULL), and compares the logs. */
static void both_args(scenario_fn *fn, const char *const *server_args)
{
    const char *bins[2] = {proc_our_bin(), proc_ref_bin()};
    char *norm[2] = {NULL, NULL};

    for (int b = 0; b < 2; b++) {
        struct server_proc sp;
        struct run r;
        size_t sz = 1 << 16;
        char *log = calloc(1, sz);

        if (!bins[b])
            continue;
        memset(&sp, 0, sizeof(sp));
        ASSERT_OK(proc_start(&sp, bins[b], server_args));
        snprintf(r.url, sizeof(r.url), "nats://127.0.0.1:%d", sp.port);
        proc_tmpdir(r.home, sizeof(r.home));
        fn(&r, log, sz);
        norm[b] = cli_normalise(log, sp.port);
        free(log);
        proc_stop(&sp, SIGTERM);
    }
    if (norm[1])
        ASSERT_STR_EQ(norm[0], norm[1]);
    free(norm[0]);
    free(norm[1]);
}

static void both(scenario_fn *fn)
{
    both_args(fn, NULL);
}

static void walkthrough(const struct run *r, char *log, size_t sz)
{
    char p1[400], p2[400], p3[400];
    pid_t s1, s2, s3;
    char *out, *t;

    snprintf(p1, sizeof(p1), "%s/s1.out", r->home);
    snprintf(p2, sizeof(p2), "%s/s2.out", r->home);
    snprintf(p3, sizeof(p3), "%s/s3.out", r->home);
    s1 = cli_spawn(r, p1, NULL, ARGS("sub", "keji", "--count", "1"));
    s2 = cli_spawn(r, p2, NULL, ARGS("sub", "keji", "--count=1"));
    s3 = cli_spawn(r, p3, NULL, ARGS("sub", "jingji"));
    cli_wait_for_text(p1, "Subscribing");
    cli_wait_for_text(p2, "Subscribing");
    cli_wait_for_text(p3, "Subscribing");
    ASSERT_EQ(cli_run(r, "pub", NULL, &out, ARGS("pub", "keji", "科技新闻：芯片")), 0);
    ASSERT_MATCH(out, "^[0-9:]{8} Published 21 bytes to \"keji\"\n$");
    cli_log_append(log, sz, "pub", out);
    free(out);
    ASSERT_EQ(cli_wait_exit(s1, 5000), 0);
    ASSERT_EQ(cli_wait_exit(s2, 5000), 0);
    usleep(200000);
    kill(s3, SIGINT);
    ASSERT_EQ(cli_wait_exit(s3, 5000), 0);
    t = proc_read_file(p1);
    ASSERT_MATCH(t, "^[0-9:]{8} Subscribing on keji \n\\[#1\\] Received on \"keji\"\n"
                    "科技新闻：芯片\n\n$");
    cli_log_append(log, sz, "s1", t);
    free(t);
    t = proc_read_file(p2);
    cli_log_append(log, sz, "s2", t);
    free(t);
    t = proc_read_file(p3);
    ASSERT_MATCH(t, "^[0-9:]{8} Subscribing on jingji \n$");
    cli_log_append(log, sz, "s3", t);
    free(t);
    /* the walk-through ends with a benchmark that prints its rates */
    ASSERT_EQ(cli_run(r, "bench", NULL, &out,
                      ARGS("bench", "keji", "--pub", "1", "--sub", "1", "--msgs", "2000",
                           "--no-progress")),
              0);
    ASSERT_MATCH(out, "^[0-9:]{8} Starting Core NATS pub/sub benchmark \\[subject=keji, "
                      "multisubject=false, multisubjectmax=0, msgs=2,000, msgsize=128 B, pubs=1, "
                      "subs=1, pubsleep=0s, subsleep=0s\\]\n"
                      "(.|\n)*\nNATS Pub/Sub stats: [0-9,]+ msgs/sec ~ [0-9.]+ [KMG]?B/sec\n"
                      " Pub stats: [0-9,]+ msgs/sec ~ [0-9.]+ [KMG]?B/sec\n"
                      " Sub stats: [0-9,]+ msgs/sec ~ [0-9.]+ [KMG]?B/sec\n\n$");
    cli_log_append(log, sz, "bench", "rates printed\n");
    free(out);
}

TEST(cli_walkthrough_pub_sub)
{
    both(walkthrough);
}

static void request_reply(const struct run *r, char *log, size_t sz)
{
    char p[400];
    pid_t rep;
    char *out, *t;

    snprintf(p, sizeof(p), "%s/reply.out", r->home);
    rep = cli_spawn(r, p, NULL, ARGS("reply", "help.message", "去问百度", "--count", "2"));
    cli_wait_for_text(p, "Listening");
    ASSERT_EQ(cli_run(r, "req", NULL, &out, ARGS("request", "help.message", "问题?")), 0);
    ASSERT_MATCH(out, "^[0-9:]{8} Sending request on \"help.message\"\n"
                      "[0-9:]{8} Received with rtt [0-9.]+(µs|ms|s)\n去问百度\n\n$");
    cli_log_append(log, sz, "req", out);
    free(out);
    ASSERT_EQ(cli_run(r, "req2", NULL, &out,
                      ARGS("req", "help.message", "q", "-H", "K:v{{Count}}", "--raw")), 0);
    ASSERT_STR_EQ(out, "去问百度\n\n");
    free(out);
    ASSERT_EQ(cli_wait_exit(rep, 5000), 0);
    t = proc_read_file(p);
    ASSERT_MATCH(t, "^[0-9:]{8} Listening on \"help.message\" in group \"NATS-RPLY-22\"\n"
                    "[0-9:]{8} \\[#0\\] Received on subject \"help.message\":\n\n问题\\?\n"
                    "[0-9:]{8} \\[#1\\] Received on subject \"help.message\":\n"
                    "[0-9:]{8} K: v1\n\nq\n$");
    cli_log_append(log, sz, "reply", t);
    free(t);
    ASSERT_EQ(cli_run(r, "nores", NULL, &out, ARGS("req", "nobody.home", "x")), 0);
    ASSERT_MATCH(out, "^[0-9:]{8} Sending request on \"nobody.home\"\n"
                      "[0-9:]{8} No responders are available\n$");
    cli_log_append(log, sz, "noresp", out);
    free(out);
}

TEST(cli_request_reply_and_no_responders)
{
    both(request_reply);
}

static void headers_templates(const struct run *r, char *log, size_t sz)
{
    char p[400];
    pid_t s;
    char *out, *t;

    snprintf(p, sizeof(p), "%s/sub.out", r->home);
    s = cli_spawn(r, p, NULL, ARGS("sub", "t.>", "--count", "3"));
    cli_wait_for_text(p, "Subscribing");
    ASSERT_EQ(cli_run(r, "pub", NULL, &out,
                      ARGS("pub", "t.x", "msg {{.Count}}/{{Cnt}}", "--count", "2", "-H",
                           "X-N: {{Count}}", "--reply", "r.1")), 0);
    cli_log_append(log, sz, "pub", out);
    free(out);
    ASSERT_EQ(cli_run(r, "stdin", "from stdin\n", &out, ARGS("pub", "t.y")), 0);
    cli_log_append(log, sz, "stdin", out);
    free(out);
    ASSERT_EQ(cli_wait_exit(s, 5000), 0);
    t = proc_read_file(p);
    ASSERT_MATCH(t, "^[0-9:]{8} Subscribing on t.> \n"
                    "\\[#1\\] Received on \"t.x\" with reply \"r.1\"\nX-N: 1\n\nmsg 1/1\n\n"
                    "\\[#2\\] Received on \"t.x\" with reply \"r.1\"\nX-N: 2\n\nmsg 2/2\n\n"
                    "\\[#3\\] Received on \"t.y\"\nfrom stdin\n\n$");
    cli_log_append(log, sz, "sub", t);
    free(t);
}

TEST(cli_headers_templates_stdin)
{
    both(headers_templates);
}

static void queue_groups(const struct run *r, char *log, size_t sz)
{
    char p1[400], p2[400];
    pid_t a, b;
    char *out, *t1, *t2;
    int n = 0;

    snprintf(p1, sizeof(p1), "%s/q1.out", r->home);
    snprintf(p2, sizeof(p2), "%s/q2.out", r->home);
    a = cli_spawn(r, p1, NULL, ARGS("sub", "work", "--queue", "wq", "--raw"));
    b = cli_spawn(r, p2, NULL, ARGS("sub", "work", "--queue", "wq", "--raw"));
    usleep(300000);
    ASSERT_EQ(cli_run(r, "pub", NULL, &out, ARGS("pub", "work", "job", "--count", "10")), 0);
    free(out);
    usleep(200000);
    kill(a, SIGINT);
    kill(b, SIGINT);
    ASSERT_EQ(cli_wait_exit(a, 5000), 0);
    ASSERT_EQ(cli_wait_exit(b, 5000), 0);
    t1 = proc_read_file(p1);
    t2 = proc_read_file(p2);
    for (const char *c = t1; (c = strstr(c, "job")); c++)
        n++;
    for (const char *c = t2; (c = strstr(c, "job")); c++)
        n++;
    ASSERT_EQ(n, 10);
    cli_log_append(log, sz, "queue", "10 delivered once\n");
    free(t1);
    free(t2);
}

TEST(cli_queue_group_delivers_once)
{
    both(queue_groups);
}

static void errors(const struct run *r, char *log, size_t sz)
{
    char *out;
    struct run bad = *r;

    ASSERT_EQ(cli_run(r, "e1", NULL, &out, ARGS("pub", "--bogus", "x")), 1);
    ASSERT_STR_EQ(out, "nats: error: unknown long flag '--bogus', try --help\n");
    free(out);
    ASSERT_EQ(cli_run(r, "e2", NULL, &out, ARGS("sub")), 1);
    ASSERT_STR_EQ(out, "nats: error: subject is required\n");
    free(out);
    ASSERT_EQ(cli_run(r, "e3", NULL, &out, ARGS("pub", "x", "--count", "abc")), 1);
    ASSERT_STR_EQ(out, "nats: error: strconv.ParseInt: parsing \"abc\": invalid syntax, "
                       "try --help\n");
    free(out);
    ASSERT_EQ(cli_run(r, "e4", NULL, &out, ARGS("frobnicate")), 1);
    ASSERT_STR_EQ(out, "nats: error: expected command but got \"frobnicate\", try --help\n");
    free(out);
    snprintf(bad.url, sizeof(bad.url), "nats://127.0.0.1:%d", proc_free_port());
    ASSERT_EQ(cli_run(&bad, "e5", NULL, &out, ARGS("pub", "x", "y")), 1);
    ASSERT_STR_EQ(out, "nats: error: nats: no servers available for connection\n");
    cli_log_append(log, sz, "errors", out);
    free(out);
}

TEST(cli_errors_worded_as_natscli)
{
    both(errors);
}

static void contexts(const struct run *r, char *log, size_t sz)
{
    char *out, path[400], *json;
    struct run bad = *r;

    ASSERT_EQ(cli_run(r, "c1", NULL, &out,
                      ARGS("context", "save", "local", "--server", r->url, "--description",
                           "本地 server", "--select")), 0);
    ASSERT_MATCH(out, "^NATS Configuration Context \"local\"\n\n      Description: 本地 server\n"
                      "      Server URLs: nats://127.0.0.1:[0-9]+\n             Path: .*"
                      "/nats/context/local.json\n\n"
                      "WARNING: Shell environment overrides in place using NATS_URL\n$");
    free(out);
    snprintf(path, sizeof(path), "%s/.config/nats/context/local.json", r->home);
    json = proc_read_file(path);
    ASSERT_MATCH(json, "^\\{\n  \"description\": \"本地 server\",\n  \"url\": \"nats://");
    free(json);
    snprintf(path, sizeof(path), "%s/.config/nats/context.txt", r->home);
    json = proc_read_file(path);
    ASSERT_STR_EQ(json, "local");
    free(json);
    ASSERT_EQ(cli_run(r, "c2", NULL, &out, ARGS("context", "save", "other")), 0);
    free(out);
    ASSERT_EQ(cli_run(r, "c3", NULL, &out, ARGS("context", "ls")), 0);
    ASSERT(strstr(out, "│ local*") && strstr(out, "│ other "));
    free(out);
    /* the selected context supplies the server when NATS_URL is not set */
    snprintf(bad.url, sizeof(bad.url), "%s", "");
    ASSERT_EQ(cli_run(&bad, "c4", NULL, &out, ARGS("pub", "ctx.test", "hi")), 0);
    ASSERT_MATCH(out, "Published 2 bytes to \"ctx.test\"\n$");
    free(out);
    ASSERT_EQ(cli_run(r, "c5", NULL, &out, ARGS("context", "rm", "local", "-f")), 1);
    ASSERT_STR_EQ(out, "nats: error: cannot remove the current active context\n");
    free(out);
    ASSERT_EQ(cli_run(r, "c6", NULL, &out, ARGS("context", "rm", "other", "-f")), 0);
    free(out);
    ASSERT_EQ(cli_run(r, "c7", NULL, &out, ARGS("context", "info", "other")), 1);
    ASSERT_STR_EQ(out, "nats: error: unknown context \"other\"\n");
    cli_log_append(log, sz, "ctx", out);
    free(out);
}

TEST(cli_contexts)
{
    both(contexts);
}

static void write_editor(const char *path, const char *sed_expr)
{
    FILE *f = fopen(path, "w");

    ASSERT(f);
    fprintf(f, "#!/bin/sh\nsed -i '%s' \"$1\"\n", sed_expr);
    fclose(f);
    chmod(path, 0755);
}

/* Appends text to the log with the scratch home directory replaced by "HOME". */
static void log_home(const struct run *r, char *log, size_t sz, const char *tag, const char *text)
{
    char *o = calloc(1, strlen(text) + 1), *j = o;
    size_t hl = strlen(r->home);

    for (const char *p = text; *p;) {
        if (strncmp(p, r->home, hl) == 0) {
            memcpy(j, "HOME", 4);
            j += 4;
            p += hl;
        } else {
            *j++ = *p++;
        }
    }
    cli_log_append(log, sz, tag, o);
    free(o);
}

/* context copy|cp, edit|vi (with $EDITOR), validate [--connect], info --connect. */
static void context_ops(const struct run *r, char *log, size_t sz)
{
    char *out, editor[400], path[400], *json;
    struct run nourl = *r;
    int rc;

    nourl.url[0] = '\0'; /* no NATS_URL: no override warning */
    ASSERT_EQ(cli_run(r, "o1", NULL, &out,
                      ARGS("context", "add", "src", "--server", r->url, "--description", "源")),
              0);
    free(out);
    /* copy: the source's settings plus the flags given */
    ASSERT_EQ(cli_run(&nourl, "o2", NULL, &out,
                      ARGS("context", "copy", "src", "dst", "--description", "copied")),
              0);
    ASSERT_MATCH(out, "^NATS Configuration Context \"dst\"\n\n      Description: copied\n"
                      "      Server URLs: nats://127.0.0.1:[0-9]+\n             Path: .*"
                      "/nats/context/dst.json\n\n$");
    log_home(r, log, sz, "copy", out);
    free(out);
    ASSERT_EQ(cli_run(&nourl, "o3", NULL, &out, ARGS("context", "cp", "src", "dst")), 1);
    ASSERT_STR_EQ(out, "nats: error: context \"dst\" already exist\n");
    free(out);
    ASSERT_EQ(cli_run(&nourl, "o4", NULL, &out, ARGS("context", "cp", "nope", "x")), 1);
    ASSERT_STR_EQ(out, "nats: error: unknown context \"nope\"\n");
    free(out);
    ASSERT_EQ(cli_run(&nourl, "o5", NULL, &out, ARGS("context", "copy", "src")), 1);
    ASSERT_STR_EQ(out, "nats: error: required argument 'name' not provided, try --help\n");
    free(out);

    /* edit: runs $EDITOR on the file, then shows the result */
    unsetenv("EDITOR");
    ASSERT_EQ(cli_run(&nourl, "o6", NULL, &out, ARGS("context", "edit", "dst")), 1);
    ASSERT_STR_EQ(out, "nats: error: set EDITOR environment variable to your chosen editor\n");
    free(out);
    snprintf(editor, sizeof(editor), "%s/editor.sh", r->home);
    write_editor(editor, "s/\"copied\"/\"编辑过\"/");
    setenv("EDITOR", editor, 1);
    ASSERT_EQ(cli_run(&nourl, "o7", NULL, &out, ARGS("context", "edit", "dst")), 0);
    ASSERT_MATCH(out, "^NATS Configuration Context \"dst\"\n\n      Description: 编辑过\n");
    log_home(r, log, sz, "edit", out);
    free(out);
    ASSERT_EQ(cli_run(&nourl, "o8", NULL, &out, ARGS("context", "vi", "nope")), 1);
    ASSERT_STR_EQ(out, "nats: error: unknown context \"nope\"\n");
    free(out);
    unsetenv("EDITOR");
    snprintf(path, sizeof(path), "%s/.config/nats/context/dst.json", r->home);
    json = proc_read_file(path);
    ASSERT_MATCH(json, "\"description\": \"编辑过\",\n  \"url\": \"nats://127");
    free(json);

    /* validate: all contexts, with a connection attempt; a missing creds file fails it */
    ASSERT_EQ(cli_run(&nourl, "o9", NULL, &out, ARGS("context", "validate", "--connect")), 0);
    ASSERT_MATCH(out, "^NATS Configuration Context \"dst\"\n(.|\n)*"
                      "       Connection: OK\n\n\n"
                      "NATS Configuration Context \"src\"\n(.|\n)*"
                      "       Connection: OK\n\n\n$");
    log_home(r, log, sz, "validate", out);
    free(out);
    ASSERT_EQ(cli_run(&nourl, "o10", NULL, &out,
                      ARGS("context", "save", "broken", "--server", "nats://127.0.0.1:1",
                           "--creds", "/nonexistent/x.creds")),
              0);
    free(out);
    ASSERT_EQ(cli_run(&nourl, "o11", NULL, &out, ARGS("context", "validate", "broken")), 1);
    ASSERT_MATCH(out, "      Credentials: /nonexistent/x.creds \\(ERROR\\)\n(.|\n)*"
                      "\n\nnats: error: validation failed\n$");
    free(out);
    ASSERT_EQ(cli_run(&nourl, "o12", NULL, &out, ARGS("context", "validate", "ghost")), 0);
    ASSERT_STR_EQ(out, "Could not load ghost: unknown context \"ghost\"\n\n\n");
    free(out);
    ASSERT_EQ(cli_run(&nourl, "o13", NULL, &out,
                      ARGS("context", "info", "src", "--connect")), 0);
    ASSERT_MATCH(out, "       Connection: OK\n\n$");
    free(out);
    rc = cli_run(&nourl, "o14", NULL, &out, ARGS("context", "rm", "broken", "-f"));
    ASSERT_EQ(rc, 0);
    free(out);
}

TEST(cli_context_copy_edit_validate)
{
    both(context_ops);
}

/* Every command that connects reports an unreachable server on stderr, natscli's wording,
 * exit status 1; nothing on stdout except the bench banners natscli logs before connecting. */
TEST(cli_unreachable_server_errors)
{
    static const struct {
        const char *args[6];
        const char *err;
    } cases[] = {
        {{"sub", "x"}, "nats: error: nats: no servers available for connection\n"},
        {{"req", "x", "y"}, "nats: error: nats: no servers available for connection\n"},
        {{"reply", "x", "y"}, "nats: error: nats: no servers available for connection\n"},
        {{"rtt"}, "nats: error: nats: no servers available for connection\n"},
        {{"server", "ping"}, "nats: error: nats: no servers available for connection\n"},
        {{"server", "list"}, "nats: error: nats: no servers available for connection\n"},
        {{"server", "info"}, "nats: error: nats: no servers available for connection\n"},
        {{"account", "info"},
         "nats: error: setup failed: nats: no servers available for connection\n"},
        {{"bench", "x", "--pub", "1"},
         "nats: error: nats: no servers available for connection\n"},
        {{"bench", "sub", "x"},
         "nats: error: client number 0 failed to connect: nats: no servers available for "
         "connection\n"},
    };
    struct run r;

    proc_tmpdir(r.home, sizeof(r.home));
    snprintf(r.url, sizeof(r.url), "nats://127.0.0.1:%d", proc_free_port());
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *out, *err, name[16];
        const char *const *a = cases[i].args;
        const char *const argv[] = {a[0], a[1], a[2], a[3], a[4], a[5], NULL};

        snprintf(name, sizeof(name), "u%zu", i);
        ASSERT_EQ(cli_run2(&r, name, &out, &err, argv), 1);
        ASSERT_STR_EQ(err, cases[i].err);
        if (strcmp(a[0], "bench") == 0)
            ASSERT_MATCH(out, "^[0-9:]{8} Starting Core NATS [a-z/ ]+ benchmark \\[[^\n]*\\]\n$");
        else
            ASSERT_STR_EQ(out, "");
        free(out);
        free(err);
    }
}

static void rtt_json(const struct run *r, char *log, size_t sz)
{
    char *out, *err;

    ASSERT_EQ(cli_run2(r, "rtt", &out, &err, ARGS("rtt", "3")), 0);
    ASSERT_MATCH(out, "^nats://127\\.0\\.0\\.1:[0-9]+:\n\n   127\\.0\\.0\\.1:[0-9]+: "
                      "[0-9.]+(ns|µs|ms|s)\n\n$");
    ASSERT_STR_EQ(err, "");
    {
        char *colon = strrchr(out, ':'); /* the rtt value differs between runs */
        *colon = '\0';
        cli_log_append(log, sz, "rtt", out);
    }
    free(out);
    free(err);
    ASSERT_EQ(cli_run2(r, "rttj", &out, &err, ARGS("rtt", "--json")), 0);
    ASSERT_MATCH(out, "^\\[\n  \\{\n    \"url\": \"nats://127\\.0\\.0\\.1:[0-9]+\",\n"
                      "    \"results\": \\[\n      \\{\n"
                      "        \"time\": \"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(Z|[-+][0-9:]{5})\",\n"
                      "        \"address\": \"127\\.0\\.0\\.1:[0-9]+\",\n"
                      "        \"rtt\": [0-9]+,\n"
                      "        \"url\": \"nats://127\\.0\\.0\\.1:[0-9]+\"\n"
                      "      \\}\n    \\]\n  \\}\n\\]\n$");
    free(out);
    free(err);
    ASSERT_EQ(cli_run2(r, "rttbad", &out, &err, ARGS("rtt", "many")), 1);
    ASSERT_STR_EQ(err, "nats: error: strconv.ParseInt: parsing \"many\": invalid syntax, try --help\n");
    free(out);
    free(err);
}

TEST(cli_rtt_text_and_json)
{
    both(rtt_json);
}

/* Non-ASCII (Chinese) bodies and header values arrive byte for byte, also through stdin and
 * request/reply with --raw. */
static void chinese_bytes(const struct run *r, char *log, size_t sz)
{
    static const char body[] = "新闻：中国科技\n第二行 — 结束";
    char p1[400], p2[400];
    pid_t raw, full;
    char *out, *t;

    snprintf(p1, sizeof(p1), "%s/raw.out", r->home);
    snprintf(p2, sizeof(p2), "%s/full.out", r->home);
    raw = cli_spawn(r, p1, NULL, ARGS("sub", "cn.>", "--raw", "--count", "2"));
    full = cli_spawn(r, p2, NULL, ARGS("sub", "cn.>", "--count", "2"));
    cli_wait_for_text(p2, "Subscribing");
    usleep(200000);
    ASSERT_EQ(cli_run(r, "p1", NULL, &out, ARGS("pub", "cn.a", body, "-H", "Lang: 中文")), 0);
    ASSERT_MATCH(out, "^[0-9:]{8} Published 42 bytes to \"cn\\.a\"\n$");
    free(out);
    ASSERT_EQ(cli_run(r, "p2", "标准输入\n", &out, ARGS("pub", "cn.b")), 0);
    free(out);
    ASSERT_EQ(cli_wait_exit(raw, 5000), 0);
    ASSERT_EQ(cli_wait_exit(full, 5000), 0);
    t = proc_read_file(p1);
    /* --raw is fmt.Println(string(data)): one newline added to each body */
    ASSERT_STR_EQ(t, "新闻：中国科技\n第二行 — 结束\n标准输入\n\n");
    free(t);
    t = proc_read_file(p2);
    ASSERT_MATCH(t, "^[0-9:]{8} Subscribing on cn\\.> \n"
                    "\\[#1\\] Received on \"cn\\.a\"\nLang: 中文\n\n"
                    "新闻：中国科技\n第二行 — 结束\n\n"
                    "\\[#2\\] Received on \"cn\\.b\"\n标准输入\n\n$");
    cli_log_append(log, sz, "sub", t);
    free(t);
}

TEST(cli_chinese_bodies_byte_for_byte)
{
    both(chinese_bytes);
}

/* --help: usage line, kingpin's flag column layout, exit 0; the command list. */
TEST(cli_help_output)
{
    struct run r;
    char *out, *err;

    proc_tmpdir(r.home, sizeof(r.home));
    snprintf(r.url, sizeof(r.url), "nats://127.0.0.1:%d", proc_free_port());
    ASSERT_EQ(cli_run2(&r, "h1", &out, &err, ARGS("rtt", "--help")), 0);
    ASSERT_MATCH(out, "^usage: nats rtt \\[<flags>\\] \\[<iterations>\\]\n\nFlags:\n"
                      "  -h, --help  +Show context-sensitive help[^\n]*\n"
                      "      --version  +Show application version\\.\n(.|\n)*"
                      "  -j, --json  +Produce JSON output\n\n$");
    ASSERT_STR_EQ(err, "");
    free(out);
    free(err);
    ASSERT_EQ(cli_run2(&r, "h2", &out, &err, ARGS("--help")), 0);
    ASSERT_MATCH(out, "^usage: nats \\[<flags>\\] <command> \\[<args> \\.\\.\\.\\]\n(.|\n)*"
                      "  account +Account information and status\n(.|\n)*"
                      "  server +Server information\n");
    free(out);
    free(err);
    ASSERT_EQ(cli_run2(&r, "h3", &out, &err, ARGS("server", "check", "--help")), 0);
    ASSERT_MATCH(out, "^usage: nats server check (.|\n)*      --connect-warn=DURATION +Warning "
                      "threshold to allow for establishing connections\n");
    free(out);
    free(err);
}

/* ---------------------------------------------------------------- TLS */

static struct test_certs tls_certs;

static void tls_pub_sub(const struct run *r, char *log, size_t sz)
{
    char p[400];
    pid_t sub;
    char *out, *t;

    snprintf(p, sizeof(p), "%s/tls-sub.out", r->home);
    sub = cli_spawn(r, p, NULL,
                ARGS("--tlsca", tls_certs.ca, "--tlscert", tls_certs.client, "--tlskey",
                     tls_certs.client_key, "sub", "secure", "--count", "1"));
    cli_wait_for_text(p, "Subscribing");
    ASSERT_EQ(cli_run(r, "tls-pub", NULL, &out,
                      ARGS("--tlsca", tls_certs.ca, "--tlscert", tls_certs.client, "--tlskey",
                           tls_certs.client_key, "pub", "secure", "over TLS")),
              0);
    ASSERT_MATCH(out, "^[0-9:]{8} Published 8 bytes to \"secure\"\n$");
    cli_log_append(log, sz, "pub", out);
    free(out);
    ASSERT_EQ(cli_wait_exit(sub, 5000), 0);
    t = proc_read_file(p);
    ASSERT_MATCH(t, "^[0-9:]{8} Subscribing on secure \n\\[#1\\] Received on \"secure\"\n"
                    "over TLS\n\n$");
    cli_log_append(log, sz, "sub", t);
    free(t);
}

TEST(cli_tls_mutual_pub_sub)
{
    if (certs_make(&tls_certs) != 0)
        test_fail(__FILE__, __LINE__, "could not make certificates with openssl");
    both_args(tls_pub_sub, ARGS("--tlsverify", "--tlscert", tls_certs.server, "--tlskey",
                                tls_certs.server_key, "--tlscacert", tls_certs.ca));
}
