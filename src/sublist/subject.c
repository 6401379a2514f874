/* Subject rules (mirrors server/sublist.go IsValidSubject, IsValidLiteralSubject,
 * subjectHasWildcard and matchLiteral). Pure functions over (pointer, length) slices: no
 * allocation, no NUL terminator needed, any thread. A token is the bytes between two '.';
 * '*' and '>' are wildcards only as whole tokens. Design: docs/internals/sublist.md */
#include "sublist/subject.h"

#include <string.h>

/* The bytes IsValidSubject rejects inside a token ("\t\n\f\r "). */
static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Shared walk for subj_is_valid and subj_is_valid_literal. */
static bool check_subject(const char *s, size_t len, bool literal)
{
    size_t start = 0;
    bool seen_fwc = false;

    if (len == 0)
        return false;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != '.') {
            if (is_space((unsigned char)s[i]))
                return false;
            continue;
        }
        /* token is s[start, i) */
        if (i == start || seen_fwc)
            return false; /* empty token, or a token after '>' */
        if (i - start == 1 && (s[start] == '*' || s[start] == '>')) {
            if (literal)
                return false;
            seen_fwc = s[start] == '>';
        }
        start = i + 1;
    }
    return true;
}

bool subj_is_valid(const char *s, size_t len)
{
    return check_subject(s, len, false);
}

bool subj_is_valid_literal(const char *s, size_t len)
{
    return check_subject(s, len, true);
}

bool subj_has_wildcard(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '*' && s[i] != '>')
            continue;
        /* a whole token: starts the subject or follows '.', ends it or precedes '.' */
        if ((i == 0 || s[i - 1] == '.') && (i + 1 == len || s[i + 1] == '.'))
            return true;
    }
    return false;
}

/* The reference does not validate queue names beyond what its argument splitter does
 * (client.go parseSub splits on ' ', '\t', '\r', '\n'; sublist.go Insert never looks at the
 * queue): 2.9.10 answers +OK to "SUB foo a..b 1", "SUB foo * 1", "SUB foo > 1" and to a queue
 * holding '\f'. So a queue name is any non-empty run without those four separators. */
bool subj_is_valid_queue(const char *s, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            return false;
    }
    return true;
}

/* Length of the token starting at p (up to the next '.' or the end). */
static size_t token_len(const char *p, size_t left)
{
    const char *dot = memchr(p, '.', left);
    return dot ? (size_t)(dot - p) : left;
}

bool subj_matches(const char *pattern, size_t plen, const char *subj, size_t slen)
{
    size_t pi = 0, si = 0;

    if (plen == 0 || slen == 0)
        return false;
    /* A subject with an empty token matches nothing (sublist.go match returns emptyResult). */
    if (subj[0] == '.' || subj[slen - 1] == '.' || memmem(subj, slen, "..", 2))
        return false;
    for (;;) {
        size_t pt = token_len(pattern + pi, plen - pi);
        size_t st = token_len(subj + si, slen - si);

        if (pt == 1 && pattern[pi] == '>')
            return true; /* '>' takes this token and any that follow: at least one */
        if (!(pt == 1 && pattern[pi] == '*') &&
            (pt != st || memcmp(pattern + pi, subj + si, pt) != 0))
            return false;
        pi += pt;
        si += st;
        if (pi == plen || si == slen)
            return pi == plen && si == slen;
        pi++; /* skip the '.' */
        si++;
    }
}
