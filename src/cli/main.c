/* The `nats` command (mirrors natscli v0.0.35 nats/main.go): builds the global options from
 * the context file, then the environment (NATS_URL, NATS_USER, ...), then the command line,
 * and dispatches to cmd_<name>. Global flags may come before or after the command name.
 * Design: docs/cli.md */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"

struct command {
    const char *name, *alias;
    int (*fn)(struct cli *, int, char **);
    const char *help;
};

static const struct command commands[] = {
    {"account", NULL, cmd_account, "Account information and status"},
    {"bench", NULL, cmd_bench, "Benchmark utility"},
    {"context", "ctx", cmd_context, "Manage nats configuration contexts"},
    {"publish", "pub", cmd_pub, "Generic data publish utility"},
    {"reply", NULL, cmd_reply, "Generic service reply utility"},
    {"request", "req", cmd_request, "Generic request-reply request utility"},
    {"rtt", NULL, cmd_rtt, "Compute round-trip time to NATS server"},
    {"server", NULL, cmd_server, "Server information"},
    {"subscribe", "sub", cmd_sub, "Generic subscription client"},
};

static void set_from_env(char **dest, const char *var)
{
    const char *v = getenv(var);

    if (v && *v) {
        free(*dest);
        *dest = xstrdup(v);
    }
}

static void print_usage(struct cli *cli)
{
    fprintf(cli->out, "usage: nats [<flags>] <command> [<args> ...]\n\n"
                      "NATS Utility\n\nNATS Server and JetStream administration.\n\n"
                      "Commands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(cli->out, "  %-12s%s\n", commands[i].name, commands[i].help);
    fputc('\n', cli->out);
}

/* Finds the context name given on the command line ("--context X" / "--context=X"). */
static const char *context_from_args(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--context") == 0 && i + 1 < argc)
            return argv[i + 1];
        if (strncmp(argv[i], "--context=", 10) == 0)
            return argv[i] + 10;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    struct cli cli;
    const struct command *cmd = NULL;
    int cmd_at = -1, rc;
    char **nargv;

    memset(&cli, 0, sizeof(cli));
    cli.out = stdout;
    cli.err = stderr;
    cli.timeout_ms = 5000;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--version") == 0) {
            fprintf(cli.out, "%s\n", NATS_CLI_VERSION);
            return 0;
        }
        if (argv[i][0] != '-') {
            cmd_at = i;
            break;
        }
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            print_usage(&cli);
            return 0;
        }
        if (cli_global_takes_value(argv[i]))
            i++;
    }
    if (cmd_at < 0) {
        print_usage(&cli);
        return cli_errorf(&cli, "expected command but got nothing, try --help");
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[cmd_at], commands[i].name) == 0 ||
            (commands[i].alias && strcmp(argv[cmd_at], commands[i].alias) == 0))
            cmd = &commands[i];
    if (!cmd) {
        char *q = cli_go_quote(argv[cmd_at]);
        cli_errorf(&cli, "expected command but got %s, try --help", q);
        free(q);
        return 1;
    }

    /* context, then environment, then flags (parsed by the command) */
    if (cmd->fn != cmd_context) {
        const char *ctx = context_from_args(argc, argv);
        if (!ctx || !*ctx)
            ctx = getenv("NATS_CONTEXT");
        if (cli_context_load(&cli, ctx && *ctx ? ctx : NULL) != 0) {
            cli_free(&cli);
            return 1;
        }
    }
    set_from_env(&cli.servers, "NATS_URL");
    set_from_env(&cli.user, "NATS_USER");
    set_from_env(&cli.password, "NATS_PASSWORD");
    set_from_env(&cli.creds, "NATS_CREDS");
    set_from_env(&cli.nkey, "NATS_NKEY");
    set_from_env(&cli.tlscert, "NATS_CERT");
    set_from_env(&cli.tlskey, "NATS_KEY");
    set_from_env(&cli.tlsca, "NATS_CA");
    if (getenv("NATS_TIMEOUT") && *getenv("NATS_TIMEOUT"))
        cli_parse_duration_ms(getenv("NATS_TIMEOUT"), &cli.timeout_ms);

    /* argv for the command: its name, the global flags that came before it, the rest */
    nargv = xcalloc((size_t)argc + 1, sizeof(char *));
    nargv[0] = argv[cmd_at];
    int n = 1;
    for (int i = 1; i < cmd_at; i++)
        nargv[n++] = argv[i];
    for (int i = cmd_at + 1; i < argc; i++)
        nargv[n++] = argv[i];
    cli_install_signals();
    rc = cmd->fn(&cli, n, nargv);
    free(nargv);
    fflush(cli.out);
    cli_free(&cli);
    return rc;
}
