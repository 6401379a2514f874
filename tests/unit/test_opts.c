/* Unit tests for src/server/opts.c, src/server/signal_cmd.c and src/core/units.c: every flag
 * form, defaults, units, the unsupported-feature check, and differential runs where our
 * opts_parse_args (in a forked child, stdout/stderr through pipes) and Debian's nats-server
 * get the same argv and must print the same bytes on the same streams with the same exit
 * code. Signals go to dummy children that report what they received through a pipe. */
#include "test.h"

#include "core/units.h"
#include "server/opts.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RUN_TIMEOUT_MS 4000
#define CODE_WOULD_RUN 99 /* our child's exit code when opts_parse_args said "run the server" */

/* ---------------------------------------------------------------- helpers */

/* Parses a NULL-terminated argument list (after argv[0]) in this process. */
static int parse(struct options *o, int *code, const char *const *args)
{
    char *argv[64];
    int argc = 0;

    argv[argc++] = (char *)"nats-server";
    for (; *args; args++)
        argv[argc++] = (char *)*args;
    argv[argc] = NULL;
    opts_init(o);
    return opts_parse_args(o, argc, argv, code);
}

static void release_cb(void *arg)
{
    opts_release(arg);
    free(arg);
}

/* Parses args into fresh heap options, released when the test ends; fails the test unless
 * opts_parse_args said "run the server". */
static struct options *parse_ok(const char *const *args)
{
    struct options *o = calloc(1, sizeof(*o));
    int code = -1, rc = parse(o, &code, args);

    test_on_cleanup(release_cb, o);
    ASSERT_EQ(rc, 0);
    ASSERT_EQ(code, 0);
    return o;
}

#define PARSE_OK(o, ...)                                                                           \
    do {                                                                                           \
        const char *const args_[] = {__VA_ARGS__, NULL};                                           \
        (o) = parse_ok(args_);                                                                     \
    } while (0)

struct run_result {
    int code; /* exit code, -1 killed by a signal, -2 timed out */
    char out[16384];
    size_t out_len;
    char err[16384];
    size_t err_len;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void append(char *buf, size_t *len, size_t cap, int fd, bool *open_)
{
    char tmp[4096];
    ssize_t n = read(fd, tmp, sizeof(tmp));

    if (n <= 0) {
        if (n == 0 || errno != EINTR)
            *open_ = false;
        return;
    }
    if ((size_t)n > cap - 1 - *len)
        n = (ssize_t)(cap - 1 - *len);
    memcpy(buf + *len, tmp, (size_t)n);
    *len += (size_t)n;
    buf[*len] = '\0';
}

/* Forks; the child gets stdout/stderr on pipes and runs fn(arg), which must _exit. Collects
 * both streams and the exit code; kills the child after RUN_TIMEOUT_MS. */
static void run_capture(struct run_result *r, void (*fn)(void *), void *arg)
{
    int po[2], pe[2], status = 0;
    bool oo = true, eo = true;
    int64_t deadline = now_ms() + RUN_TIMEOUT_MS;
    pid_t pid;

    memset(r, 0, sizeof(*r));
    ASSERT_OK(pipe(po));
    ASSERT_OK(pipe(pe));
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    ASSERT(pid >= 0);
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]);
        close(pe[0]);
        fn(arg);
        _exit(98);
    }
    close(po[1]);
    close(pe[1]);
    while (oo || eo) {
        struct pollfd pfd[2] = {{oo ? po[0] : -1, POLLIN, 0}, {eo ? pe[0] : -1, POLLIN, 0}};
        int left = (int)(deadline - now_ms());
        if (left <= 0 || poll(pfd, 2, left) == 0) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            close(po[0]);
            close(pe[0]);
            r->code = -2;
            return;
        }
        if (pfd[0].revents)
            append(r->out, &r->out_len, sizeof(r->out), po[0], &oo);
        if (pfd[1].revents)
            append(r->err, &r->err_len, sizeof(r->err), pe[0], &eo);
    }
    close(po[0]);
    close(pe[0]);
    waitpid(pid, &status, 0);
    r->code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

struct argv_list {
    const char *argv[32]; /* argv[0] = "nats-server", NULL-terminated */
    int argc;
    const char *bin;
};

static void our_child(void *arg)
{
    struct argv_list *al = arg;
    struct options o;
    int code = -1, rc;

    opts_init(&o);
    rc = opts_parse_args(&o, al->argc, (char **)al->argv, &code);
    fflush(stdout);
    fflush(stderr);
    _exit(rc == 1 ? code : CODE_WOULD_RUN);
}

static void ref_child(void *arg)
{
    struct argv_list *al = arg;
    execv(al->bin, (char **)al->argv);
    _exit(97);
}

static const char *ref_bin(void)
{
    static const char *const paths[] = {"/usr/sbin/nats-server", "/usr/bin/nats-server"};
    const char *env = getenv("NATS_REF_BIN");

    if (env && *env && access(env, X_OK) == 0)
        return env;
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        if (access(paths[i], X_OK) == 0)
            return paths[i];
    }
    return NULL;
}

static void make_argv(struct argv_list *al, const char *const *args)
{
    memset(al, 0, sizeof(*al));
    al->argv[al->argc++] = "nats-server";
    for (; *args; args++)
        al->argv[al->argc++] = *args;
}

static void run_ours(struct run_result *r, const char *const *args)
{
    struct argv_list al;
    make_argv(&al, args);
    run_capture(r, our_child, &al);
}

