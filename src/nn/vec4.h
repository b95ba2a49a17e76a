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

/* Lanes 0 and 2 of a, then of b (the even floats of eight); odd_lanes: lanes 1 and 3. */
static inline v4 even_lanes(v4 a, v4 b)
{
#if defined(__clang__)
    return __builtin_shufflevector(a, b, 0, 2, 4, 6);
#else
    return __builtin_shuffle(a, b, (v4i){0, 2, 4, 6});
#endif
}

static inline v4 odd_lanes(v4 a, v4 b)
{
#if defined(__clang__)
    return __builtin_shufflevector(a, b, 1, 3, 5, 7);
#else
    return __builtin_shuffle(a, b, (v4i){1, 3, 5, 7});
#endif
}

#endif
