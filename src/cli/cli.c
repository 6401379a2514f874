/* Helpers shared by the `nats` subcommands: connecting with the global options (natscli
 * nats/main.go + cli/util.go newNatsConn), log lines in Go's log.Ltime form, kingpin-style
 * errors, Go's Duration.String() and %q, body templates (natscli pubReplyBodyTemplate) and
 * header handling. The only global is the interrupt flag, which signal handlers need. */
#include "cli/cli.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/xmalloc.h"

/* Set by the SIGINT/SIGTERM handler; global because a signal handler can reach nothing else. */
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

void cli_install_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

bool cli_interrupted(void)
{
    return interrupted != 0;
}

void cli_free(struct cli *cli)
{
    FREE_AND_NULL(cli->servers);
    FREE_AND_NULL(cli->user);
    FREE_AND_NULL(cli->password);
    FREE_AND_NULL(cli->token);
    FREE_AND_NULL(cli->creds);
    FREE_AND_NULL(cli->nkey);
    FREE_AND_NULL(cli->tlscert);
    FREE_AND_NULL(cli->tlskey);
    FREE_AND_NULL(cli->tlsca);
    FREE_AND_NULL(cli->context);
    FREE_AND_NULL(cli->connection_name);
    FREE_AND_NULL(cli->inbox_prefix);
    FREE_AND_NULL(cli->js_api_prefix);
    FREE_AND_NULL(cli->js_event_prefix);
    FREE_AND_NULL(cli->js_domain);
}

