/* The endpoints' JSON (mirrors server/monitor.go Varz, Connz, Subsz, ...): field names,
 * order, types and units as nats-server 2.9.10 prints them. See monitor.h for the API and
 * docs/monitoring.md for what natrium fills. */
#include "monitor/mon_priv.h"

#include "core/clock.h"
#include "core/xmalloc.h"
#include "server/account.h"
#include "server/server.h"
#include "server/snapshot.h"
#include "sublist/subject.h"
#include "sublist/sublist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SYSTEM_ACCOUNT "$SYS"
#define GLOBAL_ACCOUNT "$G"

static void set_str(json_t *o, const char *k, const char *v)
{
    json_object_set_new(o, k, json_string(v ? v : ""));
}

static void set_int(json_t *o, const char *k, int64_t v)
{
    json_object_set_new(o, k, json_integer(v));
}

static void set_time(json_t *o, const char *k, int64_t ns)
{
    char buf[64];
    mon_fmt_time(ns, buf, sizeof(buf));
    set_str(o, k, buf);
}

static json_t *head(struct server *s, int64_t now)
{
    json_t *o = json_object();
    set_str(o, "server_id", s->id);
    set_time(o, "now", now);
    return o;
}

/* ---- process usage ---- */

void mon_count_request(struct monitor *m, const char *path)
{
    pthread_mutex_lock(&m->mu);
    for (int i = 0; i < m->nstats; i++) {
        if (m->stat_paths[i] == path || !strcmp(m->stat_paths[i], path)) {
            m->stat_counts[i]++;
            pthread_mutex_unlock(&m->mu);
            return;
        }
    }
    if (m->nstats < MON_MAX_STAT_PATHS) {
        m->stat_paths[m->nstats] = path;
        m->stat_counts[m->nstats++] = 1;
    }
    pthread_mutex_unlock(&m->mu);
}

static int64_t proc_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void mon_proc_usage(struct server *s, struct monitor *m, int64_t *mem, double *cpu)
{
    long pages = 0, rss = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    int64_t now = clock_wall_ns(), used = proc_cpu_ns();

    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
            rss = 0;
        fclose(f);
    }
    *mem = (int64_t)rss * sysconf(_SC_PAGESIZE);
    if (!m) {
        int64_t wall = now - s->start_ns;
        *cpu = wall > 0 ? (double)used * 100.0 / (double)wall : 0;
        return;
    }
    pthread_mutex_lock(&m->mu);
    if (m->cpu_last_wall_ns == 0) {
        m->cpu_last_wall_ns = s->start_ns;
        m->cpu_last_ns = 0;
    }
    if (now - m->cpu_last_wall_ns >= 500000000LL) { /* re-sample at most twice a second */
        m->cpu_pct = (double)(used - m->cpu_last_ns) * 100.0 / (double)(now - m->cpu_last_wall_ns);
        m->cpu_last_wall_ns = now;
        m->cpu_last_ns = used;
    }
    *cpu = (double)(int64_t)(m->cpu_pct * 100.0 + 0.5) / 100.0;
    pthread_mutex_unlock(&m->mu);
}

/* ---- varz ---- */

