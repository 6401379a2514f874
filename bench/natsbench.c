/* natsbench: the side-by-side benchmark of natrium against the reference nats-server (issue 3).
 * Starts both servers on free loopback ports, runs every scenario against both in one run
 * (rounds alternate reference, natrium, reference, natrium) and prints per scenario the
 * medians, the ratio natrium/reference, server CPU seconds, peak RSS and dropped messages.
 * The load is raw protocol bytes on blocking sockets, one thread per connection, so only the
 * servers differ. Method, caveats and the first measurement: docs/benchmarks.md. */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NS_PER_S 1000000000.0
#define MAX_ROUNDS 32
#define MAX_METRICS 4
#define MAX_SUBS 16
#define WILD_CONNS 4
#define WILD_K 100          /* tokens per level of the wildcard subject space */
#define SOCK_TIMEOUT_S 30   /* a blocked read or write gives up after this */
#define CHUNK_BYTES (256 * 1024)
#define SUB_RBUF (1024 * 1024)
#define SMALL_RBUF (64 * 1024)

/* ------------------------------------------------------------------------------------------ */
/* Small helpers                                                                               */
/* ------------------------------------------------------------------------------------------ */

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "natsbench: out of memory (%zu bytes)\n", n);
        exit(2);
    }
    return p;
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) {
        fprintf(stderr, "natsbench: out of memory\n");
        exit(2);
    }
    return p;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* A growing byte buffer for generated protocol streams. */
struct bytes {
    char *p;
    size_t len, cap;
};

