/* Listening sockets. Any thread. */
#ifndef NS_CORE_NET_H
#define NS_CORE_NET_H

#include <stddef.h>

/* Opens a non-blocking, close-on-exec TCP listener on host:port (port 0: any free port),
 * trying each address getaddrinfo gives, with SO_REUSEADDR. Returns the descriptor and the
 * port actually bound in *bound, or -1 with the reason (getaddrinfo's or the last errno's
 * text) in why. */
int net_listen(const char *host, int port, int backlog, int *bound, char *why, size_t whylen);

#endif
