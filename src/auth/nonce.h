/* The nonce challenge of nkey and JWT authentication (mirrors nats-server nonce.go and the
 * signature check in auth.go). The server puts "nonce" in INFO: 11 random bytes as
 * URL-safe base64 without padding (15 characters). The client answers with "sig" in
 * CONNECT: its Ed25519 signature of the nonce's characters (the 15 ASCII bytes, not the
 * decoded bytes), URL-safe base64 without padding; the reference falls back to standard
 * padded base64 when that fails, and so does auth_verify_nonce_sig. */
#ifndef NS_AUTH_NONCE_H
#define NS_AUTH_NONCE_H

#include <stdbool.h>
#include <stddef.h>

#define AUTH_NONCE_RAW_LEN 11
#define AUTH_NONCE_LEN 15 /* characters, without the NUL */
/* Longest "sig" worth decoding: a 64-byte signature is 86 (URL, raw) or 88 (standard)
 * characters; longer text (line breaks aside) cannot be a valid signature. */
#define AUTH_SIG_MAX_TEXT 256

/* Writes a fresh nonce (AUTH_NONCE_LEN characters and a NUL) to out, which holds at least
 * outsz >= AUTH_NONCE_LEN + 1 bytes. Returns 0, or -1 if outsz is too small or the random
 * generator failed. Thread-safe (OpenSSL RAND_bytes). */
int auth_nonce_new(char *out, size_t outsz);

/* True if sig_b64 (the CONNECT "sig") is the Ed25519 signature of the nonce text by the
 * public nkey nkey_pub (any public type; the caller checks the type it expects, a user key
 * in practice). False for any malformed argument; NULL is allowed and gives false. */
bool auth_verify_nonce_sig(const char *nkey_pub, const char *nonce, const char *sig_b64);

/* Decodes a "sig" text as the reference does (URL raw, then standard). Returns true and
 * fills sig[64] only if it decodes to exactly 64 bytes. */
bool auth_decode_sig(const char *sig_b64, unsigned char sig[64]);

#endif
