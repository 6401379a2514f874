/* -sl/--signal <cmd>[=<pid or pid file>]: sends a signal to a running server and exits
 * (mirrors server/signal.go ProcessSignal and server/opts.go processSignal of 2.9.10). Every
 * message is the reference's, printed as main.go's PrintAndDie does ("nats-server: <err>" on
 * stderr, exit 1). Without a pid, the processes are found by name in /proc, as pgrep would.
 * Deliberate differences: a pid file's trailing newline is ignored, and a pid <= 0 (which
 * kill(2) would turn into "every process") is refused as invalid. */
#include "server/opts.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/xmalloc.h"

#define PROCESS_NAME "nats-server"

struct signal_cmd {
    const char *name;
    int signo;
};

/* server/signal.go CommandToSignal */
static const struct signal_cmd signal_cmds[] = {
    {"stop", SIGKILL},  {"quit", SIGINT}, {"reopen", SIGUSR1},
    {"reload", SIGHUP}, {"ldm", SIGUSR2}, {"term", SIGTERM},
};

/* The reference's texts; each is printed after "nats-server: ". */
#define MSG_PREFIX "nats-server: "
#define MSG_BAD_PARAMS "invalid signal parameters: [%s]"
#define MSG_NO_PROCS "no %s processes running"
#define MSG_MULTIPLE "multiple %s processes running:"
#define MSG_BAD_PID "invalid pid: %s"
#define MSG_UNKNOWN "unknown signal %s"
#define MSG_UNRESOLVED "unable to resolve pid, try providing one"

/* Reads a pid file if arg names a readable one (server/opts.go maybeReadPidFile); else arg
 * itself. Returns a malloc'd string without trailing whitespace. */
static char *maybe_read_pid_file(const char *arg)
{
    char buf[4096];
    ssize_t n = -1;
    int fd = open(arg, O_RDONLY | O_CLOEXEC);
    char *out;

    if (fd >= 0) {
        n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
    }
    if (n < 0)
        return xstrdup(arg);
    buf[n] = '\0';
    out = xstrdup(buf);
    for (size_t len = strlen(out); len > 0 && isspace((unsigned char)out[len - 1]); len--)
        out[len - 1] = '\0';
    return out;
}

/* Go's strconv.Atoi, restricted to pids kill(2) can name alone: 1..INT_MAX. */
static int parse_pid(const char *s, pid_t *out)
{
    const char *p = s;
    long long v = 0;

    if (*p == '+' || *p == '-')
        p++;
    if (!*p)
        return -1;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        v = v * 10 + (*p - '0');
        if (v > INT_MAX)
            return -1;
    }
    if (*s == '-' || v == 0)
        return -1;
    *out = (pid_t)v;
    return 0;
}

static int cmp_pid(const void *a, const void *b)
{
    pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
    return (x > y) - (x < y);
}

/* Lists the pids whose /proc/<pid>/comm contains name, this process excluded, ascending (as
 * "pgrep nats-server" would). Returns the count and a malloc'd array in *out, or -1. */
static int resolve_pids(const char *name, pid_t **out)
{
    DIR *d = opendir("/proc");
    struct dirent *de;
    pid_t *pids = NULL, me = getpid();
    int n = 0, cap = 0;

    if (!d)
        return -1;
    while ((de = readdir(d)) != NULL) {
        char path[PATH_MAX], comm[64];
        pid_t pid;
        ssize_t len;
        int fd;

        if (parse_pid(de->d_name, &pid) != 0 || pid == me || !isdigit((unsigned char)de->d_name[0]))
            continue;
        snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue; /* gone already */
        len = read(fd, comm, sizeof(comm) - 1);
        close(fd);
        if (len <= 0)
            continue;
        comm[len] = '\0';
        comm[strcspn(comm, "\n")] = '\0';
        if (!strstr(comm, name))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            pids = xrealloc(pids, (size_t)cap * sizeof(*pids));
        }
        pids[n++] = pid;
    }
    closedir(d);
    if (n > 1)
        qsort(pids, (size_t)n, sizeof(*pids), cmp_pid);
    *out = pids;
    return n;
}

/* Go's syscall.Errno.Error(): the C library's text with a lower-case first letter. */
static void print_errno(int err)
{
    const char *msg = strerror(err);

    fprintf(stderr, MSG_PREFIX "%c%s\n", tolower((unsigned char)msg[0]), msg + 1);
}

/* Finds the single target when no pid was given. Returns 0 and sets *pid, or 1 after printing
 * the reference's error. */
static int find_single(const char *process_name, pid_t *pid)
{
    pid_t *pids = NULL;
    int n = resolve_pids(process_name, &pids);

    if (n < 0) {
        fprintf(stderr, MSG_PREFIX MSG_UNRESOLVED "\n");
        return 1;
    }
    if (n == 0) {
        fprintf(stderr, MSG_PREFIX MSG_NO_PROCS "\n", PROCESS_NAME);
        free(pids);
        return 1;
    }
    if (n > 1) {
        fprintf(stderr, MSG_PREFIX MSG_MULTIPLE, PROCESS_NAME);
        for (int i = 0; i < n; i++)
            fprintf(stderr, "\n%d", (int)pids[i]);
        fputc('\n', stderr);
        free(pids);
        return 1;
    }
    *pid = pids[0];
    free(pids);
    return 0;
}

int opts_send_signal_to(const char *arg, const char *process_name)
{
    char *cmd = xstrdup(arg), *pid_arg = strchr(cmd, '='), *pid_str = NULL, *extra;
    const struct signal_cmd *sc = NULL;
    pid_t pid = 0;
    int rc = 1;

    if (pid_arg) {
        *pid_arg++ = '\0';
        extra = strchr(pid_arg, '=');
        if (extra) {
            /* Go prints the parts after the second '=' as %v of a []string: "[c d]" */
            *extra++ = '\0';
            for (char *p = extra; (p = strchr(p, '=')) != NULL;)
                *p = ' ';
            fprintf(stderr, MSG_PREFIX MSG_BAD_PARAMS "\n", extra);
            goto out;
        }
        pid_str = maybe_read_pid_file(pid_arg);
    }
    if (!pid_str || !*pid_str) {
        if (find_single(process_name, &pid) != 0)
            goto out;
    } else if (parse_pid(pid_str, &pid) != 0) {
        fprintf(stderr, MSG_PREFIX MSG_BAD_PID "\n", pid_str);
        goto out;
    }
    for (size_t i = 0; i < sizeof(signal_cmds) / sizeof(signal_cmds[0]); i++) {
        if (strcmp(signal_cmds[i].name, cmd) == 0)
            sc = &signal_cmds[i];
    }
    if (!sc) {
        char *q = opts_go_quote(cmd);
        fprintf(stderr, MSG_PREFIX MSG_UNKNOWN "\n", q);
        free(q);
        goto out;
    }
    if (kill(pid, sc->signo) != 0) {
        print_errno(errno);
        goto out;
    }
    rc = 0;
out:
    fflush(stderr);
    free(pid_str);
    free(cmd);
    return rc;
}

int opts_send_signal(const char *arg)
{
    return opts_send_signal_to(arg, PROCESS_NAME);
}
