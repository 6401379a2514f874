/* Unit tests for src/auth/codec.c, nkeys.c and nonce.c: base32/base64/CRC16 vectors and
 * round trips, nkey encode/decode and its error cases, Ed25519 against the RFC 8032 vector,
 * and cross-checks with nats.c (libnats): its nats_Sign signatures must equal ours
 * byte for byte (Ed25519 is deterministic) and its signed nonces must verify. */
#include "test.h"

#include "auth/codec.h"
#include "auth/nkeys.h"
#include "auth/nonce.h"

#include <nats/nats.h>
#include <stdlib.h>
#include <string.h>

static void hex_to_bytes(const char *hex, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
}

TEST(base32_rfc4648_vectors)
{
    static const struct {
        const char *in, *out;
    } v[] = {{"", ""},           {"f", "MY"},           {"fo", "MZXQ"},
             {"foo", "MZXW6"},   {"foob", "MZXW6YQ"},   {"fooba", "MZXW6YTB"},
             {"foobar", "MZXW6YTBOI"}};
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        char out[32];
        uint8_t back[32];
        size_t n = strlen(v[i].in);
        ASSERT_EQ(b32_encode((const uint8_t *)v[i].in, n, out, sizeof(out)), strlen(v[i].out));
        ASSERT_STR_EQ(out, v[i].out);
        ASSERT_EQ(b32_decode(v[i].out, strlen(v[i].out), back, sizeof(back)), (long)n);
        ASSERT(memcmp(back, v[i].in, n) == 0);
    }
}

TEST(base32_errors_and_bounds)
{
    uint8_t out[16];
    char small[4];
    ASSERT_EQ(b32_decode("MZXW6YTBO1", 10, out, sizeof(out)), -1); /* '1' not in alphabet */
    ASSERT_EQ(b32_decode("mzxw6", 5, out, sizeof(out)), -1);       /* lower case */
    ASSERT_EQ(b32_decode("M", 1, out, sizeof(out)), -1);           /* 1 char: no byte */
    ASSERT_EQ(b32_decode("MZX", 3, out, sizeof(out)), -1);
    ASSERT_EQ(b32_decode("MZXW6Y", 6, out, sizeof(out)), -1);
    ASSERT_EQ(b32_decode("MZXW6YTBOI", 10, out, 5), -1);           /* would overflow out */
    ASSERT_EQ(b32_decode("MZXW\r\n6", 7, out, sizeof(out)), 3);    /* line breaks skipped */
    ASSERT_EQ(b32_encode((const uint8_t *)"foobar", 6, small, sizeof(small)), 0);
}

TEST(base32_random_round_trips)
{
    srand(7);
    for (size_t n = 0; n < 80; n++) {
        uint8_t in[80], back[80];
        char txt[160];
        for (size_t i = 0; i < n; i++)
            in[i] = (uint8_t)rand();
        ASSERT_EQ(b32_encode(in, n, txt, sizeof(txt)), b32_encoded_len(n));
        ASSERT_EQ(b32_decode(txt, strlen(txt), back, sizeof(back)), (long)n);
        ASSERT(n == 0 || memcmp(in, back, n) == 0);
    }
}

TEST(crc16_xmodem_check_value)
{
    ASSERT_EQ(nk_crc16((const uint8_t *)"123456789", 9), 0x31C3);
    ASSERT_EQ(nk_crc16((const uint8_t *)"", 0), 0);
}

