/* Unit tests of the configuration parser (src/conf): every construct of the format, positions,
 * variables, environment values, includes and their cycles, nesting limits, and the error
 * texts, checked against what nats-server 2.9.10 prints for the same input (`nats-server -c
 * f.conf -t`). No network. Files go to a fresh directory under /tmp, removed after each test. */
#include "conf/conf.h"

#include "test.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- helpers ---- */

static char errbuf[4096];

static struct conf_node *parse_ok_at(const char *file, int line, const char *text)
{
    struct conf_node *root = NULL;

    if (conf_parse_string(text, strlen(text), "t.conf", &root, errbuf, sizeof(errbuf)) != 0)
        test_fail(file, line, "parse failed: %s\n  input: %s", errbuf, text);
    return root;
}
#define parse_ok(text) parse_ok_at(__FILE__, __LINE__, (text))

/* Parses text and returns the error (static buffer); fails the test if it parsed. */
static const char *parse_err_at(const char *file, int line, const char *text)
{
    struct conf_node *root = NULL;

    if (conf_parse_string(text, strlen(text), "t.conf", &root, errbuf, sizeof(errbuf)) == 0) {
        conf_free(root);
        test_fail(file, line, "expected an error for: %s", text);
    }
    ASSERT(root == NULL);
    return errbuf;
}
#define parse_err(text) parse_err_at(__FILE__, __LINE__, (text))

static const struct conf_node *get(const struct conf_node *m, const char *k)
{
    const struct conf_node *v = conf_map_get(m, k);
    if (!v)
        test_fail(__FILE__, __LINE__, "key %s missing", k);
    return v;
}

