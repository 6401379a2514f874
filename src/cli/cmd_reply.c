/* `nats reply` (natscli cli/reply_command.go): answers requests in queue group --queue
 * (default NATS-RPLY-22) with a templated body, an echo (plus NATS-Reply-Counter), or the
 * output of --command ("{{n}}" = subject token n, counted from 0; NATS_REQUEST_SUBJECT and
 * NATS_REQUEST_BODY in its environment). Runs until --count replies or SIGINT/SIGTERM. */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/xmalloc.h"

/* Splits a command line shell-style (quotes, backslashes) into a NULL-terminated argv. */
static char **split_command(const char *s, int *argc)
{
    char **v = xcalloc(strlen(s) + 2, sizeof(char *));
    char *buf = xmalloc(strlen(s) + 1);
    int n = 0;

    while (*s) {
        size_t l = 0;
        char quote = 0;
        bool any = false;
        while (*s == ' ' || *s == '\t' || *s == '\n')
            s++;
        for (; *s && (quote || (*s != ' ' && *s != '\t' && *s != '\n')); s++) {
            any = true;
            if (quote && *s == quote)
                quote = 0;
            else if (!quote && (*s == '\'' || *s == '"'))
                quote = *s;
            else if (*s == '\\' && quote != '\'' && s[1])
                buf[l++] = *++s;
            else
                buf[l++] = *s;
        }
        if (any)
            v[n++] = xstrndup(buf, l);
    }
    free(buf);
    *argc = n;
    return v;
}

/* Runs cmd with the request in its environment; returns its combined output (malloc'd). */
static char *run_command(struct cli *cli, const char *raw_cmd, natsMsg *req, size_t *len)
{
    int pfd[2], argc = 0, status = 0;
    char **args = split_command(raw_cmd, &argc);
    size_t cap = 4096, n = 0;
    char *out = xmalloc(cap);
    ssize_t r;
    pid_t pid;

    *len = 0;
    out[0] = '\0';
    if (argc == 0 || pipe(pfd) != 0)
        goto done;
    pid = fork();
    if (pid == 0) {
        char *body = xstrndup(natsMsg_GetData(req) ? natsMsg_GetData(req) : "",
                              (size_t)natsMsg_GetDataLength(req));
        setenv("NATS_REQUEST_SUBJECT", natsMsg_GetSubject(req), 1);
        setenv("NATS_REQUEST_BODY", body, 1);
        dup2(pfd[1], STDOUT_FILENO);
        dup2(pfd[1], STDERR_FILENO);
        close(pfd[0]);
        close(pfd[1]);
        execvp(args[0], args);
        _exit(127);
    }
    close(pfd[1]);
    while ((r = read(pfd[0], out + n, cap - n - 1)) > 0) {
        n += (size_t)r;
        if (cap - n < 2) {
            cap *= 2;
            out = xrealloc(out, cap);
        }
    }
    close(pfd[0]);
    if (pid > 0)
        waitpid(pid, &status, 0);
    out[n] = '\0';
    *len = n;
    if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char *q = cli_go_quote(raw_cmd);
        if (pid > 0 && WIFEXITED(status))
            cli_logf(cli, "Command %s failed to run: exit status %d", q, WEXITSTATUS(status));
        else
            cli_logf(cli, "Command %s failed to run", q);
        free(q);
    }
done:
    for (int i = 0; i < argc; i++)
        free(args[i]);
    free(args);
    return out;
}

/* Replaces "{{i}}" with subject token i in cmd. Returns a malloc'd string. */
static char *expand_tokens(const char *cmd, const char *subject)
{
    char *res = xstrdup(cmd), *subj = xstrdup(subject), *save = NULL;
    int i = 0;

    for (char *t = strtok_r(subj, ".", &save); t; t = strtok_r(NULL, ".", &save), i++) {
        char pat[32], *at;
        snprintf(pat, sizeof(pat), "{{%d}}", i);
        while ((at = strstr(res, pat)) != NULL) {
            size_t n = strlen(res) - strlen(pat) + strlen(t) + 1;
            char *nr = xmalloc(n);
            snprintf(nr, n, "%.*s%s%s", (int)(at - res), res, t, at + strlen(pat));
            free(res);
            res = nr;
        }
    }
    free(subj);
    return res;
}

