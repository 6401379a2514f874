/* Spawning real servers for tests: see proc.h. Each server gets a scratch directory (its
 * log, config file) that is removed when the test passes and kept, with the tail of the
 * log printed, when it fails (or always with NS_KEEP_TMP=1). */
#include "proc.h"
#include "test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
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
    if (access("/usr/sbin/nats-server", X_OK) == 0)
        return "/usr/sbin/nats-server";
    return NULL;
}

const char *proc_our_bin(void)
{
    const char *b = getenv("NATS_SERVER_BIN");
    if (b && *b)
        return b;
    b = getenv("NS_BUILT_SERVER_BIN"); /* set by tests that let the caller pick the binary */
    return b && *b ? b : "build/bin/nats-server";
}

bool proc_is_ref(const char *bin)
{
    const char *r = proc_ref_bin();
    struct stat a, b;
    if (!r || !bin)
        return false;
    if (strcmp(r, bin) == 0)
        return true;
    /* the same file under another path (a symlink, /usr/bin vs /usr/sbin) */
    return stat(r, &a) == 0 && stat(bin, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static bool port_accepts(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bool ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
    close(fd);
    return ok;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void print_log_tail(const struct server_proc *sp)
{
    char *log = proc_read_log(sp);
    size_t n = log ? strlen(log) : 0;
    const char *from = n > 2048 ? log + n - 2048 : log;
    fprintf(stderr, "server log %s (last 2 KiB):\n%s\n", sp->log_path, from ? from : "");
    free(log);
}

/* What the end-of-test cleanup needs, on the heap: the test's struct server_proc usually
 * lives on its stack, which is gone when cleanups run. */
struct proc_rec {
    pid_t pid;
    char dir[256];
    char log_path[320];
};

static void cleanup_proc(void *arg)
{
    struct proc_rec *rec = arg;
    struct server_proc tmp = {.pid = rec->pid};
    const char *keep = getenv("NS_KEEP_TMP");

    memcpy(tmp.dir, rec->dir, sizeof(tmp.dir));
    memcpy(tmp.log_path, rec->log_path, sizeof(tmp.log_path));
    if (tmp.pid > 0) {
        /* SIGTERM (SIGKILL after 5 s) lets a sanitizer build report; any report fails the test */
        char *log;
        proc_stop(&tmp, SIGTERM);
        log = proc_read_log(&tmp);
        if (log && (strstr(log, "ERROR: AddressSanitizer") || strstr(log, "ERROR: LeakSanitizer") ||
                    strstr(log, "runtime error:") || strstr(log, "WARNING: ThreadSanitizer")))
            test_mark_failed("server %s: sanitizer report in its log", tmp.log_path);
        free(log);
    }
    if (test_current_failed())
        print_log_tail(&tmp);
    else if (!(keep && *keep && strcmp(keep, "0") != 0))
        nftw(rec->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    free(rec);
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
    sp->rec = calloc(1, sizeof(*sp->rec));
    memcpy(sp->rec->dir, sp->dir, sizeof(sp->rec->dir));
    memcpy(sp->rec->log_path, sp->log_path, sizeof(sp->rec->log_path));
    test_on_cleanup(cleanup_proc, sp->rec);
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
        sp->rec->pid = sp->pid;
        for (int i = 0; i < 500; i++) {
            int st;
            if (waitpid(sp->pid, &st, WNOHANG) == sp->pid) {
                sp->pid = 0;
                sp->rec->pid = 0;
                break; /* died: maybe the port was taken; retry */
            }
            if (port_accepts(sp->port)) {
                /* The reference goes on setting up after its port opens (internal clients,
                 * system and operator accounts, in goroutines): a client that comes at once on
                 * a loaded machine can get a lower client id or an "authentication error" for
                 * a good JWT. Give it that moment; natrium is ready when it listens. */
                if (proc_is_ref(bin))
                    sleep_ms(150);
                return 0;
            }
            sleep_ms(10);
        }
        if (sp->pid > 0)
            break;
    }
    char *log = proc_read_log(sp);
    const char *unsup = log ? strstr(log, "is not supported by natrium yet") : NULL;
    if (unsup && !proc_is_ref(bin)) {
        /* natrium refused a feature it does not have yet: skip, do not fail */
        const char *start = unsup;
        char why[256];
        while (start > log && start[-1] != '\n')
            start--;
        snprintf(why, sizeof(why), "%.*s", (int)(strcspn(start, "\n")), start);
        free(log);
        test_skip(why);
    }
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
    pid_t pid = sp->pid;
    if (pid <= 0)
        return -1;
    sp->pid = 0;
    if (sp->rec)
        sp->rec->pid = 0;
    kill(pid, sig);
    for (int i = 0; i < 500; i++) {
        if (waitpid(pid, &st, WNOHANG) == pid)
            return st;
        sleep_ms(10);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    return st;
}

char *proc_read_file(const char *path)
{
    /* read to EOF: /proc files report a size of 0 */
    FILE *f = fopen(path, "r");
    size_t n = 0, cap = 4096, r;
    char *s;
    if (!f)
        return NULL;
    s = malloc(cap);
    while ((r = fread(s + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (cap - n - 1 == 0) {
            cap *= 2;
            s = realloc(s, cap);
        }
    }
    s[n] = '\0';
    fclose(f);
    return s;
}

char *proc_read_log(const struct server_proc *sp)
{
    return proc_read_file(sp->log_path);
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
