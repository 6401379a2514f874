/* The auth parts of the configuration file (mirrors server/opts.go 2.9.10 parseUsers,
 * parseUserPermissions, parseVariablePermissions, parseSubjectPermission, parseAllowResponses,
 * parseAccounts, parseExportStreamOrService, parseImportStreamOrService): users lists,
 * permissions, default permissions and accounts with exports and imports, into
 * struct auth_conf (auth.h). Texts are the reference's. */
#include "server/auth.h"
#include "server/opts_conf_int.h"

#include "core/units.h"
#include "core/xmalloc.h"
#include "sublist/subject.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define M_PERM_FIELD "Unknown field \"%s\" parsing permissions"
#define M_SUBJ_PERM_FIELD                                                                     \
    "Unknown field name \"%s\" parsing subject permissions, only 'allow' or 'deny' are permitted"
#define M_SUBJ_CAST "Subject in permissions array cannot be cast to string"
#define M_SUBJ_TYPE "Expected subject permissions to be a subject, or array of subjects, got %s"
#define M_RESP_FIELD M_PERM_FIELD
#define M_DUP_USER "Duplicate user %s detected"
#define M_DUP_NKEY "Duplicate nkey %s detected"
#define M_ACC_NOT_DEFINED "%s account not defined for %s import"
#define M_IMPORT_DENIED "Error adding %s import %s: %s import not authorized"
#define M_IMPORT_CYCLE "Error adding %s import %s: import forms a cycle"
#define M_RESP_TYPE "Unknown response type: %s"
#define M_CONN_TYPE "invalid connection types [%s]"
#define M_BAD_SUBJECT "subject %s is not a valid subject"

static const char *const gotype[] = {
    [CONF_MAP] = "map[string]interface {}",
    [CONF_ARRAY] = "[]interface {}",
    [CONF_STRING] = "string",
    [CONF_INT] = "int64",
    [CONF_FLOAT] = "float64",
    [CONF_BOOL] = "bool",
    [CONF_DATETIME] = "time.Time",
};

static char *quote(const char *s)
{
    return opts_go_quote(s);
}

static bool key_is(const struct conf_entry *e, const char *const *names)
{
    for (; *names; names++) {
        if (strcasecmp(e->key, *names) == 0)
            return true;
    }
    return false;
}

#define IS(e, ...) key_is(e, (const char *const[]){__VA_ARGS__, NULL})

/* ---- permissions ---- */

static void list_add(struct perm_list *l, const char *s)
{
    const char *sp = strchr(s, ' ');

    l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
    if (sp && !strchr(sp + 1, ' ') && sp > s && sp[1]) {
        l->v[l->n].subject = xstrndup(s, (size_t)(sp - s));
        l->v[l->n].queue = xstrdup(sp + 1);
    } else {
        l->v[l->n].subject = xstrdup(s);
        l->v[l->n].queue = NULL;
    }
    l->n++;
}

/* parseSubjects: a string or an array of strings. */
static void parse_subjects(struct loader *l, const struct conf_entry *e, const struct conf_node *v,
                           struct perm_list *out)
{
    /* an empty array leaves the list unset (Go's nil slice): it restricts nothing */
    out->set = out->set || v->type != CONF_ARRAY || v->nitems > 0;
    if (v->type == CONF_STRING) {
        list_add(out, v->str);
        return;
    }
    if (v->type != CONF_ARRAY) {
        oc_error_at(l, e, M_SUBJ_TYPE, gotype[v->type]);
        return;
    }
    for (size_t i = 0; i < v->nitems; i++) {
        if (v->items[i]->type != CONF_STRING) {
            oc_error_at(l, e, M_SUBJ_CAST);
            continue;
        }
        list_add(out, v->items[i]->str);
    }
}

/* parseVariablePermissions: {allow, deny} or a plain subject list (= allow). */
static void parse_var_perms(struct loader *l, const struct conf_entry *e, struct perm_list *allow,
                            struct perm_list *deny)
{
    const struct conf_node *v = e->val;

    if (v->type != CONF_MAP) {
        parse_subjects(l, e, v, allow);
        return;
    }
    for (size_t i = 0; i < v->nentries; i++) {
        const struct conf_entry *f = &v->entries[i];
        if (strcasecmp(f->key, "allow") == 0)
            parse_subjects(l, f, f->val, allow);
        else if (strcasecmp(f->key, "deny") == 0)
            parse_subjects(l, f, f->val, deny);
        else if (!f->val->used)
            oc_error_at(l, f, M_SUBJ_PERM_FIELD, f->key);
    }
}

