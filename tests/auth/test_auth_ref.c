/* The proof that src/auth and tests/tools/nkjwt write nkeys, JWTs, .creds, nonce signatures
 * and bcrypt hashes the REFERENCE server (Debian's nats-server 2.9.10, $NATS_REF_BIN)
 * accepts, and that it refuses the broken ones: operator mode with `resolver: MEMORY` and
 * preloaded account JWTs, nkey users, CONNECT "sig" in both base64 variants, bcrypt
 * passwords and tokens. Clients are libnats (nats.c) and raw wires. Skipped (77) without
 * the reference. tests/auth/test_auth_server.c runs the server side against both. */
#include <nats/nats.h>

#include "auth_util.h"
#include "proc.h"
#include "test.h"
#include "wire.h"

#include "auth/codec.h"
#include "auth/jwt.h"
#include "auth/nkeys.h"
#include "auth/nonce.h"
#include "auth/password.h"

#include <crypt.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *ref_or_skip(void)
{
    const char *ref = proc_ref_bin();
    if (!ref)
        test_skip("no reference nats-server (NATS_REF_BIN)");
    return ref;
}

/* ---- operator mode -------------------------------------------------------------------- */

struct opmode {
    struct kp op, acc, user;
    char *op_jwt, *acc_jwt;
    struct server_proc sp;
};

/* Operator + account via the tool; the account JWT gets extra --nats JSON (may be NULL). */
static void opmode_start(struct opmode *m, const char *acc_nats)
{
    char conf[16384];
    memset(m, 0, sizeof(*m));
    tool_key(&m->op, "operator");
    tool_key(&m->acc, "account");
    tool_key(&m->user, "user");
    m->op_jwt = nkjwt("operator --seed %s --name op", m->op.seed);
    if (acc_nats)
        m->acc_jwt = nkjwt("account --seed %s --sub %s --name acc --nats '%s'", m->op.seed,
                           m->acc.pub, acc_nats);
    else
        m->acc_jwt = nkjwt("account --seed %s --sub %s --name acc", m->op.seed, m->acc.pub);
    snprintf(conf, sizeof(conf),
             "operator: %s\nresolver: MEMORY\nresolver_preload {\n  %s: %s\n}\n", m->op_jwt,
             m->acc.pub, m->acc_jwt);
    ASSERT_OK(proc_start_conf(&m->sp, ref_or_skip(), conf, NULL));
}

static void opmode_free(struct opmode *m)
{
    free(m->op_jwt);
    free(m->acc_jwt);
}

/* Writes a creds file for jwt + seed into the server's scratch dir; returns its path. */
static char *creds_file(const struct opmode *m, const char *name, const char *jwt,
                        const char *seed)
{
    char *path = malloc(512);
    snprintf(path, 512, "%s/%s.creds", m->sp.dir, name);
    free(nkjwt("creds --jwt %s --seed %s --out %s", jwt, seed, path));
    return path;
}

TEST(ref_operator_mode_accepts_our_creds)
{
    struct opmode m;
    opmode_start(&m, NULL);
    char *ujwt = nkjwt("user --seed %s --sub %s --name u1", m.acc.seed, m.user.pub);
    char *path = creds_file(&m, "good", ujwt, m.user.seed);
    ASSERT_EQ(try_connect(m.sp.port, WITH_CREDS, path, NULL), NATS_OK);

    /* our decoder agrees with what the reference just accepted */
    struct jwt_claims *c = NULL;
    ASSERT_EQ(jwt_decode(m.acc_jwt, strlen(m.acc_jwt), &c), JWT_OK);
    ASSERT_STR_EQ(c->iss, m.op.pub);
    ASSERT_EQ(c->u.acc.limits.conn, -1);
    jwt_claims_free(c);
    free(path);
    free(ujwt);
    opmode_free(&m);
}

