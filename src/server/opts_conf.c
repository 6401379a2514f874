/* Applies a parsed configuration file to struct options (mirrors server/opts.go 2.9.10
 * ProcessConfigFile / processConfigFileLine / parseAuthorization / parseListen /
 * parseDuration). Keys are matched ASCII case-insensitively through one table. Like the
 * reference, every key is processed and all problems are collected; the error text lists the
 * warnings, then the errors, each as "<file>:<line>:<col>: <reason>\n" at the key. A wrong value
 * type gives Go's "interface conversion: interface {} is T, not U" text, as 2.9.10 shows it. */
#include "server/opts_conf.h"
#include "server/opts_conf_int.h"
#include "server/auth.h"

#include "conf/conf.h"
#include "core/units.h"
#include "core/xmalloc.h"
#include "server/tls.h"
#include "server/tls_names.h"

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum kind {
    K_STRING,        /* char * */
    K_BOOL,          /* bool */
    K_INT,           /* int */
    K_INT64,         /* int64_t */
    K_INT64_I32,     /* int64_t, at most 2^31-1 (an int32 in the reference) */
    K_DURATION,      /* int64_t milliseconds: "2m", or a bare integer of seconds (warning) */
    K_LISTEN,        /* host:port, :port or a port number */
    K_HTTP,          /* http: the monitoring listener, host:port or a port number */
    K_HTTPS,         /* https: the same for HTTPS monitoring (host into http_host) */
    K_TRACE_VERBOSE, /* sets trace_verbose and trace */
    K_AUTH,          /* authorization { } */
    K_ACCOUNTS,      /* accounts { } */
    K_SUB_TOKENS,    /* max_sub_tokens: 0..255 */
    K_LDM_DURATION,  /* a Go duration string only (time.ParseDuration) */
    K_TLS,           /* tls { } */
    K_LOOPS,         /* int, 0 or more */
    K_OPERATOR,      /* operator: a JWT or its file (opts_operator.c) */
    K_TRUSTED,       /* trusted / trusted_keys */
    K_RESOLVER,      /* resolver: MEMORY */
    K_PRELOAD,       /* resolver_preload { account: jwt } */
    K_UNSUPPORTED,   /* known to 2.9.10, not implemented by natrium yet */
};

struct key_rule {
    const char *name; /* lower case */
    enum kind kind;
    size_t off; /* field in struct options */
};

#define F(field) offsetof(struct options, field)

