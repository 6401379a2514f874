/* nkey users and JWT operator mode, differential: every scenario runs against natrium and,
 * when present, the reference ($NATS_REF_BIN); the raw-wire transcripts must be the same and
 * equal to the expected text (so the test still means something without the reference).
 * Keys, JWTs and configs come from tests/tools/nkjwt at test time. Includes the published
 * nats-server advisories about JWT/nkey authentication that apply to these features:
 *   CVE-2020-26521 (malformed JWTs crashed the server): garbage tokens are refused cleanly;
 *   CVE-2020-26892 (expired credentials accepted): expired user/account JWTs are refused and
 *     a connection is closed when its user JWT expires;
 *   user JWT impersonation (a JWT naming an account it was not signed for, or signed by an
 *     operator directly) is refused;
 *   CVE-2022-29946 (queue subscriptions bypassed subscribe deny lists) with JWT permissions;
 *   CVE-2023-47090 class (no_auth_user fast path): refused with an operator. */
#include "auth_util.h"
#include "proc.h"
#include "test.h"
#include "wire.h"

#include "auth/codec.h"
#include "auth/jwt.h"
#include "auth/nonce.h"

#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define QUIET_MS 250
#define CLOSED "<closed>"

/* One raw session: reads INFO, sends CONNECT {fields,"sig":<nonce signed by seed>} (no sig
 * when seed is NULL), then cmds and PING; returns what came back until quiet, plus CLOSED
 * if the server closed the connection. If keep is not NULL the wire stays open there. */
static char *session_ex(int port, const char *fields, const char *seed, const char *cmds,
                        struct wire **keep)
{
    struct wire *w = wire_connect(port);
    char *info, *out, sigpart[200] = "";
    json_t *j;
    const char *nonce;

    ASSERT(w != NULL);
    info = wire_info(w, WIRE_TIMEOUT_MS);
    ASSERT(info != NULL);
    j = json_loads(info, 0, NULL);
    ASSERT(j != NULL);
    nonce = json_string_value(json_object_get(j, "nonce"));
    if (seed) {
        uint8_t sig[NK_SIG_LEN];
        char sig64[128];
        ASSERT(nonce != NULL);
        ASSERT_OK(nk_sign_with_seed(seed, nonce, strlen(nonce), sig));
        b64_encode(sig, sizeof(sig), B64_URL_RAW, sig64, sizeof(sig64));
        snprintf(sigpart, sizeof(sigpart), ",\"sig\":\"%s\"", sig64);
    }
    wire_sendf(w,
               "CONNECT {\"verbose\":false,\"pedantic\":false,\"protocol\":1%s%s%s}\r\n%sPING\r\n",
               fields && *fields ? "," : "", fields ? fields : "", sigpart, cmds ? cmds : "");
    out = wire_drain(w, QUIET_MS);
    if (!keep && wire_wait_closed(w, 100)) {
        size_t n = strlen(out);
        out = realloc(out, n + sizeof(CLOSED));
        memcpy(out + n, CLOSED, sizeof(CLOSED));
    }
    json_decref(j);
    free(info);
    if (keep)
        *keep = w;
    else
        wire_close(w);
    return out;
}

static char *session(int port, const char *fields, const char *seed, const char *cmds)
{
    return session_ex(port, fields, seed, cmds, NULL);
}

/* A growing transcript: "name: <escaped output>\n" per session. */
struct tx {
    char *s;
    size_t n;
};

/* Replaces each INFO line by "INFO max_payload=<n>[ nonce]" (ids and ports differ). */
static char *normalize_info(char *out)
{
    char *p = strstr(out, "INFO {"), *end, *res;
    json_t *j;
    size_t n;

    if (!p || !(end = strstr(p, "\r\n")))
        return out;
    *end = '\0';
    j = json_loads(p + 5, 0, NULL);
    ASSERT(j != NULL);
    n = strlen(out) + strlen(end + 2) + 64;
    res = malloc(n);
    snprintf(res, n, "%.*sINFO max_payload=%lld%s\r\n%s", (int)(p - out), out,
             (long long)json_integer_value(json_object_get(j, "max_payload")),
             json_object_get(j, "nonce") ? " nonce" : "", end + 2);
    json_decref(j);
    free(out);
    return normalize_info(res);
}

static void tx_add(struct tx *t, const char *name, char *out)
{
    out = normalize_info(out);
    const char *e = wire_escape(out, strlen(out));
    size_t add = strlen(name) + strlen(e) + 4;
    t->s = realloc(t->s, t->n + add + 1);
    t->n += (size_t)snprintf(t->s + t->n, add + 1, "%s: %s\n", name, e);
    free(out);
}

/* Runs fn against natrium and the reference; both transcripts must equal expect. */
typedef char *scenario_fn(const char *bin, void *arg);
static void both(scenario_fn *fn, void *arg, const char *expect)
{
    const char *ref = proc_ref_bin();
    char *ours = fn(proc_our_bin(), arg);
    if (strcmp(ours, expect) != 0)
        test_fail(__FILE__, __LINE__, "natrium:\n%s\nwant:\n%s", ours, expect);
    if (ref) {
        char *r = fn(ref, arg);
        if (strcmp(r, expect) != 0)
            test_fail(__FILE__, __LINE__, "reference:\n%s\nwant:\n%s", r, expect);
        free(r);
    }
    free(ours);
}

