/* Unit tests for src/auth/jwt.c and jwt_claims.c: tokens made by jwt_encode decode and
 * verify, every claim field maps onto its struct, and tampered, mis-signed, expired,
 * oversize and malformed tokens are refused with the right error. (The reference server
 * accepting these tokens is checked in tests/auth.) */
#include "test.h"

#include "auth/codec.h"
#include "auth/jwt.h"
#include "auth/nkeys.h"

#include <stdlib.h>
#include <string.h>

struct kp {
    char seed[NK_SEED_LEN + 1], pub[NK_PUBLIC_LEN + 1];
};

static void mk(struct kp *k, enum nk_type t)
{
    ASSERT_OK(nk_create(t, k->seed, k->pub));
}

/* A token with claims {sub, name, nats:{type, ...extra}} signed by seed. */
static char *issue(const char *seed, const char *sub, const char *type, const char *nats_json,
                   int64_t iat)
{
    json_t *claims = json_object(), *nats = nats_json ? json_loads(nats_json, 0, NULL)
                                                      : json_object();
    char *tok;
    if (!nats)
        test_fail(__FILE__, __LINE__, "bad test JSON: %s", nats_json);
    json_object_set_new(nats, "type", json_string(type));
    json_object_set_new(claims, "sub", json_string(sub));
    json_object_set_new(claims, "name", json_string("n"));
    json_object_set_new(claims, "nats", nats);
    tok = jwt_encode(claims, seed, iat);
    json_decref(claims);
    ASSERT(tok != NULL);
    return tok;
}

static struct jwt_claims *decode_ok(const char *tok)
{
    struct jwt_claims *c = NULL;
    int rc = jwt_decode(tok, strlen(tok), &c);
    if (rc != JWT_OK)
        test_fail(__FILE__, __LINE__, "jwt_decode: %s", jwt_strerror(rc));
    return c;
}

static int decode_rc(const char *tok)
{
    struct jwt_claims *c = (struct jwt_claims *)1;
    int rc = jwt_decode(tok, strlen(tok), &c);
    if (rc == JWT_OK)
        jwt_claims_free(c);
    else
        ASSERT(c == NULL);
    return rc;
}

TEST(operator_round_trip)
{
    struct kp op, sk, sys;
    char nats[512];
    mk(&op, NK_OPERATOR);
    mk(&sk, NK_OPERATOR);
    mk(&sys, NK_ACCOUNT);
    snprintf(nats, sizeof(nats),
             "{\"signing_keys\":[\"%s\"],\"system_account\":\"%s\","
             "\"account_server_url\":\"http://localhost:9090/jwt/v1\","
             "\"operator_service_urls\":[\"nats://a:4222\"]}",
             sk.pub, sys.pub);
    char *tok = issue(op.seed, op.pub, "operator", nats, 1700000000);
    struct jwt_claims *c = decode_ok(tok);
    ASSERT_EQ(c->kind, JWT_KIND_OPERATOR);
    ASSERT_STR_EQ(c->type, "operator");
    ASSERT_EQ(c->version, 2);
    ASSERT_STR_EQ(c->iss, op.pub);
    ASSERT_STR_EQ(c->sub, op.pub);
    ASSERT_STR_EQ(c->name, "n");
    ASSERT_EQ(c->iat, 1700000000);
    ASSERT(c->jti && strlen(c->jti) == 52); /* base32 of 32 bytes */
    ASSERT_EQ(c->u.op.signing_keys.n, 1);
    ASSERT_STR_EQ(c->u.op.signing_keys.v[0], sk.pub);
    ASSERT(jwt_operator_has_signing_key(&c->u.op, sk.pub));
    ASSERT(!jwt_operator_has_signing_key(&c->u.op, op.pub));
    ASSERT_STR_EQ(c->u.op.system_account, sys.pub);
    ASSERT_STR_EQ(c->u.op.account_server_url, "http://localhost:9090/jwt/v1");
    ASSERT_STR_EQ(c->u.op.operator_service_urls.v[0], "nats://a:4222");
    jwt_claims_free(c);
    free(tok);
}