TEST(ref_operator_mode_refuses_broken_creds)
{
    struct opmode m;
    struct kp other_acc, other_op, u2;
    opmode_start(&m, NULL);
    tool_key(&other_acc, "account");
    tool_key(&other_op, "operator");
    tool_key(&u2, "user");
    char *ujwt = nkjwt("user --seed %s --sub %s --name u1", m.acc.seed, m.user.pub);
    char *path;

    /* control: the untampered creds connect */
    path = creds_file(&m, "good", ujwt, m.user.seed);
    ASSERT_EQ(try_connect(m.sp.port, WITH_CREDS, path, NULL), NATS_OK);
    free(path);

    /* the payload re-encoded with another name: the signature no longer fits */
    const char *d1 = strchr(ujwt, '.'), *d2 = strrchr(ujwt, '.');
    char plain[4096], p64[6000], tampered[8192];
    long n = b64_decode(d1 + 1, (size_t)(d2 - d1 - 1), B64_URL_RAW, (uint8_t *)plain,
                        sizeof(plain) - 1);
    ASSERT(n > 0);
    plain[n] = '\0';
    char *nm = strstr(plain, "\"name\":\"u1\"");
    ASSERT(nm != NULL);
    nm[9] = '2';
    b64_encode((const uint8_t *)plain, (size_t)n, B64_URL_RAW, p64, sizeof(p64));
    snprintf(tampered, sizeof(tampered), "%.*s.%s%s", (int)(d1 - ujwt), ujwt, p64, d2);
    path = creds_file(&m, "tampered", tampered, m.user.seed);
    ASSERT_REFUSED(try_connect(m.sp.port, WITH_CREDS, path, NULL), AUTH_VIOLATION);
    free(path);

    /* a user of an account the server does not know */
    char *wrong = nkjwt("user --seed %s --sub %s", other_acc.seed, m.user.pub);
    path = creds_file(&m, "wrong_account", wrong, m.user.seed);
    ASSERT_REFUSED(try_connect(m.sp.port, WITH_CREDS, path, NULL), AUTH_VIOLATION);
    free(path);
    free(wrong);

    /* the right JWT with another user's seed: the nonce signature does not verify */
    path = creds_file(&m, "wrong_seed", ujwt, u2.seed);
    ASSERT_REFUSED(try_connect(m.sp.port, WITH_CREDS, path, NULL), AUTH_VIOLATION);
    free(path);

    /* an expired user JWT */
    char *expired = nkjwt("user --seed %s --sub %s --exp %lld", m.acc.seed, m.user.pub,
                          (long long)time(NULL) - 60);
    path = creds_file(&m, "expired", expired, m.user.seed);
    ASSERT_REFUSED(try_connect(m.sp.port, WITH_CREDS, path, NULL), AUTH_VIOLATION);
    free(path);
    free(expired);
    free(ujwt);
    opmode_free(&m);
}

/* An account from an untrusted operator is not loaded: its users cannot connect. */
TEST(ref_operator_mode_refuses_untrusted_account)
{
    struct kp op, other_op, acc, u;
    struct server_proc sp;
    char conf[16384];
    memset(&sp, 0, sizeof(sp));
    tool_key(&op, "operator");
    tool_key(&other_op, "operator");
    tool_key(&acc, "account");
    tool_key(&u, "user");
    char *opj = nkjwt("operator --seed %s", op.seed);
    char *accj = nkjwt("account --seed %s --sub %s", other_op.seed, acc.pub);
    char *uj = nkjwt("user --seed %s --sub %s", acc.seed, u.pub);
    snprintf(conf, sizeof(conf), "operator: %s\nresolver: MEMORY\nresolver_preload { %s: %s }\n",
             opj, acc.pub, accj);
    ASSERT_OK(proc_start_conf(&sp, ref_or_skip(), conf, NULL));
    char path[512];
    snprintf(path, sizeof(path), "%s/u.creds", sp.dir);
    free(nkjwt("creds --jwt %s --seed %s --out %s", uj, u.seed, path));
    ASSERT_REFUSED(try_connect(sp.port, WITH_CREDS, path, NULL), AUTH_VIOLATION);
    free(opj);
    free(accj);
    free(uj);
}

