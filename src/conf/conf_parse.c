/* Lexer and parser of the configuration format (mirrors nats-server conf/lex.go + parse.go,
 * 2.9.10). Recursive descent over UTF-8 runes; each function is named after the lexer state
 * whose behaviour it reproduces, including its error texts ("Parse error on line N: '...'")
 * and its quirks (a lone '/' after a value is skipped, a top-level key with no value at the
 * end of the file is dropped, an unterminated empty quoted string ends the file quietly).
 * Invariants: recursion depth is bounded by CONF_MAX_DEPTH (maps, arrays, includes and $ENV
 * re-parses all count), the number of nodes by CONF_MAX_NODES, and include cycles are
 * refused. Deliberate differences from the reference are marked "natrium:". */
#include "conf/conf.h"
#include "conf/conf_priv.h"

#include "core/xmalloc.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define END (-1) /* end of input, as a rune */

enum pstatus {
    P_OK = 0,
    P_ERR = -1,
    P_EOF = 1, /* the input ended where the reference stops quietly: keep what is built */
};

/* State shared by one conf_parse_* call, its includes and its $ENV re-parses. */
struct pctx {
    struct conf_node *root; /* owns the file name table */
    size_t nodes;           /* nodes created so far (CONF_MAX_NODES) */
    int depth;              /* current nesting (CONF_MAX_DEPTH) */
    int env_depth;          /* $ENV values being re-parsed (CONF_MAX_ENV_DEPTH) */
    char **files;           /* canonical paths of the files being parsed, outermost first */
    size_t nfiles;
};

/* A map whose keys are visible to $name lookups; arrays are not scopes (as in parse.go). */
struct scope {
    const struct conf_node *map;
    const struct scope *up;
};

struct parser {
    struct pctx *ctx;
    const char *s;
    size_t n;
    size_t pos;
    int width;        /* bytes of the last rune read, 0 after END */
    int line;         /* 1-based */
    size_t lstart;    /* offset of the '\n' that began the line (0 on line 1), as lex.go */
    const char *file; /* display name of this input (interned in root), or NULL */
    char *dir;        /* base directory of include paths */
    char *err;        /* the error, once P_ERR is returned */
};

/* Growable byte string for values with escapes. */
struct sbuf {
    char *b;
    size_t n, cap;
};

static void sb_add(struct sbuf *sb, const char *p, size_t len)
{
    if (sb->n + len + 1 > sb->cap) {
        sb->cap = (sb->n + len + 1) * 2;
        sb->b = xrealloc(sb->b, sb->cap);
    }
    memcpy(sb->b + sb->n, p, len);
    sb->n += len;
    sb->b[sb->n] = '\0';
}

static int parse_value(struct parser *p, const struct scope *sc, struct conf_node **out);
static int parse_input(struct pctx *ctx, const char *text, size_t len, const char *file,
                       const char *dir, struct conf_node *map, char **err);

/* ---------------------------------------------------------------------------------------
 * Runes and positions
 * --------------------------------------------------------------------------------------- */

/* Decodes one UTF-8 rune at s[0..n); invalid sequences give U+FFFD of width 1 (as Go). */
static int decode_rune(const unsigned char *s, size_t n, int *width)
{
    unsigned c = s[0];
    int need, r;

    *width = 1;
    if (c < 0x80)
        return (int)c;
    if (c >= 0xc2 && c <= 0xdf) {
        need = 1;
        r = (int)(c & 0x1f);
    } else if (c >= 0xe0 && c <= 0xef) {
        need = 2;
        r = (int)(c & 0x0f);
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 3;
        r = (int)(c & 0x07);
    } else {
        return 0xfffd;
    }
    if ((size_t)need >= n)
        return 0xfffd;
    for (int i = 1; i <= need; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0xfffd;
        r = (r << 6) | (int)(s[i] & 0x3f);
    }
    if ((need == 2 && r < 0x800) || (need == 3 && (r < 0x10000 || r > 0x10ffff)) ||
        (r >= 0xd800 && r <= 0xdfff))
        return 0xfffd;
    *width = need + 1;
    return r;
}

static int next(struct parser *p)
{
    int r;

    if (p->pos >= p->n) {
        p->width = 0;
        return END;
    }
    if (p->s[p->pos] == '\n') {
        p->line++;
        p->lstart = p->pos;
    }
    r = decode_rune((const unsigned char *)p->s + p->pos, p->n - p->pos, &p->width);
    p->pos += (size_t)p->width;
    return r;
}

/* Steps back over the last rune read; once per next(), a no-op after END (as lex.go). */
static void backup(struct parser *p)
{
    p->pos -= (size_t)p->width;
    if (p->width && p->s[p->pos] == '\n')
        p->line--;
}

static int peek(struct parser *p)
{
    int r = next(p);
    backup(p);
    return r;
}

/* Column of the byte at off, lex.go's convention: off - lstart. */
static int col_at(const struct parser *p, size_t off)
{
    return (int)(off - p->lstart);
}

/* unicode.IsSpace */
static bool is_space(int r)
{
    switch (r) {
    case ' ':
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case 0x85:
    case 0xa0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202f:
    case 0x205f:
    case 0x3000:
        return true;
    default:
        return r >= 0x2000 && r <= 0x200a;
    }
}

static bool is_ws(int r) /* lex.go isWhitespace */
{
    return r == ' ' || r == '\t';
}

static bool is_nl(int r)
{
    return r == '\n' || r == '\r';
}

