/* Unit tests for src/sublist/sublist.c: matching (literal, '*', '>'), queue groups, insert /
 * remove / prune, refs and release, genid, a randomized differential test against
 * subj_matches, a threaded test (run it under TSan) and a 1,000,000-subscription insert that
 * prints time and bytes per subscription. */
#include "test.h"

#include "sublist/subject.h"
#include "sublist/sublist.h"

#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#else
#define SANITIZED 0
#endif

/* ---- helpers -------------------------------------------------------------------- */

struct tsub {
    struct sl_sub s; /* first member, as the server embeds it */
    char subj[64];
    char queue[16];
    int released;
    int id;
};

static void count_release(struct sl_sub *s)
{
    ((struct tsub *)s)->released++;
}

static void tsub_init(struct tsub *t, const char *subj, const char *queue)
{
    memset(t, 0, sizeof(*t));
    snprintf(t->subj, sizeof(t->subj), "%s", subj);
    t->s.subject = t->subj;
    t->s.subject_len = (uint32_t)strlen(t->subj);
    if (queue) {
        snprintf(t->queue, sizeof(t->queue), "%s", queue);
        t->s.queue = t->queue;
        t->s.queue_len = (uint32_t)strlen(t->queue);
    }
}

static struct sl_result *match(struct sublist *sl, const char *subj)
{
    return sl_match(sl, subj, strlen(subj));
}

static bool has_psub(const struct sl_result *r, const struct tsub *t)
{
    for (uint32_t i = 0; i < r->npsubs; i++)
        if (r->psubs[i] == &t->s)
            return true;
    return false;
}

static const struct sl_qgroup *find_group(const struct sl_result *r, const char *q)
{
    for (uint32_t i = 0; i < r->nqgroups; i++)
        if (r->qgroups[i].queue_len == strlen(q) &&
            memcmp(r->qgroups[i].queue, q, r->qgroups[i].queue_len) == 0)
            return &r->qgroups[i];
    return NULL;
}

static size_t nodes(struct sublist *sl)
{
    size_t n = 0;
    ASSERT_OK(sl_validate(sl, &n));
    return n;
}

/* Number of plain subs the subject reaches. */
static uint32_t npsubs(struct sublist *sl, const char *subj)
{
    struct sl_result *r = match(sl, subj);
    uint32_t n = r->npsubs;
    sl_result_free(sl, r);
    return n;
}

/* ---- matching ------------------------------------------------------------------- */

TEST(sublist_literal_match)
{
    struct sublist *sl = sl_new(count_release);
    struct tsub a, b;
    tsub_init(&a, "foo.bar", NULL);
    tsub_init(&b, "foo.baz", NULL);
    ASSERT_OK(sl_insert(sl, &a.s));
    ASSERT_OK(sl_insert(sl, &b.s));
    ASSERT_EQ(sl_count(sl), 2);

    struct sl_result *r = match(sl, "foo.bar");
    ASSERT_EQ(r->npsubs, 1);
    ASSERT(r->psubs[0] == &a.s);
    ASSERT_EQ(r->nqgroups, 0);
    sl_result_free(sl, r);

    ASSERT_EQ(npsubs(sl, "foo"), 0);
    ASSERT_EQ(npsubs(sl, "foo.bar.baz"), 0);
    ASSERT_EQ(npsubs(sl, "foo.ba"), 0);
    ASSERT_EQ(npsubs(sl, "bar"), 0);
    ASSERT_EQ(nodes(sl), 3);
    sl_free(sl);
    ASSERT_EQ(a.released, 1);
    ASSERT_EQ(b.released, 1);
}

TEST(sublist_pwc_match)
{
    struct sublist *sl = sl_new(count_release);
    struct tsub t[4];
    tsub_init(&t[0], "foo.*", NULL);
    tsub_init(&t[1], "*.bar", NULL);
    tsub_init(&t[2], "*", NULL);
    tsub_init(&t[3], "*.*.baz", NULL);
    for (int i = 0; i < 4; i++)
        ASSERT_OK(sl_insert(sl, &t[i].s));

    struct sl_result *r = match(sl, "foo.bar");
    ASSERT_EQ(r->npsubs, 2);
    ASSERT(has_psub(r, &t[0]) && has_psub(r, &t[1]));
    sl_result_free(sl, r);

    r = match(sl, "a");
    ASSERT_EQ(r->npsubs, 1);
    ASSERT(has_psub(r, &t[2]));
    sl_result_free(sl, r);

    ASSERT_EQ(npsubs(sl, "a.b"), 0); /* "*" does not match "a.b" */
    ASSERT_EQ(npsubs(sl, "foo"), 1); /* only "*" */
    ASSERT_EQ(npsubs(sl, "x.y.baz"), 1);
    ASSERT_EQ(npsubs(sl, "foo.bar.baz"), 1);
    ASSERT_EQ(npsubs(sl, "foo.bar.baz.x"), 0);
    sl_free(sl);
}