static const struct key_rule top_rules[] = {
    {"listen", K_LISTEN, 0},
    {"port", K_INT, F(port)},
    {"host", K_STRING, F(host)},
    {"net", K_STRING, F(host)},
    {"server_name", K_STRING, F(server_name)},
    {"debug", K_BOOL, F(debug)},
    {"trace", K_BOOL, F(trace)},
    {"trace_verbose", K_TRACE_VERBOSE, 0},
    {"logtime", K_BOOL, F(logtime)},
    {"logfile", K_STRING, F(log_file)},
    {"log_file", K_STRING, F(log_file)},
    {"pidfile", K_STRING, F(pid_file)},
    {"pid_file", K_STRING, F(pid_file)},
    {"ports_file_dir", K_STRING, F(ports_file_dir)},
    {"max_control_line", K_INT64_I32, F(max_control_line)},
    {"max_payload", K_INT64_I32, F(max_payload)},
    {"max_pending", K_INT64, F(max_pending)},
    {"max_connections", K_INT, F(max_connections)},
    {"max_conn", K_INT, F(max_connections)},
    {"max_subscriptions", K_INT, F(max_subs)},
    {"max_subs", K_INT, F(max_subs)},
    {"ping_interval", K_DURATION, F(ping_interval_ms)},
    {"ping_max", K_INT, F(ping_max)},
    {"write_deadline", K_DURATION, F(write_deadline_ms)},
    {"authorization", K_AUTH, 0},
    {"accounts", K_ACCOUNTS, 0},
    {"no_auth_user", K_STRING, F(auth.no_auth_user)},
    {"system_account", K_STRING, F(auth.system_account)},
    {"system", K_STRING, F(auth.system_account)},
    {"no_system_account", K_BOOL, F(auth.no_system_account)},
    {"no_system", K_BOOL, F(auth.no_system_account)},
    {"no_sys_acc", K_BOOL, F(auth.no_system_account)},
    {"max_sub_tokens", K_SUB_TOKENS, F(max_sub_tokens)},
    {"max_subscription_tokens", K_SUB_TOKENS, F(max_sub_tokens)},
    /* natrium's own */
    {"connect_timeout", K_DURATION, F(connect_timeout_ms)},
    {"loops", K_LOOPS, F(nloops)},
    /* the rest of 2.9.10's top-level keys */
    {"client_advertise", K_UNSUPPORTED, 0},
    {"mappings", K_UNSUPPORTED, 0},
    {"maps", K_UNSUPPORTED, 0},
    {"disable_sublist_cache", K_UNSUPPORTED, 0},
    {"no_sublist_cache", K_UNSUPPORTED, 0},
    {"http", K_HTTP, 0},
    {"https", K_HTTPS, 0},
    {"http_port", K_INT, F(http_port)},
    {"monitor_port", K_INT, F(http_port)},
    {"https_port", K_INT, F(https_port)},
    {"http_base_path", K_STRING, F(http_base_path)},
    {"cluster", K_UNSUPPORTED, 0},
    {"gateway", K_UNSUPPORTED, 0},
    {"leaf", K_UNSUPPORTED, 0},
    {"leafnodes", K_UNSUPPORTED, 0},
    {"store_dir", K_UNSUPPORTED, 0},
    {"storedir", K_UNSUPPORTED, 0},
    {"jetstream", K_UNSUPPORTED, 0},
    {"logfile_size_limit", K_UNSUPPORTED, 0},
    {"log_size_limit", K_UNSUPPORTED, 0},
    {"syslog", K_UNSUPPORTED, 0},
    {"remote_syslog", K_UNSUPPORTED, 0},
    {"prof_port", K_UNSUPPORTED, 0},
    {"max_traced_msg_len", K_UNSUPPORTED, 0},
    {"tls", K_TLS, 0},
    {"ocsp", K_UNSUPPORTED, 0},
    {"allow_non_tls", K_BOOL, F(allow_non_tls)},
    {"lame_duck_duration", K_LDM_DURATION, F(lame_duck_duration_ms)},
    {"lame_duck_grace_period", K_LDM_DURATION, F(lame_duck_grace_ms)},
    {"operator", K_OPERATOR, 0},
    {"operators", K_OPERATOR, 0},
    {"roots", K_OPERATOR, 0},
    {"root", K_OPERATOR, 0},
    {"root_operators", K_OPERATOR, 0},
    {"root_operator", K_OPERATOR, 0},
    {"resolver", K_RESOLVER, 0},
    {"account_resolver", K_RESOLVER, 0},
    {"accounts_resolver", K_RESOLVER, 0},
    {"resolver_tls", K_UNSUPPORTED, 0},
    {"resolver_preload", K_PRELOAD, 0},
    {"resolver_pinned_accounts", K_UNSUPPORTED, 0},
    {"no_header_support", K_UNSUPPORTED, 0},
    {"trusted", K_TRUSTED, 0},
    {"trusted_keys", K_TRUSTED, 0},
    {"connect_error_reports", K_UNSUPPORTED, 0},
    {"reconnect_error_reports", K_UNSUPPORTED, 0},
    {"websocket", K_UNSUPPORTED, 0},
    {"ws", K_UNSUPPORTED, 0},
    {"mqtt", K_UNSUPPORTED, 0},
    {"server_tags", K_UNSUPPORTED, 0},
    {"default_js_domain", K_UNSUPPORTED, 0},
};

/* authorization { } keys; the field offsets are unused, the handler sets them. */
enum auth_key { A_USER, A_PASS, A_TOKEN, A_TIMEOUT, A_USERS, A_DEFPERMS };
static const struct {
    const char *name;
    enum auth_key key;
} auth_rules[] = {
    {"user", A_USER},
    {"username", A_USER},
    {"pass", A_PASS},
    {"password", A_PASS},
    {"token", A_TOKEN},
    {"timeout", A_TIMEOUT},
    {"users", A_USERS},
    {"default_permission", A_DEFPERMS},
    {"default_permissions", A_DEFPERMS},
    {"permissions", A_DEFPERMS},
};

/* Go's dynamic type names, for "interface conversion" texts. */
static const char *const go_types[] = {
    [CONF_MAP] = "map[string]interface {}",
    [CONF_ARRAY] = "[]interface {}",
    [CONF_STRING] = "string",
    [CONF_INT] = "int64",
    [CONF_FLOAT] = "float64",
    [CONF_BOOL] = "bool",
    [CONF_DATETIME] = "time.Time",
};

/* The reference's texts (opts.go, server.go), plus natrium's own. Macros, so that printf
 * checks the arguments. */
#define M_TYPE "interface conversion: interface {} is %s, not %s"
#define M_TOO_BIG "%s value is too big"
#define M_DURATION_INT "invalid use of field \"%s\": %s should be converted to a duration"
#define M_DURATION_BAD "error parsing %s: %s"
#define M_ADDR "could not parse address string %s"
#define M_PORT "could not parse port %s"
#define M_LISTEN_TYPE "expected port or host:port, got %s"
#define M_UNKNOWN "unknown field %s"
#define M_UNSUPPORTED "%s is not supported by natrium yet"
#define M_USER_AND_TOKEN "Cannot have a user/pass and token"
#define M_USER_AND_USERS "Can not have a single user/pass and a users array"
#define M_NEGATIVE "%s value can not be negative"
#define M_PAYLOAD_PENDING "max_payload (%lld) cannot be higher than max_pending (%lld)"
#define M_NEGATIVE_LOOPS "%s must be 0 (one per CPU) or more"


