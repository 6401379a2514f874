/* Starts a real nats-server binary (ours or the reference) on a free loopback port for a test,
 * and stops it. The binary comes from $NATS_SERVER_BIN unless a path is given. Zero the
 * struct before proc_start. Servers still running when a test ends get SIGTERM (SIGKILL after
 * 5 s); a sanitizer report in their log then fails the test. Their scratch directory is
 * removed if the test passed, kept (and the log tail printed) if it failed; NS_KEEP_TMP=1
 * keeps it always. */
#ifndef NS_TEST_PROC_H
#define NS_TEST_PROC_H

#include <stdbool.h>
#include <sys/types.h>

struct proc_rec;

struct server_proc {
    pid_t pid;
    int port;
    char log_path[320];   /* the server's stderr+stdout */
    char dir[256];        /* a scratch directory for this server (config files, logs) */
    struct proc_rec *rec; /* private: what the end-of-test cleanup needs */
};

/* Returns a free TCP port on 127.0.0.1 (bind to port 0, then close). */
int proc_free_port(void);
/* Makes a fresh scratch directory under $TMPDIR (or /tmp); returns a static-lifetime copy
 * in out (size >= 256). */
void proc_tmpdir(char *out, size_t size);

/* Starts bin (NULL = $NATS_SERVER_BIN) with "-a 127.0.0.1 -p <free port>" followed by the
 * extra args (NULL-terminated array, may be NULL), waits until the port accepts (5 s max).
 * Returns 0, or -1 (the log is printed to stderr). The server is stopped automatically when
 * the test ends (test_on_cleanup). */
int proc_start(struct server_proc *sp, const char *bin, const char *const *extra_args);
/* Like proc_start, but with a config file written from conf_text into sp->dir ("-c file"). */
int proc_start_conf(struct server_proc *sp, const char *bin, const char *conf_text,
                    const char *const *extra_args);
/* Sends sig and waits up to 5 s for exit; SIGKILL after that. Returns the exit status as
 * waitpid reports it, or -1. Idempotent. */
int proc_stop(struct server_proc *sp, int sig);
/* Reads a whole file into a malloc'd string (caller frees), or NULL. */
char *proc_read_file(const char *path);
/* Reads the whole log into a malloc'd string (caller frees). */
char *proc_read_log(const struct server_proc *sp);
/* Waits up to timeout_ms for needle to appear in the log. */
bool proc_log_wait(const struct server_proc *sp, const char *needle, int timeout_ms);

/* The reference binary (Debian's nats-server) from $NATS_REF_BIN, or NULL if absent. */
const char *proc_ref_bin(void);
/* Our binary: $NATS_SERVER_BIN, else $NS_BUILT_SERVER_BIN, else build/bin/nats-server. */
const char *proc_our_bin(void);
/* True when bin is the reference (same path as $NATS_REF_BIN). */
bool proc_is_ref(const char *bin);

#endif
