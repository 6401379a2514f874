/* nkjwt: makes nkeys, NATS JWTs and .creds files for tests, with src/auth (no Go, no nsc).
 * Built with the tests, never installed. Every command prints its result on stdout.
 *
 *   nkjwt create <operator|account|user|server|cluster>   seed line, then public key line
 *   nkjwt public <seed>                                    public key of a seed
 *   nkjwt operator --seed SO.. [options]                   self-signed operator JWT
 *   nkjwt account  --seed SO.. --sub A.. [options]         account JWT signed by the operator
 *   nkjwt user     --seed SA.. --sub U.. [options]         user JWT signed by the account
 *   nkjwt sign     --seed S.. --nonce TEXT                 base64url (raw) Ed25519 signature
 *   nkjwt creds    --jwt JWT --seed SU.. [--out FILE]      .creds text (to FILE, mode 0600)
 *   nkjwt decode   JWT                                     verified claims JSON, or exit 1
 * options of operator/account/user:
 *   --name N       "name" claim
 *   --nats JSON    object merged into the "nats" claims (limits, exports, imports,
 *                  revocations, signing_keys, pub/sub permissions, issuer_account, ...)
 *   --iat N --exp N --nbf N   unix seconds (iat defaults to now)
 * Accounts and users start with jwt's "no limit" (-1) limits, as nsc makes them; --nats
 * overrides single fields (an account's "limits" object is merged field by field).
 * Exit status: 0, 1 on a failed operation, 2 on bad usage. */
#include "auth/creds.h"
#include "auth/jwt.h"
#include "auth/nkeys.h"
#include "auth/codec.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct args {
    const char *seed, *sub, *name, *nats, *nonce, *jwt, *out;
    long long iat, exp, nbf;
};

static int usage(void)
{
    fprintf(stderr, "usage: nkjwt create|public|operator|account|user|sign|creds|decode ... "
                    "(see tests/tools/nkjwt.c)\n");
    return 2;
}

static int parse_type(const char *s, enum nk_type *t)
{
    static const struct {
        const char *name;
        enum nk_type t;
    } types[] = {{"operator", NK_OPERATOR}, {"account", NK_ACCOUNT}, {"user", NK_USER},
                 {"server", NK_SERVER},     {"cluster", NK_CLUSTER}};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (strcmp(s, types[i].name) == 0) {
            *t = types[i].t;
            return 0;
        }
    return -1;
}

static int parse_args(int argc, char **argv, struct args *a)
{
    for (int i = 0; i < argc; i += 2) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            return -1;
        if (strcmp(k, "--seed") == 0)
            a->seed = v;
        else if (strcmp(k, "--sub") == 0)
            a->sub = v;
        else if (strcmp(k, "--name") == 0)
            a->name = v;
        else if (strcmp(k, "--nats") == 0)
            a->nats = v;
        else if (strcmp(k, "--nonce") == 0)
            a->nonce = v;
        else if (strcmp(k, "--jwt") == 0)
            a->jwt = v;
        else if (strcmp(k, "--out") == 0)
            a->out = v;
        else if (strcmp(k, "--iat") == 0)
            a->iat = atoll(v);
        else if (strcmp(k, "--exp") == 0)
            a->exp = atoll(v);
        else if (strcmp(k, "--nbf") == 0)
            a->nbf = atoll(v);
        else
            return -1;
    }
    return 0;
}

/* What jwt's NewAccountClaims / NewUserClaims start with ("no limit" everywhere): a field the
 * caller gives in --nats wins, inside "limits" too. Without these an account allows no
 * connection at all (conn 0). */
static void add_defaults(const char *type, json_t *nats)
{
    json_t *def = NULL, *lim;
    if (strcmp(type, "account") == 0) {
        def = json_pack("{s:I,s:I,s:I,s:I,s:I,s:b,s:I,s:I}", "subs", (json_int_t)-1, "data",
                        (json_int_t)-1, "payload", (json_int_t)-1, "imports", (json_int_t)-1,
                        "exports", (json_int_t)-1, "wildcards", 1, "conn", (json_int_t)-1,
                        "leaf", (json_int_t)-1);
        lim = json_object_get(nats, "limits");
        if (json_is_object(lim))
            json_object_update(def, lim);
        json_object_set_new(nats, "limits", def);
    } else if (strcmp(type, "user") == 0) {
        static const char *const keys[] = {"subs", "data", "payload"};
        for (size_t i = 0; i < 3; i++)
            if (!json_object_get(nats, keys[i]))
                json_object_set_new(nats, keys[i], json_integer(-1));
    }
}

