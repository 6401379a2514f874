/* Subject trie (mirrors server/sublist.go Insert, Remove, match and matchLevel). One node per
 * token of an inserted subject; a node's literal children sit in a compact pointer set keyed
 * by the token hash, its '*' and '>' children and queue groups in a side block that only
 * wildcard or queue nodes pay for. Invariant: every node on the trie is reachable from the
 * root and non-empty (has subscriptions, children or is the root); removal prunes the rest.
 * Match walks in place (no token copies) and allocates only the result, in one block.
 * Design and the numbered invariants cited below: docs/internals/sublist.md */
#include "sublist/sublist.h"

#include "core/xmalloc.h"
#include "sublist/pset.h"
#include "sublist/subject.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

/* ===================================================================================== */
/* Nodes                                                                                  */
/* ===================================================================================== */

struct qgroup {
    const char *name;  /* borrowed from one of the members (invariant (6)) */
    uintptr_t members; /* pset of struct sl_sub * */
    uint32_t len;
};

/* What only wildcard parents and queue-subscribed nodes need. */
struct node_ext {
    struct node *pwc, *fwc; /* the '*' and '>' children */
    struct qgroup *q;       /* distinct names within one node (invariant (5)) */
    uint32_t nq, capq;
};

/* One token of a pattern; 32 bytes plus the token, allocated in one piece. */
struct node {
    uintptr_t kids;  /* pset of literal children, keyed by hash+token */
    uintptr_t psubs; /* pset of plain subscriptions */
    struct node_ext *ext;
    uint32_t hash; /* tok_hash of tok under the sublist's seed */
    uint32_t toklen;
    char tok[]; /* not NUL-terminated */
};

/* The pads keep three kinds of traffic on separate cache lines: the lock word (written by
 * every match), the read-mostly fields with genid (read on every publish by callers that
 * cache results, written only by insert/remove), and the match counter. */
struct sublist {
    pthread_rwlock_t lock;
    char pad0[64];
    struct node *root; /* token-less; never pruned */
    sl_release_fn *release;
    uint32_t seed;
    _Atomic uint64_t genid;
    _Atomic uint64_t count, inserts, removes;
    struct sl_result empty; /* returned for no interest; never written after sl_new */
    char pad1[64];
    _Atomic uint64_t matches;
};

static uint32_t kid_home(const void *item)
{
    return ((const struct node *)item)->hash;
}

static uint32_t sub_home(const void *item)
{
    /* Fibonacci hashing of the address; the high half mixes every address bit. */
    uint64_t x = (uint64_t)(uintptr_t)item * UINT64_C(0x9E3779B97F4A7C15);
    return (uint32_t)(x >> 32);
}

/* Children are found by token, and a dense array costs a pointer chase per member, so
 * children go to a table early; subscriptions are compared by address, so stay dense longer. */
static const struct pset_kind kid_kind = {kid_home, 4};
static const struct pset_kind sub_kind = {sub_home, 8};

/* FNV-1a over the token with a per-sublist basis, then murmur3's finaliser so that the low
 * bits (the table index) depend on every byte. */
static uint32_t tok_hash(uint32_t seed, const char *p, size_t len)
{
    uint32_t h = 2166136261u ^ seed;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)p[i]) * 16777619u;
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

static struct node *node_new(const char *tok, uint32_t len, uint32_t hash)
{
    struct node *n = xmalloc(sizeof(*n) + len);
    n->kids = 0;
    n->psubs = 0;
    n->ext = NULL;
    n->hash = hash;
    n->toklen = len;
    memcpy(n->tok, tok, len);
    return n;
}

static struct node *kid_find(const struct node *n, const char *tok, uint32_t len, uint32_t h)
{
    uintptr_t set = n->kids;
    const struct pblock *b;
    struct node *c;

    if (set & PSET_ONE) {
        c = (struct node *)(set & ~PSET_ONE);
        goto check_one;
    }
    if (set == 0)
        return NULL;
    b = (const struct pblock *)set;
    if (b->cap <= kid_kind.dense_max) {
        for (uint32_t i = 0; i < b->n; i++) {
            c = b->slot[i];
            if (c->hash == h && c->toklen == len && memcmp(c->tok, tok, len) == 0)
                return c;
        }
        return NULL;
    }
    for (uint32_t mask = b->cap - 1, i = h & mask;; i = (i + 1) & mask) {
        c = b->slot[i];
        if (!c)
            return NULL;
        if (c->hash == h && c->toklen == len && memcmp(c->tok, tok, len) == 0)
            return c;
    }
check_one:
    if (c->hash == h && c->toklen == len && memcmp(c->tok, tok, len) == 0)
        return c;
    return NULL;
}