/* Prints a byte string with escapes, for failure messages. */
static void dump(const char *label, const char *s, size_t n)
{
    fprintf(stderr, "  %s (%zu bytes): \"", label, n);
    for (size_t i = 0; i < n && i < 400; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n')
            fputs("\\n", stderr);
        else if (c < 0x20 || c >= 0x7f)
            fprintf(stderr, "\\x%02x", c);
        else
            fputc(c, stderr);
    }
    fputs(n > 400 ? "...\"\n" : "\"\n", stderr);
}

static bool starts_with(const char *s, size_t n, const char *prefix, size_t pn)
{
    return n >= pn && memcmp(s, prefix, pn) == 0;
}

/* Sorts the lines of s in place (for --help_tls, whose list order is random in Go). */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *sorted_lines(const char *s)
{
    char *copy = strdup(s), *lines[512], *save = NULL, *out;
    size_t n = 0, len = 0;

    for (char *l = strtok_r(copy, "\n", &save); l && n < 512; l = strtok_r(NULL, "\n", &save))
        lines[n++] = l;
    qsort(lines, n, sizeof(lines[0]), cmp_str);
    out = calloc(1, strlen(s) + n + 2);
    for (size_t i = 0; i < n; i++)
        len += (size_t)sprintf(out + len, "%s\n", lines[i]);
    free(copy);
    return out;
}

/* Runs args through ours and the reference and compares. Our usage adds the natrium section
 * after the reference's text, our version adds "(natrium x)", and --help_tls lists are
 * compared as sets: everything else must be identical. Returns false (after printing why). */
static bool same_as_ref(const char *bin, const char *const *args)
{
    struct run_result *ours = calloc(1, sizeof(*ours)), *ref = calloc(1, sizeof(*ref));
    struct argv_list al;
    bool ok = true, out_ok;
    char version[128];

    make_argv(&al, args);
    al.bin = bin;
    run_capture(ref, ref_child, &al);
    run_capture(ours, our_child, &al);
    snprintf(version, sizeof(version), "nats-server: v%s (natrium %s)\n", NS_REF_VERSION,
             NS_NATRIUM_VERSION);
    if (strcmp(ref->out, "nats-server: v" NS_REF_VERSION "\n") == 0) {
        out_ok = strcmp(ours->out, version) == 0;
    } else if (strncmp(ref->out, "\nUsage: nats-server", 19) == 0) {
        /* reference: usageStr + "\n"; ours: usageStr + natrium section + "\n" */
        out_ok = ref->out_len > 1 &&
                 starts_with(ours->out, ours->out_len, ref->out, ref->out_len - 1) &&
                 strstr(ours->out + ref->out_len - 1, "natrium Options:") &&
                 ours->out[ours->out_len - 1] == '\n' && ours->out[ours->out_len - 2] == '\n';
    } else if (strncmp(ref->out, "\nTLS configuration", 18) == 0) {
        char *a = sorted_lines(ref->out), *b = sorted_lines(ours->out);
        out_ok = strcmp(a, b) == 0;
        free(a);
        free(b);
    } else {
        out_ok = ours->out_len == ref->out_len && memcmp(ours->out, ref->out, ref->out_len) == 0;
    }
    if (!out_ok || ours->code != ref->code || ours->err_len != ref->err_len ||
        memcmp(ours->err, ref->err, ref->err_len) != 0) {
        fprintf(stderr, "differs from the reference for:");
        for (const char *const *a = args; *a; a++)
            fprintf(stderr, " '%s'", *a);
        fprintf(stderr, "\n  code ours=%d ref=%d\n", ours->code, ref->code);
        dump("ours stdout", ours->out, ours->out_len);
        dump("ref  stdout", ref->out, ref->out_len);
        dump("ours stderr", ours->err, ours->err_len);
        dump("ref  stderr", ref->err, ref->err_len);
        ok = false;
    }
    free(ours);
    free(ref);
    return ok;
}

/* ---------------------------------------------------------------- defaults and forms */

TEST(opts_defaults)
{
    struct options *op = calloc(1, sizeof(*op)), o;
    opts_init(op);
    test_on_cleanup(release_cb, op);
    o = *op;
    ASSERT_STR_EQ(o.host, "0.0.0.0");
    ASSERT_EQ(o.port, 4222);
    ASSERT(o.logtime);
    ASSERT(!o.debug && !o.trace && !o.trace_verbose && !o.syslog && !o.check_config);
    ASSERT(o.server_name == NULL && o.config_file == NULL && o.pid_file == NULL);
    ASSERT_EQ(o.max_control_line, 4096);
    ASSERT_EQ(o.max_payload, 1048576);
    ASSERT_EQ(o.max_pending, 67108864);
    ASSERT_EQ(o.max_connections, 65536);
    ASSERT_EQ(o.max_subs, 0);
    ASSERT_EQ(o.ping_interval_ms, 120000);
    ASSERT_EQ(o.ping_max, 2);
    ASSERT_EQ(o.write_deadline_ms, 10000);
    ASSERT_EQ(o.connect_timeout_ms, 2000);
    ASSERT_EQ(o.auth_timeout_ms, 2000);
    ASSERT_EQ(o.nloops, 0);
    ASSERT_EQ(o.http_port, 0);
    ASSERT(opts_unsupported(&o) == NULL);
}

TEST(opts_no_args_runs)
{
    struct options *o;
    PARSE_OK(o, NULL);
    ASSERT_EQ(o->port, 4222);
}

