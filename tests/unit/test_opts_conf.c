/* Unit tests of opts_load_config / opts_apply_config (src/server/opts_conf.c): each supported
 * key, case-insensitive names, type errors, durations and their -t behaviour, listen forms,
 * authorization, unknown and unsupported keys, and the exact texts nats-server 2.9.10 prints
 * (checked with `nats-server -c f.conf -t` and a normal start). No network. */
#include "server/opts_conf.h"

#include "conf/conf.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char errbuf[4096];

struct warns {
    char text[2048];
    int n;
};

static void collect(void *arg, const char *msg)
{
    struct warns *w = arg;
    size_t len = strlen(w->text);

    snprintf(w->text + len, sizeof(w->text) - len, "%s|", msg);
    w->n++;
}

static void release(void *o)
{
    opts_release(o);
    free(o);
}

static struct options *new_opts(bool check)
{
    struct options *o = calloc(1, sizeof(*o));

    opts_init(o);
    o->check_config = check;
    test_on_cleanup(release, o);
    return o;
}

/* Applies text (file name "a.conf") to o; returns the result and fills errbuf / w. */
static int apply(struct options *o, const char *text, struct warns *w)
{
    struct conf_node *root;
    int rc;

    errbuf[0] = '\0';
    if (w)
        memset(w, 0, sizeof(*w));
    if (conf_parse_string(text, strlen(text), "a.conf", &root, errbuf, sizeof(errbuf)) != 0)
        return -2;
    rc = opts_apply_config(o, root, w ? collect : NULL, w, errbuf, sizeof(errbuf));
    conf_free(root);
    return rc;
}

#define APPLY_OK(o, text)                                                                          \
    do {                                                                                           \
        struct warns w_;                                                                           \
        int rc_ = apply((o), (text), &w_);                                                         \
        if (rc_ != 0)                                                                              \
            test_fail(__FILE__, __LINE__, "apply failed (%d): %s", rc_, errbuf);                   \
    } while (0)

/* The error text for text applied to fresh options (normal start, or -t when check). */
static const char *apply_err(const char *text, bool check)
{
    struct options *o = new_opts(check);
    int rc = apply(o, text, NULL);

    if (rc == 0)
        test_fail(__FILE__, __LINE__, "expected an error for: %s", text);
    return errbuf;
}

TEST(opts_conf_server_keys)
{
    struct options *o = new_opts(false);

    APPLY_OK(o, "port: 4333\nhost: 127.0.0.1\nserver_name: n1\npidfile: /tmp/p.pid\n"
                "ports_file_dir: /tmp/pd\n");
    ASSERT_EQ(o->port, 4333);
    ASSERT_STR_EQ(o->host, "127.0.0.1");
    ASSERT_STR_EQ(o->server_name, "n1");
    ASSERT_STR_EQ(o->pid_file, "/tmp/p.pid");
    ASSERT_STR_EQ(o->ports_file_dir, "/tmp/pd");
    APPLY_OK(o, "net: 10.0.0.1\npid_file: q.pid\n");
    ASSERT_STR_EQ(o->host, "10.0.0.1");
    ASSERT_STR_EQ(o->pid_file, "q.pid");
}

TEST(opts_conf_listen_forms)
{
    struct options *o = new_opts(false);

    APPLY_OK(o, "listen: 127.0.0.1:4567\n");
    ASSERT_STR_EQ(o->host, "127.0.0.1");
    ASSERT_EQ(o->port, 4567);
    APPLY_OK(o, "listen: \"[::1]:4222\"\n");
    ASSERT_STR_EQ(o->host, "::1");
    ASSERT_EQ(o->port, 4222);
    APPLY_OK(o, "listen: \":5000\"\n");
    ASSERT_STR_EQ(o->host, "0.0.0.0");
    ASSERT_EQ(o->port, 5000);
    APPLY_OK(o, "listen: 127.0.0.1:1\nlisten: 6000\n");
    ASSERT_STR_EQ(o->host, "0.0.0.0");
    ASSERT_EQ(o->port, 6000);
    APPLY_OK(o, "listen: \"localhost:-1\"\n");
    ASSERT_EQ(o->port, -1);
}

