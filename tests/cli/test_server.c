/* `nats server info|list|ping|check connection` and `nats account info` (natscli v0.0.35
 * output) against the reference and natrium. The system-account scenarios start the servers
 * with an accounts + system_account config: natrium refuses that config until it has a
 * system account, which the harness turns into a SKIP (the reference still runs first, so
 * its expectations are checked). Outputs are compared after normalising ids, times, sizes
 * and the counters that legitimately differ. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "clirun.h"
#include "proc.h"
#include "test.h"

#define SYS_CONF                                                                                  \
    "accounts { SYS { users: [{user: sys, password: sys}] }, "                                  \
    "APP { users: [{user: a, password: a}] } }\nsystem_account: SYS\n"

#define NO_SYS_ERR                                                                                \
    "nats: error: no results received, ensure the account used has system privileges and "      \
    "appropriate permissions\n"
#define PING_503                                                                                  \
    "503 status from $SYS.REQ.SERVER.PING, ensure a system account is used with appropriate "   \
    "permissions\n"

/* Labels whose values differ between servers and runs (memory, uptime, counters). */
static const char *const masked_labels[] = {
    "Git Commit:", "Go Version:", "Start Time:", "Uptime:", "CPU Cores:", "Memory:",
    "Subscriptions:", "Msgs:", "Bytes:", "Client URLs:", "RTT:", "Client ID:"};

/* Table columns masked in "server list" (Subs, Mem, CPU, Uptime, RTT). */
static bool masked_column(int col)
{
    return col == 7 || col == 10 || col == 11 || col == 13 || col == 14;
}

static void sb(char **o, size_t *j, const char *s, size_t n)
{
    memcpy(*o + *j, s, n);
    *j += n;
}

/* Line-wise normalisation on top of cli_normalise: server ids, masked labels, table cells
 * (trimmed, some masked), box rules, "rtt=" values, perf data numbers. */