static void parse_allow_responses(struct loader *l, const struct conf_entry *e,
                                  struct permissions *p)
{
    const struct conf_node *v = e->val;

    p->resp_max = DEFAULT_RESP_MAX;
    p->resp_expires_ms = DEFAULT_RESP_EXPIRES_MS;
    if (v->type == CONF_BOOL) {
        p->resp = v->b;
        return;
    }
    if (!oc_want(l, e, CONF_MAP))
        return;
    p->resp = true;
    for (size_t i = 0; i < v->nentries; i++) {
        const struct conf_entry *f = &v->entries[i];
        if (IS(f, "max", "max_msgs", "max_messages", "max_responses")) {
            if (oc_want(l, f, CONF_INT))
                p->resp_max = f->val->i;
        } else if (IS(f, "expires", "expiration", "ttl")) {
            oc_apply_duration(l, f, f->key, &p->resp_expires_ms);
        } else if (!f->val->used) {
            oc_error_at(l, f, M_RESP_FIELD, f->key);
        }
    }
}

/* parseUserPermissions. Returns a new permissions object, or NULL after recording errors. */
static struct permissions *parse_perms(struct loader *l, const struct conf_entry *e)
{
    const struct conf_node *v = e->val;
    struct permissions *p;

    if (!oc_want(l, e, CONF_MAP))
        return NULL;
    p = xcalloc(1, sizeof(*p));
    for (size_t i = 0; i < v->nentries; i++) {
        const struct conf_entry *f = &v->entries[i];
        if (IS(f, "pub", "publish", "import"))
            parse_var_perms(l, f, &p->pub_allow, &p->pub_deny);
        else if (IS(f, "sub", "subscribe", "export"))
            parse_var_perms(l, f, &p->sub_allow, &p->sub_deny);
        else if (IS(f, "allow_responses", "allow_response"))
            parse_allow_responses(l, f, p);
        else if (!f->val->used)
            oc_error_at(l, f, M_PERM_FIELD, f->key);
    }
    /* allow_responses alone turns off the blanket publish allowance */
    if (p->resp && !p->pub_allow.set)
        p->pub_allow.set = true;
    return p;
}

/* ---- users ---- */

static uint32_t parse_conn_types(struct loader *l, const struct conf_entry *e)
{
    static const struct {
        const char *name;
        uint32_t bit;
    } types[] = {{"STANDARD", CONN_TYPE_STANDARD},
                 {"WEBSOCKET", CONN_TYPE_WEBSOCKET},
                 {"LEAFNODE", CONN_TYPE_LEAFNODE},
                 {"MQTT", CONN_TYPE_MQTT}};
    const struct conf_node *v = e->val;
    uint32_t bits = 0;

    if (!oc_want(l, e, CONF_ARRAY))
        return 0;
    for (size_t i = 0; i < v->nitems; i++) {
        const struct conf_node *it = v->items[i];
        bool known = false;
        if (it->type != CONF_STRING)
            continue;
        for (size_t k = 0; k < sizeof(types) / sizeof(types[0]); k++) {
            if (strcmp(types[k].name, it->str) == 0) {
                bits |= types[k].bit;
                known = true;
            }
        }
        if (!known) {
            char *q = quote(it->str);
            oc_error_at(l, e, M_CONN_TYPE, q);
            free(q);
        }
    }
    return bits;
}

static void add_user(struct loader *l, const struct conf_entry *at, struct user_conf *u)
{
    struct auth_conf *a = &l->o->auth;

    if (u->name && auth_find_user(a, u->name)) {
        char *q = quote(u->name);
        oc_error_at(l, at, M_DUP_USER, q);
        free(q);
    } else if (u->nkey && auth_find_nkey(a, u->nkey)) {
        char *q = quote(u->nkey);
        oc_error_at(l, at, M_DUP_NKEY, q);
        free(q);
    }
    a->users = xrealloc(a->users, (a->nusers + 1) * sizeof(*a->users));
    a->users[a->nusers++] = *u;
}

