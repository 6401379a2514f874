/* Spawning real servers for tests: see proc.h. */
#include "proc.h"
#include "test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int proc_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    int port = -1;
    if (fd < 0)
        return -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

void proc_tmpdir(char *out, size_t size)
{
    const char *t = getenv("TMPDIR");
    snprintf(out, size, "%s/natrium-test-XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(out)) {
        perror("mkdtemp");
        abort();
    }
}

const char *proc_ref_bin(void)
{
    const char *b = getenv("NATS_REF_BIN");
    if (b && *b && access(b, X_OK) == 0)
        return b;
    if (access("/usr/bin/nats-server", X_OK) == 0)
        return "/usr/bin/nats-server";
    return NULL;
}

const char *proc_our_bin(void)
{
    const char *b = getenv("NATS_SERVER_BIN");
    return b && *b ? b : "build/bin/nats-server";
}

bool proc_is_ref(const char *bin)
{
    const char *r = proc_ref_bin();
    return r && bin && strcmp(r, bin) == 0;
}

static bool port_accepts(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bool ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
    close(fd);
    return ok;
}

static void cleanup_proc(void *arg)
{
    proc_stop(arg, SIGKILL);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int proc_start(struct server_proc *sp, const char *bin, const char *const *extra)
{
    const char *argv[64];
    char portbuf[16];
    int n = 0, logfd;

    if (!bin)
        bin = proc_our_bin();
    if (!sp->dir[0])
        proc_tmpdir(sp->dir, sizeof(sp->dir));
    snprintf(sp->log_path, sizeof(sp->log_path), "%s/server.log", sp->dir);
    for (int attempt = 0; attempt < 5; attempt++) {
        sp->port = proc_free_port();
        snprintf(portbuf, sizeof(portbuf), "%d", sp->port);
        n = 0;
        argv[n++] = bin;
        argv[n++] = "-a";
        argv[n++] = "127.0.0.1";
        argv[n++] = "-p";
        argv[n++] = portbuf;
        for (int i = 0; extra && extra[i] && n < 62; i++)
            argv[n++] = extra[i];
        argv[n] = NULL;

        logfd = open(sp->log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        sp->pid = fork();
        if (sp->pid == 0) {
            dup2(logfd, 1);
            dup2(logfd, 2);
            execv(bin, (char *const *)argv);
            perror("execv");
            _exit(127);
        }
        close(logfd);
        if (sp->pid < 0)
            return -1;
        test_on_cleanup(cleanup_proc, sp);
        for (int i = 0; i < 500; i++) {
            int st;
            if (waitpid(sp->pid, &st, WNOHANG) == sp->pid) {
                sp->pid = 0;
                break; /* died: maybe the port was taken; retry */
            }
            if (port_accepts(sp->port))
                return 0;
            sleep_ms(10);
        }
        if (sp->pid > 0)
            break;
    }
    char *log = proc_read_log(sp);
    fprintf(stderr, "server %s did not start; log:\n%s\n", bin, log ? log : "");
    free(log);
    return -1;
}

int proc_start_conf(struct server_proc *sp, const char *bin, const char *conf_text,
                    const char *const *extra)
{
    char path[300];
    const char *args[64];
    int n = 0;
    FILE *f;

    if (!sp->dir[0])
        proc_tmpdir(sp->dir, sizeof(sp->dir));
    snprintf(path, sizeof(path), "%s/server.conf", sp->dir);
    f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(conf_text, f);
    fclose(f);
    args[n++] = "-c";
    args[n++] = path;
    for (int i = 0; extra && extra[i] && n < 62; i++)
        args[n++] = extra[i];
    args[n] = NULL;
    return proc_start(sp, bin, args);
}

int proc_stop(struct server_proc *sp, int sig)
{
    int st = -1;
    if (sp->pid <= 0)
        return -1;
    kill(sp->pid, sig);
    for (int i = 0; i < 500; i++) {
        if (waitpid(sp->pid, &st, WNOHANG) == sp->pid) {
            sp->pid = 0;
            return st;
        }
        sleep_ms(10);
    }
    kill(sp->pid, SIGKILL);
    waitpid(sp->pid, &st, 0);
    sp->pid = 0;
    return st;
}

char *proc_read_log(const struct server_proc *sp)
{
    FILE *f = fopen(sp->log_path, "r");
    char *s;
    long n;
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    s = malloc((size_t)n + 1);
    n = (long)fread(s, 1, (size_t)n, f);
    s[n] = '\0';
    fclose(f);
    return s;
}

bool proc_log_wait(const struct server_proc *sp, const char *needle, int timeout_ms)
{
    for (int waited = 0;; waited += 10) {
        char *log = proc_read_log(sp);
        bool found = log && strstr(log, needle);
        free(log);
        if (found)
            return true;
        if (waited >= timeout_ms)
            return false;
        sleep_ms(10);
    }
}
