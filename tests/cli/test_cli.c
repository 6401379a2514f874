/* Black-box tests of build/bin/nats ($NATS_CLI_BIN): each scenario runs against natrium's
 * nats-server and against the reference binary, checks the output natscli would print, and
 * compares the two runs after normalising times (HH:MM:SS), rtt values and inbox ids.
 * Children get a scratch HOME and XDG_CONFIG_HOME so contexts never touch the user's. */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "certs.h"
#include "proc.h"
#include "test.h"

struct run {
    char url[64];
    char home[256];
};

static const char *cli_bin(void)
{
    const char *b = getenv("NATS_CLI_BIN");
    return b && *b ? b : "build/bin/nats";
}

/* Starts the CLI with args (NULL-terminated); stdout+stderr go to out_path. */
static pid_t spawn(const struct run *r, const char *out_path, const char *stdin_text,
                   const char *const *args)
{
    int in[2];
    pid_t pid;

    if (pipe(in) != 0)
        return -1;
    pid = fork();
    if (pid == 0) {
        const char *argv[32];
        int n = 0, fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        char xdg[300];
        argv[n++] = cli_bin();
        for (int i = 0; args[i] && n < 31; i++)
            argv[n++] = args[i];
        argv[n] = NULL;
        snprintf(xdg, sizeof(xdg), "%s/.config", r->home);
        setenv("NATS_URL", r->url, 1);
        setenv("HOME", r->home, 1);
        setenv("XDG_CONFIG_HOME", xdg, 1);
        unsetenv("NATS_CONTEXT");
        dup2(in[0], 0);
        dup2(fd, 1);
        dup2(fd, 2);
        close(in[0]);
        close(in[1]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(in[0]);
    if (stdin_text && write(in[1], stdin_text, strlen(stdin_text)) < 0)
        perror("write");
    close(in[1]);
    return pid;
}

static int wait_exit(pid_t pid, int timeout_ms)
{
    int st = 0;
    for (int i = 0; i < timeout_ms / 10; i++) {
        if (waitpid(pid, &st, WNOHANG) == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        usleep(10000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    return -1;
}

static void wait_for_text(const char *path, const char *needle)
{
    for (int i = 0; i < 300; i++) {
        char *t = proc_read_file(path);
        bool ok = t && strstr(t, needle);
        free(t);
        if (ok)
            return;
        usleep(10000);
    }
}

/* Runs the CLI to completion; returns its exit code and the normalised output in *out. */
static int run_cli(const struct run *r, const char *name, const char *stdin_text, char **out,
                   const char *const *args)
{
    char path[400];
    pid_t pid;
    int rc;

    snprintf(path, sizeof(path), "%s/%s.out", r->home, name);
    pid = spawn(r, path, stdin_text, args);
    rc = wait_exit(pid, 10000);
    *out = proc_read_file(path);
    return rc;
}

/* Replaces times, rtt values, inbox ids and the port so two runs compare equal. */
static char *normalise(const char *s, int port)
{
    size_t n = strlen(s);
    char *o = calloc(1, n * 2 + 16), portstr[16];
    size_t j = 0;

    snprintf(portstr, sizeof(portstr), "%d", port);
    for (size_t i = 0; i < n;) {
        if (i + 8 <= n && s[i + 2] == ':' && s[i + 5] == ':' && strspn(s + i, "0123456789:") >= 8) {
            memcpy(o + j, "HH:MM:SS", 8);
            j += 8;
            i += 8;
        } else if (strncmp(s + i, "rtt ", 4) == 0) {
            memcpy(o + j, "rtt RTT", 7);
            j += 7;
            i += 4;
            while (i < n && s[i] != '\n')
                i++;
        } else if (strncmp(s + i, "_INBOX.", 7) == 0) {
            memcpy(o + j, "_INBOX.ID", 9);
            j += 9;
            i += 7;
            while (i < n && s[i] != '"' && s[i] != ' ' && s[i] != '\n')
                i++;
        } else if (strncmp(s + i, portstr, strlen(portstr)) == 0) {
            memcpy(o + j, "PORT", 4);
            j += 4;
            i += strlen(portstr);
        } else {
            o[j++] = s[i++];
        }
    }
    return o;
}

typedef void scenario_fn(const struct run *r, char *log, size_t logsz);

static void append(char *log, size_t sz, const char *tag, const char *text)
{
    size_t l = strlen(log);
    snprintf(log + l, sz - l, "== %s\n%s", tag, text ? text : "(null)\n");
}

/* Runs fn against natrium and, if present, the reference, and compares the logs. */
/* As both(), with extra server arguments (NULL-terminated, or NULL). */
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
        norm[b] = normalise(log, sp.port);
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

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

static void walkthrough(const struct run *r, char *log, size_t sz)
{
    char p1[400], p2[400], p3[400];
    pid_t s1, s2, s3;
    char *out, *t;

    snprintf(p1, sizeof(p1), "%s/s1.out", r->home);
    snprintf(p2, sizeof(p2), "%s/s2.out", r->home);
    snprintf(p3, sizeof(p3), "%s/s3.out", r->home);
    s1 = spawn(r, p1, NULL, ARGS("sub", "keji", "--count", "1"));
    s2 = spawn(r, p2, NULL, ARGS("sub", "keji", "--count=1"));
    s3 = spawn(r, p3, NULL, ARGS("sub", "jingji"));
    wait_for_text(p1, "Subscribing");
    wait_for_text(p2, "Subscribing");
    wait_for_text(p3, "Subscribing");
    ASSERT_EQ(run_cli(r, "pub", NULL, &out, ARGS("pub", "keji", "科技新闻：芯片")), 0);
    ASSERT_MATCH(out, "^[0-9:]{8} Published 21 bytes to \"keji\"\n$");
    append(log, sz, "pub", out);
    free(out);
    ASSERT_EQ(wait_exit(s1, 5000), 0);
    ASSERT_EQ(wait_exit(s2, 5000), 0);
    usleep(200000);
    kill(s3, SIGINT);
    ASSERT_EQ(wait_exit(s3, 5000), 0);
    t = proc_read_file(p1);
    ASSERT_MATCH(t, "^[0-9:]{8} Subscribing on keji \n\\[#1\\] Received on \"keji\"\n"
                    "科技新闻：芯片\n\n$");
    append(log, sz, "s1", t);
    free(t);
    t = proc_read_file(p2);
    append(log, sz, "s2", t);
    free(t);
    t = proc_read_file(p3);
    ASSERT_MATCH(t, "^[0-9:]{8} Subscribing on jingji \n$");
    append(log, sz, "s3", t);
    free(t);
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
    rep = spawn(r, p, NULL, ARGS("reply", "help.message", "去问百度", "--count", "2"));
    wait_for_text(p, "Listening");
    ASSERT_EQ(run_cli(r, "req", NULL, &out, ARGS("request", "help.message", "问题?")), 0);
    ASSERT_MATCH(out, "^[0-9:]{8} Sending request on \"help.message\"\n"
                      "[0-9:]{8} Received with rtt [0-9.]+(µs|ms|s)\n去问百度\n\n$");
    append(log, sz, "req", out);
    free(out);
    ASSERT_EQ(run_cli(r, "req2", NULL, &out,
                      ARGS("req", "help.message", "q", "-H", "K:v{{Count}}", "--raw")), 0);
    ASSERT_STR_EQ(out, "去问百度\n\n");
    free(out);
    ASSERT_EQ(wait_exit(rep, 5000), 0);
    t = proc_read_file(p);
    ASSERT_MATCH(t, "^[0-9:]{8} Listening on \"help.message\" in group \"NATS-RPLY-22\"\n"
                    "[0-9:]{8} \\[#0\\] Received on subject \"help.message\":\n\n问题\\?\n"
                    "[0-9:]{8} \\[#1\\] Received on subject \"help.message\":\n"
                    "[0-9:]{8} K: v1\n\nq\n$");
    append(log, sz, "reply", t);
    free(t);
    ASSERT_EQ(run_cli(r, "nores", NULL, &out, ARGS("req", "nobody.home", "x")), 0);
    ASSERT_MATCH(out, "^[0-9:]{8} Sending request on \"nobody.home\"\n"
                      "[0-9:]{8} No responders are available\n$");
    append(log, sz, "noresp", out);
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
    s = spawn(r, p, NULL, ARGS("sub", "t.>", "--count", "3"));
    wait_for_text(p, "Subscribing");
    ASSERT_EQ(run_cli(r, "pub", NULL, &out,
                      ARGS("pub", "t.x", "msg {{.Count}}/{{Cnt}}", "--count", "2", "-H",
                           "X-N: {{Count}}", "--reply", "r.1")), 0);
    append(log, sz, "pub", out);
    free(out);
    ASSERT_EQ(run_cli(r, "stdin", "from stdin\n", &out, ARGS("pub", "t.y")), 0);
    append(log, sz, "stdin", out);
    free(out);
    ASSERT_EQ(wait_exit(s, 5000), 0);
    t = proc_read_file(p);
    ASSERT_MATCH(t, "^[0-9:]{8} Subscribing on t.> \n"
                    "\\[#1\\] Received on \"t.x\" with reply \"r.1\"\nX-N: 1\n\nmsg 1/1\n\n"
                    "\\[#2\\] Received on \"t.x\" with reply \"r.1\"\nX-N: 2\n\nmsg 2/2\n\n"
                    "\\[#3\\] Received on \"t.y\"\nfrom stdin\n\n$");
    append(log, sz, "sub", t);
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
    a = spawn(r, p1, NULL, ARGS("sub", "work", "--queue", "wq", "--raw"));
    b = spawn(r, p2, NULL, ARGS("sub", "work", "--queue", "wq", "--raw"));
    usleep(300000);
    ASSERT_EQ(run_cli(r, "pub", NULL, &out, ARGS("pub", "work", "job", "--count", "10")), 0);
    free(out);
    usleep(200000);
    kill(a, SIGINT);
    kill(b, SIGINT);
    ASSERT_EQ(wait_exit(a, 5000), 0);
    ASSERT_EQ(wait_exit(b, 5000), 0);
    t1 = proc_read_file(p1);
    t2 = proc_read_file(p2);
    for (const char *c = t1; (c = strstr(c, "job")); c++)
        n++;
    for (const char *c = t2; (c = strstr(c, "job")); c++)
        n++;
    ASSERT_EQ(n, 10);
    append(log, sz, "queue", "10 delivered once\n");
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

    ASSERT_EQ(run_cli(r, "e1", NULL, &out, ARGS("pub", "--bogus", "x")), 1);
    ASSERT_STR_EQ(out, "nats: error: unknown long flag '--bogus', try --help\n");
    free(out);
    ASSERT_EQ(run_cli(r, "e2", NULL, &out, ARGS("sub")), 1);
    ASSERT_STR_EQ(out, "nats: error: subject is required\n");
    free(out);
    ASSERT_EQ(run_cli(r, "e3", NULL, &out, ARGS("pub", "x", "--count", "abc")), 1);
    ASSERT_STR_EQ(out, "nats: error: strconv.ParseInt: parsing \"abc\": invalid syntax, "
                       "try --help\n");
    free(out);
    ASSERT_EQ(run_cli(r, "e4", NULL, &out, ARGS("frobnicate")), 1);
    ASSERT_STR_EQ(out, "nats: error: expected command but got \"frobnicate\", try --help\n");
    free(out);
    snprintf(bad.url, sizeof(bad.url), "nats://127.0.0.1:%d", proc_free_port());
    ASSERT_EQ(run_cli(&bad, "e5", NULL, &out, ARGS("pub", "x", "y")), 1);
    ASSERT_STR_EQ(out, "nats: error: nats: no servers available for connection\n");
    append(log, sz, "errors", out);
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

    ASSERT_EQ(run_cli(r, "c1", NULL, &out,
                      ARGS("context", "save", "local", "--server", r->url, "--description",
                           "本地 server", "--select")), 0);
    ASSERT_MATCH(out, "^NATS Configuration Context \"local\"\n\n      Description: 本地 server\n"
                      "      Server URLs: nats://127.0.0.1:[0-9]+\n             Path: .*"
                      "/nats/context/local.json\n\n$");
    free(out);
    snprintf(path, sizeof(path), "%s/.config/nats/context/local.json", r->home);
    json = proc_read_file(path);
    ASSERT_MATCH(json, "^\\{\n  \"description\": \"本地 server\",\n  \"url\": \"nats://");
    free(json);
    snprintf(path, sizeof(path), "%s/.config/nats/context.txt", r->home);
    json = proc_read_file(path);
    ASSERT_STR_EQ(json, "local");
    free(json);
    ASSERT_EQ(run_cli(r, "c2", NULL, &out, ARGS("context", "save", "other")), 0);
    free(out);
    ASSERT_EQ(run_cli(r, "c3", NULL, &out, ARGS("context", "ls")), 0);
    ASSERT(strstr(out, "│ local*") && strstr(out, "│ other "));
    free(out);
    /* the selected context supplies the server when NATS_URL is not set */
    snprintf(bad.url, sizeof(bad.url), "%s", "");
    ASSERT_EQ(run_cli(&bad, "c4", NULL, &out, ARGS("pub", "ctx.test", "hi")), 0);
    ASSERT_MATCH(out, "Published 2 bytes to \"ctx.test\"\n$");
    free(out);
    ASSERT_EQ(run_cli(r, "c5", NULL, &out, ARGS("context", "rm", "local", "-f")), 1);
    ASSERT_STR_EQ(out, "nats: error: cannot remove the current active context\n");
    free(out);
    ASSERT_EQ(run_cli(r, "c6", NULL, &out, ARGS("context", "rm", "other", "-f")), 0);
    free(out);
    ASSERT_EQ(run_cli(r, "c7", NULL, &out, ARGS("context", "info", "other")), 1);
    ASSERT_STR_EQ(out, "nats: error: unknown context \"other\"\n");
    append(log, sz, "ctx", out);
    free(out);
}

TEST(cli_contexts)
{
    both(contexts);
}

/* ---------------------------------------------------------------- TLS */

static struct test_certs tls_certs;

static void tls_pub_sub(const struct run *r, char *log, size_t sz)
{
    char p[400];
    pid_t sub;
    char *out, *t;

    snprintf(p, sizeof(p), "%s/tls-sub.out", r->home);
    sub = spawn(r, p, NULL,
                ARGS("--tlsca", tls_certs.ca, "--tlscert", tls_certs.client, "--tlskey",
                     tls_certs.client_key, "sub", "secure", "--count", "1"));
    wait_for_text(p, "Subscribing");
    ASSERT_EQ(run_cli(r, "tls-pub", NULL, &out,
                      ARGS("--tlsca", tls_certs.ca, "--tlscert", tls_certs.client, "--tlskey",
                           tls_certs.client_key, "pub", "secure", "over TLS")),
              0);
    ASSERT_MATCH(out, "^[0-9:]{8} Published 8 bytes to \"secure\"\n$");
    append(log, sz, "pub", out);
    free(out);
    ASSERT_EQ(wait_exit(sub, 5000), 0);
    t = proc_read_file(p);
    ASSERT_MATCH(t, "^[0-9:]{8} Subscribing on secure \n\\[#1\\] Received on \"secure\"\n"
                    "over TLS\n\n$");
    append(log, sz, "sub", t);
    free(t);
}

TEST(cli_tls_mutual_pub_sub)
{
    if (certs_make(&tls_certs) != 0)
        test_fail(__FILE__, __LINE__, "could not make certificates with openssl");
    both_args(tls_pub_sub, ARGS("--tlsverify", "--tlscert", tls_certs.server, "--tlskey",
                                tls_certs.server_key, "--tlscacert", tls_certs.ca));
}
