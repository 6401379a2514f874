/* Durations and sizes as nats-server reads them: Go time.ParseDuration syntax ("2s", "500ms",
 * "1m30s"; a bare integer means seconds) and integers with the config file's unit suffixes
 * ("1k" = 1000, "1kb" = 1024, "2MB" = 2097152), plus Go's time.Duration String() form for
 * printing. Pure functions, no state. Mirrors Go's time/format.go and nats-server conf/parse.go. */
#ifndef NS_CORE_UNITS_H
#define NS_CORE_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* Parses a duration into milliseconds, rounding toward zero below 1ms. Accepts Go's syntax
 * (an optional sign, then one or more <number>[.<fraction>]<unit> with units ns, us, µs, ms,
 * s, m, h, as in "1h2m3.5s"), "0", and a bare decimal integer, taken as seconds ("30").
 * Returns 0 and sets *out, or -1 (*out untouched) on bad syntax or overflow. */
int units_parse_duration_ms(const char *s, int64_t *out);

/* Parses a size: an optional '-', decimal digits, then an optional unit suffix, case-insensitive,
 * optionally after spaces: k=10^3, m=10^6, g=10^9, t=10^12, p=10^15, e=10^18, and
 * kb/ki/kib=2^10, mb/mi/mib=2^20, gb/gi/gib=2^30, tb/ti/tib=2^40, pb/pi/pib=2^50,
 * eb/ei/eib=2^60. Returns 0 and sets *out, or -1 (*out untouched) on bad syntax, an unknown
 * suffix or overflow. */
int units_parse_size(const char *s, int64_t *out);

/* Writes ms as Go's time.Duration String() would: "0s", "500ms", "1.5s", "2m0s", "1h0m0s",
 * "-2s". Behaves like snprintf: writes at most n bytes including the NUL (buf may be NULL
 * when n is 0) and returns the length of the full text. 32 bytes always suffice. */
int units_format_duration(int64_t ms, char *buf, size_t n);

#endif
