/* HTTP request-head parser: see http_parse.h. */
#include "monitor/http_parse.h"

#include <string.h>
#include <strings.h>

static bool is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int fail(struct http_request *req, int status, const char *text)
{
    req->error_status = status;
    req->error_text = text;
    return HTTP_PARSE_ERROR;
}

/* Finds "\r\n\r\n" or "\n\n" within buf[0..len); returns the head length or 0. */
static size_t head_end(const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (buf[i] != '\n')
            continue;
        if (i + 1 < len && buf[i + 1] == '\n')
            return i + 2;
        if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
            return i + 3;
    }
    return 0;
}

/* One line [p, e) without its line end. */
static const char *line_end(const char *p, const char *end, const char **next)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *e;
    if (!nl) {
        *next = end;
        return end;
    }
    *next = nl + 1;
    e = nl;
    if (e > p && e[-1] == '\r')
        e--;
    return e;
}

int http_parse_request(const char *buf, size_t len, struct http_request *req)
{
    const char *p, *e, *next, *end, *sp1, *sp2;
    size_t hl, nheaders = 0;

    memset(req, 0, sizeof(*req));
    hl = head_end(buf, len < HTTP_MAX_HEAD ? len : HTTP_MAX_HEAD);
    if (hl == 0) {
        if (len >= HTTP_MAX_HEAD)
            return fail(req, 431, "Request Header Fields Too Large");
        return HTTP_PARSE_INCOMPLETE;
    }
    end = buf + hl;
    p = buf;
    /* tolerate empty lines before the request line, as Go does */
    while (p < end && (*p == '\r' || *p == '\n'))
        p++;
    e = line_end(p, end, &next);
    /* METHOD SP target SP HTTP/1.x */
    sp1 = memchr(p, ' ', (size_t)(e - p));
    if (!sp1 || sp1 == p)
        return fail(req, 400, "Bad Request");
    for (const char *q = p; q < sp1; q++)
        if (!is_tchar((unsigned char)*q))
            return fail(req, 400, "Bad Request");
    sp2 = memchr(sp1 + 1, ' ', (size_t)(e - sp1 - 1));
    if (!sp2 || sp2 == sp1 + 1)
        return fail(req, 400, "Bad Request");
    req->method = p;
    req->method_len = (size_t)(sp1 - p);
    {
        const char *t = sp1 + 1, *q;
        size_t tl = (size_t)(sp2 - t);
        for (size_t i = 0; i < tl; i++) {
            unsigned char c = (unsigned char)t[i];
            if (c <= 0x20 || c == 0x7f)
                return fail(req, 400, "Bad Request");
        }
        if (t[0] != '/')
            return fail(req, 400, "Bad Request");
        q = memchr(t, '?', tl);
        req->path = t;
        req->path_len = q ? (size_t)(q - t) : tl;
        if (q) {
            req->query = q + 1;
            req->query_len = (size_t)(sp2 - q - 1);
        }
    }
    {
        const char *v = sp2 + 1;
        size_t vl = (size_t)(e - v);
        if (vl != 8 || memcmp(v, "HTTP/", 5) != 0 || v[6] != '.' || v[5] < '0' || v[5] > '9' ||
            v[7] < '0' || v[7] > '9')
            return fail(req, 400, "Bad Request");
        if (v[5] != '1' || (v[7] != '0' && v[7] != '1'))
            return fail(req, 505, "HTTP Version Not Supported: unsupported protocol version");
        req->minor = v[7] - '0';
    }
    /* headers */
    for (p = next; p < end; p = next) {
        const char *colon;
        e = line_end(p, end, &next);
        if (e == p)
            break; /* the blank line */
        if (++nheaders > HTTP_MAX_HEADERS)
            return fail(req, 431, "Request Header Fields Too Large");
        if (*p == ' ' || *p == '\t')
            return fail(req, 400, "Bad Request"); /* obsolete line folding */
        colon = memchr(p, ':', (size_t)(e - p));
        if (!colon || colon == p)
            return fail(req, 400, "Bad Request");
        for (const char *q = p; q < colon; q++)
            if (!is_tchar((unsigned char)*q))
                return fail(req, 400, "Bad Request");
        if (colon - p == 4 && strncasecmp(p, "host", 4) == 0)
            req->has_host = true;
    }
    if (req->minor == 1 && !req->has_host)
        return fail(req, 400, "Bad Request: missing required Host header");
    req->head_len = hl;
    return HTTP_PARSE_DONE;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes [p, p+n) into out (cap bytes including the NUL). */
static void decode(const char *p, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    if (cap == 0)
        return;
    for (size_t i = 0; i < n && o + 1 < cap; i++) {
        if (p[i] == '+') {
            out[o++] = ' ';
        } else if (p[i] == '%' && i + 2 < n && hexval(p[i + 1]) >= 0 && hexval(p[i + 2]) >= 0) {
            out[o++] = (char)(hexval(p[i + 1]) * 16 + hexval(p[i + 2]));
            i += 2;
        } else {
            out[o++] = p[i];
        }
    }
    out[o] = '\0';
}

bool http_query_get(const char *query, size_t qlen, const char *name, char *out, size_t cap)
{
    const char *p = query, *end = query + qlen;
    char key[128];

    while (p && p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *pe = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(pe - p));
        const char *ke = eq ? eq : pe;
        decode(p, (size_t)(ke - p), key, sizeof(key));
        if (strcmp(key, name) == 0) {
            if (eq)
                decode(eq + 1, (size_t)(pe - eq - 1), out, cap);
            else if (cap)
                out[0] = '\0';
            return true;
        }
        p = amp ? amp + 1 : end;
    }
    return false;
}