TEST(opts_conf_http_forms)
{
    struct options *o = new_opts(false);

    APPLY_OK(o, "http: \"127.0.0.1:8222\"\nhttp_base_path: \"/mon\"\n");
    ASSERT_STR_EQ(o->http_host, "127.0.0.1");
    ASSERT_EQ(o->http_port, 8222);
    ASSERT_STR_EQ(o->http_base_path, "/mon");
    APPLY_OK(o, "http: 8333\n");
    ASSERT_STR_EQ(o->http_host, "0.0.0.0");
    ASSERT_EQ(o->http_port, 8333);
    APPLY_OK(o, "http_port: 9001\n");
    ASSERT_EQ(o->http_port, 9001);
    APPLY_OK(o, "monitor_port: 9002\n");
    ASSERT_EQ(o->http_port, 9002);
    ASSERT_STR_EQ(o->host, "0.0.0.0"); /* the client listener is untouched */
    ASSERT_EQ(o->port, 4222);
    ASSERT(opts_unsupported(o) == NULL);
    ASSERT_STR_EQ(apply_err("http: \"localhost\"\n", true),
                  "a.conf:1:0: could not parse address string \"localhost\"\n");
    ASSERT_STR_EQ(apply_err("http_base_path: 5\n", true),
                  "a.conf:1:0: interface conversion: interface {} is int64, not string\n");
}

TEST(opts_conf_https_forms)
{
    struct options *o = new_opts(false);

    APPLY_OK(o, "https: \"127.0.0.1:8443\"\n");
    ASSERT_STR_EQ(o->http_host, "127.0.0.1");
    ASSERT_EQ(o->https_port, 8443);
    ASSERT_EQ(o->http_port, 0);
    APPLY_OK(o, "https_port: 9443\n");
    ASSERT_EQ(o->https_port, 9443);
    APPLY_OK(o, "https: 7443\n");
    ASSERT_STR_EQ(o->http_host, "0.0.0.0");
    ASSERT_EQ(o->https_port, 7443);
    ASSERT(opts_unsupported(o) == NULL); /* TLS is checked when the monitor starts */
    /* the reference's texts (checked with nats-server -t) */
    ASSERT_STR_EQ(apply_err("https: \"x\"\n", true),
                  "a.conf:1:0: could not parse address string \"x\"\n");
    ASSERT_STR_EQ(apply_err("https_port: \"x\"\n", true),
                  "a.conf:1:0: interface conversion: interface {} is string, not int64\n");
}

TEST(opts_conf_listen_errors)
{
    ASSERT_STR_EQ(apply_err("listen: \"localhost\"\n", true),
                  "a.conf:1:0: could not parse address string \"localhost\"\n");
    ASSERT_STR_EQ(apply_err("listen: \"host:abc\"\n", true),
                  "a.conf:1:0: could not parse port \"abc\"\n");
    ASSERT_STR_EQ(apply_err("listen: \"a:b:1\"\n", true),
                  "a.conf:1:0: could not parse address string \"a:b:1\"\n");
    ASSERT_STR_EQ(apply_err("listen: \"[::1\"\n", true),
                  "a.conf:1:0: could not parse address string \"[::1\"\n");
    ASSERT_STR_EQ(apply_err("listen: [1]\n", true),
                  "a.conf:1:0: expected port or host:port, got []interface {}\n");
}

TEST(opts_conf_logging_keys)
{
    struct options *o = new_opts(false);

    APPLY_OK(o, "debug: true\ntrace: yes\nlogtime: off\nlogfile: /tmp/n.log\n");
    ASSERT(o->debug);
    ASSERT(o->trace);
    ASSERT(!o->logtime);
    ASSERT_STR_EQ(o->log_file, "/tmp/n.log");
    APPLY_OK(o, "trace: false\ntrace_verbose: true\nlog_file: x.log\n");
    ASSERT(o->trace_verbose);
    ASSERT(o->trace); /* trace_verbose turns trace on too */
    ASSERT_STR_EQ(o->log_file, "x.log");
}

TEST(opts_conf_limits)
{
    struct options *o = new_opts(false);

    APPLY_OK(o, "max_control_line: 2KB\nmax_payload: 2MB\nmax_pending: 128MB\n"
                "max_connections: 100\nmax_subscriptions: 10\nping_max: 5\n");
    ASSERT_EQ(o->max_control_line, 2048);
    ASSERT_EQ(o->max_payload, 2 * 1024 * 1024);
    ASSERT_EQ(o->max_pending, 128LL * 1024 * 1024);
    ASSERT_EQ(o->max_connections, 100);
    ASSERT_EQ(o->max_subs, 10);
    ASSERT_EQ(o->ping_max, 5);
    APPLY_OK(o, "max_conn: 7\nmax_subs: 8\n");
    ASSERT_EQ(o->max_connections, 7);
    ASSERT_EQ(o->max_subs, 8);
}