#define VIOLATION "-ERR 'Authorization Violation'\\r\\n" CLOSED
#define PONG "PONG\\r\\n"
#define INFO4 "INFO max_payload=4\\r\\n"

/* ---- operator mode world ---------------------------------------------------------------- */

struct world {
    struct kp op, acc, user;
    char *op_jwt, *acc_jwt;
    char extra_conf[16384]; /* more config lines (more preloads, system_account, ...) */
    char extra_preload[16384];
};

static void world_init(struct world *w, const char *acc_nats)
{
    memset(w, 0, sizeof(*w));
    tool_key(&w->op, "operator");
    tool_key(&w->acc, "account");
    tool_key(&w->user, "user");
    w->op_jwt = nkjwt("operator --seed %s --name op", w->op.seed);
    w->acc_jwt = nkjwt("account --seed %s --sub %s --name acc --nats '%s'", w->op.seed, w->acc.pub,
                       acc_nats ? acc_nats : "{}");
}

static void world_free(struct world *w)
{
    free(w->op_jwt);
    free(w->acc_jwt);
}

static void world_start(struct world *w, struct server_proc *sp, const char *bin)
{
    char *conf = malloc(65536);
    memset(sp, 0, sizeof(*sp));
    snprintf(conf, 65536, "operator: %s\nresolver: MEMORY\nresolver_preload {\n  %s: %s\n%s}\n%s",
             w->op_jwt, w->acc.pub, w->acc_jwt, w->extra_preload, w->extra_conf);
    ASSERT_OK(proc_start_conf(sp, bin, conf, NULL));
    free(conf);
}

static char *jwt_field(const char *jwt)
{
    char *f = malloc(strlen(jwt) + 16);
    sprintf(f, "\"jwt\":\"%s\"", jwt);
    return f;
}

/* A user session with a user JWT made by `nkjwt user --seed <signer> --sub <user> <opts>`. */
static char *user_session(int port, const char *signer_seed, const struct kp *u, const char *opts,
                          const char *cmds)
{
    char *jwt = nkjwt("user --seed %s --sub %s %s", signer_seed, u->pub, opts ? opts : "");
    char *f = jwt_field(jwt);
    char *out = session(port, f, u->seed, cmds);
    free(f);
    free(jwt);
    return out;
}

/* ---- nkey users ------------------------------------------------------------------------- */

struct nk_arg {
    struct kp u, other;
};

static char *nkey_scenario(const char *bin, void *arg)
{
    struct nk_arg *a = arg;
    struct server_proc sp;
    struct tx t = {0};
    char conf[1024], f[256], *info;
    struct wire *w;

    memset(&sp, 0, sizeof(sp));
    snprintf(conf, sizeof(conf),
             "authorization { users = [ {nkey: %s, permissions: {publish: \"ok.>\"}} ] }\n",
             a->u.pub);
    ASSERT_OK(proc_start_conf(&sp, bin, conf, NULL));
    /* the nonce: present, 15 characters of URL-safe base64 */
    w = wire_connect(sp.port);
    info = wire_info(w, WIRE_TIMEOUT_MS);
    ASSERT_MATCH(info, "\"client_ip\":\"127.0.0.1\",\"nonce\":\"[A-Za-z0-9_-]{15}\"} $");
    free(info);
    wire_close(w);

    snprintf(f, sizeof(f), "\"nkey\":\"%s\"", a->u.pub);
    tx_add(&t, "good", session(sp.port, f, a->u.seed, "PUB ok.1 1\r\nx\r\nPUB no 1\r\nx\r\n"));
    tx_add(&t, "other seed", session(sp.port, f, a->other.seed, NULL));
    tx_add(&t, "no sig", session(sp.port, f, NULL, NULL));
    snprintf(f, sizeof(f), "\"nkey\":\"%s\"", a->other.pub);
    tx_add(&t, "unknown nkey", session(sp.port, f, a->other.seed, NULL));
    tx_add(&t, "user/pass", session(sp.port, "\"user\":\"a\",\"pass\":\"b\"", NULL, NULL));
    tx_add(&t, "nothing", session(sp.port, NULL, NULL, NULL));
    snprintf(f, sizeof(f), "authentication error - Nkey \"%s\"", a->other.pub);
    ASSERT(proc_log_wait(&sp, f, 2000));
    ASSERT(proc_log_wait(&sp, "Publish Violation - Nkey \"", 2000));
    proc_stop(&sp, SIGTERM);
    return t.s;
}

TEST(nkey_users)
{
    struct nk_arg a;
    tool_key(&a.u, "user");
    tool_key(&a.other, "user");
    both(nkey_scenario, &a,
         "good: -ERR 'Permissions Violation for Publish to \"no\"'\\r\\n" PONG "\n"
         "other seed: " VIOLATION "\n"
         "no sig: " VIOLATION "\n"
         "unknown nkey: " VIOLATION "\n"
         "user/pass: " VIOLATION "\n"
         "nothing: " VIOLATION "\n");
}

/* ---- operator mode: accepted, permissions from the JWT ---------------------------------- */

