/* sid -> subscription map of a client: open addressing with linear probing and backward-shift
 * deletion (no tombstones). Allocated on the first SUB, so idle connections pay nothing.
 * Guarded by the client's mu. */
#include "server/client.h"

#include "core/xmalloc.h"

#include <stdlib.h>
#include <string.h>

static uint32_t hash_sid(const char *p, uint32_t n)
{
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 16777619u;
    }
    return h;
}

struct subscription *sidmap_get(const struct sidmap *m, const char *sid, uint32_t len)
{
    uint32_t mask, i;
    if (m->n == 0)
        return NULL;
    mask = m->cap - 1;
    for (i = hash_sid(sid, len) & mask; m->slots[i]; i = (i + 1) & mask) {
        struct subscription *s = m->slots[i];
        if (s->sid_len == len && memcmp(s->sid, sid, len) == 0)
            return s;
    }
    return NULL;
}

static void insert_slot(struct sidmap *m, struct subscription *sub)
{
    uint32_t mask = m->cap - 1, i;
    for (i = hash_sid(sub->sid, sub->sid_len) & mask; m->slots[i]; i = (i + 1) & mask)
        ;
    m->slots[i] = sub;
}

void sidmap_put(struct sidmap *m, struct subscription *sub)
{
    if ((m->n + 1) * 4 > m->cap * 3) {
        uint32_t oldcap = m->cap;
        struct subscription **old = m->slots;
        m->cap = oldcap ? oldcap * 2 : 4;
        m->slots = xcalloc(m->cap, sizeof(*m->slots));
        for (uint32_t i = 0; i < oldcap; i++)
            if (old[i])
                insert_slot(m, old[i]);
        free(old);
    }
    insert_slot(m, sub);
    m->n++;
}

void sidmap_del(struct sidmap *m, struct subscription *sub)
{
    uint32_t mask, i, j;
    if (m->n == 0)
        return;
    mask = m->cap - 1;
    for (i = hash_sid(sub->sid, sub->sid_len) & mask; m->slots[i] != sub; i = (i + 1) & mask)
        if (!m->slots[i])
            return;
    m->slots[i] = NULL;
    m->n--;
    /* shift back the entries of the probe run that follows */
    for (j = (i + 1) & mask; m->slots[j]; j = (j + 1) & mask) {
        struct subscription *s = m->slots[j];
        uint32_t home = hash_sid(s->sid, s->sid_len) & mask;
        /* move s into the hole at i if its home is not in (i, j] (cyclically) */
        if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
            m->slots[i] = s;
            m->slots[j] = NULL;
            i = j;
        }
    }
    if (m->n == 0)
        sidmap_release(m);
}

void sidmap_release(struct sidmap *m)
{
    FREE_AND_NULL(m->slots);
    m->cap = m->n = 0;
}
