/* Endpoint options from a URL query or a $SYS request body, with the reference's error texts
 * (Go's strconv messages inside nats-server's decode helpers). */
#include "monitor/monitor.h"

#include "core/xmalloc.h"
#include "monitor/http_parse.h"
#include "server/opts.h"
#include "sublist/subject.h"

#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define VAL_MAX 1024

static const char *const sort_names[] = {
    [MON_SORT_CID] = "cid",           [MON_SORT_START] = "start",
    [MON_SORT_SUBS] = "subs",         [MON_SORT_PENDING] = "pending",
    [MON_SORT_MSGS_TO] = "msgs_to",   [MON_SORT_MSGS_FROM] = "msgs_from",
    [MON_SORT_BYTES_TO] = "bytes_to", [MON_SORT_BYTES_FROM] = "bytes_from",
    [MON_SORT_LAST] = "last",         [MON_SORT_IDLE] = "idle",
    [MON_SORT_UPTIME] = "uptime",     [MON_SORT_STOP] = "stop",
    [MON_SORT_REASON] = "reason",
};

static void set_err(char *err, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
}

/* strconv's "parsing %q: <why>" */
static void strconv_err(char *err, size_t cap, const char *what, const char *param,
                        const char *fn, const char *val, const char *why)
{
    char *q = opts_go_quote(val);
    char head[160];
    snprintf(head, sizeof(head), "Error decoding %s for '%s': %s: parsing ", what, param, fn);
    set_err(err, cap, "%s%s: %s", head, q, why);
    free(q);
}

/* Go's strconv.Atoi on a 64-bit platform, then narrowed to int. */
static int parse_int(const char *param, const char *v, int *out, char *err, size_t cap)
{
    const char *p = v;
    long long x = 0;
    bool neg = false, range = false;
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    if (!*p)
        goto syntax;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            goto syntax;
        if (x > (LLONG_MAX - (*p - '0')) / 10)
            range = true;
        else
            x = x * 10 + (*p - '0');
    }
    if (range) {
        strconv_err(err, cap, "int", param, "strconv.Atoi", v, "value out of range");
        return -1;
    }
    x = neg ? -x : x;
    *out = x > INT_MAX ? INT_MAX : x < INT_MIN ? INT_MIN : (int)x;
    return 0;
syntax:
    strconv_err(err, cap, "int", param, "strconv.Atoi", v, "invalid syntax");
    return -1;
}

static int parse_u64(const char *param, const char *v, uint64_t *out, char *err, size_t cap)
{
    uint64_t x = 0;
    if (!*v)
        goto syntax;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9')
            goto syntax;
    }
    for (const char *p = v; *p; p++) {
        if (x > (UINT64_MAX - (uint64_t)(*p - '0')) / 10) {
            strconv_err(err, cap, "uint64", param, "strconv.ParseUint", v, "value out of range");
            return -1;
        }
        x = x * 10 + (uint64_t)(*p - '0');
    }
    *out = x;
    return 0;
syntax:
    strconv_err(err, cap, "uint64", param, "strconv.ParseUint", v, "invalid syntax");
    return -1;
}

/* Go's strconv.ParseBool. */
static int parse_bool(const char *param, const char *v, bool *out, char *err, size_t cap)
{
    static const char *const t[] = {"1", "t", "T", "TRUE", "true", "True"};
    static const char *const f[] = {"0", "f", "F", "FALSE", "false", "False"};
    for (size_t i = 0; i < 6; i++) {
        if (!strcmp(v, t[i])) {
            *out = true;
            return 0;
        }
        if (!strcmp(v, f[i])) {
            *out = false;
            return 0;
        }
    }
    strconv_err(err, cap, "boolean", param, "strconv.ParseBool", v, "invalid syntax");
    return -1;
}

/* A query value, or NULL when absent or empty (the reference ignores empty values). */
static const char *qget(const char *q, size_t n, const char *name, char *buf)
{
    if (!q || !http_query_get(q, n, name, buf, VAL_MAX) || !*buf)
        return NULL;
    return buf;
}

static int parse_sort(const char *v, enum mon_sort *out, char *err, size_t cap)
{
    for (size_t i = 0; i < sizeof(sort_names) / sizeof(sort_names[0]); i++) {
        if (!strcmp(v, sort_names[i])) {
            *out = (enum mon_sort)i;
            return 0;
        }
    }
    set_err(err, cap, "invalid sorting option: %s", v);
    return -1;
}