json_t *mon_varz(struct server *s, struct monitor *m)
{
    const struct options *op = &s->opts;
    struct server_snap sn;
    json_t *o = json_object(), *stats;
    int64_t now = clock_wall_ns(), mem = 0;
    double cpu = 0;
    char buf[64];
    long cores = sysconf(_SC_NPROCESSORS_ONLN);

    server_snapshot(s, 0, 0, MON_SNAP_TIMEOUT_MS, &sn);
    mon_proc_usage(s, m, &mem, &cpu);
    set_str(o, "server_id", s->id);
    set_str(o, "server_name", s->name);
    set_str(o, "version", NATS_VERSION);
    set_int(o, "proto", NATS_PROTO);
    set_str(o, "go", "natrium-" NATRIUM_VERSION);
    set_str(o, "host", op->host);
    set_int(o, "port", s->port);
    if (s->auth_required)
        json_object_set_new(o, "auth_required", json_true());
    if (s->tls_required) /* as in INFO: not with allow_non_tls */
        json_object_set_new(o, "tls_required", json_true());
    if (s->tls_verify)
        json_object_set_new(o, "tls_verify", json_true());
    set_int(o, "max_connections", op->max_connections);
    if (op->max_subs > 0)
        set_int(o, "max_subscriptions", op->max_subs);
    set_int(o, "ping_interval", op->ping_interval_ms * 1000000LL);
    set_int(o, "ping_max", op->ping_max);
    set_str(o, "http_host", m ? m->host : (op->http_host ? op->http_host : op->host));
    set_int(o, "http_port", m && !m->tls_ctx ? m->port : op->http_port);
    set_str(o, "http_base_path", op->http_base_path ? op->http_base_path : "");
    set_int(o, "https_port", op->https_port);
    /* seconds as a float in the reference; whole seconds print as an integer there */
    if (op->auth_timeout_ms % 1000 == 0)
        set_int(o, "auth_timeout", op->auth_timeout_ms / 1000);
    else
        json_object_set_new(o, "auth_timeout", json_real((double)op->auth_timeout_ms / 1000.0));
    set_int(o, "max_control_line", op->max_control_line);
    set_int(o, "max_payload", op->max_payload);
    set_int(o, "max_pending", op->max_pending);
    json_object_set_new(o, "cluster", json_object());
    json_object_set_new(o, "gateway", json_object());
    json_object_set_new(o, "leaf", json_object());
    json_object_set_new(o, "mqtt", json_object());
    json_object_set_new(o, "websocket", json_object());
    json_object_set_new(o, "jetstream", json_object());
    {
        /* seconds, a float in the reference (the TLS handshake deadline, default 2) */
        int64_t t = op->tlsc.timeout_ms > 0 ? op->tlsc.timeout_ms : DEFAULT_TLS_TIMEOUT_MS;
        if (t % 1000 == 0)
            set_int(o, "tls_timeout", t / 1000);
        else
            json_object_set_new(o, "tls_timeout", json_real((double)t / 1000.0));
    }
    set_int(o, "write_deadline", op->write_deadline_ms * 1000000LL);
    set_time(o, "start", s->start_ns);
    set_time(o, "now", now);
    mon_fmt_uptime(now - s->start_ns, buf, sizeof(buf));
    set_str(o, "uptime", buf);
    set_int(o, "mem", mem);
    set_int(o, "cores", cores);
    set_int(o, "gomaxprocs", s->nloops);
    json_object_set_new(o, "cpu", json_real(cpu));
    set_int(o, "connections", atomic_load(&s->nconns));
    set_int(o, "total_connections",
            (int64_t)(atomic_load(&s->next_cid) - s->first_cid));
    set_int(o, "routes", 0);
    set_int(o, "remotes", 0);
    set_int(o, "leafnodes", 0);
    set_int(o, "in_msgs", (int64_t)sn.t.in_msgs);
    set_int(o, "out_msgs", (int64_t)sn.t.out_msgs);
    set_int(o, "in_bytes", (int64_t)sn.t.in_bytes);
    set_int(o, "out_bytes", (int64_t)sn.t.out_bytes);
    set_int(o, "slow_consumers", (int64_t)sn.t.slow_consumers);
    {
        struct sl_stats all;
        server_sublist_stats(s, &all);
        set_int(o, "subscriptions", (int64_t)all.count);
    }
    stats = json_object();
    if (m) {
        pthread_mutex_lock(&m->mu);
        for (int i = 0; i < m->nstats; i++)
            set_int(stats, m->stat_paths[i], (int64_t)m->stat_counts[i]);
        pthread_mutex_unlock(&m->mu);
    }
    json_object_set_new(o, "http_req_stats", stats);
    set_time(o, "config_load_time", s->config_load_ns);
    if (s->sacc)
        set_str(o, "system_account", s->sacc->name);
    server_snap_release(&sn);
    return o;
}

/* ---- connz ---- */

static int64_t last_of(const struct conn_info *c)
{
    return c->last_ns;
}

static int cmp_i64_desc(int64_t a, int64_t b)
{
    return a < b ? 1 : a > b ? -1 : 0;
}

static int cmp_u64_desc(uint64_t a, uint64_t b)
{
    return a < b ? 1 : a > b ? -1 : 0;
}

