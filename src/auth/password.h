/* Password and token comparison (mirrors nats-server auth.go comparePasswords/isBcrypt).
 * A configured value that looks like a bcrypt hash (the reference's rule:
 * ^\$2[abxy]\$\d{2}\$.*) is checked with bcrypt through libxcrypt; anything else is
 * compared as plain text. Both comparisons take time independent of where the texts
 * differ. Thread-safe (crypt_rn with a per-call buffer). */
#ifndef NS_AUTH_PASSWORD_H
#define NS_AUTH_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

/* True if s matches the reference's bcrypt prefix rule. */
bool auth_is_bcrypt(const char *s);
/* True if the client's given password (or token) matches the configured one. NULL on either
 * side never matches. A bcrypt configured value that libxcrypt cannot use (bad cost, bad
 * salt) never matches. */
bool auth_password_matches(const char *configured, const char *given);
/* Same rule for "auth_token" (the reference allows bcrypt tokens too). */
bool auth_token_matches(const char *configured, const char *given);
/* Constant-time equality of two byte strings (time depends only on the lengths). */
bool auth_ct_equal(const void *a, size_t alen, const void *b, size_t blen);

#endif