static bool is_digit(int r)
{
    return r >= '0' && r <= '9';
}

static bool is_sep(int r)
{
    return r == '=' || r == ':';
}

static bool is_suffix(int r)
{
    return r != END && strchr("kKmMgGtTpPeE", r) != NULL;
}

/* Where a number ends and is still a number. natrium: ']' too, so "[1, 2]" is an array of
 * integers; 2.9.10 reads "2]" as the start of a string and then fails. */
static bool ends_number(int r)
{
    return is_nl(r) || r == END || r == '}' || r == ';' || r == ',' || is_ws(r) || r == ']';
}

/* The text a lex.go error shows for a rune: '\n' escaped, EOF as nothing (Go prints NUL). */
static const char *rune_text(int r, char buf[8])
{
    if (r == END) {
        buf[0] = '\0';
    } else if (r == '\n') {
        strcpy(buf, "\\n");
    } else if (r < 0x80) {
        buf[0] = (char)r;
        buf[1] = '\0';
    } else if (r < 0x800) {
        buf[0] = (char)(0xc0 | (r >> 6));
        buf[1] = (char)(0x80 | (r & 0x3f));
        buf[2] = '\0';
    } else if (r < 0x10000) {
        buf[0] = (char)(0xe0 | (r >> 12));
        buf[1] = (char)(0x80 | ((r >> 6) & 0x3f));
        buf[2] = (char)(0x80 | (r & 0x3f));
        buf[3] = '\0';
    } else {
        buf[0] = (char)(0xf0 | (r >> 18));
        buf[1] = (char)(0x80 | ((r >> 12) & 0x3f));
        buf[2] = (char)(0x80 | ((r >> 6) & 0x3f));
        buf[3] = (char)(0x80 | (r & 0x3f));
        buf[4] = '\0';
    }
    return buf;
}

/* ---------------------------------------------------------------------------------------
 * Errors, limits, nodes
 * --------------------------------------------------------------------------------------- */

static void set_err(struct parser *p, char *msg)
{
    free(p->err);
    p->err = msg;
}

/* A lexer error: "Parse error on line N: '<msg>'" (parse.go itemError). */
__attribute__((format(printf, 2, 3))) static int lex_err(struct parser *p, const char *fmt, ...)
{
    va_list ap;
    char msg[512];

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    set_err(p, conf_strfmt("Parse error on line %d: '%s'", p->line, msg));
    return P_ERR;
}

/* A parser (value) error, shown as is. */
__attribute__((format(printf, 2, 3))) static int val_err(struct parser *p, const char *fmt, ...)
{
    va_list ap, ap2;
    char *msg;
    int n;

    va_start(ap, fmt);
    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap);
    msg = xmalloc(n > 0 ? (size_t)n + 1 : 1);
    vsnprintf(msg, n > 0 ? (size_t)n + 1 : 1, fmt, ap2);
    va_end(ap2);
    va_end(ap);
    set_err(p, msg);
    return P_ERR;
}

static int enter(struct parser *p)
{
    if (p->ctx->depth >= CONF_MAX_DEPTH)
        return lex_err(p, "Nesting deeper than %d levels.", CONF_MAX_DEPTH);
    p->ctx->depth++;
    return P_OK;
}

static void leave(struct parser *p)
{
    p->ctx->depth--;
}

static int charge(struct parser *p, size_t nodes)
{
    if (nodes > CONF_MAX_NODES || p->ctx->nodes + nodes > CONF_MAX_NODES)
        return lex_err(p, "More than %d values.", CONF_MAX_NODES);
    p->ctx->nodes += nodes;
    return P_OK;
}

static int mk(struct parser *p, enum conf_type t, int line, int col, struct conf_node **out)
{
    if (charge(p, 1) != P_OK)
        return P_ERR;
    *out = conf_node_new(t, p->file, line, col);
    return P_OK;
}

static int mk_text(struct parser *p, enum conf_type t, int line, int col, const char *text,
                   size_t len, struct conf_node **out)
{
    if (mk(p, t, line, col, out) != P_OK)
        return P_ERR;
    (*out)->str = xstrndup(text, len);
    (*out)->len = len;
    return P_OK;
}

/* ---------------------------------------------------------------------------------------
 * Scalars
 * --------------------------------------------------------------------------------------- */

/* Comments run to the end of the line; the newline is left for the caller. */
static void skip_comment(struct parser *p)
{
    for (;;) {
        int r = peek(p);
        if (is_nl(r) || r == END)
            return;
        next(p);
    }
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* lexStringEscape: the '\\' is consumed; appends the decoded bytes to sb. */
static int read_escape(struct parser *p, struct sbuf *sb)
{
    char rb[8];
    int r = next(p);

    switch (r) {
    case 'x': {
        int hi, lo;
        if (is_nl(next(p)) || is_nl(next(p)))
            return lex_err(p, "Expected two hexadecimal digits after '\\x', but hit end of line");
        /* the two bytes before pos, as lex.go slices them (even when the input ended) */
        hi = hexval(p->s[p->pos - 2]);
        lo = hexval(p->s[p->pos - 1]);
        if (hi < 0 || lo < 0)
            return lex_err(p, "Expected two hexadecimal digits after '\\x', but got '%.2s'",
                           p->s + p->pos - 2);
        char byte = (char)(hi << 4 | lo);
        sb_add(sb, &byte, 1);
        return P_OK;
    }
    case 't':
        sb_add(sb, "\t", 1);
        return P_OK;
    case 'n':
        sb_add(sb, "\n", 1);
        return P_OK;
    case 'r':
        sb_add(sb, "\r", 1);
        return P_OK;
    case '"':
        sb_add(sb, "\"", 1);
        return P_OK;
    case '\\':
        sb_add(sb, "\\", 1);
        return P_OK;
    default:
        return lex_err(p,
                       "Invalid escape character '%s'. Only the following escape characters "
                       "are allowed: \\xXX, \\t, \\n, \\r, \\\", \\\\.",
                       rune_text(r, rb));
    }
}

static bool is_bool_word(const char *s, size_t n, bool *v)
{
    static const struct {
        const char *w;
        bool v;
    } words[] = {{"true", true},   {"yes", true}, {"on", true},
                 {"false", false}, {"no", false}, {"off", false}};

    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if (strlen(words[i].w) == n && strncasecmp(words[i].w, s, n) == 0) {
            *v = words[i].v;
            return true;
        }
    }
    return false;
}

