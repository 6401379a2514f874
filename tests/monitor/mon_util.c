/* Monitoring test helpers: see mon_util.h. */
#include "mon_util.h"

#include "test.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

char *http_raw(int port, const char *req, size_t n, size_t *len, int timeout_ms)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    size_t cap = 4096, got = 0;
    char *buf;
    long long deadline = wire_now_ms() + timeout_ms;

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    for (size_t off = 0; off < n;) {
        ssize_t k = send(fd, req + off, n - off, MSG_NOSIGNAL);
        if (k <= 0)
            break; /* the server may answer and close before taking everything */
        off += (size_t)k;
    }
    buf = malloc(cap);
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        long long left = deadline - wire_now_ms();
        ssize_t k;
        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            break;
        if (got + 1024 > cap)
            buf = realloc(buf, cap *= 2);
        k = recv(fd, buf + got, cap - got - 1, 0);
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    close(fd);
    buf[got] = '\0';
    if (len)
        *len = got;
    return buf;
}

int http_get(int port, const char *path, struct http_resp *r)
{
    char req[2048];
    size_t len;
    char *raw;
    int n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
                     path);
    memset(r, 0, sizeof(*r));
    raw = http_raw(port, req, (size_t)n, &len, 5000);
    if (!raw)
        return -1;
    return http_resp_parse(raw, len, r);
}

int http_resp_parse(char *raw, size_t len, struct http_resp *r)
{
    char *sep;
    memset(r, 0, sizeof(*r));
    sep = strstr(raw, "\r\n\r\n");
    if (!sep || sscanf(raw, "HTTP/1.%*d %d", &r->status) != 1) {
        free(raw);
        return -1;
    }
    *sep = '\0';
    r->head = raw;
    r->body_len = len - (size_t)(sep + 4 - raw);
    r->body = malloc(r->body_len + 1);
    memcpy(r->body, sep + 4, r->body_len);
    r->body[r->body_len] = '\0';
    /* Go's net/http sends large answers chunked: decode them */
    {
        char *te = http_header(r, "Transfer-Encoding");
        if (te && !strcasecmp(te, "chunked")) {
            char *in = r->body, *out = malloc(r->body_len + 1), *p = in;
            size_t o = 0;
            for (;;) {
                char *end;
                unsigned long cn = strtoul(p, &end, 16);
                char *line = strstr(p, "\r\n");
                if (end == p || !line || cn == 0 || line + 2 + cn > in + r->body_len)
                    break;
                memcpy(out + o, line + 2, cn);
                o += cn;
                p = line + 2 + cn + 2;
            }
            out[o] = '\0';
            free(in);
            r->body = out;
            r->body_len = o;
        }
        free(te);
    }
    return 0;
}

void http_resp_free(struct http_resp *r)
{
    free(r->head);
    free(r->body);
    memset(r, 0, sizeof(*r));
}

char *http_header(const struct http_resp *r, const char *name)
{
    size_t nl = strlen(name);
    for (const char *p = strstr(r->head, "\r\n"); p; p = strstr(p + 2, "\r\n")) {
        const char *h = p + 2, *e;
        if (strncasecmp(h, name, nl) == 0 && h[nl] == ':') {
            h += nl + 1;
            while (*h == ' ')
                h++;
            e = strstr(h, "\r\n");
            return e ? strndup(h, (size_t)(e - h)) : strdup(h);
        }
    }
    return NULL;
}

json_t *http_get_json(int port, const char *path)
{
    struct http_resp r;
    json_error_t je;
    json_t *j;
    if (http_get(port, path, &r) != 0)
        test_fail(__FILE__, __LINE__, "GET %s on port %d: no answer", path, port);
    if (r.status != 200) {
        int st = r.status;
        http_resp_free(&r);
        test_fail(__FILE__, __LINE__, "GET %s: status %d", path, st);
    }
    j = json_loads(r.body, 0, &je);
    if (!j) {
        http_resp_free(&r);
        test_fail(__FILE__, __LINE__, "GET %s: not JSON: %s", path, je.text);
    }
    http_resp_free(&r);
    return j;
}