static int rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void rm_tree(void *dir)
{
    nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

/* A new empty directory, removed after the test. */
static const char *tmpdir(void)
{
    char *d = strdup("/tmp/natrium-conf-XXXXXX");
    ASSERT(d && mkdtemp(d));
    test_on_cleanup(rm_tree, d);
    return d;
}

/* Writes dir/name (creating subdirectories one level deep) and returns the path (static). */
static const char *wfile(const char *dir, const char *name, const char *text)
{
    static char path[4][512];
    static int slot;
    char *p = path[slot++ % 4];
    FILE *f;

    snprintf(p, 512, "%s/%s", dir, name);
    char *slash = strrchr(p, '/');
    *slash = '\0';
    mkdir(p, 0700);
    *slash = '/';
    f = fopen(p, "w");
    ASSERT(f);
    fputs(text, f);
    fclose(f);
    return p;
}

/* ---- separators, comments, layout ---- */

TEST(conf_key_value_separators)
{
    struct conf_node *r = parse_ok("a = 1\nb: 2\nc 3\nd=4;e:5,f 6\n\"g\" = 7\n'h' 8\n");
    const char *keys[] = {"a", "b", "c", "d", "e", "f", "g", "h"};

    ASSERT_EQ(r->nentries, 8);
    for (int i = 0; i < 8; i++) {
        ASSERT_STR_EQ(r->entries[i].key, keys[i]);
        ASSERT_EQ(r->entries[i].val->type, CONF_INT);
        ASSERT_EQ(r->entries[i].val->i, i + 1);
    }
    conf_free(r);
}

TEST(conf_key_on_next_line_takes_value)
{
    /* lexKeyEnd skips newlines when there is no separator */
    struct conf_node *r = parse_ok("port\n4222\n");
    ASSERT_EQ(get(r, "port")->i, 4222);
    conf_free(r);
}

TEST(conf_comments)
{
    struct conf_node *r = parse_ok("# hash\n// slashes\na = 1 # trailing\nb = 2 // trailing\n"
                                   "c = [1, # in array\n 2 // too\n]\n"
                                   "d { # in map\n e = 1 // x\n}\nf = a#b\n");
    ASSERT_EQ(r->nentries, 5);
    ASSERT_EQ(get(r, "c")->nitems, 2);
    ASSERT_EQ(get(get(r, "d"), "e")->i, 1);
    ASSERT_STR_EQ(get(r, "f")->str, "a#b"); /* '#' inside a bare string is text */
    conf_free(r);
}

TEST(conf_lone_slash_quirks)
{
    /* after a top-level value a lone '/' is blank; in maps and arrays it separates */
    struct conf_node *r = parse_ok("a = 1 / \nb { c = 1 /d = 2 }\ne = [1 / 2 ]\n");
    ASSERT_EQ(get(get(r, "b"), "d")->i, 2);
    ASSERT_EQ(get(r, "e")->nitems, 2);
    conf_free(r);
    ASSERT_STR_EQ(parse_err("/x = 1\n"), "Parse error on line 1: 'Unexpected EOF.'");
    ASSERT_STR_EQ(parse_err("port: 4222 / x\n"),
                  "Parse error on line 1: 'Expected a top-level value to end with a new line, "
                  "comment or EOF, but got 'x' instead.'");
}

TEST(conf_top_level_braces_and_crlf)
{
    struct conf_node *r = parse_ok("{\r\n  port: 4222\r\n  debug: true\r\n}\r\n");
    ASSERT_EQ(get(r, "port")->i, 4222);
    ASSERT_EQ(get(r, "debug")->b, true);
    conf_free(r);
}

TEST(conf_empty_and_blank_inputs)
{
    struct conf_node *r = parse_ok("");
    ASSERT_EQ(r->type, CONF_MAP);
    ASSERT_EQ(r->nentries, 0);
    conf_free(r);
    r = parse_ok("  \n\t\n# only a comment");
    ASSERT_EQ(r->nentries, 0);
    conf_free(r);
}

TEST(conf_dangling_top_level_key_is_dropped)
{
    /* 2.9.10 accepts "port" alone at the end of a file and ignores it */
    struct conf_node *r = parse_ok("debug: true\nport\n");
    ASSERT_EQ(r->nentries, 1);
    conf_free(r);
    r = parse_ok("port:");
    ASSERT_EQ(get(r, "port")->type, CONF_STRING); /* an empty bare string */
    ASSERT_STR_EQ(get(r, "port")->str, "");
    conf_free(r);
}

/* ---- strings ---- */

TEST(conf_bare_strings)
{
    struct conf_node *r = parse_ok("a = hello\nb = nats://h:4222/x?y=z\nc = a{b}\n");
    ASSERT_STR_EQ(get(r, "a")->str, "hello");
    ASSERT_STR_EQ(get(r, "b")->str, "nats://h:4222/x?y=z");
    ASSERT_STR_EQ(get(r, "c")->str, "a{b"); /* '}' ends a bare string (and a top value) */
    conf_free(r);
    ASSERT_STR_EQ(parse_err("d = x'y'\n"),
                  "Parse error on line 1: 'Expected a top-level value to end with a new line, "
                  "comment or EOF, but got 'y' instead.'");
}

TEST(conf_bare_string_ends_at_quote)
{
    struct conf_node *r = parse_ok("a = abc'\nb = true'\n");
    ASSERT_STR_EQ(get(r, "a")->str, "abc");
    ASSERT_EQ(get(r, "b")->type, CONF_STRING); /* quote-terminated: never a bool */
    conf_free(r);
}

TEST(conf_double_quoted_escapes)
{
    struct conf_node *r =
        parse_ok("a = \"t\\tn\\nr\\rq\\\"b\\\\x\\x41\\x00z\"\nb = \"multi\nline\"\nc = \"\"\n");
    const struct conf_node *a = get(r, "a");

    ASSERT_EQ(a->len, 14);
    ASSERT(memcmp(a->str, "t\tn\nr\rq\"b\\xA\0z", 14) == 0);
    ASSERT_STR_EQ(get(r, "b")->str, "multi\nline");
    ASSERT_STR_EQ(get(r, "c")->str, "");
    conf_free(r);
}

TEST(conf_escapes_in_bare_strings)
{
    struct conf_node *r = parse_ok("a = x\\ty\nb = $\\x41\n");
    ASSERT_STR_EQ(get(r, "a")->str, "x\ty");
    ASSERT_STR_EQ(get(r, "b")->str, "$A"); /* escaped: a string, not a variable */
    conf_free(r);
}

TEST(conf_single_quoted_no_escapes)
{
    struct conf_node *r = parse_ok("a = 'x\\ty \"q\"'\nb = 'true'\nc = '$NOPE'\nd = '123'\n");
    ASSERT_STR_EQ(get(r, "a")->str, "x\\ty \"q\"");
    ASSERT_EQ(get(r, "b")->type, CONF_STRING);
    ASSERT_STR_EQ(get(r, "c")->str, "$NOPE");
    ASSERT_EQ(get(r, "d")->type, CONF_STRING);
    conf_free(r);
}

TEST(conf_block_strings)
{
    struct conf_node *r = parse_ok("a = (\nline one\n  (two)\n)\nb = 1\n");
    ASSERT_STR_EQ(get(r, "a")->str, "\nline one\n  (two)\n");
    ASSERT_EQ(get(r, "b")->i, 1);
    conf_free(r);
    ASSERT_STR_EQ(parse_err("a = (abc)\n"),
                  "Parse error on line 2: 'Unexpected EOF processing block.'");
}

TEST(conf_string_errors)
{
    ASSERT_STR_EQ(parse_err("port = \"abc\n"), "Parse error on line 2: 'Unexpected EOF.'");
    ASSERT_STR_EQ(parse_err("port = 'abc\n"), "Parse error on line 2: 'Unexpected EOF.'");
    ASSERT_STR_EQ(parse_err("a = 'x"), "Parse error on line 1: 'Unexpected EOF.'");
    ASSERT_STR_EQ(parse_err("a = \"x\\q\"\n"),
                  "Parse error on line 1: 'Invalid escape character 'q'. Only the following "
                  "escape characters are allowed: \\xXX, \\t, \\n, \\r, \\\", \\\\.'");
    ASSERT_STR_EQ(parse_err("a = \"x\\x4\"\n"),
                  "Parse error on line 1: 'Expected two hexadecimal digits after '\\x', but got "
                  "'4\"''");
    ASSERT_STR_EQ(parse_err("a = \"x\\xzz\"\n"),
                  "Parse error on line 1: 'Expected two hexadecimal digits after '\\x', but got "
                  "'zz''");
    ASSERT_STR_EQ(parse_err("a = \"\\x\n1\"\n"),
                  "Parse error on line 2: 'Expected two hexadecimal digits after '\\x', but hit "
                  "end of line'");
    ASSERT_STR_EQ(parse_err("a = \"\\x"),
                  "Parse error on line 1: 'Expected two hexadecimal digits after '\\x', but got "
                  "'\\x''");
}

TEST(conf_unterminated_empty_quote_ends_quietly)
{
    /* lex.go emits EOF for an empty unterminated quoted string: the file ends there */
    struct conf_node *r = parse_ok("a = 1\nb = \"");
    ASSERT_EQ(r->nentries, 1);
    conf_free(r);
    r = parse_ok("a = 1\nm { x = 1, y = '");
    ASSERT_EQ(r->nentries, 1); /* the unfinished map is dropped */
    conf_free(r);
}

/* ---- numbers, booleans, dates ---- */

TEST(conf_integer_suffixes)
{
    static const struct {
        const char *text;
        long long want;
    } cases[] = {
        {"0", 0},
        {"007", 7},
        {"-12", -12},
        {"1k", 1000},
        {"1K", 1000},
        {"1kb", 1024},
        {"1Ki", 1024},
        {"1KiB", 1024},
        {"1m", 1000000},
        {"2MB", 2097152},
        {"2mi", 2097152},
        {"2mib", 2097152},
        {"3g", 3000000000LL},
        {"3gb", 3LL << 30},
        {"1t", 1000000000000LL},
        {"1tb", 1LL << 40},
        {"1p", 1000000000000000LL},
        {"1pib", 1LL << 50},
        {"1e", 1000000000000000000LL},
        {"7eb", 7LL << 60},
        {"-2k", -2000},
        {"-1mb", -(1LL << 20)},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[64];
        struct conf_node *r;

        snprintf(text, sizeof(text), "v = %s\n", cases[i].text);
        r = parse_ok(text);
        ASSERT_EQ(get(r, "v")->type, CONF_INT);
        ASSERT_EQ(get(r, "v")->i, cases[i].want);
        ASSERT_STR_EQ(get(r, "v")->str, cases[i].text); /* raw text kept */
        conf_free(r);
    }
}

TEST(conf_integer_errors)
{
    ASSERT_STR_EQ(parse_err("a = 99999999999999999999\n"),
                  "integer '99999999999999999999' is out of the range");
    ASSERT_STR_EQ(parse_err("a = -99999999999999999999\n"),
                  "integer '-99999999999999999999' is out of the range");
    /* natrium: an overflowing suffix or an unknown one is an error (2.9.10 wraps or drops) */
    ASSERT_STR_EQ(parse_err("a = 9999999999999E\n"),
                  "integer '9999999999999E' is out of the range");
    ASSERT_STR_EQ(parse_err("a = 8eb\n"), "integer '8eb' is out of the range");
    ASSERT_STR_EQ(parse_err("a = 1kbb\n"), "expected integer, but got '1kbb'");
    ASSERT_STR_EQ(parse_err("a = 123-1\n"),
                  "Parse error on line 1: 'All ISO8601 dates must be in full Zulu form.'");
    ASSERT_STR_EQ(parse_err("a = -x\n"), "Parse error on line 1: 'Expected a digit but got 'x'.'");
    ASSERT_STR_EQ(parse_err("a = -.5\n"),
                  "Parse error on line 1: 'Floats must start with a digit, not '.'.'");
}

TEST(conf_numbers_that_are_strings)
{
    struct conf_node *r =
        parse_ok("a = 10s\nb = 1x\nc = 1kx\nd = 127.0.0.1:4222\ne = 1.2.3.4\nf = 1h30m\n");
    ASSERT_STR_EQ(get(r, "a")->str, "10s");
    ASSERT_STR_EQ(get(r, "b")->str, "1x");
    ASSERT_STR_EQ(get(r, "c")->str, "1kx");
    ASSERT_STR_EQ(get(r, "d")->str, "127.0.0.1:4222");
    ASSERT_STR_EQ(get(r, "e")->str, "1.2.3.4");
    ASSERT_STR_EQ(get(r, "f")->str, "1h30m");
    conf_free(r);
    /* a size suffix followed by a digit ends the number, as in lex.go: quote such durations */
    ASSERT_STR_EQ(parse_err("f = 2m30s\n"),
                  "Parse error on line 1: 'Expected a top-level value to end with a new line, "
                  "comment or EOF, but got '3' instead.'");
    r = parse_ok("a = 2m\n"); /* a size, not a duration: 2,000,000 */
    ASSERT_EQ(get(r, "a")->type, CONF_INT);
    ASSERT_EQ(get(r, "a")->i, 2000000);
    conf_free(r);
}

TEST(conf_floats)
{
    struct conf_node *r = parse_ok("a = 1.5\nb = -0.25\nc = 10.0\n");
    ASSERT_EQ(get(r, "a")->type, CONF_FLOAT);
    ASSERT(get(r, "a")->f == 1.5);
    ASSERT(get(r, "b")->f == -0.25);
    ASSERT_STR_EQ(get(r, "c")->str, "10.0");
    conf_free(r);
    ASSERT_STR_EQ(parse_err("a = .5\n"), "Parse error on line 1: 'Floats must start with a digit'");
    ASSERT_STR_EQ(parse_err("a = 1.x\n"),
                  "Parse error on line 1: 'Floats must have a digit after the '.', but got 'x' "
                  "instead.'");
}

TEST(conf_booleans)
{
    struct conf_node *r = parse_ok("a = true\nb = YES\nc = On\nd = false\ne = no\nf = OFF\n"
                                   "g = \"true\"\nh = truex\n");
    ASSERT_EQ(get(r, "a")->b, true);
    ASSERT_EQ(get(r, "b")->b, true);
    ASSERT_EQ(get(r, "c")->b, true);
    ASSERT_EQ(get(r, "d")->b, false);
    ASSERT_EQ(get(r, "e")->b, false);
    ASSERT_EQ(get(r, "f")->type, CONF_BOOL);
    ASSERT_EQ(get(r, "f")->b, false);
    ASSERT_EQ(get(r, "g")->type, CONF_STRING);
    ASSERT_EQ(get(r, "h")->type, CONF_STRING);
    conf_free(r);
}

TEST(conf_datetimes)
{
    struct conf_node *r = parse_ok("a = 2020-01-02T03:04:05Z\nb = 1970-01-01T00:00:00Z\n"
                                   "c = 2024-02-29T23:59:59Z\n");
    ASSERT_EQ(get(r, "a")->type, CONF_DATETIME);
    ASSERT_EQ(get(r, "a")->i, 1577934245);
    ASSERT_EQ(get(r, "b")->i, 0);
    ASSERT_STR_EQ(get(r, "c")->str, "2024-02-29T23:59:59Z");
    conf_free(r);
    ASSERT_STR_EQ(parse_err("a = 2020-01-01\n"),
                  "Parse error on line 2: 'Expected 'T' in ISO8601 datetime, but found '\\n' "
                  "instead.'");
    ASSERT_STR_EQ(parse_err("a = 2020-01-01T00:00:0xZ\n"),
                  "Parse error on line 1: 'Expected digit in ISO8601 datetime, but found 'x' "
                  "instead.'");
    ASSERT_STR_EQ(parse_err("a = 2020-13-01T00:00:00Z\n"),
                  "expected Zulu formatted DateTime, but got '2020-13-01T00:00:00Z'");
    ASSERT_STR_EQ(parse_err("a = 2023-02-29T00:00:00Z\n"),
                  "expected Zulu formatted DateTime, but got '2023-02-29T00:00:00Z'");
}

/* ---- arrays and maps ---- */

TEST(conf_arrays)
{
    struct conf_node *r = parse_ok("a = [1, \"two\", 3.0, [4, 5], {six: 6},]\n"
                                   "b = [\n  x\n  y, z\n]\nc = []\nd = [1, 2]\n");
    const struct conf_node *a = get(r, "a");

    ASSERT_EQ(a->type, CONF_ARRAY);
    ASSERT_EQ(a->nitems, 5);
    ASSERT_EQ(a->items[0]->i, 1);
    ASSERT_STR_EQ(a->items[1]->str, "two");
    ASSERT_EQ(a->items[3]->nitems, 2);
    ASSERT_EQ(get(a->items[4], "six")->i, 6);
    ASSERT_EQ(get(r, "b")->nitems, 3);
    ASSERT_EQ(get(r, "c")->nitems, 0);
    /* natrium: "2]" is the integer 2 (2.9.10 fails on "[1, 2]" without a space) */
    ASSERT_EQ(get(r, "d")->items[1]->type, CONF_INT);
    conf_free(r);
}

TEST(conf_array_errors)
{
    ASSERT_STR_EQ(parse_err("a = [1,2\n"),
                  "Parse error on line 2: 'Expected an array value terminator \",\" or an array "
                  "terminator \"]\", but got '' instead.'");
    ASSERT_STR_EQ(parse_err("a = [ , ]\n"),
                  "Parse error on line 1: 'Unexpected array value terminator ','.'");
    ASSERT_STR_EQ(parse_err("a = [1, /2]\n"),
                  "Parse error on line 1: 'Unexpected array value terminator ','.'");
    ASSERT_STR_EQ(parse_err("a = [1 x]\n"),
                  "Parse error on line 1: 'Expected an array value terminator \",\" or an array "
                  "terminator \"]\", but got 'x' instead.'");
}

TEST(conf_maps)
{
    struct conf_node *r =
        parse_ok("auth {\n  user: a\n  pass = b; token c, n { deep: true }\n}\nx: {y: 1}\n"
                 "z {\n a =\n  1\n}\n");
    const struct conf_node *a = get(r, "auth");

    ASSERT_EQ(a->type, CONF_MAP);
    ASSERT_EQ(a->nentries, 4);
    ASSERT_STR_EQ(a->entries[0].key, "user");
    ASSERT_STR_EQ(a->entries[3].key, "n");
    ASSERT_EQ(get(get(a, "n"), "deep")->b, true);
    ASSERT_EQ(get(get(r, "x"), "y")->i, 1);
    ASSERT_EQ(get(get(r, "z"), "a")->i, 1); /* in maps a value may follow on the next line */
    conf_free(r);
}

TEST(conf_map_errors)
{
    ASSERT_STR_EQ(parse_err("a { b = 1\n"),
                  "Parse error on line 2: 'Unexpected EOF processing map.'");
    ASSERT_STR_EQ(parse_err("a { b = 1 ]\n"),
                  "Parse error on line 1: 'Expected a map value terminator \",\" or a map "
                  "terminator \"}\", but got ']' instead.'");
    ASSERT_STR_EQ(parse_err("a { = 1 }\n"),
                  "Parse error on line 1: 'Unexpected key separator '='.'");
    ASSERT_STR_EQ(parse_err("a { ] }\n"),
                  "Parse error on line 1: 'Unexpected array end ']' processing map.'");
    ASSERT_STR_EQ(parse_err("a { b = , }\n"),
                  "Parse error on line 1: 'Unexpected map value terminator \",\".'");
    ASSERT_STR_EQ(parse_err("a { b"),
                  "Parse error on line 1: 'Unexpected EOF processing map key.'");
    ASSERT_STR_EQ(parse_err("a { \"b"),
                  "Parse error on line 1: 'Unexpected EOF processing double quoted map key.'");
    ASSERT_STR_EQ(parse_err("a { 'b"),
                  "Parse error on line 1: 'Unexpected EOF processing quoted map key.'");
    ASSERT_STR_EQ(parse_err("a { b }\n"),
                  "Parse error on line 1: 'Expected a value for key \"b\" before '}'.'");
    ASSERT_STR_EQ(parse_err("= 1\n"), "Parse error on line 1: 'Unexpected key separator '=''");
    ASSERT_STR_EQ(parse_err("port: 4222 4223\n"),
                  "Parse error on line 1: 'Expected a top-level value to end with a new line, "
                  "comment or EOF, but got '4' instead.'");
    ASSERT_STR_EQ(parse_err("port:\n"),
                  "Parse error on line 2: 'Expected value but found new line'");
}

TEST(conf_repeated_key_keeps_last_value)
{
    struct conf_node *r = parse_ok("a = 1\nb = 2\na = 3\n");
    ASSERT_EQ(r->nentries, 2);
    ASSERT_STR_EQ(r->entries[0].key, "a");
    ASSERT_EQ(r->entries[0].val->i, 3);
    ASSERT_EQ(r->entries[0].line, 3);
    conf_free(r);
}

TEST(conf_lookup_helpers)
{
    struct conf_node *r = parse_ok("Max_Payload = 1\nport = 2\n");
    const struct conf_entry *e = conf_map_find_ci(r, "max_payload");

    ASSERT(e != NULL);
    ASSERT_STR_EQ(e->key, "Max_Payload");
    ASSERT(conf_map_get(r, "max_payload") == NULL); /* exact lookup is case-sensitive */
    ASSERT(conf_map_find_ci(r, "nope") == NULL);
    ASSERT_STR_EQ(conf_type_name(CONF_ARRAY), "array");
    ASSERT_EQ(conf_node_line(get(r, "port")), 2);
    ASSERT_STR_EQ(conf_node_file(get(r, "port")), "t.conf");
    conf_free(r);
}

/* ---- positions ---- */

TEST(conf_positions_follow_the_reference)
{
    /* lex.go columns: 0-based on line 1, 1-based after (the offset from the previous '\n') */
    struct conf_node *r =
        parse_ok("port: 1\n   x: 2\n\"q\" = 3\nauth { user: a, pass: b, foo: 1 }\n");

    ASSERT_EQ(r->entries[0].line, 1);
    ASSERT_EQ(r->entries[0].col, 0);
    ASSERT_EQ(r->entries[1].line, 2);
    ASSERT_EQ(r->entries[1].col, 4);
    ASSERT_EQ(r->entries[2].col, 2); /* after the quote */
    ASSERT_EQ(get(r, "auth")->entries[2].line, 4);
    ASSERT_EQ(get(r, "auth")->entries[2].col, 26);
    ASSERT_STR_EQ(r->entries[0].file, "t.conf");
    ASSERT_EQ(get(r, "port")->line, 1);
    ASSERT_EQ(get(r, "port")->col, 6);
    conf_free(r);
}

/* ---- variables ---- */

TEST(conf_variables)
{
    struct conf_node *r = parse_ok("PORT = 4222\nport: $PORT\nm { inner = $PORT, x = 1, y = $x }\n"
                                   "arr = [$PORT, $PORT]\nunused = 1\n");
    ASSERT_EQ(get(r, "port")->i, 4222);
    ASSERT_EQ(get(get(r, "m"), "inner")->i, 4222);
    ASSERT_EQ(get(get(r, "m"), "y")->i, 1);
    ASSERT_EQ(get(r, "arr")->items[1]->i, 4222);
    ASSERT(get(r, "PORT")->used);
    ASSERT(get(get(r, "m"), "x")->used);
    ASSERT(!get(r, "port")->used); /* the copy is a new value */
    ASSERT(!get(r, "unused")->used);
    conf_free(r);
}

TEST(conf_variable_copies_maps)
{
    struct conf_node *r = parse_ok("base { a = [1, 2], b = { c = 3 } }\nx = $base\ny = $base\n");
    ASSERT(get(r, "x") != get(r, "y"));
    ASSERT_EQ(get(get(get(r, "y"), "b"), "c")->i, 3);
    conf_free(r);
}

TEST(conf_variable_scoping)
{
    /* inner maps see outer keys; outer scopes do not see inner keys; order matters */
    ASSERT_STR_EQ(parse_err("a { x = 1 }\nport: $x\n"),
                  "variable reference for 'x' on line 2 can not be found");
    ASSERT_STR_EQ(parse_err("port: $x\nx = 4222\n"),
                  "variable reference for 'x' on line 1 can not be found");
    ASSERT_STR_EQ(parse_err("x = 1\n\n\nport: $X\n"),
                  "variable reference for 'X' on line 4 can not be found");
    ASSERT_STR_EQ(parse_err("port: $\n"), "variable reference for '' on line 1 can not be found");
}

TEST(conf_variable_bcrypt_is_text)
{
    struct conf_node *r = parse_ok("pass = $2a$11$abcdefg\n");
    ASSERT_STR_EQ(get(r, "pass")->str, "$2a$11$abcdefg");
    conf_free(r);
    ASSERT_STR_EQ(parse_err("pass = $2b$11$abc\n"),
                  "variable reference for '2b$11$abc' on line 1 can not be found");
}

TEST(conf_variable_from_environment)
{
    struct conf_node *r;

    setenv("NS_CONF_T_INT", "4222", 1);
    setenv("NS_CONF_T_STR", "\"quoted\"", 1);
    setenv("NS_CONF_T_MAP", "{ a: 1, b: [x, y] }", 1);
    setenv("NS_CONF_T_SIZE", "2MB", 1);
    setenv("NS_CONF_T_REF", "$NS_CONF_T_INT", 1);
    setenv("NS_CONF_T_EMPTY", "", 1);
    r = parse_ok("a = $NS_CONF_T_INT\nb = $NS_CONF_T_STR\nc = $NS_CONF_T_MAP\n"
                 "d = $NS_CONF_T_SIZE\ne = $NS_CONF_T_REF\nf = $NS_CONF_T_EMPTY\n");
    ASSERT_EQ(get(r, "a")->type, CONF_INT);
    ASSERT_EQ(get(r, "a")->i, 4222);
    ASSERT_STR_EQ(get(r, "b")->str, "quoted");
    ASSERT_EQ(get(get(r, "c"), "b")->nitems, 2);
    ASSERT_EQ(get(r, "d")->i, 2097152);
    ASSERT_EQ(get(r, "e")->i, 4222);
    ASSERT_STR_EQ(get(r, "f")->str, "");
    ASSERT_EQ(get(r, "a")->line, 1);
    ASSERT_STR_EQ(conf_node_file(get(r, "a")), "t.conf");
    conf_free(r);

    /* a config key shadows the environment */
    r = parse_ok("NS_CONF_T_INT = 1\na = $NS_CONF_T_INT\n");
    ASSERT_EQ(get(r, "a")->i, 1);
    conf_free(r);
}

TEST(conf_variable_environment_errors)
{
    setenv("NS_CONF_T_BAD", "hello world", 1);
    ASSERT_STR_EQ(parse_err("server_name: $NS_CONF_T_BAD\n"),
                  "variable reference for 'NS_CONF_T_BAD' on line 1 could not be parsed: Parse "
                  "error on line 1: 'Expected a top-level value to end with a new line, comment "
                  "or EOF, but got 'w' instead.'");
    /* 2.9.10 overflows its stack on this; natrium stops at CONF_MAX_ENV_DEPTH */
    setenv("NS_CONF_T_SELF", "$NS_CONF_T_SELF", 1);
    ASSERT_MATCH(parse_err("a = $NS_CONF_T_SELF\n"),
                 "^variable reference for 'NS_CONF_T_SELF' on line 1 could not be parsed: .*"
                 "environment variables nested more than 8 deep$");
    unsetenv("NS_CONF_T_NOPE");
    ASSERT_STR_EQ(parse_err("a = $NS_CONF_T_NOPE\n"),
                  "variable reference for 'NS_CONF_T_NOPE' on line 1 can not be found");
}

TEST(conf_variable_expansion_is_bounded)
{
    /* each level doubles: 2^30 copies would not fit; the node budget stops it */
    char text[4096];
    size_t n = 0;

    n += (size_t)snprintf(text + n, sizeof(text) - n, "v0 = [1, 2]\n");
    for (int i = 1; i <= 30; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "v%d = [$v%d, $v%d]\n", i, i - 1, i - 1);
    ASSERT_MATCH(parse_err(text), "^Parse error on line [0-9]+: 'More than 1000000 values.'$");
}

/* ---- includes ---- */

TEST(conf_include_merges_into_current_map)
{
    const char *d = tmpdir();
    struct conf_node *r;
    const char *main_path;

    wfile(d, "sub/inc.conf", "debug: true\nport: 4223\n");
    wfile(d, "sub/auth.conf", "user: a\npass: b\n");
    wfile(d, "sub/q.conf", "q = 1\n");
    main_path = wfile(d, "main.conf",
                      "port: 4222\ninclude ./sub/inc.conf\nauthorization {\n  include "
                      "\"sub/auth.conf\"\n}\nINCLUDE 'sub/q.conf'\nafter = $q\n");
    ASSERT_OK(conf_parse_file(main_path, &r, errbuf, sizeof(errbuf)));
    ASSERT_EQ(get(r, "port")->i, 4223); /* the include came later */
    ASSERT_EQ(get(r, "debug")->b, true);
    ASSERT_STR_EQ(get(get(r, "authorization"), "user")->str, "a");
    ASSERT_EQ(get(r, "after")->i, 1); /* included keys are variables too */
    ASSERT_MATCH(conf_map_find_ci(r, "debug")->file, "/sub/inc.conf$");
    ASSERT_EQ(conf_map_find_ci(r, "debug")->line, 1);
    ASSERT_EQ(conf_map_find_ci(get(r, "authorization"), "pass")->line, 2);
    conf_free(r);
}

TEST(conf_include_errors)
{
    const char *d = tmpdir();
    const char *p;
    char want[1024];

    wfile(d, "bad.conf", "port: 4222\nx = [\n");
    p = wfile(d, "main.conf", "include bad.conf\n");
    ASSERT_EQ(conf_parse_file(p, &(struct conf_node *){NULL}, errbuf, sizeof(errbuf)), -1);
    ASSERT_STR_EQ(errbuf, "error parsing include file 'bad.conf', Parse error on line 3: 'Expected "
                          "an array value terminator \",\" or an array terminator \"]\", but got "
                          "'' instead.'");

    p = wfile(d, "main.conf", "include nope.conf\n");
    ASSERT_EQ(conf_parse_file(p, &(struct conf_node *){NULL}, errbuf, sizeof(errbuf)), -1);
    snprintf(want, sizeof(want),
             "error parsing include file 'nope.conf', open %s/nope.conf: no such file or directory",
             d);
    ASSERT_STR_EQ(errbuf, want);

    ASSERT_STR_EQ(parse_err("include\n"),
                  "Parse error on line 2: 'Expected include value but found new line'");
    ASSERT_STR_EQ(parse_err("include [a]\n"),
                  "Parse error on line 1: 'Expected include value but found start of an array'");
    ASSERT_STR_EQ(parse_err("include {a}\n"),
                  "Parse error on line 1: 'Expected include value but found start of a map'");
    ASSERT_STR_EQ(parse_err("include (a)\n"),
                  "Parse error on line 1: 'Expected include value but found start of a block'");
    ASSERT_STR_EQ(parse_err("include 5\n"),
                  "Parse error on line 1: 'Expected include value but found start of a number'");
    ASSERT_STR_EQ(parse_err("include \\a\n"),
                  "Parse error on line 1: 'Expected include value but found escape sequence'");
    ASSERT_STR_EQ(parse_err("include \"x"),
                  "Parse error on line 1: 'Unexpected EOF in double quoted include'");
}

TEST(conf_include_path_is_joined_like_go)
{
    /* filepath.Join(dir, "/abs") is dir + "/abs": 2.9.10 reads absolute includes relative */
    const char *d = tmpdir();
    const char *p;
    struct conf_node *r;

    wfile(d, "etc/x.conf", "x = 1\n");
    p = wfile(d, "main.conf", "include /etc/x.conf\n");
    ASSERT_OK(conf_parse_file(p, &r, errbuf, sizeof(errbuf)));
    ASSERT_EQ(get(r, "x")->i, 1);
    conf_free(r);
}

TEST(conf_include_cycle_fails_cleanly)
{
    const char *d = tmpdir();
    const char *p;
    struct conf_node *r = NULL;

    wfile(d, "sub/cyc.conf", "include ../main.conf\n");
    p = wfile(d, "main.conf", "port: 1\ninclude sub/cyc.conf\n");
    ASSERT_EQ(conf_parse_file(p, &r, errbuf, sizeof(errbuf)), -1);
    ASSERT_MATCH(errbuf, "^error parsing include file 'sub/cyc.conf', error parsing include file "
                         "'../main.conf', include cycle: .*main.conf is already being parsed$");
    p = wfile(d, "self.conf", "include self.conf\n");
    ASSERT_EQ(conf_parse_file(p, &r, errbuf, sizeof(errbuf)), -1);
    ASSERT_MATCH(errbuf, "include cycle");
}

TEST(conf_include_chain_is_bounded)
{
    const char *d = tmpdir();
    char name[512], text[64];
    struct conf_node *r = NULL;

    for (int i = 0; i < 40; i++) {
        snprintf(name, sizeof(name), "f%d.conf", i);
        snprintf(text, sizeof(text), "include f%d.conf\n", i + 1);
        wfile(d, name, text);
    }
    wfile(d, "f40.conf", "x = 1\n");
    snprintf(name, sizeof(name), "%s/f0.conf", d);
    ASSERT_EQ(conf_parse_file(name, &r, errbuf, sizeof(errbuf)), -1);
    ASSERT_MATCH(errbuf, "includes nested more than 32 deep$");
}

TEST(conf_file_errors)
{
    const char *d = tmpdir();
    char path[512];
    struct conf_node *r = NULL;

    ASSERT_EQ(conf_parse_file("/nonexistent-natrium/x.conf", &r, errbuf, sizeof(errbuf)), -1);
    ASSERT_STR_EQ(errbuf, "open /nonexistent-natrium/x.conf: no such file or directory");
    ASSERT_EQ(conf_parse_file(d, &r, errbuf, sizeof(errbuf)), -1);
    snprintf(path, sizeof(path), "read %s: is a directory", d);
    ASSERT_STR_EQ(errbuf, path);
    /* a tiny error buffer truncates, never overflows */
    ASSERT_EQ(conf_parse_file("/nonexistent-natrium/x.conf", &r, errbuf, 5), -1);
    ASSERT_STR_EQ(errbuf, "open");
    ASSERT_EQ(conf_parse_file("/nonexistent-natrium/x.conf", &r, NULL, 0), -1);
}

/* ---- limits ---- */

static char *repeat(const char *head, const char *unit, int n, const char *tail)
{
    size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
    char *s = malloc(hl + ul * (size_t)n + tl + 1), *w = s;

    memcpy(w, head, hl);
    w += hl;
    for (int i = 0; i < n; i++, w += ul)
        memcpy(w, unit, ul);
    memcpy(w, tail, tl + 1);
    return s;
}

TEST(conf_deep_nesting_fails_cleanly)
{
    char *s = repeat("a = ", "[", 10000, "\n");
    ASSERT_STR_EQ(parse_err(s), "Parse error on line 1: 'Nesting deeper than 128 levels.'");
    free(s);
    s = repeat("a = ", "{b = ", 10000, "\n");
    ASSERT_STR_EQ(parse_err(s), "Parse error on line 1: 'Nesting deeper than 128 levels.'");
    free(s);
    s = repeat("a = ", "[", 100, "");
    {
        char *t = repeat(s, "]", 100, "\n");
        struct conf_node *r = parse_ok(t); /* 100 levels are fine */
        conf_free(r);
        free(t);
    }
    free(s);
}

TEST(conf_nul_byte_is_refused)
{
    struct conf_node *r = NULL;
    ASSERT_EQ(conf_parse_string("a = 1\nb = \0x", 12, "t.conf", &r, errbuf, sizeof(errbuf)), -1);
    ASSERT_STR_EQ(errbuf, "Parse error on line 2: 'Unexpected NUL byte.'");
}

TEST(conf_parse_string_without_name)
{
    struct conf_node *r = NULL;
    ASSERT_OK(conf_parse_string("a = 1", 5, NULL, &r, errbuf, sizeof(errbuf)));
    ASSERT_STR_EQ(conf_node_file(get(r, "a")), "");
    ASSERT(r->entries[0].file == NULL);
    conf_free(r);
}