static int check_connz(struct mon_connz_opts *o, char *err, size_t cap)
{
    if (o->state == MON_STATE_OPEN && (o->sort == MON_SORT_STOP || o->sort == MON_SORT_REASON)) {
        set_err(err, cap, "sort by %s only valid on closed connections", sort_names[o->sort]);
        return -1;
    }
    if (o->offset < 0)
        o->offset = 0;
    if (o->limit <= 0)
        o->limit = MON_DEFAULT_LIMIT;
    return 0;
}

void mon_connz_opts_init(struct mon_connz_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->limit = MON_DEFAULT_LIMIT;
}

void mon_subsz_opts_init(struct mon_subsz_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->limit = MON_DEFAULT_LIMIT;
}

int mon_connz_opts_from_query(const char *q, size_t n, struct mon_connz_opts *o, char *err,
                              size_t cap)
{
    char *buf = xmalloc(VAL_MAX);
    const char *v;
    int rc = -1;

    mon_connz_opts_init(o);
    if ((v = qget(q, n, "sort", buf)) && parse_sort(v, &o->sort, err, cap))
        goto out;
    if ((v = qget(q, n, "auth", buf)) && parse_bool("auth", v, &o->auth, err, cap))
        goto out;
    if ((v = qget(q, n, "subs", buf))) {
        if (!strcmp(v, "detail"))
            o->subs = o->subs_detail = true;
        else if (parse_bool("subs", v, &o->subs, err, cap))
            goto out;
    }
    if ((v = qget(q, n, "offset", buf)) && parse_int("offset", v, &o->offset, err, cap))
        goto out;
    if ((v = qget(q, n, "limit", buf)) && parse_int("limit", v, &o->limit, err, cap))
        goto out;
    if ((v = qget(q, n, "cid", buf)) && parse_u64("cid", v, &o->cid, err, cap))
        goto out;
    if ((v = qget(q, n, "state", buf))) {
        if (!strcasecmp(v, "open"))
            o->state = MON_STATE_OPEN;
        else if (!strcasecmp(v, "closed"))
            o->state = MON_STATE_CLOSED;
        else if (!strcasecmp(v, "any") || !strcasecmp(v, "all"))
            o->state = MON_STATE_ALL;
        else {
            set_err(err, cap, "Error decoding state for %s", v);
            goto out;
        }
    }
    if ((v = qget(q, n, "user", buf)))
        snprintf(o->user, sizeof(o->user), "%s", v);
    if ((v = qget(q, n, "acc", buf)))
        snprintf(o->acc, sizeof(o->acc), "%s", v);
    rc = check_connz(o, err, cap);
out:
    free(buf);
    return rc;
}

int mon_subsz_opts_from_query(const char *q, size_t n, struct mon_subsz_opts *o, char *err,
                              size_t cap)
{
    char *buf = xmalloc(VAL_MAX);
    const char *v;
    int rc = -1;

    mon_subsz_opts_init(o);
    if ((v = qget(q, n, "subs", buf)) && parse_bool("subs", v, &o->subs, err, cap))
        goto out;
    if ((v = qget(q, n, "offset", buf)) && parse_int("offset", v, &o->offset, err, cap))
        goto out;
    if ((v = qget(q, n, "limit", buf)) && parse_int("limit", v, &o->limit, err, cap))
        goto out;
    if ((v = qget(q, n, "test", buf))) {
        if (!subj_is_valid_literal(v, strlen(v)) || strlen(v) >= sizeof(o->test)) {
            set_err(err, cap, "invalid test subject, must be valid publish subject: %s", v);
            goto out;
        }
        snprintf(o->test, sizeof(o->test), "%s", v);
    }
    if ((v = qget(q, n, "acc", buf))) {
        snprintf(o->acc, sizeof(o->acc), "%s", v);
    }
    if (o->offset < 0)
        o->offset = 0;
    if (o->limit <= 0)
        o->limit = MON_DEFAULT_LIMIT;
    rc = 0;
out:
    free(buf);
    return rc;
}

