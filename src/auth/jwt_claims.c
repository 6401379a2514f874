/* Claims JSON -> jwt.h structs (the json tags of nats-io/jwt v2 types.go, user_claims.go,
 * account_claims.go, operator_claims.go, signingkeys.go, exports.go, imports.go). A field of
 * the wrong JSON type fails the whole decode, as json.Unmarshal does; null is the same as
 * absent. Keys match exactly (Go would also match other letter cases: producers never write
 * those). */
#include "auth/jwt_priv.h"

#include "core/xmalloc.h"

#include <stdlib.h>
#include <string.h>

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if ((x) != 0)                                                                              \
            return -1;                                                                             \
    } while (0)

static int get_str(const json_t *o, const char *key, char **out)
{
    const json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return -1;
    *out = xstrndup(json_string_value(v), json_string_length(v));
    return 0;
}

static int get_int(const json_t *o, const char *key, int64_t *out)
{
    const json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_integer(v))
        return -1;
    *out = (int64_t)json_integer_value(v);
    return 0;
}

static int get_bool(const json_t *o, const char *key, bool *out)
{
    const json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_boolean(v))
        return -1;
    *out = json_is_true(v);
    return 0;
}

/* An object member that must be an object when present; *out is NULL when absent/null. */
static int get_obj(const json_t *o, const char *key, const json_t **out)
{
    const json_t *v = json_object_get(o, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_object(v))
        return -1;
    *out = v;
    return 0;
}

static int strlist_from_array(const json_t *a, struct jwt_strlist *l)
{
    size_t n = json_array_size(a);
    l->v = n ? xcalloc(n, sizeof(char *)) : NULL;
    for (size_t i = 0; i < n; i++) {
        const json_t *s = json_array_get(a, i);
        if (!json_is_string(s))
            return -1;
        l->v[l->n++] = xstrndup(json_string_value(s), json_string_length(s));
    }
    return 0;
}

static int get_strlist(const json_t *o, const char *key, struct jwt_strlist *l)
{
    const json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_array(v))
        return -1;
    return strlist_from_array(v, l);
}

/* CIDRList.UnmarshalJSON: an array of strings, or one comma-separated string (lower-cased,
 * trimmed, empty items and duplicates dropped). */
static int get_cidrs(const json_t *o, const char *key, struct jwt_strlist *l)
{
    const json_t *v = json_object_get(o, key);
    const char *s, *p;
    if (!v || json_is_null(v))
        return 0;
    if (json_is_array(v))
        return strlist_from_array(v, l);
    if (!json_is_string(v))
        return -1;
    s = json_string_value(v);
    l->v = xcalloc(json_string_length(v) / 2 + 1, sizeof(char *));
    for (p = s;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *b = p, *e = p + len;
        bool dup = false;
        while (b < e && (*b == ' ' || *b == '\t' || *b == '\n' || *b == '\r'))
            b++;
        while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
            e--;
        if (e > b) {
            char *item = xstrndup(b, (size_t)(e - b));
            for (char *q = item; *q; q++)
                if (*q >= 'A' && *q <= 'Z')
                    *q = (char)(*q - 'A' + 'a');
            for (size_t i = 0; i < l->n && !dup; i++)
                dup = strcmp(l->v[i], item) == 0;
            if (dup)
                free(item);
            else
                l->v[l->n++] = item;
        }
        if (!end)
            break;
        p = end + 1;
    }
    return 0;
}

static int map_permission(const json_t *o, const char *key, struct jwt_permission *p)
{
    const json_t *v;
    CHECK(get_obj(o, key, &v));
    if (!v)
        return 0;
    CHECK(get_strlist(v, "allow", &p->allow));
    CHECK(get_strlist(v, "deny", &p->deny));
    return 0;
}

