/* The INFO line and the server's identity (mirrors the Info struct in server/server.go; field
 * order as the reference marshals it). */
#ifndef NS_SERVER_INFO_H
#define NS_SERVER_INFO_H

#include <stdbool.h>

#include <stddef.h>

struct client;
struct loop;

/* Fills out[57] with a fresh 56-character server id: an nkey-style public key with the server
 * prefix 'N' (base32 of prefix byte, 32 random bytes and a CRC-16), as nats-server makes. */
void info_make_server_id(char out[57]);
/* Sends the INFO line to c (owner loop, at accept). */
void info_send(struct client *c);
/* An async INFO (lame duck mode's notice with "ldm":true after client_ip; or, without ldm,
 * the one the reference sends at a protocol-1 client's first PING when its max_payload
 * differs from the server's): the client's own max_payload and no nonce. */
void info_send_ex(struct client *c, bool ldm);
/* Appends s to out as a JSON string body (escaping quotes, backslashes, controls). Returns the
 * new length; never writes past cap (truncates). */
size_t info_json_escape(char *out, size_t len, size_t cap, const char *s);

#endif
