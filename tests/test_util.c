#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>

int fl_test_failures = 0;

const char *fl_test_models_dir(void)
{
    const char *d = getenv("FACELIVE_MODELS_DIR");
    return d && *d ? d : FL_TEST_MODELS_DIR;
}

const char *fl_test_data_dir(void)
{
    const char *d = getenv("FACELIVE_DATA_DIR");
    return d && *d ? d : FL_TEST_DATA_DIR;
}

const char *fl_test_config_dir(void)
{
    return FL_TEST_CONFIG_DIR;
}

void *fl_test_read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    void *buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *size = (size_t)n;
    return buf;
}

void fl_test_fill(float *x, size_t n, unsigned *seed, float lo, float hi)
{
    for (size_t i = 0; i < n; i++) {
        *seed = *seed * 1664525u + 1013904223u;
        x[i] = lo + (hi - lo) * (float)(*seed >> 8) / (float)(1u << 24);
    }
}
