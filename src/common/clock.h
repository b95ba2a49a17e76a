/* A monotonic clock in milliseconds, for the profiling runs (fl_model_ctx_profile). */
#ifndef FL_COMMON_CLOCK_H
#define FL_COMMON_CLOCK_H

double fl__now_ms(void);

#endif
