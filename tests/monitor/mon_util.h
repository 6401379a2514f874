/* Helpers for the monitoring tests: a tiny blocking HTTP client, servers started with -m,
 * client traffic, a recursive JSON shape comparison, and a strict checker of the Prometheus
 * text format 0.0.4. */
#ifndef NS_TEST_MON_UTIL_H
#define NS_TEST_MON_UTIL_H

#include "proc.h"
#include "wire.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct http_resp {
    int status;
    char *head; /* status line + headers */
    char *body;
    size_t body_len;
};

/* Sends raw bytes to 127.0.0.1:port and reads until the server closes (or timeout_ms).
 * Returns the malloc'd bytes (NUL-terminated; *len set) or NULL if connect failed. */
char *http_raw(int port, const char *req, size_t n, size_t *len, int timeout_ms);
/* GET path; fills r (free with http_resp_free). Returns 0, -1 on connect/parse failure. */
int http_get(int port, const char *path, struct http_resp *r);
void http_resp_free(struct http_resp *r);
/* Splits a whole answer (raw: malloc'd, NUL-terminated, len bytes; r takes it over, freed
 * on failure too) into status, head and body (chunked bodies decoded). Returns 0 or -1. */
int http_resp_parse(char *raw, size_t len, struct http_resp *r);
/* Value of a header (case-insensitive name) in r->head, malloc'd, or NULL. */
char *http_header(const struct http_resp *r, const char *name);
/* GET path and parse the body as JSON; fails the test unless 200 and JSON. */
json_t *http_get_json(int port, const char *path);

/* Starts bin with "-m <free port>" plus extra (may be NULL); stores the monitor port. */
int mon_start(struct server_proc *sp, const char *bin, int *http_port, const char *const *extra);

/* Clients with names, subscriptions and traffic, the same on any server: returns the wires
 * it keeps open (3); one more client connects, publishes and closes. */
void mon_load(int port, struct wire *w[3]);

/* Compares the JSON shape of ours against ref: every key of ref must be in ours with the same
 * JSON type (integer and real are both "number"), recursively (arrays: the first element of
 * each, when both have one), unless its path is in missing_ok; every key of ours must be in
 * ref unless its path is in extra_ok. Paths look like "connections[].rtt". Lists are
 * NULL-terminated. Returns the number of differences, described in err. */
int json_shape_diff(const json_t *ref, const json_t *ours, const char *const *missing_ok,
                    const char *const *extra_ok, char *err, size_t cap);

/* Checks text against the Prometheus text exposition format 0.0.4, strictly: HELP/TYPE
 * comment syntax, one TYPE per family and before its samples, valid metric and label names,
 * quoted and escaped label values, float values, counters named *_total, samples of a family
 * contiguous, no duplicate series. Returns 0 or -1 with the first problem in err. */
int prom_check(const char *text, char *err, size_t cap);
/* The value of the sample "name" or "name{labels}" exactly as written, or -1. */
double prom_value(const char *text, const char *series);

#endif