static struct node_ext *node_ext(struct node *n)
{
    if (!n->ext)
        n->ext = xcalloc(1, sizeof(*n->ext));
    return n->ext;
}

/* Invariant (2): a node with nothing below it and no subscriptions leaves the trie. */
static bool node_is_empty(const struct node *n)
{
    return n->kids == 0 && n->psubs == 0 && n->ext == NULL;
}

/* Frees the ext block once it holds nothing. */
static void ext_trim(struct node *n)
{
    struct node_ext *e = n->ext;
    if (e && !e->pwc && !e->fwc && e->nq == 0) {
        free(e->q);
        FREE_AND_NULL(n->ext);
    }
}

static struct qgroup *qgroup_find(struct node_ext *e, const char *name, uint32_t len)
{
    for (uint32_t i = 0; i < e->nq; i++)
        if (e->q[i].len == len && memcmp(e->q[i].name, name, len) == 0)
            return &e->q[i];
    return NULL;
}

static void qgroup_add(struct node *n, struct sl_sub *sub)
{
    struct node_ext *e = node_ext(n);
    struct qgroup *g = qgroup_find(e, sub->queue, sub->queue_len);

    if (!g) {
        if (e->nq == e->capq) {
            e->capq = e->capq ? e->capq * 2 : 2;
            e->q = xrealloc(e->q, e->capq * sizeof(*e->q));
        }
        g = &e->q[e->nq++];
        g->name = sub->queue;
        g->len = sub->queue_len;
        g->members = 0;
    }
    sl_pset_add(&sub_kind, &g->members, sub);
}

static bool qgroup_del(struct node *n, struct sl_sub *sub)
{
    struct node_ext *e = n->ext;
    struct qgroup *g;

    if (!e || !(g = qgroup_find(e, sub->queue, sub->queue_len)))
        return false;
    if (!sl_pset_del(&sub_kind, &g->members, sub))
        return false;
    if (g->members == 0) {
        *g = e->q[--e->nq];
        if (e->nq == 0) {
            FREE_AND_NULL(e->q);
            e->capq = 0;
        }
        ext_trim(n);
    } else if (g->name == sub->queue) {
        /* the name was borrowed from the leaving member: borrow another's */
        g->name = ((struct sl_sub *)sl_pset_any(g->members))->queue;
    }
    return true;
}

/* Detaches child c (now empty) from parent p and frees it. */
static void node_unlink(struct node *p, struct node *c)
{
    struct node_ext *e = p->ext;

    if (e && e->pwc == c)
        e->pwc = NULL;
    else if (e && e->fwc == c)
        e->fwc = NULL;
    else
        sl_pset_del(&kid_kind, &p->kids, c);
    ext_trim(p);
    free(c);
}

/* ===================================================================================== */
/* Public API                                                                             */
/* ===================================================================================== */

static uint32_t make_seed(const struct sublist *sl)
{
    uint32_t seed = 0;
    if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed)) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        seed = (uint32_t)ts.tv_nsec ^ (uint32_t)(uintptr_t)sl;
    }
    return seed;
}

struct sublist *sl_new(sl_release_fn *release)
{
    struct sublist *sl = xcalloc(1, sizeof(*sl));
    pthread_rwlockattr_t attr;

    /* Writers first: with glibc's default reader preference, a steady stream of matches
     * would starve SUB/UNSUB. No thread ever takes the read lock twice, so this is safe. */
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&sl->lock, &attr);
    pthread_rwlockattr_destroy(&attr);
    sl->seed = make_seed(sl);
    sl->root = node_new("", 0, 0);
    sl->release = release;
    return sl;
}

/* Drops one reference; the last one out calls release (invariant (8)). */
static void sub_unref(struct sublist *sl, struct sl_sub *sub)
{
    if (atomic_fetch_sub_explicit(&sub->refs, 1, memory_order_acq_rel) == 1 && sl->release)
        sl->release(sub);
}

