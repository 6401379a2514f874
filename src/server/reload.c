/* Configuration reload on SIGHUP (mirrors server/reload.go 2.9.10): reads the config file and
 * the flags again, refuses the changes the reference cannot apply ("config reload not
 * supported for Port: old=4222, new=4223"), then applies the rest with every loop parked
 * (stop the world, a few microseconds), rebinding each client to the new users and
 * permissions. Afterwards each loop closes its clients that are no longer authorized and
 * drops subscriptions that are no longer permitted. Main thread only. */
#include "server/reload.h"

#include "core/clock.h"
#include "core/units.h"
#include "core/xmalloc.h"
#include "server/account.h"
#include "server/client.h"
#include "server/client_auth.h"
#include "server/loop.h"
#include "server/opts_conf.h"
#include "server/server.h"
#include "server/tls.h"
#include "server/trust.h"

#include <openssl/ssl.h>
#include "sublist/subject.h"
#include "sublist/sublist.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PARK_TIMEOUT_MS 5000

/* ---- parking the loops ---- */

struct park {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int parked, left;
    bool release;
};

static void park_task(struct loop *lp, void *arg)
{
    struct park *p = arg;
    (void)lp;
    pthread_mutex_lock(&p->mu);
    p->parked++;
    pthread_cond_broadcast(&p->cv);
    while (!p->release)
        pthread_cond_wait(&p->cv, &p->mu);
    p->left++;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

/* Waits (bounded) until n loops are parked; false on timeout. */
static bool wait_parked(struct park *p, int n)
{
    int64_t end = clock_mono_ms() + PARK_TIMEOUT_MS;
    bool ok = true;
    pthread_mutex_lock(&p->mu);
    while (p->parked < n) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 10 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&p->cv, &p->mu, &ts);
        if (clock_mono_ms() > end) {
            ok = false;
            break;
        }
    }
    pthread_mutex_unlock(&p->mu);
    return ok;
}

/* Releases the parked loops and waits until each loop the task was posted to has passed
 * through it (a late one passes straight through), so p can go. */
static void release_parked(struct park *p, int posted)
{
    pthread_mutex_lock(&p->mu);
    p->release = true;
    pthread_cond_broadcast(&p->cv);
    while (p->left < posted)
        pthread_cond_wait(&p->cv, &p->mu);
    pthread_mutex_unlock(&p->mu);
}

/* ---- what changed ---- */

struct change {
    char text[600]; /* "Reloaded: ..." line */
};

struct diff {
    struct change *v;
    size_t n;
    char err[600]; /* the first change that cannot be reloaded */
};

__attribute__((format(printf, 2, 3))) static void changed(struct diff *d, const char *fmt, ...)
{
    va_list ap;
    d->v = xrealloc(d->v, (d->n + 1) * sizeof(*d->v));
    va_start(ap, fmt);
    vsnprintf(d->v[d->n].text, sizeof(d->v[d->n].text), fmt, ap);
    va_end(ap);
    d->n++;
}

static const char *s_or(const char *s)
{
    return s ? s : "";
}

static bool str_differs(const char *a, const char *b)
{
    return strcmp(s_or(a), s_or(b)) != 0;
}

static void refuse(struct diff *d, const char *field, const char *oldv, const char *newv)
{
    if (!d->err[0])
        snprintf(d->err, sizeof(d->err), "config reload not supported for %s: old=%s, new=%s",
                 field, oldv, newv);
}

static void refuse_int(struct diff *d, const char *field, long long a, long long b)
{
    char x[32], y[32];
    snprintf(x, sizeof(x), "%lld", a);
    snprintf(y, sizeof(y), "%lld", b);
    refuse(d, field, x, y);
}

static const char *tf(bool b)
{
    return b ? "true" : "false";
}

static void dur(int64_t ms, char *buf, size_t n)
{
    units_format_duration(ms, buf, n);
}