/* Account features the reference must read from our JWTs: revocations, signing keys
 * (plain and scoped) and limits. */
TEST(ref_operator_mode_account_features)
{
    struct kp sk, scoped, revoked;
    char nats[2048];
    tool_key(&sk, "account");
    tool_key(&scoped, "account");
    tool_key(&revoked, "user");
    /* revoke everything "revoked" got until a minute from now */
    snprintf(nats, sizeof(nats),
             "{\"signing_keys\":[\"%s\",{\"kind\":\"user_scope\",\"key\":\"%s\","
             "\"role\":\"r\",\"template\":{\"subs\":-1,\"data\":-1,\"payload\":-1}}],"
             "\"revocations\":{\"%s\":%lld},\"limits\":{\"subs\":5}}",
             sk.pub, scoped.pub, revoked.pub, (long long)time(NULL) + 60);
    struct opmode m;
    opmode_start(&m, nats);
    char *path;

    /* a user issued by the account's signing key, naming the account */
    char *uj = nkjwt("user --seed %s --sub %s --nats '{\"issuer_account\":\"%s\"}'", sk.seed,
                     m.user.pub, m.acc.pub);
    path = creds_file(&m, "signing_key", uj, m.user.seed);
    ASSERT_EQ(try_connect(m.sp.port, WITH_CREDS, path, NULL), NATS_OK);
    free(path);
    free(uj);
    /* the same without issuer_account: the signer is an unknown account */
    uj = nkjwt("user --seed %s --sub %s", sk.seed, m.user.pub);
    path = creds_file(&m, "signing_key_no_ia", uj, m.user.seed);
    ASSERT_REFUSED(try_connect(m.sp.port, WITH_CREDS, path, NULL), AUTH_VIOLATION);
    free(path);
    free(uj);
    /* a scoped signing key: the user JWT must carry no permissions or limits of its own */
    uj = nkjwt("user --seed %s --sub %s --nats '{\"issuer_account\":\"%s\",\"subs\":0,"
               "\"data\":0,\"payload\":0}'",
               scoped.seed, m.user.pub, m.acc.pub);
    path = creds_file(&m, "scoped", uj, m.user.seed);
    ASSERT_EQ(try_connect(m.sp.port, WITH_CREDS, path, NULL), NATS_OK);
    free(path);
    free(uj);
    /* a revoked user */
    uj = nkjwt("user --seed %s --sub %s", m.acc.seed, revoked.pub);
    path = creds_file(&m, "revoked", uj, revoked.seed);
    ASSERT_REFUSED(try_connect(m.sp.port, WITH_CREDS, path, NULL), AUTH_VIOLATION);
    free(path);
    free(uj);
    /* our decoder reads back what we put in */
    struct jwt_claims *c = NULL;
    ASSERT_EQ(jwt_decode(m.acc_jwt, strlen(m.acc_jwt), &c), JWT_OK);
    ASSERT_EQ(c->u.acc.limits.subs, 5);
    ASSERT_EQ(c->u.acc.limits.conn, -1);
    ASSERT(jwt_account_signing_key(&c->u.acc, scoped.pub)->scoped);
    ASSERT(jwt_is_revoked(c->u.acc.revocations, c->u.acc.nrevocations, revoked.pub,
                          (int64_t)time(NULL)));
    jwt_claims_free(c);
    opmode_free(&m);
}

/* An account JWT limit is enforced from our encoding: conn 0 allows no connection. */
TEST(ref_operator_mode_account_conn_limit)
{
    struct opmode m;
    opmode_start(&m, "{\"limits\":{\"conn\":0}}");
    char *uj = nkjwt("user --seed %s --sub %s", m.acc.seed, m.user.pub);
    char *path = creds_file(&m, "u", uj, m.user.seed);
    ASSERT_REFUSED(try_connect(m.sp.port, WITH_CREDS, path, NULL),
                   "maximum account active connections exceeded");
    free(path);
    free(uj);
    opmode_free(&m);
}

