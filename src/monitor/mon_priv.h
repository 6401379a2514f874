/* Monitoring internals shared by the files of src/monitor (not for the server). */
#ifndef NS_MONITOR_MON_PRIV_H
#define NS_MONITOR_MON_PRIV_H

#include "monitor/monitor.h"

#include <openssl/ssl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

/* Paths counted in varz http_req_stats (the reference counts its own handlers' paths). */
#define MON_MAX_STAT_PATHS 24

struct httpc; /* one HTTP connection (httpd.c) */

struct monitor {
    struct server *srv;
    int listen_fd, epfd, evfd;
    int port;
    SSL_CTX *tls_ctx;       /* HTTPS (https_port): the monitor's own context; NULL for HTTP */
    int64_t handshake_ms;   /* HTTPS: the deadline for the first record and the handshake */
    char host[256];
    char base[256]; /* http_base_path without a trailing '/', "" for none */
    pthread_t thread;
    bool running; /* the thread was started (monitor_stop joins it) */
    atomic_bool stop;
    struct httpc *conns; /* monitor thread only */
    int nconns;

    pthread_mutex_t mu; /* guards what follows: any thread building varz/metrics reads it */
    const char *stat_paths[MON_MAX_STAT_PATHS];
    uint64_t stat_counts[MON_MAX_STAT_PATHS];
    int nstats;
    uint64_t http_errors; /* answers with a 4xx/5xx status */
    int64_t cpu_last_wall_ns, cpu_last_ns;
    double cpu_pct;
};

/* Counts a request for path (a static string) in http_req_stats. */
void mon_count_request(struct monitor *m, const char *path);
/* Resident memory in bytes and the process's CPU use in percent since the last call (under
 * m->mu; m may be NULL: average since start). */
void mon_proc_usage(struct server *s, struct monitor *m, int64_t *mem, double *cpu);

/* ---- HTTPS (httpd_tls.c) ---- */

#define MON_TLS_HDR 5 /* a TLS record header: type, version (2), length (2) */
enum mon_first {
    MON_FIRST_TLS,     /* a handshake (or alert) record: run the TLS handshake */
    MON_FIRST_HTTP,    /* "GET /", "HEAD "...: answer MON_TEXT_HTTP_TO_HTTPS in plaintext */
    MON_FIRST_NOT_TLS, /* anything else: log and close without a byte, as the reference */
};
/* Classifies the first 5 bytes a client sent to the HTTPS port, as Go's TLS server does. */
enum mon_first mon_tls_first_record(const unsigned char hdr[MON_TLS_HDR]);
/* Go net/http's plaintext answer to an HTTP request on an HTTPS port. */
extern const char MON_TEXT_HTTP_TO_HTTPS[];
/* The monitor's context from s->opts.tlsc: the client port's settings, but no client
 * certificate is requested (the reference's HTTPS server sets NoClientCert). NULL with the
 * reason in err. Built once at monitor_open: a reload does not change it, as the reference's. */
SSL_CTX *mon_tls_ctx_new(struct server *s, char *err, size_t errlen);

/* The embedded dashboard page and the index page (mon_pages.c). */
extern const char mon_dashboard_html[];
/* Builds the "/" index with links under base ("" or "/path"); malloc'd. */
char *mon_index_html(const char *base);

#endif
