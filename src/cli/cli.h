/* The `nats` command-line tool (mirrors natscli v0.0.35, nats/main.go and cli/<name>_command.go).
 * A client of the official C library (libnats); it never links the server's code, only
 * src/core. One file per subcommand: cmd_<name>.c with `int cmd_<name>(struct cli *, int,
 * char **)`. Output and errors are worded as natscli's. Design: docs/cli.md */
#ifndef NS_CLI_CLI_H
#define NS_CLI_CLI_H

#include <nats/nats.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define NATS_CLI_VERSION "0.0.35" /* the natscli release whose behaviour we follow */

/* Global options (natscli main.go), filled from the context file, then the environment
 * (NATS_URL, NATS_USER, ...), then the command line, in that order of precedence. Strings
 * are owned by struct cli. */
struct cli {
    char *servers;         /* -s/--server: comma-separated URLs; default nats://127.0.0.1:4222 */
    char *user, *password; /* --user, --password */
    char *token;           /* --token */
    char *creds, *nkey;    /* --creds, --nkey */
    char *tlscert, *tlskey, *tlsca;
    int64_t timeout_ms;    /* --timeout, default 5s */
    char *context;         /* --context: the context name in use (or NULL) */
    char *connection_name; /* --connection-name, default "NATS CLI Version 0.0.35" */
    char *inbox_prefix;    /* --inbox-prefix */
    bool trace;            /* --trace */
    char *js_api_prefix, *js_event_prefix, *js_domain; /* accepted, stored in contexts */
    FILE *out, *err;       /* stdout, stderr (tests may redirect) */
};

/* Flag parsing in natscli's (kingpin's) style: "--name value", "--name=value", "-x value",
 * booleans "--name" / "--no-name", repeatable string flags, and the global flags accepted
 * anywhere on the line. */
enum cli_flag_type { CLI_BOOL, CLI_STRING, CLI_STRINGS, CLI_INT, CLI_DURATION };

struct cli_flag {
    const char *name;        /* long name, without dashes */
    char short_name;         /* 0 if none */
    enum cli_flag_type type;
    void *dest;              /* bool *, char **, struct cli_strings *, int64_t *, int64_t * (ms) */
    const char *help;
    const char *placeholder; /* e.g. "SUBJECT" for --help; NULL for booleans */
};

struct cli_strings {
    char **v;
    int n;
};

/* Parses argv (argv[0] is the command name) against flags and the global flags. Positional
 * arguments are returned in pos (an array owned by the caller: free(*pos), the strings are
 * argv's). Returns 0, or -1 after printing natscli's error ("nats: error: unknown long flag
 * '--foo', try --help") on stderr; 1 if --help was printed. */
int cli_parse_flags(struct cli *cli, const char *cmd_usage, const struct cli_flag *flags,
                    int argc, char **argv, char ***pos, int *npos);

/* True for a global flag that takes its value in the next argument ("-s", "--server", ...). */
bool cli_global_takes_value(const char *arg);

/* The start of every command that talks to a server: parses flags (cli_parse_flags), checks
 * that there are between min_pos and max_pos positional arguments (the first one, when
 * required, is named first_name in the error), then connects. Returns 0 with *nc connected
 * and *exit_code 0, or -1 with *exit_code set (0 after --help, 1 after an error already printed). *pos is
 * owned by the caller as with cli_parse_flags (also on failure). */
int cli_command_start(struct cli *cli, const char *usage, const struct cli_flag *flags, int argc,
                      char **argv, int min_pos, int max_pos, const char *first_name,
                      char ***pos, int *npos, natsConnection **nc, int *exit_code);

/* Connects with the global options. On failure prints natscli's error on stderr and returns
 * NULL. The connection belongs to the caller (natsConnection_Destroy). */
natsConnection *cli_connect(struct cli *cli);
/* Like cli_connect, but on failure writes nats.go's error text ("nats: no servers available
 * for connection") to why instead of printing it. */
natsConnection *cli_connect_why(struct cli *cli, char *why, size_t why_n);

