/* Duration and size parsing and duration formatting (see units.h). The duration grammar and
 * its overflow rules follow Go's time.ParseDuration (nanoseconds in a uint64, at most 2^63
 * in magnitude) so "-c" files and flags accept exactly what nats-server accepts; the size
 * suffixes are the table in nats-server conf/parse.go. Mirrors time/format.go, conf/parse.go. */
#include "core/units.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define NS_PER_MS 1000000ULL
#define DURATION_MAX (1ULL << 63) /* magnitude of the smallest negative Duration */

struct unit {
    const char *name;
    uint64_t ns;
};

/* Go's unitMap: "µs" comes as U+00B5 (micro sign) or U+03BC (Greek mu). */
static const struct unit duration_units[] = {
    {"ns", 1ULL},
    {"us", 1000ULL},
    {"\xc2\xb5s", 1000ULL},
    {"\xce\xbcs", 1000ULL},
    {"ms", 1000000ULL},
    {"s", 1000000000ULL},
    {"m", 60ULL * 1000000000ULL},
    {"h", 3600ULL * 1000000000ULL},
};

struct size_suffix {
    const char *name;
    int64_t mult;
};

static const struct size_suffix size_suffixes[] = {
    {"k", 1000LL},          {"kb", 1LL << 10},         {"ki", 1LL << 10},
    {"kib", 1LL << 10},     {"m", 1000000LL},          {"mb", 1LL << 20},
    {"mi", 1LL << 20},      {"mib", 1LL << 20},        {"g", 1000000000LL},
    {"gb", 1LL << 30},      {"gi", 1LL << 30},         {"gib", 1LL << 30},
    {"t", 1000000000000LL}, {"tb", 1LL << 40},         {"ti", 1LL << 40},
    {"tib", 1LL << 40},     {"p", 1000000000000000LL}, {"pb", 1LL << 50},
    {"pi", 1LL << 50},      {"pib", 1LL << 50},        {"e", 1000000000000000000LL},
    {"eb", 1LL << 60},      {"ei", 1LL << 60},         {"eib", 1LL << 60},
};

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static char to_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Converts a magnitude in nanoseconds (at most 2^63) with a sign to milliseconds. */
static int64_t ns_to_ms(uint64_t ns, bool neg)
{
    uint64_t ms = ns / NS_PER_MS;
    return neg ? -(int64_t)ms : (int64_t)ms;
}

/* Go's leadingInt: consumes decimal digits into *v; -1 on overflow past 2^63. */
static int leading_int(const char **sp, uint64_t *v)
{
    const char *s = *sp;
    uint64_t x = 0;

    for (; is_digit(*s); s++) {
        if (x > (DURATION_MAX - 1) / 10)
            return -1;
        x = x * 10 + (uint64_t)(*s - '0');
        if (x > DURATION_MAX)
            return -1;
    }
    *v = x;
    *sp = s;
    return 0;
}

/* Go's leadingFraction: digits after the '.', ignoring those that would overflow. */
static void leading_fraction(const char **sp, uint64_t *f, double *scale)
{
    const char *s = *sp;
    uint64_t x = 0;
    double sc = 1;
    bool overflow = false;

    for (; is_digit(*s); s++) {
        if (overflow)
            continue;
        if (x > (DURATION_MAX - 1) / 10) {
            overflow = true;
            continue;
        }
        uint64_t y = x * 10 + (uint64_t)(*s - '0');
        if (y > DURATION_MAX) {
            overflow = true;
            continue;
        }
        x = y;
        sc *= 10;
    }
    *f = x;
    *scale = sc;
    *sp = s;
}

static const struct unit *find_unit(const char *u, size_t len)
{
    for (size_t i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]); i++) {
        if (strlen(duration_units[i].name) == len && memcmp(duration_units[i].name, u, len) == 0)
            return &duration_units[i];
    }
    return NULL;
}

/* A bare decimal integer with an optional sign: seconds, as nats-server reads a number given
 * for a duration setting. */
static int parse_bare_seconds(const char *s, int64_t *out)
{
    bool neg = false;
    uint64_t secs = 0;

    if (*s == '-' || *s == '+')
        neg = *s++ == '-';
    if (!is_digit(*s))
        return -1;
    for (; *s; s++) {
        if (!is_digit(*s))
            return -1;
        secs = secs * 10 + (uint64_t)(*s - '0');
        if (secs > DURATION_MAX / 1000000000ULL)
            return -1;
    }
    *out = ns_to_ms(secs * 1000000000ULL, neg);
    return 0;
}

