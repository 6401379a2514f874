/* Soak: mixed traffic against a real server for a while, sampling the server's RSS and open
 * fds once a second, then the RSS slope (least squares after a warm-up) and the fd drift.
 * Traffic: a publisher streaming to a subscriber, a requester and a responder doing round
 * trips, and a thread that connects, subscribes and disconnects in a loop (churn).
 *   soak [--seconds N] [--bin PATH]     (default 60 s, $NATS_SERVER_BIN)
 * Exit 1 when, after warm-up, RSS climbs faster than 1 MiB/min and by more than 2 MiB, or
 * fds do not return to where they started.
 * One command: scripts/soak.sh [seconds]. CTest runs a short version (label robust). */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static atomic_bool stop;
static atomic_long n_pub, n_sub, n_req, n_churn;
static int port;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int dial(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct timeval tv = {2, 0};
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    return fd;
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int sends(int fd, const char *s)
{
    return send_all(fd, s, strlen(s));
}

/* Reads until needle has been seen count times in the stream; returns 0 or -1. */
static int read_until(int fd, const char *needle, long count)
{
    char buf[65536 + 64];
    size_t keep = 0, nl = strlen(needle);
    long seen = 0;
    while (seen < count) {
        ssize_t r = recv(fd, buf + keep, sizeof(buf) - keep - 1, 0);
        if (r <= 0)
            return -1;
        size_t len = keep + (size_t)r;
        buf[len] = '\0';
        for (char *p = buf; (p = memmem(p, (size_t)(buf + len - p), needle, nl)); p += nl)
            seen++;
        keep = len < nl ? len : nl - 1; /* carry a possible partial match */
        memmove(buf, buf + len - keep, keep);
    }
    return 0;
}

static void *pubsub_main(void *arg)
{
    int sub = dial(), pub = dial();
    (void)arg;
    if (sub < 0 || pub < 0)
        return NULL;
    sends(sub, "CONNECT {\"verbose\":false,\"pedantic\":false}\r\nSUB soak.data 1\r\nPING\r\n");
    read_until(sub, "PONG\r\n", 1);
    sends(pub, "CONNECT {\"verbose\":false,\"pedantic\":false}\r\n");
    while (!atomic_load(&stop)) {
        char batch[100 * 40];
        size_t o = 0;
        for (int i = 0; i < 100; i++)
            o += (size_t)snprintf(batch + o, sizeof(batch) - o, "PUB soak.data 16\r\n0123456789abcdef\r\n");
        if (send_all(pub, batch, o) != 0 || sends(pub, "PING\r\n") != 0 ||
            read_until(pub, "PONG\r\n", 1) != 0)
            break;
        atomic_fetch_add(&n_pub, 100);
        if (sends(sub, "PING\r\n") != 0 || read_until(sub, "PONG\r\n", 1) != 0)
            break;
        atomic_fetch_add(&n_sub, 100);
    }
    close(sub);
    close(pub);
    return NULL;
}

static void *reqrep_main(void *arg)
{
    int rep = dial(), req = dial();
    (void)arg;
    if (rep < 0 || req < 0)
        return NULL;
    /* the responder is the server-side echo of a queue subscriber: it answers each request
     * by publishing to the reply subject it was given */
    sends(rep, "CONNECT {\"verbose\":false,\"pedantic\":false}\r\nSUB soak.svc q 1\r\nPING\r\n");
    read_until(rep, "PONG\r\n", 1);
    sends(req, "CONNECT {\"verbose\":false,\"pedantic\":false}\r\nSUB soak.inbox.* 9\r\nPING\r\n");
    read_until(req, "PONG\r\n", 1);
    for (long i = 0; !atomic_load(&stop); i++) {
        char line[128], reply[64];
        snprintf(reply, sizeof(reply), "soak.inbox.%ld", i % 1000);
        snprintf(line, sizeof(line), "PUB soak.svc %s 4\r\nping\r\n", reply);
        if (sends(req, line) != 0 || read_until(rep, "ping\r\n", 1) != 0)
            break;
        snprintf(line, sizeof(line), "PUB %s 4\r\npong\r\n", reply);
        if (sends(rep, line) != 0 || read_until(req, "pong\r\n", 1) != 0)
            break;
        atomic_fetch_add(&n_req, 1);
    }
    close(rep);
    close(req);
    return NULL;
}

static void *churn_main(void *arg)
{
    (void)arg;
    while (!atomic_load(&stop)) {
        int fd = dial();
        if (fd < 0)
            continue;
        sends(fd, "CONNECT {\"verbose\":false,\"pedantic\":false}\r\nSUB churn.> 1\r\n"
                  "SUB churn.q grp 2\r\nPING\r\n");
        read_until(fd, "PONG\r\n", 1);
        close(fd);
        atomic_fetch_add(&n_churn, 1);
    }
    return NULL;
}

static long rss_kib(pid_t pid)
{
    char path[64], buf[4096];
    FILE *f;
    long v = -1;
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    f = fopen(path, "r");
    if (!f)
        return -1;
    while (fgets(buf, sizeof(buf), f))
        if (!strncmp(buf, "VmRSS:", 6))
            v = strtol(buf + 6, NULL, 10);
    fclose(f);
    return v;
}

static int open_fds(pid_t pid)
{
    char path[64];
    int n = 0;
    DIR *d;
    struct dirent *e;
    snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
    if (!(d = opendir(path)))
        return -1;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static int free_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0), p = -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        p = ntohs(a.sin_port);
    close(fd);
    return p;
}

