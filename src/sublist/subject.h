/* Subject rules (mirrors server/sublist.go IsValidSubject & co). A subject is '.'-separated
 * tokens; each token is non-empty and has no ' ', '\t', '\r', '\n' or '\f'. '*' as a whole
 * token matches one token, '>' as a whole (last) token matches one or more. "foo*" is a
 * literal token. Pure functions, any thread. */
#ifndef NS_SUBLIST_SUBJECT_H
#define NS_SUBLIST_SUBJECT_H

#include <stdbool.h>
#include <stddef.h>

/* Valid for SUB: non-empty, no empty token, '>' only as the last token. */
bool subj_is_valid(const char *s, size_t len);
/* Valid publish subject: subj_is_valid and no '*' or '>' token. */
bool subj_is_valid_literal(const char *s, size_t len);
/* True when s (valid) contains a '*' or '>' token. */
bool subj_has_wildcard(const char *s, size_t len);
/* Valid queue group name (as the reference checks it for SUB). */
bool subj_is_valid_queue(const char *s, size_t len);
/* Does literal subject subj match pattern? Naive token walk: the reference for tests and
 * for permission checks. */
bool subj_matches(const char *pattern, size_t plen, const char *subj, size_t slen);

#endif