int mon_start(struct server_proc *sp, const char *bin, int *http_port, const char *const *extra)
{
    char mport[16];
    const char *args[32];
    int n = 0;
    *http_port = proc_free_port();
    snprintf(mport, sizeof(mport), "%d", *http_port);
    args[n++] = "-m";
    args[n++] = mport;
    for (int i = 0; extra && extra[i] && n < 30; i++)
        args[n++] = extra[i];
    args[n] = NULL;
    memset(sp, 0, sizeof(*sp));
    if (proc_start(sp, bin, args) != 0)
        return -1;
    /* the monitor may come up just after the client port */
    for (int i = 0; i < 100; i++) {
        struct http_resp r;
        if (http_get(*http_port, "/healthz", &r) == 0) {
            http_resp_free(&r);
            return 0;
        }
        wire_sleep_ms(50);
    }
    return -1;
}

void mon_load(int port, struct wire *w[3])
{
    static const char *const names[] = {"alpha", "beta", "gamma"};
    struct wire *x;
    for (int i = 0; i < 3; i++) {
        w[i] = wire_connect(port);
        ASSERT(w[i] != NULL);
        free(wire_info(w[i], WIRE_TIMEOUT_MS));
        wire_sendf(w[i],
                   "CONNECT {\"verbose\":false,\"pedantic\":false,\"name\":\"%s\",\"lang\":\"c\","
                   "\"version\":\"1.%d\",\"protocol\":1,\"headers\":true}\r\n",
                   names[i], i);
        wire_sendf(w[i], "SUB foo.%d 1\r\nSUB bar q 2\r\nSUB all.> 3\r\n", i);
        WIRE_PING_PONG(w[i]);
    }
    for (int i = 0; i < 3; i++) {
        for (int k = 0; k < 5; k++)
            wire_sendf(w[i], "PUB foo.%d 5\r\nhello\r\nPUB all.x 3\r\nabc\r\nPUB bar 2\r\nhi\r\n",
                       (i + 1) % 3);
        wire_send(w[i], "PING\r\n");
        free(WIRE_UNTIL(w[i], "PONG\r\n"));
    }
    x = wire_connect(port);
    ASSERT(x != NULL);
    free(wire_info(x, WIRE_TIMEOUT_MS));
    wire_send(x, "CONNECT {\"verbose\":false,\"name\":\"gone\"}\r\nSUB tmp 9\r\nPUB foo.0 1\r\nx\r\n"
                 "PING\r\n");
    free(WIRE_UNTIL(x, "PONG\r\n"));
    wire_close(x);
    for (int i = 0; i < 3; i++)
        free(wire_drain(w[i], 100));
}

/* ---- JSON shapes ---- */

static const char *jtype(const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT:
        return "object";
    case JSON_ARRAY:
        return "array";
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "bool";
    case JSON_NULL:
        return "null";
    }
    return "?";
}

static bool listed(const char *const *list, const char *path)
{
    for (int i = 0; list && list[i]; i++)
        if (!strcmp(list[i], path))
            return true;
    return false;
}

struct diffctx {
    const char *const *missing_ok, *const *extra_ok;
    char *err;
    size_t cap, len;
    int n;
};

static void note(struct diffctx *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct diffctx *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (d->len < d->cap)
        d->len += (size_t)vsnprintf(d->err + d->len, d->cap - d->len, fmt, ap);
    va_end(ap);
    if (d->len > d->cap)
        d->len = d->cap;
    d->n++;
}