/* sl_free helper: drops the trie's reference on every member of a set. */
static void unref_set(struct sublist *sl, uintptr_t set)
{
    void *local[16];
    uint32_t n = sl_pset_count(set);
    void **v = n <= 16 ? local : xmalloc(n * sizeof(void *));

    sl_pset_copy(set, v);
    for (uint32_t i = 0; i < n; i++)
        sub_unref(sl, v[i]);
    if (v != local)
        free(v);
    sl_pset_free(set);
}

void sl_free(struct sublist *sl)
{
    struct node **stack;
    size_t sp = 0, cap = 64;

    if (!sl)
        return;
    /* Iterative, so a very deep trie cannot overflow the C stack. */
    stack = xmalloc(cap * sizeof(*stack));
    stack[sp++] = sl->root;
    while (sp > 0) {
        struct node *n = stack[--sp];
        uint32_t nk = sl_pset_count(n->kids);

        if (sp + nk + 2 > cap) {
            cap = (sp + nk + 2) * 2;
            stack = xrealloc(stack, cap * sizeof(*stack));
        }
        sp += sl_pset_copy(n->kids, (void **)&stack[sp]);
        sl_pset_free(n->kids);
        if (n->ext) {
            if (n->ext->pwc)
                stack[sp++] = n->ext->pwc;
            if (n->ext->fwc)
                stack[sp++] = n->ext->fwc;
            for (uint32_t i = 0; i < n->ext->nq; i++)
                unref_set(sl, n->ext->q[i].members);
            free(n->ext->q);
            free(n->ext);
        }
        unref_set(sl, n->psubs);
        free(n);
    }
    free(stack);
    pthread_rwlock_destroy(&sl->lock);
    free(sl);
}

int sl_insert(struct sublist *sl, struct sl_sub *sub)
{
    const char *s = sub->subject;
    uint32_t len = sub->subject_len;
    struct node *n;

    if (!subj_is_valid(s, len))
        return -1;
    atomic_store_explicit(&sub->refs, 1, memory_order_relaxed);

    pthread_rwlock_wrlock(&sl->lock);
    n = sl->root;
    for (uint32_t off = 0; off < len;) {
        const char *tok = s + off;
        const char *dot = memchr(tok, '.', len - off);
        uint32_t tl = dot ? (uint32_t)(dot - tok) : len - off;
        struct node **wc = NULL;

        if (tl == 1 && (tok[0] == '*' || tok[0] == '>')) {
            struct node_ext *e = node_ext(n);
            wc = tok[0] == '*' ? &e->pwc : &e->fwc;
            if (!*wc)
                *wc = node_new(tok, 1, 0);
            n = *wc;
        } else {
            uint32_t h = tok_hash(sl->seed, tok, tl);
            struct node *c = kid_find(n, tok, tl, h);
            if (!c) {
                c = node_new(tok, tl, h);
                sl_pset_add(&kid_kind, &n->kids, c);
            }
            n = c;
        }
        off += tl + (dot ? 1 : 0);
    }
    if (sub->queue)
        qgroup_add(n, sub);
    else
        sl_pset_add(&sub_kind, &n->psubs, sub);
    atomic_fetch_add_explicit(&sl->genid, 1, memory_order_release);
    atomic_fetch_add_explicit(&sl->count, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&sl->inserts, 1, memory_order_relaxed);
    pthread_rwlock_unlock(&sl->lock);
    return 0;
}

int sl_remove(struct sublist *sl, struct sl_sub *sub)
{
    const char *s = sub->subject;
    uint32_t len = sub->subject_len;
    struct node *local[64], **path = local;
    uint32_t depth = 0, ntok = 1;
    bool found = false;

    if (!subj_is_valid(s, len))
        return -1;
    for (uint32_t i = 0; i < len; i++)
        ntok += s[i] == '.';
    if (ntok + 1 > 64)
        path = xmalloc((ntok + 1) * sizeof(*path));

    pthread_rwlock_wrlock(&sl->lock);
    path[depth++] = sl->root;
    for (uint32_t off = 0; off < len;) {
        struct node *n = path[depth - 1], *c;
        const char *tok = s + off;
        const char *dot = memchr(tok, '.', len - off);
        uint32_t tl = dot ? (uint32_t)(dot - tok) : len - off;

        if (tl == 1 && (tok[0] == '*' || tok[0] == '>'))
            c = n->ext ? (tok[0] == '*' ? n->ext->pwc : n->ext->fwc) : NULL;
        else
            c = kid_find(n, tok, tl, tok_hash(sl->seed, tok, tl));
        if (!c)
            goto out;
        path[depth++] = c;
        off += tl + (dot ? 1 : 0);
    }
    if (sub->queue)
        found = qgroup_del(path[depth - 1], sub);
    else
        found = sl_pset_del(&sub_kind, &path[depth - 1]->psubs, sub);
    if (!found)
        goto out;
    /* prune upward; the root (path[0]) stays */
    for (uint32_t i = depth - 1; i > 0 && node_is_empty(path[i]); i--)
        node_unlink(path[i - 1], path[i]);
    atomic_fetch_add_explicit(&sl->genid, 1, memory_order_release);
    atomic_fetch_sub_explicit(&sl->count, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&sl->removes, 1, memory_order_relaxed);
out:
    pthread_rwlock_unlock(&sl->lock);
    if (path != local)
        free(path);
    if (!found)
        return -1;
    sub_unref(sl, sub); /* outside the lock: release may be arbitrary code */
    return 0;
}