TEST(base64_vectors_and_variants)
{
    static const struct {
        const char *in, *std, *url;
    } v[] = {{"", "", ""},
             {"f", "Zg==", "Zg"},
             {"fo", "Zm8=", "Zm8"},
             {"foo", "Zm9v", "Zm9v"},
             {"foob", "Zm9vYg==", "Zm9vYg"},
             {"\xfb\xff\xbf", "+/+/", "-_-_"}};
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        char out[32];
        uint8_t back[32];
        size_t n = strlen(v[i].in);
        b64_encode((const uint8_t *)v[i].in, n, B64_STD, out, sizeof(out));
        ASSERT_STR_EQ(out, v[i].std);
        b64_encode((const uint8_t *)v[i].in, n, B64_URL_RAW, out, sizeof(out));
        ASSERT_STR_EQ(out, v[i].url);
        ASSERT_EQ(b64_decode(v[i].std, strlen(v[i].std), B64_STD, back, sizeof(back)), (long)n);
        ASSERT(memcmp(back, v[i].in, n) == 0);
        ASSERT_EQ(b64_decode(v[i].url, strlen(v[i].url), B64_URL_RAW, back, sizeof(back)),
                  (long)n);
        ASSERT(memcmp(back, v[i].in, n) == 0);
    }
    uint8_t b[16];
    ASSERT_EQ(b64_decode("Zg", 2, B64_STD, b, sizeof(b)), -1);        /* padding required */
    ASSERT_EQ(b64_decode("Zg=", 3, B64_STD, b, sizeof(b)), -1);       /* half padding */
    ASSERT_EQ(b64_decode("Zg==", 4, B64_URL_RAW, b, sizeof(b)), -1);  /* raw: no '=' */
    ASSERT_EQ(b64_decode("Zg==Zg==", 8, B64_STD, b, sizeof(b)), -1);  /* data after '=' */
    ASSERT_EQ(b64_decode("-_-_", 4, B64_STD, b, sizeof(b)), -1);      /* URL chars in std */
    ASSERT_EQ(b64_decode("+/+/", 4, B64_URL_RAW, b, sizeof(b)), -1);  /* std chars in URL */
    ASSERT_EQ(b64_decode("Z", 1, B64_URL_RAW, b, sizeof(b)), -1);     /* 1 char: no byte */
    ASSERT_EQ(b64_decode("Zm9vYg", 6, B64_URL_RAW, b, 3), -1);        /* would overflow */
    ASSERT_EQ(b64_decode("Zm9v\r\nYg", 8, B64_URL_RAW, b, sizeof(b)), 4);
}

static const enum nk_type all_types[] = {NK_OPERATOR, NK_ACCOUNT, NK_USER, NK_SERVER,
                                         NK_CLUSTER};

TEST(nkey_round_trip_all_types)
{
    for (size_t i = 0; i < 5; i++) {
        char seed[NK_SEED_LEN + 1], pub[NK_PUBLIC_LEN + 1], pub2[NK_PUBLIC_LEN + 1];
        uint8_t raw_seed[NK_RAW_LEN], raw_pub[NK_RAW_LEN], raw_pub2[NK_RAW_LEN];
        enum nk_type t;

        ASSERT_OK(nk_create(all_types[i], seed, pub));
        ASSERT_EQ(strlen(seed), NK_SEED_LEN);
        ASSERT_EQ(strlen(pub), NK_PUBLIC_LEN);
        ASSERT_EQ(pub[0], nk_type_letter(all_types[i]));
        ASSERT_EQ(seed[0], 'S');
        ASSERT_EQ(seed[1], nk_type_letter(all_types[i]));

        ASSERT_OK(nk_decode_seed(seed, &t, raw_seed, raw_pub));
        ASSERT_EQ(t, all_types[i]);
        ASSERT_OK(nk_decode_public(pub, &t, raw_pub2));
        ASSERT_EQ(t, all_types[i]);
        ASSERT(memcmp(raw_pub, raw_pub2, NK_RAW_LEN) == 0);
        ASSERT_OK(nk_encode_public(t, raw_pub, pub2));
        ASSERT_STR_EQ(pub2, pub);
        char seed2[NK_SEED_LEN + 1];
        ASSERT_OK(nk_encode_seed(t, raw_seed, seed2));
        ASSERT_STR_EQ(seed2, seed);
        ASSERT(nk_is_valid_public(pub, (int)all_types[i]));
        ASSERT(nk_is_valid_public(pub, -1));
        ASSERT(!nk_is_valid_public(pub, all_types[i] == NK_USER ? NK_ACCOUNT : NK_USER));
    }
    ASSERT_STR_EQ(nk_type_name(NK_USER), "user");
    ASSERT_EQ(nk_type_letter(NK_OPERATOR), 'O');
}