static bool trust_equal(const struct trust_conf *a, const struct trust_conf *b)
{
    if (a->noperators != b->noperators || a->ntrusted != b->ntrusted ||
        a->resolver_memory != b->resolver_memory || a->resolver_set != b->resolver_set ||
        a->npreload != b->npreload)
        return false;
    for (uint32_t i = 0; i < a->noperators; i++) {
        if (strcmp(a->operator_jwts[i], b->operator_jwts[i]) != 0)
            return false;
    }
    for (uint32_t i = 0; i < a->ntrusted; i++) {
        if (strcmp(a->trusted_keys[i], b->trusted_keys[i]) != 0)
            return false;
    }
    for (uint32_t i = 0; i < a->npreload; i++) {
        if (strcmp(a->preload[i].account, b->preload[i].account) != 0 ||
            strcmp(a->preload[i].jwt, b->preload[i].jwt) != 0)
            return false;
    }
    return true;
}

/* diffOptions, in the reference's field order. */
static void diff_options(const struct options *o, const struct options *n, struct diff *d)
{
    char b[64];

    if (str_differs(o->server_name, n->server_name))
        refuse(d, "ServerName", s_or(o->server_name), s_or(n->server_name));
    if (str_differs(o->host, n->host))
        refuse(d, "Host", s_or(o->host), s_or(n->host));
    if (o->port != n->port)
        refuse_int(d, "Port", o->port, n->port);
    if (str_differs(o->client_advertise, n->client_advertise))
        refuse(d, "ClientAdvertise", s_or(o->client_advertise), s_or(n->client_advertise));
    if (o->trace != n->trace)
        changed(d, "Reloaded: trace = %s", tf(n->trace));
    if (o->debug != n->debug)
        changed(d, "Reloaded: debug = %s", tf(n->debug));
    if (o->trace_verbose != n->trace_verbose)
        changed(d, "Reloaded: trace_verbose = %s", tf(n->trace_verbose));
    if (o->logtime != n->logtime)
        changed(d, "Reloaded: logtime = %s", tf(n->logtime));
    if (o->max_connections != n->max_connections)
        changed(d, "Reloaded: max_connections = %d", n->max_connections);
    if (o->max_subs != n->max_subs)
        changed(d, "Reloaded: max_subscriptions = %d", n->max_subs);
    if (o->max_sub_tokens != n->max_sub_tokens)
        changed(d, "Reloaded: max_sub_tokens = %d", n->max_sub_tokens);
    /* the reference always reports these two (it compares them by pointer) */
    changed(d, "Reloaded: authorization users");
    changed(d, "Reloaded: accounts");
    if (str_differs(o->auth.no_auth_user, n->auth.no_auth_user))
        changed(d, "Reloaded: no_auth_user = %s", s_or(n->auth.no_auth_user));
    if (str_differs(o->auth.system_account, n->auth.system_account))
        refuse(d, "SystemAccount", s_or(o->auth.system_account), s_or(n->auth.system_account));
    if (o->auth.no_system_account != n->auth.no_system_account)
        refuse(d, "NoSystemAccount", tf(o->auth.no_system_account),
               tf(n->auth.no_system_account));
    if (str_differs(o->username, n->username))
        changed(d, "Reloaded: authorization username");
    if (str_differs(o->password, n->password))
        changed(d, "Reloaded: authorization password");
    if (str_differs(o->auth_token, n->auth_token))
        changed(d, "Reloaded: authorization token");
    if (o->ping_interval_ms != n->ping_interval_ms) {
        dur(n->ping_interval_ms, b, sizeof(b));
        changed(d, "Reloaded: ping_interval = %s", b);
    }
    if (o->ping_max != n->ping_max)
        changed(d, "Reloaded: ping_max = %d", n->ping_max);
    if (str_differs(o->http_host, n->http_host))
        refuse(d, "HTTPHost", s_or(o->http_host), s_or(n->http_host));
    if (o->http_port != n->http_port)
        refuse_int(d, "HTTPPort", o->http_port, n->http_port);
    if (str_differs(o->http_base_path, n->http_base_path))
        refuse(d, "HTTPBasePath", s_or(o->http_base_path), s_or(n->http_base_path));
    if (o->https_port != n->https_port)
        refuse_int(d, "HTTPSPort", o->https_port, n->https_port);
    if (o->auth_timeout_ms != n->auth_timeout_ms) {
        snprintf(b, sizeof(b), "%g", (double)n->auth_timeout_ms / 1000.0);
        changed(d, "Reloaded: authorization timeout = %s", b);
    }
    if (o->max_control_line != n->max_control_line)
        changed(d, "Reloaded: max_control_line = %lld", (long long)n->max_control_line);
    if (o->max_payload != n->max_payload)
        changed(d, "Reloaded: max_payload = %lld", (long long)n->max_payload);
    if (o->max_pending != n->max_pending)
        changed(d, "Reloaded: max_pending = %lld", (long long)n->max_pending);
    if (str_differs(o->pid_file, n->pid_file))
        changed(d, "Reloaded: pid_file = %s", s_or(n->pid_file));
    if (str_differs(o->ports_file_dir, n->ports_file_dir))
        changed(d, "Reloaded: ports_file_dir = %s", s_or(n->ports_file_dir));
    if (str_differs(o->log_file, n->log_file))
        changed(d, "Reloaded: log_file = %s", s_or(n->log_file));
    if (o->write_deadline_ms != n->write_deadline_ms) {
        dur(n->write_deadline_ms, b, sizeof(b));
        changed(d, "Reloaded: write_deadline = %s", b);
    }
    if (o->lame_duck_duration_ms != n->lame_duck_duration_ms) {
        dur(n->lame_duck_duration_ms, b, sizeof(b));
        changed(d, "Reloaded: lame_duck_duration = %s", b);
    }
    if (o->lame_duck_grace_ms != n->lame_duck_grace_ms) {
        dur(n->lame_duck_grace_ms, b, sizeof(b));
        changed(d, "Reloaded: lame_duck_grace_period = %s", b);
    }
    if (o->nloops != n->nloops)
        refuse_int(d, "Loops", o->nloops, n->nloops);
    /* natrium: operator mode (operators, trusted keys, the MEMORY resolver's preloads) is
     * set at start only */
    if (!trust_equal(&o->trust, &n->trust))
        refuse(d, "TrustedOperators", "(operator mode at start)", "(changed)");
    if (o->jetstream != n->jetstream)
        refuse(d, "JetStream", tf(o->jetstream), tf(n->jetstream));
}

