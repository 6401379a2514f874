/* Differential protocol replay. Runs one transcript (tests/diff/corpus/<name>.txt) against a
 * nats-server binary on a free loopback port, records every byte each connection receives
 * and when the server closed it, normalises what legitimately varies (server id, nonce, port,
 * go version) and compares Debian's nats-server ($NATS_REF_BIN) with ours ($NATS_SERVER_BIN).
 * `replay --server BIN file` prints one server's normalised record instead.
 * The transcript format is documented in docs/internals/diff-tests.md. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 32
#define MAX_ARGS 48
#define NAME_MAX_LEN 16
#define STEP_TIMEOUT_MS 2000      /* sync / wait-close / connect give up after this */
#define QUIET_MS 100              /* drain and the final read stop after this much silence */
#define EXIT_SKIP 77              /* CTest SKIP_RETURN_CODE */
#define WRAP_COLS 200             /* longer escaped lines are rendered in pieces */
#define MAX_DIFF_CELLS (4u << 20) /* bigger records are printed whole instead of diffed */
/* Pause between the server's listening socket appearing and the first connect: the reference
 * creates an internal client (taking a client id) in a goroutine just after start-up, and a
 * client that connects before it gets id 3 instead of 4 (seen in ~0.3% of starts under load). */
#define SETTLE_MS 50

/* ---------------------------------------------------------------------------------------- */
/* Growable byte strings */

struct bytes {
    char *p;
    size_t len, cap;
};

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fprintf(stderr, "replay: out of memory\n");
        exit(2);
    }
    return q;
}