static char *perms_scenario(const char *bin, void *arg)
{
    struct world *w = arg;
    struct server_proc sp;
    struct tx t = {0};
    char logline[256];

    world_start(w, &sp, bin);
    tx_add(&t, "perms",
           user_session(sp.port, w->acc.seed, &w->user,
                        "--nats '{\"pub\":{\"allow\":[\"a.>\"]},\"sub\":{\"deny\":[\"b.>\"]}}'",
                        "PUB a.b 1\r\nx\r\nPUB c 1\r\nx\r\nSUB b.c 1\r\nSUB a.x 2\r\n"
                        "PUB a.x 1\r\ny\r\n"));
    /* responses: nothing published but replies to requests received */
    tx_add(&t, "resp",
           user_session(sp.port, w->acc.seed, &w->user, "--nats '{\"resp\":{\"max\":1,\"ttl\":0}}'",
                        "SUB req 1\r\nPUB x 1\r\nx\r\n"));
    /* queue subscriptions against a subscribe deny list (CVE-2022-29946 class) */
    tx_add(
        &t, "queue deny",
        user_session(sp.port, w->acc.seed, &w->user,
                     "--nats '{\"sub\":{\"deny\":[\"foo\"],\"allow\":[\"foo\",\"bar q1\"]}}'",
                     "SUB foo q 1\r\nSUB foo 2\r\nSUB bar 3\r\nSUB bar q2 4\r\nSUB bar q1 5\r\n"));
    snprintf(logline, sizeof(logline), "Publish Violation - JWT User \"%s\", Subject \"c\"",
             w->user.pub);
    ASSERT(proc_log_wait(&sp, logline, 2000));
    proc_stop(&sp, SIGTERM);
    return t.s;
}

TEST(operator_permissions_from_jwt)
{
    struct world w;
    world_init(&w, NULL);
    both(perms_scenario, &w,
         "perms: -ERR 'Permissions Violation for Publish to \"c\"'\\r\\n"
         "-ERR 'Permissions Violation for Subscription to \"b.c\"'\\r\\n"
         "MSG a.x 2 1\\r\\ny\\r\\n" PONG "\n"
         "resp: -ERR 'Permissions Violation for Publish to \"x\"'\\r\\n" PONG "\n"
         "queue deny: -ERR 'Permissions Violation for Subscription to \"foo\" using queue "
         "\"q\"'\\r\\n-ERR 'Permissions Violation for Subscription to \"foo\"'\\r\\n"
         "-ERR 'Permissions Violation for Subscription to \"bar\"'\\r\\n"
         "-ERR 'Permissions Violation for Subscription to \"bar\" using queue \"q2\"'\\r\\n" PONG
         "\n");
    world_free(&w);
}

/* ---- operator mode: refusals --------------------------------------------------------------- */

struct refuse_arg {
    struct world w;
    struct kp other_op, other_acc, unknown_acc, sk, scoped, revoked, u2;
    char *other_acc_jwt;
};

static char *tampered(const char *jwt)
{
    const char *d1 = strchr(jwt, '.'), *d2 = strrchr(jwt, '.');
    char plain[8192], p64[12000], *out = malloc(16384);
    long n =
        b64_decode(d1 + 1, (size_t)(d2 - d1 - 1), B64_URL_RAW, (uint8_t *)plain, sizeof(plain) - 1);
    ASSERT(n > 0);
    plain[n] = '\0';
    char *nm = strstr(plain, "\"name\":\"u1\"");
    ASSERT(nm != NULL);
    nm[9] = '2';
    b64_encode((const uint8_t *)plain, (size_t)n, B64_URL_RAW, p64, sizeof(p64));
    snprintf(out, 16384, "%.*s.%s%s", (int)(d1 - jwt), jwt, p64, d2);
    return out;
}