static char *norm(const char *text, int port)
{
    char *base = cli_normalise(text, port), *o = calloc(1, strlen(base) * 2 + 64);
    size_t j = 0;
    char *save = NULL;

    for (char *ln = strtok_r(base, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
        char line[4096];
        size_t k = 0;
        /* server ids: 56 upper-case letters/digits starting with N */
        for (size_t i = 0; ln[i] && k < sizeof(line) - 16;) {
            if (ln[i] == 'N' && strspn(ln + i, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == 56) {
                memcpy(line + k, "SERVERID", 8);
                k += 8;
                i += 56;
            } else {
                line[k++] = ln[i++];
            }
        }
        line[k] = '\0';
        bool done = false;
        for (size_t m = 0; m < sizeof(masked_labels) / sizeof(masked_labels[0]) && !done; m++) {
            char *at = strstr(line, masked_labels[m]);
            if (at) {
                sb(&o, &j, line, (size_t)(at - line) + strlen(masked_labels[m]));
                sb(&o, &j, " *\n", 3);
                done = true;
            }
        }
        if (done)
            continue;
        if (strncmp(line, "╭", 3) == 0 || strncmp(line, "├", 3) == 0 ||
            strncmp(line, "╰", 3) == 0) {
            sb(&o, &j, "RULE\n", 5);
            continue;
        }
        if (strncmp(line, "│", 3) == 0) {
            int col = 0;
            char *c = line + 3;
            sb(&o, &j, "|", 1);
            while (*c) {
                char *end = strstr(c, "│");
                size_t n = end ? (size_t)(end - c) : strlen(c);
                while (n > 0 && c[0] == ' ') {
                    c++;
                    n--;
                }
                while (n > 0 && c[n - 1] == ' ')
                    n--;
                col++;
                if (masked_column(col) && n > 0)
                    sb(&o, &j, "*", 1);
                else
                    sb(&o, &j, c, n);
                sb(&o, &j, "|", 1);
                if (!end)
                    break;
                c = end + 3;
            }
            sb(&o, &j, "\n", 1);
            continue;
        }
        char *r = strstr(line, "rtt=");
        if (r) {
            sb(&o, &j, line, (size_t)(r - line));
            sb(&o, &j, "rtt=RTT\n", 8);
            continue;
        }
        char *mx = strstr(line, "replies max:");
        if (mx) {
            sb(&o, &j, line, (size_t)(mx - line));
            sb(&o, &j, "replies max: *\n", 15);
            continue;
        }
        sb(&o, &j, line, strlen(line));
        sb(&o, &j, "\n", 1);
    }
    free(base);
    return o;
}

struct srv {
    const char *bin;
    struct server_proc sp;
    struct run sys, app, plain;
};

static void log_run(char *log, size_t sz, const char *tag, int rc, const char *out,
                    const char *err)
{
    char t[128];

    snprintf(t, sizeof(t), "%s rc=%d stdout", tag, rc);
    cli_log_append(log, sz, t, out);
    snprintf(t, sizeof(t), "%s stderr", tag);
    cli_log_append(log, sz, t, err);
}

#define INFO_RE                                                                                   \
    "^Server information for (N[A-Z0-9]{55})\n\nProcess Details:\n\n"                             \
    "         Version: 2\\.9\\.10\n      Git Commit: [^\n]*\n      Go Version: [^\n]*\n"          \
    "      Start Time: [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)? "         \
    "[-+][0-9]{4} [A-Z]+\n          Uptime: [0-9.smhdy]+\n\n"                                      \
    "Connection Details:\n\n   Auth Required: true\n    TLS Required: false\n"                   \
    "            Host: 127\\.0\\.0\\.1:[0-9]+\n     Client URLs: [^\n]*\n\n"                      \
    "Limits:\n\n        Max Conn: 65536\n        Max Subs: 0\n     Max Payload: 1\\.0 MiB\n"      \
    "     TLS Timeout: 2s\n  Write Deadline: 10s\n\n"                                             \
    "Statistics:\n\n       CPU Cores: [0-9]+ [0-9]+\\.[0-9]{2}%\n"                                \
    "          Memory: [0-9.]+ [KMG]iB\n     Connections: 1\n   Subscriptions: [0-9,]+\n"         \
    "            Msgs: [0-9,]+ in [0-9,]+ out\n"                                                   \
    "           Bytes: [0-9.]+ (B|KiB|MiB) in [0-9.]+ (B|KiB|MiB) out\n  Slow Consumers: 0\n\n$"

#define LIST_RE                                                                                   \
    "^╭(─)+╮\n│ +Server Overview +│\n├[─┬]+┤\n"                                                       \
    "│ Name +│ Cluster +│ IP +│ Version │ JS │ Conns │ Subs │ Routes │ GWs │ Mem +│ CPU +│ Slow │" \
    " Uptime │ RTT +│\n├[─┼]+┤\n"                                                                 \
    "│ N[A-Z0-9]{55} │ +│ 127\\.0\\.0\\.1 +│ 2\\.9\\.10 +│ no │ +1 │ +[0-9]+ │ 0 +│ 0 +│ "           \
    "[0-9.]+ [KMG]iB │ [0-9]+\\.[0-9] │ +0 │ [0-9.smhdy]+ +│ [0-9.]+(ns|µs|ms|s) +│\n"            \
    "├[─┼]+┤\n"                                                                                    \
    "│ +│ 0 Clusters │ 1 Servers +│ +│ 0 +│ +1 │ +[0-9]+ │ +│ +│ [0-9.]+ [KMG]iB │ +│ +0 │ +│ +│\n" \
    "╰[─┴]+╯\n$"

static void sys_scenario(struct srv *s, char *log, size_t sz)
{
    char *out, *err, id[64] = "", re[512];
    int rc;

    /* server info, all servers (PING.VARZ) */
    rc = cli_run2(&s->sys, "info", &out, &err, ARGS("server", "info"));
    ASSERT_EQ(rc, 0);
    ASSERT_STR_EQ(err, "");
    ASSERT_MATCH(out, INFO_RE);
    snprintf(id, sizeof(id), "%.56s", out + strlen("Server information for "));
    log_run(log, sz, "info", rc, out, err);
    free(out);
    free(err);
    /* by id ($SYS.REQ.SERVER.<id>.VARZ), then by name (the name is the id here) */
    rc = cli_run2(&s->sys, "info_id", &out, &err, ARGS("server", "info", id));
    ASSERT_EQ(rc, 0);
    ASSERT_MATCH(out, INFO_RE);
    free(out);
    free(err);
    rc = cli_run2(&s->sys, "info_name", &out, &err, ARGS("server", "i", "NOSUCHSERVER", "--timeout", "1s"));
    ASSERT_EQ(rc, 1);
    ASSERT_STR_EQ(err, NO_SYS_ERR);
    free(out);
    free(err);
    /* --trace shows the request */
    rc = cli_run2(&s->sys, "info_trace", &out, &err, ARGS("server", "info", "--trace"));
    ASSERT_EQ(rc, 0);
    ASSERT_MATCH(out, "^[0-9:]{8} >>> \\$SYS\\.REQ\\.SERVER\\.PING\\.VARZ: \\{\\}\n"
                      "[0-9:]{8} <<< \"\\{\\\\\"server\\\\\":");
    free(out);
    free(err);
    /* not in the system account */
    rc = cli_run2(&s->app, "info_app", &out, &err, ARGS("server", "info"));
    ASSERT_EQ(rc, 1);
    ASSERT_STR_EQ(out, "");
    ASSERT_STR_EQ(err, NO_SYS_ERR);
    log_run(log, sz, "info_app", rc, out, err);
    free(out);
    free(err);

    rc = cli_run2(&s->sys, "list", &out, &err, ARGS("server", "list"));
    ASSERT_EQ(rc, 0);
    ASSERT_STR_EQ(err, "");
    ASSERT_MATCH(out, LIST_RE);
    log_run(log, sz, "list", rc, out, err);
    free(out);
    free(err);
    rc = cli_run2(&s->sys, "list_json", &out, &err, ARGS("server", "ls", "-j", "1"));
    ASSERT_EQ(rc, 0);
    ASSERT_MATCH(out, "^\\[\n  \\{\n    \"server\": \\{\n      \"name\": \"N[A-Z0-9]{55}\",\n"
                      "(.|\n)*\"statsz\": \\{(.|\n)*\"active_servers\": 1\n(.|\n)*\\]\n$");
    free(out);
    free(err);
    rc = cli_run2(&s->app, "list_app", &out, &err, ARGS("server", "list"));
    ASSERT_EQ(rc, 1);
    ASSERT_STR_EQ(out, "");
    ASSERT_STR_EQ(err, NO_SYS_ERR);
    log_run(log, sz, "list_app", rc, out, err);
    free(out);
    free(err);
    rc = cli_run2(&s->sys, "list_sort", &out, &err, ARGS("server", "list", "--sort", "bogus"));
    ASSERT_EQ(rc, 1);
    ASSERT_MATCH(err, "^nats: error: enum value must be one of .*, got 'bogus', try --help\n$");
    free(out);
    free(err);

    rc = cli_run2(&s->sys, "ping", &out, &err, ARGS("server", "ping"));
    ASSERT_EQ(rc, 0);
    snprintf(re, sizeof(re),
             "^%s {5}rtt=[0-9.]+(µs|ms|s)\n\n---- ping statistics ----\n"
             "1 replies max: [0-9]+\\.[0-9]{2} min: [0-9]+\\.[0-9]{2} avg: [0-9]+\\.[0-9]{2}\n$",
             id);
    ASSERT_MATCH(out, re);
    log_run(log, sz, "ping", rc, out, err);
    free(out);
    free(err);
    rc = cli_run2(&s->sys, "ping_id", &out, &err,
                  ARGS("server", "ping", "--id", "2", "--timeout", "500ms"));
    ASSERT_EQ(rc, 0);
    snprintf(re, sizeof(re),
             "^%s %s {5}rtt=[^\n]+\n\n---- ping statistics ----\n1 replies [^\n]+\n\n"
             "Missing 1 server\\(s\\)\n$",
             id, id);
    ASSERT_MATCH(out, re);
    log_run(log, sz, "ping_id", rc, out, err);
    free(out);
    free(err);
    rc = cli_run2(&s->app, "ping_app", &out, &err, ARGS("server", "ping"));
    ASSERT_EQ(rc, 1);
    ASSERT_STR_EQ(out, PING_503);
    log_run(log, sz, "ping_app", rc, out, err);
    free(out);
    free(err);
}

/* Runs fn against the reference first, then natrium (which may SKIP when it refuses the
 * config), and compares the normalised logs. */
static void ref_then_ours(const char *conf, void (*fn)(struct srv *, char *, size_t))
{
    const char *bins[2] = {proc_ref_bin(), proc_our_bin()};
    char *norm_log[2] = {NULL, NULL};

    for (int b = 0; b < 2; b++) {
        struct srv s;
        size_t sz = 1 << 17;
        char *log;

        if (!bins[b])
            continue;
        memset(&s, 0, sizeof(s));
        s.bin = bins[b];
        if (conf)
            ASSERT_OK(proc_start_conf(&s.sp, bins[b], conf, NULL));
        else
            ASSERT_OK(proc_start(&s.sp, bins[b], NULL));
        proc_tmpdir(s.sys.home, sizeof(s.sys.home));
        s.app = s.sys;
        s.plain = s.sys;
        snprintf(s.sys.url, sizeof(s.sys.url), "nats://sys:sys@127.0.0.1:%d", s.sp.port);
        snprintf(s.app.url, sizeof(s.app.url), "nats://a:a@127.0.0.1:%d", s.sp.port);
        snprintf(s.plain.url, sizeof(s.plain.url), "nats://127.0.0.1:%d", s.sp.port);
        log = calloc(1, sz);
        fn(&s, log, sz);
        norm_log[b] = norm(log, s.sp.port);
        test_on_cleanup(free, norm_log[b]); /* also when natrium's start SKIPs the test */
        free(log);
        proc_stop(&s.sp, SIGTERM);
    }
    if (norm_log[0] && norm_log[1])
        ASSERT_STR_EQ(norm_log[1], norm_log[0]);
}

TEST(cli_server_system_account)
{
    ref_then_ours(SYS_CONF, sys_scenario);
}

static void plain_scenario(struct srv *s, char *log, size_t sz)
{
    char *out, *err, bad_url[64];
    struct run bad = s->plain;
    int rc;

    rc = cli_run2(&s->plain, "check", &out, &err, ARGS("server", "check", "connection"));
    ASSERT_EQ(rc, 0);
    ASSERT_STR_EQ(err, "");
    ASSERT_MATCH(out, "^OK Connection OK:connected to nats://127\\.0\\.0\\.1:[0-9]+ in "
                      "[0-9.]+(µs|ms|s) OK:rtt time [0-9.]+(ns|µs|ms|s) OK:round trip took "
                      "0\\.[0-9]{6}s \\| connect_time=[0-9]\\.[0-9]{4}s;0\\.5000;1\\.0000 "
                      "rtt=[0-9]\\.[0-9]{4}s;0\\.5000;1\\.0000 "
                      "request_time=[0-9]\\.[0-9]{4}s;0\\.5000;1\\.0000\n$");
    log_run(log, sz, "check", rc, "(matched)\n", err);
    free(out);
    free(err);
    /* the default subcommand is connection; a zero warning threshold warns */
    rc = cli_run2(&s->plain, "check_warn", &out, &err,
                  ARGS("server", "check", "--connect-warn", "0s", "--req-critical", "10s"));
    ASSERT_EQ(rc, 1);
    ASSERT_MATCH(out, "^WARNING Connection Warn:connected to nats://127\\.0\\.0\\.1:[0-9]+, "
                      "connect time exceeded 0s OK:rtt time [^ ]+ OK:round trip took [0-9.]+s "
                      "\\| connect_time=[0-9.]+s;;1\\.0000 rtt=[0-9.]+s;0\\.5000;1\\.0000 "
                      "request_time=[0-9.]+s;0\\.5000;10\\.0000\n$");
    free(out);
    free(err);
    rc = cli_run2(&s->plain, "check_json", &out, &err,
                  ARGS("server", "check", "connection", "--format", "json"));
    ASSERT_EQ(rc, 0);
    ASSERT_MATCH(out, "^\\{\n  \"status\": \"OK\",\n  \"check_suite\": \"connections\",\n"
                      "  \"check_name\": \"Connection\",\n  \"ok\": \\[\n    \"connected to "
                      "(.|\n)*\"perf_data\": \\[\n    \\{\n      \"name\": \"connect_time\",\n"
                      "(.|\n)*\"unit\": \"s\"\n    \\}\n  \\]\n\\}\n$");
    free(out);
    free(err);
    rc = cli_run2(&s->plain, "check_prom", &out, &err,
                  ARGS("server", "check", "--format", "prometheus"));
    ASSERT_EQ(rc, 0);
    ASSERT_MATCH(out,
                 "^# HELP nats_server_check_connections_connect_time Time taken to connect to "
                 "NATS\n# TYPE nats_server_check_connections_connect_time gauge\n"
                 "nats_server_check_connections_connect_time\\{item=\"Connection\"\\} "
                 "[0-9.e-]+\n"
                 "# HELP nats_server_check_connections_request_time [^\n]+\n# TYPE [^\n]+\n"
                 "nats_server_check_connections_request_time\\{item=\"Connection\"\\} [0-9.e-]+\n"
                 "# HELP nats_server_check_connections_rtt [^\n]+\n# TYPE [^\n]+\n"
                 "nats_server_check_connections_rtt\\{item=\"Connection\"\\} [0-9.e-]+\n"
                 "# HELP nats_server_check_connections_status_code Nagios compatible status code "
                 "for connections\n# TYPE nats_server_check_connections_status_code gauge\n"
                 "nats_server_check_connections_status_code\\{item=\"Connection\",status=\"OK\"\\} "
                 "0\n$");
    free(out);
    free(err);
    snprintf(bad_url, sizeof(bad_url), "nats://127.0.0.1:%d", proc_free_port());
    snprintf(bad.url, sizeof(bad.url), "%s", bad_url);
    rc = cli_run2(&bad, "check_down", &out, &err, ARGS("server", "check", "connection"));
    ASSERT_EQ(rc, 2);
    ASSERT_STR_EQ(out, "CRITICAL Connection Crit:connection failed\n");
    ASSERT_STR_EQ(err, "");
    log_run(log, sz, "check_down", rc, out, err);
    free(out);
    free(err);

    rc = cli_run2(&s->plain, "acct", &out, &err, ARGS("account", "info"));
    ASSERT_EQ(rc, 0);
    ASSERT_STR_EQ(err, "");
    ASSERT_MATCH(out, "^Connection Information:\n\n               Client ID: [0-9]+\n"
                      "               Client IP: 127\\.0\\.0\\.1\n"
                      "                     RTT: [0-9.]+(ns|µs|ms|s)\n"
                      "       Headers Supported: true\n         Maximum Payload: 1\\.0 MiB\n"
                      "           Connected URL: nats://127\\.0\\.0\\.1:[0-9]+\n"
                      "       Connected Address: 127\\.0\\.0\\.1:[0-9]+\n"
                      "     Connected Server ID: N[A-Z0-9]{55}\n\n"
                      "JetStream Account Information:\n\n"
                      "   JetStream is not supported in this account\n$");
    log_run(log, sz, "acct", rc, out, err);
    free(out);
    free(err);

    /* the default user is not in the system account: same answers as natscli */
    rc = cli_run2(&s->plain, "ping", &out, &err, ARGS("server", "ping"));
    ASSERT_EQ(rc, 1);
    ASSERT_STR_EQ(out, PING_503);
    log_run(log, sz, "ping", rc, out, err);
    free(out);
    free(err);
    rc = cli_run2(&s->plain, "list", &out, &err, ARGS("server", "list"));
    ASSERT_EQ(rc, 1);
    ASSERT_STR_EQ(err, NO_SYS_ERR);
    free(out);
    free(err);
    rc = cli_run2(&s->plain, "info", &out, &err, ARGS("server", "info"));
    ASSERT_EQ(rc, 1);
    ASSERT_STR_EQ(err, NO_SYS_ERR);
    free(out);
    free(err);
    rc = cli_run2(&s->plain, "frob", &out, &err, ARGS("server", "frob"));
    ASSERT_EQ(rc, 1);
    ASSERT_STR_EQ(err, "nats: error: expected command but got \"frob\", try --help\n");
    free(out);
    free(err);
    rc = cli_run2(&s->plain, "nosub", &out, &err, ARGS("server"));
    ASSERT_EQ(rc, 1);
    ASSERT_STR_EQ(err, "nats: error: must select a subcommand of 'server', try --help\n");
    free(out);
    free(err);
}

TEST(cli_server_check_account_info)
{
    ref_then_ours(NULL, plain_scenario);
}