static int map_permissions(const json_t *o, struct jwt_permissions *p)
{
    const json_t *resp;
    CHECK(map_permission(o, "pub", &p->pub));
    CHECK(map_permission(o, "sub", &p->sub));
    CHECK(get_obj(o, "resp", &resp));
    if (resp) {
        p->has_resp = true;
        CHECK(get_int(resp, "max", &p->resp_max));
        CHECK(get_int(resp, "ttl", &p->resp_ttl_ns));
    }
    return 0;
}

static int map_user_limits(const json_t *o, struct jwt_user_limits *u)
{
    const json_t *times = json_object_get(o, "times");

    CHECK(map_permissions(o, &u->perms));
    CHECK(get_cidrs(o, "src", &u->src));
    if (times && !json_is_null(times)) {
        size_t n;
        if (!json_is_array(times))
            return -1;
        n = json_array_size(times);
        u->times = n ? xcalloc(n, sizeof(*u->times)) : NULL;
        for (size_t i = 0; i < n; i++) {
            const json_t *t = json_array_get(times, i);
            if (json_is_null(t)) {
                u->ntimes++;
                continue;
            }
            if (!json_is_object(t))
                return -1;
            u->ntimes++;
            CHECK(get_str(t, "start", &u->times[i].start));
            CHECK(get_str(t, "end", &u->times[i].end));
        }
    }
    CHECK(get_str(o, "times_location", &u->locale));
    CHECK(get_int(o, "subs", &u->subs));
    CHECK(get_int(o, "data", &u->data));
    CHECK(get_int(o, "payload", &u->payload));
    CHECK(get_bool(o, "bearer_token", &u->bearer_token));
    CHECK(get_strlist(o, "allowed_connection_types", &u->allowed_connection_types));
    return 0;
}

/* RevocationList: {"<pubkey>": <unix seconds>, ...} */
static int get_revocations(const json_t *o, const char *key, struct jwt_revocation **out,
                           size_t *n)
{
    const json_t *m, *v;
    const char *k;
    CHECK(get_obj(o, key, &m));
    if (!m)
        return 0;
    *out = json_object_size(m) ? xcalloc(json_object_size(m), sizeof(**out)) : NULL;
    json_object_foreach((json_t *)m, k, v) {
        if (!json_is_integer(v))
            return -1;
        (*out)[*n].key = xstrdup(k);
        (*out)[*n].at = (int64_t)json_integer_value(v);
        (*n)++;
    }
    return 0;
}

static int get_export_type(const json_t *o, enum jwt_export_type *t)
{
    const json_t *v = json_object_get(o, "type");
    const char *s;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return -1;
    s = json_string_value(v);
    if (strcmp(s, "stream") == 0)
        *t = JWT_EXPORT_STREAM;
    else if (strcmp(s, "service") == 0)
        *t = JWT_EXPORT_SERVICE;
    else
        return -1; /* ExportType.UnmarshalJSON: unknown export type */
    return 0;
}

static int map_export(const json_t *o, struct jwt_export *e)
{
    const json_t *lat;
    CHECK(get_str(o, "name", &e->name));
    CHECK(get_str(o, "subject", &e->subject));
    CHECK(get_export_type(o, &e->type));
    CHECK(get_bool(o, "token_req", &e->token_req));
    CHECK(get_revocations(o, "revocations", &e->revocations, &e->nrevocations));
    CHECK(get_str(o, "response_type", &e->response_type));
    CHECK(get_int(o, "response_threshold", &e->response_threshold_ns));
    CHECK(get_obj(o, "service_latency", &lat));
    if (lat) {
        e->has_latency = true;
        CHECK(get_int(lat, "sampling", &e->latency_sampling));
        CHECK(get_str(lat, "results", &e->latency_results));
    }
    CHECK(get_int(o, "account_token_position", &e->account_token_position));
    return 0;
}

static int map_import(const json_t *o, struct jwt_import *i)
{
    CHECK(get_str(o, "name", &i->name));
    CHECK(get_str(o, "subject", &i->subject));
    CHECK(get_str(o, "account", &i->account));
    CHECK(get_str(o, "token", &i->token));
    CHECK(get_str(o, "to", &i->to));
    CHECK(get_str(o, "local_subject", &i->local_subject));
    CHECK(get_export_type(o, &i->type));
    CHECK(get_bool(o, "share", &i->share));
    return 0;
}