static void diff_rec(struct diffctx *d, const json_t *ref, const json_t *ours, const char *path)
{
    char sub[512];
    const char *k;
    json_t *v;

    if (strcmp(jtype(ref), jtype(ours)) != 0) {
        /* null in the reference (e.g. "leafs": null) is an empty list natrium may print as
         * null too; any other mismatch counts */
        note(d, "  %s: type %s in the reference, %s in natrium\n", path, jtype(ref), jtype(ours));
        return;
    }
    if (json_is_object(ref)) {
        json_object_foreach((json_t *)ref, k, v) {
            json_t *o = json_object_get(ours, k);
            snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "", k);
            if (!o) {
                if (!listed(d->missing_ok, sub))
                    note(d, "  %s: missing in natrium\n", sub);
                continue;
            }
            diff_rec(d, v, o, sub);
        }
        json_object_foreach((json_t *)ours, k, v) {
            snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "", k);
            if (!json_object_get(ref, k) && !listed(d->extra_ok, sub))
                note(d, "  %s: only in natrium\n", sub);
        }
    } else if (json_is_array(ref)) {
        /* arrays of objects: the union of their elements' keys (omitempty fields show up on
         * some elements only, and the order differs); other arrays: the first element */
        snprintf(sub, sizeof(sub), "%s[]", path);
        if (json_array_size(ref) > 0 && json_array_size(ours) > 0) {
            if (json_is_object(json_array_get(ref, 0)) && json_is_object(json_array_get(ours, 0))) {
                json_t *ru = json_object(), *ou = json_object(), *e;
                size_t i;
                json_array_foreach((json_t *)ref, i, e)
                    if (json_is_object(e))
                        json_object_update_missing(ru, e);
                json_array_foreach((json_t *)ours, i, e)
                    if (json_is_object(e))
                        json_object_update_missing(ou, e);
                diff_rec(d, ru, ou, sub);
                json_decref(ru);
                json_decref(ou);
            } else {
                diff_rec(d, json_array_get(ref, 0), json_array_get(ours, 0), sub);
            }
        }
    }
}

int json_shape_diff(const json_t *ref, const json_t *ours, const char *const *missing_ok,
                    const char *const *extra_ok, char *err, size_t cap)
{
    struct diffctx d = {missing_ok, extra_ok, err, cap, 0, 0};
    err[0] = '\0';
    diff_rec(&d, ref, ours, "");
    return d.n;
}

/* ---- Prometheus text format ---- */

#define PROM_MAX_FAMILIES 256
#define PROM_MAX_SERIES 2048

static bool name_ok(const char *s, size_t n, bool colon)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = isalpha((unsigned char)c) || c == '_' || (colon && c == ':') ||
                  (i > 0 && isdigit((unsigned char)c));
        if (!ok)
            return false;
    }
    return true;
}

static bool value_ok(const char *s)
{
    char *end;
    if (!strcmp(s, "+Inf") || !strcmp(s, "-Inf") || !strcmp(s, "NaN"))
        return true;
    errno = 0;
    strtod(s, &end);
    return end != s && *end == '\0' && errno == 0;
}

struct fam {
    char name[256];
    char type[16];
    bool help, samples, closed;
};

static struct fam *fam_find(struct fam *f, int n, const char *name, size_t nl)
{
    for (int i = 0; i < n; i++)
        if (strlen(f[i].name) == nl && !strncmp(f[i].name, name, nl))
            return &f[i];
    return NULL;
}

