/* Text encodings used by NATS authentication: base32 (RFC 4648 alphabet, no padding) and
 * the CRC16 of nkeys (nkeys strkey.go/crc16.go), and base64 in the two variants the
 * reference reads: URL-safe without padding (JWT parts, nonce signatures) and standard with
 * padding (the fallback for "sig" in CONNECT). Decoders follow Go's encoding/base32 and
 * encoding/base64: '\r' and '\n' anywhere are skipped, leftover bits in the last character
 * are ignored (Go's decoders are not Strict), anything else out of the alphabet fails.
 * Pure functions, no allocation. */
#ifndef NS_AUTH_CODEC_H
#define NS_AUTH_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Characters base32 needs for len bytes (no padding), not counting a NUL. */
size_t b32_encoded_len(size_t len);
/* Writes the base32 text of in[0..len) plus a NUL to out. Returns the text length, or 0 if
 * outsz is smaller than b32_encoded_len(len) + 1 (out is then untouched). */
size_t b32_encode(const uint8_t *in, size_t len, char *out, size_t outsz);
/* Decodes len characters of unpadded base32. Returns the byte count, or -1 on a character
 * out of the alphabet, an impossible length (1, 3 or 6 characters left over) or when more
 * than outsz bytes would be written. */
long b32_decode(const char *in, size_t len, uint8_t *out, size_t outsz);

/* CRC-16/XMODEM (poly 0x1021, init 0, no reflection), as nkeys appends (little-endian). */
uint16_t nk_crc16(const uint8_t *p, size_t len);

enum b64_variant {
    B64_URL_RAW, /* '-' '_', no '=' allowed (Go base64.RawURLEncoding) */
    B64_STD,     /* '+' '/', '=' padding required (Go base64.StdEncoding) */
};

/* Characters of the encoding of len bytes, not counting a NUL. */
size_t b64_encoded_len(size_t len, enum b64_variant v);
/* Writes the encoding plus a NUL. Returns the text length, or 0 if out is too small. */
size_t b64_encode(const uint8_t *in, size_t len, enum b64_variant v, char *out, size_t outsz);
/* Decodes len characters. Returns the byte count, or -1 on bad input (alphabet, padding,
 * length) or when more than outsz bytes would be written. */
long b64_decode(const char *in, size_t len, enum b64_variant v, uint8_t *out, size_t outsz);

#endif
