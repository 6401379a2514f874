/* libFuzzer target for JWT decoding (src/auth/jwt.c, jwt_claims.c). Links: ns_auth.
 * Input byte 0 picks the mode: 'S' signs the rest as the claims payload with a fixed account
 * seed (v2 layout) before decoding, so the claim mapping also runs past the signature check
 * and the success path (and jwt_claims_free of full structs) is covered; anything else is
 * decoded as a token as is. The fixed key (32 bytes of 0x5a) is the account
 * AAGXKUDVJYEABJOSG7XPLATAGV3GXGZ6LIKYNCUUBKZITFMHRDR3B2DF: the corpus's "S" seeds name it
 * as "iss" so they pass the signature check. Oracle: a decode either fails with *out NULL, or yields claims
 * whose kind fits the type text, whose issuer is a valid public nkey, and whose strings are
 * readable; helpers never crash on them. Nothing may leak. */
#include "auth/codec.h"
#include "auth/jwt.h"
#include "auth/nkeys.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_strlist(const struct jwt_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        (void)strlen(l->v[i]);
}

static void check_limits(const struct jwt_user_limits *u)
{
    check_strlist(&u->perms.pub.allow);
    check_strlist(&u->perms.pub.deny);
    check_strlist(&u->perms.sub.allow);
    check_strlist(&u->perms.sub.deny);
    check_strlist(&u->src);
    check_strlist(&u->allowed_connection_types);
}

static void check(const struct jwt_claims *c)
{
    if (!c->type || !c->iss || !nk_is_valid_public(c->iss, -1))
        abort();
    if ((c->kind == JWT_KIND_USER) != (strcmp(c->type, "user") == 0))
        abort();
    if ((c->kind == JWT_KIND_ACCOUNT) != (strcmp(c->type, "account") == 0))
        abort();
    check_strlist(&c->tags);
    (void)jwt_is_expired(c, 1700000000);
    (void)jwt_is_not_yet_valid(c, 1700000000);
    if (c->kind == JWT_KIND_USER)
        check_limits(&c->u.user.lim);
    if (c->kind == JWT_KIND_ACCOUNT) {
        const struct jwt_account *a = &c->u.acc;
        for (size_t i = 0; i < a->nsigning_keys; i++)
            check_limits(&a->signing_keys[i].tmpl);
        (void)jwt_is_revoked(a->revocations, a->nrevocations, c->iss, 0);
        (void)jwt_account_signing_key(a, c->iss);
    }
    if (c->kind == JWT_KIND_OPERATOR)
        (void)jwt_operator_has_signing_key(&c->u.op, c->iss);
}

/* header.payload.signature with payload = the fuzz bytes, signed by a fixed account key. */
static char *sign_payload(const uint8_t *p, size_t n)
{
    static const char hdr[] = "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ";
    uint8_t seed[NK_RAW_LEN], sig[NK_SIG_LEN];
    size_t plen = b64_encoded_len(n, B64_URL_RAW), hlen = strlen(hdr);
    char *tok = malloc(hlen + 1 + plen + 1 + 90);

    memset(seed, 0x5a, sizeof(seed));
    memcpy(tok, hdr, hlen);
    tok[hlen] = '.';
    b64_encode(p, n, B64_URL_RAW, tok + hlen + 1, plen + 1);
    if (nk_sign(seed, tok, hlen + 1 + plen, sig) != NK_OK)
        abort();
    tok[hlen + 1 + plen] = '.';
    b64_encode(sig, sizeof(sig), B64_URL_RAW, tok + hlen + 2 + plen, 90);
    return tok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct jwt_claims *c = (struct jwt_claims *)1;
    char *tok;
    int rc;

    if (size > 64 * 1024)
        return 0;
    if (size > 0 && data[0] == 'S')
        tok = sign_payload(data + 1, size - 1);
    else {
        tok = malloc(size + 1);
        memcpy(tok, data, size);
        tok[size] = '\0';
    }
    rc = jwt_decode(tok, strlen(tok), &c);
    if (rc == JWT_OK) {
        if (!c)
            abort();
        check(c);
        jwt_claims_free(c);
    } else if (c != NULL || jwt_strerror(rc)[0] == '\0') {
        abort();
    }
    free(tok);
    return 0;
}
