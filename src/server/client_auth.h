/* Authentication and permissions of a client connection (client_auth.c). Owner loop only. */
#ifndef NS_SERVER_CLIENT_AUTH_H
#define NS_SERVER_CLIENT_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct client;
struct connect_opts;

/* At accept: with no_auth_user configured, the client is that user until a CONNECT says
 * otherwise (the reference applies its permissions even to clients that never send CONNECT). */
void client_auth_init(struct client *c);
/* Checks CONNECT's credentials; on success binds c to its user, account and permissions.
 * On false the caller answers "Authorization Violation" unless c is already closed (an
 * answer of its own was sent, e.g. an account's connection limit). */
bool client_authenticate(struct client *c, const struct connect_opts *co);
/* Reload (loops parked): checks c's saved CONNECT credentials against the new auth config
 * and rebinds its user and permissions (and the deny filtering of its subscriptions). False if
 * it is no longer admitted (or would move to another account): the caller closes it. */
bool client_reauthenticate(struct client *c);
/* Owner loop, after a reload: unsubscribes what c's permissions no longer allow (with an
 * -ERR for each). */
void client_drop_forbidden_subs(struct client *c);
/* 'User "name"' (or 'Nkey "U..."') for log lines, in buf. */
const char *client_auth_name(const struct client *c, char *buf, size_t len);
/* pubAllowedFullCheck: c's permissions allow publishing to subject (a reply it received
 * under allow_responses counts, and is used up). */
bool client_may_publish(struct client *c, const char *subject, uint32_t len);

#endif
