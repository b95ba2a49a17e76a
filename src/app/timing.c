#include "app/timing.h"

#include <stdlib.h>
#include <time.h>

double fl_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double fl_quantile(double *samples, size_t n, double q)
{
    if (n == 0)
        return 0.0;
    qsort(samples, n, sizeof *samples, cmp_double);
    size_t k = (size_t)(q * (double)n + 0.5);
    if (k > 0)
        k--;
    return samples[k < n ? k : n - 1];
}
