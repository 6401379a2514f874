/* Server options: defaults, and the command line parsed the Go way like the reference
 * (mirrors server/opts.go ConfigureOptions, main.go usage, server/signal.go). Every flag works
 * with one dash or two, values as "-p 4222" or "-p=4222", booleans as "-D" or "-D=true".
 * Usage errors print exactly what nats-server 2.9.10 prints, on the same stream, with the same
 * exit code. Design: docs/internals/principles.md */
#ifndef NS_SERVER_OPTS_H
#define NS_SERVER_OPTS_H

#include "server/auth.h"
#include "server/trust.h"

#include <stdbool.h>
#include <stddef.h>
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
#define DEFAULT_AUTH_TIMEOUT_MS (2 * 1000)
#define DEFAULT_LAME_DUCK_DURATION_MS (2 * 60 * 1000)
#define DEFAULT_LAME_DUCK_GRACE_MS (10 * 1000)
#define MIN_LAME_DUCK_DURATION_MS (30 * 1000)
#define RANDOM_PORT (-1)

/* The version natrium reports to clients (INFO) and prints for --version: the reference's. */
#ifndef NS_REF_VERSION
#define NS_REF_VERSION "2.9.10"
#endif
#ifndef NS_NATRIUM_VERSION
#define NS_NATRIUM_VERSION "0.1.0"
#endif

/* Limits of lists inside tls { }. */
#define TLS_MAX_CIPHERS 32
#define TLS_MAX_CURVES 8
#define TLS_MAX_PINNED 64
#define DEFAULT_TLS_TIMEOUT_MS (2 * 1000)
/* handshake_first: "auto" waits this long for a ClientHello before falling back to INFO first. */
#define DEFAULT_TLS_FALLBACK_MS 50

/* A tls { } block (mirrors the reference's TLSConfigOpts). Plain data: the OpenSSL context is
 * built from it by tls_ctx_new (src/server/tls.h). Ciphers and curves are indexes into the
 * name tables of src/server/tls_names.h. */
struct tls_opts {
    bool enabled; /* a tls block (or the TLS flags): the port speaks TLS */
    char *cert_file, *key_file, *ca_file;
    bool verify;   /* require and verify a client certificate (verify, verify_and_map) */
    bool map;      /* verify_and_map: the certificate names the user */
    bool insecure; /* parsed; applies to outgoing connections only (none yet) */
    int64_t timeout_ms; /* handshake deadline; 0 = DEFAULT_TLS_TIMEOUT_MS */
    int ciphers[TLS_MAX_CIPHERS];
    int nciphers; /* 0: the defaults */
    int curves[TLS_MAX_CURVES];
    int ncurves; /* 0: the defaults */
    /* natrium (nats-server 2.10 semantics): the TLS handshake comes before INFO. With
     * fallback_ms > 0 ("auto" or a duration) a client that sends nothing for that long gets
     * INFO in plaintext first, as without handshake_first. */
    bool handshake_first;
    int64_t fallback_ms;
    char *pinned[TLS_MAX_PINNED]; /* lower-case hex SHA-256 of the peer's SubjectPublicKeyInfo */
    int npinned;
};

struct options {
    /* Server */
    char *host;             /* -a/--addr/--net, default "0.0.0.0" */
    int port;               /* -p/--port, default 4222, -1 = random free port */
    char *server_name;      /* -n/--name/--server_name */
    char *pid_file;         /* -P/--pid */
    char *ports_file_dir;   /* --ports_file_dir */
    char *config_file;      /* -c/--config (loaded by the lead's main, src/server/opts_conf.c) */
    bool check_config;      /* -t */
    char *client_advertise; /* --client_advertise <host:port> */
    int http_port;          /* -m/--http_port, http_port, http: 0 = off, -1 = random port */
    char *http_host;        /* http: "host:port" (NULL = the client host) */
    char *http_base_path;   /* http_base_path: prefix of every monitoring path */
    int https_port;         /* -ms/--https_port: 0 = off; needs tls { } (monitor.h) */
    int prof_port;          /* --profile: 0 = off (not supported yet) */

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
    struct auth_conf auth; /* users, permissions, accounts (config file only) */
    struct trust_conf trust; /* operator mode: operators, resolver (config file only) */

    /* TLS flags. "-tls=false" clears all five, as the reference does. Any of them given (and
     * no "-tls=false") replaces the config file's tls block: see opts_resolve_tls. */
    bool tls;          /* --tls */
    bool tls_verify;   /* --tlsverify */
    char *tls_cert;    /* --tlscert */
    char *tls_key;     /* --tlskey */
    char *tls_ca_cert; /* --tlscacert */
    bool tls_flags_override; /* set by opts_parse_args: some -tls* flag given, no -tls=false */
    bool tls_flags_disabled; /* set by opts_parse_args: "-tls=false" given */
    /* The client port's TLS: the config's tls { } or the flags (after opts_resolve_tls). */
    struct tls_opts tlsc;
    bool allow_non_tls; /* allow_non_tls: TLS offered (tls_available), plaintext accepted */