TEST(opts_conf_limit_errors)
{
    ASSERT_STR_EQ(apply_err("max_payload: 3GB\n", true),
                  "a.conf:1:0: max_payload value is too big\n");
    ASSERT_STR_EQ(apply_err("Max_Control_Line: 3GB\n", true),
                  "a.conf:1:0: Max_Control_Line value is too big\n");
    ASSERT_STR_EQ(apply_err("port: \"4222\"\n", true),
                  "a.conf:1:0: interface conversion: interface {} is string, not int64\n");
    ASSERT_STR_EQ(apply_err("max_payload: 1.5\n", true),
                  "a.conf:1:0: interface conversion: interface {} is float64, not int64\n");
    ASSERT_STR_EQ(apply_err("debug: 1\n", true),
                  "a.conf:1:0: interface conversion: interface {} is int64, not bool\n");
    ASSERT_STR_EQ(apply_err("server_name: {a: 1}\n", true),
                  "a.conf:1:0: interface conversion: interface {} is map[string]interface {}, "
                  "not string\n");
    ASSERT_STR_EQ(apply_err("logtime: 2020-01-01T00:00:00Z\n", true),
                  "a.conf:1:0: interface conversion: interface {} is time.Time, not bool\n");
}

TEST(opts_conf_payload_above_pending)
{
    /* server.go validateOptions: at start-up only, -t does not check it */
    struct options *o = new_opts(true);

    APPLY_OK(o, "max_payload: 2MB\nmax_pending: 1MB\n");
    ASSERT_STR_EQ(apply_err("max_payload: 2MB\nmax_pending: 1MB\n", false),
                  "max_payload (2097152) cannot be higher than max_pending (1048576)");
    ASSERT_STR_EQ(apply_err("max_pending: -5\n", false),
                  "max_payload (1048576) cannot be higher than max_pending (-5)");
}

TEST(opts_conf_durations)
{
    struct options *o = new_opts(false);

    APPLY_OK(o, "ping_interval: \"30s\"\nwrite_deadline: \"1h2m3.5s\"\nconnect_timeout: 500ms\n");
    ASSERT_EQ(o->ping_interval_ms, 30000);
    ASSERT_EQ(o->write_deadline_ms, 3723500);
    ASSERT_EQ(o->connect_timeout_ms, 500);
    APPLY_OK(o, "ping_interval: 2m\n"); /* unquoted 2m is the integer 2000000 (seconds!) */
    ASSERT_EQ(o->ping_interval_ms, 2000000000LL);
    APPLY_OK(o, "ping_interval: \"-1s\"\nwrite_deadline: \"0\"\n");
    ASSERT_EQ(o->ping_interval_ms, -1000);
    ASSERT_EQ(o->write_deadline_ms, 0);
}

TEST(opts_conf_integer_duration_warns_then_fails_under_t)
{
    struct options *o = new_opts(false);
    struct warns w;

    ASSERT_OK(apply(o, "port: 1\nping_interval: 30\nwrite_deadline: 5\n", &w));
    ASSERT_EQ(o->ping_interval_ms, 30000);
    ASSERT_EQ(o->write_deadline_ms, 5000);
    ASSERT_EQ(w.n, 2);
    ASSERT_STR_EQ(w.text, "a.conf:2:1: invalid use of field \"ping_interval\": ping_interval "
                          "should be converted to a duration|a.conf:3:1: invalid use of field "
                          "\"write_deadline\": write_deadline should be converted to a duration|");
    ASSERT_STR_EQ(apply_err("ping_interval: 30\n", true),
                  "a.conf:1:0: invalid use of field \"ping_interval\": ping_interval should be "
                  "converted to a duration\n");
}

TEST(opts_conf_bad_durations)
{
    ASSERT_STR_EQ(apply_err("ping_interval: \"5x\"\n", true),
                  "a.conf:1:0: error parsing ping_interval: time: unknown unit \"x\" in duration "
                  "\"5x\"\n");
    ASSERT_STR_EQ(apply_err("write_deadline: \"30\"\n", false),
                  "a.conf:1:0: error parsing write_deadline: time: missing unit in duration "
                  "\"30\"\n");
    ASSERT_STR_EQ(apply_err("write_deadline: \"abc\"\n", false),
                  "a.conf:1:0: error parsing write_deadline: time: invalid duration \"abc\"\n");
    ASSERT_STR_EQ(apply_err("write_deadline: \"\"\n", false),
                  "a.conf:1:0: error parsing write_deadline: time: invalid duration \"\"\n");
    ASSERT_STR_EQ(apply_err("write_deadline: \"9999999999h\"\n", false),
                  "a.conf:1:0: error parsing write_deadline: time: invalid duration "
                  "\"9999999999h\"\n");
    ASSERT_STR_EQ(apply_err("ping_interval: true\n", false),
                  "a.conf:1:0: invalid use of field \"ping_interval\": ping_interval should be "
                  "converted to a duration\na.conf:1:0: interface conversion: interface {} is "
                  "bool, not int64\n");
}