TEST(opts_value_forms)
{
    static const char *const forms[][3] = {
        {"-p", "4001", NULL},     {"--p", "4001", NULL},   {"-p=4001", NULL, NULL},
        {"--p=4001", NULL, NULL}, {"-port", "4001", NULL}, {"--port=4001", NULL, NULL},
        {"-p", "0x0fa1", NULL},   {"-p", "+4001", NULL},   {"-p", "4_001", NULL},
        {"-p", "07641", NULL},    {"-p", "0o7641", NULL},  {"-p", "0b111110100001", NULL},
    };
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        struct options o;
        int code = -1;
        ASSERT_EQ(parse(&o, &code, forms[i]), 0);
        ASSERT_EQ(o.port, 4001);
        opts_release(&o);
    }
}

TEST(opts_random_port_and_last_wins)
{
    struct options *o, *o2;
    PARSE_OK(o, "-p", "-1");
    ASSERT_EQ(o->port, RANDOM_PORT);
    PARSE_OK(o2, "-p", "1", "--port=2", "-a", "x", "--addr", "y", "-net=127.0.0.1");
    ASSERT_EQ(o2->port, 2);
    ASSERT_STR_EQ(o2->host, "127.0.0.1");
}

TEST(opts_value_may_look_like_a_flag)
{
    struct options *o;
    PARSE_OK(o, "-a", "-D", "--user", "--pass");
    ASSERT_STR_EQ(o->host, "-D");
    ASSERT_STR_EQ(o->username, "--pass");
    ASSERT(!o->debug);
}

TEST(opts_booleans)
{
    struct options *a, *b, *c, *d, *e;
    PARSE_OK(a, "-D", "-V");
    ASSERT(a->debug && a->trace && !a->trace_verbose && a->logtime);
    PARSE_OK(b, "--debug=true", "-trace=1", "-T=false");
    ASSERT(b->debug && b->trace && !b->logtime);
    PARSE_OK(c, "-D", "-D=false", "--logtime=F", "-T=T");
    ASSERT(!c->debug && c->logtime);
    PARSE_OK(d, "-s", "-t", "-js", "--no_advertise", "--tlsverify=TRUE", "--tls=True");
    ASSERT(d->syslog && d->check_config && d->jetstream && d->no_advertise && d->tls_verify &&
           d->tls);
    PARSE_OK(e, "--jetstream=0", "-syslog=f", "-t=FALSE");
    ASSERT(!e->jetstream && !e->syslog && !e->check_config);
}

TEST(opts_debug_trace_combinations)
{
    struct options *a, *b, *c, *d, *e;
    PARSE_OK(a, "-DV");
    ASSERT(a->debug && a->trace && !a->trace_verbose);
    PARSE_OK(b, "-VV");
    ASSERT(!b->debug && b->trace && b->trace_verbose);
    PARSE_OK(c, "--DVV");
    ASSERT(c->debug && c->trace && c->trace_verbose);
    /* as ConfigureOptions: the combined flags apply after the loop, whatever came later */
    PARSE_OK(d, "-DV", "-D=false", "-V=false");
    ASSERT(d->debug && d->trace);
    PARSE_OK(e, "-DV=false", "-VV=false");
    ASSERT(!e->debug && !e->trace && !e->trace_verbose);
}

TEST(opts_string_flags)
{
    struct options *o;
    PARSE_OK(o, "-n", "srv", "-P", "/tmp/x.pid", "--ports_file_dir", "/tmp", "-l", "log.txt", "-c",
             "a.conf", "--client_advertise", "h:1", "--user", "u", "--pass", "p", "--auth", "tok",
             "-r", "udp://h:514", "-sd", "/data", "--log_size_limit", "1000",
             "--max_traced_msg_len", "64", "-m", "8222", "-ms", "8223", "--profile", "6060",
             "--routes", "nats://a:1,nats://b:2", "--cluster", "nats://0.0.0.0:6222",
             "--cluster_name", "C", "--cluster_advertise", "adv:1", "--connect_retries", "3",
             "--tlscert", "c.pem", "--tlskey", "k.pem", "--tlscacert", "ca.pem");
    ASSERT_STR_EQ(o->server_name, "srv");
    ASSERT_STR_EQ(o->pid_file, "/tmp/x.pid");
    ASSERT_STR_EQ(o->ports_file_dir, "/tmp");
    ASSERT_STR_EQ(o->log_file, "log.txt");
    ASSERT_STR_EQ(o->config_file, "a.conf");
    ASSERT_STR_EQ(o->client_advertise, "h:1");
    ASSERT_STR_EQ(o->username, "u");
    ASSERT_STR_EQ(o->password, "p");
    ASSERT_STR_EQ(o->auth_token, "tok");
    ASSERT_STR_EQ(o->remote_syslog, "udp://h:514");
    ASSERT_STR_EQ(o->store_dir, "/data");
    ASSERT_EQ(o->log_size_limit, 1000);
    ASSERT_EQ(o->max_traced_msg_len, 64);
    ASSERT_EQ(o->http_port, 8222);
    ASSERT_EQ(o->https_port, 8223);
    ASSERT_EQ(o->prof_port, 6060);
    ASSERT_STR_EQ(o->routes, "nats://a:1,nats://b:2");
    ASSERT_STR_EQ(o->cluster_listen, "nats://0.0.0.0:6222");
    ASSERT_STR_EQ(o->cluster_name, "C");
    ASSERT_STR_EQ(o->cluster_advertise, "adv:1");
    ASSERT_EQ(o->connect_retries, 3);
    ASSERT_STR_EQ(o->tls_cert, "c.pem");
    ASSERT_STR_EQ(o->tls_key, "k.pem");
    ASSERT_STR_EQ(o->tls_ca_cert, "ca.pem");
}

