/*
 * bench_int8_pointwise: what 8-bit arithmetic would give facelive's 1x1 convolutions on this CPU,
 * before any of it goes into the library (issue 24's int8 item). For YuNet's 1x1 shapes it times
 * the library's float row kernel (fl__row_pipeline_nhwc, one pointwise stage) against a prototype
 * int8 kernel on AVX-512 VNNI (weights per output channel in -127..127, each input pixel
 * quantized to 0..255 of its own largest value as its row is read, 32-bit sums, the float bias),
 * in two forms: with that quantization pass, as a 1x1 between float stages would run, and without
 * it (the input already 8-bit), the share a pipeline keeping its maps in 8 bits would pay.
 * It checks the VNNI build against a scalar build of the same arithmetic (every output equal) and
 * reports the largest error of the int8 result against the float one, relative to the output's
 * range. Prints a table, then one JSON line. Exit 1 when the two int8 builds disagree.
 * usage: bench_int8_pointwise [RUNS]
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/timing.h"
#include "nn/nhwc_kernels.h"

#include "vnni.h"

#ifdef HAVE_VNNI_BUILD /* the whole study; elsewhere it only says so */

typedef struct q8_weights {
    int cin, cin4, cout;
    int8_t *w;    /* [cin4 / 4][cout][4] */
    float *scale; /* [cout] */
} q8_weights;

static int q8_pack(const float *w, int cin, int cout, q8_weights *q)
{
    q->cin = cin;
    q->cin4 = (cin + 3) / 4 * 4;
    q->cout = cout;
    q->w = calloc((size_t)q->cin4 * (size_t)cout, 1);
    q->scale = malloc((size_t)cout * sizeof(float));
    if (!q->w || !q->scale)
        return -1;
    for (int o = 0; o < cout; o++) {
        float m = 0.0f;
        for (int ci = 0; ci < cin; ci++)
            m = fmaxf(m, fabsf(w[(size_t)ci * (size_t)cout + (size_t)o]));
        q->scale[o] = m > 0.0f ? m / 127.0f : 1.0f;
        for (int ci = 0; ci < cin; ci++)
            q->w[((size_t)(ci / 4) * (size_t)cout + (size_t)o) * 4 + (size_t)(ci % 4)] =
                (int8_t)lrintf(w[(size_t)ci * (size_t)cout + (size_t)o] / q->scale[o]);
    }
    return 0;
}

/* ---- scalar: the arithmetic the VNNI build must reproduce exactly ------------------------- */

static float quantize_pixel(const float *x, int cin, int cin4, uint8_t *q)
{
    float m = 0.0f;
    for (int c = 0; c < cin; c++)
        m = fmaxf(m, x[c]);
    const float inv = m > 0.0f ? 255.0f / m : 0.0f;
    for (int c = 0; c < cin4; c++)
        q[c] = c < cin ? (uint8_t)lrintf(fminf(fmaxf(x[c] * inv, 0.0f), 255.0f)) : 0;
    return m / 255.0f;
}

static void row_scalar(const q8_weights *q, const float *bias, int w, const float *x, uint8_t *qx, float *xs,
                       float *out)
{
    const size_t cin4 = (size_t)q->cin4, co = (size_t)q->cout;
    for (int px = 0; px < w; px++)
        xs[px] = quantize_pixel(x + (size_t)px * (size_t)q->cin, q->cin, q->cin4, qx + (size_t)px * cin4);
    for (int px = 0; px < w; px++)
        for (size_t o = 0; o < co; o++) {
            int32_t acc = 0;
            for (size_t ci = 0; ci < cin4; ci++)
                acc += (int32_t)qx[(size_t)px * cin4 + ci] * q->w[((ci / 4) * co + o) * 4 + ci % 4];
            out[(size_t)px * co + o] = fmaf((float)acc, xs[px] * q->scale[o], bias[o]);
        }
}

/* ---- AVX-512 VNNI ----------------------------------------------------------------------- */