TEST(opts_conf_authorization)
{
    struct options *o = new_opts(false);

    APPLY_OK(o, "authorization {\n  user: alice\n  password: secret\n  timeout: 1.5\n}\n");
    ASSERT_STR_EQ(o->username, "alice");
    ASSERT_STR_EQ(o->password, "secret");
    ASSERT(o->auth_token == NULL);
    ASSERT_EQ(o->auth_timeout_ms, 1500);
    APPLY_OK(o, "AUTHORIZATION { Token: t0k, TIMEOUT: 3 }\n");
    ASSERT(o->username == NULL);
    ASSERT(o->password == NULL);
    ASSERT_STR_EQ(o->auth_token, "t0k");
    ASSERT_EQ(o->auth_timeout_ms, 3000);
    APPLY_OK(o, "authorization { username: u, pass: $2a$11$xyz, timeout: \"x\" }\n");
    ASSERT_STR_EQ(o->username, "u");
    ASSERT_STR_EQ(o->password, "$2a$11$xyz");
    ASSERT_EQ(o->auth_timeout_ms, 1000); /* a timeout that is not a number is 1s (sic) */
}

TEST(opts_conf_authorization_errors)
{
    ASSERT_STR_EQ(apply_err("authorization { user: a, token: b }\n", true),
                  "a.conf:1:0: Cannot have a user/pass and token\n");
    ASSERT_STR_EQ(apply_err("authorization { user: a, pass: b, timeout: 2.5, foo: 1 }\n", true),
                  "a.conf:1:48: unknown field \"foo\"\n");
    ASSERT_STR_EQ(apply_err("authorization: 5\n", true),
                  "a.conf:1:0: interface conversion: interface {} is int64, not "
                  "map[string]interface {}\n");
    ASSERT_STR_EQ(apply_err("authorization { user = [[]] }\n", true),
                  "a.conf:1:16: interface conversion: interface {} is []interface {}, not "
                  "string\n");
    ASSERT_STR_EQ(apply_err("authorization { user: a, password: b, users: [ {user: u} ] }\n",
                            true),
                  "a.conf:1:0: Can not have a single user/pass and a users array\n");
    /* a used variable inside the block is not an unknown field */
    struct options *o = new_opts(true);
    APPLY_OK(o, "authorization { U = bob, user: $U }\n");
    ASSERT_STR_EQ(o->username, "bob");
}

TEST(opts_conf_natrium_keys)
{
    struct options *o = new_opts(false);

    APPLY_OK(o, "loops: 4\nconnect_timeout: \"5s\"\n");
    ASSERT_EQ(o->nloops, 4);
    ASSERT_EQ(o->connect_timeout_ms, 5000);
    APPLY_OK(o, "connect_timeout: \"0s\"\n");
    ASSERT_EQ(o->connect_timeout_ms, 0);
    ASSERT_STR_EQ(apply_err("loops: -1\n", false),
                  "a.conf:1:0: loops must be 0 (one per CPU) or more\n");
    ASSERT_STR_EQ(apply_err("loops: 99999999999\n", false), "a.conf:1:0: loops value is too big\n");
}

TEST(opts_conf_keys_are_case_insensitive)
{
    struct options *o = new_opts(true);

    APPLY_OK(o, "PORT: 4999\nMax_Payload: 1ki\nDeBuG: true\n");
    ASSERT_EQ(o->port, 4999);
    ASSERT_EQ(o->max_payload, 1024);
    ASSERT(o->debug);
}

TEST(opts_conf_unknown_field)
{
    ASSERT_STR_EQ(apply_err("port: 4222\nfoo_unknown = 1\n", true),
                  "a.conf:2:1: unknown field \"foo_unknown\"\n");
    ASSERT_STR_EQ(apply_err("foo_unknown = 1\n", false),
                  "a.conf:1:0: unknown field \"foo_unknown\"\n");
    ASSERT_STR_EQ(apply_err("port: 4222\n   foo_unknown: 1\n", true),
                  "a.conf:2:4: unknown field \"foo_unknown\"\n");
    /* a variable that something uses is not reported */
    struct options *o = new_opts(true);
    APPLY_OK(o, "x = 4111\nport: $x\n");
    ASSERT_EQ(o->port, 4111);
}

