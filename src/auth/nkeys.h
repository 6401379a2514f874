/* NATS nkeys (mirrors nats-io/nkeys strkey.go, keypair.go, public.go): Ed25519 keys written
 * as base32 text of [prefix byte(s)][32-byte key][CRC16 little-endian].
 *   public key: 1 prefix byte (type << 3), 35 bytes -> 56 characters: "U...", "A...", ...
 *   seed:       2 prefix bytes (seed 18 << 3 | type >> 5, (type & 31) << 3), 36 bytes ->
 *               58 characters: "SU...", "SA...", "SO...", "SN...", "SC...".
 * The 32-byte seed is the Ed25519 private key seed (RFC 8032); signatures are 64 bytes,
 * made and checked with OpenSSL's EVP_PKEY_ED25519. No global state: every call stands
 * alone and is thread-safe. */
#ifndef NS_AUTH_NKEYS_H
#define NS_AUTH_NKEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NK_RAW_LEN 32     /* Ed25519 public key or seed */
#define NK_SIG_LEN 64     /* Ed25519 signature */
#define NK_PUBLIC_LEN 56  /* characters of an encoded public key */
#define NK_SEED_LEN 58    /* characters of an encoded seed */

/* Key types. The values are the prefix bytes (nkeys PrefixByte*). */
enum nk_type {
    NK_ACCOUNT = 0,        /* 'A' */
    NK_CLUSTER = 2 << 3,   /* 'C' */
    NK_SERVER = 13 << 3,   /* 'N' */
    NK_OPERATOR = 14 << 3, /* 'O' */
    NK_USER = 20 << 3,     /* 'U' */
};
#define NK_PREFIX_SEED (18 << 3)    /* 'S' */
#define NK_PREFIX_PRIVATE (15 << 3) /* 'P' (not used by natrium) */

enum nk_err {
    NK_OK = 0,
    NK_ERR_ENCODING = -1, /* not base32, or a length no key has */
    NK_ERR_CRC = -2,      /* checksum mismatch */
    NK_ERR_PREFIX = -3,   /* unknown prefix, or not the type asked for */
    NK_ERR_CRYPTO = -4,   /* OpenSSL failed (or the signature does not verify) */
};

/* Short English text for an nk_err ("invalid checksum", ...). */
const char *nk_strerror(int err);
/* True for the five public types above. */
bool nk_type_is_valid(int t);
/* The letter a public key of type t starts with ('U' for NK_USER), or '?'. */
char nk_type_letter(enum nk_type t);
/* Lower-case name ("user", "account", "operator", "server", "cluster"), or "unknown". */
const char *nk_type_name(enum nk_type t);

/* Encodes a public key. out gets NK_PUBLIC_LEN characters and a NUL. Returns NK_OK, or
 * NK_ERR_PREFIX for an unknown type. */
int nk_encode_public(enum nk_type t, const uint8_t raw[NK_RAW_LEN], char out[NK_PUBLIC_LEN + 1]);
/* Encodes a seed of public type t. out gets NK_SEED_LEN characters and a NUL. */
int nk_encode_seed(enum nk_type t, const uint8_t seed[NK_RAW_LEN], char out[NK_SEED_LEN + 1]);

/* Decodes the NUL-terminated public key s: checks base32, length, CRC and prefix. On
 * NK_OK, *type (if not NULL) is its type and raw (if not NULL) its 32-byte key. */
int nk_decode_public(const char *s, enum nk_type *type, uint8_t raw[NK_RAW_LEN]);
/* True if s is a valid public key of type want (any public type if want is -1). */
bool nk_is_valid_public(const char *s, int want);
/* Decodes the NUL-terminated seed s ("SU...", "SA...", ...; surrounding blanks are NOT
 * trimmed). On NK_OK fills *type, seed (the Ed25519 seed) and pub (the derived public key);
 * each may be NULL. */
int nk_decode_seed(const char *s, enum nk_type *type, uint8_t seed[NK_RAW_LEN],
                   uint8_t pub[NK_RAW_LEN]);

/* Derives the Ed25519 public key of a 32-byte seed. */
int nk_public_from_seed(const uint8_t seed[NK_RAW_LEN], uint8_t pub[NK_RAW_LEN]);
/* Signs len bytes of msg with a raw seed; sig gets 64 bytes. */
int nk_sign(const uint8_t seed[NK_RAW_LEN], const void *msg, size_t len,
            uint8_t sig[NK_SIG_LEN]);
/* Signs with an encoded seed ("SU..."). Returns NK_OK or the seed's decode error. */
int nk_sign_with_seed(const char *seed, const void *msg, size_t len, uint8_t sig[NK_SIG_LEN]);
/* True if sig is pub's Ed25519 signature of msg[0..len). */
bool nk_verify(const uint8_t pub[NK_RAW_LEN], const void *msg, size_t len,
               const uint8_t sig[NK_SIG_LEN]);
/* True if sig verifies against the encoded public key pub_str (any public type). */
bool nk_verify_with_public(const char *pub_str, const void *msg, size_t len,
                           const uint8_t sig[NK_SIG_LEN]);

/* Makes a fresh key pair of type t from OpenSSL's RAND_bytes. Either output may be NULL. */
int nk_create(enum nk_type t, char seed_out[NK_SEED_LEN + 1], char pub_out[NK_PUBLIC_LEN + 1]);

#endif
