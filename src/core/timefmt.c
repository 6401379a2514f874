/* See timefmt.h. */
#include "core/timefmt.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

void timefmt_rfc3339(int64_t wall_ns, char *out, size_t cap)
{
    time_t secs = (time_t)(wall_ns / 1000000000LL);
    long ns = (long)(wall_ns % 1000000000LL);
    struct tm tm;
    char frac[16] = "";

    gmtime_r(&secs, &tm);
    if (ns > 0) {
        size_t n;
        snprintf(frac, sizeof(frac), ".%09ld", ns);
        n = strlen(frac);
        while (n > 1 && frac[n - 1] == '0')
            frac[--n] = '\0';
    }
    snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d%sZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}