TEST(sublist_fwc_match)
{
    struct sublist *sl = sl_new(count_release);
    struct tsub t[3];
    tsub_init(&t[0], "foo.>", NULL);
    tsub_init(&t[1], ">", NULL);
    tsub_init(&t[2], "foo.*.>", NULL);
    for (int i = 0; i < 3; i++)
        ASSERT_OK(sl_insert(sl, &t[i].s));

    struct sl_result *r = match(sl, "foo");
    ASSERT_EQ(r->npsubs, 1); /* "foo.>" does not match "foo"; ">" does */
    ASSERT(has_psub(r, &t[1]));
    sl_result_free(sl, r);

    r = match(sl, "foo.bar");
    ASSERT_EQ(r->npsubs, 2);
    ASSERT(has_psub(r, &t[0]) && has_psub(r, &t[1]));
    sl_result_free(sl, r);

    r = match(sl, "foo.bar.baz.qux");
    ASSERT_EQ(r->npsubs, 3);
    sl_result_free(sl, r);

    ASSERT_EQ(npsubs(sl, "a"), 1);
    ASSERT_EQ(npsubs(sl, "a.b"), 1);
    ASSERT_EQ(npsubs(sl, "a.b.c.d.e.f"), 1);
    sl_free(sl);
}

TEST(sublist_wildcard_chars_inside_tokens_are_literal)
{
    struct sublist *sl = sl_new(count_release);
    struct tsub a, b, c;
    tsub_init(&a, "foo*", NULL);
    tsub_init(&b, "foo.>bar", NULL);
    tsub_init(&c, "foo.*", NULL);
    ASSERT_OK(sl_insert(sl, &a.s));
    ASSERT_OK(sl_insert(sl, &b.s));
    ASSERT_OK(sl_insert(sl, &c.s));
    ASSERT_EQ(npsubs(sl, "foo*"), 1);
    ASSERT_EQ(npsubs(sl, "foox"), 0);
    ASSERT_EQ(npsubs(sl, "foo"), 0);
    ASSERT_EQ(npsubs(sl, "foo.>bar"), 2); /* literal "foo.>bar" and "foo.*" */
    ASSERT_EQ(npsubs(sl, "foo.xbar"), 1);
    /* publishing to a wildcard token: only wildcard subs see it, as in sublist.go */
    ASSERT_EQ(npsubs(sl, "foo.*"), 1);
    sl_free(sl);
}

TEST(sublist_invalid_subjects)
{
    struct sublist *sl = sl_new(count_release);
    static const char *const bad[] = {"",          ".",   "foo.",    ".foo",    "foo..bar",
                                      "foo.>.bar", ">.>", "foo bar", "foo\tbar"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct tsub t;
        tsub_init(&t, bad[i], NULL);
        ASSERT_EQ(sl_insert(sl, &t.s), -1);
        ASSERT_EQ(sl_remove(sl, &t.s), -1);
    }
    ASSERT_EQ(sl_count(sl), 0);
    ASSERT_EQ(nodes(sl), 0);

    /* a publish subject with an empty token matches nothing, even with ">" subscribed */
    struct tsub all, ab;
    tsub_init(&all, ">", NULL);
    tsub_init(&ab, "a.>", NULL);
    ASSERT_OK(sl_insert(sl, &all.s));
    ASSERT_OK(sl_insert(sl, &ab.s));
    static const char *const empty_tok[] = {"", ".", "a.", ".a", "a..b", "a.b..", "a.b.c."};
    for (size_t i = 0; i < sizeof(empty_tok) / sizeof(empty_tok[0]); i++) {
        struct sl_result *r = match(sl, empty_tok[i]);
        ASSERT_EQ(r->npsubs, 0);
        ASSERT_EQ(r->nqgroups, 0);
        sl_result_free(sl, r);
    }
    ASSERT_EQ(npsubs(sl, "a.b"), 2);
    sl_free(sl);
}

/* ---- queue groups --------------------------------------------------------------- */