TEST(opts_conf_all_problems_reported_warnings_first)
{
    ASSERT_STR_EQ(apply_err("foo1 = 1\nfoo2 = 2\nping_interval: 5\n", true),
                  "a.conf:3:1: invalid use of field \"ping_interval\": ping_interval should be "
                  "converted to a duration\na.conf:1:0: unknown field \"foo1\"\na.conf:2:1: "
                  "unknown field \"foo2\"\n");
    /* without -t the warning rides along with the errors */
    ASSERT_STR_EQ(apply_err("ping_interval: 5\nbad = 1\n", false),
                  "a.conf:1:0: invalid use of field \"ping_interval\": ping_interval should be "
                  "converted to a duration\na.conf:2:1: unknown field \"bad\"\n");
}

TEST(opts_conf_unsupported_keys_are_refused)
{
    static const char *const keys[] = {
        "cluster",      "gateway",
        "leafnodes",    "leaf",
        "jetstream",    "ocsp",
        "websocket",
        "ws",           "mqtt",
        "resolver_tls", "resolver_pinned_accounts",
        "mappings",     "client_advertise",
        "syslog",
        "server_tags",
        "store_dir",
    };
    char text[128], want[256];

    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        snprintf(text, sizeof(text), "port: 1\n%s: {}\n", keys[i]);
        snprintf(want, sizeof(want), "a.conf:2:1: \"%s\" is not supported by natrium yet\n",
                 keys[i]);
        ASSERT_STR_EQ(apply_err(text, false), want);
    }
    ASSERT_STR_EQ(apply_err("Cluster { port: 6222 }\n", true),
                  "a.conf:1:0: \"Cluster\" is not supported by natrium yet\n");
}

/* Operator-mode keys (opts_operator.c): the reference's texts for wrong value types. */
TEST(opts_conf_operator_keys)
{
    ASSERT_STR_EQ(apply_err("port: 1\noperator: {}\n", false),
                  "a.conf:2:1: error parsing operators: unsupported type map[string]interface "
                  "{}\n");
    ASSERT_STR_EQ(apply_err("port: 1\noperator: [a, b]\n", false),
                  "a.conf:2:1: error parsing operators: unsupported type []interface {}\n");
    ASSERT_STR_EQ(apply_err("port: 1\ntrusted: 5\n", false),
                  "a.conf:2:1: error parsing trusted: unsupported type int64\n");
    ASSERT_STR_EQ(apply_err("port: 1\ntrusted: \"OX\"\n", false),
                  "a.conf:2:1: trust key \"OX\" required to be a valid public operator nkey\n");
    ASSERT_STR_EQ(apply_err("port: 1\nresolver: 5\n", false),
                  "a.conf:2:1: error parsing operator resolver, wrong type int64\n");
    ASSERT_STR_EQ(apply_err("port: 1\nresolver: FOO\n", false),
                  "a.conf:2:1: error parsing account resolver, should be MEM or  URL(\"url\") or "
                  "a map containing dir and type state=[FULL|CACHE])\n");
    ASSERT_STR_EQ(apply_err("port: 1\nresolver: URL(http://x)\n", false),
                  "a.conf:2:1: resolver \"URL(http://x)\" is not supported by natrium yet (only "
                  "MEMORY)\n");
    ASSERT_STR_EQ(apply_err("port: 1\nresolver_preload: 5\n", false),
                  "a.conf:2:1: preload should be a map of account_public_key:account_jwt\n");
    ASSERT_STR_EQ(apply_err("port: 1\nresolver_preload { A: x }\n", false),
                  "a.conf:2:20: invalid account JWT\n");
}

TEST(opts_conf_load_file_and_includes)
{
    char dir[] = "/tmp/natrium-optsconf-XXXXXX", path[256], inc[256];
    struct options *o = new_opts(false);
    FILE *f;
    int rc;

    ASSERT(mkdtemp(dir));
    snprintf(inc, sizeof(inc), "%s/limits.conf", dir);
    f = fopen(inc, "w");
    fputs("max_payload: 512KB\nbogus: 1\n", f);
    fclose(f);
    snprintf(path, sizeof(path), "%s/main.conf", dir);
    f = fopen(path, "w");
    fputs("# natrium\nport: 4123\ninclude limits.conf\n", f);
    fclose(f);
    rc = opts_load_config(o, path, NULL, NULL, errbuf, sizeof(errbuf));
    ASSERT_EQ(rc, -1);
    snprintf(path, sizeof(path), "%s/limits.conf:2:1: unknown field \"bogus\"\n", dir);
    ASSERT_STR_EQ(errbuf, path); /* the position names the included file */

    f = fopen(inc, "w");
    fputs("max_payload: 512KB\n", f);
    fclose(f);
    snprintf(path, sizeof(path), "%s/main.conf", dir);
    ASSERT_OK(opts_load_config(o, path, NULL, NULL, errbuf, sizeof(errbuf)));
    ASSERT_EQ(o->port, 4123);
    ASSERT_EQ(o->max_payload, 512 * 1024);

    ASSERT_EQ(opts_load_config(o, "/nonexistent-natrium.conf", NULL, NULL, errbuf, sizeof(errbuf)),
              -1);
    ASSERT_STR_EQ(errbuf, "open /nonexistent-natrium.conf: no such file or directory");
    unlink(inc);
    unlink(path);
    rmdir(dir);
}