static char *refuse_scenario(const char *bin, void *arg)
{
    struct refuse_arg *a = arg;
    struct world *w = &a->w;
    struct server_proc sp;
    struct tx t = {0};
    long long now = (long long)time(NULL);
    char opts[1024], *f, *j;

    world_start(w, &sp, bin);
    tx_add(&t, "good", user_session(sp.port, w->acc.seed, &w->user, "--name u1", NULL));
    j = nkjwt("user --seed %s --sub %s --name u1", w->acc.seed, w->user.pub);
    char *tj = tampered(j);
    f = jwt_field(tj);
    tx_add(&t, "tampered", session(sp.port, f, w->user.seed, NULL));
    free(f);
    free(tj);
    f = jwt_field(j);
    tx_add(&t, "other user's seed", session(sp.port, f, a->u2.seed, NULL));
    tx_add(&t, "no sig", session(sp.port, f, NULL, NULL));
    free(f);
    free(j);
    tx_add(&t, "unknown account", user_session(sp.port, a->unknown_acc.seed, &w->user, NULL, NULL));
    tx_add(&t, "untrusted operator's account",
           user_session(sp.port, a->other_acc.seed, &w->user, NULL, NULL));
    snprintf(opts, sizeof(opts), "--exp %lld", now - 60);
    tx_add(&t, "expired", user_session(sp.port, w->acc.seed, &w->user, opts, NULL));
    snprintf(opts, sizeof(opts), "--nbf %lld", now + 3600);
    tx_add(&t, "not yet valid", user_session(sp.port, w->acc.seed, &w->user, opts, NULL));
    tx_add(&t, "revoked", user_session(sp.port, w->acc.seed, &a->revoked, NULL, NULL));
    tx_add(&t, "signing key", user_session(sp.port, a->sk.seed, &w->user, NULL, NULL));
    snprintf(opts, sizeof(opts), "--nats '{\"issuer_account\":\"%s\"}'", w->acc.pub);
    tx_add(&t, "signing key + issuer_account",
           user_session(sp.port, a->sk.seed, &w->user, opts, NULL));
    /* impersonation: another account's key claims to sign for this account */
    tx_add(&t, "foreign signer + issuer_account",
           user_session(sp.port, a->other_acc.seed, &w->user, opts, NULL));
    tx_add(&t, "operator-signed user", user_session(sp.port, w->op.seed, &w->user, NULL, NULL));
    snprintf(opts, sizeof(opts),
             "--nats '{\"issuer_account\":\"%s\",\"subs\":-1,\"data\":-1,\"payload\":-1}'",
             w->acc.pub);
    tx_add(&t, "scoped, limits -1", user_session(sp.port, a->scoped.seed, &w->user, opts, NULL));
    snprintf(opts, sizeof(opts),
             "--nats '{\"issuer_account\":\"%s\",\"subs\":0,\"data\":0,\"payload\":0}'",
             w->acc.pub);
    tx_add(&t, "scoped", user_session(sp.port, a->scoped.seed, &w->user, opts, NULL));
    snprintf(opts, sizeof(opts), "--nats '{\"issuer_account\":\"%s\",\"pub\":{\"allow\":[\"x\"]}}'",
             w->acc.pub);
    tx_add(&t, "scoped with permissions",
           user_session(sp.port, a->scoped.seed, &w->user, opts, NULL));
    j = nkjwt("user --seed %s --sub %s --nats '{\"bearer_token\":true}'", w->acc.seed, w->user.pub);
    f = jwt_field(j);
    tx_add(&t, "bearer without sig", session(sp.port, f, NULL, NULL));
    {
        /* CONNECT again, twice, on the same connection */
        size_t n = 2 * strlen(f) + 64;
        char *again = malloc(n);
        snprintf(again, n, "CONNECT {%s}\r\nCONNECT {%s}\r\n", f, f);
        tx_add(&t, "bearer, CONNECT again", session(sp.port, f, NULL, again));
        free(again);
    }
    free(f);
    free(j);
    tx_add(&t, "conn types WEBSOCKET",
           user_session(sp.port, w->acc.seed, &w->user,
                        "--nats '{\"allowed_connection_types\":[\"WEBSOCKET\"]}'", NULL));
    tx_add(&t, "conn types STANDARD",
           user_session(sp.port, w->acc.seed, &w->user,
                        "--nats '{\"allowed_connection_types\":[\"STANDARD\",\"MQTT\"]}'", NULL));
    tx_add(
        &t, "src 10/8",
        user_session(sp.port, w->acc.seed, &w->user, "--nats '{\"src\":[\"10.0.0.0/8\"]}'", NULL));
    tx_add(
        &t, "src 127.0.0.1/32",
        user_session(sp.port, w->acc.seed, &w->user, "--nats '{\"src\":\"127.0.0.1/32\"}'", NULL));
    /* CVE-2020-26521 class: malformed tokens are refused, the server keeps serving */
    tx_add(&t, "garbage jwt", session(sp.port, "\"jwt\":\"garbage\"", w->user.seed, NULL));
    tx_add(&t, "three dots",
           session(sp.port, "\"jwt\":\"eyJ0eXAiOiJKV1QifQ.e30.e30\"", w->user.seed, NULL));
    tx_add(&t, "jwt not a string", session(sp.port, "\"jwt\":5", w->user.seed, NULL));
    f = jwt_field(w->acc_jwt);
    tx_add(&t, "account JWT as user JWT", session(sp.port, f, w->acc.seed, NULL));
    free(f);
    tx_add(&t, "user/pass", session(sp.port, "\"user\":\"a\",\"pass\":\"b\"", NULL, NULL));
    tx_add(&t, "nkey only", session(sp.port, "\"nkey\":\"UAAA\"", w->user.seed, NULL));
    tx_add(&t, "still good", user_session(sp.port, w->acc.seed, &w->user, NULL, NULL));
    ASSERT(proc_log_wait(&sp, "] 127.0.0.1:", 1000));
    proc_stop(&sp, SIGTERM);
    return t.s;
}