/* parseUsers: an array of {user, password, nkey, permissions, allowed_connection_types}. */
static void parse_users(struct loader *l, const struct conf_entry *e, const char *account)
{
    const struct conf_node *v = e->val;

    if (!oc_want(l, e, CONF_ARRAY))
        return;
    for (size_t i = 0; i < v->nitems; i++) {
        const struct conf_node *m = v->items[i];
        struct user_conf u = {0};

        if (m->type != CONF_MAP) {
            oc_error_node(l, m, "Expected user entry to be a map/struct, got %s", gotype[m->type]);
            continue;
        }
        for (size_t k = 0; k < m->nentries; k++) {
            const struct conf_entry *f = &m->entries[k];
            if (IS(f, "user", "username")) {
                if (oc_want(l, f, CONF_STRING))
                    oc_set_string(&u.name, f->val);
            } else if (IS(f, "pass", "password")) {
                if (oc_want(l, f, CONF_STRING))
                    oc_set_string(&u.password, f->val);
            } else if (IS(f, "nkey")) {
                if (oc_want(l, f, CONF_STRING))
                    oc_set_string(&u.nkey, f->val);
            } else if (IS(f, "permission", "permissions")) {
                perms_free(u.perms);
                u.perms = parse_perms(l, f);
            } else if (IS(f, "allowed_connection_types", "allowed_conn_types",
                          "allowed_connections_types", "connection_types")) {
                u.conn_types = parse_conn_types(l, f);
            } else {
                oc_unknown_field(l, f);
            }
        }
        if (!u.name && !u.nkey) {
            oc_error_node(l, m, "User entry requires a user");
            free(u.password);
            perms_free(u.perms);
            continue;
        }
        if (account)
            u.account = xstrdup(account);
        add_user(l, e, &u);
    }
}

void oc_auth_users(struct loader *l, const struct conf_entry *e)
{
    parse_users(l, e, NULL);
}

void oc_auth_default_perms(struct loader *l, const struct conf_entry *e)
{
    struct permissions *p = parse_perms(l, e);
    perms_free(l->o->auth.default_perms);
    l->o->auth.default_perms = p;
}

/* ---- accounts ---- */

static void parse_export(struct loader *l, const struct conf_entry *e, const struct conf_node *m,
                         struct account_conf *ac)
{
    struct export_conf x = {0};
    bool have = false;

    if (m->type != CONF_MAP) {
        oc_error_node(l, m, "Export Items should be a map with type entry, got %s",
                      gotype[m->type]);
        return;
    }
    for (size_t i = 0; i < m->nentries; i++) {
        const struct conf_entry *f = &m->entries[i];
        if (IS(f, "stream", "service")) {
            if (!oc_want(l, f, CONF_STRING))
                continue;
            x.service = strcasecmp(f->key, "service") == 0;
            oc_set_string(&x.subject, f->val);
            have = true;
        } else if (IS(f, "accounts")) {
            const struct conf_node *a = f->val;
            if (!oc_want(l, f, CONF_ARRAY))
                continue;
            for (size_t k = 0; k < a->nitems; k++) {
                if (a->items[k]->type != CONF_STRING)
                    continue;
                x.accounts = xrealloc(x.accounts, (x.naccounts + 1) * sizeof(*x.accounts));
                x.accounts[x.naccounts++] = xstrdup(a->items[k]->str);
            }
        } else if (IS(f, "response", "response_type")) {
            const char *t = f->val->type == CONF_STRING ? f->val->str : "";
            if (!strcasecmp(t, "singleton") || !strcasecmp(t, "single")) {
                x.resp_type = RESP_SINGLETON;
            } else if (!strcasecmp(t, "stream")) {
                x.resp_type = RESP_STREAM;
            } else if (!strcasecmp(t, "chunked") || !strcasecmp(t, "chunk")) {
                x.resp_type = RESP_CHUNKED;
            } else {
                char *q = quote(t);
                oc_error_at(l, f, M_RESP_TYPE, q);
                free(q);
            }
        } else if (IS(f, "threshold", "response_threshold", "response_max_time",
                      "response_time")) {
            oc_apply_duration(l, f, f->key, &x.resp_threshold_ms);
        } else if (IS(f, "latency", "account_token_position", "allow_trace")) {
            /* accepted; service latency tracking is not implemented */
        } else {
            oc_unknown_field(l, f);
        }
    }
    (void)e;
    if (!have) {
        oc_error_node(l, m, "Expected a stream or service export");
        free(x.subject);
        for (uint32_t k = 0; k < x.naccounts; k++)
            free(x.accounts[k]);
        free(x.accounts);
        return;
    }
    ac->exports = xrealloc(ac->exports, (ac->nexports + 1) * sizeof(*ac->exports));
    ac->exports[ac->nexports++] = x;
}