TEST(account_round_trip)
{
    struct kp op, acc, sk1, sk2, other, u;
    char nats[4096];
    mk(&op, NK_OPERATOR);
    mk(&acc, NK_ACCOUNT);
    mk(&sk1, NK_ACCOUNT);
    mk(&sk2, NK_ACCOUNT);
    mk(&other, NK_ACCOUNT);
    mk(&u, NK_USER);
    snprintf(nats, sizeof(nats),
             "{\"limits\":{\"subs\":10,\"conn\":5,\"leaf\":-1,\"data\":1000,\"payload\":512,"
             "\"imports\":3,\"exports\":4,\"wildcards\":true,\"mem_storage\":1024,"
             "\"disk_storage\":2048,\"streams\":7,\"consumer\":8,\"disallow_bearer\":true},"
             "\"signing_keys\":[\"%s\",{\"kind\":\"user_scope\",\"key\":\"%s\","
             "\"role\":\"ops\",\"template\":{\"pub\":{\"allow\":[\"a.>\"]},\"subs\":3}}],"
             "\"exports\":[{\"name\":\"svc\",\"subject\":\"svc.*\",\"type\":\"service\","
             "\"response_type\":\"Stream\",\"response_threshold\":5000000000,"
             "\"service_latency\":{\"sampling\":50,\"results\":\"lat\"},"
             "\"account_token_position\":2,\"token_req\":true,"
             "\"revocations\":{\"%s\":123}},{\"subject\":\"feed\",\"type\":\"stream\"}],"
             "\"imports\":[{\"name\":\"i\",\"subject\":\"x.y\",\"account\":\"%s\","
             "\"to\":\"local.y\",\"type\":\"service\",\"share\":true}],"
             "\"revocations\":{\"%s\":1700000100,\"*\":1600000000},"
             "\"default_permissions\":{\"pub\":{\"deny\":[\"secret\"]},"
             "\"sub\":{\"allow\":[\"x\",\"y q\"]},\"resp\":{\"max\":1,\"ttl\":1000000000}}}",
             sk1.pub, sk2.pub, other.pub, other.pub, u.pub);
    char *tok = issue(op.seed, acc.pub, "account", nats, 0);
    struct jwt_claims *c = decode_ok(tok);
    const struct jwt_account *a = &c->u.acc;
    ASSERT_EQ(c->kind, JWT_KIND_ACCOUNT);
    ASSERT_STR_EQ(c->iss, op.pub);
    ASSERT_EQ(a->limits.subs, 10);
    ASSERT_EQ(a->limits.conn, 5);
    ASSERT_EQ(a->limits.leaf, -1);
    ASSERT_EQ(a->limits.data, 1000);
    ASSERT_EQ(a->limits.payload, 512);
    ASSERT_EQ(a->limits.imports, 3);
    ASSERT_EQ(a->limits.exports, 4);
    ASSERT(a->limits.wildcards);
    ASSERT(a->limits.disallow_bearer);
    ASSERT_EQ(a->limits.mem_storage, 1024);
    ASSERT_EQ(a->limits.disk_storage, 2048);
    ASSERT_EQ(a->limits.streams, 7);
    ASSERT_EQ(a->limits.consumer, 8);
    ASSERT_EQ(a->limits.max_ack_pending, 0); /* absent: Go's zero value */

    ASSERT_EQ(a->nsigning_keys, 2);
    const struct jwt_signing_key *k1 = jwt_account_signing_key(a, sk1.pub);
    const struct jwt_signing_key *k2 = jwt_account_signing_key(a, sk2.pub);
    ASSERT(k1 && !k1->scoped);
    ASSERT(k2 && k2->scoped);
    ASSERT_STR_EQ(k2->role, "ops");
    ASSERT_EQ(k2->tmpl.perms.pub.allow.n, 1);
    ASSERT_STR_EQ(k2->tmpl.perms.pub.allow.v[0], "a.>");
    ASSERT_EQ(k2->tmpl.subs, 3);
    ASSERT_EQ(k2->tmpl.data, JWT_NO_LIMIT); /* NewUserScope's default */
    ASSERT(jwt_account_signing_key(a, other.pub) == NULL);

    ASSERT_EQ(a->nexports, 2);
    /* jwt sorts exports by subject when encoding; jwt_encode keeps the given order */
    ASSERT_STR_EQ(a->exports[0].name, "svc");
    ASSERT_EQ(a->exports[0].type, JWT_EXPORT_SERVICE);
    ASSERT_STR_EQ(a->exports[0].response_type, "Stream");
    ASSERT_EQ(a->exports[0].response_threshold_ns, 5000000000LL);
    ASSERT(a->exports[0].has_latency);
    ASSERT_EQ(a->exports[0].latency_sampling, 50);
    ASSERT_STR_EQ(a->exports[0].latency_results, "lat");
    ASSERT_EQ(a->exports[0].account_token_position, 2);
    ASSERT(a->exports[0].token_req);
    ASSERT_EQ(a->exports[0].nrevocations, 1);
    ASSERT_STR_EQ(a->exports[0].revocations[0].key, other.pub);
    ASSERT_EQ(a->exports[0].revocations[0].at, 123);
    ASSERT_EQ(a->exports[1].type, JWT_EXPORT_STREAM);
    ASSERT_STR_EQ(a->exports[1].subject, "feed");

    ASSERT_EQ(a->nimports, 1);
    ASSERT_STR_EQ(a->imports[0].account, other.pub);
    ASSERT_STR_EQ(a->imports[0].to, "local.y");
    ASSERT_EQ(a->imports[0].type, JWT_EXPORT_SERVICE);
    ASSERT(a->imports[0].share);

    ASSERT_EQ(a->nrevocations, 2);
    ASSERT(jwt_is_revoked(a->revocations, a->nrevocations, u.pub, 1700000100));
    ASSERT(!jwt_is_revoked(a->revocations, a->nrevocations, u.pub, 1700000101));
    ASSERT(jwt_is_revoked(a->revocations, a->nrevocations, other.pub, 1600000000)); /* "*" */
    ASSERT(!jwt_is_revoked(a->revocations, a->nrevocations, other.pub, 1600000001));

    ASSERT_EQ(a->default_permissions.pub.deny.n, 1);
    ASSERT_STR_EQ(a->default_permissions.pub.deny.v[0], "secret");
    ASSERT_EQ(a->default_permissions.sub.allow.n, 2);
    ASSERT_STR_EQ(a->default_permissions.sub.allow.v[1], "y q");
    ASSERT(a->default_permissions.has_resp);
    ASSERT_EQ(a->default_permissions.resp_max, 1);
    ASSERT_EQ(a->default_permissions.resp_ttl_ns, 1000000000);
    jwt_claims_free(c);
    free(tok);

    /* an account may also be self-signed */
    tok = issue(acc.seed, acc.pub, "account", NULL, 0);
    c = decode_ok(tok);
    ASSERT_STR_EQ(c->iss, acc.pub);
    jwt_claims_free(c);
    free(tok);
}