static bool strv_equal(char *const *a, int na, char *const *b, int nb)
{
    if (na != nb)
        return false;
    for (int i = 0; i < na; i++) {
        if (strcmp(a[i], b[i]) != 0)
            return false;
    }
    return true;
}

/* Do two TLS configurations differ in anything the context or the handshake uses? */
static bool tls_differs(const struct options *o, const struct options *n)
{
    const struct tls_opts *a = &o->tlsc, *b = &n->tlsc;
    return a->enabled != b->enabled || o->allow_non_tls != n->allow_non_tls ||
           str_differs(a->cert_file, b->cert_file) || str_differs(a->key_file, b->key_file) ||
           str_differs(a->ca_file, b->ca_file) || a->verify != b->verify || a->map != b->map ||
           a->timeout_ms != b->timeout_ms || a->nciphers != b->nciphers ||
           memcmp(a->ciphers, b->ciphers, sizeof(a->ciphers[0]) * (size_t)a->nciphers) != 0 ||
           a->ncurves != b->ncurves ||
           memcmp(a->curves, b->curves, sizeof(a->curves[0]) * (size_t)a->ncurves) != 0 ||
           a->handshake_first != b->handshake_first || a->fallback_ms != b->fallback_ms ||
           !strv_equal(a->pinned, a->npinned, b->pinned, b->npinned);
}