/* ---- nkey users and the nonce ---------------------------------------------------------- */

static void start_nkey_server(struct server_proc *sp, const char *pub)
{
    char conf[512];
    memset(sp, 0, sizeof(*sp));
    snprintf(conf, sizeof(conf), "authorization { users = [ {nkey: %s} ] }\n", pub);
    ASSERT_OK(proc_start_conf(sp, ref_or_skip(), conf, NULL));
}

TEST(ref_nkey_user_with_our_seed)
{
    struct server_proc sp;
    char seed[NK_SEED_LEN + 1], pub[NK_PUBLIC_LEN + 1], seed2[NK_SEED_LEN + 1], path[512],
        path2[512];
    ASSERT_OK(nk_create(NK_USER, seed, pub));
    ASSERT_OK(nk_create(NK_USER, seed2, NULL));
    start_nkey_server(&sp, pub);
    snprintf(path, sizeof(path), "%s/u.nk", sp.dir);
    snprintf(path2, sizeof(path2), "%s/other.nk", sp.dir);
    write_file(path, seed);
    write_file(path2, seed2);
    ASSERT_EQ(try_connect(sp.port, WITH_NKEY_SEED, pub, path), NATS_OK);
    /* another user's seed, claiming the configured public key */
    ASSERT_REFUSED(try_connect(sp.port, WITH_NKEY_SEED, pub, path2), AUTH_VIOLATION);
}

/* The INFO nonce: 15 characters of URL-safe base64, as auth_nonce_new makes them. */
TEST(ref_info_nonce_shape)
{
    struct server_proc sp;
    char pub[NK_PUBLIC_LEN + 1], ours[AUTH_NONCE_LEN + 1];
    ASSERT_OK(nk_create(NK_USER, NULL, pub));
    start_nkey_server(&sp, pub);
    for (int i = 0; i < 3; i++) {
        struct wire *w = wire_connect(sp.port);
        ASSERT(w != NULL);
        char *info = wire_info(w, WIRE_TIMEOUT_MS);
        ASSERT(info != NULL);
        json_t *j = json_loads(info, 0, NULL);
        ASSERT(j != NULL);
        const char *nonce = json_string_value(json_object_get(j, "nonce"));
        ASSERT(nonce != NULL);
        ASSERT_EQ(strlen(nonce), AUTH_NONCE_LEN);
        ASSERT_MATCH(nonce, "^[A-Za-z0-9_-]{15}$");
        json_decref(j);
        free(info);
        wire_close(w);
    }
    ASSERT_OK(auth_nonce_new(ours, sizeof(ours)));
    ASSERT_MATCH(ours, "^[A-Za-z0-9_-]{15}$");
}

/* CONNECT "sig" by hand: URL-safe raw and standard padded base64 both pass, a wrong
 * signature fails; auth_verify_nonce_sig gives the same answers. */