/* noinline: at -O3 gcc 12 inlines it into callers and reports an impossible memcpy bound */
__attribute__((noinline)) static void bytes_add(struct bytes *b, const void *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void bytes_str(struct bytes *b, const char *s)
{
    bytes_add(b, s, strlen(s));
}

static void bytes_fmt(struct bytes *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bytes_fmt(struct bytes *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n > 0)
        bytes_add(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static void bytes_free(struct bytes *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

/* ---------------------------------------------------------------------------------------- */
/* Transcripts */

enum step_kind {
    STEP_CONNECT,    /* connect NAME */
    STEP_SEND,       /* send NAME <escaped bytes> */
    STEP_REPEAT,     /* repeat NAME COUNT <escaped bytes> */
    STEP_SYNC,       /* sync NAME [PONGS] [sorted] */
    STEP_WAIT_CLOSE, /* wait-close NAME */
    STEP_DRAIN,      /* drain NAME [MS] */
    STEP_CLOSE,      /* close NAME */
    STEP_SLEEP,      /* sleep MS */
};

struct step {
    enum step_kind kind;
    int line; /* line number in the transcript: the step's label in the record */
    int conn;
    struct bytes data; /* send / repeat */
    long count;        /* repeat count, sync PONG count, drain/sleep milliseconds */
    bool sorted;       /* sync: sort the messages of this step before comparing */
};

struct transcript {
    const char *path;
    char *args[MAX_ARGS];
    int nargs;
    struct bytes conf; /* server-conf lines; empty = no -c */
    char names[MAX_CONNS][NAME_MAX_LEN];
    int nconns;
    struct step *steps;
    int nsteps;
};

static void die_at(const struct transcript *t, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));
static void die_at(const struct transcript *t, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s:%d: ", t->path, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(2);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes the escapes \r \n \t \s (space) \\ and \xNN of s into out. */
static void unescape(const struct transcript *t, int line, const char *s, struct bytes *out)
{
    for (; *s; s++) {
        char c = *s;
        if (c == '\\') {
            s++;
            switch (*s) {
            case 'r':
                c = '\r';
                break;
            case 'n':
                c = '\n';
                break;
            case 't':
                c = '\t';
                break;
            case 's':
                c = ' ';
                break;
            case '\\':
                c = '\\';
                break;
            case 'x': {
                int hi = hexval(s[1]), lo = hi < 0 ? -1 : hexval(s[2]);
                if (lo < 0)
                    die_at(t, line, "bad \\x escape (want two hex digits)");
                c = (char)(hi * 16 + lo);
                s += 2;
                break;
            }
            default:
                die_at(t, line, "unknown escape \\%c", *s ? *s : '0');
            }
        }
        bytes_add(out, &c, 1);
    }
}

static int conn_index(struct transcript *t, int line, const char *name, bool declare)
{
    for (int i = 0; i < t->nconns; i++) {
        if (strcmp(t->names[i], name) == 0) {
            if (declare)
                die_at(t, line, "connection %s is already connected", name);
            return i;
        }
    }
    if (!declare)
        die_at(t, line, "no connection named %s (connect it first)", name);
    if (t->nconns == MAX_CONNS)
        die_at(t, line, "too many connections (max %d)", MAX_CONNS);
    if (strlen(name) >= NAME_MAX_LEN || !*name)
        die_at(t, line, "bad connection name '%s'", name);
    for (const char *p = name; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '_'))
            die_at(t, line, "bad connection name '%s'", name);
    snprintf(t->names[t->nconns], NAME_MAX_LEN, "%s", name);
    return t->nconns++;
}

/* Splits off the next space-separated word of *p (NUL-terminates it in place). */
static char *next_word(char **p)
{
    char *s = *p, *w;
    while (*s == ' ')
        s++;
    if (!*s)
        return NULL;
    w = s;
    while (*s && *s != ' ')
        s++;
    if (*s)
        *s++ = '\0';
    *p = s;
    return w;
}

static long parse_num(const struct transcript *t, int line, const char *w, long max)
{
    char *end;
    long v;
    if (!w)
        die_at(t, line, "missing number");
    v = strtol(w, &end, 10);
    if (*end || v < 0 || v > max)
        die_at(t, line, "bad number '%s' (0..%ld)", w, max);
    return v;
}

static struct step *add_step(struct transcript *t, enum step_kind kind, int line)
{
    struct step *s;
    t->steps = xrealloc(t->steps, sizeof(*t->steps) * (size_t)(t->nsteps + 1));
    s = &t->steps[t->nsteps++];
    memset(s, 0, sizeof(*s));
    s->kind = kind;
    s->line = line;
    return s;
}

/* "send NAME <bytes>": the bytes are everything after the single space that follows NAME. */
static void parse_send(struct transcript *t, int line, char *rest, struct step *s)
{
    char *name = rest, *data = strchr(rest, ' ');
    if (!data || data[1] == '\0')
        die_at(t, line, "want: %s NAME <bytes>", s->kind == STEP_SEND ? "send" : "repeat");
    *data++ = '\0';
    s->conn = conn_index(t, line, name, false);
    if (s->kind == STEP_REPEAT) {
        char *count = data;
        data = strchr(data, ' ');
        if (!data || data[1] == '\0')
            die_at(t, line, "want: repeat NAME COUNT <bytes>");
        *data++ = '\0';
        s->count = parse_num(t, line, count, 1L << 24);
    }
    unescape(t, line, data, &s->data);
}

static void parse_line(struct transcript *t, int line, char *text, bool *steps_started)
{
    char *rest = text, *kw;
    size_t n = strlen(text);
    struct step *s;

    if (n && (text[n - 1] == ' ' || text[n - 1] == '\t'))
        die_at(t, line, "trailing whitespace (write \\s or \\t if the bytes are wanted)");
    if (strncmp(text, "server-args:", 12) == 0 || strncmp(text, "server-conf:", 12) == 0) {
        if (*steps_started)
            die_at(t, line, "server-args/server-conf must come before the first step");
        rest = text + 12;
        while (*rest == ' ')
            rest++;
        if (text[7] == 'c') {
            bytes_str(&t->conf, rest);
            bytes_str(&t->conf, "\n");
            return;
        }
        for (char *w; (w = next_word(&rest));) {
            if (t->nargs == MAX_ARGS)
                die_at(t, line, "too many server args");
            t->args[t->nargs++] = strdup(w);
        }
        return;
    }
    *steps_started = true;
    kw = next_word(&rest);
    if (strcmp(kw, "send") == 0 || strcmp(kw, "repeat") == 0) {
        s = add_step(t, kw[0] == 's' ? STEP_SEND : STEP_REPEAT, line);
        while (*rest == ' ')
            rest++;
        parse_send(t, line, rest, s);
        return;
    }
    if (strcmp(kw, "sleep") == 0) {
        s = add_step(t, STEP_SLEEP, line);
        s->count = parse_num(t, line, next_word(&rest), 1000);
        if (next_word(&rest))
            die_at(t, line, "want: sleep MS");
        return;
    }
    char *name = next_word(&rest);
    if (!name)
        die_at(t, line, "'%s' wants a connection name", kw);
    if (strcmp(kw, "connect") == 0) {
        s = add_step(t, STEP_CONNECT, line);
        s->conn = conn_index(t, line, name, true);
    } else if (strcmp(kw, "sync") == 0) {
        s = add_step(t, STEP_SYNC, line);
        s->conn = conn_index(t, line, name, false);
        s->count = 1;
        for (char *w; (w = next_word(&rest));) {
            if (strcmp(w, "sorted") == 0)
                s->sorted = true;
            else
                s->count = parse_num(t, line, w, 100);
        }
        if (s->count < 1)
            die_at(t, line, "sync wants at least one PONG");
        return;
    } else if (strcmp(kw, "wait-close") == 0) {
        s = add_step(t, STEP_WAIT_CLOSE, line);
        s->conn = conn_index(t, line, name, false);
    } else if (strcmp(kw, "drain") == 0) {
        s = add_step(t, STEP_DRAIN, line);
        s->conn = conn_index(t, line, name, false);
        char *ms = next_word(&rest);
        s->count = ms ? parse_num(t, line, ms, 1000) : QUIET_MS;
    } else if (strcmp(kw, "close") == 0) {
        s = add_step(t, STEP_CLOSE, line);
        s->conn = conn_index(t, line, name, false);
    } else {
        die_at(t, line, "unknown step '%s'", kw);
    }
    if (next_word(&rest))
        die_at(t, line, "too many words");
}

static void transcript_load(struct transcript *t, const char *path)
{
    FILE *f = fopen(path, "r");
    char *text = NULL;
    size_t cap = 0;
    ssize_t n;
    int line = 0;
    bool started = false;

    memset(t, 0, sizeof(*t));
    t->path = path;
    if (!f) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        exit(2);
    }
    while ((n = getline(&text, &cap, f)) >= 0) {
        line++;
        if (n > 0 && text[n - 1] == '\n')
            text[--n] = '\0';
        if (n > 0 && text[n - 1] == '\r')
            die_at(t, line, "CR in the file (write \\r instead)");
        if (n == 0 || text[0] == '#')
            continue;
        parse_line(t, line, text, &started);
    }
    free(text);
    fclose(f);
    if (t->nsteps == 0)
        die_at(t, line, "no steps");
}

static void transcript_free(struct transcript *t)
{
    for (int i = 0; i < t->nargs; i++)
        free(t->args[i]);
    for (int i = 0; i < t->nsteps; i++)
        bytes_free(&t->steps[i].data);
    free(t->steps);
    bytes_free(&t->conf);
}

/* ---------------------------------------------------------------------------------------- */
/* Server processes */

struct server {
    const char *bin;
    pid_t pid;
    int port;
    char dir[256];
    char conf_path[300];
    char log_path[300];
    int exit_status; /* waitpid status if it exited on its own during the run, else -1 */
};

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static int free_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;
    if (fd < 0)
        return -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

/* True when some socket listens on port (from /proc/net/tcp{,6}). Unlike a test connection
 * this does not make the server accept a client, which would use up a client id. */
static bool port_listening(int port)
{
    static const char *const files[] = {"/proc/net/tcp", "/proc/net/tcp6"};
    char want[8], text[512];
    bool found = false;

    snprintf(want, sizeof(want), ":%04X", port);
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]) && !found; i++) {
        FILE *f = fopen(files[i], "r");
        if (!f)
            continue;
        while (!found && fgets(text, sizeof(text), f)) {
            char local[64], remote[64], state[8];
            if (sscanf(text, "%*s %63s %63s %7s", local, remote, state) != 3)
                continue;
            size_t n = strlen(local);
            found = n > 5 && strcmp(local + n - 5, want) == 0 && strcmp(state, "0A") == 0;
        }
        fclose(f);
    }
    return found;
}

