/* NATS JWTs (mirrors nats-io/jwt v2: decoder.go, header.go, claims.go and the claim types).
 * A token is header.payload.signature, each part URL-safe base64 without padding:
 *   header  {"typ":"JWT","alg":"ed25519-nkey"}  ("ed25519" from v1 also accepted; typ is
 *           compared case-insensitively, alg too, as jwt.Header.Valid does)
 *   payload the claims JSON: jti iat exp nbf iss sub name aud and a "nats" object holding
 *           "type" (operator, account, user, ...) and "version" (2). A v1 token has "type"
 *           at the top level instead.
 *   signature  Ed25519 by the issuer ("iss", a public nkey) over "header.payload" (v2) or
 *           over the payload part alone (v1).
 * jwt_decode checks all of this, and that the issuer's key type may sign that claim type
 * (operator: O; account: O or A; user: A; activation: O or A). It does NOT decide trust
 * (is the operator trusted, is the signer one of the account's signing keys, revocations,
 * expiry): that is the server's job with the helpers below.
 * Strings in the structs are owned by the claims (freed by jwt_claims_free). Absent fields
 * are 0 / false / NULL, as Go's zero values (so an absent limit is 0, not "no limit": the
 * caller applies the reference's rule for that). */
#ifndef NS_AUTH_JWT_H
#define NS_AUTH_JWT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Tokens larger than this are refused before anything is decoded. */
#define JWT_MAX_LEN (1024 * 1024)
#define JWT_NO_LIMIT (-1) /* jwt.NoLimit */

enum jwt_kind {
    JWT_KIND_GENERIC = 0, /* any other "type": only the common claims are parsed */
    JWT_KIND_OPERATOR,
    JWT_KIND_ACCOUNT,
    JWT_KIND_USER,
    JWT_KIND_ACTIVATION,
};

enum jwt_err {
    JWT_OK = 0,
    JWT_ERR_TOO_LONG = -1,   /* over JWT_MAX_LEN */
    JWT_ERR_FORMAT = -2,     /* not three parts, or a part is not base64url */
    JWT_ERR_HEADER = -3,     /* bad header JSON, typ or alg */
    JWT_ERR_CLAIMS = -4,     /* payload is not a JSON object, or a field has the wrong type */
    JWT_ERR_VERSION = -5,    /* nats.version above 2 */
    JWT_ERR_ISSUER = -6,     /* iss missing, not a public nkey, or not allowed for the kind */
    JWT_ERR_SIGNATURE = -7,  /* signature does not verify */
    JWT_ERR_UNSUPPORTED = -8, /* "cluster" / "server" claims (refused by the reference too) */
};

struct jwt_strlist {
    size_t n;
    char **v;
};

struct jwt_permission {
    struct jwt_strlist allow, deny;
};

struct jwt_permissions {
    struct jwt_permission pub, sub;
    bool has_resp;        /* "resp" present */
    int64_t resp_max;     /* resp.max */
    int64_t resp_ttl_ns;  /* resp.ttl: a Go time.Duration, nanoseconds */
};

struct jwt_time_range {
    char *start, *end; /* "15:04:05" */
};

/* jwt.UserPermissionLimits: what a user JWT carries, and a scoped signing key's template. */
struct jwt_user_limits {
    struct jwt_permissions perms;
    struct jwt_strlist src; /* CIDRs; the JSON may be an array or a comma-separated string */
    struct jwt_time_range *times;
    size_t ntimes;
    char *locale;                         /* times_location */
    int64_t subs, data, payload;          /* NatsLimits */
    bool bearer_token;
    struct jwt_strlist allowed_connection_types;
};

struct jwt_revocation {
    char *key; /* public key, or "*" for all */
    int64_t at; /* unix seconds: JWTs issued at or before are revoked */
};

struct jwt_account_limits {
    int64_t subs, data, payload;                   /* NatsLimits */
    int64_t imports, exports, conn, leaf;          /* AccountLimits */
    bool wildcards, disallow_bearer;
    int64_t mem_storage, disk_storage, streams, consumer, max_ack_pending,
        mem_max_stream_bytes, disk_max_stream_bytes; /* JetStreamLimits */
    bool max_bytes_required;
    bool has_tiered_limits; /* "tiered_limits" present: see claims->payload for details */
};