    /* Cluster (not supported yet) */
    char *routes;            /* --routes <url,url> */
    char *cluster_listen;    /* --cluster, --cluster_listen <url> */
    char *cluster_name;      /* --cluster_name: alone it only names the server's cluster */
    char *cluster_advertise; /* --cluster_advertise */
    bool no_advertise;       /* --no_advertise */
    int connect_retries;     /* --connect_retries */

    /* JetStream (not supported yet) */
    bool jetstream;  /* -js/--jetstream */
    char *store_dir; /* -sd/--store_dir: alone it enables nothing */

    /* Limits and timers */
    int64_t max_control_line;  /* 4096 */
    int64_t max_payload;       /* 1 MiB */
    int64_t max_pending;       /* 64 MiB */
    int max_connections;       /* 65536 */
    int max_subs;              /* 0 = unlimited */
    int max_sub_tokens;        /* 0 = unlimited, at most 255 */
    int64_t ping_interval_ms;  /* 2m */
    int ping_max;              /* 2 */
    int64_t write_deadline_ms; /* 10s */
    int64_t auth_timeout_ms;   /* authorization.timeout: 2s (only used with auth) */
    int64_t lame_duck_duration_ms; /* 2m, at least 30s */
    int64_t lame_duck_grace_ms;    /* 10s */
    bool auth_timeout_set;     /* given in the file; else with TLS it is the TLS timeout + 1s */
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

/* Parses argv (argv[0] is the program) into *o, which opts_init has filled. Returns:
 *   0  run the server with *o (*code is 0),
 *   1  done already (help, version, -sl signal sent, usage error printed): exit with *code.
 * Everything printed is what nats-server 2.9.10 prints: a bad or unknown flag prints the Go
 * flag error on stderr, then the usage on stdout, and exits 0 (sic); a stray argument prints
 * 'nats-server: unrecognized command: "x"' on stderr and exits 1. -h/--help and --help_tls
 * print on stdout and exit 0; -v/--version prints "nats-server: v2.9.10 (natrium 0.1.0)".
 * Flags of features natrium does not have yet are parsed and stored, not refused here: the
 * caller checks opts_unsupported() (after loading a config file, which can set them too).
 * Strings in *o are copies that *o owns. Call before any server thread starts. Calling it
 * again with the same argv after a config file was loaded into *o re-applies the flags over
 * the file's values (the reference's second fs.Parse), since only flags given are written. */
int opts_parse_args(struct options *o, int argc, char **argv, int *code);

/* Frees the strings of t and zeroes it. */
void tls_opts_release(struct tls_opts *t);
/* Copies src into dst (strings duplicated); dst is released first. */
void tls_opts_copy(struct tls_opts *dst, const struct tls_opts *src);

/* Applies the TLS flags over the config file's tls block, as the reference's
 * ConfigureOptions does after its second flag parse: "-tls=false" turns TLS off; any other
 * -tls* flag replaces the block with the flags' cert, key, CA and verify (the timeout stays),
 * and then needs both --tlscert and --tlskey. Then checks that the files load. Returns 0, or
 * -1 with the reference's text in err ("TLS Server certificate must be present and valid",
 * "error parsing X509 certificate/key pair: open x.pem: no such file or directory"), to print
 * as "nats-server: <err>". */
int opts_resolve_tls(struct options *o, char *err, size_t errlen);

/* Returns a message such as "JetStream (-js/--jetstream) is not supported yet" for the first
 * feature set in *o that natrium cannot honour (clustering, JetStream, syslog, remote syslog,
 * profiling port), or NULL. The text is static. The config file
 * and -t are not flagged. */
const char *opts_unsupported(const struct options *o);

/* Prints the usage text (the reference's, then natrium's own flags) on stdout. */
void opts_print_usage(void);

/* Returns s quoted as Go's %q does ("a\"b\n" style, with the quotes), malloc'd: caller frees. */
char *opts_go_quote(const char *s);

/* -sl/--signal: arg is "<cmd>[=<pid or pid file>]" with cmd one of ldm, stop, quit, term,
 * reopen, reload (SIGUSR2, SIGKILL, SIGINT, SIGTERM, SIGUSR1, SIGHUP). Without a pid the
 * single running nats-server process (found by name in /proc, this process excluded) gets it.
 * Errors print "nats-server: <reason>" on stderr as the reference does (server/signal.go).
 * Returns the exit code: 0 sent, 1 error. */
int opts_send_signal(const char *arg);
/* As opts_send_signal, but looks for processes whose name (/proc/<pid>/comm) contains
 * process_name; the messages still name nats-server. For tests. */
int opts_send_signal_to(const char *arg, const char *process_name);

#endif