TEST(sublist_queue_groups)
{
    struct sublist *sl = sl_new(count_release);
    struct tsub p, q1a, q1b, q2a;
    tsub_init(&p, "foo.bar", NULL);
    tsub_init(&q1a, "foo.bar", "q1");
    tsub_init(&q1b, "foo.bar", "q1");
    tsub_init(&q2a, "foo.bar", "q2");
    ASSERT_OK(sl_insert(sl, &p.s));
    ASSERT_OK(sl_insert(sl, &q1a.s));
    ASSERT_OK(sl_insert(sl, &q1b.s));
    ASSERT_OK(sl_insert(sl, &q2a.s));
    ASSERT_EQ(sl_count(sl), 4);

    struct sl_result *r = match(sl, "foo.bar");
    ASSERT_EQ(r->npsubs, 1);
    ASSERT_EQ(r->nqgroups, 2);
    const struct sl_qgroup *g1 = find_group(r, "q1"), *g2 = find_group(r, "q2");
    ASSERT(g1 && g2);
    ASSERT_EQ(g1->n, 2);
    ASSERT_EQ(g2->n, 1);
    ASSERT(g2->subs[0] == &q2a.s);
    ASSERT(g1->queue == g1->subs[0]->queue); /* borrowed from the first member */
    sl_result_free(sl, r);

    /* removing the member the group name was borrowed from keeps the group usable */
    ASSERT_OK(sl_remove(sl, &q1a.s));
    ASSERT_EQ(q1a.released, 1);
    memset(q1a.queue, 'X', sizeof(q1a.queue) - 1); /* the old name must not be read again */
    ASSERT_OK(sl_validate(sl, NULL));
    r = match(sl, "foo.bar");
    g1 = find_group(r, "q1");
    ASSERT(g1 && g1->n == 1 && g1->subs[0] == &q1b.s);
    sl_result_free(sl, r);

    ASSERT_OK(sl_remove(sl, &q1b.s));
    ASSERT_OK(sl_remove(sl, &q2a.s));
    r = match(sl, "foo.bar");
    ASSERT_EQ(r->nqgroups, 0);
    ASSERT_EQ(r->npsubs, 1);
    sl_result_free(sl, r);
    ASSERT_EQ(sl_remove(sl, &q2a.s), -1);
    ASSERT_OK(sl_remove(sl, &p.s));
    ASSERT_EQ(nodes(sl), 0);
    sl_free(sl);
}

TEST(sublist_queue_groups_merge_across_patterns)
{
    struct sublist *sl = sl_new(count_release);
    struct tsub a, b, c, d, e;
    tsub_init(&a, "foo.bar", "workers");
    tsub_init(&b, "foo.*", "workers");
    tsub_init(&c, "foo.>", "workers");
    tsub_init(&d, ">", "other");
    tsub_init(&e, "*.bar", "workers");
    ASSERT_OK(sl_insert(sl, &a.s));
    ASSERT_OK(sl_insert(sl, &b.s));
    ASSERT_OK(sl_insert(sl, &c.s));
    ASSERT_OK(sl_insert(sl, &d.s));
    ASSERT_OK(sl_insert(sl, &e.s));

    struct sl_result *r = match(sl, "foo.bar");
    ASSERT_EQ(r->npsubs, 0);
    ASSERT_EQ(r->nqgroups, 2); /* one "workers" group of 4, one "other" of 1 */
    const struct sl_qgroup *w = find_group(r, "workers"), *o = find_group(r, "other");
    ASSERT(w && o);
    ASSERT_EQ(w->n, 4);
    ASSERT_EQ(o->n, 1);
    for (uint32_t i = 0; i < w->n; i++)
        ASSERT(w->subs[i] != &d.s);
    sl_result_free(sl, r);

    r = match(sl, "foo.baz");
    w = find_group(r, "workers");
    ASSERT(w && w->n == 2);
    sl_result_free(sl, r);

    /* a queue name equal to a subject token is no wildcard: "foo.*" as a name is literal */
    struct tsub f;
    tsub_init(&f, "foo.bar", "foo.*");
    ASSERT_OK(sl_insert(sl, &f.s));
    r = match(sl, "foo.bar");
    ASSERT_EQ(r->nqgroups, 3);
    ASSERT(find_group(r, "foo.*")->n == 1);
    sl_result_free(sl, r);
    ASSERT_OK(sl_validate(sl, NULL));
    sl_free(sl);
}

