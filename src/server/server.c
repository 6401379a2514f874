/* Server start-up and shutdown (mirrors server/server.go Start/Shutdown): identity, listener,
 * loops, pid and ports files, the banner. */
#include "server/server.h"
#include "server/trust.h"

#include "server/account.h"
#include "server/auth.h"

#include "auth/nonce.h"
#include "core/net.h"
#include "core/xmalloc.h"
#include "server/client.h"
#include "server/info.h"
#include "server/loop.h"
#include "server/snapshot.h"
#include "core/clock.h"
#include "server/tls.h"
#include "sublist/sublist.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int open_listener(struct server *s)
{
    const char *host = s->opts.host && *s->opts.host ? s->opts.host : DEFAULT_HOST;
    int port = s->opts.port == RANDOM_PORT ? 0 : s->opts.port;
    char why[256];
    int fd = net_listen(host, port, 4096, &s->port, why, sizeof(why));

    if (fd < 0) {
        log_printf(&s->log, LOG_FTL, "Error listening on port: %s:%d, \"%s\"", host, port, why);
        return -1;
    }
    s->listen_fd = fd;
    return 0;
}

struct server *server_new(struct options *opts)
{
    struct server *s = xcalloc(1, sizeof(*s));
    s->opts = *opts;
    memset(opts, 0, sizeof(*opts));
    s->listen_fd = -1;
    s->start_ns = s->config_load_ns = clock_wall_ns();
    s->closed = snap_ring_new();
    if (log_init(&s->log, s->opts.log_file, s->opts.logtime, s->opts.debug, s->opts.trace) != 0) {
        fprintf(stderr, "nats-server: error opening log file %s: %s\n", s->opts.log_file,
                strerror(errno));
        server_free(s);
        return NULL;
    }
    info_make_server_id(s->id);
    s->name = xstrdup(s->opts.server_name && *s->opts.server_name ? s->opts.server_name : s->id);
    server_update_auth_required(s);
    pthread_rwlock_init(&s->cfg_lock, NULL);
    if (s->nonce_required) { /* first use of the random generator here, not on every loop */
        char warm[AUTH_NONCE_LEN + 1];
        (void)auth_nonce_new(warm, sizeof(warm));
    }
    if (s->opts.tlsc.enabled) {
        char err[1024];
        s->tls_ctx = tls_ctx_new(&s->opts.tlsc, err, sizeof(err));
        if (!s->tls_ctx) {
            fprintf(stderr, "nats-server: %s\n", err);
            server_free(s);
            return NULL;
        }
    }
    server_apply_tls_flags(s);
    atomic_init(&s->next_cid, FIRST_CLIENT_ID);
    atomic_init(&s->nconns, 0);
    atomic_init(&s->shutdown, false);
    s->nloops = s->opts.nloops > 0 ? s->opts.nloops : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (s->nloops < 1)
        s->nloops = 1;
    if (accounts_init(s) != 0) {
        server_free(s);
        return NULL;
    }
    /* The reference numbers its internal clients first: three for the system account, one per
     * other configured account; clients see the ids that follow. */
    {
        /* operator mode without a system account: its internal clients never start */
        uint64_t first = s->sacc && !(s->trust && !s->trust->explicit_system_account)
                             ? FIRST_CLIENT_ID
                             : 1;
        for (uint32_t i = 0; i < s->naccounts; i++)
            first += s->accounts[i]->conf && s->accounts[i] != s->sacc;
        atomic_store(&s->next_cid, first);
        s->first_cid = first;
    }
    return s;
}

static void write_pid_file(struct server *s)
{
    FILE *f;
    if (!s->opts.pid_file || !*s->opts.pid_file)
        return;
    f = fopen(s->opts.pid_file, "w");
    if (!f) {
        log_printf(&s->log, LOG_ERR, "Could not write pidfile: %s", strerror(errno));
        return;
    }
    fprintf(f, "%d", (int)getpid());
    fclose(f);
    s->pid_file = xstrdup(s->opts.pid_file);
}

