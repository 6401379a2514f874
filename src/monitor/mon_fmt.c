/* Time and duration texts as the reference's JSON shows them (Go's formats). */
#include "monitor/monitor.h"

#include "core/timefmt.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

void mon_fmt_time(int64_t wall_ns, char *out, size_t cap)
{
    timefmt_rfc3339(wall_ns, out, cap);
}

/* "<int>.<frac>" of v / unit with trailing zeros trimmed. */
static int fmt_frac(char *out, size_t cap, uint64_t v, uint64_t unit, int digits)
{
    char f[32];
    uint64_t whole = v / unit, rest = v % unit;
    if (rest == 0)
        return snprintf(out, cap, "%" PRIu64, whole);
    snprintf(f, sizeof(f), "%0*" PRIu64, digits, rest);
    for (size_t n = strlen(f); n > 0 && f[n - 1] == '0'; n--)
        f[n - 1] = '\0';
    return snprintf(out, cap, "%" PRIu64 ".%s", whole, f);
}

void mon_fmt_duration(int64_t ns, char *out, size_t cap)
{
    const char *sign = ns < 0 ? "-" : "";
    uint64_t u = ns < 0 ? (uint64_t)(-(ns + 1)) + 1 : (uint64_t)ns;
    char num[48];

    if (u == 0) {
        snprintf(out, cap, "0s");
    } else if (u < 1000) {
        snprintf(out, cap, "%s%" PRIu64 "ns", sign, u);
    } else if (u < 1000000) {
        fmt_frac(num, sizeof(num), u, 1000, 3);
        snprintf(out, cap, "%s%s\xc2\xb5s", sign, num);
    } else if (u < 1000000000ULL) {
        fmt_frac(num, sizeof(num), u, 1000000, 6);
        snprintf(out, cap, "%s%sms", sign, num);
    } else {
        uint64_t secs = u / 1000000000ULL, h = secs / 3600, m = (secs / 60) % 60;
        uint64_t srest = u - (h * 3600 + m * 60) * 1000000000ULL;
        fmt_frac(num, sizeof(num), srest, 1000000000ULL, 9);
        if (h > 0)
            snprintf(out, cap, "%s%" PRIu64 "h%" PRIu64 "m%ss", sign, h, m, num);
        else if (m > 0)
            snprintf(out, cap, "%s%" PRIu64 "m%ss", sign, m, num);
        else
            snprintf(out, cap, "%s%ss", sign, num);
    }
}

void mon_fmt_uptime(int64_t ns, char *out, size_t cap)
{
    int64_t s = ns > 0 ? ns / 1000000000LL : 0;
    int64_t m = s / 60, h = m / 60, d = h / 24, y = d / 365;
    if (y > 0)
        snprintf(out, cap, "%" PRId64 "y%" PRId64 "d%" PRId64 "h%" PRId64 "m%" PRId64 "s", y,
                 d % 365, h % 24, m % 60, s % 60);
    else if (d > 0)
        snprintf(out, cap, "%" PRId64 "d%" PRId64 "h%" PRId64 "m%" PRId64 "s", d, h % 24, m % 60,
                 s % 60);
    else if (h > 0)
        snprintf(out, cap, "%" PRId64 "h%" PRId64 "m%" PRId64 "s", h, m % 60, s % 60);
    else if (m > 0)
        snprintf(out, cap, "%" PRId64 "m%" PRId64 "s", m, s % 60);
    else
        snprintf(out, cap, "%" PRId64 "s", s);
}
