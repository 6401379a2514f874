/* CLI test helpers (see clirun.h). */
#include "clirun.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"

const char *cli_bin(void)
{
    const char *b = getenv("NATS_CLI_BIN");
    return b && *b ? b : "build/bin/nats";
}

/* Starts the CLI with args (NULL-terminated); stdout+stderr go to out_path. */
static pid_t spawn_to(const struct run *r, const char *out_path, const char *err_path,
                      const char *stdin_text, const char *const *args)
{
    int in[2];
    pid_t pid;

    if (pipe(in) != 0)
        return -1;
    pid = fork();
    if (pid == 0) {
        const char *argv[32];
        int n = 0, fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int fe = err_path ? open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600) : fd;
        char xdg[300];
        argv[n++] = cli_bin();
        for (int i = 0; args[i] && n < 31; i++)
            argv[n++] = args[i];
        argv[n] = NULL;
        snprintf(xdg, sizeof(xdg), "%s/.config", r->home);
        setenv("NATS_URL", r->url, 1);
        setenv("HOME", r->home, 1);
        setenv("XDG_CONFIG_HOME", xdg, 1);
        unsetenv("NATS_CONTEXT");
        dup2(in[0], 0);
        dup2(fd, 1);
        dup2(fe, 2);
        close(in[0]);
        close(in[1]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(in[0]);
    if (stdin_text && write(in[1], stdin_text, strlen(stdin_text)) < 0)
        perror("write");
    close(in[1]);
    return pid;
}

pid_t cli_spawn(const struct run *r, const char *out_path, const char *stdin_text,
                const char *const *args)
{
    return spawn_to(r, out_path, NULL, stdin_text, args);
}

int cli_wait_exit(pid_t pid, int timeout_ms)
{
    int st = 0;
    for (int i = 0; i < timeout_ms / 10; i++) {
        if (waitpid(pid, &st, WNOHANG) == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        usleep(10000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    return -1;
}

void cli_wait_for_text(const char *path, const char *needle)
{
    for (int i = 0; i < 300; i++) {
        char *t = proc_read_file(path);
        bool ok = t && strstr(t, needle);
        free(t);
        if (ok)
            return;
        usleep(10000);
    }
}

/* Runs the CLI to completion; returns its exit code and the normalised output in *out. */
int cli_run(const struct run *r, const char *name, const char *stdin_text, char **out,
                   const char *const *args)
{
    char path[400];
    pid_t pid;
    int rc;

    snprintf(path, sizeof(path), "%s/%s.out", r->home, name);
    pid = cli_spawn(r, path, stdin_text, args);
    rc = cli_wait_exit(pid, 10000);
    *out = proc_read_file(path);
    return rc;
}

/* Replaces times, rtt values, inbox ids and the port so two runs compare equal. */
char *cli_normalise(const char *s, int port)
{
    size_t n = strlen(s);
    char *o = calloc(1, n * 2 + 16), portstr[16];
    size_t j = 0;

    snprintf(portstr, sizeof(portstr), "%d", port);
    for (size_t i = 0; i < n;) {
        if (i + 8 <= n && s[i + 2] == ':' && s[i + 5] == ':' && strspn(s + i, "0123456789:") >= 8) {
            memcpy(o + j, "HH:MM:SS", 8);
            j += 8;
            i += 8;
        } else if (strncmp(s + i, "rtt ", 4) == 0) {
            memcpy(o + j, "rtt RTT", 7);
            j += 7;
            i += 4;
            while (i < n && s[i] != '\n')
                i++;
        } else if (strncmp(s + i, "_INBOX.", 7) == 0) {
            memcpy(o + j, "_INBOX.ID", 9);
            j += 9;
            i += 7;
            while (i < n && s[i] != '"' && s[i] != ' ' && s[i] != '\n')
                i++;
        } else if (strncmp(s + i, portstr, strlen(portstr)) == 0) {
            memcpy(o + j, "PORT", 4);
            j += 4;
            i += strlen(portstr);
        } else {
            o[j++] = s[i++];
        }
    }
    return o;
}

void cli_log_append(char *log, size_t sz, const char *tag, const char *text)
{
    size_t l = strlen(log);
    snprintf(log + l, sz - l, "== %s\n%s", tag, text ? text : "(null)\n");
}


int cli_run2(const struct run *r, const char *name, char **out, char **err,
             const char *const *args)
{
    char po[400], pe[400];
    pid_t pid;
    int rc;

    snprintf(po, sizeof(po), "%s/%s.out", r->home, name);
    snprintf(pe, sizeof(pe), "%s/%s.err", r->home, name);
    pid = spawn_to(r, po, pe, NULL, args);
    rc = cli_wait_exit(pid, 10000);
    *out = proc_read_file(po);
    *err = proc_read_file(pe);
    if (!*out)
        *out = calloc(1, 1);
    if (!*err)
        *err = calloc(1, 1);
    return rc;
}
