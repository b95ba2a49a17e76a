#include "nn/nhwc_kernels.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

/* Each kernel is built for AVX-512, AVX2+FMA and the baseline; the loader picks one (GCC's
 * target_clones, an ifunc). Other compilers and CPUs get the build's own flags. */
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__)
#define FL_KERNEL __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define FL_KERNEL
#endif
#define FL_INLINE static inline __attribute__((always_inline))

/* Each kernel is written once for a vector of W floats (the DEFINE_* macros below) and
 * instantiated for 16, 8, 4 and 1: the channels go in vectors of the widest width that fits,
 * and the last vector overlaps the one before it instead of a scalar tail (those channels are
 * computed twice, to the same values). The pack has 103-, 26-, 13-, 10- and 4-channel maps. */
#define DEFINE_VECTOR(W)                                                                       \
    typedef float v##W __attribute__((vector_size((W) * sizeof(float))));                       \
    typedef int v##W##i __attribute__((vector_size((W) * sizeof(int))));                        \
    FL_INLINE v##W load##W(const float *p)                                                       \
    {                                                                                          \
        v##W v;                                                                                \
        memcpy(&v, p, sizeof v);                                                               \
        return v;                                                                              \
    }                                                                                          \
    FL_INLINE void store##W(float *p, v##W v)                                                    \
    {                                                                                          \
        memcpy(p, &v, sizeof v);                                                               \
    }                                                                                          \
    FL_INLINE v##W splat##W(float f)                                                             \
    {                                                                                          \
        return (v##W){0} + f;                                                                  \
    }                                                                                          \
    /* lanes of a where mask is set, of b elsewhere */                                         \
    FL_INLINE v##W where##W(v##W##i mask, v##W a, v##W b)                                        \
    {                                                                                          \
        return (v##W)(((v##W##i)a & mask) | ((v##W##i)b & ~mask));                              \
    }                                                                                          \
    /* as the reference ReLU: a NaN becomes the lower bound */                                 \
    FL_INLINE v##W clamp##W(v##W v, v##W lo, v##W hi)                                           \
    {                                                                                          \
        v = where##W(v > lo, v, lo);                                                           \
        return where##W(v < hi, v, hi);                                                        \
    }

/* ---- depthwise 3x3 ------------------------------------------------------------------- */

/* dw_pixel_W: one output pixel's channels [c0, c0+W) at any position; taps outside the input
 * are skipped, which is the zero padding.
 * dw_row_W: one output row, channels [c0, c0+W). Interior pixels (all nine taps inside) keep the
 * nine weight vectors in registers and read three input rows; the edges take the checked path.
 * (Going pixel by pixel through all channels instead, weights from L1, measured slower: 29
 * against 50 GFLOP/s on YuNet's 16-channel 160x160 map.) */
#define DEFINE_DW(W)                                                                             \
    FL_INLINE v##W dw_pixel##W(const fl_dwconv3x3 *p, const float *x, int iy0, int ix0, int c0)  \
    {                                                                                            \
        const size_t C = (size_t)p->c;                                                           \
        v##W acc = load##W(p->bias + c0);                                                        \
        for (int ky = 0; ky < 3; ky++) {                                                         \
            const int iy = iy0 + ky;                                                             \
            if (iy < 0 || iy >= p->h)                                                            \
                continue;                                                                        \
            for (int kx = 0; kx < 3; kx++) {                                                     \
                const int ix = ix0 + kx;                                                         \
                if (ix >= 0 && ix < p->w)                                                        \
                    acc += load##W(x + ((size_t)iy * (size_t)p->w + (size_t)ix) * C + (size_t)c0) * \
                           load##W(p->weights + (size_t)(ky * 3 + kx) * C + (size_t)c0);        \
            }                                                                                    \
        }                                                                                        \
        return acc;                                                                              \
    }                                                                                            \
    FL_INLINE void dw_row##W(const fl_dwconv3x3 *p, const float *x, int oy, int c0, float *yrow)    \
    {                                                                                            \
        const size_t C = (size_t)p->c, s = (size_t)p->stride;                                    \
        const int iy0 = oy * p->stride - p->pad_top;                                             \
        const v##W lo = splat##W(p->min), hi = splat##W(p->max);                                 \
        int first = 0, last = -1; /* interior columns [first, last] */                           \
        if (iy0 >= 0 && iy0 + 2 < p->h) {                                                        \
            first = (p->pad_left + p->stride - 1) / p->stride;                                   \
            last = (p->w - 3 + p->pad_left) / p->stride;                                         \
            if (last > p->ow - 1)                                                                \
                last = p->ow - 1;                                                                \
        }                                                                                        \
        for (int ox = 0; ox < p->ow; ox++) {                                                     \
            if (ox == first && first <= last)                                                    \
                ox = last + 1;                                                                   \
            if (ox >= p->ow)                                                                     \
                break;                                                                           \
            store##W(yrow + (size_t)ox * C + (size_t)c0,                                         \
                     clamp##W(dw_pixel##W(p, x, iy0, ox * p->stride - p->pad_left, c0), lo, hi)); \
        }                                                                                        \
        if (first > last)                                                                        \
            return;                                                                              \
        v##W w[9];                                                                               \
        for (int k = 0; k < 9; k++)                                                              \
            w[k] = load##W(p->weights + (size_t)k * C + (size_t)c0);                             \
        const v##W b = load##W(p->bias + c0);                                                    \
        const size_t row = (size_t)p->w * C;                                                     \
        const float *r0 = x + (size_t)iy0 * row + (size_t)c0 + ((size_t)first * s - (size_t)p->pad_left) * C; \
        float *out = yrow + (size_t)first * C + (size_t)c0;                                      \
        for (int ox = first; ox <= last; ox++, r0 += s * C, out += C) {                          \
            const float *r1 = r0 + row, *r2 = r1 + row;                                          \
            v##W acc = b + load##W(r0) * w[0] + load##W(r0 + C) * w[1] + load##W(r0 + 2 * C) * w[2]; \
            acc += load##W(r1) * w[3] + load##W(r1 + C) * w[4] + load##W(r1 + 2 * C) * w[5];    \
            acc += load##W(r2) * w[6] + load##W(r2 + C) * w[7] + load##W(r2 + 2 * C) * w[8];    \
            store##W(out, clamp##W(acc, lo, hi));                                                \
        }                                                                                        \
    }

/* ---- max pooling -------------------------------------------------------------------- */

/* One output pixel, channels [c0, c0+W); padded cells are skipped. */
#define DEFINE_POOL(W)                                                                           \
    FL_INLINE void pool_pixel##W(const fl_maxpool *p, const float *x, int oy, int ox, int c0, float *out) \
    {                                                                                            \
        const size_t C = (size_t)p->c;                                                           \
        const int iy0 = oy * p->stride_h - p->pad_top, ix0 = ox * p->stride_w - p->pad_left;     \
        const int ky0 = iy0 < 0 ? -iy0 : 0, ky1 = iy0 + p->kh > p->h ? p->h - iy0 : p->kh;      \
        const int kx0 = ix0 < 0 ? -ix0 : 0, kx1 = ix0 + p->kw > p->w ? p->w - ix0 : p->kw;      \
        v##W m = splat##W(-INFINITY);                                                            \
        for (int ky = ky0; ky < ky1; ky++)                                                       \
            for (int kx = kx0; kx < kx1; kx++) {                                                 \
                const v##W v = load##W(x + ((size_t)(iy0 + ky) * (size_t)p->w + (size_t)(ix0 + kx)) * C + (size_t)c0); \
                m = where##W(v > m, v, m);                                                       \
            }                                                                                    \
        store##W(out + c0, m);                                                                   \
    }

DEFINE_VECTOR(16)
DEFINE_VECTOR(8)
DEFINE_VECTOR(4)
DEFINE_VECTOR(1)
DEFINE_DW(16)
DEFINE_DW(8)
DEFINE_DW(4)
DEFINE_DW(1)
DEFINE_POOL(16)
DEFINE_POOL(8)
DEFINE_POOL(4)
DEFINE_POOL(1)

/* The vector width for c channels, and where the vector after c0 starts (the last one is moved
 * back to end at c: it overlaps the one before). */
static int width_for(int c)
{
    return c >= 16 ? 16 : c >= 8 ? 8 : c >= 4 ? 4 : 1;
}

static int next_vector(int c0, int width, int c)
{
    const int next = c0 + width;
    return next < c && next + width > c ? c - width : next;
}

FL_KERNEL void fl__dwconv3x3_nhwc(const fl_dwconv3x3 *p, const float *x, float *y)
{
    const int width = width_for(p->c);
    for (int oy = 0; oy < p->oh; oy++) {
        float *yrow = y + (size_t)oy * (size_t)p->ow * (size_t)p->c;
        for (int c0 = 0; c0 < p->c; c0 = next_vector(c0, width, p->c)) {
            switch (width) {
            case 16: dw_row16(p, x, oy, c0, yrow); break;
            case 8: dw_row8(p, x, oy, c0, yrow); break;
            case 4: dw_row4(p, x, oy, c0, yrow); break;
            default: dw_row1(p, x, oy, c0, yrow); break;
            }
        }
    }
}

FL_KERNEL void fl__maxpool_nhwc(const fl_maxpool *p, const float *x, float *y)
{
    const int width = width_for(p->c);
    for (int oy = 0; oy < p->oh; oy++)
        for (int ox = 0; ox < p->ow; ox++) {
            float *out = y + ((size_t)oy * (size_t)p->ow + (size_t)ox) * (size_t)p->c;
            for (int c0 = 0; c0 < p->c; c0 = next_vector(c0, width, p->c)) {
                switch (width) {
                case 16: pool_pixel16(p, x, oy, ox, c0, out); break;
                case 8: pool_pixel8(p, x, oy, ox, c0, out); break;
                case 4: pool_pixel4(p, x, oy, ox, c0, out); break;
                default: pool_pixel1(p, x, oy, ox, c0, out); break;
                }
            }
        }
}
