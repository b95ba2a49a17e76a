/* The two clocks of the service: monotonic for durations and the circuit breaker (one clock for
 * every process of the host), Unix time for token expiry (the same on every host). */
#ifndef FL_SERVER_TIME_H
#define FL_SERVER_TIME_H

#include <stdint.h>
#include <time.h>

static inline int64_t srv_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline double srv_mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline int64_t srv_unix_s(void)
{
    return (int64_t)time(NULL);
}

/* Unix time with its fraction (for names and records that need milliseconds). */
static inline double srv_unix_s_precise(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static inline void srv_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

#endif
