/* bcrypt or plain comparison of passwords and tokens. See password.h. */
#include "auth/password.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

/* Longest configured value handed to crypt: a bcrypt hash is 60 characters; the reference
 * would not match anything longer either, so it is refused before libxcrypt sees it. */
#define BCRYPT_MAX_SETTING 128

bool auth_is_bcrypt(const char *s)
{
    return s && s[0] == '$' && s[1] == '2' &&
           (s[2] == 'a' || s[2] == 'b' || s[2] == 'x' || s[2] == 'y') && s[3] == '$' &&
           s[4] >= '0' && s[4] <= '9' && s[5] >= '0' && s[5] <= '9' && s[6] == '$';
}

bool auth_ct_equal(const void *a, size_t alen, const void *b, size_t blen)
{
    const unsigned char *pa = a, *pb = b;
    unsigned char diff = alen != blen;
    size_t n = alen < blen ? alen : blen;

    for (size_t i = 0; i < n; i++)
        diff |= pa[i] ^ pb[i];
    return diff == 0;
}

static bool bcrypt_matches(const char *hash, const char *given)
{
    struct crypt_data *cd;
    const char *out;
    size_t hlen = strnlen(hash, BCRYPT_MAX_SETTING + 1);
    bool ok = false;

    if (hlen > BCRYPT_MAX_SETTING)
        return false;
    cd = calloc(1, sizeof(*cd)); /* ~32 KiB: too big for an event-loop stack */
    if (!cd)
        abort();
    out = crypt_rn(given, hash, cd, (int)sizeof(*cd));
    /* crypt_rn returns NULL (or a "*..." failure token) on a setting it cannot use */
    if (out && out[0] != '*')
        ok = auth_ct_equal(out, strlen(out), hash, hlen);
    OPENSSL_cleanse(cd, sizeof(*cd));
    free(cd);
    return ok;
}

bool auth_password_matches(const char *configured, const char *given)
{
    if (!configured || !given)
        return false;
    if (auth_is_bcrypt(configured))
        return bcrypt_matches(configured, given);
    return auth_ct_equal(configured, strlen(configured), given, strlen(given));
}

bool auth_token_matches(const char *configured, const char *given)
{
    return auth_password_matches(configured, given);
}