TEST(sublist_large_queue_group_and_fanout)
{
    /* Enough members to push the per-node sets into their hashed form and back. */
    enum { N = 2000 };
    struct sublist *sl = sl_new(count_release);
    struct tsub *t = calloc(N, sizeof(*t));
    for (int i = 0; i < N; i++) {
        tsub_init(&t[i], "fan.out", i % 2 ? "grp" : NULL);
        ASSERT_OK(sl_insert(sl, &t[i].s));
    }
    struct sl_result *r = match(sl, "fan.out");
    ASSERT_EQ(r->npsubs, N / 2);
    ASSERT_EQ(r->nqgroups, 1);
    ASSERT_EQ(r->qgroups[0].n, N / 2);
    sl_result_free(sl, r);
    ASSERT_OK(sl_validate(sl, NULL));

    /* remove in a scrambled order, checking sizes as the sets shrink */
    for (int k = 0; k < N; k++) {
        int i = (int)(((long)k * 7919) % N);
        ASSERT_OK(sl_remove(sl, &t[i].s));
        ASSERT_EQ(sl_remove(sl, &t[i].s), -1);
        if (k % 97 == 0 || N - k < 12) {
            ASSERT_OK(sl_validate(sl, NULL));
            r = match(sl, "fan.out");
            ASSERT_EQ(r->npsubs + (r->nqgroups ? r->qgroups[0].n : 0), (uint32_t)(N - k - 1));
            sl_result_free(sl, r);
        }
    }
    ASSERT_EQ(nodes(sl), 0);
    for (int i = 0; i < N; i++)
        ASSERT_EQ(t[i].released, 1);
    sl_free(sl);
    free(t);
}

/* ---- insert / remove / prune ---------------------------------------------------- */

TEST(sublist_insert_remove_reinsert)
{
    struct sublist *sl = sl_new(count_release);
    struct tsub a;
    tsub_init(&a, "a.b.c", NULL);
    for (int round = 0; round < 3; round++) {
        ASSERT_OK(sl_insert(sl, &a.s));
        ASSERT_EQ(atomic_load(&a.s.refs), 1);
        ASSERT_EQ(npsubs(sl, "a.b.c"), 1);
        ASSERT_EQ(nodes(sl), 3);
        ASSERT_OK(sl_remove(sl, &a.s));
        ASSERT_EQ(a.released, round + 1);
        ASSERT_EQ(npsubs(sl, "a.b.c"), 0);
        ASSERT_EQ(nodes(sl), 0);
        ASSERT_EQ(sl_remove(sl, &a.s), -1);
    }
    /* a sub never inserted, on a path that exists, is "not inserted" */
    struct tsub b, c;
    tsub_init(&b, "a.b.c", NULL);
    tsub_init(&c, "a.b.c", NULL);
    ASSERT_OK(sl_insert(sl, &b.s));
    ASSERT_EQ(sl_remove(sl, &c.s), -1);
    ASSERT_EQ(c.released, 0);
    ASSERT_EQ(sl_count(sl), 1);
    sl_free(sl);
    ASSERT_EQ(b.released, 1);
}

TEST(sublist_removal_prunes_empty_nodes)
{
    struct sublist *sl = sl_new(count_release);
    struct tsub t[6];
    tsub_init(&t[0], "a.b.c.d", NULL);
    tsub_init(&t[1], "a.b", NULL);
    tsub_init(&t[2], "a.*.c", NULL);
    tsub_init(&t[3], "a.>", NULL);
    tsub_init(&t[4], "a.b.x", "q");
    tsub_init(&t[5], "z", NULL);
    for (int i = 0; i < 6; i++)
        ASSERT_OK(sl_insert(sl, &t[i].s));
    /* a b c d | * c | > | x | z */
    ASSERT_EQ(nodes(sl), 9);
    ASSERT_OK(sl_remove(sl, &t[0].s)); /* drops c, d; b stays (has a sub, a child) */
    ASSERT_EQ(nodes(sl), 7);
    ASSERT_OK(sl_remove(sl, &t[2].s)); /* drops * and its c */
    ASSERT_EQ(nodes(sl), 5);
    ASSERT_OK(sl_remove(sl, &t[1].s)); /* b keeps x below it */
    ASSERT_EQ(nodes(sl), 5);
    ASSERT_OK(sl_remove(sl, &t[4].s)); /* drops x, b */
    ASSERT_EQ(nodes(sl), 3);
    ASSERT_OK(sl_remove(sl, &t[3].s)); /* drops >, a */
    ASSERT_EQ(nodes(sl), 1);
    ASSERT_OK(sl_remove(sl, &t[5].s));
    ASSERT_EQ(nodes(sl), 0);
    ASSERT_EQ(sl_count(sl), 0);
    sl_free(sl);
}

