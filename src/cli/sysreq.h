/* Requests to the server's system services as natscli makes them (cli/util.go doReqAsync,
 * server_info_command.go), plus the Go and go-humanize formatting those commands print:
 * humanizeDuration, time.Time's String(). */
#ifndef NS_CLI_SYSREQ_H
#define NS_CLI_SYSREQ_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "cli/cli.h"

/* Called for each reply: its parsed JSON (NULL if it is not JSON), raw data, and the time
 * since the request was sent. */
typedef void sysreq_cb(void *arg, json_t *reply, const char *data, int len, int64_t since_ns);

/* natscli's doReqAsync: publishes body ("{}" when NULL) on subj with a new inbox as reply
 * subject and hands each reply to cb. Stops after want replies (want > 0), else 300 ms after
 * the last reply (or the request); always at --timeout. With --trace, logs ">>> subj: body",
 * "<<< (NB) data" and ">>> Received N responses". Returns the number of replies, or -1 if a
 * 503 (no responders) arrived, or -2 if the request could not be sent. */
int sysreq_collect(struct cli *cli, natsConnection *nc, const char *subj, const char *body,
                   int want, sysreq_cb *cb, void *arg);

/* One request with --timeout (nc.Request). Returns the parsed reply (caller json_decref) or
 * NULL on timeout, no responders or bad JSON; traces as natscli's server info does. */
json_t *sysreq_one(struct cli *cli, natsConnection *nc, const char *subj, const char *body);

/* natscli's humanizeDuration: "1y2d3h4m5s", "2d3h4m5s", "3h4m5s", "4m5s", "5.00s". */
void sysreq_humanize_duration(int64_t ns, char *buf, size_t n);
/* Nanoseconds since an RFC 3339 time (0 if it does not parse). */
int64_t sysreq_since_ns(const char *rfc3339);
/* Go's time.Time String() of an RFC 3339 time from JSON:
 * "2026-11-22 22:53:48.265290324 +0000 UTC". Copies s unchanged if it does not parse. */
void sysreq_go_time(const char *rfc3339, char *buf, size_t n);
/* Integer and string members of a JSON object (0 / "" when absent). */
int64_t sysreq_int(json_t *obj, const char *key);
double sysreq_real(json_t *obj, const char *key);
const char *sysreq_str(json_t *obj, const char *key);

#endif