TEST(opts_aliases)
{
    struct options *a, *b;
    PARSE_OK(a, "--name=x", "--pid", "p", "--log", "l", "--config", "c", "--http_port", "1",
             "--https_port", "2", "--remote_syslog", "r", "--store_dir", "s", "--cluster_listen",
             "nats://h:3");
    ASSERT_STR_EQ(a->server_name, "x");
    ASSERT_STR_EQ(a->pid_file, "p");
    ASSERT_STR_EQ(a->log_file, "l");
    ASSERT_STR_EQ(a->config_file, "c");
    ASSERT_EQ(a->http_port, 1);
    ASSERT_EQ(a->https_port, 2);
    ASSERT_STR_EQ(a->remote_syslog, "r");
    ASSERT_STR_EQ(a->store_dir, "s");
    ASSERT_STR_EQ(a->cluster_listen, "nats://h:3");
    PARSE_OK(b, "-server_name", "y", "-user=a=b", "-pass=");
    ASSERT_STR_EQ(b->server_name, "y");
    ASSERT_STR_EQ(b->username, "a=b");
    ASSERT_STR_EQ(b->password, "");
}

TEST(opts_stray_args_after_double_dash)
{
    const char *const args[] = {"-p", "5", "--", "-p", NULL};
    struct run_result *r = calloc(1, sizeof(*r));

    run_ours(r, args); /* in a child: it prints */
    ASSERT_EQ(r->code, 1);
    ASSERT_STR_EQ(r->err, "nats-server: unrecognized command: \"-p\"\n");
    ASSERT_EQ(r->out_len, 0);
    free(r);
}

TEST(opts_natrium_flags)
{
    struct options *o, *b;
    PARSE_OK(o, "--loops", "4", "--connect_timeout", "500ms", "--max_payload", "2MB",
             "--max_control_line=8k", "-max_pending", "1GiB", "--max_connections", "10",
             "--max_subs", "5", "--ping_interval", "1m30s", "--ping_max", "3", "--write_deadline",
             "5");
    ASSERT_EQ(o->nloops, 4);
    ASSERT_EQ(o->connect_timeout_ms, 500);
    ASSERT_EQ(o->max_payload, 2097152);
    ASSERT_EQ(o->max_control_line, 8000);
    ASSERT_EQ(o->max_pending, 1073741824);
    ASSERT_EQ(o->max_connections, 10);
    ASSERT_EQ(o->max_subs, 5);
    ASSERT_EQ(o->ping_interval_ms, 90000);
    ASSERT_EQ(o->ping_max, 3);
    ASSERT_EQ(o->write_deadline_ms, 5000);
    PARSE_OK(b, "--connect_timeout=0", "--loops=0");
    ASSERT_EQ(b->connect_timeout_ms, 0);
    ASSERT_EQ(b->nloops, 0);
}