TEST(sublist_many_children_grow_and_shrink)
{
    enum { N = 3000 };
    struct sublist *sl = sl_new(count_release);
    struct tsub *t = calloc(N, sizeof(*t));
    char buf[64];
    for (int i = 0; i < N; i++) {
        snprintf(buf, sizeof(buf), "kids.%d.x", i);
        tsub_init(&t[i], buf, NULL);
        ASSERT_OK(sl_insert(sl, &t[i].s));
    }
    ASSERT_EQ(nodes(sl), 1 + 2 * N);
    for (int i = 0; i < N; i += 37) {
        snprintf(buf, sizeof(buf), "kids.%d.x", i);
        ASSERT_EQ(npsubs(sl, buf), 1);
    }
    ASSERT_EQ(npsubs(sl, "kids.3000.x"), 0);
    for (int k = 0; k < N; k++) {
        int i = (int)(((long)k * 1237) % N);
        ASSERT_OK(sl_remove(sl, &t[i].s));
        if (k % 211 == 0 || N - k < 10) {
            ASSERT_EQ(nodes(sl), N - k - 1 == 0 ? 0 : 1 + 2 * (size_t)(N - k - 1));
            snprintf(buf, sizeof(buf), "kids.%d.x", i);
            ASSERT_EQ(npsubs(sl, buf), 0);
        }
    }
    ASSERT_EQ(nodes(sl), 0);
    sl_free(sl);
    free(t);
}

/* ---- refs / release / genid / stats --------------------------------------------- */

TEST(sublist_result_keeps_removed_sub_alive)
{
    struct sublist *sl = sl_new(count_release);
    struct tsub a, q;
    tsub_init(&a, "foo", NULL);
    tsub_init(&q, "foo", "g");
    ASSERT_OK(sl_insert(sl, &a.s));
    ASSERT_OK(sl_insert(sl, &q.s));

    struct sl_result *r1 = match(sl, "foo");
    struct sl_result *r2 = match(sl, "foo");
    ASSERT_EQ(atomic_load(&a.s.refs), 3);
    ASSERT_EQ(atomic_load(&q.s.refs), 3);

    ASSERT_OK(sl_remove(sl, &a.s));
    ASSERT_OK(sl_remove(sl, &q.s));
    ASSERT_EQ(a.released, 0); /* results still hold it */
    ASSERT_EQ(atomic_load(&a.s.refs), 2);
    ASSERT(r1->psubs[0] == &a.s);
    ASSERT_EQ(npsubs(sl, "foo"), 0);

    sl_result_free(sl, r1);
    ASSERT_EQ(a.released, 0);
    ASSERT_EQ(q.released, 0);
    sl_result_free(sl, r2);
    ASSERT_EQ(a.released, 1);
    ASSERT_EQ(q.released, 1);
    ASSERT_EQ(atomic_load(&a.s.refs), 0);

    sl_result_free(sl, NULL);
    struct sl_result *e = match(sl, "nothing");
    ASSERT(e != NULL);
    ASSERT_EQ(e->npsubs, 0);
    ASSERT_EQ(e->nqgroups, 0);
    sl_result_free(sl, e);
    sl_free(sl);
}

TEST(sublist_free_releases_inserted_subs)
{
    struct sublist *sl = sl_new(count_release);
    struct tsub t[5];
    tsub_init(&t[0], "a", NULL);
    tsub_init(&t[1], "a.*", NULL);
    tsub_init(&t[2], "a.>", "q");
    tsub_init(&t[3], "b.c", "q");
    tsub_init(&t[4], "b.c", NULL);
    for (int i = 0; i < 5; i++)
        ASSERT_OK(sl_insert(sl, &t[i].s));
    ASSERT_OK(sl_remove(sl, &t[4].s));
    sl_free(sl);
    for (int i = 0; i < 5; i++)
        ASSERT_EQ(t[i].released, 1);

    /* a NULL release callback is allowed */
    sl = sl_new(NULL);
    ASSERT_OK(sl_insert(sl, &t[0].s));
    sl_free(sl);
    sl_free(NULL);
}

TEST(sublist_genid_and_stats)
{
    struct sublist *sl = sl_new(count_release);
    struct tsub a, bad;
    tsub_init(&a, "x.y", NULL);
    tsub_init(&bad, "x..y", NULL);
    uint64_t g0 = sl_genid(sl);
    ASSERT_OK(sl_insert(sl, &a.s));
    uint64_t g1 = sl_genid(sl);
    ASSERT(g1 != g0);
    sl_result_free(sl, match(sl, "x.y"));
    ASSERT_EQ(sl_genid(sl), g1); /* matching does not move it */
    ASSERT_EQ(sl_insert(sl, &bad.s), -1);
    ASSERT_EQ(sl_remove(sl, &bad.s), -1);
    ASSERT_EQ(sl_genid(sl), g1); /* failures do not move it */
    ASSERT_OK(sl_remove(sl, &a.s));
    uint64_t g2 = sl_genid(sl);
    ASSERT(g2 != g1 && g2 != g0);
    ASSERT_OK(sl_insert(sl, &a.s));
    ASSERT(sl_genid(sl) != g2);

    struct sl_stats st;
    sl_get_stats(sl, &st);
    ASSERT_EQ(st.count, 1);
    ASSERT_EQ(st.inserts, 2);
    ASSERT_EQ(st.removes, 1);
    ASSERT_EQ(st.matches, 1);
    sl_free(sl);
}

