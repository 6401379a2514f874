/* Minimal test framework. TEST(name) registers a test; the binary runs all of them, or only
 * the one named in argv[1] (each is its own CTest entry, see cmake/ns_add_test.cmake). The
 * run ends with the line "N passed, N failed". ASSERT_* print both operands with file:line
 * and end the current test (longjmp), which then counts as failed. */
#ifndef NS_TEST_H
#define NS_TEST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef void test_fn(void);
void test_register(const char *name, test_fn *fn);
void test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));
/* Cleanup hook run after each test, pass or fail (e.g. stop servers). */
void test_on_cleanup(void (*fn)(void *), void *arg);
/* True once the running test has failed (cleanup hooks use it to keep evidence). */
bool test_current_failed(void);
/* Marks the running test failed and prints the message, without leaving the caller (for
 * cleanup hooks, which run after the test body). */
void test_mark_failed(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Fails unless s matches the POSIX extended regex re (REG_EXTENDED, whole-string anchors
 * are up to the caller). */
void test_match_at(const char *file, int line, const char *s, const char *re);

#define TEST(name)                                                                                 \
    static void test_##name(void);                                                                 \
    __attribute__((constructor)) static void test_reg_##name(void)                                 \
    {                                                                                              \
        test_register(#name, test_##name);                                                         \
    }                                                                                              \
    static void test_##name(void)

#define ASSERT(c)                                                                                  \
    do {                                                                                           \
        if (!(c))                                                                                  \
            test_fail(__FILE__, __LINE__, "assertion failed: %s", #c);                             \
    } while (0)
#define ASSERT_EQ(a, b)                                                                            \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (a_ != b_)                                                                              \
            test_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, a_, b_);               \
    } while (0)
#define ASSERT_STR_EQ(a, b)                                                                        \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (!a_ || !b_ || strcmp(a_, b_) != 0)                                                     \
            test_fail(__FILE__, __LINE__, "%s == %s:\n  got:  \"%s\"\n  want: \"%s\"", #a, #b,     \
                      a_ ? a_ : "(null)", b_ ? b_ : "(null)");                                     \
    } while (0)
#define ASSERT_OK(x) ASSERT_EQ((x), 0)
#define ASSERT_MATCH(s, re) test_match_at(__FILE__, __LINE__, (s), (re))
/* Exit status of a test binary whose tests were all skipped (CTest SKIP_RETURN_CODE). */
#define TEST_SKIP_EXIT 77
/* Ends the current test as skipped, from anywhere (longjmp). For features natrium refuses as
 * "not supported yet": the test runs again by itself once the feature lands. */
void test_skip(const char *why) __attribute__((noreturn));
/* Ends the current test as passed, printing "SKIP (why)". Use only inside the TEST body. */
#define SKIP(why)                                                                                  \
    do {                                                                                           \
        printf("SKIP (%s)\n", (why));                                                              \
        return;                                                                                    \
    } while (0)

#endif
