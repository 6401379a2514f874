/* The system account's request services ($SYS.REQ.SERVER.*): see sysreq.c. */
#ifndef NS_MONITOR_SYSREQ_H
#define NS_MONITOR_SYSREQ_H

struct server;
struct monitor;
struct sysreq;

/* Subscribes the system account to the request subjects and starts the worker. Call after
 * server_start; m (the HTTP monitor, for varz's http figures) may be NULL. Returns NULL when
 * there is no system account. */
struct sysreq *sysreq_start(struct server *s, struct monitor *m);
/* Stops the worker (requests that arrive later are dropped). Call before monitor_stop and
 * server_shutdown. NULL is fine. */
void sysreq_stop(struct sysreq *sr);
/* Frees sr; call after server_shutdown (the loops no longer deliver to it). */
void sysreq_free(struct sysreq *sr);

#endif
