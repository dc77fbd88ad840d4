/* check.h - the few assertions the unit tests need: failures are printed with file:line and
 * counted, and CHECK_DONE() makes the program exit non-zero when any failed. */
#ifndef FQ_CHECK_H
#define FQ_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(cond)                                                                             \
    do {                                                                                        \
        check_count++;                                                                          \
        if (!(cond)) {                                                                          \
            check_failures++;                                                                   \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);            \
        }                                                                                       \
    } while (0)

#define CHECK_STR(actual, expected)                                                             \
    do {                                                                                        \
        const char *a_ = (actual), *e_ = (expected);                                            \
        check_count++;                                                                          \
        if (!a_ || strcmp(a_, e_) != 0) {                                                       \
            check_failures++;                                                                   \
            fprintf(stderr, "%s:%d: expected \"%s\", got \"%s\"\n", __FILE__, __LINE__, e_,      \
                    a_ ? a_ : "(null)");                                                        \
        }                                                                                       \
    } while (0)

#define CHECK_DONE()                                                                            \
    do {                                                                                        \
        printf("%s: %d checks, %d failed\n", __FILE__, check_count, check_failures);            \
        return check_failures ? 1 : 0;                                                          \
    } while (0)

#endif