static char *read_file(const char *path)
{
    struct bytes b = {0};
    char tmp[4096];
    size_t n;
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
        bytes_add(&b, tmp, n);
    fclose(f);
    if (!b.p)
        bytes_str(&b, "");
    return b.p;
}

static void print_log_tail(const struct server *s, int lines)
{
    char *log = read_file(s->log_path);
    const char *p;
    int seen = 0;
    if (!log)
        return;
    p = log + strlen(log);
    while (p > log && seen <= lines)
        if (*--p == '\n')
            seen++;
    fprintf(stderr, "---- last lines of the log of %s ----\n%s%s", s->bin, p == log ? "" : "...",
            p);
    fprintf(stderr, "---- end of log ----\n");
    free(log);
}

static int server_start(struct server *s, const char *bin, const struct transcript *t)
{
    const char *tmp = getenv("TMPDIR");
    char portbuf[16];

    memset(s, 0, sizeof(*s));
    s->bin = bin;
    s->exit_status = -1;
    snprintf(s->dir, sizeof(s->dir), "%s/natrium-diff-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(s->dir)) {
        perror("replay: mkdtemp");
        return -1;
    }
    snprintf(s->log_path, sizeof(s->log_path), "%s/server.log", s->dir);
    if (t->conf.len) {
        FILE *f;
        snprintf(s->conf_path, sizeof(s->conf_path), "%s/server.conf", s->dir);
        f = fopen(s->conf_path, "w");
        if (!f || fwrite(t->conf.p, 1, t->conf.len, f) != t->conf.len) {
            perror("replay: writing the config");
            if (f)
                fclose(f);
            return -1;
        }
        fclose(f);
    }
    for (int attempt = 0; attempt < 3; attempt++) {
        const char *argv[MAX_ARGS + 8];
        int n = 0;
        s->port = free_port();
        snprintf(portbuf, sizeof(portbuf), "%d", s->port);
        argv[n++] = bin;
        argv[n++] = "-a";
        argv[n++] = "127.0.0.1";
        argv[n++] = "-p";
        argv[n++] = portbuf;
        if (t->conf.len) {
            argv[n++] = "-c";
            argv[n++] = s->conf_path;
        }
        for (int i = 0; i < t->nargs; i++)
            argv[n++] = t->args[i];
        argv[n] = NULL;

        int logfd = open(s->log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (logfd < 0) {
            perror("replay: log file");
            return -1;
        }
        s->pid = fork();
        if (s->pid == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the replay */
            dup2(logfd, 1);
            dup2(logfd, 2);
            execv(bin, (char *const *)argv);
            fprintf(stderr, "execv %s: %s\n", bin, strerror(errno));
            _exit(127);
        }
        close(logfd);
        if (s->pid < 0) {
            perror("replay: fork");
            return -1;
        }
        for (long start = now_ms(); now_ms() - start < 5000; sleep_ms(5)) {
            int st;
            if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
                s->pid = 0;
                break; /* died: perhaps the port was taken meanwhile; try another */
            }
            if (port_listening(s->port)) {
                sleep_ms(SETTLE_MS);
                return 0;
            }
        }
        if (s->pid > 0)
            break; /* alive but not listening after 5 s */
    }
    {
        /* natrium refuses features it does not have yet ("... is not supported by natrium
         * yet"): that case is a skip, and runs by itself once the feature lands */
        char *log = read_file(s->log_path);
        const char *u = log ? strstr(log, "is not supported by natrium yet") : NULL;
        if (u) {
            const char *b = u;
            while (b > log && b[-1] != '\n')
                b--;
            printf("SKIP: %.*s\n", (int)strcspn(b, "\n"), b);
            free(log);
            return -2;
        }
        free(log);
    }
    fprintf(stderr, "replay: server %s did not start\n", bin);
    print_log_tail(s, 40);
    return -1;
}

