/* The runner behind test.h. */
#include "test.h"

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

void test_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    longjmp(fail_jmp, 1);
}

static void run_cleanups(void)
{
    while (ncleanups > 0) {
        ncleanups--;
        cleanups[ncleanups].fn(cleanups[ncleanups].arg);
    }
}

int main(int argc, char **argv)
{
    int passed = 0, failed = 0, ran = 0;
    setvbuf(stdout, NULL, _IONBF, 0);
    for (int i = 0; i < ntests; i++) {
        if (argc > 1 && strcmp(argv[1], tests[i].name) != 0)
            continue;
        ran++;
        if (setjmp(fail_jmp) == 0) {
            tests[i].fn();
            run_cleanups();
            printf("PASS %s\n", tests[i].name);
            passed++;
        } else {
            run_cleanups();
            printf("FAIL %s\n", tests[i].name);
            failed++;
        }
    }
    if (argc > 1 && ran == 0) {
        fprintf(stderr, "no test named %s\n", argv[1]);
        return 2;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