int prom_check(const char *text, char *err, size_t cap)
{
    static const char *const types[] = {"counter", "gauge", "histogram", "summary", "untyped"};
    struct fam *fams = calloc(PROM_MAX_FAMILIES, sizeof(*fams));
    char **series = calloc(PROM_MAX_SERIES, sizeof(*series));
    int nf = 0, ns = 0, lineno = 0, rc = -1;
    struct fam *cur = NULL;
    const char *p = text;

#define BAD(...)                                                                                   \
    do {                                                                                           \
        int o_ = snprintf(err, cap, "line %d: ", lineno);                                          \
        snprintf(err + o_, cap - (size_t)o_, __VA_ARGS__);                                         \
        goto out;                                                                                  \
    } while (0)

    if (!*text) {
        snprintf(err, cap, "empty exposition");
        goto out;
    }
    if (text[strlen(text) - 1] != '\n') {
        snprintf(err, cap, "does not end with a newline");
        goto out;
    }
    while (*p) {
        const char *e = strchr(p, '\n');
        char line[4096];
        size_t ll = (size_t)(e - p);
        lineno++;
        if (ll >= sizeof(line))
            BAD("line too long");
        memcpy(line, p, ll);
        line[ll] = '\0';
        p = e + 1;
        if (ll == 0)
            continue;
        if (line[0] == '#') {
            char kw[8], name[256], rest[1024] = "";
            int n = sscanf(line, "# %7s %255s %1023[^\n]", kw, name, rest);
            struct fam *f;
            if (n < 2 || (strcmp(kw, "HELP") && strcmp(kw, "TYPE")))
                continue; /* a plain comment */
            if (!name_ok(name, strlen(name), true))
                BAD("bad metric name in %s: %s", kw, name);
            f = fam_find(fams, nf, name, strlen(name));
            if (!f) {
                if (nf == PROM_MAX_FAMILIES)
                    BAD("too many families");
                f = &fams[nf++];
                snprintf(f->name, sizeof(f->name), "%s", name);
            }
            if (f->samples)
                BAD("%s for %s after its samples", kw, name);
            if (!strcmp(kw, "HELP")) {
                if (f->help)
                    BAD("second HELP for %s", name);
                f->help = true;
            } else {
                bool known = false;
                if (f->type[0])
                    BAD("second TYPE for %s", name);
                for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
                    known |= !strcmp(rest, types[i]);
                if (!known)
                    BAD("unknown type \"%s\" for %s", rest, name);
                snprintf(f->type, sizeof(f->type), "%.15s", rest); /* a known type */
                if (!strcmp(rest, "counter") &&
                    (strlen(name) < 6 || strcmp(name + strlen(name) - 6, "_total")))
                    BAD("counter %s does not end in _total", name);
            }
            continue;
        }
        /* a sample: name[{labels}] value [timestamp] */
        {
            size_t nl = strcspn(line, "{ ");
            char *q = line + nl, *val, *ts;
            char key[4096];
            struct fam *f;
            if (!name_ok(line, nl, true))
                BAD("bad metric name: %.*s", (int)nl, line);
            f = fam_find(fams, nf, line, nl);
            if (!f || !f->type[0])
                BAD("sample %.*s without a TYPE line before it", (int)nl, line);
            if (cur && cur != f && f->samples)
                BAD("samples of %s are not contiguous", f->name);
            if (cur && cur != f)
                cur->closed = true;
            cur = f;
            f->samples = true;
            if (*q == '{') {
                q++;
                while (*q != '}') {
                    size_t ln = strcspn(q, "=");
                    if (!name_ok(q, ln, false) || q[ln] != '=' || q[ln + 1] != '"')
                        BAD("bad label in %s", line);
                    q += ln + 2;
                    while (*q && *q != '"') {
                        if (*q == '\\') {
                            if (q[1] != '\\' && q[1] != '"' && q[1] != 'n')
                                BAD("bad escape in a label value");
                            q++;
                        }
                        q++;
                    }
                    if (*q != '"')
                        BAD("unterminated label value");
                    q++;
                    if (*q == ',')
                        q++;
                    else if (*q != '}')
                        BAD("expected , or } in labels");
                }
                q++;
            }
            if (*q != ' ')
                BAD("no space before the value");
            snprintf(key, sizeof(key), "%.*s", (int)(q - line), line);
            val = q + 1;
            ts = strchr(val, ' ');
            if (ts) {
                *ts++ = '\0';
                for (char *t = ts; *t; t++)
                    if (!isdigit((unsigned char)*t) && !(t == ts && *t == '-'))
                        BAD("bad timestamp");
            }
            if (!value_ok(val))
                BAD("bad value \"%s\"", val);
            for (int i = 0; i < ns; i++)
                if (!strcmp(series[i], key))
                    BAD("duplicate series %s", key);
            if (ns == PROM_MAX_SERIES)
                BAD("too many series");
            series[ns++] = strdup(key);
        }
    }
    rc = 0;
out:
#undef BAD
    for (int i = 0; i < ns; i++)
        free(series[i]);
    free(series);
    free(fams);
    return rc;
}

double prom_value(const char *text, const char *series)
{
    size_t n = strlen(series);
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (!strncmp(p, series, n) && p[n] == ' ')
            return strtod(p + n + 1, NULL);
    }
    return -1;
}