/* Arrays of objects (exports, imports): null entries are skipped, as a nil pointer would
 * fail Validate in the reference; anything else than an object is a type error. */
#define MAP_ARRAY(o, key, arr, n, fn)                                                              \
    do {                                                                                           \
        const json_t *a_ = json_object_get((o), (key));                                            \
        if (a_ && !json_is_null(a_)) {                                                             \
            if (!json_is_array(a_))                                                                \
                return -1;                                                                         \
            (arr) = json_array_size(a_) ? xcalloc(json_array_size(a_), sizeof(*(arr))) : NULL;     \
            for (size_t i_ = 0; i_ < json_array_size(a_); i_++) {                                  \
                const json_t *e_ = json_array_get(a_, i_);                                         \
                if (json_is_null(e_))                                                              \
                    continue;                                                                      \
                if (!json_is_object(e_))                                                           \
                    return -1;                                                                     \
                (n)++;                                                                             \
                CHECK(fn(e_, &(arr)[(n)-1]));                                                      \
            }                                                                                      \
        }                                                                                          \
    } while (0)

/* SigningKeys.UnmarshalJSON: an array of keys or {"kind":"user_scope", "key", "role",
 * "template"} objects; another kind is an error. "user_scope" is the kind the reference
 * (jwt v2.3.0) knows; it refuses the whole account JWT for any other, so do we. */
static int map_signing_keys(const json_t *o, struct jwt_account *a)
{
    const json_t *arr = json_object_get(o, "signing_keys");
    size_t n;
    if (!arr || json_is_null(arr))
        return 0;
    if (!json_is_array(arr))
        return -1;
    n = json_array_size(arr);
    a->signing_keys = n ? xcalloc(n, sizeof(*a->signing_keys)) : NULL;
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(arr, i);
        struct jwt_signing_key *sk = &a->signing_keys[a->nsigning_keys];
        if (json_is_string(e)) {
            sk->key = xstrdup(json_string_value(e));
            a->nsigning_keys++;
        } else if (json_is_object(e)) {
            const json_t *kind = json_object_get(e, "kind"), *tmpl;
            if (!json_is_string(kind) || strcmp(json_string_value(kind), "user_scope") != 0)
                return -1;
            a->nsigning_keys++;
            sk->scoped = true;
            CHECK(get_str(e, "key", &sk->key));
            CHECK(get_str(e, "role", &sk->role));
            /* NewUserScope starts the template's NatsLimits at "no limit" */
            sk->tmpl.subs = sk->tmpl.data = sk->tmpl.payload = JWT_NO_LIMIT;
            CHECK(get_obj(e, "template", &tmpl));
            if (tmpl)
                CHECK(map_user_limits(tmpl, &sk->tmpl));
        } else if (!json_is_null(e)) {
            return -1;
        }
    }
    return 0;
}

static int map_account_limits(const json_t *o, struct jwt_account_limits *l)
{
    const json_t *lim, *tiered;
    CHECK(get_obj(o, "limits", &lim));
    if (!lim)
        return 0;
    CHECK(get_int(lim, "subs", &l->subs));
    CHECK(get_int(lim, "data", &l->data));
    CHECK(get_int(lim, "payload", &l->payload));
    CHECK(get_int(lim, "imports", &l->imports));
    CHECK(get_int(lim, "exports", &l->exports));
    CHECK(get_bool(lim, "wildcards", &l->wildcards));
    CHECK(get_bool(lim, "disallow_bearer", &l->disallow_bearer));
    CHECK(get_int(lim, "conn", &l->conn));
    CHECK(get_int(lim, "leaf", &l->leaf));
    CHECK(get_int(lim, "mem_storage", &l->mem_storage));
    CHECK(get_int(lim, "disk_storage", &l->disk_storage));
    CHECK(get_int(lim, "streams", &l->streams));
    CHECK(get_int(lim, "consumer", &l->consumer));
    CHECK(get_int(lim, "max_ack_pending", &l->max_ack_pending));
    CHECK(get_int(lim, "mem_max_stream_bytes", &l->mem_max_stream_bytes));
    CHECK(get_int(lim, "disk_max_stream_bytes", &l->disk_max_stream_bytes));
    CHECK(get_bool(lim, "max_bytes_required", &l->max_bytes_required));
    CHECK(get_obj(lim, "tiered_limits", &tiered));
    l->has_tiered_limits = tiered != NULL;
    return 0;
}

