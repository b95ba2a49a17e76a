/*
 * OpenCV's uint8 INTER_LINEAR resize (imgproc/resize.cpp, generic path), reproduced in fixed
 * point: 11-bit weights per axis (INTER_RESIZE_COEF_BITS), a horizontal pass into rows of 16-bit
 * values (the sums shifted right by 4, all the vertical pass reads of them), then the vertical
 * blend in the form of OpenCV's vectorised kernel:
 *   ((b0 * (r0 >> 4)) >> 16) + ((b1 * (r1 >> 4)) >> 16) + 2) >> 2.
 * (OpenCV's scalar form, (b0*r0 + b1*r1 + 2^21) >> 22, can differ by one; on 49 test cases of
 * 1, 3 and 4 channels, 2.5 million values, this form matched cv2.resize everywhere.)
 * An exact 2x downscale is INTER_AREA in OpenCV (it switches), and here too.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "facelive/image.h"
#include "image/rgb_pairs_x86.h"

#define COEF_BITS 11
#define COEF_SCALE (1 << COEF_BITS)

/* Source index and weights per destination index, as OpenCV computes them (float fx). */
static void linear_tab(int src_n, int dst_n, int *ofs, short *alpha)
{
    const double inv_scale = (double)dst_n / src_n;
    const double scale = 1.0 / inv_scale;
    for (int d = 0; d < dst_n; d++) {
        float f = (float)((d + 0.5) * scale - 0.5);
        int s = (int)floorf(f);
        f -= (float)s;
        if (s < 0) {
            f = 0;
            s = 0;
        }
        if (s >= src_n - 1) {
            f = 0;
            s = src_n - 1;
        }
        ofs[d] = s;
        alpha[2 * d] = (short)lrintf((1.f - f) * COEF_SCALE);
        alpha[2 * d + 1] = (short)lrintf(f * COEF_SCALE);
    }
}

/* Rows: OpenCV keeps the weights and clamps the row indices. */
static void row_tab(int src_n, int dst_n, int *ofs, short *beta)
{
    const double scale = 1.0 / ((double)dst_n / src_n);
    for (int d = 0; d < dst_n; d++) {
        float f = (float)((d + 0.5) * scale - 0.5);
        int s = (int)floorf(f);
        f -= (float)s;
        ofs[d] = s;
        beta[2 * d] = (short)lrintf((1.f - f) * COEF_SCALE);
        beta[2 * d + 1] = (short)lrintf(f * COEF_SCALE);
    }
}

/* Inlined with a constant cn (see hresize) the channel loop unrolls. The vertical pass reads a
 * horizontal sum only shifted right by 4, so that is what is kept: about 255 * 2048 >> 4 = 32640,
 * a 16-bit value (the weights of a pair are 0..2048 and sum to 2048, give or take a rounding). */
static inline void hresize_cn(const uint8_t *row, int src_w, int cn, const int *xofs, const short *alpha, int dst_w,
                              uint16_t *out)
{
    for (int dx = 0; dx < dst_w; dx++) {
        const int sx = xofs[dx], sx1 = sx + 1 < src_w ? sx + 1 : sx;
        const int a0 = alpha[2 * dx], a1 = alpha[2 * dx + 1];
        const uint8_t *p0 = row + sx * cn, *p1 = row + sx1 * cn;
        for (int c = 0; c < cn; c++)
            out[dx * cn + c] = (uint16_t)((p0[c] * a0 + p1[c] * a1) >> 4);
    }
}

#ifdef FL_RGB_PAIRS_X86
#define FL_RESIZE_AVX2 1

/* hresize_cn for 3 channels, eight destination pixels at a time with AVX2, for the pixels whose
 * right neighbour exists (xofs[dx] + 1 < src_w: all but the last few; xofs never decreases), as
 * those one by one would make them: 32-bit gathers fetch each pair's bytes (rgb_pairs_x86.h),
 * vpmaddwd makes both taps of a channel at once, the weight pairs being already adjacent in
 * alpha. Returns how many pixels it made. */