TEST(operator_refusals)
{
    struct refuse_arg a;
    char nats[4096];
    tool_key(&a.other_op, "operator");
    tool_key(&a.other_acc, "account");
    tool_key(&a.unknown_acc, "account");
    tool_key(&a.sk, "account");
    tool_key(&a.scoped, "account");
    tool_key(&a.revoked, "user");
    tool_key(&a.u2, "user");
    snprintf(nats, sizeof(nats),
             "{\"signing_keys\":[\"%s\",{\"kind\":\"user_scope\",\"key\":\"%s\",\"role\":\"r\","
             "\"template\":{\"subs\":-1,\"data\":-1,\"payload\":-1}}],"
             "\"revocations\":{\"%s\":%lld}}",
             a.sk.pub, a.scoped.pub, a.revoked.pub, (long long)time(NULL) + 3600);
    world_init(&a.w, nats);
    /* the other account is preloaded too, but signed by an operator the server does not trust */
    a.other_acc_jwt = nkjwt("account --seed %s --sub %s", a.other_op.seed, a.other_acc.pub);
    snprintf(a.w.extra_preload, sizeof(a.w.extra_preload), "  %s: %s\n", a.other_acc.pub,
             a.other_acc_jwt);
    both(refuse_scenario, &a,
         "good: " PONG "\n"
         "tampered: " VIOLATION "\n"
         "other user's seed: " VIOLATION "\n"
         "no sig: " VIOLATION "\n"
         "unknown account: " VIOLATION "\n"
         "untrusted operator's account: " VIOLATION "\n"
         "expired: " VIOLATION "\n"
         "not yet valid: " VIOLATION "\n"
         "revoked: " VIOLATION "\n"
         "signing key: " VIOLATION "\n"
         "signing key + issuer_account: " PONG "\n"
         "foreign signer + issuer_account: " VIOLATION "\n"
         "operator-signed user: " VIOLATION "\n"
         "scoped, limits -1: " VIOLATION "\n"
         "scoped: " PONG "\n"
         "scoped with permissions: " VIOLATION "\n"
         "bearer without sig: " PONG "\n"
         "bearer, CONNECT again: " PONG "\n"
         "conn types WEBSOCKET: " VIOLATION "\n"
         "conn types STANDARD: " PONG "\n"
         "src 10/8: " VIOLATION "\n"
         "src 127.0.0.1/32: " PONG "\n"
         "garbage jwt: " VIOLATION "\n"
         "three dots: " VIOLATION "\n"
         "jwt not a string: " CLOSED "\n"
         "account JWT as user JWT: " VIOLATION "\n"
         "user/pass: " VIOLATION "\n"
         "nkey only: " VIOLATION "\n"
         "still good: " PONG "\n");
    free(a.other_acc_jwt);
    world_free(&a.w);
}

/* ---- account limits --------------------------------------------------------------------- */

static char *limits_scenario(const char *bin, void *arg)
{
    struct world *w = arg;
    struct server_proc sp;
    struct tx t = {0};
    struct wire *first;
    char *jwt, *f;

    world_start(w, &sp, bin);
    jwt = nkjwt("user --seed %s --sub %s", w->acc.seed, w->user.pub);
    f = jwt_field(jwt);
    /* subs 2: the third SUB is refused, the connection stays */
    tx_add(&t, "subs",
           session_ex(sp.port, f, w->user.seed, "SUB x 1\r\nSUB y 2\r\nSUB z 3\r\n", &first));
    /* conn 1: a second connection while the first is up */
    tx_add(&t, "second conn", session(sp.port, f, w->user.seed, NULL));
    /* payload 4 */
    wire_send(first, "PUB a 5\r\n12345\r\n");
    tx_add(&t, "payload", wire_drain(first, QUIET_MS));
    ASSERT(wire_wait_closed(first, 2000));
    wire_close(first);
    wire_sleep_ms(100);
    tx_add(&t, "after close", session(sp.port, f, w->user.seed, "PUB a 4\r\n1234\r\n"));
    free(f);
    free(jwt);
    /* the user's own limit is lower than the account's */
    tx_add(&t, "user subs 1",
           user_session(sp.port, w->acc.seed, &w->user, "--nats '{\"subs\":1}'",
                        "SUB x 1\r\nSUB y 2\r\n"));
    proc_stop(&sp, SIGTERM);
    return t.s;
}

TEST(operator_account_limits)
{
    struct world w;
    world_init(&w, "{\"limits\":{\"conn\":1,\"subs\":2,\"payload\":4}}");
    both(limits_scenario, &w,
         "subs: -ERR 'maximum subscriptions exceeded'\\r\\n" PONG INFO4 "\n"
         "second conn: -ERR 'maximum account active connections exceeded'\\r\\n" CLOSED "\n"
         "payload: -ERR 'Maximum Payload Violation'\\r\\n\n"
         "after close: " PONG INFO4 "\n"
         "user subs 1: -ERR 'maximum subscriptions exceeded'\\r\\n" PONG INFO4 "\n");
    world_free(&w);
}

/* ---- expiry (CVE-2020-26892 class) ------------------------------------------------------- */

static char *expiry_scenario(const char *bin, void *arg)
{
    struct world *w = arg;
    struct server_proc sp;
    struct tx t = {0};
    struct wire *c;
    char opts[64];
    long long t0;

    world_start(w, &sp, bin);
    snprintf(opts, sizeof(opts), "--exp %lld", (long long)time(NULL) + 2);
    char *jwt = nkjwt("user --seed %s --sub %s %s", w->acc.seed, w->user.pub, opts);
    char *f = jwt_field(jwt);
    tx_add(&t, "connect", session_ex(sp.port, f, w->user.seed, NULL, &c));
    t0 = wire_now_ms();
    char *got = wire_until(c, "\r\n", 4000);
    ASSERT(got != NULL);
    ASSERT(wire_now_ms() - t0 <= 3000);
    tx_add(&t, "later", got);
    ASSERT(wire_wait_closed(c, 1000));
    wire_close(c);
    free(f);
    free(jwt);
    proc_stop(&sp, SIGTERM);
    return t.s;
}