TEST(user_round_trip)
{
    struct kp acc, u, sk;
    char nats[2048];
    mk(&acc, NK_ACCOUNT);
    mk(&u, NK_USER);
    mk(&sk, NK_ACCOUNT);
    snprintf(nats, sizeof(nats),
             "{\"issuer_account\":\"%s\",\"pub\":{\"allow\":[\"a\",\"b.*\"],\"deny\":[\"c\"]},"
             "\"sub\":{\"deny\":[\"d.>\"]},\"resp\":{\"max\":5,\"ttl\":-1},"
             "\"src\":\"192.168.1.0/24, 10.0.0.1/32,,192.168.1.0/24\","
             "\"times\":[{\"start\":\"08:00:00\",\"end\":\"17:00:00\"}],"
             "\"times_location\":\"Europe/Berlin\",\"bearer_token\":true,"
             "\"allowed_connection_types\":[\"STANDARD\",\"WEBSOCKET\"],"
             "\"subs\":-1,\"data\":100,\"payload\":10,\"tags\":[\"t1\"]}",
             acc.pub);
    char *tok = issue(sk.seed, u.pub, "user", nats, 0);
    struct jwt_claims *c = decode_ok(tok);
    const struct jwt_user *us = &c->u.user;
    ASSERT_EQ(c->kind, JWT_KIND_USER);
    ASSERT_STR_EQ(c->iss, sk.pub);
    ASSERT_STR_EQ(us->issuer_account, acc.pub);
    ASSERT_EQ(us->lim.perms.pub.allow.n, 2);
    ASSERT_STR_EQ(us->lim.perms.pub.allow.v[1], "b.*");
    ASSERT_STR_EQ(us->lim.perms.pub.deny.v[0], "c");
    ASSERT_STR_EQ(us->lim.perms.sub.deny.v[0], "d.>");
    ASSERT_EQ(us->lim.perms.sub.allow.n, 0);
    ASSERT(us->lim.perms.has_resp);
    ASSERT_EQ(us->lim.perms.resp_max, 5);
    ASSERT_EQ(us->lim.perms.resp_ttl_ns, -1);
    /* a comma-separated src is split, trimmed, deduplicated */
    ASSERT_EQ(us->lim.src.n, 2);
    ASSERT_STR_EQ(us->lim.src.v[0], "192.168.1.0/24");
    ASSERT_STR_EQ(us->lim.src.v[1], "10.0.0.1/32");
    ASSERT_EQ(us->lim.ntimes, 1);
    ASSERT_STR_EQ(us->lim.times[0].start, "08:00:00");
    ASSERT_STR_EQ(us->lim.times[0].end, "17:00:00");
    ASSERT_STR_EQ(us->lim.locale, "Europe/Berlin");
    ASSERT(us->lim.bearer_token);
    ASSERT_EQ(us->lim.allowed_connection_types.n, 2);
    ASSERT_STR_EQ(us->lim.allowed_connection_types.v[1], "WEBSOCKET");
    ASSERT_EQ(us->lim.subs, -1);
    ASSERT_EQ(us->lim.data, 100);
    ASSERT_EQ(us->lim.payload, 10);
    ASSERT_EQ(c->tags.n, 1);
    ASSERT_STR_EQ(c->tags.v[0], "t1");
    jwt_claims_free(c);
    free(tok);

    /* src as an array is taken as is */
    tok = issue(acc.seed, u.pub, "user", "{\"src\":[\"1.2.3.4/32\"]}", 0);
    c = decode_ok(tok);
    ASSERT_EQ(c->u.user.lim.src.n, 1);
    ASSERT_STR_EQ(c->u.user.lim.src.v[0], "1.2.3.4/32");
    ASSERT(c->u.user.issuer_account == NULL);
    jwt_claims_free(c);
    free(tok);
}