/* The reference's texts for users, permissions and accounts (checked with nats-server -t). */
TEST(opts_conf_auth_errors)
{
    ASSERT_STR_EQ(
        apply_err("authorization { users: [ {user: u, password: p, permissions: {foo: 1}} ] }\n",
                  true),
        "a.conf:1:62: Unknown field \"foo\" parsing permissions\n");
    ASSERT_STR_EQ(apply_err("authorization { users: [ {user: u, password: p, permissions: "
                            "{publish: {allow: \"a\", bogus: 1}}} ] }\n",
                            true),
                  "a.conf:1:84: Unknown field name \"bogus\" parsing subject permissions, only "
                  "'allow' or 'deny' are permitted\n");
    ASSERT_STR_EQ(apply_err("authorization { users: [ {user: u, password: p, bogus: 1} ] }\n", true),
                  "a.conf:1:48: unknown field \"bogus\"\n");
    ASSERT_STR_EQ(apply_err("authorization { users: [ {user: u, password: p, permissions: "
                            "{publish: \"a..b\"}} ] }\n",
                            true),
                  "subject \"a..b\" is not a valid subject");
    ASSERT_STR_EQ(apply_err("authorization { users: [ {user: u, password: p, permissions: "
                            "{subscribe: \"a b c\"}} ] }\n",
                            true),
                  "subject \"a b c\" is not a valid subject");
    ASSERT_STR_EQ(apply_err("accounts { A { users: [ {user: u, password: p} ] }, B { users: [ "
                            "{user: u, password: p} ] } }\n",
                            true),
                  "a.conf:1:56: Duplicate user \"u\" detected\n");
    ASSERT_STR_EQ(apply_err("accounts { A { users: [ {user: u, password: p} ], bogus: 1 } }\n",
                            true),
                  "a.conf:1:50: unknown field \"bogus\"\n");
    ASSERT_STR_EQ(
        apply_err("accounts { A { imports: [ {stream: {account: B, subject: x}} ] } }\n", true),
        "a.conf:1:0: \"B\" account not defined for stream import\n");
    ASSERT_STR_EQ(apply_err("accounts { A { exports: [ {stream: \"a.>\"} ] }, B { imports: [ "
                            "{stream: {account: A, subject: \"b.>\"}} ] } }\n",
                            true),
                  "a.conf:1:0: Error adding stream import \"b.>\": stream import not "
                  "authorized\n");
    ASSERT_STR_EQ(apply_err("accounts { A { exports: [ {stream: \"a.>\"}, {service: \"s.>\", "
                            "response_type: bogus} ] } }\n",
                            true),
                  "a.conf:1:60: Unknown response type: \"bogus\"\n");
    ASSERT_STR_EQ(apply_err("lame_duck_duration: \"3s\"\n", true),
                  "a.conf:1:0: invalid lame_duck_duration of 3s, minimum is 30 seconds\n");
    ASSERT_STR_EQ(apply_err("lame_duck_duration: 40\n", true),
                  "a.conf:1:0: interface conversion: interface {} is int64, not string\n");
    ASSERT_STR_EQ(apply_err("accounts { A { users: [{user: a, password: a}], exports: [{stream: "
                            "x}], imports: [{stream: {account: B, subject: x}}] }, B { exports: "
                            "[{stream: x}], imports: [{stream: {account: A, subject: x}}] } }\n",
                            true),
                  "a.conf:1:0: Error adding stream import \"x\": import forms a cycle\n");
    ASSERT_STR_EQ(apply_err("accounts { A { exports: [{service: x}], imports: [{service: {account: "
                            "B, subject: x}}] }, B { exports: [{service: x}], imports: [{service: "
                            "{account: A, subject: x}}] } }\n",
                            true),
                  "a.conf:1:0: Error adding service import \"x\": import forms a cycle\n");
    /* prefixes keep the subjects apart: no cycle */
    {
        struct options *o = new_opts(true);
        APPLY_OK(o, "accounts { A { exports: [{stream: x}], imports: [{stream: {account: B, "
                    "subject: x}, prefix: p}] }, B { exports: [{stream: x}], imports: [{stream: "
                    "{account: A, subject: x}, prefix: q}] } }\n");
    }
    ASSERT_STR_EQ(apply_err("max_sub_tokens: 256\n", true),
                  "a.conf:1:0: max_sub_tokens value is too big\n");
    ASSERT_STR_EQ(apply_err("max_sub_tokens: -1\n", true),
                  "a.conf:1:0: max_sub_tokens value can not be negative\n");
    /* checked at start, not by -t */
    ASSERT_STR_EQ(apply_err("authorization { users: [ {user: u, password: p} ] }\n"
                            "no_auth_user: x\n",
                            false),
                  "no_auth_user: \"x\" not present as user in authorization block or account "
                  "configuration");
    ASSERT_STR_EQ(apply_err("system_account: FOO\n", false),
                  "error resolving system account: account missing");
}