/* Stops the server (SIGTERM, then SIGKILL after 2 s); notes whether it had died by itself. */
static void server_stop(struct server *s)
{
    int st;
    if (s->pid <= 0)
        return;
    if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
        s->exit_status = st;
        s->pid = 0;
        return;
    }
    kill(s->pid, SIGTERM);
    for (long start = now_ms(); now_ms() - start < 2000; sleep_ms(5)) {
        if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
            s->pid = 0;
            return;
        }
    }
    kill(s->pid, SIGKILL);
    waitpid(s->pid, &st, 0);
    s->pid = 0;
}

static void server_cleanup(struct server *s)
{
    if (s->conf_path[0])
        unlink(s->conf_path);
    unlink(s->log_path);
    rmdir(s->dir);
}

/* ---------------------------------------------------------------------------------------- */
/* Running a transcript: what each connection received, step by step */

struct event {
    int line;         /* the step during which these bytes were read; 0 = after the last step */
    const char *verb; /* the step's keyword */
    struct bytes data;
    bool closed;  /* the server closed the connection (EOF or reset) during this step */
    bool timeout; /* the step's condition (INFO line, PONGs, close) was not met in time */
    bool sorted;
};

struct conn {
    int fd;   /* -1: never opened or closed by us */
    bool eof; /* the server closed it */
    bool connect_failed;
    struct bytes carry; /* received past the point where the last read step ended */
    struct event *ev;
    int nev;
};

struct run {
    struct conn conns[MAX_CONNS];
    int nconns;
    struct server srv;
};

static struct event *new_event(struct conn *c, int line, const char *verb)
{
    struct event *e;
    c->ev = xrealloc(c->ev, sizeof(*c->ev) * (size_t)(c->nev + 1));
    e = &c->ev[c->nev++];
    memset(e, 0, sizeof(*e));
    e->line = line;
    e->verb = verb;
    return e;
}

enum read_until { UNTIL_LINE, UNTIL_PONGS, UNTIL_EOF, UNTIL_QUIET };

/* Where a read step ends in the bytes read so far: just past the first line (UNTIL_LINE) or
 * the arg-th "PONG\r\n" (UNTIL_PONGS); 0 while that point has not arrived yet. */
static size_t end_of_step(const struct bytes *b, enum read_until until, long arg)
{
    const char *hit;
    size_t i = 0;
    long pongs = 0;

    if (!b->len)
        return 0;
    switch (until) {
    case UNTIL_LINE:
        hit = memchr(b->p, '\n', b->len);
        return hit ? (size_t)(hit - b->p) + 1 : 0;
    case UNTIL_PONGS:
        while ((hit = memmem(b->p + i, b->len - i, "PONG\r\n", 6))) {
            i = (size_t)(hit - b->p) + 6;
            if (++pongs == arg)
                return i;
        }
        return 0;
    default:
        return 0;
    }
}

/* Keeps bytes past the end of the step for the next read step on this connection, so what a
 * step records does not depend on how the bytes were split into reads. */
static bool step_complete(struct conn *c, struct event *e, enum read_until until, long arg)
{
    size_t end = end_of_step(&e->data, until, arg);
    if (!end)
        return false;
    bytes_add(&c->carry, e->data.p + end, e->data.len - end);
    e->data.len = end;
    e->data.p[end] = '\0';
    return true;
}

static void take_carry(struct conn *c, struct event *e)
{
    if (c->carry.len)
        bytes_add(&e->data, c->carry.p, c->carry.len);
    c->carry.len = 0;
}