__attribute__((target("avx2"))) static int hresize3_avx2(const uint8_t *row, int src_w, const int *xofs,
                                                         const short *alpha, int dst_w, uint16_t *out)
{
    int n = dst_w;
    while (n > 0 && xofs[n - 1] + 1 >= src_w)
        n--;
    int dx = 0;
    for (; dx + 8 <= n; dx += 8) {
        const __m256i off = _mm256_mullo_epi32(_mm256_loadu_si256((const void *)(xofs + dx)), _mm256_set1_epi32(3));
        const __m256i a = _mm256_i32gather_epi32((const int *)(const void *)row, off, 1);
        const __m256i b = _mm256_i32gather_epi32((const int *)(const void *)(row + 2), off, 1);
        const __m256i w = _mm256_loadu_si256((const void *)(alpha + 2 * dx));
        __m256i ch[3];
        for (int c = 0; c < 3; c++) {
            const __m256i pair = fl__rgb_pair_lanes(a, b, c);
            ch[c] = _mm256_srli_epi32(_mm256_madd_epi16(pair, w), 4);
        }
        /* per pixel 64 bits: R | G << 16 | B << 32; written 8 bytes each in order, the last two
         * bytes being the next pixel's first, which it then writes */
        const __m256i rg = _mm256_or_si256(ch[0], _mm256_slli_epi32(ch[1], 16));
        uint64_t px[8];
        _mm256_storeu_si256((void *)px, _mm256_unpacklo_epi32(rg, ch[2]));       /* pixels 0 1 4 5 */
        _mm256_storeu_si256((void *)(px + 4), _mm256_unpackhi_epi32(rg, ch[2])); /* pixels 2 3 6 7 */
        static const int slot[8] = {0, 1, 4, 5, 2, 3, 6, 7}; /* pixel i is in px[slot[i]] */
        uint16_t *o = out + (size_t)dx * 3;
        for (int i = 0; i < 8; i++)
            memcpy(o + 3 * i, &px[slot[i]], i == 7 && dx + 8 >= dst_w ? 6 : 8);
    }
    return dx;
}
#endif

static void hresize(const uint8_t *row, int src_w, int cn, const int *xofs, const short *alpha, int dst_w,
                    uint16_t *out, int avx2)
{
    int done = 0;
#ifdef FL_RESIZE_AVX2
    if (avx2 && cn == 3)
        done = hresize3_avx2(row, src_w, xofs, alpha, dst_w, out);
#else
    (void)avx2;
#endif
    const size_t at = (size_t)done * (size_t)cn;
    switch (cn) {
    case 1: hresize_cn(row, src_w, 1, xofs + done, alpha + 2 * done, dst_w - done, out + at); break;
    case 3: hresize_cn(row, src_w, 3, xofs + done, alpha + 2 * done, dst_w - done, out + at); break;
    default: hresize_cn(row, src_w, cn, xofs + done, alpha + 2 * done, dst_w - done, out + at); break;
    }
}

/* One destination row from two horizontal rows: 16-bit products' high halves (pmulhuw, and
 * NEON's and wasm's like): the weights are 0..2048 and the rows 0..32640, so each product fits
 * 32 bits and nothing is lost. Written for the compiler to vectorise; built twice on x86-64
 * (the baseline's SSE2 and AVX2). */
#define DEFINE_VRESIZE(NAME, ATTR)                                                               \
    ATTR static void NAME(const uint16_t *r0, const uint16_t *r1, uint16_t b0, uint16_t b1, size_t n, uint8_t *d) \
    {                                                                                            \
        for (size_t i = 0; i < n; i++) {                                                         \
            const uint16_t h0 = (uint16_t)(((uint32_t)b0 * r0[i]) >> 16);                        \
            const uint16_t h1 = (uint16_t)(((uint32_t)b1 * r1[i]) >> 16);                        \
            const uint16_t v = (uint16_t)((h0 + h1 + 2) >> 2);                                   \
            d[i] = (uint8_t)(v > 255 ? 255 : v);                                                 \
        }                                                                                        \
    }
DEFINE_VRESIZE(vresize, )
#ifdef FL_RESIZE_AVX2
DEFINE_VRESIZE(vresize_avx2, __attribute__((target("avx2"))))
#endif

