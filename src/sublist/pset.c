/* Pointer sets packed in one word (see pset.h): the storage behind a trie node's children
 * and subscriptions. Key invariant: a set's form follows its size (0, tagged single member,
 * dense array up to the kind's dense limit, hashed table above it), so small sets, by far
 * the most common, cost no allocation or a small one. No nats-server counterpart (Go uses
 * maps). Design: docs/internals/sublist.md invariant (4). */
#include "sublist/pset.h"

#include "core/xmalloc.h"

#include <stdlib.h>

static struct pblock *pblock_new(uint32_t cap)
{
    struct pblock *b = xcalloc(1, sizeof(*b) + (size_t)cap * sizeof(void *));
    b->cap = cap;
    return b;
}

uint32_t sl_pset_copy(uintptr_t set, void **out)
{
    const struct pblock *b;
    uint32_t k = 0;

    if (set == 0)
        return 0;
    if (set & PSET_ONE) {
        out[0] = (void *)(set & ~PSET_ONE);
        return 1;
    }
    b = (const struct pblock *)set;
    for (uint32_t i = 0; i < b->cap && k < b->n; i++)
        if (b->slot[i])
            out[k++] = b->slot[i];
    return k;
}

void *sl_pset_any(uintptr_t set)
{
    const struct pblock *b = (const struct pblock *)set;

    if (set == 0 || (set & PSET_ONE))
        return (void *)(set & ~PSET_ONE);
    for (uint32_t i = 0; i < b->cap; i++)
        if (b->slot[i])
            return b->slot[i];
    return NULL;
}

static void hashed_put(const struct pset_kind *kind, struct pblock *b, void *item)
{
    uint32_t mask = b->cap - 1, i = kind->home(item) & mask;
    while (b->slot[i])
        i = (i + 1) & mask;
    b->slot[i] = item;
    b->n++;
}

/* Moves the members of b into a new block of capacity cap (dense or hashed); frees b. */
static struct pblock *pblock_resize(const struct pset_kind *kind, struct pblock *b, uint32_t cap)
{
    struct pblock *nb = pblock_new(cap);
    for (uint32_t i = 0, seen = 0; i < b->cap && seen < b->n; i++) {
        void *item = b->slot[i];
        if (!item)
            continue;
        seen++;
        if (cap <= kind->dense_max)
            nb->slot[nb->n++] = item;
        else
            hashed_put(kind, nb, item);
    }
    free(b);
    return nb;
}

void sl_pset_add(const struct pset_kind *kind, uintptr_t *set, void *item)
{
    struct pblock *b;

    if (*set == 0) {
        *set = (uintptr_t)item | PSET_ONE;
        return;
    }
    if (*set & PSET_ONE) {
        b = pblock_new(2);
        b->slot[0] = (void *)(*set & ~PSET_ONE);
        b->slot[1] = item;
        b->n = 2;
        *set = (uintptr_t)b;
        return;
    }
    b = (struct pblock *)*set;
    if (b->cap <= kind->dense_max) {
        if (b->n == b->cap) {
            /* a full dense array doubles; past the dense limit it becomes a table */
            b = pblock_resize(kind, b, b->cap * 2);
            *set = (uintptr_t)b;
            if (b->cap > kind->dense_max) {
                hashed_put(kind, b, item);
                return;
            }
        }
        b->slot[b->n++] = item;
        return;
    }
    if ((b->n + 1) * 4 > b->cap * 3) {
        b = pblock_resize(kind, b, b->cap * 2);
        *set = (uintptr_t)b;
    }
    hashed_put(kind, b, item);
}

/* Backward-shift deletion of slot i in a hashed block. */
static void hashed_delete(const struct pset_kind *kind, struct pblock *b, uint32_t i)
{
    uint32_t mask = b->cap - 1, j = i;

    for (;;) {
        j = (j + 1) & mask;
        void *item = b->slot[j];
        if (!item)
            break;
        uint32_t k = kind->home(item) & mask;
        /* item stays if its home lies cyclically in (i, j] */
        bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
        if (stays)
            continue;
        b->slot[i] = item;
        i = j;
    }
    b->slot[i] = NULL;
    b->n--;
}

/* Shrinks the storage as it empties: a table becomes dense at half the dense limit (well below the
 * point where it grew, so a set does not flap), a dense array halves at a quarter full, and a last
 * member goes back into the word itself. */
bool sl_pset_del(const struct pset_kind *kind, uintptr_t *set, const void *item)
{
    struct pblock *b;

    if (*set == 0)
        return false;
    if (*set & PSET_ONE) {
        if ((void *)(*set & ~PSET_ONE) != item)
            return false;
        *set = 0;
        return true;
    }
    b = (struct pblock *)*set;
    if (b->cap <= kind->dense_max) {
        uint32_t i = 0;
        while (i < b->n && b->slot[i] != item)
            i++;
        if (i == b->n)
            return false;
        b->slot[i] = b->slot[--b->n];
        if (b->n == 1) {
            *set = (uintptr_t)b->slot[0] | PSET_ONE;
            free(b);
        } else if (b->n * 4 <= b->cap) {
            *set = (uintptr_t)pblock_resize(kind, b, b->cap / 2);
        }
        return true;
    }
    uint32_t mask = b->cap - 1, i = kind->home(item) & mask;
    while (b->slot[i] != item) {
        if (!b->slot[i])
            return false;
        i = (i + 1) & mask;
    }
    hashed_delete(kind, b, i);
    if (b->n <= kind->dense_max / 2)
        *set = (uintptr_t)pblock_resize(kind, b, kind->dense_max);
    else if (b->n * 8 < b->cap)
        *set = (uintptr_t)pblock_resize(kind, b, b->cap / 2);
    return true;
}

void sl_pset_free(uintptr_t set)
{
    if (set && !(set & PSET_ONE))
        free((void *)set);
}

long sl_pset_check(const struct pset_kind *kind, uintptr_t set)
{
    const struct pblock *b = (const struct pblock *)set;
    uint32_t seen = 0;

    if (set == 0 || (set & PSET_ONE))
        return set ? 1 : 0;
    if (b->n < 2 || b->n > b->cap || (b->cap & (b->cap - 1)) != 0)
        return -1;
    if (b->cap <= kind->dense_max) {
        for (uint32_t i = 0; i < b->n; i++)
            if (!b->slot[i])
                return -1;
        return b->n;
    }
    if (b->n * 4 > b->cap * 3)
        return -1;
    for (uint32_t i = 0; i < b->cap; i++) {
        if (!b->slot[i])
            continue;
        seen++;
        /* no free slot between the member's home and its slot (linear probing) */
        for (uint32_t j = kind->home(b->slot[i]) & (b->cap - 1); j != i; j = (j + 1) & (b->cap - 1))
            if (!b->slot[j])
                return -1;
    }
    return seen == b->n ? (long)seen : -1;
}
