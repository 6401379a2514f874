/* Pointer sets packed in one word, internal to the sublist module (the trie's children and a
 * node's subscriptions). 0 is the empty set, (p | PSET_ONE) is the single member p, anything
 * else points to a struct pblock: a dense array while its capacity is at most the kind's
 * dense limit, above it an open-addressing table (linear probing, power-of-two capacity,
 * load <= 3/4, NULL = free slot, backward-shift deletion, so no tombstones). Members must
 * be at least 2-byte aligned (the tag is the low bit). Not thread-safe: the sublist's lock
 * guards every set. Design: docs/internals/sublist.md invariant (4). */
#ifndef NS_SUBLIST_PSET_H
#define NS_SUBLIST_PSET_H

#include <stdbool.h>
#include <stdint.h>

#define PSET_ONE ((uintptr_t)1)

struct pblock {
    uint32_t n, cap;
    void *slot[];
};

/* Where a member's probe sequence starts, and the dense limit, for one kind of set. */
struct pset_kind {
    uint32_t (*home)(const void *item);
    uint32_t dense_max; /* a power of two, >= 4 */
};

/* Number of members. */
static inline uint32_t sl_pset_count(uintptr_t set)
{
    if (set == 0)
        return 0;
    if (set & PSET_ONE)
        return 1;
    return ((const struct pblock *)set)->n;
}

/* Copies the members (borrowed) into out, which has room for sl_pset_count; returns how
 * many were copied. */
uint32_t sl_pset_copy(uintptr_t set, void **out);
/* Any one member, borrowed (NULL when empty). */
void *sl_pset_any(uintptr_t set);
/* Adds item (borrowed; must not be a member already). */
void sl_pset_add(const struct pset_kind *kind, uintptr_t *set, void *item);
/* Removes item; returns false if it was not a member. Shrinks the storage as it empties. */
bool sl_pset_del(const struct pset_kind *kind, uintptr_t *set, const void *item);
/* Frees the storage (not the members). */
void sl_pset_free(uintptr_t set);
/* Checks the storage's shape; returns the member count, or -1 if broken. For sl_validate. */
long sl_pset_check(const struct pset_kind *kind, uintptr_t set);

#endif