int units_parse_duration_ms(const char *s, int64_t *out)
{
    uint64_t d = 0;
    bool neg = false;
    const char *p = s;

    if (!s || !*s)
        return -1;
    if (parse_bare_seconds(s, out) == 0)
        return 0;
    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    if (strcmp(p, "0") == 0) {
        *out = 0;
        return 0;
    }
    if (!*p)
        return -1;
    while (*p) {
        uint64_t v = 0, f = 0;
        double scale = 1;
        bool pre, post = false;
        const char *start;

        if (!(*p == '.' || is_digit(*p)))
            return -1;
        start = p;
        if (leading_int(&p, &v) != 0)
            return -1;
        pre = p != start;
        if (*p == '.') {
            p++;
            start = p;
            leading_fraction(&p, &f, &scale);
            post = p != start;
        }
        if (!pre && !post)
            return -1;
        start = p;
        while (*p && *p != '.' && !is_digit(*p))
            p++;
        if (p == start)
            return -1; /* missing unit */
        const struct unit *u = find_unit(start, (size_t)(p - start));
        if (!u)
            return -1;
        if (v > DURATION_MAX / u->ns)
            return -1;
        v *= u->ns;
        if (f > 0) {
            /* as Go: a double keeps fractions of an hour accurate to the nanosecond */
            v += (uint64_t)((double)f * ((double)u->ns / scale));
            if (v > DURATION_MAX)
                return -1;
        }
        d += v;
        if (d > DURATION_MAX)
            return -1;
    }
    if (!neg && d > DURATION_MAX - 1)
        return -1;
    *out = ns_to_ms(d, neg);
    return 0;
}

int units_parse_size(const char *s, int64_t *out)
{
    bool neg = false;
    uint64_t num = 0;
    const char *suf, *end;
    int64_t mult = 1;

    if (!s)
        return -1;
    if (*s == '-')
        neg = *s++ == '-';
    if (!is_digit(*s))
        return -1;
    for (; is_digit(*s); s++) {
        uint64_t d = (uint64_t)(*s - '0');
        if (num > ((uint64_t)INT64_MAX - d) / 10)
            return -1;
        num = num * 10 + d;
    }
    while (*s == ' ' || *s == '\t')
        s++;
    suf = s;
    end = s + strlen(s);
    while (end > suf && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    if (end > suf) {
        size_t len = (size_t)(end - suf), i;
        char low[4];

        if (len > 3)
            return -1;
        for (i = 0; i < len; i++)
            low[i] = to_lower(suf[i]);
        low[len] = '\0';
        for (i = 0; i < sizeof(size_suffixes) / sizeof(size_suffixes[0]); i++) {
            if (strcmp(size_suffixes[i].name, low) == 0)
                break;
        }
        if (i == sizeof(size_suffixes) / sizeof(size_suffixes[0]))
            return -1;
        mult = size_suffixes[i].mult;
    }
    if (num > (uint64_t)(INT64_MAX / mult))
        return -1;
    *out = neg ? -(int64_t)(num * (uint64_t)mult) : (int64_t)(num * (uint64_t)mult);
    return 0;
}

/* Writes the fraction of a second (1..999 ms) as ".5", ".25", ".125": no trailing zeros. */
static void format_fraction(unsigned ms, char *frac, size_t n)
{
    char digits[4];

    snprintf(digits, sizeof(digits), "%03u", ms);
    for (int i = 2; i >= 0 && digits[i] == '0'; i--)
        digits[i] = '\0';
    snprintf(frac, n, ".%s", digits);
}

int units_format_duration(int64_t ms, char *buf, size_t n)
{
    const char *sign = ms < 0 ? "-" : "";
    uint64_t u = ms < 0 ? (uint64_t)0 - (uint64_t)ms : (uint64_t)ms;
    uint64_t secs = u / 1000, h = secs / 3600, m = (secs / 60) % 60, sec = secs % 60;
    char frac[8] = "";

    if (u == 0)
        return snprintf(buf, n, "0s");
    if (u < 1000)
        return snprintf(buf, n, "%s%llums", sign, (unsigned long long)u);
    if (u % 1000)
        format_fraction((unsigned)(u % 1000), frac, sizeof(frac));
    if (h > 0)
        return snprintf(buf, n, "%s%lluh%llum%llu%ss", sign, (unsigned long long)h,
                        (unsigned long long)m, (unsigned long long)sec, frac);
    if (m > 0)
        return snprintf(buf, n, "%s%llum%llu%ss", sign, (unsigned long long)m,
                        (unsigned long long)sec, frac);
    return snprintf(buf, n, "%s%llu%ss", sign, (unsigned long long)sec, frac);
}
