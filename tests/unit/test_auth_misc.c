/* Unit tests for src/auth/password.c (bcrypt or plain comparison, the reference's bcrypt
 * prefix rule) and src/auth/creds.c (.creds parsing and formatting). Whether the reference
 * accepts the same bcrypt hashes is checked in tests/auth. */
#include "test.h"

#include "auth/creds.h"
#include "auth/password.h"

#include <crypt.h>
#include <stdlib.h>
#include <string.h>

static void make_bcrypt(const char *prefix, const char *password, char *out, size_t outsz)
{
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    struct crypt_data *cd = calloc(1, sizeof(*cd));
    ASSERT(crypt_gensalt_rn(prefix, 4, NULL, 0, salt, sizeof(salt)) != NULL);
    const char *h = crypt_rn(password, salt, cd, (int)sizeof(*cd));
    ASSERT(h != NULL && h[0] == '$');
    snprintf(out, outsz, "%s", h);
    free(cd);
}

TEST(bcrypt_prefix_rule)
{
    ASSERT(auth_is_bcrypt("$2a$10$abc"));
    ASSERT(auth_is_bcrypt("$2b$04$"));
    ASSERT(auth_is_bcrypt("$2x$31$x"));
    ASSERT(auth_is_bcrypt("$2y$99$"));
    ASSERT(!auth_is_bcrypt("$2c$10$abc"));
    ASSERT(!auth_is_bcrypt("$2a$1$abc"));
    ASSERT(!auth_is_bcrypt("$2a$100$abc"));
    ASSERT(!auth_is_bcrypt("$2a10$abc"));
    ASSERT(!auth_is_bcrypt("$1$abc"));
    ASSERT(!auth_is_bcrypt("x$2a$10$"));
    ASSERT(!auth_is_bcrypt(""));
    ASSERT(!auth_is_bcrypt(NULL));
}

TEST(bcrypt_passwords)
{
    static const char *const prefixes[] = {"$2b$", "$2a$", "$2y$"};
    for (size_t i = 0; i < 3; i++) {
        char hash[128];
        make_bcrypt(prefixes[i], "s3cret", hash, sizeof(hash));
        ASSERT(strncmp(hash, prefixes[i], 4) == 0);
        ASSERT(auth_password_matches(hash, "s3cret"));
        ASSERT(!auth_password_matches(hash, "s3cret "));
        ASSERT(!auth_password_matches(hash, ""));
        ASSERT(!auth_password_matches(hash, hash)); /* the hash itself is not the password */
        ASSERT(auth_token_matches(hash, "s3cret"));
        /* trailing garbage after a valid hash never matches */
        char longer[140];
        snprintf(longer, sizeof(longer), "%sX", hash);
        ASSERT(!auth_password_matches(longer, "s3cret"));
    }
    /* bcrypt-looking values libxcrypt cannot use never match (cost 03, short salt) */
    ASSERT(!auth_password_matches("$2a$03$abcdefghijklmnopqrstuu", "x"));
    ASSERT(!auth_password_matches("$2a$10$", ""));
    ASSERT(!auth_password_matches("$2a$10$short", "short"));
}

TEST(plain_passwords)
{
    ASSERT(auth_password_matches("pwd", "pwd"));
    ASSERT(!auth_password_matches("pwd", "pwd2"));
    ASSERT(!auth_password_matches("pwd", "pw"));
    ASSERT(!auth_password_matches("pwd", "PWD"));
    ASSERT(auth_password_matches("", ""));
    ASSERT(!auth_password_matches(NULL, "x"));
    ASSERT(!auth_password_matches("x", NULL));
    ASSERT(auth_token_matches("tok", "tok"));
    ASSERT(!auth_token_matches("tok", "tok "));
    ASSERT(auth_ct_equal("ab", 2, "ab", 2));
    ASSERT(!auth_ct_equal("ab", 2, "abc", 3));
    ASSERT(!auth_ct_equal("ab", 2, "ac", 2));
}

static const char jwt_text[] = "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJzdWIiOiJVIn0.c2ln";
static const char seed_text[] = "SUAIO3FHUX5PNV2LQIIP7TZ3N4L7TX3W53MQGEIVYFIGA635OZCKEYHFLM";

TEST(creds_format_and_parse)
{
    char *text = creds_format(jwt_text, seed_text);
    struct creds c;
    ASSERT(strstr(text, "-----BEGIN NATS USER JWT-----\n") == text);
    ASSERT_OK(creds_parse(text, strlen(text), &c));
    ASSERT_STR_EQ(c.jwt, jwt_text);
    ASSERT_STR_EQ(c.seed, seed_text);
    creds_release(&c);
    ASSERT(c.jwt == NULL && c.seed == NULL);
    free(text);
}

TEST(creds_variants)
{
    struct creds c;
    char buf[1024];
    /* CRLF line ends, no trailing newline after the last block */
    snprintf(buf, sizeof(buf),
             "-----BEGIN NATS USER JWT-----\r\n%s\r\n------END NATS USER JWT------\r\n\r\n"
             "junk\r\n-----BEGIN USER NKEY SEED-----\r\n%s\r\n------END USER NKEY SEED------",
             jwt_text, seed_text);
    ASSERT_OK(creds_parse(buf, strlen(buf), &c));
    ASSERT_STR_EQ(c.jwt, jwt_text);
    ASSERT_STR_EQ(c.seed, seed_text);
    creds_release(&c);
    /* no blocks: the whole text is the JWT; a line starting with SU is the seed */
    snprintf(buf, sizeof(buf), "%s", jwt_text);
    ASSERT_OK(creds_parse(buf, strlen(buf), &c));
    ASSERT_STR_EQ(c.jwt, jwt_text);
    ASSERT(c.seed == NULL);
    creds_release(&c);
    snprintf(buf, sizeof(buf), "# my seed\n   %s  \nmore\n", seed_text);
    ASSERT_OK(creds_parse(buf, strlen(buf), &c));
    ASSERT_STR_EQ(c.seed, seed_text);
    creds_release(&c);
    /* only one block: the seed comes from a bare line */
    snprintf(buf, sizeof(buf), "---- JWT ----\n%s\n---- END ----\n%s\n", jwt_text, seed_text);
    ASSERT_OK(creds_parse(buf, strlen(buf), &c));
    ASSERT_STR_EQ(c.jwt, jwt_text);
    ASSERT_STR_EQ(c.seed, seed_text);
    creds_release(&c);
    /* a body line with a blank in it is no block body */
    snprintf(buf, sizeof(buf), "------ A ------\nnot a jwt\n------ B ------\n");
    ASSERT_OK(creds_parse(buf, strlen(buf), &c));
    ASSERT_STR_EQ(c.jwt, buf);
    creds_release(&c);
    /* dashed lines need 3 dashes on both ends */
    snprintf(buf, sizeof(buf), "--- A --\n%s\n------ B ------\n", jwt_text);
    ASSERT_OK(creds_parse(buf, strlen(buf), &c));
    ASSERT_STR_EQ(c.jwt, buf);
    creds_release(&c);
    ASSERT_OK(creds_parse("", 0, &c));
    ASSERT_STR_EQ(c.jwt, "");
    creds_release(&c);
}

TEST(creds_oversize)
{
    size_t n = CREDS_MAX_LEN + 1;
    char *big = calloc(1, n + 1);
    struct creds c;
    memset(big, 'A', n);
    ASSERT_EQ(creds_parse(big, n, &c), -1);
    ASSERT(c.jwt == NULL && c.seed == NULL);
    free(big);
}
