/* INFO and server ids: see info.h. */
#include "server/info.h"

#include "server/client.h"
#include "server/server.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>

static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

static uint16_t crc16_xmodem(const unsigned char *p, size_t n)
{
    uint16_t crc = 0;
    for (size_t i = 0; i < n; i++) {
        crc ^= (uint16_t)(p[i] << 8);
        for (int b = 0; b < 8; b++)
            crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
    }
    return crc;
}

void info_make_server_id(char out[57])
{
    unsigned char raw[35];
    uint16_t crc;
    size_t o = 0;
    unsigned int acc = 0;
    int bits = 0;

    raw[0] = 13 << 3; /* nkeys PrefixByteServer: encodes to a leading 'N' */
    if (getrandom(raw + 1, 32, 0) != 32) {
        for (int i = 1; i < 33; i++)
            raw[i] = (unsigned char)(i * 37);
    }
    crc = crc16_xmodem(raw, 33);
    raw[33] = (unsigned char)(crc & 0xff); /* little-endian, as nkeys appends it */
    raw[34] = (unsigned char)(crc >> 8);
    for (size_t i = 0; i < sizeof(raw); i++) {
        acc = (acc << 8) | raw[i];
        bits += 8;
        while (bits >= 5) {
            out[o++] = b32[(acc >> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    if (bits > 0)
        out[o++] = b32[(acc << (5 - bits)) & 31];
    out[o] = '\0';
}

size_t info_json_escape(char *out, size_t len, size_t cap, const char *s)
{
    for (; *s && len + 7 < cap; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') {
            out[len++] = '\\';
            out[len++] = (char)ch;
        } else if (ch < 0x20) {
            len += (size_t)snprintf(out + len, cap - len, "\\u%04x", ch);
        } else {
            out[len++] = (char)ch;
        }
    }
    out[len] = '\0';
    return len;
}

static void send_info(struct client *c, bool first, bool ldm);

void info_send(struct client *c)
{
    send_info(c, true, false);
}

void info_send_ex(struct client *c, bool ldm)
{
    send_info(c, false, ldm);
}

static void send_info(struct client *c, bool first, bool ldm)
{
    const char *nonce = first ? c->nonce : "";
    struct server *s = c->srv;
    char buf[2048];
    size_t n = 0;

    n += (size_t)snprintf(buf + n, sizeof(buf) - n, "INFO {\"server_id\":\"%s\",\"server_name\":\"",
                          s->id);
    n = info_json_escape(buf, n, sizeof(buf), s->name);
    n += (size_t)snprintf(buf + n, sizeof(buf) - n,
                          "\",\"version\":\"%s\",\"proto\":%d,\"go\":\"natrium-%s\",\"host\":\"",
                          NATS_VERSION, NATS_PROTO, NATRIUM_VERSION);
    n = info_json_escape(buf, n, sizeof(buf), s->opts.host);
    n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\",\"port\":%d,\"headers\":true,%s%s%s%s",
                          s->port, s->auth_required ? "\"auth_required\":true," : "",
                          s->tls_required ? "\"tls_required\":true," : "",
                          s->tls_verify ? "\"tls_verify\":true," : "",
                          s->tls_available ? "\"tls_available\":true," : "");
    n += (size_t)snprintf(buf + n, sizeof(buf) - n,
                          "\"max_payload\":%lld,\"client_id\":%llu,\"client_ip\":\"%s\"%s%s%s%s} \r\n",
                          (long long)(first ? s->opts.max_payload : c->ps.max_payload),
                          (unsigned long long)c->cid, c->host, nonce[0] ? ",\"nonce\":\"" : "",
                          nonce, nonce[0] ? "\"" : "",
                          ldm ? ",\"ldm\":true" : "");
    if (n >= sizeof(buf))
        n = sizeof(buf) - 1;
    client_send(c->loop, c, buf, n);
}