/* The client URLs for the ports file: every interface address when bound to "any". */
static void write_ports_file(struct server *s)
{
    char path[4096], urls[8192];
    size_t n = 0;
    const char *host = s->opts.host;
    FILE *f;

    if (!s->opts.ports_file_dir || !*s->opts.ports_file_dir)
        return;
    if (!strcmp(host, "0.0.0.0") || !strcmp(host, "::") || !strcmp(host, "[::]")) {
        struct ifaddrs *ifs, *i;
        if (getifaddrs(&ifs) == 0) {
            for (i = ifs; i; i = i->ifa_next) {
                char ip[INET6_ADDRSTRLEN];
                if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
                    continue;
                inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, ip, sizeof(ip));
                if (!strncmp(ip, "127.", 4))
                    continue;
                n += (size_t)snprintf(urls + n, sizeof(urls) - n, "%s\"nats://%s:%d\"",
                                      n ? "," : "", ip, s->port);
                if (n >= sizeof(urls) - 64)
                    break;
            }
            freeifaddrs(ifs);
        }
    }
    if (n == 0)
        snprintf(urls, sizeof(urls), "\"nats://%s:%d\"",
                 strcmp(host, "0.0.0.0") ? host : "127.0.0.1", s->port);
    snprintf(path, sizeof(path), "%s/nats-server_%d.ports", s->opts.ports_file_dir, (int)getpid());
    f = fopen(path, "w");
    if (!f) {
        log_printf(&s->log, LOG_ERR, "Error writing ports file (%s): %s", path, strerror(errno));
        return;
    }
    fprintf(f, "{\"nats\":[%s]}", urls);
    fclose(f);
    s->ports_file = xstrdup(path);
}

static bool plaintext(const char *pw)
{
    return pw && *pw && strncmp(pw, "$2", 2) != 0;
}

static bool plaintext_passwords(const struct options *o)
{
    if (plaintext(o->password))
        return true;
    for (uint32_t i = 0; i < o->auth.nusers; i++) {
        if (plaintext(o->auth.users[i].password))
            return true;
    }
    return false;
}

int server_start(struct server *s)
{
    struct logger *lg = &s->log;

    log_printf(lg, LOG_INF, "Starting nats-server");
    log_printf(lg, LOG_INF, "  Version:  %s", NATS_VERSION);
    log_printf(lg, LOG_INF, "  Git:      [not set]");
    log_printf(lg, LOG_DBG, "  Build:    natrium %s", NATRIUM_VERSION);
    log_printf(lg, LOG_INF, "  Name:     %s", s->name);
    log_printf(lg, LOG_INF, "  ID:       %s", s->id);
    if (plaintext_passwords(&s->opts))
        log_printf(lg, LOG_WRN, "Plaintext passwords detected, use nkeys or bcrypt");
    trust_log_banner(s);
    if (s->before_listen && s->before_listen(s, s->before_listen_arg) != 0)
        return -1;
    if (open_listener(s) != 0)
        return -1;
    write_pid_file(s);
    s->loops = xcalloc((size_t)s->nloops, sizeof(*s->loops));
    for (int i = 0; i < s->nloops; i++) {
        s->loops[i] = loop_new(s, i);
        if (!s->loops[i]) {
            log_printf(lg, LOG_FTL, "Error creating event loop: %s", strerror(errno));
            return -1;
        }
    }
    for (int i = 0; i < s->nloops; i++) {
        if (loop_start(s->loops[i]) != 0) {
            log_printf(lg, LOG_FTL, "Error starting event loop thread");
            return -1;
        }
    }
    log_printf(lg, LOG_INF, "Listening for client connections on %s:%d", s->opts.host, s->port);
    if (s->tls_ctx)
        log_printf(lg, LOG_INF, "TLS required for client connections");
    write_ports_file(s);
    log_printf(lg, LOG_INF, "Server is ready");
    return 0;
}

