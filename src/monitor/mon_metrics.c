/* /metrics: Prometheus text exposition format 0.0.4. Names are natrium_*; the list with
 * their meaning is in docs/monitoring.md. Counters end in _total; every family has HELP and
 * TYPE lines; label values are escaped (\\, \", \n). */
#include "monitor/mon_priv.h"

#include "core/clock.h"
#include "core/xmalloc.h"
#include "server/server.h"
#include "server/snapshot.h"
#include "sublist/sublist.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sbuf {
    char *p;
    size_t len, cap;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    for (;;) {
        va_start(ap, fmt);
        n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        b->cap = b->cap * 2 + (size_t)(n > 0 ? n : 0) + 256;
        b->p = xrealloc(b->p, b->cap);
    }
}

/* A label value with \, " and newline escaped. */
static void sb_label(struct sbuf *b, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\')
            sb_printf(b, "\\\\");
        else if (*v == '"')
            sb_printf(b, "\\\"");
        else if (*v == '\n')
            sb_printf(b, "\\n");
        else
            sb_printf(b, "%c", *v);
    }
}

static void family(struct sbuf *b, const char *name, const char *type, const char *help)
{
    sb_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void metric_u(struct sbuf *b, const char *name, const char *type, const char *help,
                     unsigned long long v)
{
    family(b, name, type, help);
    sb_printf(b, "%s %llu\n", name, v);
}

static void metric_f(struct sbuf *b, const char *name, const char *type, const char *help,
                     double v)
{
    family(b, name, type, help);
    sb_printf(b, "%s %.6f\n", name, v);
}

char *mon_metrics(struct server *s, struct monitor *m)
{
    struct sbuf b = {xmalloc(4096), 0, 4096};
    struct server_snap sn;
    struct sl_stats st;
    int64_t mem = 0, now = clock_wall_ns();
    double cpu = 0;

    b.p[0] = '\0';
    server_snapshot(s, 0, 0, MON_SNAP_TIMEOUT_MS, &sn);
    mon_proc_usage(s, m, &mem, &cpu);
    server_sublist_stats(s, &st);

    family(&b, "natrium_info", "gauge", "Server identity; the value is always 1.");
    sb_printf(&b, "natrium_info{server_id=\"");
    sb_label(&b, s->id);
    sb_printf(&b, "\",server_name=\"");
    sb_label(&b, s->name);
    sb_printf(&b, "\",version=\"%s\",natrium_version=\"%s\"} 1\n", NATS_VERSION,
              NATRIUM_VERSION);
    metric_f(&b, "natrium_start_time_seconds", "gauge", "Server start time, Unix seconds.",
             (double)s->start_ns / 1e9);
    metric_f(&b, "natrium_uptime_seconds", "gauge", "Seconds since the server started.",
             (double)(now - s->start_ns) / 1e9);
    metric_u(&b, "natrium_connections", "gauge", "Client connections open now.",
             (unsigned long long)atomic_load(&s->nconns));
    family(&b, "natrium_connections_by_kind", "gauge", "Connections open now, by kind.");
    sb_printf(&b, "natrium_connections_by_kind{kind=\"client\"} %d\n", atomic_load(&s->nconns));
    sb_printf(&b, "natrium_connections_by_kind{kind=\"route\"} 0\n");
    sb_printf(&b, "natrium_connections_by_kind{kind=\"gateway\"} 0\n");
    sb_printf(&b, "natrium_connections_by_kind{kind=\"leaf\"} 0\n");
    metric_u(&b, "natrium_connections_total", "counter", "Client connections accepted.",
             (unsigned long long)(atomic_load(&s->next_cid) - s->first_cid));
    metric_u(&b, "natrium_max_connections", "gauge", "Configured connection limit.",
             (unsigned long long)s->opts.max_connections);
    metric_u(&b, "natrium_subscriptions", "gauge", "Subscriptions in the subject tree.",
             (unsigned long long)st.count);
    metric_u(&b, "natrium_in_msgs_total", "counter", "Messages received from clients.",
             (unsigned long long)sn.t.in_msgs);
    metric_u(&b, "natrium_out_msgs_total", "counter", "Messages delivered to clients.",
             (unsigned long long)sn.t.out_msgs);
    metric_u(&b, "natrium_in_bytes_total", "counter", "Payload bytes received from clients.",
             (unsigned long long)sn.t.in_bytes);
    metric_u(&b, "natrium_out_bytes_total", "counter", "Payload bytes delivered to clients.",
             (unsigned long long)sn.t.out_bytes);
    metric_u(&b, "natrium_slow_consumers_total", "counter",
             "Connections closed or marked as slow consumers.",
             (unsigned long long)sn.t.slow_consumers);
    metric_u(&b, "natrium_sublist_inserts_total", "counter", "Subscriptions inserted.",
             (unsigned long long)st.inserts);
    metric_u(&b, "natrium_sublist_removes_total", "counter", "Subscriptions removed.",
             (unsigned long long)st.removes);
    metric_u(&b, "natrium_sublist_cache_entries", "gauge",
             "Match results cached by the event loops.", (unsigned long long)sn.t.cache_entries);
    metric_u(&b, "natrium_sublist_cache_lookups_total", "counter",
             "Subject matches looked up in the loop caches.",
             (unsigned long long)sn.t.cache_lookups);
    metric_u(&b, "natrium_sublist_cache_hits_total", "counter",
             "Subject matches answered from the loop caches.",
             (unsigned long long)sn.t.cache_hits);
    metric_u(&b, "natrium_memory_resident_bytes", "gauge", "Resident memory of the process.",
             (unsigned long long)mem);
    metric_f(&b, "natrium_cpu_percent", "gauge",
             "CPU used by the process, percent of one core, over the last sample.", cpu);
    metric_u(&b, "natrium_event_loops", "gauge", "Event loop threads.",
             (unsigned long long)s->nloops);
    metric_u(&b, "natrium_event_loops_answering", "gauge",
             "Event loops that answered this scrape in time.",
             (unsigned long long)sn.loops_answered);
    metric_u(&b, "natrium_jetstream_enabled", "gauge", "1 when JetStream runs (not yet).", 0);
    if (m) {
        family(&b, "natrium_http_requests_total", "counter",
               "Monitoring HTTP requests, by endpoint path.");
        pthread_mutex_lock(&m->mu);
        for (int i = 0; i < m->nstats; i++) {
            sb_printf(&b, "natrium_http_requests_total{path=\"");
            sb_label(&b, m->stat_paths[i]);
            sb_printf(&b, "\"} %llu\n", (unsigned long long)m->stat_counts[i]);
        }
        {
            unsigned long long errs = m->http_errors;
            pthread_mutex_unlock(&m->mu);
            metric_u(&b, "natrium_http_errors_total", "counter",
                     "Monitoring HTTP answers with a 4xx or 5xx status.", errs);
        }
    }
    server_snap_release(&sn);
    return b.p;
}
