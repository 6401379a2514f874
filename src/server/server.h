/* The server object and its event loops (mirrors server/server.go). Everything hangs off
 * struct server: there is no process-wide mutable state, so one process can run several
 * servers. Threads and locks: docs/internals/threads-and-locks.md (rules cited as T1, L1...). */
#ifndef NS_SERVER_SERVER_H
#define NS_SERVER_SERVER_H

#include "core/log.h"
#include "server/opts.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define NATS_VERSION "2.9.10" /* what clients see in INFO: feature checks key on it */
#define NATRIUM_VERSION "0.1.0"
#define NATS_PROTO 1
#define FIRST_CLIENT_ID 4 /* the reference gives cids 1-3 to internal clients */

struct client;
struct loop;
struct sublist;
struct ssl_ctx_st; /* OpenSSL's SSL_CTX */

struct server {
    struct options opts; /* owned; read-only once the loops run */
    struct logger log;
    char id[57];    /* 56-character nkey-style public key, starting with 'N' */
    char *name;     /* server_name (= id when not set) */
    bool auth_required;
    /* TLS on the client port (src/server/tls.h): the context built once at start, shared
     * read-only by the loops; NULL when the port is plaintext only. */
    struct ssl_ctx_st *tls_ctx;
    bool tls_required;  /* INFO tls_required: a TLS ctx and no allow_non_tls */
    bool tls_verify;    /* INFO tls_verify: client certificates verified (with allow_non_tls too) */
    bool tls_available; /* INFO tls_available: allow_non_tls with a TLS ctx */
    struct sublist *sl;
    int listen_fd;
    int port; /* the port actually bound */
    int nloops;
    struct loop **loops;
    atomic_uint_fast64_t next_cid;
    atomic_int nconns;
    atomic_bool shutdown;
    char *pid_file;   /* written at start, removed at exit */
    char *ports_file; /* likewise */
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
/* SIGUSR1: reopens the log file. */
void server_reopen_log(struct server *s);

#endif