static int conn_cmp(const void *pa, const void *pb, void *arg)
{
    const struct conn_info *a = pa, *b = pb;
    enum mon_sort k = *(const enum mon_sort *)arg;
    int r = 0;
    switch (k) {
    case MON_SORT_CID:
        break;
    case MON_SORT_START:
        r = cmp_i64_desc(a->start_ns, b->start_ns);
        break;
    case MON_SORT_SUBS:
        r = cmp_u64_desc(a->nsubs, b->nsubs);
        break;
    case MON_SORT_PENDING:
        r = cmp_u64_desc(a->pending_bytes, b->pending_bytes);
        break;
    case MON_SORT_MSGS_TO:
        r = cmp_u64_desc(a->out_msgs, b->out_msgs);
        break;
    case MON_SORT_MSGS_FROM:
        r = cmp_u64_desc(a->in_msgs, b->in_msgs);
        break;
    case MON_SORT_BYTES_TO:
        r = cmp_u64_desc(a->out_bytes, b->out_bytes);
        break;
    case MON_SORT_BYTES_FROM:
        r = cmp_u64_desc(a->in_bytes, b->in_bytes);
        break;
    case MON_SORT_LAST:
        r = cmp_i64_desc(last_of(a), last_of(b));
        break;
    case MON_SORT_IDLE:
        r = -cmp_i64_desc(last_of(a), last_of(b));
        break;
    case MON_SORT_UPTIME:
        r = -cmp_i64_desc(a->start_ns, b->start_ns);
        break;
    case MON_SORT_STOP:
        r = cmp_i64_desc(a->stop_ns, b->stop_ns);
        break;
    case MON_SORT_REASON:
        r = strcmp(close_reason_text(a->reason), close_reason_text(b->reason));
        break;
    }
    if (r == 0)
        r = a->cid < b->cid ? -1 : a->cid > b->cid ? 1 : 0;
    return r;
}

static json_t *conn_json(const struct conn_info *c, const struct mon_connz_opts *o, int64_t now)
{
    json_t *j = json_object();
    char buf[64];
    int64_t end = c->stop_ns ? c->stop_ns : now;

    set_int(j, "cid", (int64_t)c->cid);
    set_str(j, "kind", "Client");
    set_str(j, "type", "nats");
    set_str(j, "ip", c->ip);
    set_int(j, "port", c->port);
    set_time(j, "start", c->start_ns);
    set_time(j, "last_activity", c->last_ns);
    if (c->stop_ns) {
        set_time(j, "stop", c->stop_ns);
        set_str(j, "reason", close_reason_text(c->reason));
    }
    mon_fmt_duration(c->rtt_ns, buf, sizeof(buf));
    set_str(j, "rtt", buf);
    mon_fmt_uptime(end - c->start_ns, buf, sizeof(buf));
    set_str(j, "uptime", buf);
    mon_fmt_uptime(end - c->last_ns, buf, sizeof(buf));
    set_str(j, "idle", buf);
    set_int(j, "pending_bytes", (int64_t)c->pending_bytes);
    set_int(j, "in_msgs", (int64_t)c->in_msgs);
    set_int(j, "out_msgs", (int64_t)c->out_msgs);
    set_int(j, "in_bytes", (int64_t)c->in_bytes);
    set_int(j, "out_bytes", (int64_t)c->out_bytes);
    set_int(j, "subscriptions", c->nsubs);
    if (c->name && *c->name)
        set_str(j, "name", c->name);
    if (c->lang && *c->lang)
        set_str(j, "lang", c->lang);
    if (c->version && *c->version)
        set_str(j, "version", c->version);
    if (o->auth && c->user && *c->user)
        set_str(j, "authorized_user", c->user);
    if (o->auth && c->account && *c->account && strcmp(c->account, GLOBAL_ACCOUNT) != 0)
        set_str(j, "account", c->account); /* the reference leaves $G out */
    if (o->subs && c->nsubs_list > 0) {
        json_t *a = json_array();
        for (uint32_t i = 0; i < c->nsubs_list; i++) {
            const struct conn_sub_info *si = &c->subs[i];
            if (o->subs_detail) {
                json_t *d = json_object();
                set_str(d, "subject", si->subject);
                if (si->queue)
                    set_str(d, "qgroup", si->queue);
                set_str(d, "sid", si->sid);
                set_int(d, "msgs", (int64_t)si->msgs);
                set_int(d, "cid", (int64_t)c->cid);
                json_array_append_new(a, d);
            } else {
                json_array_append_new(a, json_string(si->subject));
            }
        }
        json_object_set_new(j, o->subs_detail ? "subscriptions_list_detail" : "subscriptions_list",
                            a);
    }
    return j;
}

