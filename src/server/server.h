/* The server object and its event loops (mirrors server/server.go). Everything hangs off
 * struct server: there is no process-wide mutable state, so one process can run several
 * servers. Threads and locks: docs/internals/threads-and-locks.md (rules cited as T1, L1...). */
#ifndef NS_SERVER_SERVER_H
#define NS_SERVER_SERVER_H

#include "core/log.h"
#include "server/opts.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define NATS_VERSION "2.9.10" /* what clients see in INFO: feature checks key on it */
#define NATRIUM_VERSION "0.1.0"
#define NATS_PROTO 1
#define FIRST_CLIENT_ID 4 /* the reference gives cids 1-3 to internal clients */

struct account;
struct client;
struct loop;
struct snap_ring;
struct ssl_ctx_st; /* OpenSSL's SSL_CTX */

struct server {
    struct options opts; /* owned; read-only once the loops run */
    struct logger log;
    char id[57];    /* 56-character nkey-style public key, starting with 'N' */
    char *name;     /* server_name (= id when not set) */
    bool auth_required; /* advertised in INFO; CONNECT must come first */
    /* Keep closed connections for /connz?state=closed: only when someone can look (HTTP
     * monitoring, or a system account with users); otherwise the ring costs memory for
     * nothing. Set at start and by reloads (loops parked). */
    bool record_closed;
    struct account **accounts; /* every account; a reload appends (cfg_lock, loops parked) */
    uint32_t naccounts;
    struct account *gacc; /* $G */
    struct account *sacc; /* the system account (NULL with no_system_account) */
    /* Taken for writing by a reload while it changes opts, accounts and logging (the loops
     * are parked then); threads other than the loops that read those (monitor, system
     * requests) hold it for reading. */
    pthread_rwlock_t cfg_lock;
    struct auth_conf **retired_auth; /* replaced by reloads; clients may point into them */
    uint32_t nretired_auth;
    /* TLS on the client port (src/server/tls.h): the context built once at start, shared
     * read-only by the loops; NULL when the port is plaintext only. */
    struct ssl_ctx_st *tls_ctx;
    bool tls_required;  /* INFO tls_required: a TLS ctx and no allow_non_tls */
    bool tls_verify;    /* INFO tls_verify: client certificates verified (with allow_non_tls too) */
    bool tls_available; /* INFO tls_available: allow_non_tls with a TLS ctx */
    struct trust *trust;  /* operator mode (trust.h), or NULL; fixed once the loops run */
    bool nonce_required;  /* INFO carries a nonce: nkey users or operators configured */
    int listen_fd;
    int port; /* the port actually bound */
    int nloops;
    struct loop **loops;
    atomic_uint_fast64_t next_cid;
    uint64_t first_cid; /* the first client's id (after the reference's internal ones) */
    atomic_uint_fast64_t event_seq; /* "seq" of the server's advisories and answers */
    atomic_int nconns;
    atomic_bool shutdown;
    char *pid_file;   /* written at start, removed at exit */
    char *ports_file; /* likewise */
    struct snap_ring *closed; /* recently closed connections (snapshot.h) */
    int64_t start_ns;         /* wall clock at server_new */
    int64_t config_load_ns;   /* wall clock when the options were loaded */
    /* Called by server_start after the banner and before the client listener opens (main
     * opens the monitoring port there, so its log line comes where the reference's does).
     * Non-zero fails the start. NULL: nothing. */
    int (*before_listen)(struct server *s, void *arg);
    void *before_listen_arg;
};

/* Creates the server from opts (takes ownership of its strings; opts is zeroed). Opens the
 * log and binds the listener. Returns NULL with a message logged on failure. */
struct server *server_new(struct options *opts);
/* Starts the loop threads; returns 0 or -1. Logs the banner and "Server is ready". */
int server_start(struct server *s);
/* Stops accepting, closes every connection (flushing what it can), joins the loops. Safe to
 * call from the main thread once. */
void server_shutdown(struct server *s);
void server_free(struct server *s);
/* Sets tls_required/tls_verify/tls_available from opts and tls_ctx, and the auth and connect
 * deadlines TLS implies (at start, and by a reload with the loops parked). */
void server_apply_tls_flags(struct server *s);
/* Recomputes auth_required (INFO, CONNECT first) from opts. */
void server_update_auth_required(struct server *s);
/* Sums the sublist statistics of every account into *st. Any thread. */
struct sl_stats;
void server_sublist_stats(struct server *s, struct sl_stats *st);
/* SIGUSR2 (main thread): lame duck mode. Stops accepting, sends clients INFO with "ldm",
 * waits lame_duck_grace_period, then closes the clients over the rest of lame_duck_duration.
 * Returns 0 when done (the caller then shuts down), or SIGINT if one of signals (waited for
 * meanwhile) interrupted it. */
int server_lame_duck(struct server *s, const sigset_t *signals);
/* SIGUSR1: reopens the log file. */
void server_reopen_log(struct server *s);

#endif