TEST(operator_user_jwt_expires)
{
    struct world w;
    world_init(&w, NULL);
    both(expiry_scenario, &w,
         "connect: " PONG "\nlater: -ERR 'User Authentication Expired'\\r\\n\n");
    world_free(&w);
}

/* An expired account JWT refuses its users. */
static char *expired_account_scenario(const char *bin, void *arg)
{
    struct world *w = arg;
    struct server_proc sp;
    struct tx t = {0};
    world_start(w, &sp, bin);
    tx_add(&t, "user of expired account", user_session(sp.port, w->acc.seed, &w->user, NULL, NULL));
    proc_stop(&sp, SIGTERM);
    return t.s;
}

TEST(operator_expired_account)
{
    struct world w;
    world_init(&w, NULL);
    free(w.acc_jwt);
    w.acc_jwt = nkjwt("account --seed %s --sub %s --exp %lld", w.op.seed, w.acc.pub,
                      (long long)time(NULL) - 10);
    both(expired_account_scenario, &w, "user of expired account: " VIOLATION "\n");
    world_free(&w);
}

/* ---- INFO and the system account ------------------------------------------------------------ */

static char *info_scenario(const char *bin, void *arg)
{
    struct world *w = arg;
    struct server_proc sp;
    struct wire *c;
    char *info, *out = malloc(256);
    json_t *j;

    world_start(w, &sp, bin);
    c = wire_connect(sp.port);
    info = wire_info(c, WIRE_TIMEOUT_MS);
    ASSERT(info != NULL);
    j = json_loads(info, 0, NULL);
    /* the start-up probe connection may or may not have taken an id: the system account's
     * internal clients take 1-3 */
    snprintf(out, 256, "auth_required=%d client_id%s nonce_len=%zu",
             json_is_true(json_object_get(j, "auth_required")),
             json_integer_value(json_object_get(j, "client_id")) >= 4 ? ">=4" : "<4",
             strlen(json_string_value(json_object_get(j, "nonce"))
                        ? json_string_value(json_object_get(j, "nonce"))
                        : ""));
    ASSERT_MATCH(info, "\"client_ip\":\"127.0.0.1\",\"nonce\":\"[A-Za-z0-9_-]{15}\"} $");
    json_decref(j);
    free(info);
    wire_close(c);
    proc_stop(&sp, SIGTERM);
    return out;
}

TEST(operator_info_and_system_account)
{
    struct world w;
    world_init(&w, NULL);
    both(info_scenario, &w, "auth_required=1 client_id<4 nonce_len=15");
    snprintf(w.extra_conf, sizeof(w.extra_conf), "system_account: %s\n", w.acc.pub);
    both(info_scenario, &w, "auth_required=1 client_id>=4 nonce_len=15");
    world_free(&w);
}

/* ---- configuration errors ----------------------------------------------------------------- */

