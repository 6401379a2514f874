/* The runner behind test.h. */
#include "test.h"

#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>

#define MAX_TESTS 1024
#define MAX_CLEANUPS 64

static struct {
    const char *name;
    test_fn *fn;
} tests[MAX_TESTS];
static int ntests;
static jmp_buf fail_jmp;
static struct {
    void (*fn)(void *);
    void *arg;
} cleanups[MAX_CLEANUPS];
static int ncleanups;
static bool current_failed;
static bool current_skipped;

void test_register(const char *name, test_fn *fn)
{
    if (ntests == MAX_TESTS) {
        fprintf(stderr, "too many tests\n");
        exit(2);
    }
    tests[ntests].name = name;
    tests[ntests].fn = fn;
    ntests++;
}

void test_on_cleanup(void (*fn)(void *), void *arg)
{
    if (ncleanups < MAX_CLEANUPS) {
        cleanups[ncleanups].fn = fn;
        cleanups[ncleanups].arg = arg;
        ncleanups++;
    }
}

bool test_current_failed(void)
{
    return current_failed;
}

void test_mark_failed(const char *fmt, ...)
{
    va_list ap;
    current_failed = true;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void test_match_at(const char *file, int line, const char *s, const char *re)
{
    regex_t rx;
    int rc = regcomp(&rx, re, REG_EXTENDED | REG_NOSUB);
    if (rc != 0)
        test_fail(file, line, "bad regex: %s", re);
    rc = s ? regexec(&rx, s, 0, NULL, 0) : REG_NOMATCH;
    regfree(&rx);
    if (rc != 0)
        test_fail(file, line, "no match:\n  got:   \"%s\"\n  regex: %s", s ? s : "(null)", re);
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    current_failed = true;
    fprintf(stderr, "%s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    longjmp(fail_jmp, 1);
}

/* Ends the current test as skipped (a feature natrium refuses as not supported yet). */
void test_skip(const char *why)
{
    current_skipped = true;
    printf("SKIP (%s)\n", why);
    longjmp(fail_jmp, 2);
}

static void run_cleanups(void)
{
    while (ncleanups > 0) {
        ncleanups--;
        cleanups[ncleanups].fn(cleanups[ncleanups].arg);
    }
}

/* Runs one test; true if it passed. setjmp lives here, away from main's loop variables. */
static bool run_one(test_fn *fn)
{
    current_failed = false;
    current_skipped = false;
    if (setjmp(fail_jmp) == 0)
        fn();
    run_cleanups();
    return !current_failed;
}

int main(int argc, char **argv)
{
    int passed = 0, failed = 0, skipped = 0, ran = 0;
    setvbuf(stdout, NULL, _IONBF, 0);
    for (int i = 0; i < ntests; i++) {
        if (argc > 1 && strcmp(argv[1], tests[i].name) != 0)
            continue;
        ran++;
        if (run_one(tests[i].fn) && current_skipped) {
            printf("SKIPPED %s\n", tests[i].name);
            skipped++;
        } else if (!current_failed) {
            printf("PASS %s\n", tests[i].name);
            passed++;
        } else {
            printf("FAIL %s\n", tests[i].name);
            failed++;
        }
    }
    if (argc > 1 && ran == 0) {
        fprintf(stderr, "no test named %s\n", argv[1]);
        return 2;
    }
    printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
    if (failed)
        return 1;
    return skipped > 0 && passed == 0 ? TEST_SKIP_EXIT : 0;
}