TEST(nkey_decode_errors)
{
    char seed[NK_SEED_LEN + 1], pub[NK_PUBLIC_LEN + 1], bad[80];
    uint8_t raw[NK_RAW_LEN], buf[35];
    enum nk_type t;

    ASSERT_OK(nk_create(NK_USER, seed, pub));
    /* a changed character: the CRC no longer matches */
    strcpy(bad, pub);
    bad[20] = bad[20] == 'A' ? 'B' : 'A';
    ASSERT_EQ(nk_decode_public(bad, &t, raw), NK_ERR_CRC);
    /* wrong lengths */
    strcpy(bad, pub);
    bad[NK_PUBLIC_LEN - 1] = '\0';
    ASSERT_EQ(nk_decode_public(bad, &t, raw), NK_ERR_ENCODING);
    snprintf(bad, sizeof(bad), "%sAAAAAAAA", pub);
    ASSERT_EQ(nk_decode_public(bad, &t, raw), NK_ERR_ENCODING);
    ASSERT_EQ(nk_decode_public("", &t, raw), NK_ERR_ENCODING);
    ASSERT_EQ(nk_decode_public(NULL, &t, raw), NK_ERR_ENCODING);
    /* not base32 */
    strcpy(bad, pub);
    bad[5] = 'a';
    ASSERT_EQ(nk_decode_public(bad, &t, raw), NK_ERR_ENCODING);
    /* a seed is not a public key and a public key is not a seed */
    ASSERT(nk_decode_public(seed, &t, raw) != NK_OK);
    ASSERT(nk_decode_seed(pub, &t, raw, NULL) != NK_OK);
    /* valid CRC, unknown prefix ('P', private key; then a made-up 'X'-ish byte) */
    memset(buf, 7, sizeof(buf));
    for (int k = 0; k < 2; k++) {
        buf[0] = k == 0 ? NK_PREFIX_PRIVATE : (uint8_t)(1 << 3);
        uint16_t crc = nk_crc16(buf, 33);
        buf[33] = (uint8_t)crc;
        buf[34] = (uint8_t)(crc >> 8);
        b32_encode(buf, 35, bad, sizeof(bad));
        ASSERT_EQ(nk_decode_public(bad, &t, raw), NK_ERR_PREFIX);
    }
    /* a seed whose second byte names an invalid type */
    uint8_t sbuf[36];
    memset(sbuf, 9, sizeof(sbuf));
    sbuf[0] = NK_PREFIX_SEED;
    sbuf[1] = 1 << 3;
    uint16_t crc = nk_crc16(sbuf, 34);
    sbuf[34] = (uint8_t)crc;
    sbuf[35] = (uint8_t)(crc >> 8);
    b32_encode(sbuf, 36, bad, sizeof(bad));
    ASSERT_EQ(nk_decode_seed(bad, &t, raw, NULL), NK_ERR_PREFIX);
    /* encoding an unknown type */
    ASSERT_EQ(nk_encode_public((enum nk_type)(1 << 3), raw, pub), NK_ERR_PREFIX);
    ASSERT_EQ(nk_create((enum nk_type)(3 << 3), seed, pub), NK_ERR_PREFIX);
}

/* RFC 8032 section 7.1, test 1 and test 2. */
TEST(ed25519_rfc8032_vectors)
{
    uint8_t seed[32], pub[32], want_pub[32], sig[64], want_sig[64], msg = 0x72;

    hex_to_bytes("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", seed, 32);
    hex_to_bytes("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", want_pub,
                 32);
    hex_to_bytes("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a3"
                 "3bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
                 want_sig, 64);
    ASSERT_OK(nk_public_from_seed(seed, pub));
    ASSERT(memcmp(pub, want_pub, 32) == 0);
    ASSERT_OK(nk_sign(seed, "", 0, sig));
    ASSERT(memcmp(sig, want_sig, 64) == 0);
    ASSERT(nk_verify(pub, "", 0, sig));
    sig[10] ^= 1;
    ASSERT(!nk_verify(pub, "", 0, sig));

    hex_to_bytes("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb", seed, 32);
    hex_to_bytes("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", want_pub,
                 32);
    hex_to_bytes("92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15"
                 "996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
                 want_sig, 64);
    ASSERT_OK(nk_public_from_seed(seed, pub));
    ASSERT(memcmp(pub, want_pub, 32) == 0);
    ASSERT_OK(nk_sign(seed, &msg, 1, sig));
    ASSERT(memcmp(sig, want_sig, 64) == 0);
    ASSERT(nk_verify(pub, &msg, 1, sig));
    ASSERT(!nk_verify(pub, "s", 1, sig));
}

TEST(sign_verify_with_encoded_keys)
{
    char seed[NK_SEED_LEN + 1], pub[NK_PUBLIC_LEN + 1], other[NK_PUBLIC_LEN + 1];
    uint8_t sig[NK_SIG_LEN];

    ASSERT_OK(nk_create(NK_ACCOUNT, seed, pub));
    ASSERT_OK(nk_create(NK_ACCOUNT, NULL, other));
    ASSERT_OK(nk_sign_with_seed(seed, "hello", 5, sig));
    ASSERT(nk_verify_with_public(pub, "hello", 5, sig));
    ASSERT(!nk_verify_with_public(pub, "hellO", 5, sig));
    ASSERT(!nk_verify_with_public(other, "hello", 5, sig));
    ASSERT(!nk_verify_with_public("UNOTAKEY", "hello", 5, sig));
    ASSERT(nk_sign_with_seed("SUNOTASEED", "x", 1, sig) != NK_OK);
}

