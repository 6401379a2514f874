/* Helpers shared by the raw-protocol tests (label "proto"): start the server under test
 * ($NATS_SERVER_BIN) on a free port, open clients that have read their INFO, and pick
 * fields out of INFO JSON. Every helper fails the test (ASSERT-style) instead of returning
 * errors, so test bodies read as scripts. Servers and wires are cleaned up per test. */
#ifndef NS_PROTO_UTIL_H
#define NS_PROTO_UTIL_H

#include "proc.h"
#include "test.h"
#include "wire.h"

/* A client that leaves verbose and pedantic off (what real clients send). */
#define PU_QUIET "{\"verbose\":false,\"pedantic\":false}"
/* Same, with headers on. */
#define PU_QUIET_HDRS "{\"verbose\":false,\"pedantic\":false,\"headers\":true}"

/* Starts $NATS_SERVER_BIN with extra args (NULL-terminated, may be NULL). */
#define PU_START(sp, args) pu_start_at(__FILE__, __LINE__, (sp), (args))
void pu_start_at(const char *file, int line, struct server_proc *sp, const char *const *args);
/* Starts it with a config file holding conf. */
#define PU_START_CONF(sp, conf) pu_start_conf_at(__FILE__, __LINE__, (sp), (conf))
void pu_start_conf_at(const char *file, int line, struct server_proc *sp, const char *conf);
/* Connects and reads the INFO line; the wire is left just after it. */
#define PU_CONNECT(port) pu_connect_at(__FILE__, __LINE__, (port), NULL)
/* Same, and returns the INFO JSON (malloc'd, as wire_info) in *info. */
#define PU_CONNECT_INFO(port, info) pu_connect_at(__FILE__, __LINE__, (port), (info))
struct wire *pu_connect_at(const char *file, int line, int port, char **info);
/* Connects, reads INFO, sends "CONNECT <json>\r\n" and a PING, and expects exactly
 * "PONG\r\n" back: use with a non-verbose CONNECT. */
#define PU_CLIENT(port, json) pu_client_at(__FILE__, __LINE__, (port), (json))
struct wire *pu_client_at(const char *file, int line, int port, const char *json);

/* The string value of "key" in flat JSON (malloc'd), or NULL. */
char *pu_json_str(const char *json, const char *key);
/* The integer value of "key", or -1 when absent. */
long long pu_json_int(const char *json, const char *key);

/* True when the binary under test is the reference: natrium-only tests then SKIP. */
bool pu_testing_ref(void);

#endif
