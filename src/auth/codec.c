/* Base32, base64 and CRC16 for nkeys and JWTs: see codec.h. */
#include "auth/codec.h"

#include <string.h>

static const char b32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

size_t b32_encoded_len(size_t len)
{
    return (len * 8 + 4) / 5;
}

size_t b32_encode(const uint8_t *in, size_t len, char *out, size_t outsz)
{
    size_t need = b32_encoded_len(len), o = 0;
    uint32_t acc = 0;
    int bits = 0;

    if (outsz < need + 1)
        return 0;
    for (size_t i = 0; i < len; i++) {
        acc = (acc << 8) | in[i];
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            out[o++] = b32_alphabet[(acc >> bits) & 31];
        }
    }
    if (bits > 0)
        out[o++] = b32_alphabet[(acc << (5 - bits)) & 31];
    out[o] = '\0';
    return o;
}

static int b32_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= '2' && c <= '7')
        return c - '2' + 26;
    return -1;
}

long b32_decode(const char *in, size_t len, uint8_t *out, size_t outsz)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0, chars = 0;

    for (size_t i = 0; i < len; i++) {
        int v;
        if (in[i] == '\r' || in[i] == '\n')
            continue;
        v = b32_value(in[i]);
        if (v < 0)
            return -1;
        chars++;
        acc = (acc << 5) | (uint32_t)v;
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            if (o >= outsz)
                return -1;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    /* a final group of 8 characters with 1, 3 or 6 of them is not a whole byte count */
    switch (chars % 8) {
    case 1:
    case 3:
    case 6:
        return -1;
    default:
        break;
    }
    return (long)o;
}

uint16_t nk_crc16(const uint8_t *p, size_t len)
{
    uint16_t crc = 0;

    for (size_t i = 0; i < len; i++) {
        crc ^= (uint16_t)(p[i] << 8);
        for (int b = 0; b < 8; b++)
            crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
    }
    return crc;
}

static const char b64_std_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t b64_encoded_len(size_t len, enum b64_variant v)
{
    if (v == B64_STD)
        return (len + 2) / 3 * 4;
    return (len * 8 + 5) / 6;
}

size_t b64_encode(const uint8_t *in, size_t len, enum b64_variant v, char *out, size_t outsz)
{
    const char *alpha = v == B64_STD ? b64_std_alphabet : b64_url_alphabet;
    size_t need = b64_encoded_len(len, v), o = 0, i = 0;

    if (outsz < need + 1)
        return 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t n = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = alpha[(n >> 18) & 63];
        out[o++] = alpha[(n >> 12) & 63];
        out[o++] = alpha[(n >> 6) & 63];
        out[o++] = alpha[n & 63];
    }
    if (len - i == 1) {
        uint32_t n = (uint32_t)in[i] << 16;
        out[o++] = alpha[(n >> 18) & 63];
        out[o++] = alpha[(n >> 12) & 63];
        if (v == B64_STD) {
            out[o++] = '=';
            out[o++] = '=';
        }
    } else if (len - i == 2) {
        uint32_t n = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = alpha[(n >> 18) & 63];
        out[o++] = alpha[(n >> 12) & 63];
        out[o++] = alpha[(n >> 6) & 63];
        if (v == B64_STD)
            out[o++] = '=';
    }
    out[o] = '\0';
    return o;
}

static int b64_value(char c, enum b64_variant v)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (v == B64_STD) {
        if (c == '+')
            return 62;
        if (c == '/')
            return 63;
    } else {
        if (c == '-')
            return 62;
        if (c == '_')
            return 63;
    }
    return -1;
}

long b64_decode(const char *in, size_t len, enum b64_variant v, uint8_t *out, size_t outsz)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0, chars = 0, pad = 0;

    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        int val;
        if (c == '\r' || c == '\n')
            continue;
        if (c == '=') {
            if (v != B64_STD)
                return -1;
            pad++;
            continue;
        }
        if (pad > 0) /* data after padding */
            return -1;
        val = b64_value(c, v);
        if (val < 0)
            return -1;
        chars++;
        acc = (acc << 6) | (uint32_t)val;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= outsz)
                return -1;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    if (chars % 4 == 1)
        return -1;
    if (v == B64_STD) {
        /* padding must complete the last quantum exactly */
        size_t want = chars % 4 == 0 ? 0 : 4 - chars % 4;
        if (pad != want)
            return -1;
    }
    return (long)o;
}
