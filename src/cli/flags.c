/* Command-line flags in kingpin's style (natscli v0.0.35 uses gopkg.in/alecthomas/kingpin.v2):
 * "--name value", "--name=value", "-x value", "-xvalue", "--no-name" for booleans, "--" ends
 * flags, flags and arguments interleave, and the global flags of nats/main.go are accepted
 * after any command. Errors are worded as kingpin's MustParse: "<error>, try --help". */
#include "cli/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmalloc.h"

/* The global flags of natscli's main.go, bound to cli. n receives the count. */
static struct cli_flag *global_flags(struct cli *cli, int *n)
{
    const struct cli_flag g[] = {
        {"server", 's', CLI_STRING, &cli->servers, "NATS server urls", "URL"},
        {"user", 0, CLI_STRING, &cli->user, "Username or Token", "USER"},
        {"password", 0, CLI_STRING, &cli->password, "Password", "PASSWORD"},
        {"token", 0, CLI_STRING, &cli->token, "Authentication token", "TOKEN"},
        {"creds", 0, CLI_STRING, &cli->creds, "User credentials", "FILE"},
        {"nkey", 0, CLI_STRING, &cli->nkey, "User NKEY", "FILE"},
        {"tlscert", 0, CLI_STRING, &cli->tlscert, "TLS client certificate file", "FILE"},
        {"tlskey", 0, CLI_STRING, &cli->tlskey, "TLS client key file", "FILE"},
        {"tlsca", 0, CLI_STRING, &cli->tlsca, "TLS certificate authority chain file", "FILE"},
        {"js-api-prefix", 0, CLI_STRING, &cli->js_api_prefix, "Subject prefix for access to JetStream API",
         "PREFIX"},
        {"js-event-prefix", 0, CLI_STRING, &cli->js_event_prefix,
         "Subject prefix for access to JetStream Advisories", "PREFIX"},
        {"js-domain", 0, CLI_STRING, &cli->js_domain, "JetStream domain to access", "DOMAIN"},
        {"inbox-prefix", 0, CLI_STRING, &cli->inbox_prefix,
         "Custom inbox prefix to use for inboxes", "PREFIX"},
        {"connection-name", 0, CLI_STRING, &cli->connection_name,
         "Nickname to use for the underlying NATS Connection", "NAME"},
        {"timeout", 0, CLI_DURATION, &cli->timeout_ms, "Time to wait on responses from NATS",
         "DURATION"},
        {"context", 0, CLI_STRING, &cli->context, "Configuration context", "CONTEXT"},
        {"trace", 0, CLI_BOOL, &cli->trace, "Trace API interactions", NULL},
    };
    struct cli_flag *out = xmemdup(g, sizeof(g));
    *n = (int)(sizeof(g) / sizeof(g[0]));
    return out;
}

static void print_flag_lines(struct cli *cli, const struct cli_flag *f, int n)
{
    for (int i = 0; i < n; i++) {
        char left[96], sh[8] = "    "; /* kingpin: "-h, --help" or "    --version" */
        if (f[i].short_name)
            snprintf(sh, sizeof(sh), "-%c, ", f[i].short_name);
        if (f[i].type == CLI_BOOL || !f[i].placeholder)
            snprintf(left, sizeof(left), "%s--%s", sh, f[i].name);
        else
            snprintf(left, sizeof(left), "%s--%s=%s", sh, f[i].name, f[i].placeholder);
        fprintf(cli->out, "  %-32s  %s\n", left, f[i].help ? f[i].help : "");
    }
}

static void print_help(struct cli *cli, const char *usage, const struct cli_flag *flags,
                       const struct cli_flag *g, int ng)
{
    int n = 0;
    const struct cli_flag help[] = {
        {"help", 'h', CLI_BOOL, NULL,
         "Show context-sensitive help (also try --help-long and --help-man).", NULL},
        {"version", 0, CLI_BOOL, NULL, "Show application version.", NULL},
    };

    while (flags && flags[n].name)
        n++;
    fprintf(cli->out, "usage: nats %s\n\nFlags:\n", usage);
    print_flag_lines(cli, help, 2);
    print_flag_lines(cli, g, ng);
    print_flag_lines(cli, flags, n);
    fputc('\n', cli->out);
    fflush(cli->out);
}

static const struct cli_flag *find_long(const struct cli_flag *f, int n, const char *name,
                                        size_t len)
{
    for (int i = 0; i < n; i++)
        if (strlen(f[i].name) == len && strncmp(f[i].name, name, len) == 0)
            return &f[i];
    return NULL;
}

static const struct cli_flag *find_short(const struct cli_flag *f, int n, char c)
{
    for (int i = 0; i < n; i++)
        if (f[i].short_name == c)
            return &f[i];
    return NULL;
}