TEST(opts_natrium_flag_errors)
{
    static const struct {
        const char *args[3];
        const char *err;
    } cases[] = {
        {{"--loops", "abc"}, "invalid value \"abc\" for flag -loops: parse error\n"},
        {{"--loops", "-1"}, "invalid value \"-1\" for flag -loops: parse error\n"},
        {{"--connect_timeout", "2x"},
         "invalid value \"2x\" for flag -connect_timeout: parse error\n"},
        {{"--connect_timeout", "-2s"},
         "invalid value \"-2s\" for flag -connect_timeout: parse error\n"},
        {{"--max_payload", "1XB"}, "invalid value \"1XB\" for flag -max_payload: parse error\n"},
        {{"--max_pending=-5"}, "invalid value \"-5\" for flag -max_pending: parse error\n"},
        {{"--ping_max"}, "flag needs an argument: -ping_max\n"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct run_result *r = calloc(1, sizeof(*r));
        run_ours(r, cases[i].args);
        ASSERT_EQ(r->code, 0);
        ASSERT_STR_EQ(r->err, cases[i].err);
        ASSERT(strstr(r->out, "natrium Options:"));
        free(r);
    }
}

TEST(opts_usage_documents_natrium_flags)
{
    static const char *const names[] = {
        "--loops",       "--connect_timeout", "--max_payload", "--max_control_line",
        "--max_pending", "--max_connections", "--max_subs",    "--ping_interval",
        "--ping_max",    "--write_deadline"};
    const char *const args[] = {"-h", NULL};
    struct run_result *r = calloc(1, sizeof(*r));
    const char *sec;

    run_ours(r, args);
    ASSERT_EQ(r->code, 0);
    ASSERT_EQ(r->err_len, 0);
    sec = strstr(r->out, "\nnatrium Options:\n");
    ASSERT(sec != NULL);
    ASSERT(strstr(r->out, "--help_tls                   TLS help\n\nnatrium Options:") != NULL);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        ASSERT(strstr(sec, names[i]) != NULL);
    free(r);
}

/* ---------------------------------------------------------------- unsupported features */

TEST(opts_unsupported_features)
{
    static const struct {
        const char *args[3];
        const char *needle;
    } cases[] = {
        {{"--routes", "nats://a:1"}, "clustering"},
        {{"--cluster", "nats://0.0.0.0:6222"}, "clustering"},
        {{"-js"}, "JetStream"},
        {{"-s"}, "syslog (-s"},
        {{"-r", "udp://h:514"}, "remote syslog"},
        {{"--profile", "6060"}, "profiling"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct options o;
        int code = -1;
        const char *msg;
        ASSERT_EQ(parse(&o, &code, cases[i].args), 0);
        msg = opts_unsupported(&o);
        ASSERT(msg != NULL);
        ASSERT(strstr(msg, cases[i].needle) != NULL);
        ASSERT(strstr(msg, "is not supported yet") != NULL);
        opts_release(&o);
    }
}

TEST(opts_supported_flags_not_flagged)
{
    struct options *o;
    PARSE_OK(o, "-c", "x.conf", "-t", "--cluster_name", "C", "-sd", "/d", "-js=false", "-m", "8222",
             "-ms", "8443", "--tls=false", "--tlscert", "c.pem", "--client_advertise", "h:1", "--no_advertise");
    ASSERT(opts_unsupported(o) == NULL);
    ASSERT(o->tls_cert == NULL); /* "-tls=false" disables the other TLS flags, as the reference */
    ASSERT_STR_EQ(opts_unsupported(o) ? "flagged" : "ok", "ok");
}

TEST(opts_tls_flags_are_supported)
{
    struct options *o;
    PARSE_OK(o, "-js", "--routes", "nats://a:1", "--tls");
    ASSERT_STR_EQ(opts_unsupported(o), "clustering (--cluster, --routes) is not supported yet");
    ASSERT(o->tls_flags_override && !o->tls_flags_disabled);
}

TEST(opts_tls_flags_resolve)
{
    struct options *o;
    char err[512];

    PARSE_OK(o, "--tls");
    ASSERT_EQ(opts_resolve_tls(o, err, sizeof(err)), -1);
    ASSERT_STR_EQ(err, "TLS Server certificate must be present and valid");

    PARSE_OK(o, "--tlsverify", "--tlscert", "c.pem");
    ASSERT_EQ(opts_resolve_tls(o, err, sizeof(err)), -1);
    ASSERT_STR_EQ(err, "TLS Server private key must be present and valid");

    PARSE_OK(o, "--tlscert", "/nonexistent/c.pem", "--tlskey", "k.pem");
    ASSERT_EQ(opts_resolve_tls(o, err, sizeof(err)), -1);
    ASSERT_STR_EQ(err, "error parsing X509 certificate/key pair: open /nonexistent/c.pem: no "
                       "such file or directory");

    /* "-tls=false" wins over everything, a config file's tls block included */
    PARSE_OK(o, "--tlscert", "c.pem", "-tls=false");
    o->tlsc.enabled = true;
    ASSERT_OK(opts_resolve_tls(o, err, sizeof(err)));
    ASSERT(!o->tlsc.enabled);

    /* no TLS flag: the config's block stays */
    PARSE_OK(o, "-p", "1");
    o->tlsc.enabled = true;
    o->tlsc.timeout_ms = 700;
    ASSERT_OK(opts_resolve_tls(o, err, sizeof(err)));
    ASSERT(o->tlsc.enabled);
    ASSERT_EQ(o->tlsc.timeout_ms, 700);
}

/* ---------------------------------------------------------------- help, version */

TEST(opts_version_text)
{
    const char *const forms[][2] = {
        {"-v", NULL}, {"--version", NULL}, {"version", NULL}, {"VeRsIoN", NULL}};
    for (size_t i = 0; i < 4; i++) {
        struct run_result *r = calloc(1, sizeof(*r));
        run_ours(r, forms[i]);
        ASSERT_EQ(r->code, 0);
        ASSERT_STR_EQ(r->out, "nats-server: v2.9.10 (natrium 0.1.0)\n");
        ASSERT_EQ(r->err_len, 0);
        free(r);
    }
}

TEST(opts_help_tls_text)
{
    const char *const args[] = {"--help_tls", NULL};
    struct run_result *r = calloc(1, sizeof(*r));
    run_ours(r, args);
    ASSERT_EQ(r->code, 0);
    ASSERT(strncmp(r->out, "\nTLS configuration is specified", 31) == 0);
    ASSERT(strstr(r->out, "Available cipher suites include:\n    TLS_") != NULL);
    ASSERT(strstr(r->out, "\nAvailable curve preferences include:\n") != NULL);
    free(r);
}

/* ---------------------------------------------------------------- against the reference */

TEST(opts_diff_reference_usage_errors)
{
    static const char *const cases[][6] = {
        {"--foo"},
        {"-foo=bar"},
        {"-x", "-v"},
        {"-v", "--foo"},
        {"-p", "abc"},
        {"-p"},
        {"-p="},
        {"--port", "99999999999999999999"},
        {"-p", "0x"},
        {"-p", "1__0"},
        {"-p", "_1"},
        {"-p", "1_"},
        {"-p", " 5"},
        {"-p", "5 "},
        {"-p", "08"},
        {"-p", "a\tb\"c\\d\x01"},
        {"-p", "\xc3\xa9t\xc3\xa9"},
        {"-p", "\xff"},
        {"--log_size_limit", "1k"},
        {"--max_traced_msg_len", "-"},
        {"--connect_retries", "1.5"},
        {"-D=maybe"},
        {"-D="},
        {"-T=yes"},
        {"-DV=tRue"},
        {"---p", "5"},
        {"-=x"},
        {"--=x"},
        {"-c"},
        {"-sl"},
        {"--signal"},
        {"-a"},
        {"--user"},
        {"-p", "1", "--routes"},
    };
    const char *bin = ref_bin();
    int bad = 0;

    if (!bin) {
        printf("reference nats-server not installed: skipped\n");
        return;
    }
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        bad += !same_as_ref(bin, cases[i]);
    ASSERT_EQ(bad, 0);
}

TEST(opts_diff_reference_commands)
{
    static const char *const cases[][6] = {
        {"foo"},
        {"-p", "4222", "foo"},
        {"foo", "version"},
        {"-"},
        {"--", "-p"},
        {"-D", "false"},
        {"help_tls"},
        {"-help=false", "foo"},
        {"x\ty"},
        {"version"},
        {"VERSION"},
        {"help"},
        {"HELP", "bar"},
        {"-h"},
        {"--help"},
        {"-h", "foo"},
        {"-v"},
        {"--version"},
        {"-v", "-h"},
        {"-h", "-v"},
        {"-v", "foo"},
        {"-h", "--help_tls"},
        {"--help_tls", "-h"},
        {"-v", "--help_tls"},
        {"--help_tls"},
        {"--help_tls", "foo"},
        {"-sl", "bogus=1", "-h"},
        {"-sl", "bogus=1", "version"},
        {"-sl", "bogus=1", "foo"},
    };
    const char *bin = ref_bin();
    int bad = 0;

    if (!bin) {
        printf("reference nats-server not installed: skipped\n");
        return;
    }
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        bad += !same_as_ref(bin, cases[i]);
    ASSERT_EQ(bad, 0);
}

TEST(opts_diff_reference_signal_errors)
{
    static const char *const cases[][4] = {
        {"-sl", "a=b=c"},
        {"-sl", "a=b=c=d"},
        {"--signal", "a=b="},
        {"-sl", "reload=abc"},
        {"-sl", "reload=12x"},
        {"--signal=quit=1x"},
        {"-sl", "reload=99999999999999999999"},
        {"-sl", "foo=1"},
        {"-sl", "=123"},
        {"-sl", "RELOAD=1"},
        {"-sl", "reload=2147483647"},
        {"-sl", "stop=2147483646"},
        {"-sl", "reload=/nonexistent/nats.pid"},
        {"-sl", "bogus=1", "-c", "/nonexistent"},
        {"-c", "/nonexistent", "-sl", "bogus=1"},
        {"-t", "-sl", "bogus=1"},
    };
    const char *bin = ref_bin();
    int bad = 0;

    if (!bin) {
        printf("reference nats-server not installed: skipped\n");
        return;
    }
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        bad += !same_as_ref(bin, cases[i]);
    ASSERT_EQ(bad, 0);
}

TEST(opts_diff_reference_pid_file)
{
    char path[64], arg[96];
    const char *const args[] = {"-sl", arg, NULL};
    const char *bin = ref_bin();
    int fd;

    if (!bin) {
        printf("reference nats-server not installed: skipped\n");
        return;
    }
    snprintf(path, sizeof(path), "/tmp/ns_opts_pid_XXXXXX");
    fd = mkstemp(path);
    ASSERT(fd >= 0);
    ASSERT_EQ(write(fd, "12x", 3), 3); /* no newline: the reference keeps it in the message */
    close(fd);
    snprintf(arg, sizeof(arg), "reload=%s", path);
    bool ok = same_as_ref(bin, args);
    unlink(path);
    ASSERT(ok);
}

/* ---------------------------------------------------------------- signals */

struct dummy {
    pid_t pid;
    int rfd; /* the child writes one byte per signal it receives */
};

static void dummy_stop(void *arg)
{
    struct dummy *d = arg;
    if (d->pid > 0) {
        kill(d->pid, SIGKILL);
        waitpid(d->pid, NULL, 0);
        d->pid = 0;
    }
    if (d->rfd >= 0)
        close(d->rfd);
    d->rfd = -1;
}

static int dummy_wfd = -1; /* the child's end of its pipe (the child's own copy) */

static void dummy_handler(int sig)
{
    unsigned char b = (unsigned char)sig;
    ssize_t n = write(dummy_wfd, &b, 1);
    (void)n;
}

/* Starts a child named name (its /proc comm) that reports each signal it gets. */
static void dummy_start(struct dummy *d, const char *name)
{
    int p[2];
    char c;

    ASSERT_OK(pipe(p));
    fflush(stdout);
    fflush(stderr);
    d->pid = fork();
    ASSERT(d->pid >= 0);
    if (d->pid == 0) {
        static const int sigs[] = {SIGHUP, SIGINT, SIGTERM, SIGUSR1, SIGUSR2};
        struct sigaction sa;

        close(p[0]);
        dummy_wfd = p[1];
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        prctl(PR_SET_NAME, name);
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = dummy_handler;
        for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
            sigaction(sigs[i], &sa, NULL);
        c = 'R';
        if (write(p[1], &c, 1) != 1)
            _exit(1);
        for (int i = 0; i < 200; i++) /* 20 s at most */
            usleep(100 * 1000);
        _exit(0);
    }
    close(p[1]);
    d->rfd = p[0];
    test_on_cleanup(dummy_stop, d);
    ASSERT_EQ(read(d->rfd, &c, 1), 1);
    ASSERT_EQ(c, 'R');
}

/* The next signal the dummy reports, or -1 after 3 s. */
static int dummy_next_signal(struct dummy *d)
{
    struct pollfd pfd = {d->rfd, POLLIN, 0};
    unsigned char b;

    if (poll(&pfd, 1, 3000) != 1 || read(d->rfd, &b, 1) != 1)
        return -1;
    return b;
}

/* A process name no other process on this machine has (comm is at most 15 chars). */
static void unique_name(char *buf, size_t n)
{
    snprintf(buf, n, "nsopt%d", (int)getpid() % 1000000);
}

TEST(signal_commands_by_pid)
{
    static const struct {
        const char *cmd;
        int sig;
    } cases[] = {
        {"reload", SIGHUP}, {"reopen", SIGUSR1}, {"ldm", SIGUSR2},
        {"quit", SIGINT},   {"term", SIGTERM},
    };
    /* static: the cleanup registered by dummy_start runs after this frame is gone */
    static struct dummy d;
    d = (struct dummy){0, -1};
    char name[16], arg[64];

    unique_name(name, sizeof(name));
    dummy_start(&d, name);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(arg, sizeof(arg), "%s=%d", cases[i].cmd, (int)d.pid);
        ASSERT_EQ(opts_send_signal(arg), 0);
        ASSERT_EQ(dummy_next_signal(&d), cases[i].sig);
    }
}

TEST(signal_stop_is_sigkill)
{
    /* static: the cleanup registered by dummy_start runs after this frame is gone */
    static struct dummy d;
    d = (struct dummy){0, -1};
    char name[16], arg[64];
    int status = 0;

    unique_name(name, sizeof(name));
    dummy_start(&d, name);
    snprintf(arg, sizeof(arg), "stop=%d", (int)d.pid);
    ASSERT_EQ(opts_send_signal(arg), 0);
    ASSERT_EQ(waitpid(d.pid, &status, 0), d.pid);
    d.pid = 0;
    ASSERT(WIFSIGNALED(status));
    ASSERT_EQ(WTERMSIG(status), SIGKILL);
}

TEST(signal_via_pid_file)
{
    /* static: the cleanup registered by dummy_start runs after this frame is gone */
    static struct dummy d;
    d = (struct dummy){0, -1};
    char name[16], path[64], arg[96], text[32];
    int fd;

    unique_name(name, sizeof(name));
    dummy_start(&d, name);
    snprintf(path, sizeof(path), "/tmp/ns_opts_pid_XXXXXX");
    fd = mkstemp(path);
    ASSERT(fd >= 0);
    snprintf(text, sizeof(text), "%d\n", (int)d.pid); /* trailing newline tolerated */
    ASSERT_EQ(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    snprintf(arg, sizeof(arg), "reload=%s", path);
    int rc = opts_send_signal(arg);
    unlink(path);
    ASSERT_EQ(rc, 0);
    ASSERT_EQ(dummy_next_signal(&d), SIGHUP);
}

TEST(signal_via_parse_args)
{
    /* static: the cleanup registered by dummy_start runs after this frame is gone */
    static struct dummy d;
    d = (struct dummy){0, -1};
    struct options o;
    char name[16], arg[64];
    int code = -1;

    unique_name(name, sizeof(name));
    dummy_start(&d, name);
    snprintf(arg, sizeof(arg), "ldm=%d", (int)d.pid);
    const char *const args[] = {"--signal", arg, NULL};
    ASSERT_EQ(parse(&o, &code, args), 1);
    opts_release(&o);
    ASSERT_EQ(code, 0);
    ASSERT_EQ(dummy_next_signal(&d), SIGUSR2);
}

TEST(signal_by_process_name)
{
    /* static: the cleanup registered by dummy_start runs after this frame is gone */
    static struct dummy d;
    d = (struct dummy){0, -1};
    char name[16];

    unique_name(name, sizeof(name));
    dummy_start(&d, name);
    ASSERT_EQ(opts_send_signal_to("reopen", name), 0);
    ASSERT_EQ(dummy_next_signal(&d), SIGUSR1);
}

struct named_call {
    const char *arg;
    const char *name;
};

static void named_child(void *arg)
{
    struct named_call *nc = arg;
    _exit(opts_send_signal_to(nc->arg, nc->name));
}

TEST(signal_by_process_name_errors)
{
    static struct dummy d1, d2; /* static: see above */
    d1 = (struct dummy){0, -1};
    d2 = (struct dummy){0, -1};
    struct named_call nc = {"reload", NULL};
    struct run_result *r = calloc(1, sizeof(*r));
    char name[16], want[128];

    unique_name(name, sizeof(name));
    nc.name = name;
    run_capture(r, named_child, &nc);
    ASSERT_EQ(r->code, 1);
    ASSERT_STR_EQ(r->err, "nats-server: no nats-server processes running\n");

    dummy_start(&d1, name);
    dummy_start(&d2, name);
    run_capture(r, named_child, &nc);
    ASSERT_EQ(r->code, 1);
    snprintf(want, sizeof(want), "nats-server: multiple nats-server processes running:\n%d\n%d\n",
             (int)(d1.pid < d2.pid ? d1.pid : d2.pid), (int)(d1.pid < d2.pid ? d2.pid : d1.pid));
    ASSERT_STR_EQ(r->err, want);
    ASSERT_EQ(r->out_len, 0);

    /* an unknown command is reported once the target is known, and nothing is sent */
    nc.arg = "bogus";
    dummy_stop(&d2);
    run_capture(r, named_child, &nc);
    ASSERT_EQ(r->code, 1);
    ASSERT_STR_EQ(r->err, "nats-server: unknown signal \"bogus\"\n");
    free(r);
}

TEST(signal_refuses_pid_zero_and_negative)
{
    static const char *const args[] = {"reload=0", "reload=-1", "stop=-1", "reload=+0"};
    for (size_t i = 0; i < sizeof(args) / sizeof(args[0]); i++) {
        struct named_call nc = {args[i], "nsopt-none"};
        struct run_result *r = calloc(1, sizeof(*r));
        char want[64];
        run_capture(r, named_child, &nc);
        ASSERT_EQ(r->code, 1);
        snprintf(want, sizeof(want), "nats-server: invalid pid: %s\n", strchr(args[i], '=') + 1);
        ASSERT_STR_EQ(r->err, want);
        free(r);
    }
}

/* ---------------------------------------------------------------- units */

TEST(units_durations)
{
    static const struct {
        const char *s;
        int64_t ms;
    } ok[] = {
        {"0", 0},
        {"2s", 2000},
        {"500ms", 500},
        {"1m30s", 90000},
        {"2m", 120000},
        {"1h", 3600000},
        {"1.5s", 1500},
        {"1.5h", 5400000},
        {".5s", 500},
        {"1.s", 1000},
        {"30", 30000},
        {"+5s", 5000},
        {"-2s", -2000},
        {"1500us", 1},
        {"999999ns", 0},
        {"1h2m3.5s", 3723500},
        {"-0", 0},
        {"+0", 0},
        {"10\xc2\xb5s", 0},
        {"2000000\xce\xbcs", 2000},
        {"0s", 0},
        {"1ms1ms", 2},
        {"2562047h", 9223369200000LL},
    };
    static const char *const bad[] = {
        "",    "s",   "2x",  "1sec",     "2S",   ".s",   "-",
        "1.5", " 2s", "2s ", "2562048h", "1e3s", "--2s", "1h-2m",
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        int64_t v = -12345;
        if (units_parse_duration_ms(ok[i].s, &v) != 0 || v != ok[i].ms)
            test_fail(__FILE__, __LINE__, "duration \"%s\": rc or value %lld != %lld", ok[i].s,
                      (long long)v, (long long)ok[i].ms);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t v = -12345;
        if (units_parse_duration_ms(bad[i], &v) != -1 || v != -12345)
            test_fail(__FILE__, __LINE__, "duration \"%s\" should be rejected", bad[i]);
    }
    int64_t v = 0;
    ASSERT_OK(units_parse_duration_ms("2", &v));
    ASSERT_EQ(v, 2000);
    ASSERT_EQ(units_parse_duration_ms(NULL, &v), -1);
}

TEST(units_sizes)
{
    static const struct {
        const char *s;
        int64_t v;
    } ok[] = {
        {"0", 0},
        {"100", 100},
        {"1k", 1000},
        {"1K", 1000},
        {"1kb", 1024},
        {"1KB", 1024},
        {"1Ki", 1024},
        {"1kib", 1024},
        {"2m", 2000000},
        {"2MB", 2097152},
        {"2mi", 2097152},
        {"2MiB", 2097152},
        {"1g", 1000000000},
        {"1gb", 1073741824LL},
        {"1GiB", 1073741824LL},
        {"1t", 1000000000000LL},
        {"1tb", 1099511627776LL},
        {"1p", 1000000000000000LL},
        {"1pb", 1125899906842624LL},
        {"1e", 1000000000000000000LL},
        {"1eb", 1152921504606846976LL},
        {"-1", -1},
        {"-2k", -2000},
        {"64 MB", 67108864},
        {"8mb ", 8388608},
        {"9223372036854775807", INT64_MAX},
    };
    static const char *const bad[] = {
        "",    "k",   "1x", "1kbb", "1.5mb", "+1", " 1", "1 2", "9223372036854775808",
        "8eb", "10e", "1-", "--1",  "0x10",
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        int64_t v = -12345;
        if (units_parse_size(ok[i].s, &v) != 0 || v != ok[i].v)
            test_fail(__FILE__, __LINE__, "size \"%s\": value %lld != %lld", ok[i].s, (long long)v,
                      (long long)ok[i].v);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t v = -12345;
        if (units_parse_size(bad[i], &v) != -1 || v != -12345)
            test_fail(__FILE__, __LINE__, "size \"%s\" should be rejected", bad[i]);
    }
}

TEST(units_format)
{
    static const struct {
        int64_t ms;
        const char *s;
    } cases[] = {
        {0, "0s"},          {1, "1ms"},          {500, "500ms"},
        {999, "999ms"},     {1000, "1s"},        {1500, "1.5s"},
        {1250, "1.25s"},    {1001, "1.001s"},    {2000, "2s"},
        {59999, "59.999s"}, {60000, "1m0s"},     {90000, "1m30s"},
        {120000, "2m0s"},   {3600000, "1h0m0s"}, {3723500, "1h2m3.5s"},
        {-2000, "-2s"},     {-500, "-500ms"},    {86400000, "24h0m0s"},
    };
    char buf[32];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int n = units_format_duration(cases[i].ms, buf, sizeof(buf));
        ASSERT_STR_EQ(buf, cases[i].s);
        ASSERT_EQ(n, (int)strlen(cases[i].s));
    }
    ASSERT_EQ(units_format_duration(3723500, NULL, 0), 8);
    ASSERT_EQ(units_format_duration(3723500, buf, 4), 8);
    ASSERT_STR_EQ(buf, "1h2");
    ASSERT(units_format_duration(INT64_MIN, buf, sizeof(buf)) > 0);
    ASSERT(units_format_duration(INT64_MAX, buf, sizeof(buf)) > 0);
}

TEST(opts_go_quote_like_go)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"", "\"\""},
        {"abc", "\"abc\""},
        {"a\"b\\c", "\"a\\\"b\\\\c\""},
        {"\t\n\r\a\b\f\v", "\"\\t\\n\\r\\a\\b\\f\\v\""},
        {"\x01\x7f", "\"\\x01\\x7f\""},
        {"\xc3\xa9", "\"\xc3\xa9\""},
        {"\xff", "\"\\xff\""},
        {"\xc3", "\"\\xc3\""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *q = opts_go_quote(cases[i].in);
        ASSERT_STR_EQ(q, cases[i].out);
        free(q);
    }
}