TEST(ref_connect_sig_variants)
{
    struct server_proc sp;
    char seed[NK_SEED_LEN + 1], pub[NK_PUBLIC_LEN + 1], seed2[NK_SEED_LEN + 1];
    ASSERT_OK(nk_create(NK_USER, seed, pub));
    ASSERT_OK(nk_create(NK_USER, seed2, NULL));
    start_nkey_server(&sp, pub);
    for (int variant = 0; variant < 3; variant++) {
        struct wire *w = wire_connect(sp.port);
        ASSERT(w != NULL);
        char *info = wire_info(w, WIRE_TIMEOUT_MS);
        ASSERT(info != NULL);
        json_t *j = json_loads(info, 0, NULL);
        const char *nonce = json_string_value(json_object_get(j, "nonce"));
        uint8_t sig[NK_SIG_LEN];
        char sig64[128];
        ASSERT(nonce != NULL);
        ASSERT_OK(nk_sign_with_seed(variant == 2 ? seed2 : seed, nonce, strlen(nonce), sig));
        b64_encode(sig, sizeof(sig), variant == 1 ? B64_STD : B64_URL_RAW, sig64, sizeof(sig64));
        bool ours = auth_verify_nonce_sig(pub, nonce, sig64);
        wire_sendf(w, "CONNECT {\"verbose\":false,\"pedantic\":false,\"nkey\":\"%s\","
                      "\"sig\":\"%s\"}\r\nPING\r\n",
                   pub, sig64);
        char *line = wire_line(w, WIRE_TIMEOUT_MS);
        ASSERT(line != NULL);
        if (variant < 2) {
            ASSERT_STR_EQ(line, "PONG");
            ASSERT(ours);
        } else {
            ASSERT_STR_EQ(line, "-ERR 'Authorization Violation'");
            ASSERT(!ours);
        }
        free(line);
        json_decref(j);
        free(info);
        wire_close(w);
    }
}

/* ---- bcrypt ----------------------------------------------------------------------------- */

static void bcrypt_hash(const char *prefix, const char *pw, char *out, size_t outsz)
{
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    struct crypt_data *cd = calloc(1, sizeof(*cd));
    ASSERT(crypt_gensalt_rn(prefix, 6, NULL, 0, salt, sizeof(salt)) != NULL);
    const char *h = crypt_rn(pw, salt, cd, (int)sizeof(*cd));
    ASSERT(h != NULL && h[0] == '$');
    snprintf(out, outsz, "%s", h);
    free(cd);
}

TEST(ref_bcrypt_password_same_verdicts)
{
    static const char *const prefixes[] = {"$2a$", "$2b$", "$2y$"};
    for (size_t i = 0; i < 3; i++) {
        struct server_proc sp;
        char hash[128], conf[512];
        memset(&sp, 0, sizeof(sp));
        bcrypt_hash(prefixes[i], "pa55 word", hash, sizeof(hash));
        snprintf(conf, sizeof(conf), "authorization { user: alice, password: \"%s\" }\n", hash);
        ASSERT_OK(proc_start_conf(&sp, ref_or_skip(), conf, NULL));
        ASSERT_EQ(try_connect(sp.port, WITH_USERPASS, "alice", "pa55 word"), NATS_OK);
        ASSERT(auth_password_matches(hash, "pa55 word"));
        ASSERT_REFUSED(try_connect(sp.port, WITH_USERPASS, "alice", "pa55word"), AUTH_VIOLATION);
        ASSERT(!auth_password_matches(hash, "pa55word"));
        /* the hash text itself is not the password */
        ASSERT_REFUSED(try_connect(sp.port, WITH_USERPASS, "alice", hash), AUTH_VIOLATION);
        ASSERT(!auth_password_matches(hash, hash));
        proc_stop(&sp, SIGTERM);
    }
}

TEST(ref_bcrypt_token_same_verdicts)
{
    struct server_proc sp;
    char hash[128], conf[512];
    memset(&sp, 0, sizeof(sp));
    bcrypt_hash("$2b$", "t0ken", hash, sizeof(hash));
    snprintf(conf, sizeof(conf), "authorization { token: \"%s\" }\n", hash);
    ASSERT_OK(proc_start_conf(&sp, ref_or_skip(), conf, NULL));
    ASSERT_EQ(try_connect(sp.port, WITH_TOKEN, "t0ken", NULL), NATS_OK);
    ASSERT(auth_token_matches(hash, "t0ken"));
    ASSERT_REFUSED(try_connect(sp.port, WITH_TOKEN, "t0ken!", NULL), AUTH_VIOLATION);
    ASSERT(!auth_token_matches(hash, "t0ken!"));
}