static void parse_import(struct loader *l, const struct conf_node *m, struct account_conf *ac)
{
    struct import_conf im = {0};
    bool have = false;

    if (m->type != CONF_MAP) {
        oc_error_node(l, m, "Import Items should be a map with type entry, got %s",
                      gotype[m->type]);
        return;
    }
    for (size_t i = 0; i < m->nentries; i++) {
        const struct conf_entry *f = &m->entries[i];
        if (IS(f, "stream", "service")) {
            const struct conf_node *src = f->val;
            if (!oc_want(l, f, CONF_MAP))
                continue;
            im.service = strcasecmp(f->key, "service") == 0;
            for (size_t k = 0; k < src->nentries; k++) {
                const struct conf_entry *g = &src->entries[k];
                if (IS(g, "account")) {
                    if (oc_want(l, g, CONF_STRING))
                        oc_set_string(&im.account, g->val);
                } else if (IS(g, "subject")) {
                    if (oc_want(l, g, CONF_STRING))
                        oc_set_string(&im.subject, g->val);
                } else {
                    oc_unknown_field(l, g);
                }
            }
            have = true;
        } else if (IS(f, "prefix")) {
            if (oc_want(l, f, CONF_STRING))
                oc_set_string(&im.prefix, f->val);
        } else if (IS(f, "to")) {
            if (oc_want(l, f, CONF_STRING))
                oc_set_string(&im.to, f->val);
        } else if (IS(f, "share", "allow_trace")) {
            /* accepted; latency sharing is not implemented */
        } else {
            oc_unknown_field(l, f);
        }
    }
    if (!have || !im.account || !im.subject) {
        if (!have)
            oc_error_node(l, m, "Expected a stream or service import");
        else
            oc_error_node(l, m, "Expect an account name and a subject");
        free(im.account);
        free(im.subject);
        free(im.to);
        free(im.prefix);
        return;
    }
    ac->imports = xrealloc(ac->imports, (ac->nimports + 1) * sizeof(*ac->imports));
    ac->imports[ac->nimports++] = im;
}

static struct account_conf *account_add(struct loader *l, const char *name)
{
    struct auth_conf *a = &l->o->auth;
    a->accounts = xrealloc(a->accounts, (a->naccounts + 1) * sizeof(*a->accounts));
    memset(&a->accounts[a->naccounts], 0, sizeof(a->accounts[0]));
    a->accounts[a->naccounts].name = xstrdup(name);
    return &a->accounts[a->naccounts++];
}

static void parse_account(struct loader *l, const struct conf_entry *e)
{
    const struct conf_node *v = e->val;
    struct account_conf *ac;
    uint32_t idx;

    if (!oc_want(l, e, CONF_MAP))
        return;
    account_add(l, e->key);
    idx = l->o->auth.naccounts - 1;
    for (size_t i = 0; i < v->nentries; i++) {
        const struct conf_entry *f = &v->entries[i];
        ac = &l->o->auth.accounts[idx]; /* users may move the array: re-take */
        if (IS(f, "users")) {
            parse_users(l, f, ac->name);
        } else if (IS(f, "exports")) {
            if (!oc_want(l, f, CONF_ARRAY))
                continue;
            for (size_t k = 0; k < f->val->nitems; k++)
                parse_export(l, f, f->val->items[k], ac);
        } else if (IS(f, "imports")) {
            if (!oc_want(l, f, CONF_ARRAY))
                continue;
            for (size_t k = 0; k < f->val->nitems; k++)
                parse_import(l, f->val->items[k], ac);
        } else if (IS(f, "default_permission", "default_permissions")) {
            perms_free(ac->default_perms);
            ac->default_perms = parse_perms(l, f);
        } else if (IS(f, "nkey", "jetstream", "mappings", "maps", "limits")) {
            oc_unsupported(l, f);
        } else {
            oc_unknown_field(l, f);
        }
    }
}

void oc_apply_accounts(struct loader *l, const struct conf_entry *e)
{
    const struct conf_node *v = e->val;

    if (v->type == CONF_ARRAY) { /* accounts: [A, B]: names only */
        for (size_t i = 0; i < v->nitems; i++) {
            if (v->items[i]->type == CONF_STRING)
                account_add(l, v->items[i]->str);
        }
        return;
    }
    if (!oc_want(l, e, CONF_MAP))
        return;
    for (size_t i = 0; i < v->nentries; i++)
        parse_account(l, &v->entries[i]);
}

/* ---- validation ---- */

