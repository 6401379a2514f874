/* libFuzzer target for nkey and base32/base64 decoding (src/auth/nkeys.c, codec.c,
 * nonce.c). Links: ns_auth.
 * Oracle: whatever decodes re-encodes to something that decodes to the same type and bytes;
 * the codecs round-trip; a "sig" made of fuzz bytes never verifies against a fixed key
 * (nobody can forge Ed25519), and no decoder writes past its buffer (ASan). */
#include "auth/codec.h"
#include "auth/nkeys.h"
#include "auth/nonce.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void roundtrip_b64(const char *s, size_t n, enum b64_variant v)
{
    uint8_t out[512], back[512];
    char txt[1024];
    long got = b64_decode(s, n, v, out, sizeof(out));
    if (got < 0)
        return;
    if (b64_encode(out, (size_t)got, v, txt, sizeof(txt)) == 0 && got > 0)
        abort();
    if (b64_decode(txt, strlen(txt), v, back, sizeof(back)) != got ||
        memcmp(out, back, (size_t)got) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s;
    enum nk_type t, t2;
    uint8_t raw[NK_RAW_LEN], raw2[NK_RAW_LEN], pub[NK_RAW_LEN], pub2[NK_RAW_LEN];
    char enc[NK_SEED_LEN + 1];

    if (size > 400)
        return 0;
    s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';

    if (nk_decode_public(s, &t, raw) == NK_OK) {
        if (!nk_type_is_valid((int)t) || nk_encode_public(t, raw, enc) != NK_OK)
            abort();
        if (nk_decode_public(enc, &t2, raw2) != NK_OK || t2 != t || memcmp(raw, raw2, 32) != 0)
            abort();
    }
    if (nk_decode_seed(s, &t, raw, pub) == NK_OK) {
        if (nk_encode_seed(t, raw, enc) != NK_OK)
            abort();
        if (nk_decode_seed(enc, &t2, raw2, pub2) != NK_OK || t2 != t ||
            memcmp(raw, raw2, 32) != 0 || memcmp(pub, pub2, 32) != 0)
            abort();
    }
    uint8_t b32[512];
    long n = b32_decode(s, size, b32, sizeof(b32));
    if (n >= 0) {
        char txt[1024];
        uint8_t back[512];
        b32_encode(b32, (size_t)n, txt, sizeof(txt));
        if (b32_decode(txt, strlen(txt), back, sizeof(back)) != n ||
            memcmp(b32, back, (size_t)n) != 0)
            abort();
    }
    roundtrip_b64(s, size, B64_URL_RAW);
    roundtrip_b64(s, size, B64_STD);

    /* a fixed user key (seed bytes 0x11): nothing the fuzzer writes is its signature */
    static const char nonce[] = "WmdqjHmxhTHbV0A";
    uint8_t seed[NK_RAW_LEN];
    char upub[NK_PUBLIC_LEN + 1];
    memset(seed, 0x11, sizeof(seed));
    if (nk_public_from_seed(seed, pub) != NK_OK || nk_encode_public(NK_USER, pub, upub) != NK_OK)
        abort();
    if (auth_verify_nonce_sig(upub, nonce, s))
        abort();
    free(s);
    return 0;
}
