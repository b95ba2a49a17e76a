/* Wall-clock timing and latency statistics shared by the CLI and the benchmark programs. */
#ifndef FL_CLI_TIMING_H
#define FL_CLI_TIMING_H

#include <stddef.h>

/* Monotonic time in milliseconds. */
double fl_now_ms(void);

/* Sorts samples[n] in place and returns the q-quantile (0..1, nearest rank). */
double fl_quantile(double *samples, size_t n, double q);

#endif