/* Replaces the payload part of tok with the base64url of json, keeping header and sig. */
static char *swap_payload(const char *tok, const char *json)
{
    const char *d1 = strchr(tok, '.'), *d2 = strrchr(tok, '.');
    char p[4096];
    char *out = malloc(strlen(tok) + sizeof(p));
    b64_encode((const uint8_t *)json, strlen(json), B64_URL_RAW, p, sizeof(p));
    sprintf(out, "%.*s.%s%s", (int)(d1 - tok), tok, p, d2);
    return out;
}

/* Signs header.payload of arbitrary texts (v2 layout) with seed. */
static char *forge(const char *seed, const char *header, const char *payload, bool v1)
{
    char h[1024], p[4096], s[128];
    uint8_t sig[64];
    char *out = malloc(8192);
    b64_encode((const uint8_t *)header, strlen(header), B64_URL_RAW, h, sizeof(h));
    b64_encode((const uint8_t *)payload, strlen(payload), B64_URL_RAW, p, sizeof(p));
    sprintf(out, "%s.%s", h, p);
    if (v1)
        ASSERT_OK(nk_sign_with_seed(seed, p, strlen(p), sig));
    else
        ASSERT_OK(nk_sign_with_seed(seed, out, strlen(out), sig));
    b64_encode(sig, 64, B64_URL_RAW, s, sizeof(s));
    strcat(out, ".");
    strcat(out, s);
    return out;
}