/* ---- randomized differential ---------------------------------------------------- */

static uint64_t rng_next(uint64_t *s)
{
    /* xorshift64* */
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * UINT64_C(2685821657736338717);
}

static const char *const tokens[] = {"a", "b", "c", "foo", "bar", "*", ">", "a*", "*"};

/* A random valid pattern (wildcards allowed) or literal, 1..4 tokens. */
static void random_subject(uint64_t *rng, char *out, size_t size, bool literal)
{
    int n = 1 + (int)(rng_next(rng) % 4);
    size_t off = 0;
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        const char *t;
        do {
            t = tokens[rng_next(rng) % (sizeof(tokens) / sizeof(tokens[0]))];
        } while ((literal && (!strcmp(t, "*") || !strcmp(t, ">"))) ||
                 (!strcmp(t, ">") && i != n - 1));
        off += (size_t)snprintf(out + off, size - off, "%s%s", i ? "." : "", t);
    }
}

static int cmp_ptr(const void *a, const void *b)
{
    uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
    return x < y ? -1 : x > y;
}

/* Checks r against a brute-force match over the inserted subs. */
static void check_against_naive(const struct sl_result *r, struct tsub *t, int n, const char *subj)
{
    const void *want[512], *got[512];
    int nw = 0, ng = 0;
    size_t slen = strlen(subj);

    for (int i = 0; i < n; i++)
        if (t[i].s.refs && !t[i].s.queue && subj_matches(t[i].subj, t[i].s.subject_len, subj, slen))
            want[nw++] = &t[i];
    for (uint32_t i = 0; i < r->npsubs; i++)
        got[ng++] = r->psubs[i];
    if (nw != ng)
        test_fail(__FILE__, __LINE__, "\"%s\": %d plain subs, want %d", subj, ng, nw);
    qsort(want, (size_t)nw, sizeof(void *), cmp_ptr);
    qsort(got, (size_t)ng, sizeof(void *), cmp_ptr);
    ASSERT(memcmp(want, got, (size_t)nw * sizeof(void *)) == 0);

    /* queue groups: per name, the same members; and no name twice */
    static const char *const names[] = {"q1", "q2"};
    uint32_t seen_groups = 0;
    for (int q = 0; q < 2; q++) {
        nw = 0;
        for (int i = 0; i < n; i++)
            if (t[i].s.refs && t[i].s.queue && !strcmp(t[i].queue, names[q]) &&
                subj_matches(t[i].subj, t[i].s.subject_len, subj, slen))
                want[nw++] = &t[i];
        const struct sl_qgroup *g = find_group(r, names[q]);
        if (nw == 0) {
            ASSERT(g == NULL);
            continue;
        }
        seen_groups++;
        ASSERT(g != NULL);
        ASSERT_EQ(g->n, nw);
        for (uint32_t i = 0; i < g->n; i++)
            got[i] = g->subs[i];
        qsort(want, (size_t)nw, sizeof(void *), cmp_ptr);
        qsort(got, g->n, sizeof(void *), cmp_ptr);
        ASSERT(memcmp(want, got, (size_t)nw * sizeof(void *)) == 0);
    }
    ASSERT_EQ(r->nqgroups, seen_groups);
}

TEST(sublist_random_differential)
{
    enum { N = 300, OPS = 200000 };
    struct sublist *sl = sl_new(count_release);
    struct tsub *t = calloc(N, sizeof(*t));
    uint64_t rng = 0x9E3779B97F4A7C15u;
    char subj[64];
    int live = 0;

    for (int op = 0; op < OPS; op++) {
        uint64_t x = rng_next(&rng);
        int i = (int)((x >> 8) % N);
        switch (x % 4) {
        case 0:
        case 1:
            if (t[i].s.refs) {
                ASSERT_OK(sl_remove(sl, &t[i].s));
                live--;
            } else {
                int q = (int)((x >> 40) % 5);
                random_subject(&rng, subj, sizeof(subj), false);
                tsub_init(&t[i], subj, q == 0 ? "q1" : q == 1 ? "q2" : NULL);
                ASSERT_OK(sl_insert(sl, &t[i].s));
                live++;
            }
            break;
        default: {
            random_subject(&rng, subj, sizeof(subj), (x >> 32) % 8 != 0);
            struct sl_result *r = match(sl, subj);
            check_against_naive(r, t, N, subj);
            sl_result_free(sl, r);
        }
        }
        if (op % 20000 == 0)
            ASSERT_OK(sl_validate(sl, NULL));
    }
    ASSERT_EQ(sl_count(sl), live);
    ASSERT_OK(sl_validate(sl, NULL));
    for (int i = 0; i < N; i++)
        if (t[i].s.refs)
            ASSERT_OK(sl_remove(sl, &t[i].s));
    ASSERT_EQ(nodes(sl), 0);
    sl_free(sl);
    free(t);
}