int main(int argc, char **argv)
{
    const char *bin = getenv("NATS_SERVER_BIN");
    int seconds = 60, warm, nsamp = 0, fd0, fd1 = -1;
    char portstr[16];
    pid_t pid;
    pthread_t th[3];
    double t[3600], r[3600];

    if (!bin || !*bin)
        bin = getenv("NS_BUILT_SERVER_BIN");
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--seconds"))
            seconds = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--bin"))
            bin = argv[i + 1];
    }
    if (!bin || seconds < 4 || seconds > 3600) {
        fprintf(stderr, "usage: soak [--seconds 4..3600] [--bin nats-server]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    port = free_port();
    snprintf(portstr, sizeof(portstr), "%d", port);
    char logpath[64];
    snprintf(logpath, sizeof(logpath), "/tmp/natrium-soak-%d.log", (int)getpid());
    pid = fork();
    if (pid == 0) {
        FILE *lf = freopen(logpath, "w", stderr);
        (void)lf;
        dup2(2, 1);
        execl(bin, bin, "-a", "127.0.0.1", "-p", portstr, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 500; i++) {
        int fd = dial();
        if (fd >= 0) {
            close(fd);
            break;
        }
        usleep(10000);
    }
    usleep(100000);
    fd0 = open_fds(pid);
    pthread_create(&th[0], NULL, pubsub_main, NULL);
    pthread_create(&th[1], NULL, reqrep_main, NULL);
    pthread_create(&th[2], NULL, churn_main, NULL);
    double t0 = now_s();
    warm = seconds / 3; /* allocator arenas and buffers reach their size first */
    for (int s = 1; s <= seconds; s++) {
        usleep(1000000);
        long rss = rss_kib(pid);
        printf("t=%3ds rss=%6ld KiB fds=%4d pub=%ld sub=%ld req=%ld churn=%ld\n", s, rss,
               open_fds(pid), atomic_load(&n_pub), atomic_load(&n_sub), atomic_load(&n_req),
               atomic_load(&n_churn));
        if (s > warm) {
            t[nsamp] = now_s() - t0;
            r[nsamp] = (double)rss;
            nsamp++;
        }
    }
    atomic_store(&stop, true);
    for (int i = 0; i < 3; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 50; i++) { /* closes land asynchronously */
        fd1 = open_fds(pid);
        if (fd1 <= fd0)
            break;
        usleep(50000);
    }
    kill(pid, SIGINT);
    waitpid(pid, NULL, 0);
    bool sanitizer = false;
    {
        FILE *lf = fopen(logpath, "r");
        char line[1024];
        while (lf && fgets(line, sizeof(line), lf))
            if (strstr(line, "Sanitizer") || strstr(line, "runtime error:"))
                sanitizer = true;
        if (lf)
            fclose(lf);
        if (!sanitizer)
            unlink(logpath);
    }

    double mt = 0, mr = 0, num = 0, den = 0;
    for (int i = 0; i < nsamp; i++) {
        mt += t[i] / nsamp;
        mr += r[i] / nsamp;
    }
    for (int i = 0; i < nsamp; i++) {
        num += (t[i] - mt) * (r[i] - mr);
        den += (t[i] - mt) * (t[i] - mt);
    }
    double slope = den > 0 ? num / den * 60.0 : 0; /* KiB per minute */
    bool traffic = atomic_load(&n_sub) > 0 && atomic_load(&n_req) > 0 && atomic_load(&n_churn) > 0;
    /* A leak shows as a slope AND as growth: one allocator step in a short run has a steep
     * slope but is not a trend, so both must exceed their bounds. */
    double grown = nsamp > 1 ? r[nsamp - 1] - r[0] : 0;
    bool leaking = slope > 1024.0 && grown > 2048.0;
    printf("soak %ds: %ld published, %ld received, %ld round trips, %ld churned connections; "
           "RSS slope after warm-up %.1f KiB/min (%+.0f KiB); server fds %d -> %d\n",
           seconds, atomic_load(&n_pub), atomic_load(&n_sub), atomic_load(&n_req),
           atomic_load(&n_churn), slope, grown, fd0, fd1);
    if (!traffic || leaking || fd1 > fd0 || sanitizer) {
        printf("soak: FAILED (%s)\n", sanitizer          ? "sanitizer report: see the kept log"
                                      : !traffic         ? "traffic stalled"
                                      : leaking         ? "RSS grows"
                                                         : "fd leak");
        printf("0 passed, 1 failed\n");
        return 1;
    }
    printf("1 passed, 0 failed\n");
    return 0;
}