/* Copies tmpl to out with "@I" replaced by iss and "@S" by sub. */
static void subst(char *out, size_t size, const char *tmpl, const char *iss, const char *sub)
{
    size_t o = 0;
    for (const char *p = tmpl; *p && o + 60 < size; p++) {
        if (p[0] == '@' && (p[1] == 'I' || p[1] == 'S')) {
            const char *r = p[1] == 'I' ? iss : sub;
            memcpy(out + o, r, strlen(r));
            o += strlen(r);
            p++;
        } else {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
}

static const char hdr_v2[] = "{\"typ\":\"JWT\",\"alg\":\"ed25519-nkey\"}";

TEST(tampered_tokens_are_refused)
{
    struct kp acc, u, other;
    mk(&acc, NK_ACCOUNT);
    mk(&u, NK_USER);
    mk(&other, NK_ACCOUNT);
    char *tok = issue(acc.seed, u.pub, "user", NULL, 0);
    char *bad;

    /* one character of the payload changed: broken JSON or a bad signature */
    bad = strdup(tok);
    char *p = strchr(bad, '.') + 5;
    *p = *p == 'A' ? 'B' : 'A';
    ASSERT(decode_rc(bad) != JWT_OK);
    free(bad);
    /* the payload re-encoded with another name: valid claims, signature no longer fits */
    const char *d1 = strchr(tok, '.'), *d2 = strrchr(tok, '.');
    char plain[2048];
    long n = b64_decode(d1 + 1, (size_t)(d2 - d1 - 1), B64_URL_RAW, (uint8_t *)plain,
                        sizeof(plain) - 1);
    ASSERT(n > 0);
    plain[n] = '\0';
    char *name = strstr(plain, "\"name\":\"n\"");
    ASSERT(name != NULL);
    name[8] = 'm';
    bad = swap_payload(tok, plain);
    ASSERT_EQ(decode_rc(bad), JWT_ERR_SIGNATURE);
    name[8] = 'n';
    free(bad);
    bad = swap_payload(tok, plain); /* and back: the original verifies again */
    ASSERT_EQ(decode_rc(bad), JWT_OK);
    free(bad);
    /* one character of the signature changed */
    bad = strdup(tok);
    p = strrchr(bad, '.') + 3;
    *p = *p == 'A' ? 'B' : 'A';
    ASSERT_EQ(decode_rc(bad), JWT_ERR_SIGNATURE);
    free(bad);
    /* a claims swap that names another issuer: the signature is not that issuer's */
    char json[512];
    snprintf(json, sizeof(json),
             "{\"iss\":\"%s\",\"sub\":\"%s\",\"nats\":{\"type\":\"user\",\"version\":2}}",
             other.pub, u.pub);
    bad = swap_payload(tok, json);
    ASSERT_EQ(decode_rc(bad), JWT_ERR_SIGNATURE);
    free(bad);
    /* signature truncated to 63 bytes, and cut off entirely */
    bad = strdup(tok);
    bad[strlen(bad) - 2] = '\0';
    ASSERT(decode_rc(bad) != JWT_OK);
    *(strrchr(bad, '.') + 1) = '\0';
    ASSERT_EQ(decode_rc(bad), JWT_ERR_SIGNATURE);
    free(bad);
    free(tok);
}

TEST(issuer_type_must_fit_the_claim)
{
    struct kp op, acc, u;
    mk(&op, NK_OPERATOR);
    mk(&acc, NK_ACCOUNT);
    mk(&u, NK_USER);
    char *tok;
    /* a user JWT signed by an operator, an operator JWT signed by an account, an account JWT
     * signed by a user: all correctly signed, all refused */
    tok = issue(op.seed, u.pub, "user", NULL, 0);
    ASSERT_EQ(decode_rc(tok), JWT_ERR_ISSUER);
    free(tok);
    tok = issue(acc.seed, op.pub, "operator", NULL, 0);
    ASSERT_EQ(decode_rc(tok), JWT_ERR_ISSUER);
    free(tok);
    tok = issue(u.seed, acc.pub, "account", NULL, 0);
    ASSERT_EQ(decode_rc(tok), JWT_ERR_ISSUER);
    free(tok);
    /* no iss at all */
    char json[256];
    snprintf(json, sizeof(json), "{\"sub\":\"%s\",\"nats\":{\"type\":\"user\",\"version\":2}}",
             u.pub);
    tok = forge(acc.seed, hdr_v2, json, false);
    ASSERT_EQ(decode_rc(tok), JWT_ERR_ISSUER);
    free(tok);
}

TEST(malformed_tokens)
{
    struct kp acc, u;
    mk(&acc, NK_ACCOUNT);
    mk(&u, NK_USER);
    char json[512], *tok;
    ASSERT_EQ(decode_rc(""), JWT_ERR_FORMAT);
    ASSERT_EQ(decode_rc("abc"), JWT_ERR_FORMAT);
    ASSERT_EQ(decode_rc("a.b"), JWT_ERR_FORMAT);
    ASSERT_EQ(decode_rc("a.b.c.d"), JWT_ERR_FORMAT);
    ASSERT_EQ(decode_rc(".."), JWT_ERR_HEADER);
    ASSERT_EQ(decode_rc("e30.e30.AA"), JWT_ERR_HEADER); /* header {} */
    snprintf(json, sizeof(json),
             "{\"iss\":\"%s\",\"sub\":\"%s\",\"nats\":{\"type\":\"user\",\"version\":2}}", acc.pub,
             u.pub);
    /* header checks: typ in any case, alg ed25519 or ed25519-nkey in any case */
    tok = forge(acc.seed, "{\"typ\":\"jwt\",\"alg\":\"ED25519-NKEY\"}", json, false);
    ASSERT_EQ(decode_rc(tok), JWT_OK);
    free(tok);
    tok = forge(acc.seed, "{\"typ\":\"JWT\",\"alg\":\"ed25519\"}", json, false);
    ASSERT_EQ(decode_rc(tok), JWT_OK);
    free(tok);
    tok = forge(acc.seed, "{\"typ\":\"JWT\",\"alg\":\"HS256\"}", json, false);
    ASSERT_EQ(decode_rc(tok), JWT_ERR_HEADER);
    free(tok);
    tok = forge(acc.seed, "{\"typ\":\"JWS\",\"alg\":\"ed25519-nkey\"}", json, false);
    ASSERT_EQ(decode_rc(tok), JWT_ERR_HEADER);
    free(tok);
    tok = forge(acc.seed, "[1]", json, false);
    ASSERT_EQ(decode_rc(tok), JWT_ERR_HEADER);
    free(tok);
    /* payload not an object, not JSON */
    tok = forge(acc.seed, hdr_v2, "[]", false);
    ASSERT_EQ(decode_rc(tok), JWT_ERR_CLAIMS);
    free(tok);
    tok = forge(acc.seed, hdr_v2, "{\"iss\":", false);
    ASSERT_EQ(decode_rc(tok), JWT_ERR_CLAIMS);
    free(tok);
    /* a field of the wrong type fails the whole decode, as json.Unmarshal does */
    static const char *const wrong[] = {
        "{\"iss\":\"@I\",\"sub\":\"@S\",\"iat\":\"now\",\"nats\":{\"type\":\"user\"}}",
        "{\"iss\":\"@I\",\"sub\":\"@S\",\"nats\":{\"type\":\"user\",\"subs\":\"x\"}}",
        "{\"iss\":\"@I\",\"sub\":\"@S\",\"nats\":{\"type\":\"user\",\"subs\":1.5}}",
        "{\"iss\":\"@I\",\"sub\":\"@S\",\"nats\":{\"type\":\"user\",\"pub\":{\"allow\":\"a\"}}}",
        "{\"iss\":\"@I\",\"sub\":\"@S\",\"nats\":{\"type\":\"user\",\"bearer_token\":1}}",
        "{\"iss\":\"@I\",\"sub\":\"@S\",\"nats\":{\"type\":\"user\",\"src\":7}}",
        "{\"iss\":\"@I\",\"sub\":\"@S\",\"nats\":{\"type\":\"user\",\"version\":\"2\"}}",
        "{\"iss\":\"@I\",\"sub\":\"@S\",\"nats\":7}",
        "{\"iss\":7,\"sub\":\"@S\",\"nats\":{\"type\":\"user\"}}",
    };
    for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
        char j[512];
        subst(j, sizeof(j), wrong[i], acc.pub, u.pub);
        tok = forge(acc.seed, hdr_v2, j, false);
        if (decode_rc(tok) != JWT_ERR_CLAIMS)
            test_fail(__FILE__, __LINE__, "case %zu (%s) not refused as claims error", i, j);
        free(tok);
    }
    /* newer version, unsupported kinds */
    snprintf(json, sizeof(json), "{\"iss\":\"%s\",\"sub\":\"%s\",\"nats\":{\"type\":\"user\","
                                 "\"version\":3}}", acc.pub, u.pub);
    tok = forge(acc.seed, hdr_v2, json, false);
    ASSERT_EQ(decode_rc(tok), JWT_ERR_VERSION);
    free(tok);
    snprintf(json, sizeof(json), "{\"iss\":\"%s\",\"sub\":\"%s\",\"nats\":{\"type\":\"server\","
                                 "\"version\":2}}", acc.pub, u.pub);
    tok = forge(acc.seed, hdr_v2, json, false);
    ASSERT_EQ(decode_rc(tok), JWT_ERR_UNSUPPORTED);
    free(tok);
    /* an account JWT with an unknown export type or signing key kind */
    snprintf(json, sizeof(json), "{\"iss\":\"%s\",\"sub\":\"%s\",\"nats\":{\"type\":\"account\","
                                 "\"exports\":[{\"subject\":\"a\",\"type\":\"x\"}]}}", acc.pub,
             acc.pub);
    tok = forge(acc.seed, hdr_v2, json, false);
    ASSERT_EQ(decode_rc(tok), JWT_ERR_CLAIMS);
    free(tok);
    snprintf(json, sizeof(json), "{\"iss\":\"%s\",\"sub\":\"%s\",\"nats\":{\"type\":\"account\","
                                 "\"signing_keys\":[{\"kind\":\"x\",\"key\":\"k\"}]}}", acc.pub,
             acc.pub);
    tok = forge(acc.seed, hdr_v2, json, false);
    ASSERT_EQ(decode_rc(tok), JWT_ERR_CLAIMS);
    free(tok);
    /* a generic claim type decodes (common fields only) */
    snprintf(json, sizeof(json), "{\"iss\":\"%s\",\"sub\":\"x\",\"nats\":{\"type\":\"thing\","
                                 "\"version\":2}}", u.pub);
    tok = forge(u.seed, hdr_v2, json, false);
    struct jwt_claims *c = decode_ok(tok);
    ASSERT_EQ(c->kind, JWT_KIND_GENERIC);
    ASSERT_STR_EQ(c->type, "thing");
    jwt_claims_free(c);
    free(tok);
}

TEST(v1_tokens_sign_the_payload_only)
{
    struct kp acc, u;
    mk(&acc, NK_ACCOUNT);
    mk(&u, NK_USER);
    char json[512], *tok;
    snprintf(json, sizeof(json),
             "{\"iss\":\"%s\",\"sub\":\"%s\",\"type\":\"user\",\"issuer_account\":\"%s\","
             "\"tags\":[\"old\"],\"nats\":{\"pub\":{\"allow\":[\"v1\"]}}}",
             acc.pub, u.pub, acc.pub);
    tok = forge(acc.seed, "{\"typ\":\"jwt\",\"alg\":\"ed25519\"}", json, true);
    struct jwt_claims *c = decode_ok(tok);
    ASSERT_EQ(c->version, 1);
    ASSERT_EQ(c->kind, JWT_KIND_USER);
    ASSERT_STR_EQ(c->u.user.lim.perms.pub.allow.v[0], "v1");
    ASSERT_STR_EQ(c->u.user.issuer_account, acc.pub);
    ASSERT_STR_EQ(c->tags.v[0], "old");
    jwt_claims_free(c);
    free(tok);
    /* the same claims signed v2-style do not verify as v1 */
    tok = forge(acc.seed, "{\"typ\":\"jwt\",\"alg\":\"ed25519\"}", json, false);
    ASSERT_EQ(decode_rc(tok), JWT_ERR_SIGNATURE);
    free(tok);
}

TEST(time_checks)
{
    struct jwt_claims c;
    memset(&c, 0, sizeof(c));
    ASSERT(!jwt_is_expired(&c, 2000000000));
    ASSERT(!jwt_is_not_yet_valid(&c, 0));
    c.exp = 1000;
    ASSERT(!jwt_is_expired(&c, 1000));
    ASSERT(jwt_is_expired(&c, 1001));
    c.nbf = 500;
    ASSERT(jwt_is_not_yet_valid(&c, 499));
    ASSERT(!jwt_is_not_yet_valid(&c, 500));

    /* exp / nbf survive encoding */
    struct kp acc, u;
    mk(&acc, NK_ACCOUNT);
    mk(&u, NK_USER);
    json_t *claims = json_pack("{s:s,s:I,s:I,s:{s:s}}", "sub", u.pub, "exp", (json_int_t)1000,
                               "nbf", (json_int_t)900, "nats", "type", "user");
    char *tok = jwt_encode(claims, acc.seed, 800);
    json_decref(claims);
    struct jwt_claims *d = decode_ok(tok);
    ASSERT_EQ(d->iat, 800);
    ASSERT(jwt_is_expired(d, 1001));
    ASSERT(jwt_is_not_yet_valid(d, 899));
    jwt_claims_free(d);
    free(tok);
}

TEST(oversize_is_refused_before_decoding)
{
    size_t n = JWT_MAX_LEN + 1;
    char *big = malloc(n + 1);
    struct jwt_claims *c = NULL;
    memset(big, 'A', n);
    big[n] = '\0';
    big[10] = '.';
    big[20] = '.';
    ASSERT_EQ(jwt_decode(big, n, &c), JWT_ERR_TOO_LONG);
    ASSERT(c == NULL);
    free(big);
}

TEST(encode_rejects_bad_input)
{
    struct kp acc;
    mk(&acc, NK_ACCOUNT);
    json_t *no_sub = json_pack("{s:{s:s}}", "nats", "type", "user");
    json_t *no_type = json_pack("{s:s}", "sub", "x");
    json_t *ok = json_pack("{s:s,s:{s:s}}", "sub", "x", "nats", "type", "user");
    ASSERT(jwt_encode(no_sub, acc.seed, 0) == NULL);
    ASSERT(jwt_encode(no_type, acc.seed, 0) == NULL);
    ASSERT(jwt_encode(ok, "SANOTASEED", 0) == NULL);
    ASSERT(jwt_encode(ok, acc.pub, 0) == NULL);
    json_decref(no_sub);
    json_decref(no_type);
    json_decref(ok);
}