TEST(opts_conf_auth_model)
{
    struct options *o = new_opts(true);
    const struct user_conf *u;
    const struct account_conf *ac;

    APPLY_OK(o, "authorization {\n"
                "  default_permissions: { subscribe: { deny: \"secret.>\" } }\n"
                "  users: [\n"
                "    {user: a, password: pa, permissions: {publish: [\"x\", \"y.>\"], "
                "subscribe: {allow: \"q.x grp\", deny: \"z\"}, allow_responses: {max: 3, "
                "expires: \"5s\"}}}\n"
                "    {user: b, password: pb}\n"
                "  ]\n"
                "}\n"
                "accounts { A { users: [ {user: c, password: pc, permissions: "
                "{allow_responses: true}} ], exports: [ {service: \"svc.>\", response_type: "
                "stream} ] }, B { imports: [ {service: {account: A, subject: \"svc.x\"}, to: "
                "\"local\"} ] } }\n"
                "no_auth_user: b\nsystem_account: A\nmax_sub_tokens: 12\n");
    ASSERT_EQ(o->auth.nusers, 3);
    u = auth_find_user(&o->auth, "a");
    ASSERT(u && u->perms && !u->account);
    ASSERT_EQ(u->perms->pub_allow.n, 2);
    ASSERT_STR_EQ(u->perms->pub_allow.v[1].subject, "y.>");
    ASSERT_STR_EQ(u->perms->sub_allow.v[0].subject, "q.x");
    ASSERT_STR_EQ(u->perms->sub_allow.v[0].queue, "grp");
    ASSERT(u->perms->resp && u->perms->resp_max == 3 && u->perms->resp_expires_ms == 5000);
    ASSERT(perms_pub_allowed(u->perms, "y.z", 3) && !perms_pub_allowed(u->perms, "y", 1));
    ASSERT(perms_sub_allowed(u->perms, "q.x", 3, "grp", 3));
    ASSERT(!perms_sub_allowed(u->perms, "q.x", 3, "other", 5));
    ASSERT(!perms_sub_allowed(u->perms, "q.x", 3, NULL, 0));
    u = auth_find_user(&o->auth, "c");
    ASSERT(u && u->account && strcmp(u->account, "A") == 0);
    /* allow_responses alone denies other publishes */
    ASSERT(u->perms->resp && u->perms->pub_allow.set && u->perms->pub_allow.n == 0);
    ASSERT(!perms_pub_allowed(u->perms, "anything", 8));
    ASSERT(o->auth.default_perms && o->auth.default_perms->sub_deny.n == 1);
    ac = auth_find_account(&o->auth, "B");
    ASSERT(ac && ac->nimports == 1 && ac->imports[0].service);
    ASSERT_STR_EQ(ac->imports[0].to, "local");
    ac = auth_find_account(&o->auth, "A");
    ASSERT(ac && ac->nexports == 1 && ac->exports[0].resp_type == RESP_STREAM);
    ASSERT_STR_EQ(o->auth.no_auth_user, "b");
    ASSERT_STR_EQ(o->auth.system_account, "A");
    ASSERT_EQ(o->max_sub_tokens, 12);
}

/* ---------------------------------------------------------------- tls { } (no files needed) */

