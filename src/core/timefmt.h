/* Time as Go's time.Time marshals it in JSON: RFC 3339, UTC, nanoseconds with trailing zeros
 * trimmed ("2026-11-22T23:32:52.2321Z"). Pure; any thread. */
#ifndef NS_CORE_TIMEFMT_H
#define NS_CORE_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/* Writes wall_ns (nanoseconds since the epoch) into out (cap bytes, NUL-terminated; 40 bytes
 * always suffice). */
void timefmt_rfc3339(int64_t wall_ns, char *out, size_t cap);

#endif
