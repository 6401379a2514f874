/* HTTP monitoring (mirrors server/monitor.go): the endpoints' JSON, built by functions any
 * thread (except a loop's) may call, and the HTTP listener that serves them (httpd.c).
 *
 * For the $SYS.REQ.SERVER.* requests (the lead's side): fill an options struct from the
 * request body with mon_*_opts_from_json(), or from a query string with
 * mon_*_opts_from_query(), then call mon_<endpoint>(). Each returns a new jansson object
 * (caller json_decref's it) or NULL with the reference's error text in err (HTTP answers it
 * with 400). The monitor handle m may be NULL when there is no HTTP listener: varz then
 * reports no http_req_stats. Every function reads loop-owned data through server_snapshot()
 * (src/server/snapshot.h), so it blocks up to MON_SNAP_TIMEOUT_MS; never call one on a loop
 * thread (a $SYS request arrives on the publisher's loop: hand it to another thread, build
 * the answer there, and publish it from there). On a loop thread the snapshot is refused
 * and the figures read 0. */
#ifndef NS_MONITOR_MONITOR_H
#define NS_MONITOR_MONITOR_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct server;
struct monitor;

#define MON_SNAP_TIMEOUT_MS 2000
#define MON_DEFAULT_LIMIT 1024 /* connz and subsz page size, as the reference */
#define MON_ERR_MAX 256

/* ---- the listener ---- */

/* Opens the HTTP listener on opts.http_host (or the client host):opts.http_port and logs
 * "Starting http monitor on <host>:<port>"; or, with opts.https_port, the HTTPS listener
 * ("Starting https monitor on ...") with the server's tls { } certificate (s->tls_ctx must
 * exist: else the reference's fatal "Can't start monitoring: TLS cert and key required for
 * HTTPS"; both ports set: "... can't specify both HTTP (a) and HTTPs (b) ports"). main calls
 * it from server_start's before_listen hook, where the reference logs it. Returns NULL
 * (message logged) on error or when neither port is set. Requests wait in the backlog until
 * monitor_run. */
struct monitor *monitor_open(struct server *s);
/* Starts the monitor's thread; call after server_start (the loops must exist). Returns 0 or
 * -1. */
int monitor_run(struct monitor *m);
/* Stops the thread, closes every HTTP connection, frees m. NULL is fine. Call before
 * server_shutdown. */
void monitor_stop(struct monitor *m);
/* The port actually bound (for http_port -1). */
int monitor_port(const struct monitor *m);

/* ---- endpoints ---- */

enum mon_sort {
    MON_SORT_CID, MON_SORT_START, MON_SORT_SUBS, MON_SORT_PENDING, MON_SORT_MSGS_TO,
    MON_SORT_MSGS_FROM, MON_SORT_BYTES_TO, MON_SORT_BYTES_FROM, MON_SORT_LAST, MON_SORT_IDLE,
    MON_SORT_UPTIME, MON_SORT_STOP, MON_SORT_REASON,
};
enum mon_state { MON_STATE_OPEN, MON_STATE_CLOSED, MON_STATE_ALL };

struct mon_connz_opts {
    enum mon_sort sort; /* "sort" */
    bool auth;          /* "auth": include authorized_user */
    bool subs;          /* "subs=1" / "subscriptions" */
    bool subs_detail;   /* "subs=detail" / "subscriptions_detail" */
    int offset, limit;  /* limit 0 = MON_DEFAULT_LIMIT */
    uint64_t cid;       /* 0 = all */
    enum mon_state state;
    char user[128];     /* with auth: only this user's connections */
    char acc[256];      /* "acc": only this account's connections ("" = all) */
};

struct mon_subsz_opts {
    bool subs; /* "subs": list subscriptions */
    int offset, limit;
    char test[512]; /* a publish subject: list only subscriptions matching it ("" = all) */
    char acc[256];  /* "acc": only this account's subscriptions and sublist ("" = all) */
};

struct mon_healthz_opts {
    bool js_enabled_only, js_server_only;
};

void mon_connz_opts_init(struct mon_connz_opts *o);
void mon_subsz_opts_init(struct mon_subsz_opts *o);
/* Fill opts from a URL query string. Return 0, or -1 with err set (HTTP 400 text). */
int mon_connz_opts_from_query(const char *q, size_t n, struct mon_connz_opts *o, char *err,
                              size_t errcap);
int mon_subsz_opts_from_query(const char *q, size_t n, struct mon_subsz_opts *o, char *err,
                              size_t errcap);
int mon_healthz_opts_from_query(const char *q, size_t n, struct mon_healthz_opts *o, char *err,
                                size_t errcap);
/* From a $SYS request body (the reference's ConnzOptions/SubszOptions JSON: "sort", "auth",
 * "subscriptions", "subscriptions_detail", "offset", "limit", "cid", "state" (0 open,
 * 1 closed, 2 all), "user"; SubszOptions: "offset", "limit", "subscriptions", "test").
 * body may be NULL (defaults). Return 0 or -1 with err set. */
int mon_connz_opts_from_json(const json_t *body, struct mon_connz_opts *o, char *err,
                             size_t errcap);
int mon_subsz_opts_from_json(const json_t *body, struct mon_subsz_opts *o, char *err,
                             size_t errcap);

json_t *mon_varz(struct server *s, struct monitor *m);
json_t *mon_connz(struct server *s, const struct mon_connz_opts *o, char *err, size_t errcap);
json_t *mon_subsz(struct server *s, const struct mon_subsz_opts *o, char *err, size_t errcap);
json_t *mon_routez(struct server *s);
json_t *mon_gatewayz(struct server *s);
json_t *mon_leafz(struct server *s);
/* acc NULL: the account list; else that account's detail ($G or $SYS). */
json_t *mon_accountz(struct server *s, const char *acc, char *err, size_t errcap);
json_t *mon_accstatz(struct server *s);
json_t *mon_jsz(struct server *s);
json_t *mon_healthz(struct server *s, const struct mon_healthz_opts *o);

/* Prometheus text format 0.0.4 (docs/monitoring.md lists the metrics). malloc'd; caller
 * frees. */
char *mon_metrics(struct server *s, struct monitor *m);

/* Formatting helpers (mon_fmt.c), exposed for tests and the $SYS side. */
/* RFC 3339 with nanoseconds, UTC, trailing zeros trimmed, as Go's time.Time JSON. */
void mon_fmt_time(int64_t wall_ns, char *out, size_t cap);
/* Go's time.Duration String(): "0s", "382µs", "1.5ms", "2m3.5s". */
void mon_fmt_duration(int64_t ns, char *out, size_t cap);
/* The reference's uptime form: "1d2h3m4s", "5m0s", "0s". */
void mon_fmt_uptime(int64_t ns, char *out, size_t cap);

#endif