/* libnats signs with the same seed: Ed25519 is deterministic, so the bytes must match.
 * libnats 3.4.1 refuses operator seeds ("invalid prefix byte"), so those are left out. */
TEST(libnats_signatures_match_ours)
{
    for (size_t i = 0; i < 5; i++) {
        if (all_types[i] == NK_OPERATOR)
            continue;
        char seed[NK_SEED_LEN + 1], pub[NK_PUBLIC_LEN + 1];
        /* libnats refuses an empty input */
        static const char *const inputs[] = {"n", "WmdqjHmxhTHbV0A", "x y", "longer input\r\n"};
        ASSERT_EQ(nats_Open(-1), NATS_OK); /* nats_Sign needs the library opened */
        ASSERT_OK(nk_create(all_types[i], seed, pub));
        for (size_t k = 0; k < 4; k++) {
            unsigned char *theirs = NULL;
            int theirs_len = 0;
            uint8_t ours[NK_SIG_LEN];
            natsStatus s = nats_Sign(seed, inputs[k], &theirs, &theirs_len);
            ASSERT_EQ(s, NATS_OK);
            ASSERT_EQ(theirs_len, NK_SIG_LEN);
            ASSERT_OK(nk_sign_with_seed(seed, inputs[k], strlen(inputs[k]), ours));
            ASSERT(memcmp(ours, theirs, NK_SIG_LEN) == 0);
            ASSERT(nk_verify_with_public(pub, inputs[k], strlen(inputs[k]), theirs));
            free(theirs);
        }
    }
}

TEST(nonce_shape_and_signature_check)
{
    char nonce[AUTH_NONCE_LEN + 1], other[AUTH_NONCE_LEN + 1], small[8];
    char seed[NK_SEED_LEN + 1], pub[NK_PUBLIC_LEN + 1], pub2[NK_PUBLIC_LEN + 1];
    char url[128], std[128];
    unsigned char *sig = NULL;
    int siglen = 0;

    ASSERT_OK(auth_nonce_new(nonce, sizeof(nonce)));
    ASSERT_OK(auth_nonce_new(other, sizeof(other)));
    ASSERT_EQ(strlen(nonce), AUTH_NONCE_LEN);
    ASSERT_MATCH(nonce, "^[A-Za-z0-9_-]{15}$");
    ASSERT(strcmp(nonce, other) != 0);
    ASSERT_EQ(auth_nonce_new(small, sizeof(small)), -1);

    ASSERT_OK(nk_create(NK_USER, seed, pub));
    ASSERT_OK(nk_create(NK_USER, NULL, pub2));
    ASSERT_EQ(nats_Open(-1), NATS_OK);
    ASSERT_EQ(nats_Sign(seed, nonce, &sig, &siglen), NATS_OK);
    ASSERT_EQ(siglen, 64);
    b64_encode(sig, 64, B64_URL_RAW, url, sizeof(url));
    b64_encode(sig, 64, B64_STD, std, sizeof(std));
    free(sig);
    ASSERT_EQ(strlen(url), 86);
    ASSERT_EQ(strlen(std), 88);
    ASSERT(auth_verify_nonce_sig(pub, nonce, url));
    ASSERT(auth_verify_nonce_sig(pub, nonce, std)); /* the reference's fallback */
    ASSERT(!auth_verify_nonce_sig(pub2, nonce, url));
    ASSERT(!auth_verify_nonce_sig(pub, other, url));
    ASSERT(!auth_verify_nonce_sig(pub, nonce, ""));
    ASSERT(!auth_verify_nonce_sig(pub, nonce, NULL));
    ASSERT(!auth_verify_nonce_sig(NULL, nonce, url));
    ASSERT(!auth_verify_nonce_sig(pub, NULL, url));
    url[85] = '\0'; /* one character short: 63 bytes */
    ASSERT(!auth_verify_nonce_sig(pub, nonce, url));
    char longsig[600];
    memset(longsig, 'A', sizeof(longsig) - 1);
    longsig[sizeof(longsig) - 1] = '\0';
    ASSERT(!auth_verify_nonce_sig(pub, nonce, longsig));
}