TEST(opts_conf_tls_texts)
{
    static const struct {
        const char *conf, *want;
    } cases[] = {
        {"tls { cert_file: \"/nonexistent/c.pem\", key_file: \"k.pem\" }",
         "a.conf:1:0: error parsing X509 certificate/key pair: open /nonexistent/c.pem: no such "
         "file or directory\n"},
        {"tls { key_file: \"k.pem\" }", "a.conf:1:0: missing 'cert_file' in TLS configuration\n"},
        {"tls { cert_file: \"c.pem\" }", "a.conf:1:0: missing 'key_file' in TLS configuration\n"},
        {"tls { foo: 1 }", "a.conf:1:6: error parsing tls config, unknown field [\"foo\"]\n"},
        {"tls { cert_file: 1 }",
         "a.conf:1:6: error parsing tls config, expected 'cert_file' to be filename\n"},
        {"tls { verify: \"yes\" }",
         "a.conf:1:6: error parsing tls config, expected 'verify' to be a boolean\n"},
        {"tls { verify_and_map: 1 }",
         "a.conf:1:6: error parsing tls config, expected 'verify_and_map' to be a boolean\n"},
        {"tls { cipher_suites: [] }",
         "a.conf:1:6: error parsing tls config, 'cipher_suites' cannot be empty\n"},
        {"tls { cipher_suites: \"x\" }",
         "a.conf:1:6: interface conversion: interface {} is string, not []interface {}\n"},
        {"tls { cipher_suites: [\"NOPE\"] }", "a.conf:1:23: unrecognized cipher NOPE\n"},
        {"tls { curve_preferences: [\"P9\"] }",
         "a.conf:1:27: unrecognized curve preference P9\n"},
        {"tls { timeout: \"2x\" }",
         "a.conf:1:6: error parsing tls config, 'timeout' time: unknown unit \"x\" in duration "
         "\"2x\"\n"},
        {"tls { timeout: true }", "a.conf:1:6: error parsing tls config, 'timeout' wrong type\n"},
        {"tls { pinned_certs: [\"abc\"] }",
         "a.conf:1:22: error parsing tls config, 'pinned_certs' key abc does not look like "
         "hex-encoded sha256 of DER encoded SubjectPublicKeyInfo\n"},
        {"tls { verify_cert_and_check_known_urls: true }",
         "a.conf:1:6: verify_cert_and_check_known_urls not supported in this context\n"},
        {"tls { handshake_first: \"soon\" }",
         "a.conf:1:6: field \"handshake_first\" value \"soon\" is invalid\n"},
        {"tls { handshake_first: 5 }",
         "a.conf:1:6: field \"handshake_first\" should be a boolean or string, got int64\n"},
        {"tls: 5", "a.conf:1:0: interface conversion: interface {} is int64, not "
                   "map[string]interface {}\n"},
        {"allow_non_tls: 5",
         "a.conf:1:0: interface conversion: interface {} is int64, not bool\n"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        ASSERT_STR_EQ(apply_err(cases[i].conf, false), cases[i].want);
}

TEST(opts_conf_tls_values)
{
    struct options *o = new_opts(false);
    ASSERT_OK(apply(o,
                    "allow_non_tls: true\ntls { timeout: 0.5, verify_and_map: true, insecure: true,"
                    " cipher_suites: [\"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\"],"
                    " curve_preferences: [\"X25519\", \"CurveP256\"], handshake_first: auto,"
                    " pinned_certs: [\"" "ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
                    "\"] }",
                    NULL));
    ASSERT(o->allow_non_tls);
    ASSERT(o->tlsc.enabled && o->tlsc.verify && o->tlsc.map && o->tlsc.insecure);
    ASSERT_EQ(o->tlsc.timeout_ms, 500);
    ASSERT_EQ(o->tlsc.nciphers, 1);
    ASSERT_EQ(o->tlsc.ncurves, 2);
    ASSERT(o->tlsc.handshake_first);
    ASSERT_EQ(o->tlsc.fallback_ms, 50);
    ASSERT_EQ(o->tlsc.npinned, 1);
    ASSERT_STR_EQ(o->tlsc.pinned[0],
                  "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");

    o = new_opts(false);
    ASSERT_OK(apply(o, "tls { timeout: \"1500ms\", handshake_first: \"300ms\" }", NULL));
    ASSERT_EQ(o->tlsc.timeout_ms, 1500);
    ASSERT(o->tlsc.handshake_first);
    ASSERT_EQ(o->tlsc.fallback_ms, 300);

    o = new_opts(false);
    ASSERT_OK(apply(o, "tls { first: true, TIMEOUT: 3 }", NULL));
    ASSERT(o->tlsc.handshake_first);
    ASSERT_EQ(o->tlsc.fallback_ms, 0);
    ASSERT_EQ(o->tlsc.timeout_ms, 3000);
}
