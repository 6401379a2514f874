/* Unit tests for src/sublist/subject.c: validity tables for subjects, literal subjects and
 * queue names, wildcard detection and the naive matcher. Expected values follow nats-server
 * 2.9.10 (sublist.go tests and live runs; see subject.c for the queue-name rule). */
#include "test.h"

#include "sublist/subject.h"

#include <string.h>

struct vcase {
    const char *s;
    bool valid;   /* subj_is_valid */
    bool literal; /* subj_is_valid_literal */
    bool wc;      /* subj_has_wildcard */
};

static const struct vcase subject_cases[] = {
    {"foo", true, true, false},
    {"foo.bar", true, true, false},
    {"foo.bar.baz", true, true, false},
    {"*", true, false, true},
    {">", true, false, true},
    {"foo.*", true, false, true},
    {"foo.>", true, false, true},
    {"*.bar", true, false, true},
    {"*.*.>", true, false, true},
    {"foo.*.bar.>", true, false, true},
    {"foo*", true, true, false}, /* '*' inside a token is literal */
    {"foo>", true, true, false},
    {"*foo", true, true, false},
    {">foo", true, true, false},
    {"foo.bar*.baz", true, true, false},
    {"foo.**", true, true, false},
    {"foo.>>", true, true, false},
    {"$JS.API.INFO", true, true, false},
    {"_INBOX.abc123", true, true, false},
    {"a-b_c:d/e", true, true, false},
    {"\xc3\xa9t\xc3\xa9", true, true, false}, /* UTF-8 is fine */
    {"", false, false, false},
    {".", false, false, false},
    {"..", false, false, false},
    {".foo", false, false, false},
    {"foo.", false, false, false},
    {"foo..bar", false, false, false},
    {"foo.>.bar", false, false, true},
    {">.>", false, false, true},
    {">.foo", false, false, true},
    {"foo bar", false, false, false},
    {"foo\tbar", false, false, false},
    {"foo\rbar", false, false, false},
    {"foo\nbar", false, false, false},
    {"foo\fbar", false, false, false},
    {" ", false, false, false},
    {"foo. .bar", false, false, false},
    {"foo.*. ", false, false, true},
};

TEST(subject_validity_table)
{
    for (size_t i = 0; i < sizeof(subject_cases) / sizeof(subject_cases[0]); i++) {
        const struct vcase *c = &subject_cases[i];
        size_t len = strlen(c->s);
        if (subj_is_valid(c->s, len) != c->valid)
            test_fail(__FILE__, __LINE__, "subj_is_valid(\"%s\") != %d", c->s, c->valid);
        if (subj_is_valid_literal(c->s, len) != c->literal)
            test_fail(__FILE__, __LINE__, "subj_is_valid_literal(\"%s\") != %d", c->s, c->literal);
        if (subj_has_wildcard(c->s, len) != c->wc)
            test_fail(__FILE__, __LINE__, "subj_has_wildcard(\"%s\") != %d", c->s, c->wc);
    }
}

TEST(subject_uses_length_not_nul)
{
    /* slices into a larger buffer: only len bytes count */
    const char *buf = "foo.bar baz";
    ASSERT(subj_is_valid(buf, 7));
    ASSERT(!subj_is_valid(buf, 8));
    ASSERT(!subj_is_valid(buf, 4)); /* "foo." */
    ASSERT(subj_is_valid_literal(buf, 3));
    /* an embedded NUL is just a byte (the reference does not check it either) */
    ASSERT(subj_is_valid("a\0b", 3));
    ASSERT(subj_has_wildcard("foo.*x", 5));
    ASSERT(!subj_has_wildcard("foo.*x", 6));
}

struct qcase {
    const char *q;
    bool valid;
};

/* 2.9.10 answers +OK to every one of the "true" rows (checked live). */
static const struct qcase queue_cases[] = {
    {"q", true},     {"workers", true}, {"v1.workers", true}, {"a..b", true}, {"..", true},
    {".a", true},    {"a.", true},      {"*", true},          {">", true},    {"foo.>", true},
    {"a*b", true},   {"a\fb", true},    {"", false},          {"a b", false}, {"a\tb", false},
    {"a\rb", false}, {"a\nb", false},   {" ", false},
};

TEST(queue_validity_table)
{
    for (size_t i = 0; i < sizeof(queue_cases) / sizeof(queue_cases[0]); i++) {
        const struct qcase *c = &queue_cases[i];
        if (subj_is_valid_queue(c->q, strlen(c->q)) != c->valid)
            test_fail(__FILE__, __LINE__, "subj_is_valid_queue(\"%s\") != %d", c->q, c->valid);
    }
}

struct mcase {
    const char *pattern, *subj;
    bool match;
};

static const struct mcase match_cases[] = {
    {"foo", "foo", true},
    {"foo", "bar", false},
    {"foo", "foo.bar", false},
    {"foo.bar", "foo", false},
    {"foo.bar", "foo.bar", true},
    {"foo.*", "foo.bar", true},
    {"foo.*", "foo", false},
    {"foo.*", "foo.bar.baz", false},
    {"*", "a", true},
    {"*", "a.b", false},
    {"*.*", "a.b", true},
    {"*.b", "a.b", true},
    {"*.b", "a.c", false},
    {"foo.>", "foo", false},
    {"foo.>", "foo.bar", true},
    {"foo.>", "foo.bar.baz", true},
    {">", "a", true},
    {">", "a.b", true},
    {">", "a.b.c.d.e", true},
    {"*.>", "a", false},
    {"*.>", "a.b", true},
    {"foo.*.>", "foo.bar", false},
    {"foo.*.>", "foo.bar.baz", true},
    {"foo*", "foo*", true},
    {"foo*", "foox", false},
    {"foo*.bar", "foo*.bar", true},
    {"foo.bar", "foo.ba", false},
    {"foo.ba", "foo.bar", false},
    /* a publish subject holding a wildcard token only matches wildcards (sublist.go) */
    {"foo.*", "foo.*", true},
    {"foo.bar", "foo.*", false},
    {"foo.>", "foo.>", true},
    /* a publish subject with an empty token matches nothing */
    {">", ".a", false},
    {">", "a.", false},
    {">", "a..b", false},
    {"a.>", "a..b", false},
    {"*", "", false},
    {"foo", "", false},
};

TEST(subject_matches_table)
{
    for (size_t i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++) {
        const struct mcase *c = &match_cases[i];
        if (subj_matches(c->pattern, strlen(c->pattern), c->subj, strlen(c->subj)) != c->match)
            test_fail(__FILE__, __LINE__, "subj_matches(\"%s\", \"%s\") != %d", c->pattern, c->subj,
                      c->match);
    }
}

TEST(subject_matches_slices)
{
    const char *p = "foo.*XX", *s = "foo.barYY";
    ASSERT(subj_matches(p, 5, s, 7));
    ASSERT(!subj_matches(p, 5, s, 3));
    ASSERT(!subj_matches(p, 0, s, 7));
}