/* Reads into e until its condition holds, the server closes, or time runs out. */
static void read_into(struct conn *c, struct event *e, enum read_until until, long arg)
{
    long start = now_ms(), last = start;
    char buf[65536];

    take_carry(c, e);
    if (c->fd < 0 || c->eof)
        return;
    while (!step_complete(c, e, until, arg)) {
        long now = now_ms(), wait;
        if (until == UNTIL_QUIET)
            wait = arg - (now - last);
        else
            wait = STEP_TIMEOUT_MS - (now - start);
        if (wait <= 0) {
            e->timeout = until != UNTIL_QUIET;
            return;
        }
        struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
        int r = poll(&pfd, 1, (int)wait);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            continue;
        ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n > 0) {
            bytes_add(&e->data, buf, (size_t)n);
            last = now_ms();
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            c->eof = true;
            e->closed = true;
            return;
        }
    }
}

/* Sends all bytes; a server that closed (EPIPE, reset) is noticed by the next read step. */
static void send_all(struct conn *c, const char *p, size_t n)
{
    long start = now_ms();
    while (n > 0 && c->fd >= 0) {
        ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
            struct pollfd pfd = {.fd = c->fd, .events = POLLOUT};
            if (now_ms() - start > STEP_TIMEOUT_MS)
                return;
            poll(&pfd, 1, 50);
            continue;
        }
        return;
    }
}

static int connect_port(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* After the last step: reads every open connection until QUIET_MS pass with no byte. */
static void final_read(struct run *r)
{
    struct event *ev[MAX_CONNS] = {0};
    char buf[65536];
    long last = now_ms();

    for (int i = 0; i < r->nconns; i++) {
        if (r->conns[i].carry.len) {
            ev[i] = new_event(&r->conns[i], 0, "end");
            take_carry(&r->conns[i], ev[i]);
        }
    }

    for (;;) {
        struct pollfd pfd[MAX_CONNS];
        int idx[MAX_CONNS], n = 0;
        for (int i = 0; i < r->nconns; i++) {
            if (r->conns[i].fd >= 0 && !r->conns[i].eof) {
                pfd[n] = (struct pollfd){.fd = r->conns[i].fd, .events = POLLIN};
                idx[n++] = i;
            }
        }
        long wait = QUIET_MS - (now_ms() - last);
        if (n == 0 || wait <= 0)
            return;
        int k = poll(pfd, (nfds_t)n, (int)wait);
        if (k < 0 && errno == EINTR)
            continue;
        for (int j = 0; j < n && k > 0; j++) {
            struct conn *c = &r->conns[idx[j]];
            if (!pfd[j].revents)
                continue;
            if (!ev[idx[j]]) {
                ev[idx[j]] = new_event(c, 0, "end");
                take_carry(c, ev[idx[j]]);
            }
            ssize_t got = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
            if (got > 0) {
                bytes_add(&ev[idx[j]]->data, buf, (size_t)got);
                last = now_ms();
            } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
                c->eof = true;
                ev[idx[j]]->closed = true;
            }
        }
    }
}

static void run_transcript(struct run *r, const struct transcript *t)
{
    r->nconns = t->nconns;
    for (int i = 0; i < MAX_CONNS; i++)
        r->conns[i].fd = -1;
    for (int i = 0; i < t->nsteps; i++) {
        const struct step *s = &t->steps[i];
        struct conn *c = &r->conns[s->conn];
        struct event *e;

        switch (s->kind) {
        case STEP_CONNECT:
            e = new_event(c, s->line, "connect");
            c->fd = connect_port(r->srv.port);
            if (c->fd < 0) {
                c->connect_failed = true;
                c->eof = true;
                e->closed = true;
                break;
            }
            read_into(c, e, UNTIL_LINE, 0);
            break;
        case STEP_SEND:
            if (!c->eof)
                send_all(c, s->data.p, s->data.len);
            break;
        case STEP_REPEAT:
            for (long k = 0; k < s->count && !c->eof; k++)
                send_all(c, s->data.p, s->data.len);
            break;
        case STEP_SYNC:
            e = new_event(c, s->line, "sync");
            e->sorted = s->sorted;
            if (!c->eof)
                send_all(c, "PING\r\n", 6);
            read_into(c, e, UNTIL_PONGS, s->count);
            break;
        case STEP_WAIT_CLOSE:
            e = new_event(c, s->line, "wait-close");
            read_into(c, e, UNTIL_EOF, 0);
            break;
        case STEP_DRAIN:
            e = new_event(c, s->line, "drain");
            read_into(c, e, UNTIL_QUIET, s->count);
            break;
        case STEP_CLOSE:
            if (c->fd >= 0)
                close(c->fd);
            c->fd = -1;
            break;
        case STEP_SLEEP:
            sleep_ms(s->count);
            break;
        }
    }
    final_read(r);
    for (int i = 0; i < r->nconns; i++) {
        if (r->conns[i].fd >= 0)
            close(r->conns[i].fd);
        r->conns[i].fd = -1;
    }
}