void server_shutdown(struct server *s)
{
    log_printf(&s->log, LOG_INF, "Initiating Shutdown...");
    atomic_store_explicit(&s->shutdown, true, memory_order_release);
    for (int i = 0; i < s->nloops && s->loops && s->loops[i]; i++)
        loop_wake(s->loops[i]);
    for (int i = 0; i < s->nloops && s->loops && s->loops[i]; i++)
        pthread_join(s->loops[i]->thread, NULL);
    /* hand-overs that raced with the loops' exit: drop their refs */
    for (int i = 0; i < s->nloops && s->loops && s->loops[i]; i++) {
        struct loop *lp = s->loops[i];
        for (uint32_t k = 0; k < lp->ninbox; k++)
            client_unref(lp->inbox[k]);
        lp->ninbox = 0;
    }
    if (s->listen_fd >= 0) {
        close(s->listen_fd);
        s->listen_fd = -1;
    }
    if (s->ports_file)
        unlink(s->ports_file);
    log_printf(&s->log, LOG_INF, "Server Exiting..");
}

void server_apply_tls_flags(struct server *s)
{
    struct options *o = &s->opts;
    int64_t tls_ms;

    s->tls_required = s->tls_verify = s->tls_available = false;
    if (!s->tls_ctx)
        return;
    /* the handshake comes out of the CONNECT deadline: as the reference, an auth timeout not
     * given is the TLS timeout + 1s; natrium's connect deadline is at least that */
    tls_ms = o->tlsc.timeout_ms > 0 ? o->tlsc.timeout_ms : DEFAULT_TLS_TIMEOUT_MS;
    if (!o->auth_timeout_set)
        o->auth_timeout_ms = tls_ms + 1000;
    if (o->connect_timeout_ms > 0 && o->connect_timeout_ms < tls_ms + 1000)
        o->connect_timeout_ms = tls_ms + 1000;
    s->tls_required = !o->allow_non_tls;
    s->tls_verify = o->tlsc.verify;
    s->tls_available = o->allow_non_tls;
}

void server_update_auth_required(struct server *s)
{
    const struct options *o = &s->opts;
    const char *sys = o->auth.system_account && *o->auth.system_account ? o->auth.system_account
                                                                        : SYSTEM_ACCOUNT;
    s->record_closed = o->http_port != 0 || o->https_port != 0;
    for (uint32_t i = 0; i < o->auth.nusers && !o->auth.no_system_account; i++) {
        if (o->auth.users[i].account && strcmp(o->auth.users[i].account, sys) == 0)
            s->record_closed = true;
    }
    s->auth_required = ((o->username && *o->username) || (o->auth_token && *o->auth_token) ||
                        o->auth.nusers > 0) &&
                       !(o->auth.no_auth_user && *o->auth.no_auth_user);
    s->auth_required |= trust_conf_enabled(&o->trust);
    s->nonce_required = trust_conf_enabled(&o->trust);
    for (uint32_t i = 0; i < o->auth.nusers; i++)
        s->nonce_required |= o->auth.users[i].nkey != NULL;
}

void server_sublist_stats(struct server *s, struct sl_stats *st)
{
    memset(st, 0, sizeof(*st));
    for (uint32_t i = 0; i < s->naccounts; i++) {
        struct sl_stats one;
        sl_get_stats(s->accounts[i]->sl, &one);
        st->count += one.count;
        st->inserts += one.inserts;
        st->removes += one.removes;
        st->matches += one.matches;
    }
}

void server_reopen_log(struct server *s)
{
    if (log_reopen(&s->log) == 0)
        log_printf(&s->log, LOG_INF, "File log re-opened");
    else
        log_printf(&s->log, LOG_ERR, "Error re-opening log file: %s", strerror(errno));
}

void server_free(struct server *s)
{
    if (!s)
        return;
    for (int i = 0; s->loops && i < s->nloops; i++)
        loop_free(s->loops[i]);
    free(s->loops);
    snap_ring_free(s->closed);
    accounts_release(s);
    for (uint32_t i = 0; i < s->nretired_auth; i++) {
        auth_conf_release(s->retired_auth[i]);
        free(s->retired_auth[i]);
    }
    free(s->retired_auth);
    pthread_rwlock_destroy(&s->cfg_lock);
    if (s->listen_fd >= 0)
        close(s->listen_fd);
    SSL_CTX_free(s->tls_ctx);
    free(s->name);
    free(s->pid_file);
    free(s->ports_file);
    log_release(&s->log);
    opts_release(&s->opts);
    free(s);
}