#define VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni"), always_inline)) static inline

VNNI float quantize_pixel_vnni(const float *x, int cin, int cin4, uint8_t *q)
{
    __m512 m = _mm512_setzero_ps();
    for (int c = 0; c < cin; c += 16) {
        const __mmask16 k = cin - c >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (cin - c)) - 1);
        m = _mm512_max_ps(_mm512_maskz_loadu_ps(k, x + c), m); /* a NaN lane keeps m, as fmaxf */
    }
    const float mx = _mm512_reduce_max_ps(m), inv = mx > 0.0f ? 255.0f / mx : 0.0f;
    const __m512 vinv = _mm512_set1_ps(inv), zero = _mm512_setzero_ps(), top = _mm512_set1_ps(255.0f);
    for (int c = 0; c < cin4; c += 16) {
        const int n = cin4 - c >= 16 ? 16 : cin4 - c, real = cin - c >= 16 ? 16 : cin - c;
        const __m512 v = _mm512_mul_ps(_mm512_maskz_loadu_ps((__mmask16)((1u << real) - 1), x + c), vinv);
        const __m512i i = _mm512_cvtps_epi32(_mm512_min_ps(_mm512_max_ps(v, zero), top));
        _mm_mask_storeu_epi8(q + c, (__mmask16)((1u << n) - 1), _mm512_cvtusepi32_epi8(i));
    }
    return mx / 255.0f;
}

/* P pixels x 4 vectors of 16 output channels: per four input channels, 4 weight loads and P
 * broadcasts make P x 4 x 64 multiply-adds (the float kernel's tile makes P x 4 x 16). */
#define DEFINE_TILE(P)                                                                           \
    VNNI void tile##P(const q8_weights *q, const float *bias, const uint8_t *qx, const float *xs, int co0, \
                      float *out)                                                                \
    {                                                                                            \
        const size_t co = (size_t)q->cout;                                                       \
        __m512i acc[P][4];                                                                       \
        for (int i = 0; i < (P); i++)                                                            \
            for (int j = 0; j < 4; j++)                                                          \
                acc[i][j] = _mm512_setzero_si512();                                              \
        const int8_t *wp = q->w + (size_t)co0 * 4;                                               \
        for (int g = 0; g < q->cin4 / 4; g++, wp += co * 4) {                                    \
            __m512i wv[4];                                                                       \
            for (int j = 0; j < 4; j++)                                                          \
                wv[j] = _mm512_loadu_si512(wp + 64 * j);                                         \
            for (int i = 0; i < (P); i++) {                                                      \
                int32_t four;                                                                    \
                memcpy(&four, qx + (size_t)i * (size_t)q->cin4 + 4 * (size_t)g, 4);              \
                const __m512i xv = _mm512_set1_epi32(four);                                      \
                for (int j = 0; j < 4; j++)                                                      \
                    acc[i][j] = _mm512_dpbusd_epi32(acc[i][j], xv, wv[j]);                       \
            }                                                                                    \
        }                                                                                        \
        for (int j = 0; j < 4; j++) {                                                            \
            const __m512 ws = _mm512_loadu_ps(q->scale + co0 + 16 * j), b = _mm512_loadu_ps(bias + co0 + 16 * j); \
            for (int i = 0; i < (P); i++)                                                        \
                _mm512_storeu_ps(out + (size_t)i * co + (size_t)co0 + 16 * (size_t)j,             \
                                 _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc[i][j]),                   \
                                                 _mm512_mul_ps(_mm512_set1_ps(xs[i]), ws), b));   \
        }                                                                                        \
    }
DEFINE_TILE(4)
DEFINE_TILE(1)