static void run_free(struct run *r)
{
    for (int i = 0; i < r->nconns; i++) {
        for (int j = 0; j < r->conns[i].nev; j++)
            bytes_free(&r->conns[i].ev[j].data);
        free(r->conns[i].ev);
        bytes_free(&r->conns[i].carry);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Normalising and rendering */

struct norm {
    char server_id[128];
    char port[16];
};

/* Learns the server id from the first INFO any connection received. */
static void norm_learn(struct norm *nm, const struct run *r)
{
    snprintf(nm->port, sizeof(nm->port), "%d", r->srv.port);
    for (int i = 0; i < r->nconns; i++) {
        for (int j = 0; j < r->conns[i].nev; j++) {
            const char *p = r->conns[i].ev[j].data.p, *q;
            if (!p || !(p = strstr(p, "\"server_id\":\"")))
                continue;
            p += 13;
            q = strchr(p, '"');
            if (q && (size_t)(q - p) < sizeof(nm->server_id)) {
                memcpy(nm->server_id, p, (size_t)(q - p));
                nm->server_id[q - p] = '\0';
                return;
            }
        }
    }
}

/* Replaces the value of "key":"..." (string) or "key":123 (number) in an INFO line. */
static void replace_json_value(struct bytes *line, const char *key, const char *with)
{
    char pat[64];
    char *p, *v, *end;
    struct bytes out = {0};

    snprintf(pat, sizeof(pat), "\"%s\":", key);
    p = line->p ? strstr(line->p, pat) : NULL;
    if (!p)
        return;
    v = p + strlen(pat);
    if (*v == '"') {
        end = strchr(v + 1, '"');
        if (!end)
            return;
        end++;
    } else {
        end = v;
        while (*end >= '0' && *end <= '9')
            end++;
    }
    bytes_add(&out, line->p, (size_t)(v - line->p));
    bytes_str(&out, with);
    bytes_add(&out, end, line->len - (size_t)(end - line->p));
    bytes_free(line);
    *line = out;
}

static void replace_all(struct bytes *b, const char *what, const char *with)
{
    struct bytes out = {0};
    size_t wl = strlen(what), i = 0;
    if (!wl || !b->p || !memmem(b->p, b->len, what, wl))
        return;
    while (i < b->len) {
        const char *hit = memmem(b->p + i, b->len - i, what, wl);
        size_t upto = hit ? (size_t)(hit - b->p) : b->len;
        bytes_add(&out, b->p + i, upto - i);
        i = upto;
        if (hit) {
            bytes_str(&out, with);
            i += wl;
        }
    }
    bytes_free(b);
    *b = out;
}

/* One protocol unit of server output: a line, plus the payload for MSG/HMSG. */
static size_t unit_len(const char *p, size_t n)
{
    const char *nl = memchr(p, '\n', n);
    size_t len = nl ? (size_t)(nl - p) + 1 : n;
    if (nl && (strncmp(p, "MSG ", 4) == 0 || strncmp(p, "HMSG ", 5) == 0)) {
        const char *q = nl;
        while (q > p && (q[-1] == '\r' || q[-1] == '\n'))
            q--;
        while (q > p && q[-1] >= '0' && q[-1] <= '9')
            q--;
        size_t payload = strtoul(q, NULL, 10) + 2;
        len = len + payload > n ? n : len + payload;
    }
    return len;
}

struct unit {
    const char *p;
    size_t n;
};

static int unit_cmp(const void *a, const void *b)
{
    const struct unit *x = a, *y = b;
    int c = memcmp(x->p, y->p, x->n < y->n ? x->n : y->n);
    return c ? c : (x->n > y->n) - (x->n < y->n);
}

static void sort_units(struct bytes *b)
{
    struct unit *u = NULL;
    size_t nu = 0;
    struct bytes out = {0};
    for (size_t i = 0; i < b->len;) {
        size_t n = unit_len(b->p + i, b->len - i);
        u = xrealloc(u, sizeof(*u) * (nu + 1));
        u[nu++] = (struct unit){b->p + i, n};
        i += n;
    }
    if (nu > 1)
        qsort(u, nu, sizeof(*u), unit_cmp);
    for (size_t i = 0; i < nu; i++)
        bytes_add(&out, u[i].p, u[i].n);
    free(u);
    bytes_free(b);
    *b = out;
}

/* Normalises one event's bytes: INFO fields that vary per run, then the server id anywhere. */
static void normalise(const struct norm *nm, const struct event *e, struct bytes *out)
{
    const char *p = e->data.p;
    size_t n = e->data.len;

    memset(out, 0, sizeof(*out));
    while (n > 0) {
        size_t len = unit_len(p, n);
        struct bytes u = {0};
        bytes_add(&u, p, len);
        if (len >= 5 && memcmp(p, "INFO ", 5) == 0) {
            replace_json_value(&u, "port", "<port>");
            replace_json_value(&u, "nonce", "\"<nonce>\"");
            replace_json_value(&u, "go", "\"<go>\"");
            replace_json_value(&u, "git_commit", "\"<git_commit>\"");
        }
        bytes_add(out, u.p, u.len);
        bytes_free(&u);
        p += len;
        n -= len;
    }
    if (nm->server_id[0])
        replace_all(out, nm->server_id, "<server_id>");
    if (nm->port[0]) {
        char hp[48];
        snprintf(hp, sizeof(hp), "127.0.0.1:%s", nm->port);
        replace_all(out, hp, "127.0.0.1:<port>");
    }
    if (e->sorted)
        sort_units(out);
}

/* Escapes bytes for display: printable ASCII as is, \r \n \t \\ and \xNN otherwise. */
static void escape_into(struct bytes *out, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\r')
            bytes_str(out, "\\r");
        else if (c == '\n')
            bytes_str(out, "\\n");
        else if (c == '\t')
            bytes_str(out, "\\t");
        else if (c == '\\')
            bytes_str(out, "\\\\");
        else if (c < 0x20 || c >= 0x7f)
            bytes_fmt(out, "\\x%02X", c);
        else
            bytes_add(out, &p[i], 1);
    }
}

/* Renders one connection as text lines: a header per step, then one line per received
 * protocol line (escaped, so "\r\n" ends each; pieces of WRAP_COLS continue with ".."), then
 * <closed> / <timeout> markers. */
static void render_conn(const struct norm *nm, const struct conn *c, struct bytes *out)
{
    for (int j = 0; j < c->nev; j++) {
        const struct event *e = &c->ev[j];
        struct bytes b;
        if (!e->data.len && !e->closed && !e->timeout)
            continue;
        if (e->line)
            bytes_fmt(out, "@%d %s%s\n", e->line, e->verb, e->sorted ? " (sorted)" : "");
        else
            bytes_fmt(out, "@end\n");
        normalise(nm, e, &b);
        for (size_t i = 0; i < b.len;) {
            const char *nl = memchr(b.p + i, '\n', b.len - i);
            size_t len = nl ? (size_t)(nl - (b.p + i)) + 1 : b.len - i;
            struct bytes esc = {0};
            escape_into(&esc, b.p + i, len);
            for (size_t k = 0; k < esc.len; k += WRAP_COLS) {
                size_t m = esc.len - k < WRAP_COLS ? esc.len - k : WRAP_COLS;
                bytes_str(out, k ? "    .. " : "    ");
                bytes_add(out, esc.p + k, m);
                bytes_str(out, "\n");
            }
            bytes_free(&esc);
            i += len;
        }
        bytes_free(&b);
        if (c->connect_failed)
            bytes_str(out, "    <connect failed>\n");
        else if (e->closed)
            bytes_str(out, "    <closed by server>\n");
        if (e->timeout)
            bytes_fmt(out, "    <timeout after %d ms>\n", STEP_TIMEOUT_MS);
    }
}

static void render_server(const struct server *s, struct bytes *out)
{
    if (s->exit_status < 0)
        bytes_str(out, "server running at the end\n");
    else if (WIFSIGNALED(s->exit_status))
        bytes_fmt(out, "server died during the run (signal %d)\n", WTERMSIG(s->exit_status));
    else
        bytes_fmt(out, "server exited during the run (status %d)\n", WEXITSTATUS(s->exit_status));
}

/* ---------------------------------------------------------------------------------------- */
/* Comparing */

static int split_lines(char *text, char ***lines)
{
    int n = 0, cap = 0;
    *lines = NULL;
    for (char *p = text; p && *p;) {
        char *nl = strchr(p, '\n');
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            *lines = xrealloc(*lines, sizeof(**lines) * (size_t)cap);
        }
        (*lines)[n++] = p;
        if (nl)
            *nl = '\0';
        p = nl ? nl + 1 : NULL;
    }
    return n;
}