static void bytes_add(struct bytes *b, const char *s, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np) {
            fprintf(stderr, "natsbench: out of memory\n");
            exit(2);
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

__attribute__((format(printf, 2, 3))) static void bytes_printf(struct bytes *b, const char *fmt,
                                                               ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n > 0)
        bytes_add(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* xorshift64*: the same seed gives the same subjects against both servers. */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1Dull;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
    double tmp[MAX_ROUNDS];
    if (n <= 0)
        return 0;
    memcpy(tmp, v, (size_t)n * sizeof(double));
    qsort(tmp, (size_t)n, sizeof(double), cmp_double);
    return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

/* ------------------------------------------------------------------------------------------ */
/* Server processes: start on a free port, /proc figures, stop                                */
/* ------------------------------------------------------------------------------------------ */

struct server {
    const char *label; /* "reference" or "natrium" */
    const char *bin;
    pid_t pid;         /* 0 when not running */
    int port;
    char log_path[600];
    int exit_status;   /* waitpid status when it died on its own, else -1 */
};

/* Servers to kill if natsbench stops early. A bench-only global, read by the signal handler
 * and atexit; the two servers of a scenario are its only entries. */
static volatile pid_t live_pids[4];

static void register_pid(pid_t pid, bool add)
{
    for (int i = 0; i < 4; i++) {
        if (add && live_pids[i] == 0) {
            live_pids[i] = pid;
            return;
        }
        if (!add && live_pids[i] == pid) {
            live_pids[i] = 0;
            return;
        }
    }
}

static void kill_live_servers(void)
{
    for (int i = 0; i < 4; i++) {
        pid_t p = live_pids[i];
        if (p > 0) {
            kill(p, SIGKILL);
            waitpid(p, NULL, 0);
            live_pids[i] = 0;
        }
    }
}

static void on_fatal_signal(int sig)
{
    kill_live_servers();
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Thread creation failing means the machine is out of resources: stop (atexit kills the
 * servers) rather than leave threads waiting on a barrier. */
static void start_thread(pthread_t *t, void *(*fn)(void *), void *arg)
{
    if (pthread_create(t, NULL, fn, arg) != 0) {
        fprintf(stderr, "natsbench: pthread_create failed\n");
        exit(2);
    }
}

static int free_port(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t sl = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &sl) == 0)
        port = ntohs(sa.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

static int tcp_connect(int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* Returns true if the server is running; reaps it (and records why) if it died. */
static bool server_alive(struct server *s)
{
    int st;
    if (s->pid <= 0)
        return false;
    if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
        register_pid(s->pid, false);
        s->pid = 0;
        s->exit_status = st;
        return false;
    }
    return true;
}

/* Starts s->bin with "-a 127.0.0.1 -p <free port>", output appended to log_path, and waits
 * until the port accepts (5 s at most). Returns 0 or -1. */
static int server_start(struct server *s)
{
    char portbuf[16];
    pid_t parent = getpid();

    s->port = free_port();
    s->exit_status = -1;
    snprintf(portbuf, sizeof(portbuf), "%d", s->port);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        /* The servers must not outlive natsbench, even after a SIGKILL. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        signal(SIGPIPE, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        int fd = open(s->log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execl(s->bin, s->bin, "-a", "127.0.0.1", "-p", portbuf, (char *)NULL);
        fprintf(stderr, "natsbench: exec %s: %s\n", s->bin, strerror(errno));
        _exit(127);
    }
    s->pid = pid;
    register_pid(pid, true);
    for (int i = 0; i < 500; i++) {
        int fd = tcp_connect(s->port);
        if (fd >= 0) {
            close(fd);
            return 0;
        }
        if (!server_alive(s))
            break;
        sleep_ms(10);
    }
    fprintf(stderr, "natsbench: %s (%s) did not start on port %d; log: %s\n", s->label, s->bin,
            s->port, s->log_path);
    if (s->pid > 0) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
        register_pid(s->pid, false);
        s->pid = 0;
    }
    return -1;
}

static void server_stop(struct server *s)
{
    if (s->pid <= 0)
        return;
    kill(s->pid, SIGTERM);
    for (int i = 0; i < 500; i++) {
        if (waitpid(s->pid, NULL, WNOHANG) == s->pid)
            goto done;
        sleep_ms(10);
    }
    kill(s->pid, SIGKILL);
    waitpid(s->pid, NULL, 0);
done:
    register_pid(s->pid, false);
    s->pid = 0;
}

/* user+sys clock ticks of the whole process (all threads), from /proc/<pid>/stat. */
static uint64_t server_cpu_ticks(const struct server *s)
{
    char path[64], buf[1024];
    unsigned long long ut = 0, st = 0;

    if (s->pid <= 0)
        return 0;
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)s->pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    /* The command name may hold spaces: fields count from the last ')'. utime and stime are
     * fields 14 and 15; the field after ')' is field 3. */
    char *p = strrchr(buf, ')');
    if (!p)
        return 0;
    p++;
    for (int field = 3; field < 14 && p; field++) {
        p = strchr(p + 1, ' ');
    }
    if (p && sscanf(p, " %llu %llu", &ut, &st) == 2)
        return ut + st;
    return 0;
}

/* A "Vm...:" figure of /proc/<pid>/status in KiB (key such as "VmHWM:"), or 0. */
static uint64_t server_mem_kb(const struct server *s, const char *key)
{
    char path[64], line[256];
    unsigned long long kb = 0;
    size_t kl = strlen(key);

    if (s->pid <= 0)
        return 0;
    snprintf(path, sizeof(path), "/proc/%d/status", (int)s->pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, key, kl) == 0) {
            sscanf(line + kl, "%llu", &kb);
            break;
        }
    }
    fclose(f);
    return kb;
}

static int count_in_file(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    int n = 0;

    if (!f)
        return 0;
    while (getline(&line, &cap, f) > 0) {
        if (strstr(line, needle))
            n++;
    }
    free(line);
    fclose(f);
    return n;
}

/* ------------------------------------------------------------------------------------------ */
/* Connections: blocking socket plus a minimal reader of server operations                    */
/* ------------------------------------------------------------------------------------------ */

struct conn;
typedef void on_msg_fn(struct conn *c, const char *reply, size_t reply_len);

struct conn {
    int fd;
    char *buf;
    size_t cap, off, len; /* unparsed bytes are buf[off..len) */
    uint64_t skip;        /* payload bytes (and CRLF) still to skip */
    uint64_t msgs, bytes, pongs;
    uint64_t t_last;      /* when the last read that brought a MSG returned */
    bool failed;
    char why[200];
    on_msg_fn *on_msg;    /* optional: called for each MSG with its reply subject */
    void *arg;
};

__attribute__((format(printf, 2, 3))) static void conn_fail(struct conn *c, const char *fmt, ...)
{
    va_list ap;
    if (c->failed)
        return;
    c->failed = true;
    va_start(ap, fmt);
    vsnprintf(c->why, sizeof(c->why), fmt, ap);
    va_end(ap);
}

static int conn_write(struct conn *c, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            conn_fail(c, "write: %s", errno == EAGAIN ? "timed out" : strerror(errno));
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Counts MSG lines (skipping their payloads), PONGs and errors in the buffered bytes. */
static int conn_parse(struct conn *c)
{
    while (c->off < c->len) {
        if (c->skip > 0) {
            size_t n = c->len - c->off;
            if (n > c->skip)
                n = (size_t)c->skip;
            c->off += n;
            c->skip -= n;
            continue;
        }
        char *p = c->buf + c->off;
        char *nl = memchr(p, '\n', c->len - c->off);
        if (!nl)
            break;
        size_t ll = (size_t)(nl - p);
        if (ll > 0 && p[ll - 1] == '\r')
            ll--;
        if (ll >= 4 && memcmp(p, "MSG ", 4) == 0) {
            /* MSG <subject> <sid> [reply] <size>: the size is the last token. */
            size_t e = ll, b;
            while (e > 4 && p[e - 1] == ' ')
                e--;
            b = e;
            while (b > 4 && p[b - 1] >= '0' && p[b - 1] <= '9')
                b--;
            if (b == e) {
                conn_fail(c, "bad MSG line");
                return -1;
            }
            uint64_t size = strtoull(p + b, NULL, 10);
            c->msgs++;
            c->bytes += size;
            c->skip = size + 2;
            if (c->on_msg) {
                /* tokens: MSG subject sid [reply] size */
                const char *tok[5];
                size_t tl[5];
                int nt = 0;
                size_t i = 4;
                while (i < b && nt < 5) {
                    while (i < b && p[i] == ' ')
                        i++;
                    if (i >= b)
                        break;
                    tok[nt] = p + i;
                    while (i < b && p[i] != ' ')
                        i++;
                    tl[nt] = (size_t)(p + i - tok[nt]);
                    nt++;
                }
                c->off = (size_t)(nl + 1 - c->buf);
                c->on_msg(c, nt == 3 ? tok[2] : "", nt == 3 ? tl[2] : 0);
                continue;
            }
        } else if (ll >= 4 && memcmp(p, "PONG", 4) == 0) {
            c->pongs++;
        } else if (ll >= 4 && memcmp(p, "PING", 4) == 0) {
            if (conn_write(c, "PONG\r\n", 6) != 0)
                return -1;
        } else if (ll >= 4 && memcmp(p, "-ERR", 4) == 0) {
            conn_fail(c, "server sent %.*s", (int)(ll > 120 ? 120 : ll), p);
            return -1;
        } else if (!(ll >= 3 && memcmp(p, "+OK", 3) == 0) &&
                   !(ll >= 4 && memcmp(p, "INFO", 4) == 0)) {
            conn_fail(c, "unexpected line: %.*s", (int)(ll > 60 ? 60 : ll), p);
            return -1;
        }
        c->off = (size_t)(nl + 1 - c->buf);
    }
    if (c->off == c->len) {
        c->off = c->len = 0;
    } else if (c->off > 0 && c->len == c->cap) {
        memmove(c->buf, c->buf + c->off, c->len - c->off);
        c->len -= c->off;
        c->off = 0;
    }
    return 0;
}

static int conn_fill(struct conn *c)
{
    if (c->len == c->cap) {
        conn_fail(c, "control line longer than %zu bytes", c->cap);
        return -1;
    }
    for (;;) {
        ssize_t n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
        if (n > 0) {
            c->len += (size_t)n;
            return 0;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0)
            conn_fail(c, "connection closed by the server");
        else
            conn_fail(c, "read: %s", errno == EAGAIN ? "timed out" : strerror(errno));
        return -1;
    }
}

/* Reads until *counter (a field of c) reaches target. Returns 0, or -1 (c->why says why). */
static int conn_wait(struct conn *c, const uint64_t *counter, uint64_t target)
{
    for (;;) {
        uint64_t before = c->msgs;
        if (conn_parse(c) != 0)
            return -1;
        if (c->msgs != before)
            c->t_last = now_ns();
        if (*counter >= target)
            return 0;
        if (conn_fill(c) != 0)
            return -1;
    }
}

/* Connects, sends CONNECT (non-verbose) and waits for the PONG of a PING. Then sends setup
 * (SUB lines, may be NULL) with a PING and waits for that PONG too, so the server has
 * processed it. Counters are zero on return. */
static int conn_open(struct conn *c, int port, size_t rbuf, const char *setup, size_t setup_len)
{
    static const char hello[] =
        "CONNECT {\"verbose\":false,\"pedantic\":false,\"echo\":true,\"protocol\":1,"
        "\"name\":\"natsbench\",\"lang\":\"c\",\"version\":\"1\"}\r\nPING\r\n";
    struct timeval tv = {SOCK_TIMEOUT_S, 0};
    int one = 1;

    memset(c, 0, sizeof(*c));
    c->cap = rbuf;
    c->buf = xmalloc(rbuf);
    c->fd = tcp_connect(port);
    if (c->fd < 0) {
        c->fd = -1;
        conn_fail(c, "connect: %s", strerror(errno));
        return -1;
    }
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (conn_write(c, hello, sizeof(hello) - 1) != 0 || conn_wait(c, &c->pongs, 1) != 0)
        return -1;
    if (setup) {
        if (conn_write(c, setup, setup_len) != 0 || conn_write(c, "PING\r\n", 6) != 0 ||
            conn_wait(c, &c->pongs, 2) != 0)
            return -1;
    }
    c->msgs = c->bytes = c->pongs = 0;
    c->t_last = 0;
    return 0;
}

static void conn_close(struct conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    free(c->buf);
    c->buf = NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Scenarios                                                                                   */
/* ------------------------------------------------------------------------------------------ */

enum kind { K_FLOW, K_REQREP, K_IDLE, K_SUBS };

struct scenario {
    const char *name;
    const char *desc;
    enum kind kind;
    int npub, nsub;     /* K_FLOW */
    size_t size;        /* payload bytes */
    bool queue;         /* subscribers form one queue group */
    bool wildcard;      /* 10,000 wildcard subscriptions, random subjects */
    double share;       /* messages published = share * --msgs */
    int nmetrics;
    const char *metric[MAX_METRICS];
    bool higher_better[MAX_METRICS];
    /* filled by the runner */
    uint64_t msgs;
};

/* One run of a scenario against one server. */
struct sample {
    bool ok;
    double v[MAX_METRICS];
    uint64_t expected, received; /* messages subscribers should get, and got */
    uint64_t delivered;          /* messages the server handled, for msgs per CPU second */
    char why[240];
};

__attribute__((format(printf, 2, 3))) static void sample_fail(struct sample *s, const char *fmt,
                                                              ...)
{
    va_list ap;
    if (!s->ok && s->why[0])
        return;
    s->ok = false;
    va_start(ap, fmt);
    vsnprintf(s->why, sizeof(s->why), fmt, ap);
    va_end(ap);
}

/* The wildcard scenario's fixed data: SUB lines per subscriber connection, the publish
 * stream, and how many messages each connection must receive. */
struct wild {
    struct bytes subs[WILD_CONNS];
    struct bytes stream;
    uint64_t msgs;
    uint64_t expect[WILD_CONNS];
};

/* Subjects are w.<a>.<b>.<c> with a, b, c below WILD_K. Subscriptions, dealt round-robin to
 * the connections: 3,300 each of w.A.B.*, w.A.*.C and w.*.B.C (1 in 10,000 chance of matching
 * a subject each), 50 each of w.A.> and w.*.*.C (1 in 100): about two matches per message. */
static void wild_build(struct wild *w, uint64_t msgs)
{
    static uint32_t cnt_ab[WILD_CONNS][WILD_K][WILD_K], cnt_ac[WILD_CONNS][WILD_K][WILD_K],
        cnt_bc[WILD_CONNS][WILD_K][WILD_K], cnt_a[WILD_CONNS][WILD_K], cnt_c[WILD_CONNS][WILD_K];
    uint64_t seed = 0x9E3779B97F4A7C15ull;
    int sid = 0;

    memset(w, 0, sizeof(*w));
    memset(cnt_ab, 0, sizeof(cnt_ab));
    memset(cnt_ac, 0, sizeof(cnt_ac));
    memset(cnt_bc, 0, sizeof(cnt_bc));
    memset(cnt_a, 0, sizeof(cnt_a));
    memset(cnt_c, 0, sizeof(cnt_c));
    for (int type = 0; type < 5; type++) {
        int n = type < 3 ? 3300 : 50;
        for (int i = 0; i < n; i++, sid++) {
            int ci = sid % WILD_CONNS;
            unsigned x = (unsigned)(rng_next(&seed) % WILD_K);
            unsigned y = (unsigned)(rng_next(&seed) % WILD_K);
            struct bytes *b = &w->subs[ci];
            switch (type) {
            case 0:
                bytes_printf(b, "SUB w.%u.%u.* %d\r\n", x, y, sid + 1);
                cnt_ab[ci][x][y]++;
                break;
            case 1:
                bytes_printf(b, "SUB w.%u.*.%u %d\r\n", x, y, sid + 1);
                cnt_ac[ci][x][y]++;
                break;
            case 2:
                bytes_printf(b, "SUB w.*.%u.%u %d\r\n", x, y, sid + 1);
                cnt_bc[ci][x][y]++;
                break;
            case 3:
                bytes_printf(b, "SUB w.%u.> %d\r\n", x, sid + 1);
                cnt_a[ci][x]++;
                break;
            default:
                bytes_printf(b, "SUB w.*.*.%u %d\r\n", x, sid + 1);
                cnt_c[ci][x]++;
                break;
            }
        }
    }
    w->msgs = msgs;
    for (uint64_t i = 0; i < msgs; i++) {
        unsigned a = (unsigned)(rng_next(&seed) % WILD_K);
        unsigned b = (unsigned)(rng_next(&seed) % WILD_K);
        unsigned c = (unsigned)(rng_next(&seed) % WILD_K);
        bytes_printf(&w->stream, "PUB w.%u.%u.%u 16\r\n0123456789abcdef\r\n", a, b, c);
        for (int ci = 0; ci < WILD_CONNS; ci++)
            w->expect[ci] += cnt_ab[ci][a][b] + cnt_ac[ci][a][c] + cnt_bc[ci][b][c] +
                             cnt_a[ci][a] + cnt_c[ci][c];
    }
}

static void wild_free(struct wild *w)
{
    for (int i = 0; i < WILD_CONNS; i++)
        free(w->subs[i].p);
    free(w->stream.p);
}

struct publisher {
    struct conn c;
    const char *data;  /* whole messages */
    size_t data_len;
    uint64_t reps;     /* data is written reps times, then its first tail bytes */
    size_t tail;
    pthread_barrier_t *start;
    uint64_t t_done;   /* when the PONG after the last publish arrived */
};

static void *publisher_main(void *arg)
{
    struct publisher *p = arg;
    pthread_barrier_wait(p->start);
    for (uint64_t i = 0; i < p->reps; i++) {
        if (conn_write(&p->c, p->data, p->data_len) != 0)
            return NULL;
    }
    if (p->tail && conn_write(&p->c, p->data, p->tail) != 0)
        return NULL;
    /* The barrier: once PONG is back, the server has processed every publish. */
    if (conn_write(&p->c, "PING\r\n", 6) == 0 && conn_wait(&p->c, &p->c.pongs, 1) == 0)
        p->t_done = now_ns();
    return NULL;
}

struct subscriber {
    struct conn c;
    uint64_t expect;
};

/* Counts messages until the PONG that answers the PING sent after the publishers are done:
 * the server queues that PONG behind every message it routed to this connection. */
static void *subscriber_main(void *arg)
{
    struct subscriber *s = arg;
    conn_wait(&s->c, &s->c.pongs, 1);
    return NULL;
}

/* Builds a chunk of about CHUNK_BYTES of identical PUB messages. */
static size_t build_pub_chunk(struct bytes *b, const char *subject, size_t size, size_t *per_msg)
{
    struct bytes one = {0};
    char *payload = xmalloc(size + 2);

    for (size_t i = 0; i < size; i++)
        payload[i] = (char)('a' + i % 26);
    memcpy(payload + size, "\r\n", 2);
    bytes_printf(&one, "PUB %s %zu\r\n", subject, size);
    bytes_add(&one, payload, size + 2);
    size_t k = CHUNK_BYTES / one.len;
    if (k == 0)
        k = 1;
    for (size_t i = 0; i < k; i++)
        bytes_add(b, one.p, one.len);
    *per_msg = one.len;
    free(one.p);
    free(payload);
    return k;
}

/* Publishers -> subscribers. Metric: messages delivered per second (published per second
 * when there are no subscribers), from the first publish to the last message received. */
static void run_flow(const struct scenario *sc, const struct wild *w, int port, struct sample *out)
{
    struct publisher *pubs = xcalloc((size_t)sc->npub, sizeof(*pubs));
    int nsub = sc->wildcard ? WILD_CONNS : sc->nsub;
    struct subscriber *subs = xcalloc((size_t)(nsub ? nsub : 1), sizeof(*subs));
    pthread_t *pt = xcalloc((size_t)sc->npub, sizeof(pthread_t));
    pthread_t *st = xcalloc((size_t)(nsub ? nsub : 1), sizeof(pthread_t));
    pthread_barrier_t start;
    struct bytes chunk = {0};
    size_t per_msg = 0, k = 0;
    int npub_open = 0, nsub_open = 0, nsub_started = 0;
    bool barrier_init = false;
    uint64_t t0 = 0, t_end = 0;

    memset(out, 0, sizeof(*out));
    out->ok = true;
    for (int i = 0; i < nsub; i++) {
        struct bytes setup = {0};
        const char *sl;
        size_t sll;
        if (sc->wildcard) {
            sl = w->subs[i].p;
            sll = w->subs[i].len;
            subs[i].expect = w->expect[i];
        } else {
            bytes_printf(&setup, sc->queue ? "SUB bench.flow q %d\r\n" : "SUB bench.flow %d\r\n",
                         1);
            sl = setup.p;
            sll = setup.len;
            subs[i].expect = sc->queue ? 0 : sc->msgs;
        }
        int rc = conn_open(&subs[i].c, port, SUB_RBUF, sl, sll);
        free(setup.p);
        nsub_open++;
        if (rc != 0) {
            sample_fail(out, "subscriber %d setup: %s", i, subs[i].c.why);
            goto done;
        }
    }
    if (!sc->wildcard)
        k = build_pub_chunk(&chunk, sc->nsub ? "bench.flow" : "bench.nosub", sc->size, &per_msg);
    pthread_barrier_init(&start, NULL, (unsigned)sc->npub + 1);
    barrier_init = true;
    for (int i = 0; i < sc->npub; i++) {
        struct publisher *p = &pubs[i];
        npub_open++;
        if (conn_open(&p->c, port, SMALL_RBUF, NULL, 0) != 0) {
            sample_fail(out, "publisher %d setup: %s", i, p->c.why);
            goto done;
        }
        p->start = &start;
        if (sc->wildcard) {
            p->data = w->stream.p;
            p->data_len = w->stream.len;
            p->reps = 1;
        } else {
            uint64_t m = sc->msgs / (uint64_t)sc->npub;
            p->data = chunk.p;
            p->data_len = chunk.len;
            p->reps = m / k;
            p->tail = (size_t)(m % k) * per_msg;
        }
    }
    for (int i = 0; i < nsub; i++) {
        start_thread(&st[i], subscriber_main, &subs[i]);
        nsub_started++;
    }
    for (int i = 0; i < sc->npub; i++)
        start_thread(&pt[i], publisher_main, &pubs[i]);
    t0 = now_ns();
    pthread_barrier_wait(&start);
    for (int i = 0; i < sc->npub; i++) {
        pthread_join(pt[i], NULL);
        if (pubs[i].c.failed)
            sample_fail(out, "publisher %d: %s", i, pubs[i].c.why);
        if (pubs[i].t_done > t_end)
            t_end = pubs[i].t_done;
    }
    for (int i = 0; i < nsub; i++) {
        if (!subs[i].c.failed)
            conn_write(&subs[i].c, "PING\r\n", 6);
    }
    for (int i = 0; i < nsub; i++) {
        pthread_join(st[i], NULL);
        if (subs[i].c.failed)
            sample_fail(out, "subscriber %d: %s", i, subs[i].c.why);
    }
    nsub_started = 0;
    /* Published messages, and what reached the subscribers. */
    uint64_t published = sc->wildcard ? w->msgs : sc->msgs / (uint64_t)sc->npub * (uint64_t)sc->npub;
    if (nsub) {
        t_end = 0;
        for (int i = 0; i < nsub; i++) {
            out->received += subs[i].c.msgs;
            out->expected += sc->queue ? 0 : subs[i].expect;
            if (subs[i].c.t_last > t_end)
                t_end = subs[i].c.t_last;
        }
        if (sc->queue)
            out->expected = published;
        out->delivered = out->received;
    } else {
        out->delivered = published;
    }
    if (t_end > t0)
        out->v[0] = (double)out->delivered / ((double)(t_end - t0) / NS_PER_S);
    if (out->received < out->expected)
        sample_fail(out, "%" PRIu64 " of %" PRIu64 " messages not delivered",
                    out->expected - out->received, out->expected);
    else if (out->received > out->expected)
        sample_fail(out, "%" PRIu64 " messages more than expected", out->received - out->expected);
done:
    /* On a failed setup no thread runs; closing the sockets ends any blocked reader. */
    for (int i = 0; i < npub_open; i++)
        shutdown(pubs[i].c.fd, SHUT_RDWR);
    for (int i = 0; i < nsub_open; i++)
        shutdown(subs[i].c.fd, SHUT_RDWR);
    for (int i = 0; i < nsub_started; i++)
        pthread_join(st[i], NULL);
    for (int i = 0; i < npub_open; i++)
        conn_close(&pubs[i].c);
    for (int i = 0; i < nsub_open; i++)
        conn_close(&subs[i].c);
    if (barrier_init)
        pthread_barrier_destroy(&start);
    free(chunk.p);
    free(pubs);
    free(subs);
    free(pt);
    free(st);
}

/* Request/reply: a responder answers each request on its reply subject; one requester sends
 * requests one at a time. Metrics: p50, p90, p99 and max round trip in microseconds. */
struct responder {
    struct conn c;
    uint64_t answered;
};

static void responder_on_msg(struct conn *c, const char *reply, size_t reply_len)
{
    char out[256];
    if (reply_len == 0 || reply_len > 200)
        return;
    int n = snprintf(out, sizeof(out), "PUB %.*s 16\r\n0123456789abcdef\r\n", (int)reply_len,
                     reply);
    if (n > 0 && (size_t)n < sizeof(out))
        conn_write(c, out, (size_t)n);
    ((struct responder *)c->arg)->answered++;
}

static void *responder_main(void *arg)
{
    struct responder *r = arg;
    conn_wait(&r->c, &r->c.pongs, 1);
    return NULL;
}

static void run_reqrep(int port, uint64_t count, struct sample *out)
{
    static const char sub_req[] = "SUB bench.req 1\r\n";
    static const char sub_inbox[] = "SUB bench.inbox.1 1\r\n";
    static const char req[] = "PUB bench.req bench.inbox.1 16\r\n0123456789abcdef\r\n";
    struct responder r;
    struct conn q;
    pthread_t th;
    bool started = false, q_open = false;
    uint64_t warm = count / 100 < 100 ? 100 : count / 100;
    double *lat = xcalloc((size_t)count, sizeof(double));

    memset(out, 0, sizeof(*out));
    out->ok = true;
    if (conn_open(&r.c, port, SMALL_RBUF, sub_req, sizeof(sub_req) - 1) != 0) {
        sample_fail(out, "responder setup: %s", r.c.why);
        goto done;
    }
    r.c.on_msg = responder_on_msg;
    r.c.arg = &r;
    r.answered = 0;
    q_open = true;
    if (conn_open(&q, port, SMALL_RBUF, sub_inbox, sizeof(sub_inbox) - 1) != 0) {
        sample_fail(out, "requester setup: %s", q.why);
        goto done;
    }
    start_thread(&th, responder_main, &r);
    started = true;
    for (uint64_t i = 0; i < warm + count; i++) {
        uint64_t t = now_ns();
        if (conn_write(&q, req, sizeof(req) - 1) != 0 || conn_wait(&q, &q.msgs, i + 1) != 0) {
            sample_fail(out, "request %" PRIu64 ": %s", i, q.why);
            break;
        }
        if (i >= warm)
            lat[i - warm] = (double)(now_ns() - t) / 1000.0;
    }
    out->expected = warm + count;
    out->received = q.msgs;
    out->delivered = 2 * q.msgs;
    if (out->ok) {
        qsort(lat, (size_t)count, sizeof(double), cmp_double);
        out->v[0] = lat[(size_t)((double)count * 0.50)];
        out->v[1] = lat[(size_t)((double)count * 0.90)];
        out->v[2] = lat[(size_t)((double)count * 0.99)];
        out->v[3] = lat[count - 1];
    }
done:
    if (started) {
        if (conn_write(&r.c, "PING\r\n", 6) != 0)
            shutdown(r.c.fd, SHUT_RDWR);
        pthread_join(th, NULL);
        if (r.c.failed)
            sample_fail(out, "responder: %s", r.c.why);
    }
    if (q_open)
        conn_close(&q);
    conn_close(&r.c);
    free(lat);
}

/* Idle connections: n clients connect (CONNECT, PING, wait for PONG) and stay. Metrics: the
 * server's RSS growth per connection, and connections set up per second. */
static void run_idle(struct server *srv, int n, struct sample *out)
{
    static const char hello[] =
        "CONNECT {\"verbose\":false,\"pedantic\":false,\"name\":\"idle\"}\r\nPING\r\n";
    int *fds = xmalloc((size_t)n * sizeof(int));
    int opened = 0;
    struct timeval tv = {SOCK_TIMEOUT_S, 0};

    memset(out, 0, sizeof(*out));
    out->ok = true;
    sleep_ms(100);
    uint64_t rss0 = server_mem_kb(srv, "VmRSS:");
    uint64_t t0 = now_ns();
    for (; opened < n; opened++) {
        int fd = tcp_connect(srv->port);
        if (fd < 0) {
            sample_fail(out, "connection %d: connect: %s", opened, strerror(errno));
            break;
        }
        fds[opened] = fd;
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        if (send(fd, hello, sizeof(hello) - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof(hello) - 1)) {
            sample_fail(out, "connection %d: write: %s", opened, strerror(errno));
            opened++;
            break;
        }
    }
    for (int i = 0; i < opened && out->ok; i++) {
        char buf[4096];
        size_t have = 0;
        for (;;) {
            ssize_t r = recv(fds[i], buf + have, sizeof(buf) - 1 - have, 0);
            if (r <= 0) {
                sample_fail(out, "connection %d: %s", i,
                            r == 0 ? "closed by the server" : strerror(errno));
                break;
            }
            have += (size_t)r;
            buf[have] = 0;
            if (strstr(buf, "PONG\r\n"))
                break;
            if (strstr(buf, "-ERR")) {
                sample_fail(out, "connection %d: %.80s", i, strstr(buf, "-ERR"));
                break;
            }
            if (have >= sizeof(buf) - 1)
                have = 0; /* INFO is shorter than this; keep looking */
        }
    }
    uint64_t t1 = now_ns();
    out->expected = (uint64_t)n;
    out->received = (uint64_t)opened;
    sleep_ms(200);
    uint64_t rss1 = server_mem_kb(srv, "VmRSS:");
    if (out->ok && n > 0) {
        out->v[0] = rss1 > rss0 ? (double)(rss1 - rss0) * 1024.0 / n : 0;
        out->v[1] = (double)n / ((double)(t1 - t0) / NS_PER_S);
    }
    for (int i = 0; i < opened; i++)
        close(fds[i]);
    free(fds);
}

/* Many subscriptions: one client adds n literal subscriptions (SUB lines sent back to back,
 * then PING). Metrics: the server's RSS growth per subscription and the seconds until the
 * PONG came back. */
static void run_subs(struct server *srv, const struct bytes *lines, uint64_t n, struct sample *out)
{
    struct conn c;

    memset(out, 0, sizeof(*out));
    out->ok = true;
    if (conn_open(&c, srv->port, SMALL_RBUF, NULL, 0) != 0) {
        sample_fail(out, "setup: %s", c.why);
        conn_close(&c);
        return;
    }
    sleep_ms(100);
    uint64_t rss0 = server_mem_kb(srv, "VmRSS:");
    uint64_t t0 = now_ns();
    if (conn_write(&c, lines->p, lines->len) != 0 || conn_write(&c, "PING\r\n", 6) != 0 ||
        conn_wait(&c, &c.pongs, 1) != 0) {
        sample_fail(out, "%s", c.why);
    }
    uint64_t t1 = now_ns();
    sleep_ms(200);
    uint64_t rss1 = server_mem_kb(srv, "VmRSS:");
    out->expected = out->received = n;
    if (out->ok) {
        out->v[0] = rss1 > rss0 ? (double)(rss1 - rss0) * 1024.0 / (double)n : 0;
        out->v[1] = (double)(t1 - t0) / NS_PER_S;
    }
    conn_close(&c);
}

/* ------------------------------------------------------------------------------------------ */
/* The runner: rounds, alternation, /proc figures, output                                      */
/* ------------------------------------------------------------------------------------------ */

struct config {
    const char *bin[2]; /* reference, natrium */
    uint64_t msgs;
    int rounds;
    int idle_conns;
    uint64_t subs;
    uint64_t rr;
    const char *out;    /* path prefix for .csv and .json, or NULL */
    const char *compare;
    const char *only;   /* comma-separated substrings of scenario names */
    const char *note;
    bool keep_logs;
    bool quick;
    char logdir[256];
};

struct result {
    const struct scenario *sc;
    double v[2][MAX_METRICS][MAX_ROUNDS]; /* ok samples only */
    int nv[2];
    uint64_t cpu_ticks[2];
    uint64_t delivered[2];
    uint64_t peak_kb[2];
    uint64_t drops[2];
    int slow[2];      /* "Slow Consumer" lines in the server's log */
    int failed[2];    /* rounds that failed */
    int crashes[2];
    char note[2][300];
};

static const char *const side_name[2] = {"reference", "natrium"};

static void add_note(char *note, size_t size, const char *text)
{
    size_t l = strlen(note);
    if (strstr(note, text))
        return;
    snprintf(note + l, size - l, "%s%s", l ? "; " : "", text);
}

static void note_exit(struct result *res, int side, int status)
{
    char t[100];
    if (WIFSIGNALED(status))
        snprintf(t, sizeof(t), "server died: signal %d", WTERMSIG(status));
    else
        snprintf(t, sizeof(t), "server exited: status %d", WEXITSTATUS(status));
    add_note(res->note[side], sizeof(res->note[side]), t);
    res->crashes[side]++;
}

static bool per_round_servers(const struct scenario *sc)
{
    return sc->kind == K_IDLE || sc->kind == K_SUBS;
}

static void run_scenario(const struct config *cfg, const struct scenario *sc, struct result *res)
{
    struct server srv[2];
    struct wild w;
    struct bytes sublines = {0};
    bool fresh = per_round_servers(sc);

    memset(res, 0, sizeof(*res));
    res->sc = sc;
    memset(srv, 0, sizeof(srv));
    for (int i = 0; i < 2; i++) {
        srv[i].label = side_name[i];
        srv[i].bin = cfg->bin[i];
        snprintf(srv[i].log_path, sizeof(srv[i].log_path), "%s/%s-%s.log", cfg->logdir, sc->name,
                 side_name[i]);
    }
    if (sc->wildcard)
        wild_build(&w, sc->msgs);
    if (sc->kind == K_SUBS) {
        for (uint64_t i = 0; i < cfg->subs; i++)
            bytes_printf(&sublines, "SUB s.%" PRIu64 ".%" PRIu64 " %" PRIu64 "\r\n", i / 1000,
                         i % 1000, i + 1);
    }
    if (!fresh) {
        for (int i = 0; i < 2; i++)
            server_start(&srv[i]);
    }
    for (int r = 0; r < cfg->rounds; r++) {
        for (int side = 0; side < 2; side++) {
            struct server *s = &srv[side];
            struct sample smp;
            memset(&smp, 0, sizeof(smp));
            if (fresh || s->pid <= 0) {
                if (s->pid <= 0 && !fresh && res->crashes[side] > 0)
                    add_note(res->note[side], sizeof(res->note[side]), "restarted after a crash");
                server_start(s);
            }
            if (s->pid <= 0) {
                sample_fail(&smp, "server did not start (log: %s)", s->log_path);
            } else {
                uint64_t c0 = server_cpu_ticks(s);
                switch (sc->kind) {
                case K_FLOW:
                    run_flow(sc, &w, s->port, &smp);
                    break;
                case K_REQREP:
                    run_reqrep(s->port, cfg->rr, &smp);
                    break;
                case K_IDLE:
                    run_idle(s, cfg->idle_conns, &smp);
                    break;
                case K_SUBS:
                    run_subs(s, &sublines, cfg->subs, &smp);
                    break;
                }
                uint64_t c1 = server_cpu_ticks(s);
                uint64_t hwm = server_mem_kb(s, "VmHWM:");
                if (hwm > res->peak_kb[side])
                    res->peak_kb[side] = hwm;
                if (!server_alive(s)) {
                    note_exit(res, side, s->exit_status);
                    sample_fail(&smp, "server died during the run");
                } else {
                    res->cpu_ticks[side] += c1 > c0 ? c1 - c0 : 0;
                }
            }
            if (fresh)
                server_stop(s);
            res->delivered[side] += smp.delivered;
            if (smp.expected > smp.received && sc->kind == K_FLOW)
                res->drops[side] += smp.expected - smp.received;
            if (smp.ok) {
                for (int m = 0; m < sc->nmetrics; m++)
                    res->v[side][m][res->nv[side]] = smp.v[m];
                res->nv[side]++;
            } else {
                res->failed[side]++;
                add_note(res->note[side], sizeof(res->note[side]), smp.why);
                fprintf(stderr, "natsbench: %s, %s, round %d: %s\n", sc->name, side_name[side],
                        r + 1, smp.why);
            }
        }
    }
    for (int i = 0; i < 2; i++) {
        server_stop(&srv[i]);
        res->slow[i] = count_in_file(srv[i].log_path, "Slow Consumer");
        if (res->slow[i]) {
            char t[64];
            snprintf(t, sizeof(t), "%d slow-consumer log lines", res->slow[i]);
            add_note(res->note[i], sizeof(res->note[i]), t);
        }
    }
    if (sc->wildcard)
        wild_free(&w);
    free(sublines.p);
}

/* Median of side's samples for metric m; false if there are none. */
static bool res_median(const struct result *res, int side, int m, double *out)
{
    if (res->nv[side] == 0)
        return false;
    *out = median(res->v[side][m], res->nv[side]);
    return true;
}

static double cpu_s(const struct result *res, int side)
{
    return (double)res->cpu_ticks[side] / (double)sysconf(_SC_CLK_TCK);
}

static bool res_eff(const struct result *res, int side, double *out)
{
    double c = cpu_s(res, side);
    if (res->delivered[side] == 0 || c <= 0 ||
        (res->sc->kind != K_FLOW && res->sc->kind != K_REQREP))
        return false;
    *out = (double)res->delivered[side] / c;
    return true;
}

/* Short human form: 1.23M, 45.6k, 789, 12.3, 0.123. */
static void fmt_num(char *buf, size_t size, bool have, double v)
{
    double a = v < 0 ? -v : v;
    if (!have)
        snprintf(buf, size, "-");
    else if (a >= 1e9)
        snprintf(buf, size, "%.2fG", v / 1e9);
    else if (a >= 1e6)
        snprintf(buf, size, "%.2fM", v / 1e6);
    else if (a >= 1e4)
        snprintf(buf, size, "%.1fk", v / 1e3);
    else if (a >= 100)
        snprintf(buf, size, "%.0f", v);
    else if (a >= 1)
        snprintf(buf, size, "%.2f", v);
    else
        snprintf(buf, size, "%.3f", v);
}

static void print_table(FILE *f, const struct result *res, int n)
{
    fprintf(f, "%-15s %-9s %-3s %9s %9s %7s | %7s %7s | %9s %9s %6s | %7s %7s | %9s %s\n",
            "scenario", "metric", "bet", "reference", "natrium", "nat/ref", "cpu ref", "cpu nat",
            "msg/cpu r", "msg/cpu n", "ratio", "MB ref", "MB nat", "drops r/n", "notes");
    for (int i = 0; i < n; i++) {
        const struct result *r = &res[i];
        for (int m = 0; m < r->sc->nmetrics; m++) {
            double a = 0, b = 0, ea = 0, eb = 0;
            bool ha = res_median(r, 0, m, &a), hb = res_median(r, 1, m, &b);
            char sa[16], sb[16], sr[16], ca[16], cb[16], xa[16], xb[16], xr[16], ma[16], mb[16];
            char dr[32], notes[640] = "";
            fmt_num(sa, sizeof(sa), ha, a);
            fmt_num(sb, sizeof(sb), hb, b);
            if (ha && hb && a > 0)
                snprintf(sr, sizeof(sr), "%.2f", b / a);
            else
                snprintf(sr, sizeof(sr), "-");
            if (m == 0) {
                bool hea = res_eff(r, 0, &ea), heb = res_eff(r, 1, &eb);
                snprintf(ca, sizeof(ca), "%.2f", cpu_s(r, 0));
                snprintf(cb, sizeof(cb), "%.2f", cpu_s(r, 1));
                fmt_num(xa, sizeof(xa), hea, ea);
                fmt_num(xb, sizeof(xb), heb, eb);
                if (hea && heb)
                    snprintf(xr, sizeof(xr), "%.2f", eb / ea);
                else
                    snprintf(xr, sizeof(xr), "-");
                snprintf(ma, sizeof(ma), "%.1f", (double)r->peak_kb[0] / 1024.0);
                snprintf(mb, sizeof(mb), "%.1f", (double)r->peak_kb[1] / 1024.0);
                snprintf(dr, sizeof(dr), "%" PRIu64 "/%" PRIu64, r->drops[0], r->drops[1]);
                if (r->note[0][0])
                    snprintf(notes + strlen(notes), sizeof(notes) - strlen(notes), "ref: %s; ",
                             r->note[0]);
                if (r->note[1][0])
                    snprintf(notes + strlen(notes), sizeof(notes) - strlen(notes), "nat: %s",
                             r->note[1]);
            } else {
                ca[0] = cb[0] = xa[0] = xb[0] = xr[0] = ma[0] = mb[0] = dr[0] = 0;
            }
            char line[1024];
            snprintf(line, sizeof(line),
                     "%-15s %-9s %-3s %9s %9s %7s | %7s %7s | %9s %9s %6s | %7s %7s | %9s %s",
                     m == 0 ? r->sc->name : "", r->sc->metric[m],
                     r->sc->higher_better[m] ? "hi" : "lo", sa, sb, sr, ca, cb, xa, xb, xr, ma, mb,
                     dr, notes);
            size_t ll = strlen(line);
            while (ll > 0 && line[ll - 1] == ' ')
                line[--ll] = 0;
            fprintf(f, "%s\n", line);
        }
    }
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

static void csv_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s == '\n' ? ' ' : *s, f);
    }
    fputc('"', f);
}

static void json_num(FILE *f, bool have, double v)
{
    if (have)
        fprintf(f, "%.6g", v);
    else
        fputs("null", f);
}

static int write_outputs(const struct config *cfg, const struct result *res, int n,
                         const char *date, const char *machine)
{
    char path[600];
    FILE *csv, *js;

    snprintf(path, sizeof(path), "%s.csv", cfg->out);
    csv = fopen(path, "w");
    if (!csv) {
        fprintf(stderr, "natsbench: %s: %s\n", path, strerror(errno));
        return -1;
    }
    snprintf(path, sizeof(path), "%s.json", cfg->out);
    js = fopen(path, "w");
    if (!js) {
        fprintf(stderr, "natsbench: %s: %s\n", path, strerror(errno));
        fclose(csv);
        return -1;
    }
    fprintf(csv, "date,scenario,metric,better,reference,natrium,ratio,ref_cpu_s,nat_cpu_s,"
                 "ref_msgs_per_cpu_s,nat_msgs_per_cpu_s,msgs_per_cpu_ratio,ref_peak_rss_kb,"
                 "nat_peak_rss_kb,ref_drops,nat_drops,ref_slow_consumers,nat_slow_consumers,"
                 "ref_failed_rounds,nat_failed_rounds,notes\n");
    fprintf(js, "{\"date\":");
    json_str(js, date);
    fprintf(js, ",\"machine\":");
    json_str(js, machine);
    fprintf(js, ",\"reference\":");
    json_str(js, cfg->bin[0]);
    fprintf(js, ",\"natrium\":");
    json_str(js, cfg->bin[1]);
    fprintf(js, ",\"note\":");
    json_str(js, cfg->note ? cfg->note : "");
    fprintf(js,
            ",\"msgs\":%" PRIu64 ",\"rounds\":%d,\"idle_conns\":%d,\"subs\":%" PRIu64
            ",\"round_trips\":%" PRIu64 ",\"quick\":%s,\n\"results\":[\n",
            cfg->msgs, cfg->rounds, cfg->idle_conns, cfg->subs, cfg->rr,
            cfg->quick ? "true" : "false");
    bool first = true;
    for (int i = 0; i < n; i++) {
        const struct result *r = &res[i];
        double ea = 0, eb = 0;
        bool hea = res_eff(r, 0, &ea), heb = res_eff(r, 1, &eb);
        char notes[640];
        snprintf(notes, sizeof(notes), "%s%s%s%s%s", r->note[0][0] ? "ref: " : "", r->note[0],
                 r->note[0][0] && r->note[1][0] ? "; " : "", r->note[1][0] ? "nat: " : "",
                 r->note[1]);
        for (int m = 0; m < r->sc->nmetrics; m++) {
            double a = 0, b = 0;
            bool ha = res_median(r, 0, m, &a), hb = res_median(r, 1, m, &b);
            bool hr = ha && hb && a > 0;
            /* CSV row */
            fprintf(csv, "%s,%s,", date, r->sc->name);
            csv_str(csv, r->sc->metric[m]);
            fprintf(csv, ",%s,", r->sc->higher_better[m] ? "higher" : "lower");
            if (ha)
                fprintf(csv, "%.6g", a);
            fputc(',', csv);
            if (hb)
                fprintf(csv, "%.6g", b);
            fputc(',', csv);
            if (hr)
                fprintf(csv, "%.4f", b / a);
            fprintf(csv, ",%.2f,%.2f,", cpu_s(r, 0), cpu_s(r, 1));
            if (hea)
                fprintf(csv, "%.6g", ea);
            fputc(',', csv);
            if (heb)
                fprintf(csv, "%.6g", eb);
            fputc(',', csv);
            if (hea && heb)
                fprintf(csv, "%.4f", eb / ea);
            fprintf(csv, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%d,%d,%d,%d,",
                    r->peak_kb[0], r->peak_kb[1], r->drops[0], r->drops[1], r->slow[0], r->slow[1],
                    r->failed[0], r->failed[1]);
            csv_str(csv, notes);
            fputc('\n', csv);
            /* JSON: one result per line, so a later run can read it back (--compare) */
            fprintf(js, "%s{\"scenario\":", first ? "" : ",\n");
            first = false;
            json_str(js, r->sc->name);
            fprintf(js, ",\"metric\":");
            json_str(js, r->sc->metric[m]);
            fprintf(js, ",\"better\":\"%s\",\"ref\":", r->sc->higher_better[m] ? "higher" : "lower");
            json_num(js, ha, a);
            fprintf(js, ",\"nat\":");
            json_num(js, hb, b);
            fprintf(js, ",\"ratio\":");
            json_num(js, hr, hr ? b / a : 0);
            for (int side = 0; side < 2; side++) {
                fprintf(js, ",\"%s_samples\":[", side ? "nat" : "ref");
                for (int k = 0; k < r->nv[side]; k++)
                    fprintf(js, "%s%.6g", k ? "," : "", r->v[side][m][k]);
                fprintf(js, "]");
            }
            fprintf(js, ",\"ref_cpu_s\":%.2f,\"nat_cpu_s\":%.2f,\"ref_msgs_per_cpu_s\":",
                    cpu_s(r, 0), cpu_s(r, 1));
            json_num(js, hea, ea);
            fprintf(js, ",\"nat_msgs_per_cpu_s\":");
            json_num(js, heb, eb);
            fprintf(js,
                    ",\"ref_peak_rss_kb\":%" PRIu64 ",\"nat_peak_rss_kb\":%" PRIu64
                    ",\"ref_drops\":%" PRIu64 ",\"nat_drops\":%" PRIu64
                    ",\"ref_slow_consumers\":%d,\"nat_slow_consumers\":%d"
                    ",\"ref_failed_rounds\":%d,\"nat_failed_rounds\":%d,\"notes\":",
                    r->peak_kb[0], r->peak_kb[1], r->drops[0], r->drops[1], r->slow[0], r->slow[1],
                    r->failed[0], r->failed[1]);
            json_str(js, notes);
            fputc('}', js);
        }
    }
    fprintf(js, "\n]}\n");
    int rc = 0;
    if (fclose(csv) != 0 || fclose(js) != 0)
        rc = -1;
    printf("\nwrote %s.csv and %s.json\n", cfg->out, cfg->out);
    return rc;
}

/* --compare: reads back a JSON file written above (one result per line) and prints, per
 * scenario and metric, how the medians and the ratio moved. */
static bool json_field_str(const char *line, const char *key, char *out, size_t size)
{
    char pat[64];
    snprintf(pat, sizeof(pat), "\"%s\":\"", key);
    const char *p = strstr(line, pat);
    if (!p)
        return false;
    p += strlen(pat);
    size_t i = 0;
    while (*p && *p != '"' && i + 1 < size)
        out[i++] = *p++;
    out[i] = 0;
    return true;
}

static bool json_field_num(const char *line, const char *key, double *out)
{
    char pat[64], *end;
    snprintf(pat, sizeof(pat), "\"%s\":", key);
    const char *p = strstr(line, pat);
    if (!p)
        return false;
    p += strlen(pat);
    *out = strtod(p, &end);
    return end != p;
}

static void print_compare(const struct config *cfg, const struct result *res, int n)
{
    const char *path = cfg->compare;
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    double om = 0, orr = 0;

    if (!f) {
        fprintf(stderr, "natsbench: --compare %s: %s\n", path, strerror(errno));
        return;
    }
    printf("\nchange since %s (medians; + is better, whichever way the metric points)\n", path);
    /* The header line holds the run's sizes: figures from other sizes compare poorly. */
    if (getline(&line, &cap, f) > 0 && json_field_num(line, "msgs", &om) &&
        json_field_num(line, "rounds", &orr) &&
        ((uint64_t)om != cfg->msgs || (int)orr != cfg->rounds))
        printf("note: that run used --msgs %.0f --rounds %.0f, this one --msgs %" PRIu64
               " --rounds %d\n",
               om, orr, cfg->msgs, cfg->rounds);
    printf("%-15s %-9s %10s %10s %8s | %10s %10s %8s | %9s %9s\n", "scenario", "metric",
           "nat old", "nat new", "change", "ref old", "ref new", "change", "ratio old",
           "ratio new");
    while (getline(&line, &cap, f) > 0) {
        char name[64], metric[32];
        double on = 0, orf = 0, orat = 0;
        if (!json_field_str(line, "scenario", name, sizeof(name)) ||
            !json_field_str(line, "metric", metric, sizeof(metric)))
            continue;
        bool hon = json_field_num(line, "nat", &on), hor = json_field_num(line, "ref", &orf);
        bool horat = json_field_num(line, "ratio", &orat);
        for (int i = 0; i < n; i++) {
            const struct result *r = &res[i];
            if (strcmp(r->sc->name, name) != 0)
                continue;
            for (int m = 0; m < r->sc->nmetrics; m++) {
                if (strcmp(r->sc->metric[m], metric) != 0)
                    continue;
                double a = 0, b = 0, sign = r->sc->higher_better[m] ? 1 : -1;
                bool ha = res_median(r, 0, m, &a), hb = res_median(r, 1, m, &b);
                char s1[16], s2[16], s3[16], s4[16], c1[16] = "-", c2[16] = "-", r1[16] = "-",
                                                     r2[16] = "-";
                fmt_num(s1, sizeof(s1), hon, on);
                fmt_num(s2, sizeof(s2), hb, b);
                fmt_num(s3, sizeof(s3), hor, orf);
                fmt_num(s4, sizeof(s4), ha, a);
                if (hon && hb && on > 0)
                    snprintf(c1, sizeof(c1), "%+.1f%%", sign * (b - on) / on * 100);
                if (hor && ha && orf > 0)
                    snprintf(c2, sizeof(c2), "%+.1f%%", sign * (a - orf) / orf * 100);
                if (horat)
                    snprintf(r1, sizeof(r1), "%.2f", orat);
                if (ha && hb && a > 0)
                    snprintf(r2, sizeof(r2), "%.2f", b / a);
                printf("%-15s %-9s %10s %10s %8s | %10s %10s %8s | %9s %9s\n", name, metric, s1,
                       s2, c1, s3, s4, c2, r1, r2);
            }
        }
    }
    free(line);
    fclose(f);
}

/* ------------------------------------------------------------------------------------------ */
/* main                                                                                        */
/* ------------------------------------------------------------------------------------------ */

#define FLOW(nm, d, np, ns, sz, q, w, sh)                                                          \
    {                                                                                              \
        .name = nm, .desc = d, .kind = K_FLOW, .npub = np, .nsub = ns, .size = sz, .queue = q,     \
        .wildcard = w, .share = sh, .nmetrics = 1, .metric = {"msgs/s"},                           \
        .higher_better = {true},                                                                   \
    }

static struct scenario scenarios[] = {
    FLOW("pub_16B", "publish only, 16 B payload", 1, 0, 16, false, false, 1.0),
    FLOW("pub_128B", "publish only, 128 B", 1, 0, 128, false, false, 1.0),
    FLOW("pub_1KiB", "publish only, 1 KiB", 1, 0, 1024, false, false, 0.25),
    FLOW("pub_64KiB", "publish only, 64 KiB", 1, 0, 65536, false, false, 1.0 / 128),
    FLOW("pubsub_16B", "1 publisher -> 1 subscriber, 16 B", 1, 1, 16, false, false, 0.5),
    FLOW("pubsub_4KiB", "1 publisher -> 1 subscriber, 4 KiB", 1, 1, 4096, false, false, 1.0 / 16),
    FLOW("fanout4_128B", "1 publisher -> 4 subscribers, 128 B", 1, 4, 128, false, false, 0.125),
    FLOW("fanout16_128B", "1 publisher -> 16 subscribers, 128 B", 1, 16, 128, false, false,
         1.0 / 32),
    FLOW("fanin4_128B", "4 publishers -> 1 subscriber, 128 B", 4, 1, 128, false, false, 0.5),
    FLOW("queue4_128B", "1 publisher -> queue group of 4, 128 B", 1, 4, 128, true, false, 0.5),
    FLOW("wildcard_10k", "10,000 wildcard subs on 4 conns, random subjects, 16 B", 1, 0, 16,
         false, true, 0.125),
    {.name = "reqrep_16B",
     .desc = "request/reply round trips, 16 B, one at a time",
     .kind = K_REQREP,
     .nmetrics = 4,
     .metric = {"p50 us", "p90 us", "p99 us", "max us"},
     .higher_better = {false, false, false, false}},
    {.name = "idle_conns",
     .desc = "idle connections: server RSS per connection",
     .kind = K_IDLE,
     .nmetrics = 2,
     .metric = {"B/conn", "conns/s"},
     .higher_better = {false, true}},
    {.name = "subs_1M",
     .desc = "literal subscriptions on one connection: RSS per sub, time to add",
     .kind = K_SUBS,
     .nmetrics = 2,
     .metric = {"B/sub", "add s"},
     .higher_better = {false, false}},
};
#define NSCEN ((int)(sizeof(scenarios) / sizeof(scenarios[0])))

static void usage(FILE *f)
{
    fprintf(f,
            "usage: natsbench --nat PATH [--ref PATH] [--quick] [--msgs N] [--rounds N]\n"
            "                 [--idle-conns N] [--subs N] [--round-trips N] [--only a,b]\n"
            "                 [--out PREFIX] [--compare OLD.json] [--note TEXT] [--keep-logs]\n"
            "                 [--list]\n"
            "Runs every scenario against the reference nats-server and natrium, alternating\n"
            "rounds, and prints medians, ratios natrium/reference, server CPU and peak RSS.\n"
            "Writes PREFIX.csv and PREFIX.json when --out is given. See docs/benchmarks.md.\n");
}

static bool selected(const struct config *cfg, const char *name)
{
    if (!cfg->only)
        return true;
    const char *p = cfg->only;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        char tok[64];
        if (l > 0 && l < sizeof(tok)) {
            memcpy(tok, p, l);
            tok[l] = 0;
            if (strstr(name, tok))
                return true;
        }
        p += l + (e ? 1 : 0);
    }
    return false;
}