static int cmd_issue(const char *type, struct args *a)
{
    enum nk_type st;
    uint8_t pub[NK_RAW_LEN];
    char self[NK_PUBLIC_LEN + 1], *tok;
    json_t *claims, *nats;

    if (!a->seed || nk_decode_seed(a->seed, &st, NULL, pub) != NK_OK) {
        fprintf(stderr, "nkjwt: --seed is not a valid seed\n");
        return 1;
    }
    nk_encode_public(st, pub, self);
    if (strcmp(type, "operator") == 0 && !a->sub)
        a->sub = self;
    if (!a->sub) {
        fprintf(stderr, "nkjwt: --sub is required\n");
        return 2;
    }
    nats = a->nats ? json_loads(a->nats, 0, NULL) : json_object();
    if (!json_is_object(nats)) {
        fprintf(stderr, "nkjwt: --nats is not a JSON object\n");
        json_decref(nats);
        return 2;
    }
    add_defaults(type, nats);
    json_object_set_new(nats, "type", json_string(type));
    claims = json_object();
    json_object_set_new(claims, "sub", json_string(a->sub));
    json_object_set_new(claims, "name", json_string(a->name ? a->name : a->sub));
    if (a->exp)
        json_object_set_new(claims, "exp", json_integer(a->exp));
    if (a->nbf)
        json_object_set_new(claims, "nbf", json_integer(a->nbf));
    json_object_set_new(claims, "nats", nats);
    tok = jwt_encode(claims, a->seed, a->iat ? a->iat : (long long)time(NULL));
    json_decref(claims);
    if (!tok) {
        fprintf(stderr, "nkjwt: cannot encode the JWT\n");
        return 1;
    }
    printf("%s\n", tok);
    free(tok);
    return 0;
}

static int cmd_creds(const struct args *a)
{
    char *text;
    int rc = 0;

    if (!a->jwt || !a->seed)
        return usage();
    text = creds_format(a->jwt, a->seed);
    if (a->out) {
        int fd = open(a->out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
            perror(a->out);
            rc = 1;
        }
        if (fd >= 0)
            close(fd);
    } else {
        fputs(text, stdout);
    }
    free(text);
    return rc;
}

static int cmd_decode(const char *tok)
{
    struct jwt_claims *c;
    int rc = jwt_decode(tok, strlen(tok), &c);
    char *s;

    if (rc != JWT_OK) {
        fprintf(stderr, "nkjwt: %s\n", jwt_strerror(rc));
        return 1;
    }
    s = json_dumps(c->payload, JSON_INDENT(2) | JSON_SORT_KEYS);
    printf("%s\n", s);
    free(s);
    jwt_claims_free(c);
    return 0;
}

int main(int argc, char **argv)
{
    struct args a = {0};
    enum nk_type t;

    if (argc < 2)
        return usage();
    if (strcmp(argv[1], "create") == 0) {
        char seed[NK_SEED_LEN + 1], pub[NK_PUBLIC_LEN + 1];
        if (argc != 3 || parse_type(argv[2], &t) != 0)
            return usage();
        if (nk_create(t, seed, pub) != NK_OK)
            return 1;
        printf("%s\n%s\n", seed, pub);
        return 0;
    }
    if (strcmp(argv[1], "public") == 0) {
        uint8_t pub[NK_RAW_LEN];
        char out[NK_PUBLIC_LEN + 1];
        if (argc != 3)
            return usage();
        if (nk_decode_seed(argv[2], &t, NULL, pub) != NK_OK)
            return 1;
        nk_encode_public(t, pub, out);
        printf("%s\n", out);
        return 0;
    }
    if (strcmp(argv[1], "decode") == 0)
        return argc == 3 ? cmd_decode(argv[2]) : usage();
    if (parse_args(argc - 2, argv + 2, &a) != 0)
        return usage();
    if (strcmp(argv[1], "operator") == 0 || strcmp(argv[1], "account") == 0 ||
        strcmp(argv[1], "user") == 0)
        return cmd_issue(argv[1], &a);
    if (strcmp(argv[1], "sign") == 0) {
        uint8_t sig[NK_SIG_LEN];
        char out[128];
        if (!a.seed || !a.nonce)
            return usage();
        if (nk_sign_with_seed(a.seed, a.nonce, strlen(a.nonce), sig) != NK_OK)
            return 1;
        b64_encode(sig, sizeof(sig), B64_URL_RAW, out, sizeof(out));
        printf("%s\n", out);
        return 0;
    }
    if (strcmp(argv[1], "creds") == 0)
        return cmd_creds(&a);
    return usage();
}