/* Prints a line diff of a (reference) and b (ours): " " both, "-" reference only, "+" ours
 * only (longest common subsequence, O(lines^2); huge records are printed whole). */
static void print_diff(const char *a_text, const char *b_text)
{
    char *a_copy = strdup(a_text), *b_copy = strdup(b_text), **a, **b;
    int na = split_lines(a_copy, &a), nb = split_lines(b_copy, &b);
    size_t cells = (size_t)(na + 1) * (size_t)(nb + 1);
    int *lcs = cells <= MAX_DIFF_CELLS ? calloc(cells, sizeof(int)) : NULL;
    int w = nb + 1;

    if (!lcs) {
        fprintf(stderr, "  reference:\n%s  natrium:\n%s", a_text, b_text);
        goto out;
    }
    for (int i = na - 1; i >= 0; i--) {
        for (int j = nb - 1; j >= 0; j--) {
            if (strcmp(a[i], b[j]) == 0)
                lcs[i * w + j] = lcs[(i + 1) * w + j + 1] + 1;
            else if (lcs[(i + 1) * w + j] > lcs[i * w + j + 1])
                lcs[i * w + j] = lcs[(i + 1) * w + j];
            else
                lcs[i * w + j] = lcs[i * w + j + 1];
        }
    }
    for (int i = 0, j = 0; i < na || j < nb;) {
        if (i < na && j < nb && strcmp(a[i], b[j]) == 0) {
            fprintf(stderr, "   %s\n", a[i]);
            i++;
            j++;
        } else if (i < na && (j == nb || lcs[(i + 1) * w + j] >= lcs[i * w + j + 1])) {
            fprintf(stderr, " - %s\n", a[i++]);
        } else {
            fprintf(stderr, " + %s\n", b[j++]);
        }
    }
out:
    free(lcs);
    free(a);
    free(b);
    free(a_copy);
    free(b_copy);
}