static int resolve_variable(struct parser *p, const struct scope *sc, const char *name, int line,
                            int col, struct conf_node **out);

/* lexString: an unquoted string that began at offset start (line, col) and goes on from pos.
 * Becomes a bool, a $variable or a string, as lex.go decides. */
static int read_bare(struct parser *p, const struct scope *sc, size_t start, int line, int col,
                     struct conf_node **out)
{
    struct sbuf sb = {0};
    size_t seg = start, end;
    bool escaped = false, quoted_end = false;
    bool bv;
    int rc;

    for (;;) {
        int r = next(p);
        if (r == '\\') {
            sb_add(&sb, p->s + seg, p->pos - 1 - seg);
            if (read_escape(p, &sb) != P_OK) {
                free(sb.b);
                return P_ERR;
            }
            seg = p->pos;
            escaped = true;
        } else if (is_nl(r) || r == END || r == ';' || r == ',' || r == ']' || r == '}' ||
                   is_ws(r)) {
            backup(p);
            end = p->pos;
            break;
        } else if (r == '\'') {
            end = p->pos - 1;
            quoted_end = true;
            break;
        }
    }
    if (escaped) {
        sb_add(&sb, p->s + seg, end - seg);
        rc = mk(p, CONF_STRING, line, col, out);
        if (rc == P_OK) {
            (*out)->str = sb.b;
            (*out)->len = sb.n;
        } else {
            free(sb.b);
        }
        return rc;
    }
    if (!quoted_end && is_bool_word(p->s + start, end - start, &bv)) {
        rc = mk_text(p, CONF_BOOL, line, col, p->s + start, end - start, out);
        if (rc == P_OK)
            (*out)->b = bv;
        return rc;
    }
    if (!quoted_end && p->s[start] == '$') {
        char *name = xstrndup(p->s + start + 1, end - start - 1);
        rc = resolve_variable(p, sc, name, line, col, out);
        free(name);
        return rc;
    }
    return mk_text(p, CONF_STRING, line, col, p->s + start, end - start, out);
}

/* lexDubQuotedString: the opening '"' is consumed. */
static int read_dq(struct parser *p, int line, int col, struct conf_node **out)
{
    struct sbuf sb = {0};
    size_t seg = p->pos;
    int rc;

    sb_add(&sb, "", 0);
    for (;;) {
        int r = next(p);
        if (r == '\\') {
            sb_add(&sb, p->s + seg, p->pos - 1 - seg);
            if (read_escape(p, &sb) != P_OK)
                goto fail;
            seg = p->pos;
        } else if (r == '"') {
            sb_add(&sb, p->s + seg, p->pos - 1 - seg);
            break;
        } else if (r == END) {
            rc = p->pos > seg ? lex_err(p, "Unexpected EOF.") : P_EOF;
            free(sb.b);
            return rc;
        }
    }
    rc = mk(p, CONF_STRING, line, col, out);
    if (rc != P_OK)
        goto fail;
    (*out)->str = sb.b;
    (*out)->len = sb.n;
    return P_OK;
fail:
    free(sb.b);
    return P_ERR;
}

/* lexQuotedString: the opening '\'' is consumed; no escapes. */
static int read_sq(struct parser *p, int line, int col, struct conf_node **out)
{
    size_t start = p->pos;

    for (;;) {
        int r = next(p);
        if (r == '\'')
            return mk_text(p, CONF_STRING, line, col, p->s + start, p->pos - 1 - start, out);
        if (r == END)
            return p->pos > start ? lex_err(p, "Unexpected EOF.") : P_EOF;
    }
}

/* lexBlock: the '(' is consumed. The block ends at a ')' alone on its line; the value keeps
 * everything before that ')', newlines included. */
static int read_block(struct parser *p, int line, int col, struct conf_node **out)
{
    size_t start = p->pos;

    for (;;) {
        int r = next(p);
        if (r == END)
            return lex_err(p, "Unexpected EOF processing block.");
        if (r == ')' && p->pos >= 2 && p->s[p->pos - 2] == '\n') {
            int after = peek(p);
            if (after == '\n' || after == END)
                return mk_text(p, CONF_STRING, line, col, p->s + start, p->pos - 1 - start, out);
        }
    }
}

/* parse.go itemInteger: digits (and '-') then an optional size suffix. natrium: an unknown
 * suffix or an overflow when applying it is an error (2.9.10 drops the key, or wraps). */
