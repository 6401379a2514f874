/* nkeys: encoding, decoding, Ed25519 signing and verification. See nkeys.h. */
#include "auth/nkeys.h"

#include "auth/codec.h"

#include <openssl/evp.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <string.h>

const char *nk_strerror(int err)
{
    switch (err) {
    case NK_OK:
        return "ok";
    case NK_ERR_ENCODING:
        return "invalid encoding";
    case NK_ERR_CRC:
        return "invalid checksum";
    case NK_ERR_PREFIX:
        return "invalid prefix byte";
    case NK_ERR_CRYPTO:
        return "signature or key operation failed";
    default:
        return "unknown error";
    }
}

bool nk_type_is_valid(int t)
{
    return t == NK_ACCOUNT || t == NK_CLUSTER || t == NK_SERVER || t == NK_OPERATOR ||
           t == NK_USER;
}

char nk_type_letter(enum nk_type t)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    return nk_type_is_valid((int)t) ? alphabet[(unsigned)t >> 3] : '?';
}

const char *nk_type_name(enum nk_type t)
{
    switch (t) {
    case NK_ACCOUNT:
        return "account";
    case NK_CLUSTER:
        return "cluster";
    case NK_SERVER:
        return "server";
    case NK_OPERATOR:
        return "operator";
    case NK_USER:
        return "user";
    }
    return "unknown";
}

/* Appends the CRC of buf[0..len) little-endian and base32-encodes it all into out. */
static void encode_with_crc(uint8_t *buf, size_t len, char *out, size_t outsz)
{
    uint16_t crc = nk_crc16(buf, len);
    buf[len] = (uint8_t)(crc & 0xff);
    buf[len + 1] = (uint8_t)(crc >> 8);
    b32_encode(buf, len + 2, out, outsz);
}

int nk_encode_public(enum nk_type t, const uint8_t raw[NK_RAW_LEN], char out[NK_PUBLIC_LEN + 1])
{
    uint8_t buf[1 + NK_RAW_LEN + 2];

    if (!nk_type_is_valid((int)t))
        return NK_ERR_PREFIX;
    buf[0] = (uint8_t)t;
    memcpy(buf + 1, raw, NK_RAW_LEN);
    encode_with_crc(buf, 1 + NK_RAW_LEN, out, NK_PUBLIC_LEN + 1);
    return NK_OK;
}

int nk_encode_seed(enum nk_type t, const uint8_t seed[NK_RAW_LEN], char out[NK_SEED_LEN + 1])
{
    uint8_t buf[2 + NK_RAW_LEN + 2];

    if (!nk_type_is_valid((int)t))
        return NK_ERR_PREFIX;
    buf[0] = (uint8_t)(NK_PREFIX_SEED | ((unsigned)t >> 5));
    buf[1] = (uint8_t)(((unsigned)t & 31) << 3);
    memcpy(buf + 2, seed, NK_RAW_LEN);
    encode_with_crc(buf, 2 + NK_RAW_LEN, out, NK_SEED_LEN + 1);
    OPENSSL_cleanse(buf, sizeof(buf));
    return NK_OK;
}

/* Decodes s into buf (exactly want bytes including the CRC) and checks the CRC. */
static int decode_checked(const char *s, uint8_t *buf, size_t want)
{
    size_t n = strnlen(s, NK_SEED_LEN + 1);
    long got;
    uint16_t crc;

    if (n > NK_SEED_LEN)
        return NK_ERR_ENCODING;
    got = b32_decode(s, n, buf, want);
    if (got != (long)want)
        return NK_ERR_ENCODING;
    crc = (uint16_t)(buf[want - 2] | buf[want - 1] << 8);
    if (crc != nk_crc16(buf, want - 2))
        return NK_ERR_CRC;
    return NK_OK;
}

int nk_decode_public(const char *s, enum nk_type *type, uint8_t raw[NK_RAW_LEN])
{
    uint8_t buf[1 + NK_RAW_LEN + 2];
    int rc;

    if (!s)
        return NK_ERR_ENCODING;
    rc = decode_checked(s, buf, sizeof(buf));
    if (rc != NK_OK)
        return rc;
    if (!nk_type_is_valid(buf[0]))
        return NK_ERR_PREFIX;
    if (type)
        *type = (enum nk_type)buf[0];
    if (raw)
        memcpy(raw, buf + 1, NK_RAW_LEN);
    return NK_OK;
}

