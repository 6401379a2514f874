/* Configuration reload (SIGHUP, --signal reload): see reload.c. */
#ifndef NS_SERVER_RELOAD_H
#define NS_SERVER_RELOAD_H

struct server;

/* Main thread: reloads the config file (and re-applies the command line argv over it).
 * Logs "Reloaded: ..." lines and "Reloaded server configuration", or "Failed to reload server
 * configuration: <why>". Returns 0 or -1. */
int server_reload(struct server *s, int argc, char **argv);

#endif
