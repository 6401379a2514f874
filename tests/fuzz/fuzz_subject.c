/* libFuzzer target for src/sublist: differential test of the trie (sl_match) against the
 * naive matcher (subj_matches), plus consistency checks between the subject predicates.
 * Input: lines. The first byte's low nibble is the number of pattern lines that follow;
 * a pattern line is "<subject>[ <queue>]"; every later line is a publish subject. Each
 * run builds its own sublist, checks every subject, removes half the patterns, checks
 * again, validates the trie and frees it. Any disagreement aborts. */
#include "sublist/subject.h"
#include "sublist/sublist.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PATTERNS 16
#define MAX_LINES 64

struct fsub {
    struct sl_sub s;
    bool inserted;
    int released;
};

struct line {
    const char *p;
    size_t len;
};

static void on_release(struct sl_sub *s)
{
    ((struct fsub *)s)->released++;
}

static void check_predicates(const char *s, size_t len)
{
    bool valid = subj_is_valid(s, len), literal = subj_is_valid_literal(s, len);
    bool wc = subj_has_wildcard(s, len);

    if (literal && !valid)
        abort();
    if (literal && wc)
        abort();
    if (valid && !wc && !literal)
        abort();
    if (literal && !subj_matches(s, len, s, len))
        abort();
    if (valid && !subj_is_valid_queue(s, len))
        abort(); /* a valid subject has no whitespace, so it is a valid queue name too */
}

/* Does the result list sub, as a plain sub or in the group named by its queue? */
static bool listed(const struct sl_result *r, const struct fsub *f)
{
    if (!f->s.queue) {
        for (uint32_t i = 0; i < r->npsubs; i++)
            if (r->psubs[i] == &f->s)
                return true;
        return false;
    }
    for (uint32_t g = 0; g < r->nqgroups; g++) {
        const struct sl_qgroup *q = &r->qgroups[g];
        if (q->queue_len != f->s.queue_len || memcmp(q->queue, f->s.queue, q->queue_len) != 0)
            continue;
        for (uint32_t i = 0; i < q->n; i++)
            if (q->subs[i] == &f->s)
                return true;
    }
    return false;
}

static void check_match(struct sublist *sl, struct fsub *subs, int n, const struct line *subj)
{
    struct sl_result *r = sl_match(sl, subj->p, subj->len);
    uint32_t want = 0, got = r->npsubs;

    for (int i = 0; i < n; i++) {
        bool m = subs[i].inserted &&
                 subj_matches(subs[i].s.subject, subs[i].s.subject_len, subj->p, subj->len);
        if (m != listed(r, &subs[i]))
            abort();
        want += m;
    }
    /* no extra entries, and no queue name listed twice */
    for (uint32_t g = 0; g < r->nqgroups; g++) {
        got += r->qgroups[g].n;
        if (r->qgroups[g].n == 0 || r->qgroups[g].queue != r->qgroups[g].subs[0]->queue)
            abort();
        for (uint32_t h = 0; h < g; h++)
            if (r->qgroups[h].queue_len == r->qgroups[g].queue_len &&
                memcmp(r->qgroups[h].queue, r->qgroups[g].queue, r->qgroups[g].queue_len) == 0)
                abort();
    }
    if (got != want)
        abort();
    sl_result_free(sl, r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct line lines[MAX_LINES];
    struct fsub subs[MAX_PATTERNS];
    int nlines = 0, npat;
    const char *p, *end;

    if (size == 0)
        return 0;
    npat = data[0] & 0x0f;
    p = (const char *)data + 1;
    end = (const char *)data + size;
    while (p <= end && nlines < MAX_LINES) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        lines[nlines].p = p;
        lines[nlines].len = (size_t)(e - p);
        nlines++;
        if (!nl)
            break;
        p = nl + 1;
    }
    if (npat > nlines)
        npat = nlines;

    struct sublist *sl = sl_new(on_release);
    for (int i = 0; i < npat; i++) {
        const char *sp = memchr(lines[i].p, ' ', lines[i].len);
        struct fsub *f = &subs[i];

        memset(f, 0, sizeof(*f));
        f->s.subject = lines[i].p;
        f->s.subject_len = (uint32_t)(sp ? (size_t)(sp - lines[i].p) : lines[i].len);
        if (sp) {
            f->s.queue = sp + 1;
            f->s.queue_len = (uint32_t)(lines[i].len - f->s.subject_len - 1);
        }
        check_predicates(f->s.subject, f->s.subject_len);
        bool valid = subj_is_valid(f->s.subject, f->s.subject_len);
        int rc = sl_insert(sl, &f->s);
        if ((rc == 0) != valid)
            abort();
        f->inserted = rc == 0;
    }
    for (int i = npat; i < nlines; i++) {
        check_predicates(lines[i].p, lines[i].len);
        check_match(sl, subs, npat, &lines[i]);
    }
    /* remove every other pattern, then check again */
    for (int i = 0; i < npat; i += 2) {
        int rc = sl_remove(sl, &subs[i].s);
        if ((rc == 0) != subs[i].inserted)
            abort();
        if (subs[i].inserted && subs[i].released != 1)
            abort();
        subs[i].inserted = false;
        if (sl_remove(sl, &subs[i].s) != -1)
            abort();
    }
    for (int i = npat; i < nlines; i++)
        check_match(sl, subs, npat, &lines[i]);
    if (sl_validate(sl, NULL) != 0)
        abort();
    sl_free(sl);
    for (int i = 0; i < npat; i++)
        if (subs[i].released != (subj_is_valid(subs[i].s.subject, subs[i].s.subject_len) ? 1 : 0))
            abort();
    return 0;
}