/* ===================================================================================== */
/* Match                                                                                  */
/* ===================================================================================== */

/* A growable array that starts on the caller's stack. */
struct hitbuf {
    struct node **v;
    size_t n, cap;
};

static void hit_push(struct hitbuf *hb, struct node **local, struct node *n)
{
    if (hb->n == hb->cap) {
        hb->cap *= 2;
        if (hb->v == local) {
            hb->v = xmalloc(hb->cap * sizeof(*hb->v));
            memcpy(hb->v, local, hb->n * sizeof(*hb->v));
        } else {
            hb->v = xrealloc(hb->v, hb->cap * sizeof(*hb->v));
        }
    }
    hb->v[hb->n++] = n;
}

static bool node_has_subs(const struct node *n)
{
    return n->psubs || (n->ext && n->ext->nq);
}

/* Lists, in the reference's order (sublist.go matchLevel), every node below n whose pattern
 * matches the tokens of subj from off on: at each level the '>' child, then everything under
 * the '*' child, then on down the literal path; at the end the literal node, then the last
 * level's '*' node. Delivery order over one connection's subscriptions follows this order.
 * Recursion depth is bounded by the number of tokens. Read lock held. */
static void collect_from(const struct sublist *sl, struct node *n, const char *subj, size_t len,
                         size_t off, struct hitbuf *hits, struct node **hits_local)
{
    struct node *lit = NULL, *pwc = NULL;

    while (off < len) {
        const char *tok = subj + off;
        const char *dot = memchr(tok, '.', len - off);
        size_t tl = dot ? (size_t)(dot - tok) : len - off;
        size_t next = dot ? off + tl + 1 : len;
        struct node_ext *e;

        if (!n)
            return;
        e = n->ext;
        pwc = NULL;
        if (e) {
            if (e->fwc)
                hit_push(hits, hits_local, e->fwc); /* '>' takes this token and the rest */
            pwc = e->pwc;
            if (pwc && next < len)
                collect_from(sl, pwc, subj, len, next, hits, hits_local);
        }
        lit = n->kids ? kid_find(n, tok, (uint32_t)tl, tok_hash(sl->seed, tok, tl)) : NULL;
        n = lit;
        off = next;
    }
    if (lit && node_has_subs(lit))
        hit_push(hits, hits_local, lit);
    if (pwc && node_has_subs(pwc))
        hit_push(hits, hits_local, pwc);
}

static void collect(const struct sublist *sl, const char *subj, size_t len, struct hitbuf *hits,
                    struct node **hits_local)
{
    collect_from(sl, sl->root, subj, len, 0, hits, hits_local);
}

static int result_group_find(const struct sl_result *r, uint32_t upto, const char *name,
                             uint32_t len)
{
    for (uint32_t i = 0; i < upto; i++)
        if (r->qgroups[i].queue_len == len && memcmp(r->qgroups[i].queue, name, len) == 0)
            return (int)i;
    return -1;
}

/* Merges the queue groups of all hits into r->qgroups by name (a group reached through
 * several patterns is one group). Names within one node are distinct (invariant (5)), so a
 * node's groups are only compared with those of earlier nodes. With fill false it counts
 * each group's members into .n; with fill true it copies the members to .subs + .n. Both
 * passes assign the same indices. Returns the number of groups. */