static int int_value(struct parser *p, struct conf_node *n)
{
    static const struct {
        const char *s;
        int64_t mult;
    } suffixes[] = {
        {"", 1},
        {"k", 1000LL},
        {"kb", 1LL << 10},
        {"ki", 1LL << 10},
        {"kib", 1LL << 10},
        {"m", 1000000LL},
        {"mb", 1LL << 20},
        {"mi", 1LL << 20},
        {"mib", 1LL << 20},
        {"g", 1000000000LL},
        {"gb", 1LL << 30},
        {"gi", 1LL << 30},
        {"gib", 1LL << 30},
        {"t", 1000000000000LL},
        {"tb", 1LL << 40},
        {"ti", 1LL << 40},
        {"tib", 1LL << 40},
        {"p", 1000000000000000LL},
        {"pb", 1LL << 50},
        {"pi", 1LL << 50},
        {"pib", 1LL << 50},
        {"e", 1000000000000000000LL},
        {"eb", 1LL << 60},
        {"ei", 1LL << 60},
        {"eib", 1LL << 60},
    };
    const char *s = n->str;
    size_t digits = 0, slen;
    char num[32], suffix[8];
    long long v;
    char *endp;

    while (s[digits] && (is_digit(s[digits]) || s[digits] == '-'))
        digits++;
    if (digits == 0 || digits >= sizeof(num))
        goto range;
    memcpy(num, s, digits);
    num[digits] = '\0';
    errno = 0;
    v = strtoll(num, &endp, 10);
    if (*endp != '\0')
        return val_err(p, "expected integer, but got '%s'", s);
    if (errno == ERANGE)
        goto range;
    slen = strlen(s + digits);
    if (slen >= sizeof(suffix))
        return val_err(p, "expected integer, but got '%s'", s);
    for (size_t i = 0; i < slen && i < sizeof(suffix) - 1; i++)
        suffix[i] = (char)tolower((unsigned char)s[digits + i]);
    suffix[slen < sizeof(suffix) ? slen : sizeof(suffix) - 1] = '\0';
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        if (strcmp(suffixes[i].s, suffix) == 0) {
            int64_t m = suffixes[i].mult;
            if (v > INT64_MAX / m || v < INT64_MIN / m)
                goto range;
            n->i = (int64_t)v * m;
            return P_OK;
        }
    }
    return val_err(p, "expected integer, but got '%s'", s);
range:
    return val_err(p, "integer '%s' is out of the range", s);
}

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* parse.go itemDatetime: time.Parse("2006-01-02T15:04:05Z") range checks. */
static int datetime_value(struct parser *p, struct conf_node *n)
{
    int y, mo, d, h, mi, s;

    if (sscanf(n->str, "%4d-%2d-%2dT%2d:%2d:%2dZ", &y, &mo, &d, &h, &mi, &s) != 6 || mo < 1 ||
        mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 59)
        return val_err(p, "expected Zulu formatted DateTime, but got '%s'", n->str);
    n->i = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
    return P_OK;
}

static int finish_int(struct parser *p, size_t start, int line, int col, struct conf_node **out)
{
    if (mk_text(p, CONF_INT, line, col, p->s + start, p->pos - start, out) != P_OK)
        return P_ERR;
    if (int_value(p, *out) != P_OK) {
        conf_node_free(*out);
        *out = NULL;
        return P_ERR;
    }
    return P_OK;
}

/* lexConvenientNumber: a suffix letter is consumed. */
static int read_suffixed(struct parser *p, const struct scope *sc, size_t start, int line, int col,
                         struct conf_node **out)
{
    int r;

    do
        r = next(p);
    while (r == 'b' || r == 'B' || r == 'i' || r == 'I');
    backup(p);
    if (ends_number(r) || is_digit(r))
        return finish_int(p, start, line, col, out);
    return read_bare(p, sc, start, line, col, out);
}

/* lexFloatStart/lexFloat/lexIPAddr: the '.' is consumed. */
static int read_float(struct parser *p, size_t start, int line, int col, struct conf_node **out)
{
    char rb[8];
    int r = next(p);

    if (!is_digit(r))
        return lex_err(p, "Floats must have a digit after the '.', but got '%s' instead.",
                       rune_text(r, rb));
    do
        r = next(p);
    while (is_digit(r));
    if (r == '.') {
        do
            r = next(p);
        while (is_digit(r) || r == '.' || r == ':' || r == '-');
        backup(p);
        return mk_text(p, CONF_STRING, line, col, p->s + start, p->pos - start, out);
    }
    backup(p);
    if (mk_text(p, CONF_FLOAT, line, col, p->s + start, p->pos - start, out) != P_OK)
        return P_ERR;
    errno = 0;
    (*out)->f = strtod((*out)->str, NULL);
    if (errno == ERANGE && isinf((*out)->f)) {
        val_err(p, "float '%s' is out of the range", (*out)->str);
        conf_node_free(*out);
        *out = NULL;
        return P_ERR;
    }
    return P_OK;
}

