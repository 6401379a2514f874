/* Helpers for the black-box tests of build/bin/nats ($NATS_CLI_BIN): run the CLI as a child
 * with a scratch HOME/XDG_CONFIG_HOME and NATS_URL set, capture its output, normalise times,
 * rtt values, ids and ports so runs against natrium and the reference compare equal. */
#ifndef NS_TEST_CLIRUN_H
#define NS_TEST_CLIRUN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct run {
    char url[128];  /* NATS_URL for the child ("" = unset) */
    char home[256]; /* scratch HOME; outputs go here too */
};

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

const char *cli_bin(void);
/* Starts the CLI with args (NULL-terminated); stdout+stderr go to out_path; stdin_text (may
 * be NULL) is written to its stdin. */
pid_t cli_spawn(const struct run *r, const char *out_path, const char *stdin_text,
                const char *const *args);
/* Waits for pid up to timeout_ms (then SIGKILL). Returns the exit code, 128+signal, or -1. */
int cli_wait_exit(pid_t pid, int timeout_ms);
/* Waits (3 s max) until the file at path contains needle. */
void cli_wait_for_text(const char *path, const char *needle);
/* Runs the CLI to completion (10 s max); returns its exit code, the output (stdout+stderr)
 * in *out (malloc'd). */
int cli_run(const struct run *r, const char *name, const char *stdin_text, char **out,
            const char *const *args);
/* Like cli_run with stdout and stderr kept apart. */
int cli_run2(const struct run *r, const char *name, char **out, char **err,
             const char *const *args);
/* Replaces HH:MM:SS times, "rtt ..." values, _INBOX ids and the port with fixed text. */
char *cli_normalise(const char *s, int port);
/* Appends "== tag\ntext" to log (size sz). */
void cli_log_append(char *log, size_t sz, const char *tag, const char *text);

#endif