json_t *mon_connz(struct server *s, const struct mon_connz_opts *o, char *err, size_t errcap)
{
    struct server_snap sn = {0};
    struct conn_info *all = NULL, *closed = NULL;
    size_t n = 0, nclosed = 0, total = 0;
    unsigned flags = SNAP_CONNS | (o->subs ? SNAP_SUBS : 0);
    int64_t now = clock_wall_ns();
    enum mon_sort sort = o->sort;
    json_t *res, *arr;
    int limit = o->limit > 0 ? o->limit : MON_DEFAULT_LIMIT, offset = o->offset > 0 ? o->offset : 0;

    if (o->state == MON_STATE_OPEN && (sort == MON_SORT_STOP || sort == MON_SORT_REASON)) {
        snprintf(err, errcap, "sort by %s only valid on closed connections",
                 sort == MON_SORT_STOP ? "stop" : "reason");
        return NULL;
    }
    if (o->state != MON_STATE_CLOSED && server_snapshot(s, flags, o->cid, MON_SNAP_TIMEOUT_MS,
                                                        &sn) != 0) {
        snprintf(err, errcap, "server is shutting down");
        return NULL;
    }
    if (o->state != MON_STATE_OPEN)
        nclosed = server_closed_conns(s, flags, &closed);
    all = xcalloc(sn.nconns + nclosed + 1, sizeof(*all));
    for (size_t i = 0; i < sn.nconns; i++)
        all[n++] = sn.conns[i]; /* ownership moves */
    free(sn.conns);
    sn.conns = NULL;
    sn.nconns = 0;
    for (size_t i = 0; i < nclosed; i++) {
        if (o->cid && closed[i].cid != o->cid) {
            conn_info_release(&closed[i]);
            continue;
        }
        all[n++] = closed[i];
    }
    free(closed);
    /* the user filter (with auth) */
    if (o->auth && o->user[0]) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            if (all[i].user && !strcmp(all[i].user, o->user))
                all[k++] = all[i];
            else
                conn_info_release(&all[i]);
        }
        n = k;
    }
    /* the account filter */
    if (o->acc[0]) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            if (all[i].account && !strcmp(all[i].account, o->acc))
                all[k++] = all[i];
            else
                conn_info_release(&all[i]);
        }
        n = k;
    }
    qsort_r(all, n, sizeof(*all), conn_cmp, &sort);
    total = n;
    if (o->cid)
        limit = 1;

    res = head(s, now);
    set_int(res, "num_connections", 0);
    set_int(res, "total", (int64_t)total);
    set_int(res, "offset", offset);
    set_int(res, "limit", limit);
    arr = json_array();
    for (size_t i = (size_t)offset; i < n && json_array_size(arr) < (size_t)limit; i++)
        json_array_append_new(arr, conn_json(&all[i], o, now));
    set_int(res, "num_connections", (int64_t)json_array_size(arr));
    json_object_set_new(res, "connections", arr);
    conn_info_free_array(all, n);
    server_snap_release(&sn);
    return res;
}

/* ---- subsz ---- */

static void sublist_stats_json(json_t *o, struct server *s, const struct snap_totals *t)
{
    struct sl_stats st;
    server_sublist_stats(s, &st);
    set_int(o, "num_subscriptions", (int64_t)st.count);
    set_int(o, "num_cache", (int64_t)t->cache_entries);
    set_int(o, "num_inserts", (int64_t)st.inserts);
    set_int(o, "num_removes", (int64_t)st.removes);
    set_int(o, "num_matches", (int64_t)(t->cache_lookups > st.matches ? t->cache_lookups
                                                                      : st.matches));
    json_object_set_new(o, "cache_hit_rate",
                        json_real(t->cache_lookups
                                      ? (double)t->cache_hits / (double)t->cache_lookups
                                      : 0.0));
    set_int(o, "max_fanout", (int64_t)t->fanout_max);
    json_object_set_new(o, "avg_fanout",
                        json_real(t->cache_entries
                                      ? (double)t->fanout_sum / (double)t->cache_entries
                                      : 0.0));
}