/* lexDateAfterYear: "YYYY-" is consumed. */
static int read_datetime(struct parser *p, size_t start, int line, int col, struct conf_node **out)
{
    static const char pattern[] = "00-00T00:00:00Z";
    char rb[8];

    for (const char *f = pattern; *f; f++) {
        int r = next(p);
        if (*f == '0' && !is_digit(r))
            return lex_err(p, "Expected digit in ISO8601 datetime, but found '%s' instead.",
                           rune_text(r, rb));
        if (*f != '0' && r != *f)
            return lex_err(p, "Expected '%c' in ISO8601 datetime, but found '%s' instead.", *f,
                           rune_text(r, rb));
    }
    if (mk_text(p, CONF_DATETIME, line, col, p->s + start, p->pos - start, out) != P_OK)
        return P_ERR;
    if (datetime_value(p, *out) != P_OK) {
        conf_node_free(*out);
        *out = NULL;
        return P_ERR;
    }
    return P_OK;
}

/* lexNumberOrDateOrStringOrIP: the first digit is consumed. */
static int read_number(struct parser *p, const struct scope *sc, int line, int col,
                       struct conf_node **out)
{
    size_t start = p->pos - 1;

    for (;;) {
        int r = next(p);
        if (is_digit(r))
            continue;
        if (r == '-') {
            if (p->pos - start != 5)
                return lex_err(p, "All ISO8601 dates must be in full Zulu form.");
            return read_datetime(p, start, line, col, out);
        }
        if (r == '.')
            return read_float(p, start, line, col, out);
        if (is_suffix(r))
            return read_suffixed(p, sc, start, line, col, out);
        if (ends_number(r)) {
            backup(p);
            return finish_int(p, start, line, col, out);
        }
        /* any other rune: this was a string that starts with digits, e.g. "10s" */
        return read_bare(p, sc, start, line, col, out);
    }
}

/* lexNegNumberStart/lexNegNumber: the '-' is consumed. */
static int read_negative(struct parser *p, const struct scope *sc, int line, int col,
                         struct conf_node **out)
{
    size_t start = p->pos - 1;
    char rb[8];
    int r = next(p);

    if (!is_digit(r)) {
        if (r == '.')
            return lex_err(p, "Floats must start with a digit, not '.'.");
        return lex_err(p, "Expected a digit but got '%s'.", rune_text(r, rb));
    }
    for (;;) {
        r = next(p);
        if (is_digit(r))
            continue;
        if (r == '.')
            return read_float(p, start, line, col, out);
        if (is_suffix(r))
            return read_suffixed(p, sc, start, line, col, out);
        backup(p);
        return finish_int(p, start, line, col, out);
    }
}

/* ---------------------------------------------------------------------------------------
 * Variables and includes
 * --------------------------------------------------------------------------------------- */

/* parse.go lookupVariable: bcrypt text, then the enclosing maps, then the environment (whose
 * value is parsed as the value of a key "pk"). line/col are the reference's position. */
static int resolve_variable(struct parser *p, const struct scope *sc, const char *name, int line,
                            int col, struct conf_node **out)
{
    const char *env;

    if (strncmp(name, "2a$", 3) == 0) {
        char *text = conf_strfmt("$%s", name);
        int rc = mk_text(p, CONF_STRING, line, col, text, strlen(text), out);
        free(text);
        return rc;
    }
    for (const struct scope *s = sc; s; s = s->up) {
        struct conf_node *v = conf_map_get(s->map, name);
        if (v) {
            if (charge(p, conf_node_count(v)) != P_OK)
                return P_ERR;
            v->used = true;
            *out = conf_node_copy(v, p->file, line, col);
            (*out)->used = false; /* the copy is a new value, as a new token in parse.go */
            return P_OK;
        }
    }
    env = getenv(name);
    if (env) {
        struct conf_node *tmp;
        char *text, *why = NULL;
        int rc;

        if (p->ctx->env_depth >= CONF_MAX_ENV_DEPTH)
            return val_err(p,
                           "variable reference for '%s' on line %d could not be parsed: "
                           "environment variables nested more than %d deep",
                           name, line, CONF_MAX_ENV_DEPTH);
        if (enter(p) != P_OK)
            return P_ERR;
        p->ctx->env_depth++;
        text = conf_strfmt("pk=%s", env);
        tmp = conf_node_new(CONF_MAP, NULL, 0, 0);
        rc = parse_input(p->ctx, text, strlen(text), NULL, ".", tmp, &why);
        p->ctx->env_depth--;
        leave(p);
        free(text);
        if (rc != P_OK) {
            val_err(p, "variable reference for '%s' on line %d could not be parsed: %s", name, line,
                    why);
            free(why);
            conf_node_free(tmp);
            return P_ERR;
        }
        for (size_t i = 0; i < tmp->nentries; i++) {
            if (strcmp(tmp->entries[i].key, "pk") == 0) {
                *out = tmp->entries[i].val;
                tmp->entries[i].val = NULL;
                (*out)->file = p->file;
                (*out)->line = line;
                (*out)->col = col;
                conf_node_free(tmp);
                return P_OK;
            }
        }
        conf_node_free(tmp);
    }
    return val_err(p, "variable reference for '%s' on line %d can not be found", name, line);
}

static char *canonical_path(const char *path)
{
    char *real = realpath(path, NULL);
    if (real) {
        char *copy = xstrdup(real); /* realpath's buffer is malloc'd, not xmalloc'd */
        free(real);
        return copy;
    }
    return xstrdup(path);
}