static uint32_t merge_groups(struct sl_result *r, const struct hitbuf *hits, bool fill)
{
    uint32_t ng = 0;

    for (size_t h = 0; h < hits->n; h++) {
        const struct node_ext *e = hits->v[h]->ext;
        uint32_t before = ng;

        if (!e)
            continue;
        for (uint32_t i = 0; i < e->nq; i++) {
            const struct qgroup *g = &e->q[i];
            int idx = result_group_find(r, before, g->name, g->len);
            struct sl_qgroup *rg;

            if (idx < 0) {
                idx = (int)ng++;
                rg = &r->qgroups[idx];
                if (!fill) {
                    rg->queue = g->name;
                    rg->queue_len = g->len;
                    rg->n = 0;
                }
            }
            rg = &r->qgroups[idx];
            if (fill)
                rg->n += sl_pset_copy(g->members, (void **)(rg->subs + rg->n));
            else
                rg->n += sl_pset_count(g->members);
        }
    }
    return ng;
}

struct sl_result *sl_match(struct sublist *sl, const char *subj, size_t len)
{
    struct node *hits_local[32];
    struct hitbuf hits = {hits_local, 0, 32};
    struct sl_result *r = &sl->empty;
    size_t np = 0, ng = 0, nq = 0;

    atomic_fetch_add_explicit(&sl->matches, 1, memory_order_relaxed);
    /* An empty token anywhere means no match at all (sublist.go match: emptyResult). */
    if (len == 0 || subj[0] == '.' || subj[len - 1] == '.' || memmem(subj, len, "..", 2))
        return r;

    pthread_rwlock_rdlock(&sl->lock);
    collect(sl, subj, len, &hits, hits_local);
    for (size_t h = 0; h < hits.n; h++) {
        const struct node *n = hits.v[h];
        np += sl_pset_count(n->psubs);
        if (n->ext) {
            ng += n->ext->nq;
            for (uint32_t i = 0; i < n->ext->nq; i++)
                nq += sl_pset_count(n->ext->q[i].members);
        }
    }
    if (np + ng > 0) {
        /* One block: header, psubs, qgroups (ng is an upper bound before merging), members. */
        r = xmalloc(sizeof(*r) + np * sizeof(*r->psubs) + ng * sizeof(*r->qgroups) +
                    nq * sizeof(struct sl_sub *));
        r->psubs = (struct sl_sub **)(r + 1);
        r->qgroups = (struct sl_qgroup *)(r->psubs + np);
        r->npsubs = 0;
        for (size_t h = 0; h < hits.n; h++)
            r->npsubs += sl_pset_copy(hits.v[h]->psubs, (void **)(r->psubs + r->npsubs));
        r->nqgroups = merge_groups(r, &hits, false);
        struct sl_sub **m = (struct sl_sub **)(r->qgroups + ng);
        for (uint32_t i = 0; i < r->nqgroups; i++) {
            r->qgroups[i].subs = m;
            m += r->qgroups[i].n;
            r->qgroups[i].n = 0;
        }
        merge_groups(r, &hits, true);
        /* invariant (7): every listed sub gets a ref while the trie still holds one */
        for (uint32_t i = 0; i < r->npsubs; i++)
            atomic_fetch_add_explicit(&r->psubs[i]->refs, 1, memory_order_relaxed);
        for (uint32_t g = 0; g < r->nqgroups; g++) {
            struct sl_qgroup *rg = &r->qgroups[g];
            rg->queue = rg->subs[0]->queue; /* the contract: borrowed from the first member */
            for (uint32_t i = 0; i < rg->n; i++)
                atomic_fetch_add_explicit(&rg->subs[i]->refs, 1, memory_order_relaxed);
        }
    }
    pthread_rwlock_unlock(&sl->lock);
    if (hits.v != hits_local)
        free(hits.v);
    return r;
}

void sl_result_free(struct sublist *sl, struct sl_result *r)
{
    if (!r || r == &sl->empty)
        return;
    for (uint32_t i = 0; i < r->npsubs; i++)
        sub_unref(sl, r->psubs[i]);
    for (uint32_t g = 0; g < r->nqgroups; g++)
        for (uint32_t i = 0; i < r->qgroups[g].n; i++)
            sub_unref(sl, r->qgroups[g].subs[i]);
    free(r);
}

uint64_t sl_genid(struct sublist *sl)
{
    return atomic_load_explicit(&sl->genid, memory_order_acquire);
}