/* ---- threads -------------------------------------------------------------------- */

/* Heap subs freed by the release callback: a wrong ref count is a use-after-free that
 * ASan or TSan reports. */
struct hsub {
    struct sl_sub s;
    uint32_t magic;
    char subj[32];
};

#define HSUB_MAGIC 0x5AB5C0DEu

static void free_release(struct sl_sub *s)
{
    struct hsub *h = (struct hsub *)s;
    h->magic = 0;
    free(h);
}

struct mt_ctx {
    struct sublist *sl;
    atomic_int writer_done;
    atomic_long matches, hits;
    int writer_ops;
};

static void *mt_reader(void *arg)
{
    struct mt_ctx *c = arg;
    uint64_t rng = (uint64_t)(uintptr_t)&rng | 1;
    char subj[64];

    while (!atomic_load(&c->writer_done)) {
        random_subject(&rng, subj, sizeof(subj), true);
        struct sl_result *r = sl_match(c->sl, subj, strlen(subj));
        long hits = 0;
        for (uint32_t i = 0; i < r->npsubs; i++) {
            const struct hsub *h = (const struct hsub *)r->psubs[i];
            if (h->magic != HSUB_MAGIC ||
                !subj_matches(h->subj, h->s.subject_len, subj, strlen(subj)))
                abort();
            hits++;
        }
        for (uint32_t g = 0; g < r->nqgroups; g++)
            for (uint32_t i = 0; i < r->qgroups[g].n; i++) {
                const struct hsub *h = (const struct hsub *)r->qgroups[g].subs[i];
                if (h->magic != HSUB_MAGIC)
                    abort();
                hits++;
            }
        sl_result_free(c->sl, r);
        atomic_fetch_add(&c->matches, 1);
        atomic_fetch_add(&c->hits, hits);
    }
    return NULL;
}

static void *mt_writer(void *arg)
{
    struct mt_ctx *c = arg;
    enum { SLOTS = 64 };
    struct hsub *slot[SLOTS] = {0};
    uint64_t rng = 12345;

    for (int op = 0; op < c->writer_ops; op++) {
        int i = (int)(rng_next(&rng) % SLOTS);
        if (slot[i]) {
            if (sl_remove(c->sl, &slot[i]->s) != 0)
                abort();
            slot[i] = NULL; /* freed by free_release, now or when the last result goes */
        } else {
            struct hsub *h = calloc(1, sizeof(*h));
            h->magic = HSUB_MAGIC;
            random_subject(&rng, h->subj, sizeof(h->subj), false);
            h->s.subject = h->subj;
            h->s.subject_len = (uint32_t)strlen(h->subj);
            if (rng_next(&rng) % 4 == 0) {
                h->s.queue = "grp";
                h->s.queue_len = 3;
            }
            if (sl_insert(c->sl, &h->s) != 0)
                abort();
            slot[i] = h;
        }
    }
    atomic_store(&c->writer_done, 1);
    return NULL;
}

TEST(sublist_threads_match_while_writing)
{
    struct mt_ctx c = {.sl = sl_new(free_release), .writer_ops = SANITIZED ? 20000 : 100000};
    pthread_t readers[4], writer;

    for (int i = 0; i < 4; i++)
        ASSERT_OK(pthread_create(&readers[i], NULL, mt_reader, &c));
    ASSERT_OK(pthread_create(&writer, NULL, mt_writer, &c));
    pthread_join(writer, NULL);
    for (int i = 0; i < 4; i++)
        pthread_join(readers[i], NULL);
    ASSERT_OK(sl_validate(c.sl, NULL));
    printf("threads: %d writer ops, %ld matches, %ld hits\n", c.writer_ops, atomic_load(&c.matches),
           atomic_load(&c.hits));
    sl_free(c.sl); /* frees the subs still inserted */
}