static uint64_t parse_count(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (*end == 'k' || *end == 'K')
        v *= 1e3;
    else if (*end == 'm' || *end == 'M')
        v *= 1e6;
    return v < 0 ? 0 : (uint64_t)v;
}

static void rm_logdir(const char *dir)
{
    char path[600];
    for (int i = 0; i < NSCEN; i++) {
        for (int s = 0; s < 2; s++) {
            snprintf(path, sizeof(path), "%s/%s-%s.log", dir, scenarios[i].name, side_name[s]);
            unlink(path);
        }
    }
    rmdir(dir);
}

int main(int argc, char **argv)
{
    struct config cfg = {.bin = {"/usr/sbin/nats-server", NULL},
                         .msgs = 6000000,
                         .rounds = 5,
                         .idle_conns = 10000,
                         .subs = 1000000,
                         .rr = 20000};
    bool msgs_set = false, rounds_set = false, idle_set = false, subs_set = false, rr_set = false;
    struct rlimit rl;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes = true;
        if (strcmp(a, "--ref") == 0 && v)
            cfg.bin[0] = v;
        else if (strcmp(a, "--nat") == 0 && v)
            cfg.bin[1] = v;
        else if (strcmp(a, "--msgs") == 0 && v)
            cfg.msgs = parse_count(v), msgs_set = true;
        else if (strcmp(a, "--rounds") == 0 && v)
            cfg.rounds = atoi(v), rounds_set = true;
        else if (strcmp(a, "--idle-conns") == 0 && v)
            cfg.idle_conns = (int)parse_count(v), idle_set = true;
        else if (strcmp(a, "--subs") == 0 && v)
            cfg.subs = parse_count(v), subs_set = true;
        else if (strcmp(a, "--round-trips") == 0 && v)
            cfg.rr = parse_count(v), rr_set = true;
        else if (strcmp(a, "--only") == 0 && v)
            cfg.only = v;
        else if (strcmp(a, "--out") == 0 && v)
            cfg.out = v;
        else if (strcmp(a, "--compare") == 0 && v)
            cfg.compare = v;
        else if (strcmp(a, "--note") == 0 && v)
            cfg.note = v;
        else {
            takes = false;
            if (strcmp(a, "--quick") == 0) {
                cfg.quick = true;
            } else if (strcmp(a, "--keep-logs") == 0) {
                cfg.keep_logs = true;
            } else if (strcmp(a, "--list") == 0) {
                for (int k = 0; k < NSCEN; k++)
                    printf("%-15s %s\n", scenarios[k].name, scenarios[k].desc);
                return 0;
            } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
                usage(stdout);
                return 0;
            } else {
                fprintf(stderr, "natsbench: bad argument '%s'\n", a);
                usage(stderr);
                return 2;
            }
        }
        if (takes)
            i++;
    }
    if (cfg.quick) {
        if (!msgs_set)
            cfg.msgs = 500000;
        if (!rounds_set)
            cfg.rounds = 2;
        if (!idle_set)
            cfg.idle_conns = 2000;
        if (!subs_set)
            cfg.subs = 100000;
        if (!rr_set)
            cfg.rr = 5000;
    }
    if (!cfg.bin[1] || cfg.rounds < 1 || cfg.rounds > MAX_ROUNDS || cfg.msgs < 1000) {
        usage(stderr);
        return 2;
    }
    for (int i = 0; i < 2; i++) {
        if (access(cfg.bin[i], X_OK) != 0) {
            fprintf(stderr, "natsbench: %s binary %s: %s\n", side_name[i], cfg.bin[i],
                    strerror(errno));
            return 2;
        }
    }
    /* 10,000 idle connections need that many descriptors here, and in each server, which
     * inherits this limit. */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)cfg.idle_conns + 200) {
        fprintf(stderr, "natsbench: RLIMIT_NOFILE is %llu: idle connections cut to %llu\n",
                (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_cur - 200);
        cfg.idle_conns = (int)rl.rlim_cur - 200;
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, on_fatal_signal);
    signal(SIGTERM, on_fatal_signal);
    signal(SIGHUP, on_fatal_signal);
    atexit(kill_live_servers);
    snprintf(cfg.logdir, sizeof(cfg.logdir), "%s/natsbench.XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(cfg.logdir)) {
        fprintf(stderr, "natsbench: mkdtemp: %s\n", strerror(errno));
        return 2;
    }

    char date[64], machine[256];
    time_t now = time(NULL);
    struct utsname un;
    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S%z", localtime(&now));
    uname(&un);
    snprintf(machine, sizeof(machine), "%s %s, %ld CPUs", un.nodename, un.machine,
             sysconf(_SC_NPROCESSORS_ONLN));
    FILE *la = fopen("/proc/loadavg", "r");
    double l1 = 0, l5 = 0, l15 = 0;
    if (la) {
        if (fscanf(la, "%lf %lf %lf", &l1, &l5, &l15) != 3)
            l1 = l5 = l15 = 0;
        fclose(la);
    }
    /* Other work on the machine skews every figure: the load average says how much. */
    size_t ml = strlen(machine);
    snprintf(machine + ml, sizeof(machine) - ml, ", load average %.2f %.2f %.2f", l1, l5, l15);
    printf("natsbench %s on %s\nreference: %s\nnatrium:   %s\n", date, machine, cfg.bin[0],
           cfg.bin[1]);
    printf("msgs %" PRIu64 ", rounds %d (alternating reference, natrium), idle conns %d, subs %" PRIu64
           ", round trips %" PRIu64 "%s%s\n\n",
           cfg.msgs, cfg.rounds, cfg.idle_conns, cfg.subs, cfg.rr, cfg.note ? ", " : "",
           cfg.note ? cfg.note : "");
    fflush(stdout);

    struct result *res = xcalloc((size_t)NSCEN, sizeof(*res));
    int nres = 0;
    uint64_t t_all = now_ns();
    for (int i = 0; i < NSCEN; i++) {
        struct scenario *sc = &scenarios[i];
        if (!selected(&cfg, sc->name))
            continue;
        sc->msgs = (uint64_t)((double)cfg.msgs * sc->share);
        if (sc->msgs < 100)
            sc->msgs = 100;
        if (sc->npub > 1)
            sc->msgs -= sc->msgs % (uint64_t)sc->npub;
        uint64_t t = now_ns();
        fprintf(stderr, "natsbench: %-15s (%s) ...", sc->name, sc->desc);
        run_scenario(&cfg, sc, &res[nres]);
        fprintf(stderr, " %.1f s\n", (double)(now_ns() - t) / NS_PER_S);
        nres++;
    }
    printf("%d scenarios in %.0f s. Ratio = natrium/reference: above 1 is better for 'hi' metrics,"
           "\nbelow 1 for 'lo'. cpu = server user+sys seconds over all rounds; msg/cpu = messages"
           "\ndelivered per server CPU second; MB = peak RSS (VmHWM).\n\n",
           nres, (double)(now_ns() - t_all) / NS_PER_S);
    print_table(stdout, res, nres);
    int rc = 0;
    if (cfg.out && write_outputs(&cfg, res, nres, date, machine) != 0)
        rc = 1;
    if (cfg.compare)
        print_compare(&cfg, res, nres);
    bool trouble = false;
    for (int i = 0; i < nres; i++)
        trouble |= res[i].failed[0] || res[i].failed[1] || res[i].slow[0] || res[i].slow[1];
    if (trouble || cfg.keep_logs)
        printf("\nserver logs kept in %s\n", cfg.logdir);
    else
        rm_logdir(cfg.logdir);
    free(res);
    return rc;
}