/* Do two subjects (with wildcards) share a literal subject? Token by token. */
static bool subjects_overlap(const char *a, const char *b)
{
    for (;;) {
        const char *ae = strchr(a, '.'), *be = strchr(b, '.');
        size_t al = ae ? (size_t)(ae - a) : strlen(a), bl = be ? (size_t)(be - b) : strlen(b);
        bool awild = al == 1 && *a == '*', bwild = bl == 1 && *b == '*';
        if ((al == 1 && *a == '>') || (bl == 1 && *b == '>'))
            return true;
        if (!awild && !bwild && (al != bl || memcmp(a, b, al) != 0))
            return false;
        if (!ae || !be)
            return !ae && !be;
        a = ae + 1;
        b = be + 1;
    }
}

/* The subject an import delivers under in its importer. */
static void import_local(const struct import_conf *im, char *out, size_t cap)
{
    if (im->service)
        snprintf(out, cap, "%s", im->to && *im->to ? im->to : im->subject);
    else if (im->prefix && *im->prefix)
        snprintf(out, cap, "%s.%s", im->prefix, im->subject);
    else
        snprintf(out, cap, "%s", im->subject);
}

/* checkStreamImportsForCycles / checkServiceImportsForCycles: does what `from` gives on
 * subject (of the same kind) come, through its own imports, from `target`? */
static bool import_cycle(const struct auth_conf *a, const char *target, const char *from,
                         const char *subject, bool service, int depth)
{
    const struct account_conf *ac = auth_find_account(a, from);
    char local[1024];

    if (!ac || depth > 16)
        return false;
    for (uint32_t i = 0; i < ac->nimports; i++) {
        const struct import_conf *im = &ac->imports[i];
        if (im->service != service)
            continue;
        import_local(im, local, sizeof(local));
        if (!subjects_overlap(local, subject))
            continue;
        if (strcmp(im->account, target) == 0 ||
            import_cycle(a, target, im->account, im->subject, service, depth + 1))
            return true;
    }
    return false;
}

static bool list_valid(const struct perm_list *pl, char **err)
{
    for (uint32_t i = 0; i < pl->n; i++) {
        const struct perm_entry *pe = &pl->v[i];
        bool ok = subj_is_valid(pe->subject, strlen(pe->subject)) &&
                  (!pe->queue || subj_is_valid(pe->queue, strlen(pe->queue)));
        if (!ok) {
            char full[1024], *q;
            snprintf(full, sizeof(full), "%s%s%s", pe->subject, pe->queue ? " " : "",
                     pe->queue ? pe->queue : "");
            q = quote(full);
            *err = xmalloc(strlen(q) + 64);
            sprintf(*err, M_BAD_SUBJECT, q);
            free(q);
            return false;
        }
    }
    return true;
}

static bool perms_valid(const struct permissions *p, char **err)
{
    if (!p)
        return true;
    return list_valid(&p->pub_allow, err) && list_valid(&p->pub_deny, err) &&
           list_valid(&p->sub_allow, err) && list_valid(&p->sub_deny, err);
}

void oc_auth_validate(struct loader *l, const struct conf_entry *accounts_entry, char **err)
{
    const struct auth_conf *a = &l->o->auth;
    bool cycle_found = false;

    for (uint32_t i = 0; i < a->naccounts && accounts_entry; i++) {
        const struct account_conf *ac = &a->accounts[i];
        for (uint32_t k = 0; k < ac->nimports; k++) {
            const struct import_conf *im = &ac->imports[k];
            const struct account_conf *ex = auth_find_account(a, im->account);
            const char *kind = im->service ? "service" : "stream";
            char *q;
            if (!ex) {
                q = quote(im->account);
                oc_error_at(l, accounts_entry, M_ACC_NOT_DEFINED, q, kind);
                free(q);
            } else if (!auth_export_for(ex, im, ac->name)) {
                q = quote(im->subject);
                oc_error_at(l, accounts_entry, M_IMPORT_DENIED, kind, q, kind);
                free(q);
            } else if (!cycle_found &&
                       import_cycle(a, ac->name, im->account, im->subject, im->service, 0)) {
                q = quote(im->subject); /* reported once, as the reference */
                oc_error_at(l, accounts_entry, M_IMPORT_CYCLE, kind, q);
                free(q);
                cycle_found = true;
            }
        }
    }
    for (uint32_t i = 0; i < a->nusers && !*err; i++)
        perms_valid(a->users[i].perms, err);
    if (!*err)
        perms_valid(a->default_perms, err);
    for (uint32_t i = 0; i < a->naccounts && !*err; i++)
        perms_valid(a->accounts[i].default_perms, err);
}