/* Runs t against bin; fills the rendered record of each connection and of the server. */
static int record(const struct transcript *t, const char *bin, struct bytes *conns,
                  struct bytes *server)
{
    struct run r;
    struct norm nm = {0};

    memset(&r, 0, sizeof(r));
    int started = server_start(&r.srv, bin, t);
    if (started != 0) {
        server_cleanup(&r.srv);
        return started;
    }
    run_transcript(&r, t);
    server_stop(&r.srv);
    {
        /* a sanitizer report in the server's log fails the replay, whatever the bytes said */
        char *log = read_file(r.srv.log_path);
        if (log && (strstr(log, "ERROR: AddressSanitizer") || strstr(log, "ERROR: LeakSanitizer") ||
                    strstr(log, "runtime error:") || strstr(log, "WARNING: ThreadSanitizer"))) {
            fprintf(stderr, "replay: sanitizer report in the log of %s\n", bin);
            print_log_tail(&r.srv, 60);
            free(log);
            run_free(&r);
            server_cleanup(&r.srv);
            return -1;
        }
        free(log);
    }
    norm_learn(&nm, &r);
    for (int i = 0; i < t->nconns; i++)
        render_conn(&nm, &r.conns[i], &conns[i]);
    render_server(&r.srv, server);
    if (r.srv.exit_status >= 0)
        print_log_tail(&r.srv, 30);
    run_free(&r);
    server_cleanup(&r.srv);
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: replay TRANSCRIPT            compare $NATS_REF_BIN with "
                    "$NATS_SERVER_BIN\n"
                    "       replay --server BIN TRANSCRIPT  print one server's normalised "
                    "record\n");
    return 2;
}

static int print_one(const struct transcript *t, const char *bin)
{
    struct bytes conns[MAX_CONNS] = {{0}}, server = {0};
    if (record(t, bin, conns, &server) != 0)
        return 2;
    for (int i = 0; i < t->nconns; i++) {
        printf("== %s ==\n%s", t->names[i], conns[i].p ? conns[i].p : "");
        bytes_free(&conns[i]);
    }
    printf("== server ==\n%s", server.p);
    bytes_free(&server);
    return 0;
}

static int compare(const struct transcript *t, const char *ref, const char *ours)
{
    struct bytes rc[MAX_CONNS] = {{0}}, oc[MAX_CONNS] = {{0}}, rs = {0}, os = {0};
    int bad = 0;

    int rr = record(t, ref, rc, &rs), ro = rr == 0 ? record(t, ours, oc, &os) : -1;
    if (rr == 0 && ro == -2) {
        for (int i = 0; i <= t->nconns; i++)
            bytes_free(i < t->nconns ? &rc[i] : &rs);
        return EXIT_SKIP;
    }
    if (rr != 0 || ro != 0)
        return 2;
    for (int i = 0; i <= t->nconns; i++) {
        struct bytes *a = i < t->nconns ? &rc[i] : &rs, *b = i < t->nconns ? &oc[i] : &os;
        const char *as = a->p ? a->p : "", *bs = b->p ? b->p : "";
        if (strcmp(as, bs) != 0) {
            if (!bad++)
                fprintf(stderr, "%s: MISMATCH (- reference %s, + natrium %s)\n", t->path, ref,
                        ours);
            fprintf(stderr, "== %s ==\n", i < t->nconns ? t->names[i] : "server");
            print_diff(as, bs);
        }
        bytes_free(a);
        bytes_free(b);
    }
    if (!bad)
        printf("%s: match (%d connections, %d steps)\n", t->path, t->nconns, t->nsteps);
    return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
    struct transcript t;
    const char *one = NULL, *path;
    int rc;

    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 4 && strcmp(argv[1], "--server") == 0) {
        one = argv[2];
        path = argv[3];
    } else if (argc == 2 && argv[1][0] != '-') {
        path = argv[1];
    } else {
        return usage();
    }
    transcript_load(&t, path);
    if (one) {
        rc = print_one(&t, one);
    } else {
        const char *ref = getenv("NATS_REF_BIN"), *ours = getenv("NATS_SERVER_BIN");
        if (!ref || !*ref || access(ref, X_OK) != 0) {
            printf("SKIP: no reference server (set NATS_REF_BIN)\n");
            transcript_free(&t);
            return EXIT_SKIP;
        }
        if (!ours || !*ours || access(ours, X_OK) != 0) {
            fprintf(stderr, "replay: NATS_SERVER_BIN is not set or not executable\n");
            transcript_free(&t);
            return 2;
        }
        rc = compare(&t, ref, ours);
    }
    transcript_free(&t);
    return rc;
}
