/* The int8 studies' AVX-512 VNNI code (bench_int8_pointwise, bench_int8_body): built on x86-64 with
 * GCC or Clang (HAVE_VNNI_BUILD), run only where have_vnni() says the CPU has the instructions. */
#ifndef FL_BENCH_VNNI_H
#define FL_BENCH_VNNI_H

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_VNNI_BUILD 1

static inline int have_vnni(void)
{
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
}
#endif

#endif