json_t *mon_subsz(struct server *s, const struct mon_subsz_opts *o, char *err, size_t errcap)
{
    struct server_snap sn;
    json_t *res;
    int64_t now = clock_wall_ns();

    if (server_snapshot(s, o->subs ? SNAP_CONNS | SNAP_SUBS : 0, 0, MON_SNAP_TIMEOUT_MS, &sn)) {
        snprintf(err, errcap, "server is shutting down");
        return NULL;
    }
    if (o->subs) {
        res = head(s, now);
    } else {
        res = json_object();
    }
    if (o->acc[0]) {
        struct account *a = account_find(s, o->acc);
        struct sl_stats st;
        if (!a) {
            server_snap_release(&sn);
            json_decref(res);
            snprintf(err, errcap, "Account %s does not exist", o->acc);
            return NULL;
        }
        sl_get_stats(a->sl, &st);
        set_int(res, "num_subscriptions", (int64_t)st.count);
        set_int(res, "num_cache", 0);
        set_int(res, "num_inserts", (int64_t)st.inserts);
        set_int(res, "num_removes", (int64_t)st.removes);
        set_int(res, "num_matches", (int64_t)st.matches);
        json_object_set_new(res, "cache_hit_rate", json_real(0));
        set_int(res, "max_fanout", 0);
        json_object_set_new(res, "avg_fanout", json_real(0));
    } else {
        sublist_stats_json(res, s, &sn.t);
    }
    if (o->subs) {
        json_t *arr = json_array();
        size_t total = 0, limit = (size_t)(o->limit > 0 ? o->limit : MON_DEFAULT_LIMIT);
        size_t offset = (size_t)(o->offset > 0 ? o->offset : 0);
        for (size_t i = 0; i < sn.nconns; i++) {
            const struct conn_info *c = &sn.conns[i];
            for (uint32_t k = 0; k < c->nsubs_list; k++) {
                const struct conn_sub_info *si = &c->subs[k];
                json_t *d;
                if (o->test[0] && !subj_matches(si->subject, strlen(si->subject), o->test,
                                                strlen(o->test)))
                    continue;
                if (o->acc[0] && (!c->account || strcmp(c->account, o->acc) != 0))
                    continue;
                total++;
                if (total <= offset || json_array_size(arr) >= limit)
                    continue;
                d = json_object();
                set_str(d, "account", c->account ? c->account : GLOBAL_ACCOUNT);
                set_str(d, "subject", si->subject);
                if (si->queue)
                    set_str(d, "qgroup", si->queue);
                set_str(d, "sid", si->sid);
                set_int(d, "msgs", (int64_t)si->msgs);
                set_int(d, "cid", (int64_t)c->cid);
                json_array_append_new(arr, d);
            }
        }
        set_int(res, "total", (int64_t)total);
        set_int(res, "offset", (int64_t)offset);
        set_int(res, "limit", (int64_t)limit);
        json_object_set_new(res, "subscriptions_list", arr);
    }
    server_snap_release(&sn);
    return res;
}

/* ---- what natrium does not have yet: the reference's answers for none configured ---- */

json_t *mon_routez(struct server *s)
{
    json_t *o = head(s, clock_wall_ns());
    set_int(o, "num_routes", 0);
    json_object_set_new(o, "routes", json_array());
    return o;
}

json_t *mon_gatewayz(struct server *s)
{
    json_t *o = head(s, clock_wall_ns());
    json_object_set_new(o, "outbound_gateways", json_object());
    json_object_set_new(o, "inbound_gateways", json_object());
    return o;
}

json_t *mon_leafz(struct server *s)
{
    json_t *o = head(s, clock_wall_ns());
    set_int(o, "leafnodes", 0);
    json_object_set_new(o, "leafs", json_null());
    return o;
}

/* "exports" and "imports" of an account's configuration, in the reference's shapes (the
 * reference also lists the system account's own service imports, which natrium has not). */
