/* Nonce generation and the CONNECT "sig" check. See nonce.h. */
#include "auth/nonce.h"

#include "auth/codec.h"
#include "auth/nkeys.h"

#include <openssl/rand.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>

int auth_nonce_new(char *out, size_t outsz)
{
    uint8_t raw[AUTH_NONCE_RAW_LEN];

    if (!out || outsz < AUTH_NONCE_LEN + 1)
        return -1;
    /* OpenSSL's generator, or the kernel's when it fails (its first use on several threads at
     * once is where a failure was suspected: a nonce-less INFO refuses good nkey users) */
    if (RAND_bytes(raw, sizeof(raw)) != 1 &&
        getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
        return -1;
    return b64_encode(raw, sizeof(raw), B64_URL_RAW, out, outsz) == AUTH_NONCE_LEN ? 0 : -1;
}

bool auth_decode_sig(const char *sig_b64, unsigned char sig[64])
{
    uint8_t buf[NK_SIG_LEN];
    size_t n;
    long got;

    if (!sig_b64)
        return false;
    n = strnlen(sig_b64, AUTH_SIG_MAX_TEXT + 1);
    if (n == 0 || n > AUTH_SIG_MAX_TEXT)
        return false;
    got = b64_decode(sig_b64, n, B64_URL_RAW, buf, sizeof(buf));
    if (got < 0)
        got = b64_decode(sig_b64, n, B64_STD, buf, sizeof(buf));
    if (got != NK_SIG_LEN)
        return false;
    memcpy(sig, buf, NK_SIG_LEN);
    return true;
}

bool auth_verify_nonce_sig(const char *nkey_pub, const char *nonce, const char *sig_b64)
{
    uint8_t sig[NK_SIG_LEN];

    if (!nkey_pub || !nonce || !auth_decode_sig(sig_b64, sig))
        return false;
    return nk_verify_with_public(nkey_pub, nonce, strlen(nonce), sig);
}
