/*
 * Four-float vectors of the portable kernels (portable_conv.c, portable_ops.c): the compiler's
 * vector extension, which becomes SSE on x86-64, NEON on ARM, SIMD128 in WebAssembly (-msimd128)
 * and scalar code elsewhere. Loads and stores go through memcpy: no alignment is assumed.
 */
#ifndef FL_NN_VEC4_H
#define FL_NN_VEC4_H

#include <string.h>

typedef float v4 __attribute__((vector_size(16)));
typedef int v4i __attribute__((vector_size(16)));

static inline v4 load4(const float *p)
{
    v4 v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void store4(float *p, v4 v)
{
    memcpy(p, &v, sizeof v);
}

static inline v4 splat4(float f)
{
    return (v4){f, f, f, f};
}

/* Lanes of a where mask is set, of b elsewhere. */
static inline v4 where4(v4i mask, v4 a, v4 b)
{
    return (v4)(((v4i)a & mask) | ((v4i)b & ~mask));
}

/* Lanes i, j, k, l of the eight floats of a then b (0..3 from a, 4..7 from b). */
#if defined(__clang__)
#define FL_SHUFFLE4(a, b, i, j, k, l) __builtin_shufflevector(a, b, i, j, k, l)
#else
#define FL_SHUFFLE4(a, b, i, j, k, l) __builtin_shuffle(a, b, (v4i){i, j, k, l})
#endif

/* Lanes 0 and 2 of a, then of b (the even floats of eight); odd_lanes: lanes 1 and 3. */
static inline v4 even_lanes(v4 a, v4 b)
{
    return FL_SHUFFLE4(a, b, 0, 2, 4, 6);
}

static inline v4 odd_lanes(v4 a, v4 b)
{
    return FL_SHUFFLE4(a, b, 1, 3, 5, 7);
}

/* Lanes 0, 0, 1, 1 of a (each of its first two floats twice); dup_high: lanes 2, 2, 3, 3. */
static inline v4 dup_low(v4 a)
{
    return FL_SHUFFLE4(a, a, 0, 0, 1, 1);
}

static inline v4 dup_high(v4 a)
{
    return FL_SHUFFLE4(a, a, 2, 2, 3, 3);
}

#endif