/* Stores value into f's destination. Returns 0 or -1 after printing kingpin's error. */
static int set_value(struct cli *cli, const struct cli_flag *f, const char *value)
{
    switch (f->type) {
    case CLI_BOOL:
        *(bool *)f->dest = strcmp(value, "false") != 0;
        return 0;
    case CLI_STRING: {
        char **d = f->dest;
        free(*d);
        *d = xstrdup(value);
        return 0;
    }
    case CLI_STRINGS: {
        struct cli_strings *s = f->dest;
        s->v = xrealloc(s->v, sizeof(char *) * (size_t)(s->n + 1));
        s->v[s->n++] = xstrdup(value);
        return 0;
    }
    case CLI_INT: {
        char *end;
        long long v;
        errno = 0;
        v = strtoll(value, &end, 0);
        if (errno != 0 || *end || !*value) {
            char *q = cli_go_quote(value);
            cli_errorf(cli, "strconv.ParseInt: parsing %s: %s, try --help", q,
                       errno == ERANGE ? "value out of range" : "invalid syntax");
            free(q);
            return -1;
        }
        *(int64_t *)f->dest = v;
        return 0;
    }
    case CLI_DURATION:
        if (cli_parse_duration_ms(value, (int64_t *)f->dest) != 0) {
            char *q = cli_go_quote(value);
            cli_errorf(cli, "time: invalid duration %s, try --help", q);
            free(q);
            return -1;
        }
        return 0;
    }
    return -1;
}

int cli_parse_flags(struct cli *cli, const char *cmd_usage, const struct cli_flag *flags,
                    int argc, char **argv, char ***pos, int *npos)
{
    int nflags = 0, ng = 0, nall, rc = 0;
    struct cli_flag *g = global_flags(cli, &ng), *all;
    bool only_args = false;

    while (flags && flags[nflags].name)
        nflags++;
    nall = nflags + ng;
    all = xcalloc((size_t)nall + 1, sizeof(*all));
    if (nflags)
        memcpy(all, flags, sizeof(*all) * (size_t)nflags);
    memcpy(all + nflags, g, sizeof(*all) * (size_t)ng);
    *pos = xcalloc((size_t)argc + 1, sizeof(char *));
    *npos = 0;

    for (int i = 1; i < argc && rc == 0; i++) {
        char *a = argv[i];
        const struct cli_flag *f;

        if (only_args || a[0] != '-' || a[1] == '\0') {
            (*pos)[(*npos)++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_args = true;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            print_help(cli, cmd_usage, flags, g, ng);
            rc = 1;
            break;
        }
        if (a[1] == '-') {
            const char *name = a + 2, *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            bool negated = false;

            f = find_long(all, nall, name, len);
            if (!f && len > 3 && strncmp(name, "no-", 3) == 0) {
                f = find_long(all, nall, name + 3, len - 3);
                negated = f && f->type == CLI_BOOL;
                if (!negated)
                    f = NULL;
            }
            if (!f) {
                cli_errorf(cli, "unknown long flag '--%.*s', try --help", (int)len, name);
                rc = -1;
                break;
            }
            if (f->type == CLI_BOOL) {
                if (eq)
                    rc = set_value(cli, f, eq + 1);
                else
                    *(bool *)f->dest = !negated;
                continue;
            }
            if (eq) {
                rc = set_value(cli, f, eq + 1);
            } else if (i + 1 < argc) {
                rc = set_value(cli, f, argv[++i]);
            } else {
                cli_errorf(cli, "expected argument for flag '--%s', try --help", f->name);
                rc = -1;
            }
            continue;
        }
        /* short flags, possibly bundled: -ri, -H k:v, -Hk:v */
        for (const char *c = a + 1; *c && rc == 0; c++) {
            f = find_short(all, nall, *c);
            if (!f) {
                cli_errorf(cli, "unknown short flag '-%c', try --help", *c);
                rc = -1;
                break;
            }
            if (f->type == CLI_BOOL) {
                *(bool *)f->dest = true;
                continue;
            }
            if (c[1]) {
                rc = set_value(cli, f, c + 1);
            } else if (i + 1 < argc) {
                rc = set_value(cli, f, argv[++i]);
            } else {
                cli_errorf(cli, "expected argument for flag '-%c', try --help", *c);
                rc = -1;
            }
            break;
        }
    }
    free(all);
    free(g);
    if (rc != 0) {
        FREE_AND_NULL(*pos);
        *npos = 0;
    }
    return rc;
}

bool cli_global_takes_value(const char *a)
{
    static const char *const names[] = {"-s", "--server", "--user", "--password", "--token",
                                        "--creds", "--nkey", "--tlscert", "--tlskey", "--tlsca",
                                        "--timeout", "--context", "--connection-name",
                                        "--inbox-prefix", "--js-api-prefix", "--js-event-prefix",
                                        "--js-domain"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(a, names[i]) == 0)
            return true;
    return false;
}