/* One row; cout a multiple of 64 (the shapes below). quantize 0: qx and xs already hold the row. */
__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni"))) static void
row_vnni(const q8_weights *q, const float *bias, int w, const float *x, uint8_t *qx, float *xs, float *out,
         int quantize)
{
    const size_t cin4 = (size_t)q->cin4, co = (size_t)q->cout;
    for (int px = 0; quantize && px < w; px++)
        xs[px] = quantize_pixel_vnni(x + (size_t)px * (size_t)q->cin, q->cin, q->cin4, qx + (size_t)px * cin4);
    for (int co0 = 0; co0 < q->cout; co0 += 64) {
        int px = 0;
        for (; px + 4 <= w; px += 4)
            tile4(q, bias, qx + (size_t)px * cin4, xs + px, co0, out + (size_t)px * co);
        for (; px < w; px++)
            tile1(q, bias, qx + (size_t)px * cin4, xs + px, co0, out + (size_t)px * co);
    }
}


/* ---- the measurement -------------------------------------------------------------------- */

typedef struct shape {
    const char *where;
    int w, cin, cout; /* a w x w map */
} shape;

static const shape SHAPES[] = {
    {"YuNet 320 model1 1x1 (80x80, 16->64)", 80, 16, 64},
    {"YuNet 320 model2 1x1 (40x40, 64->64)", 40, 64, 64},
    {"YuNet 640 model2 1x1 (80x80, 64->64)", 80, 64, 64},
    {"YuNet 640 model1 1x1 (160x160, 16->64)", 160, 16, 64},
};

typedef struct result {
    double fp32_ms, q8_ms, q8_noquant_ms, max_rel_err;
    long mismatches;
} result;

static double median_of(double *t, int n)
{
    return fl_quantile(t, (size_t)n, 0.5);
}

static int measure(const shape *sh, int runs, result *r)
{
    const int w = sh->w, cin = sh->cin, cout = sh->cout;
    const size_t nx = (size_t)w * w * cin, ny = (size_t)w * w * cout, cin4 = (size_t)(cin + 3) / 4 * 4;
    float *wt = malloc((size_t)cin * cout * sizeof(float)), *bias = malloc((size_t)cout * sizeof(float));
    float *x = malloc(nx * sizeof(float)), *y32 = malloc(ny * sizeof(float)), *y8 = malloc(ny * sizeof(float));
    float *ys = malloc(ny * sizeof(float)), *xs = malloc((size_t)w * w * sizeof(float));
    uint8_t *qx = malloc((size_t)w * w * cin4);
    double *t = malloc((size_t)runs * 3 * sizeof(double));
    q8_weights q = {0};
    if (!wt || !bias || !x || !y32 || !y8 || !ys || !xs || !qx || !t) {
        fprintf(stderr, "bench_int8_pointwise: out of memory\n");
        return -1;
    }
    uint32_t s = 12345; /* weights like a trained layer's (+-0.5), inputs like a ReLU's (a third zero) */
    for (size_t i = 0; i < (size_t)cin * cout; i++)
        wt[i] = (float)((s = s * 1664525u + 1013904223u) >> 8) / 16777216.0f - 0.5f;
    for (int i = 0; i < cout; i++)
        bias[i] = 0.01f * (float)(i % 17);
    for (size_t i = 0; i < nx; i++) {
        const float v = (float)((s = s * 1664525u + 1013904223u) >> 8) / 16777216.0f * 3.0f - 1.0f;
        x[i] = v > 0.0f ? v : 0.0f;
    }
    if (q8_pack(wt, cin, cout, &q)) {
        fprintf(stderr, "bench_int8_pointwise: out of memory\n");
        return -1;
    }
    fl_row_pipeline p = {.n = 1};
    p.stage[0] = (fl_stage){.op = FL_STAGE_POINTWISE, .h = w, .w = w, .c = cin, .oh = w, .ow = w, .oc = cout};
    p.stage[0].k.pw = (fl_pointwise){w, cin, cout, wt, bias};
    for (int k = -3; k < runs; k++) { /* the three in turn, so a noisy moment slows all alike */
        double t0 = fl_now_ms();
        fl__row_pipeline_nhwc(&p, x, NULL, y32);
        double t1 = fl_now_ms();
        for (int row = 0; row < w; row++)
            row_vnni(&q, bias, w, x + (size_t)row * w * cin, qx + (size_t)row * w * cin4, xs + (size_t)row * w,
                     y8 + (size_t)row * w * cout, 1);
        double t2 = fl_now_ms();
        for (int row = 0; row < w; row++)
            row_vnni(&q, bias, w, x + (size_t)row * w * cin, qx + (size_t)row * w * cin4, xs + (size_t)row * w,
                     y8 + (size_t)row * w * cout, 0);
        double t3 = fl_now_ms();
        if (k >= 0) {
            t[k] = t1 - t0;
            t[runs + k] = t2 - t1;
            t[2 * runs + k] = t3 - t2;
        }
    }
    r->fp32_ms = median_of(t, runs);
    r->q8_ms = median_of(t + runs, runs);
    r->q8_noquant_ms = median_of(t + 2 * runs, runs);
    float lo = 0.0f, hi = 0.0f, err = 0.0f;
    r->mismatches = 0;
    for (int row = 0; row < w; row++)
        row_scalar(&q, bias, w, x + (size_t)row * w * cin, qx, xs, ys + (size_t)row * w * cout);
    for (size_t i = 0; i < ny; i++) {
        lo = fminf(lo, y32[i]);
        hi = fmaxf(hi, y32[i]);
        err = fmaxf(err, fabsf(y8[i] - y32[i]));
        r->mismatches += memcmp(&y8[i], &ys[i], sizeof(float)) != 0;
    }
    r->max_rel_err = err / fmaxf(hi - lo, 1e-30f);
    free(wt), free(bias), free(x), free(y32), free(y8), free(ys), free(xs), free(qx), free(t), free(q.w), free(q.scale);
    return 0;
}
#endif

