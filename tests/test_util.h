/* Minimal test harness: CHECK records a failure with its location and goes on; each test
 * program returns the failure count as its exit status (CTest reads 0 as pass). */
#ifndef FL_TESTS_TEST_UTIL_H
#define FL_TESTS_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>

extern int fl_test_failures;

#define CHECK(cond, ...)                                                       \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fl_test_failures++;                                                \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);    \
            fprintf(stderr, __VA_ARGS__);                                      \
            fprintf(stderr, "\n");                                             \
        }                                                                      \
    } while (0)

#define TEST_MAIN_END()                                                        \
    do {                                                                       \
        if (fl_test_failures)                                                  \
            fprintf(stderr, "%d check(s) failed\n", fl_test_failures);         \
        else                                                                   \
            printf("all checks passed\n");                                     \
        return fl_test_failures ? 1 : 0;                                       \
    } while (0)

/* The model pack folder: $FACELIVE_MODELS_DIR, else the one CMake was configured with. */
const char *fl_test_models_dir(void);

/* The evaluation data folder: $FACELIVE_DATA_DIR, else the one CMake was configured with. */
const char *fl_test_data_dir(void);

/* The source tree's config folder (the model lists). */
const char *fl_test_config_dir(void);

/* Reads a whole file; NULL when it cannot. *size receives the byte count. */
void *fl_test_read_file(const char *path, size_t *size);

/* Deterministic uniform floats in [lo, hi). */
void fl_test_fill(float *x, size_t n, unsigned *seed, float lo, float hi);

#endif
