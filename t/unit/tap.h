
/*
 * TAP output for the C unit tests (t/unit/), header only: what prove
 * reads from them (t/004, t/010, t/300 exec the binaries).
 *
 *     ok(cond, "name");                 ok 1 - name / not ok 1 - name
 *     okf(cond, "name %d", i);          the same, the name formatted
 *     is_int(got, want, "name");        ok, with got/want on failure
 *     is_str(got, want, "name");        strcmp (NULL only equals NULL)
 *     diag("got %d", n);                # got 3
 *     plan(n);                          1..n first (optional)
 *     return done_testing();            1..N last (without a plan);
 *                                       0 if every test passed (and as
 *                                       many ran as planned), else 1
 *
 * Each function returns whether its test passed.  The short names are
 * macros for the tap_ functions (define TAP_NO_SHORT_NAMES to avoid them).
 * The counters are static: one test program is one translation unit.
 */


#ifndef TAP_H_INCLUDED
#define TAP_H_INCLUDED


#include <stdarg.h>
#include <stdio.h>
#include <string.h>


#if defined(__GNUC__)
#define TAP_PRINTF(f, a)  __attribute__((format(printf, f, a)))
#else
#define TAP_PRINTF(f, a)
#endif


static struct {
    int  tests;
    int  failed;
    int  planned;            /* -1: no plan */
} tap_state = { 0, 0, -1 };


static inline void
tap_plan(int n)
{
    tap_state.planned = n;
    printf("1..%d\n", n);
}


/* "# " and the formatted line (on stdout, as prove shows it in -v) */

static inline void TAP_PRINTF(1, 2)
tap_diag(const char *fmt, ...)
{
    va_list  args;

    fputs("# ", stdout);
    va_start(args, fmt);
    vprintf(fmt, args);
    va_end(args);
    fputc('\n', stdout);
}


static inline int
tap_ok(int pass, const char *name)
{
    tap_state.tests++;

    if (!pass) {
        tap_state.failed++;
    }

    printf("%sok %d - %s\n", pass ? "" : "not ", tap_state.tests, name);

    return pass;
}


static inline int TAP_PRINTF(2, 3)
tap_okf(int pass, const char *fmt, ...)
{
    va_list  args;

    tap_state.tests++;

    if (!pass) {
        tap_state.failed++;
    }

    printf("%sok %d - ", pass ? "" : "not ", tap_state.tests);
    va_start(args, fmt);
    vprintf(fmt, args);
    va_end(args);
    fputc('\n', stdout);

    return pass;
}


static inline int
tap_is_int(long long got, long long want, const char *name)
{
    int  pass;

    pass = tap_ok(got == want, name);

    if (!pass) {
        tap_diag("  got: %lld", got);
        tap_diag(" want: %lld", want);
    }

    return pass;
}


static inline int
tap_is_str(const char *got, const char *want, const char *name)
{
    int  pass;

    if (got == NULL || want == NULL) {
        pass = (got == want);

    } else {
        pass = (strcmp(got, want) == 0);
    }

    tap_ok(pass, name);

    if (!pass) {
        tap_diag("  got: %s%s%s", got ? "'" : "", got ? got : "NULL",
                 got ? "'" : "");
        tap_diag(" want: %s%s%s", want ? "'" : "", want ? want : "NULL",
                 want ? "'" : "");
    }

    return pass;
}


/* prints the plan unless plan() did; the exit status of main() */

static inline int
tap_done_testing(void)
{
    if (tap_state.planned < 0) {
        printf("1..%d\n", tap_state.tests);

    } else if (tap_state.planned != tap_state.tests) {
        tap_diag("planned %d tests but ran %d", tap_state.planned,
                 tap_state.tests);
        return 1;
    }

    if (tap_state.failed) {
        tap_diag("failed %d of %d tests", tap_state.failed, tap_state.tests);
        return 1;
    }

    return 0;
}


#ifndef TAP_NO_SHORT_NAMES
#define plan(n)               tap_plan(n)
#define ok(pass, name)        tap_ok(pass, name)
#define okf(...)              tap_okf(__VA_ARGS__)
#define is_int(g, w, name)    tap_is_int(g, w, name)
#define is_str(g, w, name)    tap_is_str(g, w, name)
#define diag(...)             tap_diag(__VA_ARGS__)
#define done_testing()        tap_done_testing()
#endif


#endif /* TAP_H_INCLUDED */