int mon_healthz_opts_from_query(const char *q, size_t n, struct mon_healthz_opts *o, char *err,
                                size_t cap)
{
    char *buf = xmalloc(VAL_MAX);
    const char *v;
    int rc = -1;

    memset(o, 0, sizeof(*o));
    if ((v = qget(q, n, "js-enabled-only", buf)) &&
        parse_bool("js-enabled-only", v, &o->js_enabled_only, err, cap))
        goto out;
    if ((v = qget(q, n, "js-server-only", buf)) &&
        parse_bool("js-server-only", v, &o->js_server_only, err, cap))
        goto out;
    rc = 0;
out:
    free(buf);
    return rc;
}

/* JSON bodies: a wrong type is an error, as Go's json.Unmarshal would report it. */
static int jbool(const json_t *b, const char *k, bool *out, char *err, size_t cap)
{
    const json_t *v = json_object_get(b, k);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_boolean(v)) {
        set_err(err, cap, "json: cannot unmarshal into field %s of type bool", k);
        return -1;
    }
    *out = json_is_true(v);
    return 0;
}

static int jint(const json_t *b, const char *k, long long *out, char *err, size_t cap)
{
    const json_t *v = json_object_get(b, k);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_integer(v)) {
        set_err(err, cap, "json: cannot unmarshal into field %s of type int", k);
        return -1;
    }
    *out = json_integer_value(v);
    return 0;
}

static int jstr(const json_t *b, const char *k, const char **out, char *err, size_t cap)
{
    const json_t *v = json_object_get(b, k);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v)) {
        set_err(err, cap, "json: cannot unmarshal into field %s of type string", k);
        return -1;
    }
    *out = json_string_value(v);
    return 0;
}

int mon_connz_opts_from_json(const json_t *b, struct mon_connz_opts *o, char *err, size_t cap)
{
    long long off = 0, lim = 0, cid = 0, state = 0;
    const char *sort = NULL, *user = NULL, *acc = NULL;

    mon_connz_opts_init(o);
    if (!b)
        return 0;
    if (jstr(b, "sort", &sort, err, cap) || jbool(b, "auth", &o->auth, err, cap) ||
        jbool(b, "subscriptions", &o->subs, err, cap) ||
        jbool(b, "subscriptions_detail", &o->subs_detail, err, cap) ||
        jint(b, "offset", &off, err, cap) || jint(b, "limit", &lim, err, cap) ||
        jint(b, "cid", &cid, err, cap) || jint(b, "state", &state, err, cap) ||
        jstr(b, "user", &user, err, cap) || jstr(b, "acc", &acc, err, cap))
        return -1;
    if (acc)
        snprintf(o->acc, sizeof(o->acc), "%s", acc);
    if (sort && *sort && parse_sort(sort, &o->sort, err, cap))
        return -1;
    if (state < 0 || state > 2) {
        set_err(err, cap, "invalid connection state");
        return -1;
    }
    if (o->subs_detail)
        o->subs = true;
    o->offset = off > INT_MAX ? INT_MAX : off < 0 ? 0 : (int)off;
    o->limit = lim > INT_MAX ? INT_MAX : lim < 0 ? 0 : (int)lim;
    o->cid = cid > 0 ? (uint64_t)cid : 0;
    o->state = (enum mon_state)state;
    if (user)
        snprintf(o->user, sizeof(o->user), "%s", user);
    return check_connz(o, err, cap);
}

int mon_subsz_opts_from_json(const json_t *b, struct mon_subsz_opts *o, char *err, size_t cap)
{
    long long off = 0, lim = 0;
    const char *test = NULL, *acc = NULL;

    mon_subsz_opts_init(o);
    if (!b)
        return 0;
    if (jbool(b, "subscriptions", &o->subs, err, cap) || jint(b, "offset", &off, err, cap) ||
        jint(b, "limit", &lim, err, cap) || jstr(b, "test", &test, err, cap) ||
        jstr(b, "acc", &acc, err, cap))
        return -1;
    if (acc)
        snprintf(o->acc, sizeof(o->acc), "%s", acc);
    if (test && *test) {
        if (!subj_is_valid_literal(test, strlen(test)) || strlen(test) >= sizeof(o->test)) {
            set_err(err, cap, "invalid test subject, must be valid publish subject: %s", test);
            return -1;
        }
        snprintf(o->test, sizeof(o->test), "%s", test);
    }
    o->offset = off > INT_MAX ? INT_MAX : off < 0 ? 0 : (int)off;
    o->limit = lim <= 0 ? MON_DEFAULT_LIMIT : lim > INT_MAX ? INT_MAX : (int)lim;
    return 0;
}