enum jwt_export_type { JWT_EXPORT_UNKNOWN = 0, JWT_EXPORT_STREAM, JWT_EXPORT_SERVICE };

struct jwt_export {
    char *name, *subject;
    enum jwt_export_type type;
    bool token_req;
    struct jwt_revocation *revocations;
    size_t nrevocations;
    char *response_type; /* "Singleton", "Stream", "Chunked" or NULL */
    int64_t response_threshold_ns;
    bool has_latency;
    int64_t latency_sampling;
    char *latency_results;
    int64_t account_token_position;
};

struct jwt_import {
    char *name, *subject, *account, *token, *to, *local_subject;
    enum jwt_export_type type;
    bool share;
};

struct jwt_signing_key {
    char *key;
    bool scoped; /* {"kind":"user_scope", ...} rather than a bare key */
    char *role;
    struct jwt_user_limits tmpl; /* only if scoped */
};

struct jwt_operator {
    struct jwt_strlist signing_keys;
    char *system_account;
    char *account_server_url;
    struct jwt_strlist operator_service_urls;
    bool strict_signing_key_usage;
};

struct jwt_account {
    struct jwt_signing_key *signing_keys;
    size_t nsigning_keys;
    struct jwt_account_limits limits;
    struct jwt_export *exports;
    size_t nexports;
    struct jwt_import *imports;
    size_t nimports;
    struct jwt_revocation *revocations;
    size_t nrevocations;
    struct jwt_permissions default_permissions;
};

struct jwt_user {
    char *issuer_account;
    struct jwt_user_limits lim;
};

struct jwt_claims {
    enum jwt_kind kind;
    char *type;    /* the claim type text ("user", ...) */
    int version;   /* 1 for v1 tokens, else nats.version */
    char *jti, *iss, *sub, *name, *aud;
    int64_t iat, exp, nbf;
    struct jwt_strlist tags;
    union {
        struct jwt_operator op;
        struct jwt_account acc;
        struct jwt_user user;
    } u; /* by kind; all zero for generic and activation */
    json_t *payload; /* the whole claims object (a reference owned by the claims), for fields
                        not mapped above (mappings, tiered_limits, authorization, ...) */
};

/* Short English text for a jwt_err. */
const char *jwt_strerror(int err);

/* Decodes and verifies token[0..len). On JWT_OK *out is a new claims object (free with
 * jwt_claims_free); otherwise *out is NULL. Never trusts anything before the length check. */
int jwt_decode(const char *token, size_t len, struct jwt_claims **out);
void jwt_claims_free(struct jwt_claims *c);

/* jwt's Validate time checks: expired if exp > 0 and now > exp; not yet valid if nbf > 0 and
 * nbf > now (now in unix seconds). */
bool jwt_is_expired(const struct jwt_claims *c, int64_t now);
bool jwt_is_not_yet_valid(const struct jwt_claims *c, int64_t now);

/* The reference's isRevoked: a key is revoked when the list has an entry for it, or for "*",
 * with a time at or after issued_at. */
bool jwt_is_revoked(const struct jwt_revocation *revs, size_t n, const char *key,
                    int64_t issued_at);
/* The account's signing key entry for key, or NULL. */
const struct jwt_signing_key *jwt_account_signing_key(const struct jwt_account *a,
                                                      const char *key);
/* True if key is one of the operator's signing keys (the operator's own key is not listed). */
bool jwt_operator_has_signing_key(const struct jwt_operator *o, const char *key);

/* Encodes claims as a v2 JWT signed with the encoded seed issuer_seed: sets "iss" (from the
 * seed), "iat" (to iat unless 0, which keeps a present one), "nats.version" 2 and "jti"
 * (base32 SHA-512/256 of the claims, as jwt does), then signs "header.payload". claims must
 * be a JSON object with "sub" and "nats.type"; it is modified in place. Returns a malloc'd
 * token, or NULL (bad seed or claims). For tests and tools: the server only decodes. */
char *jwt_encode(json_t *claims, const char *issuer_seed, int64_t iat);

#endif
