/* Reply permissions: see replies.h. */
#include "server/replies.h"

#include "core/xmalloc.h"

#include <stdlib.h>
#include <string.h>

#define NBUCKETS 256

struct reply_ent {
    struct reply_ent *next;
    int64_t t;
    int64_t n;
    uint32_t len;
    char subject[];
};

static uint32_t bucket_of(const char *s, uint32_t len)
{
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h % NBUCKETS;
}

static void prune(struct reply_set *rs, int64_t now, int64_t expires_ms, bool all)
{
    for (uint32_t b = 0; b < NBUCKETS; b++) {
        struct reply_ent **pp = &rs->buckets[b];
        while (*pp) {
            struct reply_ent *e = *pp;
            if (all || (expires_ms > 0 && now - e->t > expires_ms)) {
                *pp = e->next;
                free(e);
                rs->n--;
            } else {
                pp = &e->next;
            }
        }
    }
}

static struct reply_ent **find(struct reply_set *rs, const char *s, uint32_t len)
{
    struct reply_ent **pp = &rs->buckets[bucket_of(s, len)];
    for (; *pp; pp = &(*pp)->next) {
        if ((*pp)->len == len && memcmp((*pp)->subject, s, len) == 0)
            return pp;
    }
    return pp;
}

void replies_add(struct reply_set *rs, const char *subject, uint32_t len, int64_t now,
                 int64_t expires_ms)
{
    struct reply_ent **pp, *e;

    if (!rs->buckets)
        rs->buckets = xcalloc(NBUCKETS, sizeof(*rs->buckets));
    pp = find(rs, subject, len);
    if (*pp) { /* the same reply again: fresh */
        (*pp)->t = now;
        (*pp)->n = 0;
        return;
    }
    if (rs->n >= REPLIES_MAX) {
        prune(rs, now, expires_ms, false);
        if (rs->n >= REPLIES_MAX)
            prune(rs, now, expires_ms, true);
        pp = find(rs, subject, len);
    }
    e = xmalloc(sizeof(*e) + len);
    e->next = NULL;
    e->t = now;
    e->n = 0;
    e->len = len;
    memcpy(e->subject, subject, len);
    *pp = e;
    rs->n++;
}

bool replies_use(struct reply_set *rs, const char *subject, uint32_t len, int64_t now,
                 int64_t max, int64_t expires_ms)
{
    struct reply_ent **pp, *e;

    if (!rs->buckets)
        return false;
    pp = find(rs, subject, len);
    e = *pp;
    if (!e)
        return false;
    e->n++;
    if ((max > 0 && e->n > max) || (expires_ms > 0 && now - e->t > expires_ms)) {
        *pp = e->next;
        free(e);
        rs->n--;
        return false;
    }
    return true;
}

void replies_release(struct reply_set *rs)
{
    if (rs->buckets) {
        prune(rs, 0, 0, true);
        free(rs->buckets);
    }
    rs->buckets = NULL;
    rs->n = 0;
}