static int map_account(const json_t *nats, struct jwt_account *a)
{
    const json_t *dp;
    MAP_ARRAY(nats, "imports", a->imports, a->nimports, map_import);
    MAP_ARRAY(nats, "exports", a->exports, a->nexports, map_export);
    CHECK(map_account_limits(nats, &a->limits));
    CHECK(map_signing_keys(nats, a));
    CHECK(get_revocations(nats, "revocations", &a->revocations, &a->nrevocations));
    CHECK(get_obj(nats, "default_permissions", &dp));
    if (dp)
        CHECK(map_permissions(dp, &a->default_permissions));
    return 0;
}

static int map_operator(const json_t *nats, struct jwt_operator *op)
{
    CHECK(get_strlist(nats, "signing_keys", &op->signing_keys));
    CHECK(get_str(nats, "account_server_url", &op->account_server_url));
    CHECK(get_strlist(nats, "operator_service_urls", &op->operator_service_urls));
    CHECK(get_str(nats, "system_account", &op->system_account));
    CHECK(get_bool(nats, "strict_signing_key_usage", &op->strict_signing_key_usage));
    return 0;
}

static int map_common(struct jwt_claims *c, const json_t *o)
{
    CHECK(get_str(o, "jti", &c->jti));
    CHECK(get_str(o, "iss", &c->iss));
    CHECK(get_str(o, "sub", &c->sub));
    CHECK(get_str(o, "name", &c->name));
    CHECK(get_str(o, "aud", &c->aud));
    CHECK(get_int(o, "iat", &c->iat));
    CHECK(get_int(o, "exp", &c->exp));
    CHECK(get_int(o, "nbf", &c->nbf));
    return 0;
}

int jwt_claims_map(struct jwt_claims *c)
{
    const json_t *o = c->payload, *nats;

    if (map_common(c, o) != 0 || get_obj(o, "nats", &nats) != 0)
        return JWT_ERR_CLAIMS;
    if (nats && get_strlist(nats, "tags", &c->tags) != 0)
        return JWT_ERR_CLAIMS;
    /* v1 kept tags at the top level */
    if (c->version <= 1 && c->tags.n == 0 && get_strlist(o, "tags", &c->tags) != 0)
        return JWT_ERR_CLAIMS;
    if (!nats)
        nats = json_object(); /* an empty view; borrowed below only */
    else
        json_incref((json_t *)nats);
    int rc = 0;
    switch (c->kind) {
    case JWT_KIND_OPERATOR:
        rc = map_operator(nats, &c->u.op);
        break;
    case JWT_KIND_ACCOUNT:
        rc = map_account(nats, &c->u.acc);
        break;
    case JWT_KIND_USER:
        /* loadUser unmarshals into a zero UserClaims: an absent limit is 0 */
        rc = map_user_limits(nats, &c->u.user.lim);
        if (rc == 0)
            rc = get_str(nats, "issuer_account", &c->u.user.issuer_account);
        if (rc == 0 && c->version <= 1 && !c->u.user.issuer_account)
            rc = get_str(o, "issuer_account", &c->u.user.issuer_account);
        break;
    default:
        break;
    }
    json_decref((json_t *)nats);
    return rc == 0 ? JWT_OK : JWT_ERR_CLAIMS;
}