static void answer(struct cli *cli, natsConnection *nc, natsMsg *m, int i, const char *body,
                   const char *command, bool echo, const struct cli_strings *hdrs)
{
    const char *reply = natsMsg_GetReply(m);
    natsMsg *r = NULL;
    char *data = NULL;
    size_t len = 0;

    if (!reply || !*reply)
        return;
    if (echo) {
        data = xmemdup(natsMsg_GetData(m) ? natsMsg_GetData(m) : "",
                       (size_t)natsMsg_GetDataLength(m) + 1);
        len = (size_t)natsMsg_GetDataLength(m);
    } else if (command) {
        char *cmd = expand_tokens(command, natsMsg_GetSubject(m));
        data = run_command(cli, cmd, m, &len);
        free(cmd);
    } else {
        data = cli_render_template(body, i, NULL, &len);
    }
    if (natsMsg_Create(&r, reply, NULL, data, (int)len) != NATS_OK) {
        free(data);
        return;
    }
    cli_add_headers(cli, r, hdrs, i);
    if (echo) {
        const char **keys = NULL;
        int nk = 0;
        char ctr[24];
        if (natsMsgHeader_Keys(m, &keys, &nk) == NATS_OK) {
            for (int k = 0; k < nk; k++) {
                const char **vals = NULL;
                int nv = 0;
                if (natsMsgHeader_Values(m, keys[k], &vals, &nv) != NATS_OK)
                    continue;
                for (int j = 0; j < nv; j++)
                    natsMsgHeader_Add(r, keys[k], vals[j]);
                free((void *)vals);
            }
            free((void *)keys);
        }
        snprintf(ctr, sizeof(ctr), "%d", i);
        natsMsgHeader_Add(r, "NATS-Reply-Counter", ctr);
    }
    if (natsConnection_PublishMsg(nc, r) != NATS_OK)
        cli_logf(cli, "Could not publish reply: %s", nats_GetLastError(NULL));
    natsConnection_Flush(nc);
    natsMsg_Destroy(r);
    free(data);
}

int cmd_reply(struct cli *cli, int argc, char **argv)
{
    char *queue = xstrdup("NATS-RPLY-22"), *command = NULL, **pos = NULL;
    struct cli_strings hdrs = {0};
    bool echo = false;
    int64_t sleep_ms = 0, limit = 0;
    int npos = 0, rc, i = 0;
    natsConnection *nc = NULL;
    natsSubscription *sub = NULL;
    natsStatus s;
    const struct cli_flag flags[] = {
        {"echo", 0, CLI_BOOL, &echo, "Echo back what is received", NULL},
        {"command", 0, CLI_STRING, &command,
         "Runs a command and responds with the output if exit code was 0", "COMMAND"},
        {"queue", 'q', CLI_STRING, &queue, "Queue group name", "QUEUE"},
        {"sleep", 0, CLI_DURATION, &sleep_ms,
         "Inject a random sleep delay between replies up to this duration max", "MAX"},
        {"header", 'H', CLI_STRINGS, &hdrs, "Adds headers to the message", "HEADER"},
        {"count", 0, CLI_INT, &limit, "Quit after receiving this many messages", "COUNT"},
        {NULL, 0, CLI_BOOL, NULL, NULL, NULL},
    };

    if (cli_command_start(cli, "reply [<flags>] <subject> [<body>]", flags, argc, argv, 1, 2, "subject", &pos,
                          &npos, &nc, &rc) != 0)
        goto out;
    if ((npos < 2 || !*pos[1]) && !command && !echo) {
        cli_logf(cli, "No body or command supplied, enabling echo mode");
        echo = true;
    }
    s = natsConnection_QueueSubscribeSync(&sub, nc, pos[0], queue);
    if (s == NATS_OK)
        s = natsConnection_Flush(nc);
    if (s != NATS_OK) {
        const char *e = nats_GetLastError(NULL);
        rc = cli_errorf(cli, "nats: %s", e && *e ? e : natsStatus_GetText(s));
        goto out;
    }
    {
        char *qs = cli_go_quote(pos[0]), *qq = cli_go_quote(queue);
        cli_logf(cli, "Listening on %s in group %s", qs, qq);
        free(qs);
        free(qq);
    }
    while (!cli_interrupted()) {
        natsMsg *m = NULL;
        char *qs;

        s = natsSubscription_NextMsg(&m, sub, 100);
        if (s == NATS_TIMEOUT || s == NATS_SLOW_CONSUMER)
            continue;
        if (s != NATS_OK) {
            rc = cli_errorf(cli, "nats: %s", natsStatus_GetText(s));
            break;
        }
        qs = cli_go_quote(natsMsg_GetSubject(m));
        cli_logf(cli, "[#%d] Received on subject %s:", i, qs);
        free(qs);
        cli_print_headers(cli, m, true);
        fputc('\n', cli->out);
        if (natsMsg_GetDataLength(m) > 0)
            fwrite(natsMsg_GetData(m), 1, (size_t)natsMsg_GetDataLength(m), cli->out);
        fputc('\n', cli->out);
        fflush(cli->out);
        if (sleep_ms > 0)
            nats_Sleep(rand() % sleep_ms);
        answer(cli, nc, m, i, npos == 2 ? pos[1] : "", command, echo, &hdrs);
        natsMsg_Destroy(m);
        i++;
        if (limit > 0 && i == limit)
            break;
    }
out:
    if (sub) {
        natsSubscription_Unsubscribe(sub);
        natsSubscription_Destroy(sub);
    }
    if (nc)
        natsConnection_Destroy(nc);
    free(queue);
    free(command);
    cli_strings_free(&hdrs);
    free(pos);
    return rc;
}
