/*
 * OpenCV's uint8 warpAffine with INTER_LINEAR and BORDER_CONSTANT 0 (imgproc/imgwarp.cpp),
 * reproduced in fixed point: source coordinates in 1/32 pixel (INTER_BITS = 5) computed from
 * AB_BITS = 10 fixed-point steps, rounded the way cvRound rounds (to nearest even), then a
 * bilinear blend with 15-bit weights from a 32x32 table. A pixel whose 2x2 neighbourhood lies
 * wholly outside the source is the border value; one partly outside blends border zeros in.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "facelive/image.h"
#include "image/rgb_pairs_x86.h"

#define INTER_BITS 5
#define INTER_TAB_SIZE (1 << INTER_BITS)
#define AB_BITS 10
#define AB_SCALE (1 << AB_BITS)
#define COEF_BITS 15
#define COEF_SCALE (1 << COEF_BITS)

/* The blend of four taps with 15-bit weights, rounded and saturated to a byte. */
static inline uint8_t blend4(int v0, int v1, int v2, int v3, const short *w)
{
    const int r = (v0 * w[0] + v1 * w[1] + v2 * w[2] + v3 * w[3] + (1 << (COEF_BITS - 1))) >> COEF_BITS;
    return (uint8_t)(r < 0 ? 0 : r > 255 ? 255 : r);
}

/* One destination pixel from the 2x2 source neighbourhood at (sx, sy). Interior pixels (the
 * whole 2x2 inside, nearly all of them) skip the per-tap bounds checks; inlined with a constant
 * cn the channel loop unrolls. */
static inline void blend(const uint8_t *src, int src_w, int src_h, size_t stride, int cn, long long sx, long long sy,
                         const short *w, uint8_t *o)
{
    if (sx >= 0 && sy >= 0 && sx + 1 < src_w && sy + 1 < src_h) {
        const uint8_t *p0 = src + (size_t)sy * stride + (size_t)sx * (size_t)cn, *p1 = p0 + stride;
        for (int c = 0; c < cn; c++)
            o[c] = blend4(p0[c], p0[c + cn], p1[c], p1[c + cn], w);
        return;
    }
    for (int c = 0; c < cn; c++) { /* at the border: taps outside are the border value 0 */
        int v[4];
        for (int k = 0; k < 4; k++) {
            long long px = sx + (k & 1), py = sy + (k >> 1);
            v[k] = (px >= 0 && py >= 0 && px < src_w && py < src_h)
                       ? src[(size_t)py * stride + (size_t)px * (size_t)cn + (size_t)c]
                       : 0;
        }
        o[c] = blend4(v[0], v[1], v[2], v[3], w);
    }
}

/* One destination pixel: its source position in 1/32 pixel from the row's start (X0, Y0) and
 * the column's steps (ad, bd), its weights from the table. 64-bit sums: OpenCV's int additions
 * cannot overflow for sane transforms, and insane ones must not be undefined behaviour here. */
static inline void warp_pixel(const uint8_t *src, int src_w, int src_h, size_t stride, int cn, int X0, int Y0, int ad,
                              int bd, const short (*wtab)[4], uint8_t *o)
{
    const long long X = ((long long)X0 + ad) >> (AB_BITS - INTER_BITS);
    const long long Y = ((long long)Y0 + bd) >> (AB_BITS - INTER_BITS);
    const long long sx = X >> INTER_BITS, sy = Y >> INTER_BITS;
    const short *w = wtab[(Y & (INTER_TAB_SIZE - 1)) * INTER_TAB_SIZE + (X & (INTER_TAB_SIZE - 1))];
    if (sx >= src_w || sx + 1 < 0 || sy >= src_h || sy + 1 < 0) {
        for (int c = 0; c < cn; c++)
            o[c] = 0;
    } else if (cn == 3) { /* camera frames: the channel count known at compile time */
        blend(src, src_w, src_h, stride, 3, sx, sy, w, o);
    } else {
        blend(src, src_w, src_h, stride, cn, sx, sy, w, o);
    }
}

#ifdef FL_RGB_PAIRS_X86
#define FL_WARP_AVX2 1

/* The same arithmetic for eight 3-channel pixels with AVX2 (the mesh's 192x192 crop: 0.3 ms one
 * by one): 32-bit gathers fetch each 2x2 neighbourhood's bytes and the weight pairs, and
 * vpmaddwd makes the 15-bit blends. Returns 0, writing nothing, unless all eight neighbourhoods
 * lie inside the source. The caller makes sure the 32-bit sums cannot overflow and the byte
 * offsets fit in an int. more: a pixel follows in the row (the last of the eight may then be
 * written as four bytes). */