static int clampi(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static void area_half(const uint8_t *src, size_t ss, int cn, uint8_t *dst, int dw, int dh, size_t ds)
{
    for (int y = 0; y < dh; y++) {
        const uint8_t *r0 = src + (size_t)(2 * y) * ss, *r1 = r0 + ss;
        uint8_t *d = dst + (size_t)y * ds;
        for (int x = 0; x < dw; x++)
            for (int c = 0; c < cn; c++) {
                int i = 2 * x * cn + c;
                d[x * cn + c] = (uint8_t)((r0[i] + r0[i + cn] + r1[i] + r1[i + cn] + 2) >> 2);
            }
    }
}

fl_status fl_resize_linear(const uint8_t *src, int src_w, int src_h, size_t src_stride, int cn, int x, int y, int w,
                           int h, uint8_t *dst, int dst_w, int dst_h, size_t dst_stride)
{
    if (!src || !dst || cn < 1 || cn > 4 || w < 1 || h < 1 || dst_w < 1 || dst_h < 1 || x < 0 || y < 0 ||
        x > src_w - w || y > src_h - h || dst_w > FL_IMAGE_MAX_SIDE || dst_h > FL_IMAGE_MAX_SIDE ||
        src_stride < (size_t)src_w * (size_t)cn || dst_stride < (size_t)dst_w * (size_t)cn)
        return FL_E_INVALID_ARGUMENT;
    const uint8_t *s0 = src + (size_t)y * src_stride + (size_t)x * (size_t)cn;
    if (w == 2 * dst_w && h == 2 * dst_h) {
        area_half(s0, src_stride, cn, dst, dst_w, dst_h, dst_stride);
        return FL_OK;
    }
    int *xofs = malloc((size_t)dst_w * sizeof *xofs), *yofs = malloc((size_t)dst_h * sizeof *yofs);
    short *alpha = malloc((size_t)dst_w * 2 * sizeof *alpha), *beta = malloc((size_t)dst_h * 2 * sizeof *beta);
    const size_t rw = (size_t)dst_w * (size_t)cn;
    uint16_t *rows = malloc(2 * rw * sizeof *rows);
    if (!xofs || !yofs || !alpha || !beta || !rows) {
        free(xofs), free(yofs), free(alpha), free(beta), free(rows);
        return FL_E_NO_MEMORY;
    }
    linear_tab(w, dst_w, xofs, alpha);
    row_tab(h, dst_h, yofs, beta);
    int cached[2] = {-1, -1};
#ifdef FL_RESIZE_AVX2
    /* byte offsets of the gathers in an int */
    const int avx2 = (size_t)w * (size_t)cn < (size_t)1 << 30 && __builtin_cpu_supports("avx2");
#else
    const int avx2 = 0;
#endif
    for (int dy = 0; dy < dst_h; dy++) {
        int sy[2] = {clampi(yofs[dy], 0, h - 1), clampi(yofs[dy] + 1, 0, h - 1)};
        uint16_t *r[2] = {rows, rows + rw};
        for (int k = 0; k < 2; k++) { /* horizontal pass, reusing rows the previous line computed */
            if (cached[k] == sy[k])
                continue;
            if (cached[1 - k] == sy[k]) {
                memcpy(r[k], r[1 - k], rw * sizeof *rows);
            } else {
                hresize(s0 + (size_t)sy[k] * src_stride, w, cn, xofs, alpha, dst_w, r[k], avx2);
            }
            cached[k] = sy[k];
        }
        const uint16_t b0 = (uint16_t)beta[2 * dy], b1 = (uint16_t)beta[2 * dy + 1];
#ifdef FL_RESIZE_AVX2
        if (avx2)
            vresize_avx2(r[0], r[1], b0, b1, rw, dst + (size_t)dy * dst_stride);
        else
#endif
            vresize(r[0], r[1], b0, b1, rw, dst + (size_t)dy * dst_stride);
    }
    free(xofs), free(yofs), free(alpha), free(beta), free(rows);
    return FL_OK;
}