/* ---- scale ---------------------------------------------------------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t heap_bytes(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

/* Inserts n subs with subjects from fmt(i), reports time and trie bytes per sub, matches a
 * few, removes all and checks the trie is empty again. Returns bytes per sub. */
static double scale_run(const char *label, int n, void (*name)(char *, size_t, int))
{
    struct sublist *sl = sl_new(count_release);
    struct tsub *t = calloc((size_t)n, sizeof(*t));
    char buf[64];

    for (int i = 0; i < n; i++) {
        name(buf, sizeof(buf), i);
        tsub_init(&t[i], buf, NULL);
    }
    size_t before = heap_bytes();
    double t0 = now_s();
    for (int i = 0; i < n; i++)
        if (sl_insert(sl, &t[i].s) != 0)
            test_fail(__FILE__, __LINE__, "insert %s", t[i].subj);
    double t1 = now_s();
    size_t after = heap_bytes();
    for (int i = 0; i < n; i += n / 1000) {
        struct sl_result *r = match(sl, t[i].subj);
        ASSERT(r->npsubs == 1 && r->psubs[0] == &t[i].s);
        sl_result_free(sl, r);
    }
    double t2 = now_s();
    enum { MATCHES = 300000 };
    for (int i = 0; i < MATCHES; i++) {
        struct sl_result *r = match(sl, t[((long)i * 7919) % n].subj);
        sl_result_free(sl, r);
    }
    double t3 = now_s();
    for (int i = 0; i < n; i++)
        ASSERT_OK(sl_remove(sl, &t[i].s));
    double t4 = now_s();
    ASSERT_EQ(nodes(sl), 0);
    double per = (double)(after - before) / n;
    printf("%s: %d subs: insert %.3f s (%.0f ns/op), match %.0f ns/op, remove %.3f s, "
           "%.1f bytes/sub%s\n",
           label, n, t1 - t0, (t1 - t0) * 1e9 / n, (t3 - t2) * 1e9 / MATCHES, t4 - t3, per,
           SANITIZED ? " (sanitizer build: heap figures not meaningful)" : "");
    sl_free(sl);
    free(t);
    return per;
}

static void name_flat(char *b, size_t n, int i)
{
    snprintf(b, n, "svc.%d", i);
}

static void name_tree(char *b, size_t n, int i)
{
    snprintf(b, n, "bench.%d.%d.req", i / 1000, i % 1000);
}

static void name_inbox(char *b, size_t n, int i)
{
    /* unique 2-token tails under a shared prefix, like _INBOX.<nuid>.<n> */
    snprintf(b, n, "_INBOX.%08xQZ%d.%d", (unsigned)i * 2654435761u, i, i % 7);
}

TEST(sublist_million_subs)
{
    int n = SANITIZED ? 200000 : 1000000;
    double a = scale_run("flat   svc.<i>", n, name_flat);
    double b = scale_run("tree   bench.<i/1000>.<i%1000>.req", n, name_tree);
    double c = scale_run("inbox  _INBOX.<uniq>.<i%7>", n, name_inbox);
    if (!SANITIZED) {
        ASSERT(a < 300);
        ASSERT(b < 300);
        ASSERT(c < 300);
    }
}

/* Issue 7: the trie against the naive matcher on millions of (subject, pattern) pairs. 400
 * random patterns (a quarter in queue groups q1/q2), 25,000 random literal subjects: every
 * subject's result is compared with subj_matches over all 400, so 10,000,000 pairs. */
TEST(sublist_million_pairs_differential)
{
    enum { PATTERNS = 400, SUBJECTS = 25000 };
    static struct tsub t[PATTERNS];
    struct sublist *sl = sl_new(count_release);
    uint64_t rng = 0x5eed0fdeadbeefULL;
    char subj[128];
    long pairs = 0;

    for (int i = 0; i < PATTERNS; i++) {
        char pat[128];
        uint64_t q = rng_next(&rng) % 8;
        random_subject(&rng, pat, sizeof(pat), false);
        tsub_init(&t[i], pat, q == 0 ? "q1" : q == 1 ? "q2" : NULL);
        ASSERT_OK(sl_insert(sl, &t[i].s));
    }
    for (int k = 0; k < SUBJECTS; k++) {
        struct sl_result *r;
        random_subject(&rng, subj, sizeof(subj), true);
        r = match(sl, subj);
        check_against_naive(r, t, PATTERNS, subj);
        sl_result_free(sl, r);
        pairs += PATTERNS;
    }
    printf("sublist vs naive matcher: %ld (subject, pattern) pairs, 0 mismatches\n", pairs);
    sl_free(sl);
}