/* Runs bin with the config (and -t if check) and returns its output's first line. */
static char *run_conf(const char *bin, const char *conf, bool check)
{
    char dir[256], path[320], cmd[1024], *out = calloc(1, 1024), *abs = realpath(bin, NULL);
    FILE *p;
    ASSERT(abs != NULL);
    proc_tmpdir(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/c.conf", dir);
    write_file(path, conf);
    snprintf(cmd, sizeof(cmd),
             "cd %s && timeout 5 %s -c c.conf -p %d %s 2>&1 | grep -v '\\] \\[' | head -1", dir,
             abs, proc_free_port(), check ? "-t" : "");
    p = popen(cmd, "r");
    ASSERT(p != NULL);
    if (!fgets(out, 1023, p))
        out[0] = '\0';
    pclose(p);
    free(abs);
    return out;
}

struct conf_case {
    const char *name;
    char conf[16384];
    bool check;
};

static char *conf_scenario(const char *bin, void *arg)
{
    struct conf_case *cases = arg;
    struct tx t = {0};
    for (int i = 0; cases[i].name; i++)
        tx_add(&t, cases[i].name, run_conf(bin, cases[i].conf, cases[i].check));
    return t.s;
}

TEST(operator_config_errors)
{
    struct world w;
    struct kp tk;
    static struct conf_case cases[16];
    int n = 0;
    world_init(&w, NULL);
    tool_key(&tk, "account");
    char base[12000];
    snprintf(base, sizeof(base), "operator: %s\nresolver: MEMORY\nresolver_preload { %s: %s }\n",
             w.op_jwt, w.acc.pub, w.acc_jwt);
#define CASE(nm, chk, ...)                                                                         \
    do {                                                                                           \
        cases[n].name = nm;                                                                        \
        cases[n].check = chk;                                                                      \
        snprintf(cases[n].conf, sizeof(cases[n].conf), __VA_ARGS__);                               \
        n++;                                                                                       \
    } while (0)
    CASE("accounts", false, "%saccounts { A: {} }\n", base);
    CASE("users", false, "%sauthorization { users = [{user: a, password: b}] }\n", base);
    CASE("no_auth_user", false, "%sno_auth_user: a\n", base);
    CASE("bad system account", false, "%ssystem_account: AAAA\n", base);
    CASE("unknown system account", false, "%ssystem_account: %s\n", base, tk.pub);
    CASE("trusted and operator", false, "%strusted: %s\n", base, w.op.pub);
    CASE("preload without resolver", false, "operator: %s\nresolver_preload { %s: %s }\n", w.op_jwt,
         w.acc.pub, w.acc_jwt);
    CASE("operator without resolver", false, "operator: %s\n", w.op_jwt);
    CASE("missing operator file", true, "port: 1\noperator: /nonexistent/op.jwt\n");
    CASE("account JWT as operator", true, "operator: %s\n", w.acc_jwt);
    CASE("bad preload", true, "operator: %s\nresolver: MEMORY\nresolver_preload { %s: x%s }\n",
         w.op_jwt, w.acc.pub, w.acc_jwt);
    CASE("preload not a string", true, "resolver_preload { %s: 5 }\n", w.acc.pub);
    CASE("trusted not operator", true, "trusted: [%s]\n", tk.pub);
    CASE("good", true, "%s", base);
    cases[n].name = NULL;
#undef CASE
    char want[8192];
    snprintf(want, sizeof(want),
             "accounts: nats-server: operators do not allow Accounts to be configured directly\\n\n"
             "users: nats-server: operators do not allow users to be configured directly\\n\n"
             "no_auth_user: nats-server: no_auth_user not compatible with Trusted Operator\\n\n"
             "bad system account: nats-server: error resolving system account: will only fetch "
             "valid account keys\\n\n"
             "unknown system account: nats-server: error resolving system account: account "
             "missing\\n\n"
             "trusted and operator: nats-server: conflicting options for 'TrustedKeys' and "
             "'TrustedOperators'\\n\n"
             "preload without resolver: nats-server: resolver preloads only available for "
             "writeable resolver types MEM/DIR/CACHE_DIR\\n\n"
             "operator without resolver: nats-server: could not fetch <\"/accounts/\">: Get "
             "\"/accounts/\": unsupported protocol scheme \"\"\\n\n"
             "missing operator file: nats-server: c.conf:2:1: error parsing operator JWT: open "
             "/nonexistent/op.jwt: no such file or directory\\n\n"
             "account JWT as operator: nats-server: c.conf:1:0: error parsing operator JWT: not "
             "operator claim\\n\n"
             "bad preload: nats-server: c.conf:3:20: invalid account JWT\\n\n"
             "preload not a string: nats-server: c.conf:1:19: preload map value should be a string "
             "JWT\\n\n"
             "trusted not operator: nats-server: c.conf:1:10: trust key \"%s\" required to be a "
             "valid public operator nkey\\n\n"
             "good: nats-server: configuration file c.conf is valid\\n\n",
             tk.pub);
    both(conf_scenario, cases, want);
    world_free(&w);
}

/* ---- exports and imports from account JWTs -------------------------------------------------- */

struct imp_arg {
    struct world w;
    struct kp b, ub, c, d, ud;
    char *b_jwt, *d_jwt;
};

/* An activation token (jwt ActivationClaims) from the exporter's seed to importer. */
static char *activation(const char *exporter_seed, const char *importer, const char *subject)
{
    json_t *c = json_pack("{s:s, s:{s:s, s:s, s:s}}", "sub", importer, "nats", "type", "activation",
                          "subject", subject, "kind", "stream");
    char *tok = jwt_encode(c, exporter_seed, 0);
    ASSERT(tok != NULL);
    json_decref(c);
    return tok;
}

/* "_R_.<anything>" reply subjects differ between servers: each becomes "_R_". */
static char *mask_replies(char *s)
{
    char *p = s;
    while ((p = strstr(p, "_R_.")) != NULL) {
        char *e = p + 4;
        while (*e && *e != ' ' && *e != '\r')
            e++;
        memmove(p + 3, e, strlen(e) + 1);
        p += 3;
    }
    return s;
}

static char *imports_scenario(const char *bin, void *arg)
{
    struct imp_arg *a = arg;
    struct world *w = &a->w;
    struct server_proc sp;
    struct tx t = {0};
    struct wire *wa, *wb;
    char *ja, *jb, *fa, *fb, *req, reply[256] = "";

    world_start(w, &sp, bin);
    ja = nkjwt("user --seed %s --sub %s", w->acc.seed, w->user.pub);
    jb = nkjwt("user --seed %s --sub %s", a->b.seed, a->ub.pub);
    fa = jwt_field(ja);
    fb = jwt_field(jb);
    tx_add(&t, "B subscribes",
           session_ex(sp.port, fb, a->ub.seed,
                      "SUB news.> 1\r\nSUB private.> 2\r\nSUB secret.> 3\r\nSUB _INBOX.1 5\r\n",
                      &wb));
    tx_add(&t, "A serves", session_ex(sp.port, fa, w->user.seed, "SUB svc.a 1\r\n", &wa));
    wire_send(wa, "PUB news.x 1\r\nn\r\nPUB private.x 1\r\np\r\nPUB secret.x 1\r\ns\r\n"
                  "PING\r\n");
    tx_add(&t, "A publishes", wire_drain(wa, QUIET_MS));
    tx_add(&t, "B receives", wire_drain(wb, QUIET_MS));
    /* a request through the service import: A sees it with a mapped reply subject */
    wire_send(wb, "PUB req.a _INBOX.1 1\r\nq\r\n");
    req = wire_drain(wa, QUIET_MS);
    sscanf(req, "MSG svc.a 1 %255s", reply);
    tx_add(&t, "A gets the request", mask_replies(req));
    wire_sendf(wa, "PUB %s 1\r\nr\r\nPING\r\n", reply);
    tx_add(&t, "A answers", wire_drain(wa, QUIET_MS));
    tx_add(&t, "B gets the answer", wire_drain(wb, QUIET_MS));
    /* a request into the import cycle (CVE-2022-28357 class) reaches nobody, breaks nothing */
    wire_send(wa, "PUB cyc _INBOX.2 1\r\nx\r\nPING\r\n");
    tx_add(&t, "cycle", wire_drain(wa, QUIET_MS));
    tx_add(&t, "user of D", user_session(sp.port, a->d.seed, &a->ud, NULL, NULL));
    wire_close(wa);
    wire_close(wb);
    free(fa);
    free(fb);
    free(ja);
    free(jb);
    proc_stop(&sp, SIGTERM);
    return t.s;
}

TEST(operator_account_exports_imports)
{
    struct imp_arg a;
    char nats[8192], *act_b, *act_c;
    tool_key(&a.b, "account");
    tool_key(&a.ub, "user");
    tool_key(&a.c, "account");
    tool_key(&a.d, "account");
    tool_key(&a.ud, "user");
    snprintf(nats, sizeof(nats),
             "{\"exports\":[{\"subject\":\"news.>\",\"type\":\"stream\"},"
             "{\"subject\":\"svc.a\",\"type\":\"service\"},"
             "{\"subject\":\"private.>\",\"type\":\"stream\",\"token_req\":true},"
             "{\"subject\":\"secret.>\",\"type\":\"stream\",\"token_req\":true},"
             "{\"subject\":\"other.>\",\"type\":\"stream\",\"token_req\":true},"
             "{\"subject\":\"cyc\",\"type\":\"service\"}],"
             "\"imports\":[{\"subject\":\"cyc\",\"account\":\"%s\",\"type\":\"service\"}]}",
             a.b.pub);
    world_init(&a.w, nats);
    act_b = activation(a.w.acc.seed, a.b.pub, "private.>");
    act_c = activation(a.w.acc.seed, a.c.pub, "other.>"); /* for another account */
    snprintf(nats, sizeof(nats),
             "{\"exports\":[{\"subject\":\"cyc\",\"type\":\"service\"}],\"imports\":["
             "{\"subject\":\"news.>\",\"account\":\"%s\",\"type\":\"stream\"},"
             "{\"subject\":\"svc.a\",\"account\":\"%s\",\"type\":\"service\","
             "\"local_subject\":\"req.a\"},"
             "{\"subject\":\"private.>\",\"account\":\"%s\",\"type\":\"stream\",\"token\":\"%s\"},"
             "{\"subject\":\"secret.>\",\"account\":\"%s\",\"type\":\"stream\"},"
             "{\"subject\":\"cyc\",\"account\":\"%s\",\"type\":\"service\"}]}",
             a.w.acc.pub, a.w.acc.pub, a.w.acc.pub, act_b, a.w.acc.pub, a.w.acc.pub);
    a.b_jwt = nkjwt("account --seed %s --sub %s --name b --nats '%s'", a.w.op.seed, a.b.pub, nats);
    /* D imports with an activation token made out to C (CVE-2021-3127 class): D is invalid */
    snprintf(nats, sizeof(nats),
             "{\"imports\":[{\"subject\":\"other.>\",\"account\":\"%s\",\"type\":\"stream\","
             "\"token\":\"%s\"}]}",
             a.w.acc.pub, act_c);
    a.d_jwt = nkjwt("account --seed %s --sub %s --name d --nats '%s'", a.w.op.seed, a.d.pub, nats);
    snprintf(a.w.extra_preload, sizeof(a.w.extra_preload), "  %s: %s\n  %s: %s\n", a.b.pub, a.b_jwt,
             a.d.pub, a.d_jwt);
    both(imports_scenario, &a,
         "B subscribes: " PONG "\n"
         "A serves: " PONG "\n"
         "A publishes: " PONG "\n"
         "B receives: MSG news.x 1 1\\r\\nn\\r\\nMSG private.x 2 1\\r\\np\\r\\n\n"
         "A gets the request: MSG svc.a 1 _R_ 1\\r\\nq\\r\\n\n"
         "A answers: " PONG "\n"
         "B gets the answer: MSG _INBOX.1 5 1\\r\\nr\\r\\n\n"
         "cycle: " PONG "\n"
         "user of D: " VIOLATION "\n");
    free(act_b);
    free(act_c);
    free(a.b_jwt);
    free(a.d_jwt);
    world_free(&a.w);
}
