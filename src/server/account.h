/* Accounts at run time (mirrors server/accounts.go): each account is its own subject space
 * with its own sublist; stream and service imports connect them through internal clients.
 * Accounts live as long as the server. Threads: docs/internals/threads-and-locks.md (L4). */
#ifndef NS_SERVER_ACCOUNT_H
#define NS_SERVER_ACCOUNT_H

#include "server/auth.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct server;
struct sublist;
struct client;
struct stream_import;
struct service_import;

struct account {
    char *name;
    struct sublist *sl;
    atomic_int nconns; /* clients bound to it */
    bool system;
    const struct account_conf *conf; /* NULL for $G/$SYS when not configured */
    struct stream_import **simports;
    uint32_t nsimports;
    struct service_import **svcimports;
    uint32_t nsvcimports;
};

/* Creates the accounts of s->opts.auth, plus $G and (unless no_system_account) the system
 * account, then wires every import. Returns 0, or -1 with a message logged. */
int accounts_init(struct server *s);
/* After a reload (loops parked, cfg_lock held): creates the accounts the new config adds,
 * points existing ones at their new config, and re-wires the imports of accounts whose
 * imports changed or whose exporters' exports changed (pending service replies of those
 * are dropped). */
void accounts_reload(struct server *s);
/* Unsubscribes the imports' internal clients and frees every account. */
void accounts_release(struct server *s);
/* Creates an account with no configuration (operator mode: one per preloaded account JWT).
 * At start-up only. */
struct account *account_add(struct server *s, const char *name);
/* Wires import im of importer (x: the matching export, for service response types; may be
 * NULL). The exporter must exist. At start-up only. Returns 0 or -1. */
int account_add_import(struct server *s, struct account *importer, const struct import_conf *im,
                       const struct export_conf *x);
/* The account with this name, or NULL. Any thread. */
struct account *account_find(struct server *s, const char *name);

#endif