/* natscli's log.Printf lines: "HH:MM:SS <message>" on stdout. */
void cli_logf(struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints "nats: error: <message>" on stderr (kingpin's fatal form). Returns 1 (exit code). */
int cli_errorf(struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* kingpin's check of one required positional argument called name: 0 when npos is 1, else
 * prints "required argument '<name>' not provided" or "unexpected <extra>" and returns 1. */
int cli_one_arg(struct cli *cli, const char *name, char **pos, int npos);
/* Monotonic clock in nanoseconds (Go's time.Since precision for printed durations). */
int64_t cli_mono_ns(void);
/* Go's time.Duration String() of ns, e.g. "649.899µs", "1.5s" (as natscli prints rtt). */
void cli_format_duration_ns(int64_t ns, char *buf, size_t n);
/* Go's %q of a string (natscli prints subjects with %q). Returns a malloc'd string. */
char *cli_go_quote(const char *s);

/* Helpers shared by the subcommands (cli.c). */

/* Frees the strings owned by cli (not cli itself). */
void cli_free(struct cli *cli);
/* Frees the strings of a repeatable flag (they are malloc'd copies) and zeroes it. */
void cli_strings_free(struct cli_strings *s);
/* Parses a Go duration ("300ms", "1m30s", "1.5s", "2µs", "0"). Returns 0 and *ms, or -1. */
int cli_parse_duration_ms(const char *s, int64_t *ms);
/* Applies natscli's body templates ({{.Count}}, {{Count}}, {{.Cnt}}, {{.Unix}}, {{.UnixNano}},
 * {{.TimeStamp}}, {{.Time}}, {{ID}}, {{Random a b}}, {{.Request}} when request is not NULL) to
 * tmpl for message number count. Returns a malloc'd buffer of *len bytes (NUL-terminated);
 * unknown actions are left as written. */
char *cli_render_template(const char *tmpl, int count, const char *request, size_t *len);
/* Adds "-H K:V" headers (values templated with count) to m. Returns 0, or prints natscli's
 * error ("invalid header \"x\"") and returns 1. */
int cli_add_headers(struct cli *cli, natsMsg *m, const struct cli_strings *hdrs, int count);
/* Prints m's headers as "Key: Value" lines to out (log lines when as_log). Returns how many. */
int cli_print_headers(struct cli *cli, natsMsg *m, bool as_log);
/* True for a message that is a "503 no responders" status. */
bool cli_is_no_responders(natsMsg *m);
/* Installs SIGINT/SIGTERM handlers that set a flag (the one piece of global state, needed
 * by signal handling); cli_interrupted reports it. */
void cli_install_signals(void);
bool cli_interrupted(void);
/* Loads the context named name (NULL: the selected one from context.txt, if any) into cli.
 * Returns 0 (also when no context is selected), or 1 after printing an error. */
int cli_context_load(struct cli *cli, const char *name);

/* A new inbox subject: "<--inbox-prefix or _INBOX>.<nuid>". Returns a malloc'd string. */
char *cli_new_inbox(struct cli *cli);
/* Writes a message body and the blank line natscli adds when it has no trailing newline. */
void cli_print_body(struct cli *cli, const char *data, int len);

/* Subcommands. */
int cmd_pub(struct cli *cli, int argc, char **argv);
int cmd_sub(struct cli *cli, int argc, char **argv);
int cmd_request(struct cli *cli, int argc, char **argv);
int cmd_reply(struct cli *cli, int argc, char **argv);
int cmd_rtt(struct cli *cli, int argc, char **argv);
int cmd_context(struct cli *cli, int argc, char **argv);
int cmd_bench(struct cli *cli, int argc, char **argv);
int cmd_server(struct cli *cli, int argc, char **argv);
int cmd_server_list(struct cli *cli, int argc, char **argv);  /* server_list.c */
int cmd_server_ping(struct cli *cli, int argc, char **argv);  /* server_ping.c */
int cmd_server_check(struct cli *cli, int argc, char **argv); /* server_check.c */
int cmd_account(struct cli *cli, int argc, char **argv);

#endif