/* ---- applying ---- */

/* Rebinds every client of every (parked) loop to the new auth config; marks the ones it no
 * longer admits. Called with the loops parked. */
static void rebind_clients(struct server *s)
{
    for (int i = 0; i < s->nloops; i++) {
        for (struct client *c = s->loops[i]->clients; c; c = c->next) {
            if (c->closed)
                continue;
            if (!client_reauthenticate(c))
                c->reload_close = true;
        }
    }
}

/* After the world restarts, on each loop: close the clients the new config refuses, drop
 * subscriptions the new permissions forbid, adopt the new parser limits. */
static void after_task(struct loop *lp, void *arg)
{
    struct server *s = lp->srv;
    (void)arg;
    for (struct client *c = lp->clients, *next; c; c = next) {
        next = c->next;
        if (c->closed)
            continue;
        c->ps.max_control_line = (uint32_t)s->opts.max_control_line;
        c->ps.max_payload = s->opts.max_payload;
        if (c->reload_close) { /* closed without an -ERR, as the reference */
            c->reload_close = false;
            client_close(c, CLOSE_AUTH_FAILURE);
            continue;
        }
        client_drop_forbidden_subs(c);
    }
}

static void apply_logging(struct server *s, const struct options *n)
{
    struct logger *lg = &s->log;

    lg->debug = n->debug;
    lg->trace = n->trace;
    lg->logtime = n->logtime;
    if (str_differs(lg->path, n->log_file)) {
        if (n->log_file && *n->log_file) {
            int fd = open(n->log_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
            if (fd >= 0) {
                if (lg->path)
                    dup2(fd, lg->fd), close(fd);
                else
                    lg->fd = fd;
                free(lg->path);
                lg->path = xstrdup(n->log_file);
            }
        }
    }
}

/* Moves the reloadable values of n into the running options; keeps the old auth config
 * alive (clients may still point into it until they are rebound; it is freed at exit). */
static void apply_options(struct server *s, struct options *n)
{
    struct options *o = &s->opts;
    struct auth_conf *old = xmalloc(sizeof(*old));

    *old = o->auth;
    o->auth = n->auth;
    memset(&n->auth, 0, sizeof(n->auth));
    s->retired_auth = xrealloc(s->retired_auth, (s->nretired_auth + 1) * sizeof(*s->retired_auth));
    s->retired_auth[s->nretired_auth++] = old;
#define MOVE_STR(f)                                                                               \
    do {                                                                                          \
        free(o->f);                                                                               \
        o->f = n->f;                                                                              \
        n->f = NULL;                                                                              \
    } while (0)
    MOVE_STR(username);
    MOVE_STR(password);
    MOVE_STR(auth_token);
    MOVE_STR(log_file);
    MOVE_STR(pid_file);
    MOVE_STR(ports_file_dir);
#undef MOVE_STR
    o->trace = n->trace;
    o->debug = n->debug;
    o->trace_verbose = n->trace_verbose;
    o->logtime = n->logtime;
    o->max_connections = n->max_connections;
    o->max_subs = n->max_subs;
    o->max_sub_tokens = n->max_sub_tokens;
    o->ping_interval_ms = n->ping_interval_ms;
    o->ping_max = n->ping_max;
    o->auth_timeout_ms = n->auth_timeout_ms;
    o->max_control_line = n->max_control_line;
    o->max_payload = n->max_payload;
    o->max_pending = n->max_pending;
    o->write_deadline_ms = n->write_deadline_ms;
    o->connect_timeout_ms = n->connect_timeout_ms;
    o->lame_duck_duration_ms = n->lame_duck_duration_ms;
    o->lame_duck_grace_ms = n->lame_duck_grace_ms;
    if (n->auth_timeout_set)
        o->auth_timeout_set = true;
    server_update_auth_required(s);
    accounts_reload(s);
}

int server_reload(struct server *s, int argc, char **argv)
{
    struct options n;
    struct diff d = {0};
    struct park p;
    char err[4096];
    int code = 0, posted = 0;
    bool parked, tls_change = false;
    SSL_CTX *new_ctx = NULL, *old_ctx = NULL;

    if (!s->opts.config_file) {
        log_printf(&s->log, LOG_ERR,
                   "Failed to reload server configuration: can only reload config when a file is "
                   "provided using -c or --config");
        return -1;
    }
    opts_init(&n);
    if (opts_parse_args(&n, argc, argv, &code) != 0 ||
        opts_load_config(&n, s->opts.config_file, NULL, NULL, err, sizeof(err)) != 0) {
        size_t l = strlen(err);
        while (l && err[l - 1] == '\n')
            err[--l] = '\0';
        log_printf(&s->log, LOG_ERR, "Failed to reload server configuration: %s", err);
        opts_release(&n);
        return -1;
    }
    opts_parse_args(&n, argc, argv, &code); /* flags win over the file */
    if (opts_resolve_tls(&n, err, sizeof(err)) != 0) {
        log_printf(&s->log, LOG_ERR, "Failed to reload server configuration: %s", err);
        opts_release(&n);
        return -1;
    }
    diff_options(&s->opts, &n, &d);
    tls_change = tls_differs(&s->opts, &n);
    if (!d.err[0] && tls_change) {
        if (n.tlsc.enabled) {
            new_ctx = tls_ctx_new(&n.tlsc, err, sizeof(err));
            if (!new_ctx)
                snprintf(d.err, sizeof(d.err), "%.500s", err);
        }
        changed(&d, "Reloaded: tls = %s", n.tlsc.enabled ? "enabled" : "disabled");
    }
    if (d.err[0]) {
        log_printf(&s->log, LOG_ERR, "Failed to reload server configuration: %s", d.err);
        SSL_CTX_free(new_ctx);
        free(d.v);
        opts_release(&n);
        return -1;
    }

    /* stop the world: the loops park, the helper threads wait on the config lock */
    memset(&p, 0, sizeof(p));
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    pthread_rwlock_wrlock(&s->cfg_lock);
    for (int i = 0; i < s->nloops; i++)
        posted += loop_post_task(s->loops[i], park_task, &p) == 0;
    parked = wait_parked(&p, posted) && posted == s->nloops;
    if (parked) {
        apply_logging(s, &n);
        if (tls_change) { /* new handshakes use the new context; live sessions keep theirs */
            old_ctx = s->tls_ctx;
            s->tls_ctx = new_ctx;
            new_ctx = NULL;
            tls_opts_copy(&s->opts.tlsc, &n.tlsc);
            s->opts.allow_non_tls = n.allow_non_tls;
        }
        apply_options(s, &n);
        server_apply_tls_flags(s);
        rebind_clients(s);
    }
    release_parked(&p, posted);
    pthread_rwlock_unlock(&s->cfg_lock);
    pthread_cond_destroy(&p.cv);
    pthread_mutex_destroy(&p.mu);
    SSL_CTX_free(old_ctx); /* each live SSL holds its own reference */
    SSL_CTX_free(new_ctx); /* not swapped in (the loops did not pause) */
    if (!parked) {
        log_printf(&s->log, LOG_ERR,
                   "Failed to reload server configuration: the event loops did not pause");
        free(d.v);
        opts_release(&n);
        return -1;
    }
    for (int i = 0; i < s->nloops; i++)
        loop_post_task(s->loops[i], after_task, NULL);
    for (size_t i = 0; i < d.n; i++)
        log_printf(&s->log, LOG_INF, "%s", d.v[i].text);
    log_printf(&s->log, LOG_INF, "Reloaded server configuration");
    free(d.v);
    opts_release(&n);
    return 0;
}