/* Parses the file at path (display name path) into map. ctx->files is the include chain. */
static int parse_file_into(struct pctx *ctx, const char *path, struct conf_node *map, char **err)
{
    char *buf = NULL, *canon, *dir;
    size_t len;
    int rc;

    if (conf_read_file(path, &buf, &len, err) != 0)
        return P_ERR;
    canon = canonical_path(path);
    for (size_t i = 0; i < ctx->nfiles; i++) {
        if (strcmp(ctx->files[i], canon) == 0) {
            *err = conf_strfmt("include cycle: %s is already being parsed", path);
            free(canon);
            free(buf);
            return P_ERR;
        }
    }
    if (ctx->nfiles >= CONF_MAX_INCLUDE_DEPTH) {
        *err = conf_strfmt("includes nested more than %d deep", CONF_MAX_INCLUDE_DEPTH);
        free(canon);
        free(buf);
        return P_ERR;
    }
    ctx->files = xrealloc(ctx->files, (ctx->nfiles + 1) * sizeof(*ctx->files));
    ctx->files[ctx->nfiles++] = canon;
    dir = conf_path_dir(path);
    rc = parse_input(ctx, buf, len, conf_root_intern_file(ctx->root, path), dir, map, err);
    free(dir);
    free(ctx->files[--ctx->nfiles]);
    free(buf);
    return rc == P_ERR ? P_ERR : P_OK;
}

/* parse.go itemInclude: the keys of the file merge into map. */
static int do_include(struct parser *p, struct conf_node *map, const char *name)
{
    struct conf_node *sub;
    char *path, *why = NULL;
    int rc;

    if (enter(p) != P_OK)
        return P_ERR;
    path = conf_path_join(p->dir, name);
    sub = conf_node_new(CONF_MAP, NULL, 0, 0);
    rc = parse_file_into(p->ctx, path, sub, &why);
    leave(p);
    free(path);
    if (rc != P_OK) {
        val_err(p, "error parsing include file '%s', %s", name, why);
        free(why);
        conf_node_free(sub);
        return P_ERR;
    }
    for (size_t i = 0; i < sub->nentries; i++) {
        struct conf_entry *e = &sub->entries[i];
        conf_map_set(map, e->key, e->file, e->line, e->col, e->val);
        e->val = NULL;
    }
    conf_node_free(sub);
    return P_OK;
}

/* lexIncludeStart/lexInclude: after the keyword; reads the path, then includes it. */
static int read_include(struct parser *p, struct conf_node *map)
{
    size_t start;
    char *name;
    int r, rc;

    do
        r = next(p);
    while (is_ws(r));
    if (r == '\'' || r == '"') {
        int q = r;
        start = p->pos;
        do {
            r = next(p);
            if (r == END)
                return lex_err(p, q == '"' ? "Unexpected EOF in double quoted include"
                                           : "Unexpected EOF in quoted include");
        } while (r != q);
        name = xstrndup(p->s + start, p->pos - 1 - start);
    } else if (r == '[') {
        return lex_err(p, "Expected include value but found start of an array");
    } else if (r == '{') {
        return lex_err(p, "Expected include value but found start of a map");
    } else if (r == '(') {
        return lex_err(p, "Expected include value but found start of a block");
    } else if (is_digit(r) || r == '-') {
        return lex_err(p, "Expected include value but found start of a number");
    } else if (r == '\\') {
        return lex_err(p, "Expected include value but found escape sequence");
    } else if (is_nl(r)) {
        return lex_err(p, "Expected include value but found new line");
    } else {
        size_t end;
        backup(p);
        start = p->pos;
        for (;;) {
            r = next(p);
            if (is_nl(r) || r == END || r == ';' || r == '}' || is_ws(r)) {
                backup(p);
                end = p->pos;
                break;
            }
            if (r == '\'') {
                end = p->pos - 1;
                break;
            }
        }
        name = xstrndup(p->s + start, end - start);
    }
    rc = do_include(p, map, name);
    free(name);
    return rc;
}

/* ---------------------------------------------------------------------------------------
 * Keys, maps, arrays, values
 * --------------------------------------------------------------------------------------- */

/* One "key [sep] value" (or "include path") in map; the key's first rune is next. top selects
 * the top-level states (lexKey*) over the map ones (lexMapKey*). bare: the key is unquoted
 * whatever its first rune (lexMapKeyStart after a lone '/'). */
static int parse_entry(struct parser *p, struct conf_node *map, const struct scope *sc, bool top,
                       bool bare)
{
    struct conf_node *val = NULL;
    char *key;
    size_t kstart, kend;
    int kline, kcol, r, rc;

    r = peek(p);
    if (!bare && (r == '"' || r == '\'')) {
        int q = r;
        next(p);
        kstart = p->pos;
        kline = p->line;
        kcol = col_at(p, kstart);
        for (;;) {
            r = peek(p);
            if (r == q)
                break;
            if (r == END) {
                if (!top)
                    return lex_err(p, q == '"' ? "Unexpected EOF processing double quoted map key."
                                               : "Unexpected EOF processing quoted map key.");
                return p->pos > kstart ? lex_err(p, "Unexpected EOF.") : P_EOF;
            }
            next(p);
        }
        kend = p->pos;
        next(p);
    } else {
        kstart = p->pos;
        kline = p->line;
        kcol = col_at(p, kstart);
        next(p);
        for (;;) {
            r = peek(p);
            if (r == END && !top)
                return lex_err(p, "Unexpected EOF processing map key.");
            if (is_space(r)) {
                if (p->pos - kstart == 7 && strncasecmp(p->s + kstart, "include", 7) == 0)
                    return read_include(p, map);
                break;
            }
            if (is_sep(r) || r == END)
                break;
            next(p);
        }
        kend = p->pos;
    }

    /* lexKeyEnd / lexMapKeyEnd */
    for (;;) {
        r = next(p);
        if (is_space(r))
            continue;
        if (is_sep(r))
            break;
        if (r == END && top)
            return P_EOF; /* a key with no value at the end: dropped, as 2.9.10 does */
        backup(p);
        break;
    }
    if (!top) {
        /* lexMapValue */
        for (;;) {
            r = next(p);
            if (is_space(r))
                continue;
            if (r == ',')
                return lex_err(p, "Unexpected map value terminator \",\".");
            if (r == '}') {
                /* natrium: 2.9.10 files the value-less key under the wrong map */
                return lex_err(p, "Expected a value for key \"%.*s\" before '}'.",
                               (int)(kend - kstart), p->s + kstart);
            }
            backup(p);
            break;
        }
    }
    rc = parse_value(p, sc, &val);
    if (rc != P_OK)
        return rc;
    key = xstrndup(p->s + kstart, kend - kstart);
    conf_map_set(map, key, p->file, kline, kcol, val);
    free(key);
    return P_OK;
}