static void msg_add(struct msg_list *l, char *s)
{
    l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
    l->v[l->n++] = s;
}

static void msg_free(struct msg_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

/* "<file>:<line>:<col>: <text>" for the key of e (configErr.Error()). */
__attribute__((format(printf, 2, 0))) static char *at_key(const struct conf_entry *e,
                                                          const char *fmt, va_list ap)
{
    char text[1024], *s;
    int n;

    vsnprintf(text, sizeof(text), fmt, ap);
    n = snprintf(NULL, 0, "%s:%d:%d: %s", e->file ? e->file : "", e->line, e->col, text);
    s = xmalloc((size_t)n + 1);
    snprintf(s, (size_t)n + 1, "%s:%d:%d: %s", e->file ? e->file : "", e->line, e->col, text);
    return s;
}

void oc_error_at(struct loader *l, const struct conf_entry *e, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    msg_add(&l->errors, at_key(e, fmt, ap));
    va_end(ap);
}

void oc_warning_at(struct loader *l, const struct conf_entry *e, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    msg_add(&l->warnings, at_key(e, fmt, ap));
    va_end(ap);
}

void oc_error_node(struct loader *l, const struct conf_node *n, const char *fmt, ...)
{
    struct conf_entry at = {.file = n->file, .line = n->line, .col = n->col};
    va_list ap;

    va_start(ap, fmt);
    msg_add(&l->errors, at_key(&at, fmt, ap));
    va_end(ap);
}

/* Checks the value type; on a mismatch records Go's type assertion panic text. */
bool oc_want(struct loader *l, const struct conf_entry *e, enum conf_type t)
{
    if (e->val->type == t)
        return true;
    oc_error_at(l, e, M_TYPE, go_types[e->val->type], go_types[t]);
    return false;
}

void oc_set_string(char **field, const struct conf_node *v)
{
    free(*field);
    *field = xstrdup(v->str);
}

static char *invalid_duration(const char *s)
{
    char *q = opts_go_quote(s), *msg = xmalloc(strlen(q) + 64);

    sprintf(msg, "time: invalid duration %s", q);
    free(q);
    return msg;
}

/* Go's time.ParseDuration error text for s, or NULL when the syntax is good (the value may
 * still overflow). Units as Go's unitMap. The result is a new string. */
static char *duration_error(const char *s)
{
    static const char *const units[] = {"ns", "us", "\xc2\xb5s", "\xce\xbcs", "ms", "s", "m", "h"};
    const char *p = s;
    char *q, *msg;

    if (*p == '-' || *p == '+')
        p++;
    if (strcmp(p, "0") == 0)
        return NULL;
    if (!*p)
        goto invalid;
    while (*p) {
        const char *u;
        bool pre = false, post = false, known = false;

        if (!(*p == '.' || (*p >= '0' && *p <= '9')))
            goto invalid;
        for (; *p >= '0' && *p <= '9'; p++)
            pre = true;
        if (*p == '.') {
            for (p++; *p >= '0' && *p <= '9'; p++)
                post = true;
        }
        if (!pre && !post)
            goto invalid;
        u = p;
        while (*p && *p != '.' && !(*p >= '0' && *p <= '9'))
            p++;
        if (p == u) {
            q = opts_go_quote(s);
            msg = xmalloc(strlen(q) + 64);
            sprintf(msg, "time: missing unit in duration %s", q);
            free(q);
            return msg;
        }
        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
            known |=
                strlen(units[i]) == (size_t)(p - u) && memcmp(units[i], u, (size_t)(p - u)) == 0;
        if (!known) {
            char *unit = xstrndup(u, (size_t)(p - u)), *uq = opts_go_quote(unit);
            q = opts_go_quote(s);
            msg = xmalloc(strlen(q) + strlen(uq) + 64);
            sprintf(msg, "time: unknown unit %s in duration %s", uq, q);
            free(unit);
            free(uq);
            free(q);
            return msg;
        }
    }
    return NULL;
invalid:
    return invalid_duration(s);
}

/* parseDuration: a string in Go syntax, or (with a warning) an integer of seconds. */
void oc_apply_duration(struct loader *l, const struct conf_entry *e, const char *field,
                           int64_t *out)
{
    const struct conf_node *v = e->val;

    if (v->type == CONF_STRING) {
        char *why = duration_error(v->str);
        int64_t ms;

        if (!why && units_parse_duration_ms(v->str, &ms) != 0)
            why = invalid_duration(v->str); /* overflow */
        if (why) {
            oc_error_at(l, e, M_DURATION_BAD, field, why);
            free(why);
            return;
        }
        *out = ms;
        return;
    }
    /* the reference warns first, then asserts an int64 */
    oc_warning_at(l, e, M_DURATION_INT, field, field);
    if (!oc_want(l, e, CONF_INT))
        return;
    if (v->i > INT64_MAX / 1000 || v->i < INT64_MIN / 1000) {
        oc_error_at(l, e, M_TOO_BIG, e->key);
        return;
    }
    *out = v->i * 1000;
}

/* Go's strconv.Atoi for a port: optional sign, decimal digits, in range of int. */
static bool parse_port(const char *s, int *out)
{
    long long v = 0;
    bool neg = false;

    if (*s == '+' || *s == '-')
        neg = *s++ == '-';
    if (!*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10 + (*s - '0');
        if (v > (long long)INT_MAX + 1)
            return false;
    }
    if (neg)
        v = -v;
    if (v > INT_MAX || v < INT_MIN)
        return false;
    *out = (int)v;
    return true;
}

/* Go's net.SplitHostPort. Returns false on any of its errors. */
static bool split_host_port(const char *hp, char **host, char **port)
{
    const char *colon = strrchr(hp, ':');
    size_t j = 0, k = 0, i;

    if (!colon)
        return false;
    i = (size_t)(colon - hp);
    if (hp[0] == '[') {
        const char *close = strchr(hp, ']');
        size_t end;
        if (!close)
            return false;
        end = (size_t)(close - hp);
        if (end + 1 != i)
            return false; /* missing port, or too many colons */
        *host = xstrndup(hp + 1, end - 1);
        j = 1;
        k = end + 1;
    } else {
        if (memchr(hp, ':', i))
            return false;
        *host = xstrndup(hp, i);
    }
    if (strchr(hp + j, '[') || strchr(hp + k, ']')) {
        FREE_AND_NULL(*host);
        return false;
    }
    *port = xstrdup(hp + i + 1);
    return true;
}

/* parseListen: "listen" sets host and port, "http" the monitoring host and port, "https" the
 * monitoring host and the HTTPS port. */
static void apply_listen(struct loader *l, const struct conf_entry *e, char **hostp, int *portp)
{
    const struct conf_node *v = e->val;
    char *host = NULL, *port = NULL, *q;
    int p;

    if (v->type == CONF_INT) {
        if (v->i > INT_MAX || v->i < INT_MIN) {
            oc_error_at(l, e, M_TOO_BIG, e->key);
            return;
        }
        free(*hostp);
        *hostp = xstrdup(DEFAULT_HOST); /* "" in the reference, which then defaults it */
        *portp = (int)v->i;
        return;
    }
    if (v->type != CONF_STRING) {
        oc_error_at(l, e, M_LISTEN_TYPE, go_types[v->type]);
        return;
    }
    if (!split_host_port(v->str, &host, &port)) {
        q = opts_go_quote(v->str);
        oc_error_at(l, e, M_ADDR, q);
        free(q);
        return;
    }
    if (!parse_port(port, &p)) {
        q = opts_go_quote(port);
        oc_error_at(l, e, M_PORT, q);
        free(q);
    } else {
        free(*hostp);
        *hostp = *host ? host : xstrdup(DEFAULT_HOST);
        if (!*host)
            free(host);
        host = NULL;
        *portp = p;
    }
    free(host);
    free(port);
}

void oc_unknown_field(struct loader *l, const struct conf_entry *e)
{
    char *q;

    if (e->val->used) /* a variable some value refers to: not an option */
        return;
    q = opts_go_quote(e->key);
    oc_error_at(l, e, M_UNKNOWN, q);
    free(q);
}

void oc_unsupported(struct loader *l, const struct conf_entry *e)
{
    char *q = opts_go_quote(e->key);

    oc_error_at(l, e, M_UNSUPPORTED, q);
    free(q);
}

/* parseAuthorization, for the single user/password or token form. */
static void apply_auth(struct loader *l, const struct conf_entry *e)
{
    const struct conf_node *m = e->val;
    const struct conf_node *user = NULL, *pass = NULL, *token = NULL;
    bool have_timeout = false, bad = false, have_users = false;
    double timeout = 0;

    if (!oc_want(l, e, CONF_MAP))
        return;
    for (size_t i = 0; i < m->nentries; i++) {
        const struct conf_entry *f = &m->entries[i];
        size_t r;

        for (r = 0; r < sizeof(auth_rules) / sizeof(auth_rules[0]); r++) {
            if (strcasecmp(auth_rules[r].name, f->key) == 0)
                break;
        }
        if (r == sizeof(auth_rules) / sizeof(auth_rules[0])) {
            oc_unknown_field(l, f);
            bad |= !f->val->used;
            continue;
        }
        switch (auth_rules[r].key) {
        case A_USER:
            if (oc_want(l, f, CONF_STRING))
                user = f->val;
            else
                bad = true;
            break;
        case A_PASS:
            if (oc_want(l, f, CONF_STRING))
                pass = f->val;
            else
                bad = true;
            break;
        case A_TOKEN:
            if (oc_want(l, f, CONF_STRING))
                token = f->val;
            else
                bad = true;
            break;
        case A_TIMEOUT:
            /* seconds, integer or float; any other type means 1s (sic) */
            have_timeout = true;
            timeout = f->val->type == CONF_INT     ? (double)f->val->i
                      : f->val->type == CONF_FLOAT ? f->val->f
                                                   : 1.0;
            break;
        case A_USERS:
            have_users = true;
            oc_auth_users(l, f);
            break;
        case A_DEFPERMS:
            oc_auth_default_perms(l, f);
            break;
        }
    }
    if (bad)
        return;
    if ((user && *user->str) || (pass && *pass->str)) {
        if (token && *token->str) {
            oc_error_at(l, e, M_USER_AND_TOKEN);
            return;
        }
        if (have_users) {
            oc_error_at(l, e, M_USER_AND_USERS);
            return;
        }
    }
    /* as the reference: all three are set, absent ones to none */
    FREE_AND_NULL(l->o->username);
    FREE_AND_NULL(l->o->password);
    FREE_AND_NULL(l->o->auth_token);
    if (user && *user->str)
        l->o->username = xstrdup(user->str);
    if (pass && *pass->str)
        l->o->password = xstrdup(pass->str);
    if (token && *token->str)
        l->o->auth_token = xstrdup(token->str);
    if (have_timeout && timeout != 0) {
        if (timeout > 9e12)
            timeout = 9e12;
        if (timeout < -9e12)
            timeout = -9e12;
        l->o->auth_timeout_ms = (int64_t)(timeout * 1000);
        l->o->auth_timeout_set = true;
    }
}


/* tls { } (parseTLS + GenTLSConfig, client context). The reference stops at the first problem
 * in the block; so does this. Errors sit at the field, at the list element, or (for the
 * files, checked last by loading them) at the tls key. */
#define T_PREFIX "error parsing tls config, "
#define M_TLS_FILE T_PREFIX "expected '%s' to be filename"
#define M_TLS_BOOL T_PREFIX "expected '%s' to be a boolean"
#define M_TLS_EMPTY T_PREFIX "'%s' cannot be empty"
#define M_TLS_UNKNOWN T_PREFIX "unknown field [%s]"
#define M_TLS_TIMEOUT T_PREFIX "'timeout' %s"
#define M_TLS_TIMEOUT_TYPE T_PREFIX "'timeout' wrong type"
#define M_TLS_RATE_TYPE T_PREFIX "'connection_rate_limit' wrong type"
#define M_TLS_PINNED_TYPE                                                                          \
    T_PREFIX "expected 'pinned_certs' to be a list of hex-encoded sha256 of DER encoded "          \
             "SubjectPublicKeyInfo"
#define M_TLS_PINNED                                                                               \
    T_PREFIX "'pinned_certs' key %s does not look like hex-encoded sha256 of DER encoded "         \
             "SubjectPublicKeyInfo"
#define M_TLS_UNRECOGNIZED "unrecognized %s %s"
#define M_TLS_KNOWN_URLS "verify_cert_and_check_known_urls not supported in this context"
#define M_TLS_TOO_MANY T_PREFIX "too many entries in '%s'"
#define M_HSF_VALUE "field %s value %s is invalid"
#define M_HSF_TYPE "field %s should be a boolean or string, got %s"

/* An error at a value node (list elements). */
__attribute__((format(printf, 3, 4))) static void
error_at_node(struct loader *l, const struct conf_node *n, const char *fmt, ...)
{
    struct conf_entry pos = {.file = n->file, .line = n->line, .col = n->col};
    va_list ap;

    va_start(ap, fmt);
    msg_add(&l->errors, at_key(&pos, fmt, ap));
    va_end(ap);
}

static bool tls_bool(struct loader *l, const struct conf_entry *f, bool *out)
{
    if (f->val->type != CONF_BOOL) {
        oc_error_at(l, f, M_TLS_BOOL, f->key);
        return false;
    }
    *out = f->val->b;
    return true;
}

/* cipher_suites / curve_preferences: a non-empty list of known names. */
static bool tls_names(struct loader *l, const struct conf_entry *f, const char *what,
                      int (*find)(const char *), const char *unknown_what, int *out, int *n,
                      int max)
{
    const struct conf_node *v = f->val;

    if (!oc_want(l, f, CONF_ARRAY))
        return false;
    if (v->nitems == 0) {
        oc_error_at(l, f, M_TLS_EMPTY, what);
        return false;
    }
    if (v->nitems > (size_t)max) {
        oc_error_at(l, f, M_TLS_TOO_MANY, what);
        return false;
    }
    *n = 0;
    for (size_t i = 0; i < v->nitems; i++) {
        const struct conf_node *it = v->items[i];
        int idx;
        if (it->type != CONF_STRING) {
            error_at_node(l, it, M_TYPE, go_types[it->type], go_types[CONF_STRING]);
            return false;
        }
        idx = find(it->str);
        if (idx < 0) {
            error_at_node(l, it, M_TLS_UNRECOGNIZED, unknown_what, it->str);
            return false;
        }
        out[(*n)++] = idx;
    }
    return true;
}

static bool tls_timeout(struct loader *l, const struct conf_entry *f, int64_t *out)
{
    const struct conf_node *v = f->val;
    double secs;

    switch (v->type) {
    case CONF_INT:
        secs = (double)v->i;
        break;
    case CONF_FLOAT:
        secs = v->f;
        break;
    case CONF_STRING: {
        char *why = duration_error(v->str);
        int64_t ms;
        if (!why && units_parse_duration_ms(v->str, &ms) != 0)
            why = invalid_duration(v->str);
        if (why) {
            oc_error_at(l, f, M_TLS_TIMEOUT, why);
            free(why);
            return false;
        }
        *out = ms;
        return true;
    }
    default:
        oc_error_at(l, f, M_TLS_TIMEOUT_TYPE);
        return false;
    }
    if (secs > 9e12)
        secs = 9e12;
    if (secs < 0)
        secs = 0;
    *out = (int64_t)(secs * 1000);
    return true;
}

static bool is_sha256_hex(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return n == 64;
}

static bool tls_pinned(struct loader *l, const struct conf_entry *f, struct tls_opts *t)
{
    const struct conf_node *v = f->val;

    if (v->type != CONF_ARRAY) {
        oc_error_at(l, f, M_TLS_PINNED_TYPE);
        return false;
    }
    if (v->nitems > TLS_MAX_PINNED) {
        oc_error_at(l, f, M_TLS_TOO_MANY, "pinned_certs");
        return false;
    }
    for (size_t i = 0; i < v->nitems; i++) {
        const struct conf_node *it = v->items[i];
        char *h;
        if (it->type != CONF_STRING) {
            error_at_node(l, it, M_TYPE, go_types[it->type], go_types[CONF_STRING]);
            return false;
        }
        if (!is_sha256_hex(it->str)) {
            error_at_node(l, it, M_TLS_PINNED, it->str);
            return false;
        }
        h = xstrdup(it->str);
        for (char *p = h; *p; p++)
            *p = (char)(*p >= 'A' && *p <= 'F' ? *p - 'A' + 'a' : *p);
        t->pinned[t->npinned++] = h;
    }
    return true;
}

/* handshake_first (natrium; nats-server 2.10's semantics): true/false, "true"/"on",
 * "false"/"off", "auto"/"auto_fallback" (fallback after 50ms), or a fallback duration. */
static bool tls_handshake_first(struct loader *l, const struct conf_entry *f, struct tls_opts *t)
{
    const struct conf_node *v = f->val;
    char *qk, *qv;
    int64_t ms;

    if (v->type == CONF_BOOL) {
        t->handshake_first = v->b;
        return true;
    }
    qk = opts_go_quote(f->key);
    if (v->type != CONF_STRING) {
        oc_error_at(l, f, M_HSF_TYPE, qk, go_types[v->type]);
        free(qk);
        return false;
    }
    if (!strcasecmp(v->str, "true") || !strcasecmp(v->str, "on")) {
        t->handshake_first = true;
    } else if (!strcasecmp(v->str, "false") || !strcasecmp(v->str, "off")) {
        t->handshake_first = false;
    } else if (!strcasecmp(v->str, "auto") || !strcasecmp(v->str, "auto_fallback")) {
        t->handshake_first = true;
        t->fallback_ms = DEFAULT_TLS_FALLBACK_MS;
    } else {
        char *why = duration_error(v->str);
        if (why || units_parse_duration_ms(v->str, &ms) != 0 || ms < 0) {
            free(why);
            qv = opts_go_quote(v->str);
            oc_error_at(l, f, M_HSF_VALUE, qk, qv);
            free(qv);
            free(qk);
            return false;
        }
        t->handshake_first = true;
        t->fallback_ms = ms;
    }
    free(qk);
    return true;
}

static bool tls_field(struct loader *l, const struct conf_entry *f, struct tls_opts *t)
{
    const struct conf_node *v = f->val;
    const char *k = f->key;
    char **file = NULL;
    bool b;

    if (!strcasecmp(k, "cert_file"))
        file = &t->cert_file;
    else if (!strcasecmp(k, "key_file"))
        file = &t->key_file;
    else if (!strcasecmp(k, "ca_file"))
        file = &t->ca_file;
    if (file) {
        if (v->type != CONF_STRING) {
            oc_error_at(l, f, M_TLS_FILE, k);
            return false;
        }
        oc_set_string(file, v);
        return true;
    }
    if (!strcasecmp(k, "verify"))
        return tls_bool(l, f, &t->verify);
    if (!strcasecmp(k, "insecure"))
        return tls_bool(l, f, &t->insecure);
    if (!strcasecmp(k, "verify_and_map")) {
        if (!tls_bool(l, f, &b))
            return false;
        t->map = b;
        if (b)
            t->verify = true;
        return true;
    }
    if (!strcasecmp(k, "verify_cert_and_check_known_urls")) {
        if (!tls_bool(l, f, &b))
            return false;
        if (b) {
            oc_error_at(l, f, M_TLS_KNOWN_URLS);
            return false;
        }
        return true;
    }
    if (!strcasecmp(k, "cipher_suites"))
        return tls_names(l, f, "cipher_suites", tls_cipher_find, "cipher", t->ciphers,
                         &t->nciphers, TLS_MAX_CIPHERS);
    if (!strcasecmp(k, "curve_preferences"))
        return tls_names(l, f, "curve_preferences", tls_curve_find, "curve preference", t->curves,
                         &t->ncurves, TLS_MAX_CURVES);
    if (!strcasecmp(k, "timeout"))
        return tls_timeout(l, f, &t->timeout_ms);
    if (!strcasecmp(k, "connection_rate_limit")) {
        if (v->type != CONF_INT) {
            oc_error_at(l, f, M_TLS_RATE_TYPE);
            return false;
        }
        if (v->i != 0) {
            oc_unsupported(l, f);
            return false;
        }
        return true;
    }
    if (!strcasecmp(k, "pinned_certs"))
        return tls_pinned(l, f, t);
    if (!strcasecmp(k, "handshake_first") || !strcasecmp(k, "first") ||
        !strcasecmp(k, "immediate"))
        return tls_handshake_first(l, f, t);
    if (v->used)
        return true; /* a variable: not a field */
    char *q = opts_go_quote(k);
    oc_error_at(l, f, M_TLS_UNKNOWN, q);
    free(q);
    return false;
}

static void apply_tls(struct loader *l, const struct conf_entry *e)
{
    struct tls_opts t = {0};
    char err[1024];

    if (!oc_want(l, e, CONF_MAP))
        return;
    for (size_t i = 0; i < e->val->nentries; i++) {
        if (!tls_field(l, &e->val->entries[i], &t)) {
            tls_opts_release(&t);
            return;
        }
    }
    t.enabled = true;
    if (tls_opts_check(&t, err, sizeof(err)) != 0) {
        oc_error_at(l, e, "%s", err);
        tls_opts_release(&t);
        return;
    }
    tls_opts_release(&l->o->tlsc);
    l->o->tlsc = t;
}

static void apply_entry(struct loader *l, const struct conf_entry *e)
{
    const struct key_rule *rule = NULL;
    const struct conf_node *v = e->val;
    char *field;

    for (size_t i = 0; i < sizeof(top_rules) / sizeof(top_rules[0]); i++) {
        if (strcasecmp(top_rules[i].name, e->key) == 0) {
            rule = &top_rules[i];
            break;
        }
    }
    if (!rule) {
        oc_unknown_field(l, e);
        return;
    }
    field = (char *)l->o + rule->off;
    switch (rule->kind) {
    case K_STRING:
        if (oc_want(l, e, CONF_STRING))
            oc_set_string((char **)(void *)field, v);
        break;
    case K_BOOL:
        if (oc_want(l, e, CONF_BOOL))
            *(bool *)(void *)field = v->b;
        break;
    case K_TRACE_VERBOSE:
        if (oc_want(l, e, CONF_BOOL))
            l->o->trace_verbose = l->o->trace = v->b;
        break;
    case K_INT:
    case K_LOOPS:
        if (!oc_want(l, e, CONF_INT))
            break;
        if (v->i > INT_MAX || v->i < INT_MIN)
            oc_error_at(l, e, M_TOO_BIG, e->key);
        else if (rule->kind == K_LOOPS && v->i < 0)
            oc_error_at(l, e, M_NEGATIVE_LOOPS, e->key);
        else
            *(int *)(void *)field = (int)v->i;
        break;
    case K_INT64:
        if (oc_want(l, e, CONF_INT))
            *(int64_t *)(void *)field = v->i;
        break;
    case K_INT64_I32:
        if (!oc_want(l, e, CONF_INT))
            break;
        if (v->i > INT32_MAX)
            oc_error_at(l, e, M_TOO_BIG, e->key);
        else
            *(int64_t *)(void *)field = v->i;
        break;
    case K_DURATION:
        oc_apply_duration(l, e, rule->name, (int64_t *)(void *)field);
        break;
    case K_LDM_DURATION: {
        int64_t ms;
        char *why;
        if (!oc_want(l, e, CONF_STRING))
            break;
        why = duration_error(v->str);
        if (!why && units_parse_duration_ms(v->str, &ms) != 0)
            why = invalid_duration(v->str);
        if (why) {
            oc_error_at(l, e, "%s", why);
            free(why);
            break;
        }
        if (field == (char *)&l->o->lame_duck_duration_ms && ms < MIN_LAME_DUCK_DURATION_MS) {
            char d[64];
            units_format_duration(ms, d, sizeof(d));
            oc_error_at(l, e, "invalid lame_duck_duration of %s, minimum is 30 seconds", d);
            break;
        }
        *(int64_t *)(void *)field = ms;
        break;
    }
    case K_LISTEN:
        apply_listen(l, e, &l->o->host, &l->o->port);
        break;
    case K_HTTP:
        apply_listen(l, e, &l->o->http_host, &l->o->http_port);
        break;
    case K_HTTPS:
        apply_listen(l, e, &l->o->http_host, &l->o->https_port);
        break;
    case K_AUTH:
        apply_auth(l, e);
        break;
    case K_ACCOUNTS:
        l->accounts_entry = e;
        oc_apply_accounts(l, e);
        break;
    case K_SUB_TOKENS:
        if (!oc_want(l, e, CONF_INT))
            break;
        if (v->i > 255)
            oc_error_at(l, e, M_TOO_BIG, e->key);
        else if (v->i < 0)
            oc_error_at(l, e, M_NEGATIVE, e->key);
        else
            *(int *)(void *)field = (int)v->i;
        break;
    case K_TLS:
        apply_tls(l, e);
        break;
    case K_OPERATOR:
        oc_apply_operators(l, e);
        break;
    case K_TRUSTED:
        oc_apply_trusted(l, e);
        break;
    case K_RESOLVER:
        oc_apply_resolver(l, e);
        break;
    case K_PRELOAD:
        oc_apply_preload(l, e);
        break;
    case K_UNSUPPORTED:
        oc_unsupported(l, e);
        break;
    }
}

/* validateOptions' auth checks (server.go), which -t does not reach. Returns false with the
 * reason in msg. */
static bool opts_auth_ok(const struct options *o, char *msg, size_t n)
{
    const struct auth_conf *a = &o->auth;

    if (a->no_auth_user && *a->no_auth_user && !auth_find_user(a, a->no_auth_user) &&
        !auth_find_nkey(a, a->no_auth_user)) {
        char *q = opts_go_quote(a->no_auth_user);
        snprintf(msg, n,
                 "no_auth_user: %s not present as user in authorization block or account "
                 "configuration",
                 q);
        free(q);
        return false;
    }
    if (!trust_conf_enabled(&o->trust) && a->system_account && *a->system_account &&
        strcmp(a->system_account, SYSTEM_ACCOUNT) && !auth_find_account(a, a->system_account)) {
        snprintf(msg, n, "error resolving system account: account missing");
        return false;
    }
    return true;
}

/* Appends the lines of list to *buf, each followed by '\n'. */
static void join_lines(char **buf, size_t *len, const struct msg_list *list)
{
    for (size_t i = 0; i < list->n; i++) {
        size_t n = strlen(list->v[i]);
        *buf = xrealloc(*buf, *len + n + 2);
        memcpy(*buf + *len, list->v[i], n);
        *len += n;
        (*buf)[(*len)++] = '\n';
        (*buf)[*len] = '\0';
    }
}

static void put_err(char *err, size_t errlen, const char *msg)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", msg);
}