bool nk_is_valid_public(const char *s, int want)
{
    enum nk_type t;
    if (nk_decode_public(s, &t, NULL) != NK_OK)
        return false;
    return want < 0 || (int)t == want;
}

int nk_decode_seed(const char *s, enum nk_type *type, uint8_t seed[NK_RAW_LEN],
                   uint8_t pub[NK_RAW_LEN])
{
    uint8_t buf[2 + NK_RAW_LEN + 2];
    int rc, t;

    if (!s)
        return NK_ERR_ENCODING;
    rc = decode_checked(s, buf, sizeof(buf));
    if (rc != NK_OK)
        goto out;
    t = ((buf[0] & 7) << 5) | ((buf[1] & 248) >> 3);
    if ((buf[0] & 248) != NK_PREFIX_SEED || !nk_type_is_valid(t)) {
        rc = NK_ERR_PREFIX;
        goto out;
    }
    if (pub) {
        rc = nk_public_from_seed(buf + 2, pub);
        if (rc != NK_OK)
            goto out;
    }
    if (type)
        *type = (enum nk_type)t;
    if (seed)
        memcpy(seed, buf + 2, NK_RAW_LEN);
out:
    OPENSSL_cleanse(buf, sizeof(buf));
    return rc;
}

int nk_public_from_seed(const uint8_t seed[NK_RAW_LEN], uint8_t pub[NK_RAW_LEN])
{
    EVP_PKEY *pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, NK_RAW_LEN);
    size_t len = NK_RAW_LEN;
    int rc = NK_ERR_CRYPTO;

    if (pk && EVP_PKEY_get_raw_public_key(pk, pub, &len) == 1 && len == NK_RAW_LEN)
        rc = NK_OK;
    EVP_PKEY_free(pk);
    return rc;
}

int nk_sign(const uint8_t seed[NK_RAW_LEN], const void *msg, size_t len, uint8_t sig[NK_SIG_LEN])
{
    EVP_PKEY *pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, NK_RAW_LEN);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t siglen = NK_SIG_LEN;
    int rc = NK_ERR_CRYPTO;
    static const uint8_t empty[1];

    if (pk && ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, pk) == 1 &&
        EVP_DigestSign(ctx, sig, &siglen, len ? msg : empty, len) == 1 && siglen == NK_SIG_LEN)
        rc = NK_OK;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pk);
    return rc;
}

int nk_sign_with_seed(const char *seed, const void *msg, size_t len, uint8_t sig[NK_SIG_LEN])
{
    uint8_t raw[NK_RAW_LEN];
    int rc = nk_decode_seed(seed, NULL, raw, NULL);

    if (rc == NK_OK)
        rc = nk_sign(raw, msg, len, sig);
    OPENSSL_cleanse(raw, sizeof(raw));
    return rc;
}

bool nk_verify(const uint8_t pub[NK_RAW_LEN], const void *msg, size_t len,
               const uint8_t sig[NK_SIG_LEN])
{
    EVP_PKEY *pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, NK_RAW_LEN);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = false;
    static const uint8_t empty[1];

    if (pk && ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pk) == 1)
        ok = EVP_DigestVerify(ctx, sig, NK_SIG_LEN, len ? msg : empty, len) == 1;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pk);
    return ok;
}

bool nk_verify_with_public(const char *pub_str, const void *msg, size_t len,
                           const uint8_t sig[NK_SIG_LEN])
{
    uint8_t raw[NK_RAW_LEN];
    if (nk_decode_public(pub_str, NULL, raw) != NK_OK)
        return false;
    return nk_verify(raw, msg, len, sig);
}

int nk_create(enum nk_type t, char seed_out[NK_SEED_LEN + 1], char pub_out[NK_PUBLIC_LEN + 1])
{
    uint8_t seed[NK_RAW_LEN], pub[NK_RAW_LEN];
    int rc;

    if (!nk_type_is_valid((int)t))
        return NK_ERR_PREFIX;
    if (RAND_bytes(seed, sizeof(seed)) != 1)
        return NK_ERR_CRYPTO;
    rc = nk_public_from_seed(seed, pub);
    if (rc == NK_OK && seed_out)
        rc = nk_encode_seed(t, seed, seed_out);
    if (rc == NK_OK && pub_out)
        rc = nk_encode_public(t, pub, pub_out);
    OPENSSL_cleanse(seed, sizeof(seed));
    return rc;
}