static void account_exports_imports(json_t *d, const struct account *a)
{
    static const char *const rtypes[] = {"Singleton", "Streamed", "Chunked"};
    const struct account_conf *ac = a->conf;
    json_t *ex, *im;

    if (!ac)
        return;
    if (ac->nexports) {
        ex = json_array();
        for (uint32_t i = 0; i < ac->nexports; i++) {
            const struct export_conf *x = &ac->exports[i];
            json_t *e = json_object();
            set_str(e, "subject", x->subject);
            set_str(e, "type", x->service ? "service" : "stream");
            if (x->service)
                set_str(e, "response_type", rtypes[x->resp_type]);
            json_array_append_new(ex, e);
        }
        json_object_set_new(d, "exports", ex);
    }
    if (ac->nimports) {
        im = json_array();
        for (uint32_t i = 0; i < ac->nimports; i++) {
            const struct import_conf *x = &ac->imports[i];
            json_t *e = json_object();
            if (x->service) {
                set_str(e, "subject", x->to && *x->to ? x->to : x->subject);
                set_str(e, "account", x->account);
                set_str(e, "to", x->subject);
                set_str(e, "type", "service");
            } else {
                char local[1024];
                snprintf(local, sizeof(local), "%s%s%s", x->prefix ? x->prefix : "",
                         x->prefix && *x->prefix ? "." : "", x->subject);
                set_str(e, "subject", x->subject);
                set_str(e, "account", x->account);
                set_str(e, "local_subject", local);
                set_str(e, "type", "stream");
            }
            json_object_set_new(e, "invalid", json_false());
            json_object_set_new(e, "share", json_false());
            json_object_set_new(e, "tracking", json_false());
            json_array_append_new(im, e);
        }
        json_object_set_new(d, "imports", im);
    }
}

json_t *mon_accountz(struct server *s, const char *acc, char *err, size_t errcap)
{
    json_t *o = head(s, clock_wall_ns());
    struct account *a;

    set_str(o, "system_account", s->sacc ? s->sacc->name : "");
    if (!acc || !*acc) {
        json_t *arr = json_array();
        for (uint32_t i = 0; i < s->naccounts; i++)
            json_array_append_new(arr, json_string(s->accounts[i]->name));
        json_object_set_new(o, "accounts", arr);
        return o;
    }
    a = account_find(s, acc);
    if (!a) {
        json_decref(o);
        snprintf(err, errcap, "Account %s does not exist", acc);
        return NULL;
    }
    {
        json_t *d = json_object(), *st = json_object();
        struct sl_stats ss;
        sl_get_stats(a->sl, &ss);
        set_str(d, "account_name", acc);
        set_time(d, "update_time", s->start_ns);
        json_object_set_new(d, "expired", json_false());
        json_object_set_new(d, "complete", json_true());
        json_object_set_new(d, "jetstream_enabled", json_false());
        set_int(d, "leafnode_connections", 0);
        set_int(d, "client_connections", atomic_load(&a->nconns));
        set_int(d, "subscriptions", (int64_t)ss.count);
        account_exports_imports(d, a);
        set_int(st, "num_subscriptions", (int64_t)ss.count);
        set_int(st, "num_cache", 0);
        set_int(st, "num_inserts", (int64_t)ss.inserts);
        set_int(st, "num_removes", (int64_t)ss.removes);
        set_int(st, "num_matches", (int64_t)ss.matches);
        json_object_set_new(st, "cache_hit_rate", json_real(0));
        set_int(st, "max_fanout", 0);
        json_object_set_new(st, "avg_fanout", json_real(0));
        json_object_set_new(d, "sublist_stats", st);
        json_object_set_new(o, "account_detail", d);
    }
    return o;
}

json_t *mon_accstatz(struct server *s)
{
    json_t *o = head(s, clock_wall_ns());
    json_object_set_new(o, "account_statz", json_array());
    return o;
}

json_t *mon_jsz(struct server *s)
{
    json_t *o = head(s, clock_wall_ns()), *cfg = json_object(), *api = json_object();
    json_object_set_new(o, "disabled", json_true());
    set_int(cfg, "max_memory", 0);
    set_int(cfg, "max_storage", 0);
    json_object_set_new(o, "config", cfg);
    set_int(o, "memory", 0);
    set_int(o, "storage", 0);
    set_int(o, "reserved_memory", 0);
    set_int(o, "reserved_storage", 0);
    set_int(o, "accounts", 0);
    set_int(o, "ha_assets", 0);
    set_int(api, "total", 0);
    set_int(api, "errors", 0);
    json_object_set_new(o, "api", api);
    set_int(o, "streams", 0);
    set_int(o, "consumers", 0);
    set_int(o, "messages", 0);
    set_int(o, "bytes", 0);
    return o;
}

json_t *mon_healthz(struct server *s, const struct mon_healthz_opts *o)
{
    (void)s;
    (void)o; /* no JetStream: every variant is healthy, as the reference without it */
    return json_pack("{s:s}", "status", "ok");
}