int opts_apply_config(struct options *o, const struct conf_node *root, opts_warn_fn *warn,
                      void *warn_arg, char *err, size_t errlen)
{
    struct loader l = {.o = o};
    int rc = 0;

    char *perr = NULL;

    for (size_t i = 0; i < root->nentries; i++)
        apply_entry(&l, &root->entries[i]);
    oc_auth_validate(&l, l.accounts_entry, &perr);

    if (perr && !l.errors.n) {
        put_err(err, errlen, perr);
        rc = -1;
    } else if (l.errors.n || (o->check_config && l.warnings.n)) {
        char *text = xstrdup("");
        size_t len = 0;

        join_lines(&text, &len, &l.warnings);
        join_lines(&text, &len, &l.errors);
        put_err(err, errlen, text);
        free(text);
        rc = -1;
    } else {
        for (size_t i = 0; i < l.warnings.n; i++) {
            if (warn)
                warn(warn_arg, l.warnings.v[i]);
            else
                fprintf(stderr, "%s\n", l.warnings.v[i]);
        }
        /* server.go validateOptions, which -t does not reach */
        if (!o->check_config && o->max_payload > o->max_pending) {
            char msg[160];
            snprintf(msg, sizeof(msg), M_PAYLOAD_PENDING, (long long)o->max_payload,
                     (long long)o->max_pending);
            put_err(err, errlen, msg);
            rc = -1;
        } else if (!o->check_config) {
            char why[512];
            if (!oc_trust_ok(o, why, sizeof(why)) || !opts_auth_ok(o, why, sizeof(why))) {
                put_err(err, errlen, why);
                rc = -1;
            }
        }
    }
    free(perr);
    msg_free(&l.errors);
    msg_free(&l.warnings);
    return rc;
}

int opts_load_config(struct options *o, const char *path, opts_warn_fn *warn, void *warn_arg,
                     char *err, size_t errlen)
{
    struct conf_node *root;
    int rc;

    if (conf_parse_file(path, &root, err, errlen) != 0)
        return -1;
    rc = opts_apply_config(o, root, warn, warn_arg, err, errlen);
    conf_free(root);
    return rc;
}
