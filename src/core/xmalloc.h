/* Allocation that aborts on OOM (redis zmalloc, git xmalloc). Sizes that come off the wire are
 * checked against configured limits before they reach these, so OOM is a configuration error,
 * not a code path. See docs/internals/principles.md. */
#ifndef NS_CORE_XMALLOC_H
#define NS_CORE_XMALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
void *xmemdup(const void *p, size_t n);

#define FREE_AND_NULL(p)                                                                           \
    do {                                                                                           \
        free(p);                                                                                   \
        (p) = NULL;                                                                                \
    } while (0)

#endif
