/* Server options: defaults, and the command line parsed the Go way like the reference
 * (mirrors server/opts.go ConfigureOptions). Every flag works with one dash or two, values as
 * "-p 4222" or "-p=4222", booleans as "-D" or "-D=true". Design: docs/internals/principles.md */
#ifndef NS_SERVER_OPTS_H
#define NS_SERVER_OPTS_H

#include <stdbool.h>
#include <stdint.h>

#define DEFAULT_PORT 4222
#define DEFAULT_HOST "0.0.0.0"
#define MAX_CONTROL_LINE_SIZE 4096
#define MAX_PAYLOAD_SIZE (1024 * 1024)
#define MAX_PAYLOAD_MAX_SIZE (8 * 1024 * 1024)
#define MAX_PENDING_SIZE (64 * 1024 * 1024)
#define DEFAULT_MAX_CONNECTIONS (64 * 1024)
#define DEFAULT_PING_INTERVAL_MS (2 * 60 * 1000)
#define DEFAULT_PING_MAX_OUT 2
#define DEFAULT_WRITE_DEADLINE_MS (10 * 1000)
#define DEFAULT_CONNECT_TIMEOUT_MS (2 * 1000)
#define RANDOM_PORT (-1)

struct options {
    /* Server */
    char *host;           /* -a/--addr/--net, default "0.0.0.0" */
    int port;             /* -p/--port, default 4222, -1 = random free port */
    char *server_name;    /* -n/--name/--server_name */
    char *pid_file;       /* -P/--pid */
    char *ports_file_dir; /* --ports_file_dir */
    char *config_file;    /* -c/--config (not supported yet: refused with a clear message) */
    bool check_config;    /* -t */
    char *client_advertise;
    int http_port;  /* -m/--http_port: 0 = off */
    int https_port; /* -ms/--https_port: 0 = off */

    /* Logging */
    char *log_file; /* -l/--log */
    bool logtime;   /* -T/--logtime, default true */
    bool syslog;    /* -s/--syslog */
    char *remote_syslog;
    bool debug;         /* -D, -DV, -DVV */
    bool trace;         /* -V, -DV, -VV, -DVV */
    bool trace_verbose; /* -VV, -DVV: trace $SYS too */
    int64_t log_size_limit;
    int64_t max_traced_msg_len;

    /* Auth */
    char *username;   /* --user */
    char *password;   /* --pass */
    char *auth_token; /* --auth */

    /* Limits and timers */
    int64_t max_control_line;  /* 4096 */
    int64_t max_payload;       /* 1 MiB */
    int64_t max_pending;       /* 64 MiB */
    int max_connections;       /* 65536 */
    int max_subs;              /* 0 = unlimited */
    int64_t ping_interval_ms;  /* 2m */
    int ping_max;              /* 2 */
    int64_t write_deadline_ms; /* 10s */
    /* Deadline for CONNECT on every client, even without auth (the reference arms it only
     * with auth). 0 turns it off. natrium extension; default 2s. */
    int64_t connect_timeout_ms;

    /* natrium: number of event-loop threads (0 = number of CPUs). Flag --loops. */
    int nloops;
};

/* Fills in the defaults above. */
void opts_init(struct options *o);
/* Frees the strings o owns (not o itself). */
void opts_release(struct options *o);

/* Parses argv (argv[0] is the program). Returns:
 *   0  run the server with *o,
 *   1  done already (help, version, -sl signal sent, usage error printed): exit with *code.
 * Usage errors print the reference's text on stderr. Flags of features natrium does not have
 * yet (TLS, cluster, JetStream, monitoring, config file) are refused with a clear message and
 * *code 1, never silently ignored. */
int opts_parse_args(struct options *o, int argc, char **argv, int *code);

#endif