__attribute__((target("avx2"))) static int warp8_rgb_avx2(const uint8_t *src, int src_w, int src_h, int stride,
                                                          int X0, int Y0, const int *ad, const int *bd,
                                                          const short (*wtab)[4], uint8_t *o, int more)
{
    const __m256i X = _mm256_srai_epi32(_mm256_add_epi32(_mm256_set1_epi32(X0), _mm256_loadu_si256((const void *)ad)),
                                        AB_BITS - INTER_BITS);
    const __m256i Y = _mm256_srai_epi32(_mm256_add_epi32(_mm256_set1_epi32(Y0), _mm256_loadu_si256((const void *)bd)),
                                        AB_BITS - INTER_BITS);
    const __m256i sx = _mm256_srai_epi32(X, INTER_BITS), sy = _mm256_srai_epi32(Y, INTER_BITS);
    const __m256i minus1 = _mm256_set1_epi32(-1);
    const __m256i inside = _mm256_and_si256(
        _mm256_and_si256(_mm256_cmpgt_epi32(sx, minus1), _mm256_cmpgt_epi32(sy, minus1)),
        _mm256_and_si256(_mm256_cmpgt_epi32(_mm256_set1_epi32(src_w - 1), sx),
                         _mm256_cmpgt_epi32(_mm256_set1_epi32(src_h - 1), sy)));
    if (_mm256_movemask_epi8(inside) != -1)
        return 0;
    const __m256i frac = _mm256_set1_epi32(INTER_TAB_SIZE - 1);
    const __m256i widx = _mm256_add_epi32(_mm256_slli_epi32(_mm256_and_si256(Y, frac), INTER_BITS),
                                          _mm256_and_si256(X, frac));
    const __m256i off = _mm256_add_epi32(_mm256_mullo_epi32(sy, _mm256_set1_epi32(stride)),
                                         _mm256_mullo_epi32(sx, _mm256_set1_epi32(3)));
    /* a: the bytes R0 G0 B0 R1 of a row's pair, b: B0 R1 G1 B1 (neither reads past pixel sx + 1) */
    const int *base = (const int *)(const void *)src;
    const __m256i a0 = _mm256_i32gather_epi32(base, off, 1);
    const __m256i b0 = _mm256_i32gather_epi32((const int *)(const void *)(src + 2), off, 1);
    const __m256i a1 = _mm256_i32gather_epi32((const int *)(const void *)(src + stride), off, 1);
    const __m256i b1 = _mm256_i32gather_epi32((const int *)(const void *)(src + stride + 2), off, 1);
    const int *wt = (const int *)(const void *)wtab; /* per entry: (w0, w1) then (w2, w3) as 16-bit pairs */
    const __m256i w01 = _mm256_i32gather_epi32(wt, _mm256_slli_epi32(widx, 1), 4);
    const __m256i w23 = _mm256_i32gather_epi32(wt + 1, _mm256_slli_epi32(widx, 1), 4);
    /* per channel, the left and right taps as the two 16-bit halves of a lane */
    __m256i px = _mm256_setzero_si256();
    for (int c = 0; c < 3; c++) {
        const __m256i top = fl__rgb_pair_lanes(a0, b0, c), bottom = fl__rgb_pair_lanes(a1, b1, c);
        __m256i v = _mm256_add_epi32(_mm256_madd_epi16(top, w01), _mm256_madd_epi16(bottom, w23));
        v = _mm256_srai_epi32(_mm256_add_epi32(v, _mm256_set1_epi32(1 << (COEF_BITS - 1))), COEF_BITS);
        v = _mm256_min_epi32(_mm256_max_epi32(v, _mm256_setzero_si256()), _mm256_set1_epi32(255));
        px = _mm256_or_si256(px, _mm256_slli_epi32(v, 8 * c));
    }
    int32_t lanes[8];
    _mm256_storeu_si256((void *)lanes, px);
    for (int i = 0; i < 7; i++) /* four bytes each: the fourth is the next pixel's, written next */
        memcpy(o + 3 * i, &lanes[i], 4);
    memcpy(o + 21, &lanes[7], more ? 4 : 3);
    return 1;
}
#endif

static int sat_round(double v) /* saturate_cast<int>(double): round half to even */
{
    if (v > 2147483647.0)
        return 2147483647;
    if (v < -2147483648.0)
        return (int)-2147483647 - 1;
    return (int)lrint(v);
}