uint32_t sl_count(struct sublist *sl)
{
    return (uint32_t)atomic_load_explicit(&sl->count, memory_order_relaxed);
}

void sl_get_stats(struct sublist *sl, struct sl_stats *st)
{
    st->count = atomic_load_explicit(&sl->count, memory_order_relaxed);
    st->inserts = atomic_load_explicit(&sl->inserts, memory_order_relaxed);
    st->removes = atomic_load_explicit(&sl->removes, memory_order_relaxed);
    st->matches = atomic_load_explicit(&sl->matches, memory_order_relaxed);
}

/* ===================================================================================== */
/* Validation (tests and debugging)                                                      */
/* ===================================================================================== */

static int node_check(const struct sublist *sl, const struct node *n, bool is_root, uint64_t *subs)
{
    long c;

    if (!is_root && node_is_empty(n))
        return -1; /* invariant (2) */
    if ((c = sl_pset_check(&kid_kind, n->kids)) < 0 || (c = sl_pset_check(&sub_kind, n->psubs)) < 0)
        return -1;
    *subs += (uint64_t)c;
    if (n->ext) {
        const struct node_ext *e = n->ext;
        if (!e->pwc && !e->fwc && e->nq == 0)
            return -1; /* invariant (3) */
        if ((e->pwc && (e->pwc->toklen != 1 || e->pwc->tok[0] != '*')) ||
            (e->fwc && (e->fwc->toklen != 1 || e->fwc->tok[0] != '>' || e->fwc->kids ||
                        (e->fwc->ext && e->fwc->ext->pwc) || (e->fwc->ext && e->fwc->ext->fwc))))
            return -1;
        for (uint32_t i = 0; i < e->nq; i++) {
            const struct qgroup *g = &e->q[i];
            const struct sl_sub *any = sl_pset_any(g->members);
            if ((c = sl_pset_check(&sub_kind, g->members)) <= 0 || any->queue_len != g->len ||
                memcmp(any->queue, g->name, g->len) != 0)
                return -1;
            for (uint32_t j = 0; j < i; j++)
                if (e->q[j].len == g->len && memcmp(e->q[j].name, g->name, g->len) == 0)
                    return -1; /* invariant (5) */
            *subs += (uint64_t)c;
        }
    }
    /* every literal child is findable under its own token, and is not a wildcard token */
    uint32_t nk = sl_pset_count(n->kids);
    void **kids = xmalloc((nk ? nk : 1) * sizeof(void *));
    int rc = 0;
    sl_pset_copy(n->kids, kids);
    for (uint32_t i = 0; i < nk && rc == 0; i++) {
        const struct node *k = kids[i];
        if (k->hash != tok_hash(sl->seed, k->tok, k->toklen) ||
            kid_find(n, k->tok, k->toklen, k->hash) != k ||
            (k->toklen == 1 && (k->tok[0] == '*' || k->tok[0] == '>')) || k->toklen == 0 ||
            memchr(k->tok, '.', k->toklen))
            rc = -1;
    }
    free(kids);
    return rc;
}

int sl_validate(struct sublist *sl, size_t *nodes)
{
    struct node **stack;
    size_t sp = 0, cap = 64, count = 0;
    uint64_t subs = 0;
    int rc = 0;

    pthread_rwlock_rdlock(&sl->lock);
    stack = xmalloc(cap * sizeof(*stack));
    stack[sp++] = sl->root;
    while (sp > 0 && rc == 0) {
        struct node *n = stack[--sp];
        uint32_t nk = sl_pset_count(n->kids);

        rc = node_check(sl, n, n == sl->root, &subs);
        if (n != sl->root)
            count++;
        if (sp + nk + 2 > cap) {
            cap = (sp + nk + 2) * 2;
            stack = xrealloc(stack, cap * sizeof(*stack));
        }
        sp += sl_pset_copy(n->kids, (void **)&stack[sp]);
        if (n->ext && n->ext->pwc)
            stack[sp++] = n->ext->pwc;
        if (n->ext && n->ext->fwc)
            stack[sp++] = n->ext->fwc;
    }
    if (rc == 0 && subs != atomic_load_explicit(&sl->count, memory_order_relaxed))
        rc = -1;
    pthread_rwlock_unlock(&sl->lock);
    free(stack);
    if (nodes)
        *nodes = count;
    return rc;
}
