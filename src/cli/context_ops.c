/* `nats context copy|edit|validate` and the connection check of `context info --connect`
 * (natscli v0.0.35 cli/context_command.go copyCommand, editCommand, validateCommand). */
#include "cli/context.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/xmalloc.h"

/* natscli's overrideEnvVars. */
static const char *const override_vars[] = {"NATS_URL",  "NATS_USER", "NATS_PASSWORD",
                                            "NATS_CREDS", "NATS_NKEY", "NATS_CERT",
                                            "NATS_KEY",  "NATS_CA",   "NATS_TIMEOUT"};

void ctx_override_warning(struct cli *cli)
{
    char list[256] = "";
    size_t l = 0;

    for (size_t i = 0; i < sizeof(override_vars) / sizeof(override_vars[0]); i++) {
        const char *v = getenv(override_vars[i]);
        if (v && *v)
            l += (size_t)snprintf(list + l, sizeof(list) - l, "%s%s", l ? ", " : "",
                                  override_vars[i]);
    }
    if (l)
        fprintf(cli->out, "WARNING: Shell environment overrides in place using %s\n", list);
}

int ctx_check_connection(struct cli *cli, const struct ctx *c)
{
    struct cli tmp;
    natsConnection *nc;
    FILE *err = cli->err, *mem;
    char *buf = NULL;
    size_t len = 0;

    memset(&tmp, 0, sizeof(tmp));
    tmp.out = cli->out;
    tmp.timeout_ms = cli->timeout_ms;
    tmp.servers = (char *)(*ctx_get(c, "url") ? ctx_get(c, "url") : "nats://localhost:4222");
    tmp.user = *ctx_get(c, "user") ? (char *)ctx_get(c, "user") : NULL;
    tmp.password = *ctx_get(c, "password") ? (char *)ctx_get(c, "password") : NULL;
    tmp.token = *ctx_get(c, "token") ? (char *)ctx_get(c, "token") : NULL;
    tmp.creds = *ctx_get(c, "creds") ? (char *)ctx_get(c, "creds") : NULL;
    tmp.nkey = *ctx_get(c, "nkey") ? (char *)ctx_get(c, "nkey") : NULL;
    tmp.tlscert = *ctx_get(c, "cert") ? (char *)ctx_get(c, "cert") : NULL;
    tmp.tlskey = *ctx_get(c, "key") ? (char *)ctx_get(c, "key") : NULL;
    tmp.tlsca = *ctx_get(c, "ca") ? (char *)ctx_get(c, "ca") : NULL;
    /* cli_connect prints "nats: error: <why>"; capture it to print the reason inline */
    mem = open_memstream(&buf, &len);
    tmp.err = mem ? mem : err;
    nc = cli_connect(&tmp);
    if (mem)
        fclose(mem);
    (void)err;
    if (nc) {
        natsConnection_Destroy(nc);
        fprintf(cli->out, "       Connection: OK\n");
        free(buf);
        return 0;
    }
    const char *why = buf && strncmp(buf, "nats: error: ", 13) == 0 ? buf + 13 : "";
    fprintf(cli->out, "       Connection: %.*s\n", (int)strcspn(why, "\n"), why);
    free(buf);
    return 1;
}

int ctx_copy(struct cli *cli, const char *source, const char *name, const char *description,
             const char *nsc, bool select)
{
    char *q;
    int rc;

    if (!ctx_valid_name(source) || !ctx_known(source)) {
        q = cli_go_quote(source);
        rc = cli_errorf(cli, "unknown context %s", q);
        free(q);
        return rc;
    }
    if (ctx_valid_name(name) && ctx_known(name)) {
        q = cli_go_quote(name);
        rc = cli_errorf(cli, "context %s already exist", q); /* sic */
        free(q);
        return rc;
    }
    return ctx_save(cli, name, source, description, nsc, select);
}

int ctx_edit(struct cli *cli, const char *name)
{
    const char *editor = getenv("EDITOR");
    struct ctx c;
    char why[512], *path;
    int rc, st = 0;
    pid_t pid;

    if (!editor || !*editor)
        return cli_errorf(cli, "set EDITOR environment variable to your chosen editor");
    if (!ctx_valid_name(name) || !ctx_known(name)) {
        char *q = cli_go_quote(name);
        rc = cli_errorf(cli, "unknown context %s", q);
        free(q);
        return rc;
    }
    /* load and save first so fields added since the file was written appear in the editor */
    if (ctx_read(name, &c, why, sizeof(why)) != 0)
        return cli_errorf(cli, "%s", why);
    rc = ctx_write(cli, name, &c);
    ctx_release(&c);
    if (rc != 0)
        return rc;
    path = ctx_path(name);
    fflush(cli->out);
    pid = fork();
    if (pid == 0) {
        execlp(editor, editor, path, (char *)NULL);
        fprintf(stderr, "exec: \"%s\": executable file not found in $PATH\n", editor);
        _exit(127);
    }
    free(path);
    if (pid < 0 || waitpid(pid, &st, 0) < 0)
        return cli_errorf(cli, "could not start %s", editor);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return cli_errorf(cli, "exit status %d", WIFEXITED(st) ? WEXITSTATUS(st) : 1);
    int errors = 0;
    return ctx_show_checked(cli, name, false, &errors);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int ctx_validate(struct cli *cli, const char *name, bool connect)
{
    char **names = NULL;
    int n = 0, errors = 0;

    if (name && *name) {
        names = xcalloc(1, sizeof(char *));
        names[n++] = xstrdup(name);
    } else {
        char *dir = ctx_path("x"), *slash = strrchr(dir, '/');
        DIR *d;
        struct dirent *e;
        *slash = '\0';
        d = opendir(dir);
        while (d && (e = readdir(d))) {
            size_t l = strlen(e->d_name);
            if (l > 5 && strcmp(e->d_name + l - 5, ".json") == 0) {
                names = xrealloc(names, sizeof(char *) * (size_t)(n + 1));
                names[n++] = xstrndup(e->d_name, l - 5);
            }
        }
        if (d)
            closedir(d);
        free(dir);
        qsort(names, (size_t)n, sizeof(char *), cmp_names);
    }
    for (int i = 0; i < n; i++) {
        struct ctx c;
        char why[512];

        if (!ctx_valid_name(names[i]) || ctx_read(names[i], &c, why, sizeof(why)) != 0) {
            char *q = cli_go_quote(names[i]);
            fprintf(cli->out, "Could not load %s: unknown context %s\n\n", names[i], q);
            free(q);
        } else {
            ctx_release(&c);
            ctx_show_checked(cli, names[i], connect, &errors);
        }
        fputc('\n', cli->out);
        free(names[i]);
    }
    free(names);
    if (errors > 0)
        return cli_errorf(cli, "validation failed");
    return 0;
}