void cli_strings_free(struct cli_strings *s)
{
    for (int i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

void cli_logf(struct cli *cli, const char *fmt, ...)
{
    char ts[16];
    time_t now = time(NULL);
    struct tm tm;
    va_list ap;
    size_t n = strlen(fmt);

    localtime_r(&now, &tm);
    strftime(ts, sizeof(ts), "%H:%M:%S", &tm);
    fprintf(cli->out, "%s ", ts);
    va_start(ap, fmt);
    vfprintf(cli->out, fmt, ap);
    va_end(ap);
    /* Go's log adds a newline unless the message already ends with one */
    if (n == 0 || fmt[n - 1] != '\n')
        fputc('\n', cli->out);
    fflush(cli->out);
}

int64_t cli_mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int cli_errorf(struct cli *cli, const char *fmt, ...)
{
    va_list ap;

    fflush(cli->out);
    fputs("nats: error: ", cli->err);
    va_start(ap, fmt);
    vfprintf(cli->err, fmt, ap);
    va_end(ap);
    fputc('\n', cli->err);
    fflush(cli->err);
    return 1;
}

int cli_one_arg(struct cli *cli, const char *name, char **pos, int npos)
{
    if (npos == 0)
        return cli_errorf(cli, "required argument '%s' not provided, try --help", name);
    if (npos > 1)
        return cli_errorf(cli, "unexpected %s, try --help", pos[1]);
    return 0;
}

/* Go's fmtFrac/fmtInt logic: v in units of 10^-prec, printed with trailing zeros trimmed. */
static size_t fmt_frac(char *buf, size_t n, uint64_t v, int prec, const char *unit)
{
    char frac[32];
    int fl = 0;
    bool seen = false;
    uint64_t whole;

    for (int i = 0; i < prec; i++) {
        int d = (int)(v % 10);
        seen = seen || d != 0;
        if (seen)
            frac[fl++] = (char)('0' + d);
        v /= 10;
    }
    whole = v;
    size_t len = (size_t)snprintf(buf, n, "%" PRIu64, whole);
    if (fl > 0 && len + 1 < n) {
        buf[len++] = '.';
        for (int i = fl - 1; i >= 0 && len + 1 < n; i--)
            buf[len++] = frac[i];
        buf[len] = '\0';
    }
    len += (size_t)snprintf(buf + len, len < n ? n - len : 0, "%s", unit);
    return len;
}

void cli_format_duration_ns(int64_t ns, char *buf, size_t n)
{
    bool neg = ns < 0;
    uint64_t u = neg ? (uint64_t)(-(ns + 1)) + 1 : (uint64_t)ns;
    size_t off = 0;

    if (neg && n > 1) {
        buf[0] = '-';
        off = 1;
    }
    if (u == 0) {
        snprintf(buf, n, "0s");
        return;
    }
    if (u < 1000) {
        snprintf(buf + off, n - off, "%" PRIu64 "ns", u);
    } else if (u < 1000000) {
        fmt_frac(buf + off, n - off, u, 3, "µs");
    } else if (u < 1000000000ULL) {
        fmt_frac(buf + off, n - off, u, 6, "ms");
    } else {
        /* h, m, then seconds with up to 9 decimals */
        uint64_t secs = u / 1000000000ULL, h = secs / 3600, m = (secs / 60) % 60;
        uint64_t rest = (secs % 60) * 1000000000ULL + u % 1000000000ULL;
        size_t l = 0;
        if (h > 0)
            l += (size_t)snprintf(buf + off, n - off, "%" PRIu64 "h", h);
        if (h > 0 || m > 0)
            l += (size_t)snprintf(buf + off + l, n - off - l, "%" PRIu64 "m", m);
        fmt_frac(buf + off + l, n - off - l, rest, 9, "s");
    }
}

int cli_parse_duration_ms(const char *s, int64_t *ms)
{
    double total_ns = 0;
    const char *p = s;

    if (!s || !*s)
        return -1;
    if (strcmp(s, "0") == 0) {
        *ms = 0;
        return 0;
    }
    while (*p) {
        char *end;
        double v;
        double unit;

        errno = 0;
        v = strtod(p, &end);
        if (end == p || errno != 0 || v < 0)
            return -1;
        p = end;
        if (strncmp(p, "ns", 2) == 0) {
            unit = 1;
            p += 2;
        } else if (strncmp(p, "us", 2) == 0) {
            unit = 1e3;
            p += 2;
        } else if (strncmp(p, "µs", strlen("µs")) == 0) {
            unit = 1e3;
            p += strlen("µs");
        } else if (strncmp(p, "ms", 2) == 0) {
            unit = 1e6;
            p += 2;
        } else if (*p == 's') {
            unit = 1e9;
            p++;
        } else if (*p == 'm') {
            unit = 60e9;
            p++;
        } else if (*p == 'h') {
            unit = 3600e9;
            p++;
        } else {
            return -1; /* Go requires a unit except for "0" */
        }
        total_ns += v * unit;
    }
    *ms = (int64_t)(total_ns / 1e6);
    return 0;
}

char *cli_go_quote(const char *s)
{
    size_t cap = strlen(s) * 4 + 3, len = 0;
    char *out = xmalloc(cap + 8);
    const unsigned char *p = (const unsigned char *)s;

    out[len++] = '"';
    while (*p) {
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            out[len++] = '\\';
            out[len++] = (char)c;
        } else if (c == '\n') {
            out[len++] = '\\';
            out[len++] = 'n';
        } else if (c == '\t') {
            out[len++] = '\\';
            out[len++] = 't';
        } else if (c == '\r') {
            out[len++] = '\\';
            out[len++] = 'r';
        } else if (c < 0x20 || c == 0x7f) {
            len += (size_t)snprintf(out + len, 5, "\\x%02x", c);
        } else {
            /* printable ASCII and UTF-8 sequences pass through (Go keeps printable runes) */
            out[len++] = (char)c;
        }
        p++;
    }
    out[len++] = '"';
    out[len] = '\0';
    return out;
}

/* ---- templates ---- */

struct sbuf {
    char *p;
    size_t len, cap;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void random_string(struct sbuf *b, long lo, long hi)
{
    static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    long n = lo;

    if (hi > lo)
        n = lo + rand() % (hi - lo);
    for (long i = 0; i < n; i++) {
        char c = chars[rand() % (int)(sizeof(chars) - 1)];
        sb_add(b, &c, 1);
    }
}

/* Renders one action (text between "{{" and "}}", trimmed). Returns false if unknown. */
static bool render_action(struct sbuf *b, const char *act, size_t n, int count,
                          const char *request, int64_t now_ns)
{
    char word[64], tmp[64];
    size_t wl = 0;
    time_t secs = (time_t)(now_ns / 1000000000LL);
    struct tm tm;

    while (wl < n && wl < sizeof(word) - 1 && !isspace((unsigned char)act[wl])) {
        word[wl] = act[wl];
        wl++;
    }
    word[wl] = '\0';
    const char *w = word[0] == '.' ? word + 1 : word;

    if (strcmp(w, "Count") == 0 || strcmp(w, "Cnt") == 0) {
        snprintf(tmp, sizeof(tmp), "%d", count);
    } else if (strcmp(w, "Unix") == 0) {
        snprintf(tmp, sizeof(tmp), "%lld", (long long)secs);
    } else if (strcmp(w, "UnixNano") == 0) {
        snprintf(tmp, sizeof(tmp), "%lld", (long long)now_ns);
    } else if (strcmp(w, "TimeStamp") == 0) {
        char z[8];
        localtime_r(&secs, &tm);
        strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%S", &tm);
        strftime(z, sizeof(z), "%z", &tm);
        if (strcmp(z, "+0000") == 0)
            snprintf(tmp + strlen(tmp), sizeof(tmp) - strlen(tmp), "Z");
        else
            snprintf(tmp + strlen(tmp), sizeof(tmp) - strlen(tmp), "%.3s:%.2s", z, z + 3);
    } else if (strcmp(w, "Time") == 0) {
        int h;
        localtime_r(&secs, &tm);
        h = tm.tm_hour % 12;
        snprintf(tmp, sizeof(tmp), "%d:%02d%s", h == 0 ? 12 : h, tm.tm_min,
                 tm.tm_hour < 12 ? "AM" : "PM");
    } else if (strcmp(w, "ID") == 0) {
        natsInbox *ib = NULL;
        if (natsInbox_Create(&ib) != NATS_OK)
            return false;
        snprintf(tmp, sizeof(tmp), "%s", (const char *)ib + strlen("_INBOX."));
        natsInbox_Destroy(ib);
    } else if (strcmp(w, "Request") == 0 && request) {
        sb_add(b, request, strlen(request));
        return true;
    } else if (strcmp(w, "Random") == 0) {
        char args[64];
        long lo = 0, hi = 0;
        size_t al = n - wl < sizeof(args) - 1 ? n - wl : sizeof(args) - 1;
        memcpy(args, act + wl, al);
        args[al] = '\0';
        if (sscanf(args, "%ld %ld", &lo, &hi) != 2 || lo < 0)
            return false;
        random_string(b, lo, hi);
        return true;
    } else {
        return false;
    }
    sb_add(b, tmp, strlen(tmp));
    return true;
}

char *cli_render_template(const char *tmpl, int count, const char *request, size_t *len)
{
    struct sbuf b = {0};
    const char *p = tmpl;
    int64_t now_ns;
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    now_ns = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
    sb_add(&b, "", 0);
    while (*p) {
        const char *open = strstr(p, "{{"), *close;
        if (!open) {
            sb_add(&b, p, strlen(p));
            break;
        }
        close = strstr(open + 2, "}}");
        if (!close) {
            sb_add(&b, p, strlen(p));
            break;
        }
        sb_add(&b, p, (size_t)(open - p));
        const char *a = open + 2, *e = close;
        if (*a == '-')
            a++;
        if (e > a && e[-1] == '-')
            e--;
        while (a < e && isspace((unsigned char)*a))
            a++;
        while (e > a && isspace((unsigned char)e[-1]))
            e--;
        if (!render_action(&b, a, (size_t)(e - a), count, request, now_ns))
            sb_add(&b, open, (size_t)(close + 2 - open));
        p = close + 2;
    }
    *len = b.len;
    return b.p;
}

static char *trim_dup(const char *s, size_t n)
{
    while (n > 0 && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    return xstrndup(s, n);
}

int cli_add_headers(struct cli *cli, natsMsg *m, const struct cli_strings *hdrs, int count)
{
    for (int i = 0; i < hdrs->n; i++) {
        const char *h = hdrs->v[i], *colon = strchr(h, ':');
        char *key, *val, *rendered;
        size_t rl;

        if (!colon) {
            char *q = cli_go_quote(h);
            cli_errorf(cli, "invalid header %s", q);
            free(q);
            return 1;
        }
        key = trim_dup(h, (size_t)(colon - h));
        val = trim_dup(colon + 1, strlen(colon + 1));
        rendered = cli_render_template(val, count, NULL, &rl);
        natsMsgHeader_Add(m, key, rendered);
        free(key);
        free(val);
        free(rendered);
    }
    return 0;
}

int cli_print_headers(struct cli *cli, natsMsg *m, bool as_log)
{
    const char **keys = NULL;
    int nk = 0, printed = 0;

    if (natsMsgHeader_Keys(m, &keys, &nk) != NATS_OK)
        return 0;
    for (int i = 0; i < nk; i++) {
        const char **vals = NULL;
        int nv = 0;
        if (natsMsgHeader_Values(m, keys[i], &vals, &nv) != NATS_OK)
            continue;
        for (int j = 0; j < nv; j++) {
            if (as_log)
                cli_logf(cli, "%s: %s", keys[i], vals[j]);
            else
                fprintf(cli->out, "%s: %s\n", keys[i], vals[j]);
            printed++;
        }
        free((void *)vals);
    }
    free((void *)keys);
    return printed;
}

bool cli_is_no_responders(natsMsg *m)
{
    const char *v = NULL;

    if (natsMsg_GetDataLength(m) != 0)
        return false;
    return natsMsgHeader_Get(m, "Status", &v) == NATS_OK && v && strcmp(v, "503") == 0;
}

/* nats.go's wording of the connect errors natscli prints. */
static const char *go_connect_error(natsStatus s)
{
    switch (s) {
    case NATS_NO_SERVER:
        return "nats: no servers available for connection";
    case NATS_TIMEOUT:
        return "nats: timeout";
    case NATS_NOT_PERMITTED:
    case NATS_CONNECTION_AUTH_FAILED:
        return "nats: Authorization Violation";
    default:
        return NULL;
    }
}

natsConnection *cli_connect_why(struct cli *cli, char *why, size_t why_n)
{
    natsOptions *o = NULL;
    natsConnection *nc = NULL;
    natsStatus s;
    char *list = xstrdup(cli->servers ? cli->servers : "nats://127.0.0.1:4222");
    const char *urls[64];
    int nurls = 0;

    for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok && nurls < 64;
         tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        if (*tok)
            urls[nurls++] = tok;
    }
    s = natsOptions_Create(&o);
    if (s == NATS_OK && nurls > 0)
        s = natsOptions_SetServers(o, urls, nurls);
    if (s == NATS_OK)
        s = natsOptions_SetName(o, cli->connection_name ? cli->connection_name
                                                        : "NATS CLI Version " NATS_CLI_VERSION);
    if (s == NATS_OK && (cli->user || cli->password))
        s = natsOptions_SetUserInfo(o, cli->user, cli->password);
    if (s == NATS_OK && cli->token)
        s = natsOptions_SetToken(o, cli->token);
    if (s == NATS_OK && cli->creds)
        s = natsOptions_SetUserCredentialsFromFiles(o, cli->creds, NULL);
    if (s == NATS_OK && cli->nkey)
        s = natsOptions_SetNKeyFromSeed(o, NULL, cli->nkey);
    if (s == NATS_OK && cli->tlsca)
        s = natsOptions_LoadCATrustedCertificates(o, cli->tlsca);
    if (s == NATS_OK && cli->tlscert && cli->tlskey)
        s = natsOptions_LoadCertificatesChain(o, cli->tlscert, cli->tlskey);
    if (s == NATS_OK && cli->timeout_ms > 0)
        s = natsOptions_SetTimeout(o, cli->timeout_ms);
    if (s == NATS_OK && cli->inbox_prefix)
        s = natsOptions_SetCustomInboxPrefix(o, cli->inbox_prefix);
    if (s == NATS_OK)
        s = natsOptions_SetMaxReconnect(o, -1);
    if (s == NATS_OK)
        s = natsConnection_Connect(&nc, o);
    natsOptions_Destroy(o);
    free(list);
    if (s != NATS_OK) {
        const char *go = go_connect_error(s);
        const char *detail = nats_GetLastError(NULL);
        if (go)
            snprintf(why, why_n, "%s", go);
        else
            snprintf(why, why_n, "nats: %s", detail && *detail ? detail : natsStatus_GetText(s));
        return NULL;
    }
    return nc;
}

natsConnection *cli_connect(struct cli *cli)
{
    char why[512];
    natsConnection *nc = cli_connect_why(cli, why, sizeof(why));

    if (!nc)
        cli_errorf(cli, "%s", why);
    return nc;
}

char *cli_new_inbox(struct cli *cli)
{
    natsInbox *ib = NULL;
    const char *prefix = cli->inbox_prefix ? cli->inbox_prefix : "_INBOX";
    const char *nuid;
    size_t n;
    char *out;

    if (natsInbox_Create(&ib) != NATS_OK)
        abort(); /* only fails on OOM */
    nuid = (const char *)ib + strlen("_INBOX.");
    n = strlen(prefix) + strlen(nuid) + 2;
    out = xmalloc(n);
    snprintf(out, n, "%s.%s", prefix, nuid);
    natsInbox_Destroy(ib);
    return out;
}

void cli_print_body(struct cli *cli, const char *data, int len)
{
    if (len > 0)
        fwrite(data, 1, (size_t)len, cli->out);
    fputc('\n', cli->out);
    if (len == 0 || data[len - 1] != '\n')
        fputc('\n', cli->out);
    fflush(cli->out);
}

int cli_command_start(struct cli *cli, const char *usage, const struct cli_flag *flags, int argc,
                      char **argv, int min_pos, int max_pos, const char *first_name,
                      char ***pos, int *npos, natsConnection **nc, int *exit_code)
{
    int rc = cli_parse_flags(cli, usage, flags, argc, argv, pos, npos);
    *nc = NULL;
    *exit_code = 0;
    if (rc != 0) {
        *exit_code = rc < 0 ? 1 : 0;
        return -1;
    }
    if (*npos < min_pos) {
        *exit_code = cli_errorf(cli, "required argument '%s' not provided, try --help", first_name);
        return -1;
    }
    if (*npos > max_pos) {
        *exit_code = cli_errorf(cli, "unexpected %s, try --help", (*pos)[max_pos]);
        return -1;
    }
    *nc = cli_connect(cli);
    if (!*nc) {
        *exit_code = 1;
        return -1;
    }
    return 0;
}
