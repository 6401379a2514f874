/* Loading a configuration file (-c) into struct options (mirrors server/opts.go
 * ProcessConfigFile and processConfigFileLine, 2.9.10). Option names match case-insensitively;
 * every top-level key is either applied, refused as not supported by natrium yet, or reported
 * as an unknown field: nothing is silently ignored. Errors and warnings use the reference's
 * texts and "<file>:<line>:<col>: " prefixes. */
#ifndef NS_SERVER_OPTS_CONF_H
#define NS_SERVER_OPTS_CONF_H

#include <stddef.h>

#include "server/opts.h"

struct conf_node;

/* Receives one warning, one line without a trailing newline, e.g.
 * "a.conf:2:1: invalid use of field \"ping_interval\": ping_interval should be converted to a
 * duration". The reference prints these raw on stderr (fmt.Fprint, no log prefix) before the
 * start-up banner. msg is borrowed for the call. */
typedef void opts_warn_fn(void *arg, const char *msg);

/* Parses the file at path and applies it onto o, over the values already there (so call
 * opts_init first and apply command-line flags afterwards). o->check_config selects -t
 * behaviour: warnings (a bare integer for a duration) become errors.
 * Returns 0 on success, after passing each warning to warn(warn_arg, msg); warn NULL prints
 * them to stderr. Returns -1 on error with the text in err (errlen bytes, NUL-terminated), which
 * may span several lines: for errors found while applying options it is the reference's
 * processConfigErr text, warnings first, each line ending in '\n'; parse errors and
 * "max_payload (N) cannot be higher than max_pending (M)" are one line without '\n'. Print it as
 * "nats-server: %s\n" and exit 1. On error o may be partly updated.
 * Borrows path; string fields of o are replaced with new heap strings (old ones freed). */
int opts_load_config(struct options *o, const char *path, opts_warn_fn *warn, void *warn_arg,
                     char *err, size_t errlen);

/* Same as opts_load_config for an already parsed tree (root from conf_parse_*; borrowed). */
int opts_apply_config(struct options *o, const struct conf_node *root, opts_warn_fn *warn,
                      void *warn_arg, char *err, size_t errlen);

#endif
