/* Subject trie (mirrors server/sublist.go). One level per token; '*' and '>' children hang off
 * each node; queue subscriptions are grouped by queue name per node. Thread-safe: an internal
 * rwlock guards the trie (match takes it shared, insert/remove exclusive). genid changes on
 * every insert and remove, so callers can keep their own per-thread caches of match results
 * and drop them when genid moves. Design: docs/internals/sublist.md */
#ifndef NS_SUBLIST_SUBLIST_H
#define NS_SUBLIST_SUBLIST_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Embedded by the server's subscription (as its first member). subject/queue are borrowed
 * from the embedding object and must stay valid while refs > 0. */
struct sl_sub {
    const char *subject;
    const char *queue; /* NULL for a plain subscription */
    uint32_t subject_len;
    uint32_t queue_len;
    /* Managed by the sublist: 1 while inserted, +1 for each match result that lists it.
     * When it drops to 0 the sublist calls its release callback. Set to 0 before insert. */
    atomic_uint refs;
};

typedef void sl_release_fn(struct sl_sub *sub);

struct sl_qgroup {
    const char *queue; /* borrowed from the first member */
    uint32_t queue_len;
    uint32_t n;
    struct sl_sub **subs;
};

/* A match result. Each listed sub holds a ref until sl_result_free. */
struct sl_result {
    uint32_t npsubs;
    uint32_t nqgroups;
    struct sl_sub **psubs;
    struct sl_qgroup *qgroups;
};

struct sl_stats {
    uint64_t count, inserts, removes, matches;
};

/* release is called (from any thread) when a removed sub's last ref goes. */
struct sublist *sl_new(sl_release_fn *release);
/* Frees the trie; releases every sub still inserted. */
void sl_free(struct sublist *sl);
/* Inserts sub (does not copy it; sets refs to 1). Returns 0, or -1 if its subject is not
 * valid (subj_is_valid). Any thread. */
int sl_insert(struct sublist *sl, struct sl_sub *sub);
/* Removes sub and drops the sublist's ref. Returns 0, or -1 if it was not inserted. */
int sl_remove(struct sublist *sl, struct sl_sub *sub);
/* Matches a literal subject. Returns a new result (never NULL; empty when nothing matches or
 * subj has an empty token). Caller frees it with sl_result_free. Any thread. */
struct sl_result *sl_match(struct sublist *sl, const char *subj, size_t len);
/* Drops the refs the result holds (calling release at zero) and frees it. NULL is fine. */
void sl_result_free(struct sublist *sl, struct sl_result *r);
/* Changes on every insert and remove. */
uint64_t sl_genid(struct sublist *sl);
uint32_t sl_count(struct sublist *sl);
void sl_get_stats(struct sublist *sl, struct sl_stats *st);
/* Walks the whole trie under the read lock and checks the invariants of
 * docs/internals/sublist.md: no empty node below the root, every child findable under its
 * token, set sizes consistent, queue names distinct per node, the number of subscriptions
 * equal to sl_count. Returns 0, or -1 at the first broken invariant. Stores the number of
 * nodes (root excluded) in *nodes when not NULL. O(trie size): for tests and debugging. */
int sl_validate(struct sublist *sl, size_t *nodes);

#endif