/* lexMapKeyStart ... lexMapEnd: the '{' is consumed. */
static int parse_map(struct parser *p, const struct scope *up, int line, int col,
                     struct conf_node **out)
{
    struct conf_node *map;
    struct scope sc;
    char rb[8];
    int r, rc = P_OK;

    if (enter(p) != P_OK)
        return P_ERR;
    if (mk(p, CONF_MAP, line, col, &map) != P_OK) {
        leave(p);
        return P_ERR;
    }
    sc.map = map;
    sc.up = up;
    for (;;) {
        bool bare = false;

        r = peek(p);
        if (is_sep(r)) {
            rc = lex_err(p, "Unexpected key separator '%s'.", rune_text(r, rb));
            break;
        }
        if (r == ']') {
            rc = lex_err(p, "Unexpected array end '%s' processing map.", rune_text(r, rb));
            break;
        }
        if (is_space(r)) {
            next(p);
            continue;
        }
        if (r == '}') {
            next(p);
            break;
        }
        if (r == '#') {
            next(p);
            skip_comment(p);
            continue;
        }
        if (r == '/') {
            next(p);
            if (next(p) == '/') {
                skip_comment(p);
                continue;
            }
            backup(p);
            bare = true;
        } else if (r == END) {
            rc = lex_err(p, "Unexpected EOF processing map.");
            break;
        }
        rc = parse_entry(p, map, &sc, false, bare);
        if (rc != P_OK)
            break;
        /* lexMapValueEnd */
        for (;;) {
            r = next(p);
            if (is_ws(r))
                continue;
            if (r == '#') {
                skip_comment(p);
                break;
            }
            if (r == '/') {
                if (next(p) == '/') {
                    skip_comment(p);
                    break;
                }
                backup(p);
                break; /* a lone '/' separates entries, as in lex.go */
            }
            if (r == ';' || r == ',' || is_nl(r))
                break;
            if (r == '}')
                goto done;
            rc = lex_err(p,
                         "Expected a map value terminator \",\" or a map terminator \"}\", but "
                         "got '%s' instead.",
                         rune_text(r, rb));
            goto done;
        }
    }
done:
    leave(p);
    if (rc != P_OK) {
        conf_node_free(map);
        return rc;
    }
    *out = map;
    return P_OK;
}

/* lexArrayValue ... lexArrayEnd: the '[' is consumed. */
static int parse_array(struct parser *p, const struct scope *sc, int line, int col,
                       struct conf_node **out)
{
    struct conf_node *arr, *v;
    char rb[8];
    int r, rc = P_OK;

    if (enter(p) != P_OK)
        return P_ERR;
    if (mk(p, CONF_ARRAY, line, col, &arr) != P_OK) {
        leave(p);
        return P_ERR;
    }
    for (;;) {
        r = next(p);
        if (is_space(r))
            continue;
        if (r == '#') {
            skip_comment(p);
            continue;
        }
        if (r == '/') {
            if (next(p) == '/') {
                skip_comment(p);
                continue;
            }
            backup(p);
            rc = lex_err(p, "Unexpected array value terminator ','.");
            break;
        }
        if (r == ',') {
            rc = lex_err(p, "Unexpected array value terminator ','.");
            break;
        }
        if (r == ']')
            break;
        backup(p);
        rc = parse_value(p, sc, &v);
        if (rc != P_OK)
            break;
        conf_array_push(arr, v);
        /* lexArrayValueEnd */
        for (;;) {
            r = next(p);
            if (is_ws(r))
                continue;
            if (r == '#') {
                skip_comment(p);
                continue;
            }
            if (r == '/') {
                if (next(p) == '/') {
                    skip_comment(p);
                    continue;
                }
                backup(p);
                break; /* a lone '/' separates values, as in lex.go */
            }
            if (r == ',' || is_nl(r))
                break;
            if (r == ']')
                goto done;
            rc = lex_err(p,
                         "Expected an array value terminator \",\" or an array terminator \"]\", "
                         "but got '%s' instead.",
                         rune_text(r, rb));
            goto done;
        }
    }
done:
    leave(p);
    if (rc != P_OK) {
        conf_node_free(arr);
        return rc;
    }
    *out = arr;
    return P_OK;
}