int main(int argc, char **argv)
{
    const int runs = argc > 1 ? atoi(argv[1]) : 50;
    if (runs < 1 || runs > 100000) {
        fprintf(stderr, "usage: bench_int8_pointwise [RUNS] (1..100000, default 50)\n");
        return 2;
    }
#ifdef HAVE_VNNI_BUILD
    if (have_vnni()) {
        const int n = (int)(sizeof SHAPES / sizeof SHAPES[0]);
        result res[sizeof SHAPES / sizeof SHAPES[0]];
        long mismatches = 0;
        printf("%-58s %9s %9s %9s %9s %9s\n", "1x1 convolution (one thread, ms per map)", "float", "int8",
               "int8/flt", "8-bit in", "ratio");
        for (int i = 0; i < n; i++) {
            if (measure(&SHAPES[i], runs, &res[i]))
                return 1;
            mismatches += res[i].mismatches;
            printf("%-58s %9.4f %9.4f %9.2f %9.4f %9.2f  (max error %.2g of the output range)\n", SHAPES[i].where,
                   res[i].fp32_ms, res[i].q8_ms, res[i].q8_ms / res[i].fp32_ms, res[i].q8_noquant_ms,
                   res[i].q8_noquant_ms / res[i].fp32_ms, res[i].max_rel_err);
        }
        printf("{\"vnni\": true, \"runs\": %d, \"mismatches_vnni_vs_scalar\": %ld, \"shapes\": [", runs, mismatches);
        for (int i = 0; i < n; i++)
            printf("%s{\"where\": \"%s\", \"float_ms\": %.4f, \"int8_ms\": %.4f, \"int8_8bit_input_ms\": %.4f, "
                   "\"max_rel_err\": %.3g}",
                   i ? ", " : "", SHAPES[i].where, res[i].fp32_ms, res[i].q8_ms, res[i].q8_noquant_ms,
                   res[i].max_rel_err);
        printf("]}\n");
        return mismatches ? 1 : 0;
    }
#endif
    printf("{\"vnni\": false}\n");
    return 0;
}
