/* System account advisories for client connects and disconnects (events.c). Owner loop. */
#ifndef NS_SERVER_EVENTS_H
#define NS_SERVER_EVENTS_H

#include "proto/errors.h"

struct loop;
struct client;

/* $SYS.ACCOUNT.<acc>.CONNECT, after c's CONNECT was accepted (only with interest). */
void events_client_connect(struct loop *lp, struct client *c);
/* $SYS.ACCOUNT.<acc>.DISCONNECT, as c closes (only with interest). */
void events_client_disconnect(struct loop *lp, struct client *c, enum close_reason reason);

#endif