/* lexValue: blanks, then one value of any kind. */
static int parse_value(struct parser *p, const struct scope *sc, struct conf_node **out)
{
    size_t start;
    int line, col, r;

    do
        r = next(p);
    while (is_ws(r));
    start = p->pos - (size_t)p->width;
    line = p->line;
    col = col_at(p, start);
    switch (r) {
    case '[':
        return parse_array(p, sc, line, col + 1, out);
    case '{':
        return parse_map(p, sc, line, col + 1, out);
    case '\'':
        return read_sq(p, line, col + 1, out);
    case '"':
        return read_dq(p, line, col + 1, out);
    case '-':
        return read_negative(p, sc, line, col, out);
    case '(':
        return read_block(p, line, col + 1, out);
    case '.':
        return lex_err(p, "Floats must start with a digit");
    case '\n':
    case '\r':
        return lex_err(p, "Expected value but found new line");
    default:
        if (is_digit(r))
            return read_number(p, sc, line, col, out);
        backup(p);
        return read_bare(p, sc, p->pos, line, col, out);
    }
}

/* lexTop / lexTopValueEnd: the whole input, entries into map. */
static int parse_top(struct parser *p, struct conf_node *map, const struct scope *sc)
{
    char rb[8];
    int r, rc;

    for (;;) {
        r = next(p);
        if (is_space(r) || r == '{')
            continue;
        if (r == '#') {
            skip_comment(p);
            continue;
        }
        if (r == '/') {
            if (next(p) == '/') {
                skip_comment(p);
                continue;
            }
            backup(p);
            return lex_err(p, "Unexpected EOF.");
        }
        if (r == END)
            return P_OK;
        backup(p);
        if (r == '=' || r == ':')
            return lex_err(p, "Unexpected key separator '%s'", rune_text(r, rb));
        rc = parse_entry(p, map, sc, true, false);
        if (rc == P_EOF)
            return P_OK;
        if (rc != P_OK)
            return rc;
        for (;;) {
            r = next(p);
            if (r == '#') {
                skip_comment(p);
                break;
            }
            if (r == '/') {
                if (next(p) == '/') {
                    skip_comment(p);
                    break;
                }
                backup(p);
                continue; /* a lone '/' counts as blank here, as in lex.go */
            }
            if (is_ws(r))
                continue;
            if (is_nl(r) || r == END || r == ';' || r == ',' || r == '}')
                break;
            return lex_err(p,
                           "Expected a top-level value to end with a new line, comment or EOF, "
                           "but got '%s' instead.",
                           rune_text(r, rb));
        }
    }
}

/* Parses text as a whole document into map. file: interned display name or NULL; dir: base of
 * include paths. On P_ERR, *err is a new string. P_EOF (a quiet end) counts as success. */
static int parse_input(struct pctx *ctx, const char *text, size_t len, const char *file,
                       const char *dir, struct conf_node *map, char **err)
{
    struct parser p = {0};
    struct scope sc = {map, NULL};
    const char *nul = memchr(text, '\0', len);
    int rc;

    p.ctx = ctx;
    p.s = text;
    p.n = len;
    p.line = 1;
    p.file = file;
    p.dir = xstrdup(dir);
    if (nul) {
        /* natrium: lex.go reads a NUL byte as end of input; refuse it instead */
        for (const char *c = text; c < nul; c++)
            p.line += *c == '\n';
        rc = lex_err(&p, "Unexpected NUL byte.");
    } else {
        rc = parse_top(&p, map, &sc);
    }
    free(p.dir);
    if (rc == P_ERR) {
        *err = p.err ? p.err : xstrdup("parse error");
        return P_ERR;
    }
    free(p.err);
    return P_OK;
}

static void copy_err(char *err, size_t errlen, const char *msg)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", msg);
}

static void ctx_release(struct pctx *ctx)
{
    for (size_t i = 0; i < ctx->nfiles; i++)
        free(ctx->files[i]);
    free(ctx->files);
}

int conf_parse_string(const char *text, size_t len, const char *name, struct conf_node **out,
                      char *err, size_t errlen)
{
    struct pctx ctx = {0};
    struct conf_node *root = conf_node_new(CONF_MAP, NULL, 1, 0);
    char *dir = name ? conf_path_dir(name) : xstrdup(".");
    char *why = NULL;
    int rc;

    ctx.root = root;
    ctx.nodes = 1;
    if (len > CONF_MAX_FILE_SIZE) {
        why = conf_strfmt("configuration larger than %d bytes", CONF_MAX_FILE_SIZE);
        rc = P_ERR;
    } else {
        rc = parse_input(&ctx, text, len, name ? conf_root_intern_file(root, name) : NULL, dir,
                         root, &why);
    }
    free(dir);
    ctx_release(&ctx);
    if (rc != P_OK) {
        copy_err(err, errlen, why);
        free(why);
        conf_free(root);
        *out = NULL;
        return -1;
    }
    *out = root;
    return 0;
}

int conf_parse_file(const char *path, struct conf_node **out, char *err, size_t errlen)
{
    struct pctx ctx = {0};
    struct conf_node *root = conf_node_new(CONF_MAP, NULL, 1, 0);
    char *why = NULL;
    int rc;

    ctx.root = root;
    ctx.nodes = 1;
    rc = parse_file_into(&ctx, path, root, &why);
    ctx_release(&ctx);
    if (rc != P_OK) {
        copy_err(err, errlen, why);
        free(why);
        conf_free(root);
        *out = NULL;
        return -1;
    }
    root->file = conf_root_intern_file(root, path);
    *out = root;
    return 0;
}
