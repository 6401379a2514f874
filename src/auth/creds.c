/* .creds parsing and formatting. See creds.h. */
#include "auth/creds.h"

#include "core/xmalloc.h"

#include <openssl/crypto.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Line [p, e) (without its '\n'; a '\r' before it is not part of the line). */
struct line {
    const char *p, *e;
    const char *next; /* start of the following line, or NULL at the end of the text */
};

static bool next_line(const char *text, const char *end, const char *from, struct line *l)
{
    const char *nl;
    if (!from || from > end || (from == end && from != text))
        return false;
    nl = memchr(from, '\n', (size_t)(end - from));
    l->p = from;
    l->e = nl ? nl : end;
    l->next = nl ? nl + 1 : NULL;
    if (nl && l->e > l->p && l->e[-1] == '\r')
        l->e--;
    return true;
}

/* "[-]{3,}.*[-]{3,}" ending the line (from_start: it must also start the line). */
static bool is_dash_line(const struct line *l, bool from_start)
{
    size_t n = (size_t)(l->e - l->p);
    if (n < 6 || memcmp(l->e - 3, "---", 3) != 0)
        return false;
    if (from_start)
        return memcmp(l->p, "---", 3) == 0;
    for (const char *q = l->p; q + 3 <= l->e - 3; q++)
        if (memcmp(q, "---", 3) == 0)
            return true;
    return false;
}

static bool is_body_line(const struct line *l)
{
    if (l->e == l->p)
        return false;
    for (const char *q = l->p; q < l->e; q++) {
        char c = *q;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.' || c == '='))
            return false;
    }
    return true;
}

/* Finds up to two blocks; returns how many. */
static int find_blocks(const char *text, size_t len, struct line body[2])
{
    const char *end = text + len, *at = text;
    struct line l;
    int found = 0;

    while (found < 2 && next_line(text, end, at, &l)) {
        struct line b, close;
        at = l.next;
        if (!l.next || !is_dash_line(&l, false))
            continue;
        if (!next_line(text, end, l.next, &b) || !b.next || !is_body_line(&b))
            continue;
        if (!next_line(text, end, b.next, &close) || !is_dash_line(&close, true))
            continue;
        /* the closing line ends in '\n' or at the end of the text; "\r" alone is not a line end */
        if (!close.next && close.e != end)
            continue;
        body[found++] = b;
        at = close.next;
    }
    return found;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

int creds_parse(const char *text, size_t len, struct creds *out)
{
    struct line body[2];
    int n;

    memset(out, 0, sizeof(*out));
    if (len > CREDS_MAX_LEN)
        return -1;
    n = find_blocks(text, len, body);
    if (n >= 1)
        out->jwt = xstrndup(body[0].p, (size_t)(body[0].e - body[0].p));
    else
        out->jwt = xstrndup(text, len);
    if (n >= 2) {
        out->seed = xstrndup(body[1].p, (size_t)(body[1].e - body[1].p));
    } else {
        const char *end = text + len, *at = text;
        struct line l;
        while (next_line(text, end, at, &l)) {
            const char *p = l.p, *e = l.next ? l.next - 1 : end;
            while (p < e && is_blank(*p))
                p++;
            if (e - p >= 2 && p[0] == 'S' && (p[1] == 'O' || p[1] == 'A' || p[1] == 'U')) {
                /* the reference keeps the whole line; a seed never has blanks, so trim */
                const char *q = p;
                while (q < e && !is_blank(*q))
                    q++;
                out->seed = xstrndup(p, (size_t)(q - p));
                break;
            }
            at = l.next;
        }
    }
    return 0;
}

void creds_release(struct creds *c)
{
    if (c->seed) {
        OPENSSL_cleanse(c->seed, strlen(c->seed));
        free(c->seed);
    }
    free(c->jwt);
    memset(c, 0, sizeof(*c));
}

char *creds_format(const char *jwt, const char *seed)
{
    static const char fmt[] =
        "-----BEGIN NATS USER JWT-----\n%s\n------END NATS USER JWT------\n\n"
        "************************* IMPORTANT *************************\n"
        "NKEY Seed printed below can be used to sign and prove identity.\n"
        "NKEYs are sensitive and should be treated as secrets.\n\n"
        "-----BEGIN USER NKEY SEED-----\n%s\n------END USER NKEY SEED------\n\n"
        "*************************************************************\n";
    size_t n = sizeof(fmt) + strlen(jwt) + strlen(seed);
    char *s = xmalloc(n);
    snprintf(s, n, fmt, jwt, seed);
    return s;
}