fl_status fl_warp_affine_linear(const uint8_t *src, int src_w, int src_h, size_t src_stride, int cn,
                                const double fwd[6], uint8_t *dst, int dst_w, int dst_h, size_t dst_stride)
{
    if (!src || !dst || !fwd || cn < 1 || cn > 4 || src_w < 1 || src_h < 1 || dst_w < 1 || dst_h < 1 ||
        dst_w > FL_IMAGE_MAX_SIDE || dst_h > FL_IMAGE_MAX_SIDE || src_stride < (size_t)src_w * (size_t)cn ||
        dst_stride < (size_t)dst_w * (size_t)cn)
        return FL_E_INVALID_ARGUMENT;
    for (int i = 0; i < 6; i++)
        if (!isfinite(fwd[i]))
            return FL_E_INVALID_ARGUMENT;
    /* cv2.warpAffine takes the source-to-destination transform and inverts it, in this order of
     * double operations (a singular matrix becomes all zeros, as there). */
    double m[6] = {fwd[0], fwd[1], fwd[2], fwd[3], fwd[4], fwd[5]};
    double D = m[0] * m[4] - m[1] * m[3];
    D = D != 0.0 ? 1.0 / D : 0.0;
    const double a11 = m[4] * D, a22 = m[0] * D;
    m[0] = a11;
    m[1] *= -D;
    m[3] *= -D;
    m[4] = a22;
    const double b1 = -m[0] * m[2] - m[1] * m[5], b2 = -m[3] * m[2] - m[4] * m[5];
    m[2] = b1;
    m[5] = b2;
    /* Bilinear weights for each of the 32x32 sub-pixel positions (exact in 15 bits). */
    short wtab[INTER_TAB_SIZE * INTER_TAB_SIZE][4];
    for (int i = 0; i < INTER_TAB_SIZE; i++)
        for (int j = 0; j < INTER_TAB_SIZE; j++) {
            float fy = (float)i / INTER_TAB_SIZE, fx = (float)j / INTER_TAB_SIZE;
            short *w = wtab[i * INTER_TAB_SIZE + j];
            w[0] = (short)lrintf((1.f - fy) * (1.f - fx) * COEF_SCALE);
            w[1] = (short)lrintf((1.f - fy) * fx * COEF_SCALE);
            w[2] = (short)lrintf(fy * (1.f - fx) * COEF_SCALE);
            w[3] = (short)lrintf(fy * fx * COEF_SCALE);
        }
    /* The whole-pixel entry is 1.0 * 32768, which OpenCV saturates to 32767 and then, to bring
     * the sum back to 32768, adds 1 to the last weight (its table fix-up scans the 2x2 from
     * index 3). Exactly one entry is affected; reproduce it. */
    wtab[0][0] = 32767;
    wtab[0][3] = 1;
    int *adelta = malloc((size_t)dst_w * sizeof *adelta), *bdelta = malloc((size_t)dst_w * sizeof *bdelta);
    if (!adelta || !bdelta) {
        free(adelta), free(bdelta);
        return FL_E_NO_MEMORY;
    }
    for (int x = 0; x < dst_w; x++) {
        adelta[x] = sat_round(m[0] * x * AB_SCALE);
        bdelta[x] = sat_round(m[3] * x * AB_SCALE);
    }
    const int round_delta = AB_SCALE / INTER_TAB_SIZE / 2;
#ifdef FL_WARP_AVX2
    /* The vector path's 32-bit sums and byte offsets: only where they cannot overflow. */
    long long a_lo = 0, a_hi = 0, b_lo = 0, b_hi = 0;
    for (int x = 0; x < dst_w; x++) {
        a_lo = adelta[x] < a_lo ? adelta[x] : a_lo, a_hi = adelta[x] > a_hi ? adelta[x] : a_hi;
        b_lo = bdelta[x] < b_lo ? bdelta[x] : b_lo, b_hi = bdelta[x] > b_hi ? bdelta[x] : b_hi;
    }
    const int rgb8 = cn == 3 && (size_t)src_h * src_stride < (size_t)1 << 30 && __builtin_cpu_supports("avx2");
#endif
    for (int y = 0; y < dst_h; y++) {
        const int X0 = sat_round((m[1] * y + m[2]) * AB_SCALE) + round_delta;
        const int Y0 = sat_round((m[4] * y + m[5]) * AB_SCALE) + round_delta;
        uint8_t *d = dst + (size_t)y * dst_stride;
        int x = 0;
#ifdef FL_WARP_AVX2
        /* eight pixels at a time while all eight are inside; the others one by one */
        if (rgb8 && X0 + a_lo >= INT_MIN && X0 + a_hi <= INT_MAX && Y0 + b_lo >= INT_MIN && Y0 + b_hi <= INT_MAX)
            for (; x + 8 <= dst_w; x += 8)
                if (!warp8_rgb_avx2(src, src_w, src_h, (int)src_stride, X0, Y0, adelta + x, bdelta + x, wtab,
                                    d + (size_t)x * 3, x + 8 < dst_w))
                    for (int k = x; k < x + 8; k++)
                        warp_pixel(src, src_w, src_h, src_stride, cn, X0, Y0, adelta[k], bdelta[k], wtab,
                                   d + (size_t)k * 3);
#endif
        for (; x < dst_w; x++)
            warp_pixel(src, src_w, src_h, src_stride, cn, X0, Y0, adelta[x], bdelta[x], wtab, d + (size_t)x * (size_t)cn);
    }
    free(adelta), free(bdelta);
    return FL_OK;
}
