#include "nn/nhwc_kernels.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#define FL_INLINE static inline __attribute__((always_inline))

/* The depthwise part is written once for a vector of W floats (the DEFINE_* macros below) and
 * instantiated for 16, 8, 4 and 1: the channels go in vectors of the widest width that fits,
 * and the last vector overlaps the one before it instead of a scalar tail (those channels are
 * computed twice, to the same values). */
#if defined(__clang__)
#define ZEROS_1 0
#define ZEROS_4 0, 0, 0, 0
#define ZEROS_8 ZEROS_4, ZEROS_4
#define ZEROS_16 ZEROS_8, ZEROS_8
#define BROADCAST_LANE0(W, v) __builtin_shufflevector(v, v, ZEROS_##W)
#else
#define BROADCAST_LANE0(W, v) __builtin_shuffle(v, (v##W##i){0})
#endif

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
    /* lane 0 copied to all (not {0} + f: an add the compiler must keep, as -0.0f + 0 is +0) */ \
    FL_INLINE v##W splat##W(float f)                                                             \
    {                                                                                          \
        const v##W v = {f};                                                                    \
        return BROADCAST_LANE0(W, v);                                                          \
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

/* One input row's three taps for four neighbouring output pixels at stride 1 (pixel i reads
 * columns i, i+1, i+2 of the six loaded): acc[i] OP the three products, written as the
 * one-pixel loop writes its sums, so both give the same values. (One chain of nine multiply-adds
 * per pixel, tried together with skipping a ReLU's +inf upper clamp, measured 5 % slower on YuNet.) */
#define DW_ROW_OF_4(W, OP, r, wk)                                                               \
    {                                                                                            \
        v##W x_[6];                                                                              \
        for (int j_ = 0; j_ < 6; j_++)                                                           \
            x_[j_] = load##W((r) + (size_t)j_ * C);                                              \
        for (int i_ = 0; i_ < 4; i_++)                                                           \
            acc[i_] OP x_[i_] * (wk)[0] + x_[i_ + 1] * (wk)[1] + x_[i_ + 2] * (wk)[2];          \
    }

/* dw_pixel_W: one output pixel's channels [c0, c0+W) at any position; taps outside the input
 * are skipped, which is the zero padding.
 * dw_row_W: one output row, channels [c0, c0+W). Interior pixels (all nine taps inside) keep the
 * nine weight vectors in registers and read three input rows; the edges take the checked path.
 * (Going pixel by pixel through all channels instead, weights from L1, measured slower: 29
 * against 50 GFLOP/s on YuNet's 16-channel 160x160 map.) */
#define DEFINE_DW(W)                                                                             \
    FL_INLINE v##W dw_pixel##W(const fl_dwconv3x3 *p, const float *const rows[3], int ix0, int c0) \
    {                                                                                            \
        const size_t C = (size_t)p->c;                                                           \
        v##W acc = load##W(p->bias + c0);                                                        \
        for (int ky = 0; ky < 3; ky++) {                                                         \
            if (!rows[ky])                                                                       \
                continue;                                                                        \
            for (int kx = 0; kx < 3; kx++) {                                                     \
                const int ix = ix0 + kx;                                                         \
                if (ix >= 0 && ix < p->w)                                                        \
                    acc += load##W(rows[ky] + (size_t)ix * C + (size_t)c0) *                     \
                           load##W(p->weights + (size_t)(ky * 3 + kx) * C + (size_t)c0);        \
            }                                                                                    \
        }                                                                                        \
        return acc;                                                                              \
    }                                                                                            \
    FL_INLINE void dw_row##W(const fl_dwconv3x3 *p, const float *const rows[3], int c0, float *yrow) \
    {                                                                                            \
        const size_t C = (size_t)p->c, s = (size_t)p->stride;                                    \
        const v##W lo = splat##W(p->min), hi = splat##W(p->max);                                 \
        int first = 0, last = -1; /* interior columns [first, last] */                           \
        if (rows[0] && rows[1] && rows[2]) {                                                     \
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
                     clamp##W(dw_pixel##W(p, rows, ox * p->stride - p->pad_left, c0), lo, hi));  \
        }                                                                                        \
        if (first > last)                                                                        \
            return;                                                                              \
        v##W w[9];                                                                               \
        for (int k = 0; k < 9; k++)                                                              \
            w[k] = load##W(p->weights + (size_t)k * C + (size_t)c0);                             \
        const v##W b = load##W(p->bias + c0);                                                    \
        const size_t at = (size_t)c0 + ((size_t)first * s - (size_t)p->pad_left) * C;            \
        const float *r0 = rows[0] + at, *r1 = rows[1] + at, *r2 = rows[2] + at;                  \
        float *out = yrow + (size_t)first * C + (size_t)c0;                                      \
        int ox = first;                                                                          \
        if (s == 1) /* four pixels at a time: six loads per row serve their twelve taps */        \
            for (; ox + 3 <= last; ox += 4, r0 += 4 * C, r1 += 4 * C, r2 += 4 * C, out += 4 * C) { \
                v##W acc[4];                                                                     \
                DW_ROW_OF_4(W, = b +, r0, w)                                                     \
                DW_ROW_OF_4(W, +=, r1, w + 3)                                                    \
                DW_ROW_OF_4(W, +=, r2, w + 6)                                                    \
                for (int i = 0; i < 4; i++)                                                      \
                    store##W(out + (size_t)i * C, clamp##W(acc[i], lo, hi));                    \
            }                                                                                    \
        for (; ox <= last; ox++, r0 += s * C, r1 += s * C, r2 += s * C, out += C) {              \
            v##W acc = b + load##W(r0) * w[0] + load##W(r0 + C) * w[1] + load##W(r0 + 2 * C) * w[2]; \
            acc += load##W(r1) * w[3] + load##W(r1 + C) * w[4] + load##W(r1 + 2 * C) * w[5];    \
            acc += load##W(r2) * w[6] + load##W(r2 + C) * w[7] + load##W(r2 + 2 * C) * w[8];    \
            store##W(out, clamp##W(acc, lo, hi));                                                \
        }                                                                                        \
    }

DEFINE_VECTOR(16)
DEFINE_VECTOR(8)
DEFINE_VECTOR(4)
DEFINE_VECTOR(1)
DEFINE_DW(16)
DEFINE_DW(8)
DEFINE_DW(4)
DEFINE_DW(1)

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

/* One output row of the depthwise convolution, all channels, from its three input rows (NULL for
 * a row of padding). */
FL_INLINE void dw_output_row(const fl_dwconv3x3 *p, const float *const rows[3], float *yrow)
{
    const int width = width_for(p->c);
    for (int c0 = 0; c0 < p->c; c0 = next_vector(c0, width, p->c)) {
        switch (width) {
        case 16: dw_row16(p, rows, c0, yrow); break;
        case 8: dw_row8(p, rows, c0, yrow); break;
        case 4: dw_row4(p, rows, c0, yrow); break;
        default: dw_row1(p, rows, c0, yrow); break;
        }
    }
}

/* ---- 1x1 convolution ------------------------------------------------------------------ */

/* The register tiles both convolutions use: P pixels x N vectors of 16 output channels, the P x N
 * sums in registers while the inputs go by: per input value, N weight vectors and P broadcast
 * pixel values make P x N multiply-adds. The shared steps are statement macros, not functions:
 * an array of sums passed to a function stayed in memory (YuNet 3.37 -> 3.62 ms). */
#define TILE_INIT(P, N, acc, bias)                                                               \
    for (int j = 0; j < (N); j++) {                                                              \
        const v16 b_ = load16((bias) + 16 * j);                                                  \
        for (int i = 0; i < (P); i++)                                                            \
            acc[i][j] = b_;                                                                      \
    }
/* acc[i] += the k_n inputs of pixel i (x + i * x_step) times the weights (rows of w_step) */
#define TILE_MAC(P, N, acc, x, x_step, k_n, w, w_step)                                           \
    for (size_t k_ = 0; k_ < (k_n); k_++) {                                                      \
        v16 wv_[N];                                                                              \
        for (int j = 0; j < (N); j++)                                                            \
            wv_[j] = load16((w) + k_ * (w_step) + 16 * j);                                       \
        for (int i = 0; i < (P); i++) {                                                          \
            const v16 xv_ = splat16((x)[(size_t)i * (x_step) + k_]);                             \
            for (int j = 0; j < (N); j++)                                                        \
                acc[i][j] += xv_ * wv_[j];                                                       \
        }                                                                                        \
    }

#define DEFINE_TILE(P, N)                                                                        \
    /* a 1x1 convolution: P pixels from x, channels from co0 */                                 \
    FL_INLINE void pw_tile##P##_##N(const fl_pointwise *p, const float *x, int co0, float *out)  \
    {                                                                                            \
        const size_t cin = (size_t)p->cin, cout = (size_t)p->cout;                               \
        v16 acc[P][N];                                                                           \
        TILE_INIT(P, N, acc, p->bias + co0)                                                      \
        TILE_MAC(P, N, acc, x, cin, cin, p->weights + co0, cout)                                 \
        for (int i = 0; i < (P); i++)                                                            \
            for (int j = 0; j < (N); j++)                                                        \
                store16(out + (size_t)i * cout + (size_t)co0 + 16 * (size_t)j, acc[i][j]);       \
    }                                                                                            \
    /* a 3x3 convolution: P output pixels from ox0 whose taps are all inside the row */          \
    FL_INLINE void conv_tile##P##_##N(const fl_conv3x3 *p, const float *const rows[3], int ox0, int co0, \
                                      float *out)                                                \
    {                                                                                            \
        const size_t cin = (size_t)p->cin, cout = (size_t)p->cout;                               \
        v16 acc[P][N];                                                                           \
        TILE_INIT(P, N, acc, p->bias + co0)                                                      \
        /* a row's three taps are 3 x cin consecutive inputs and weight rows: one run of sums */ \
        for (int ky = 0; ky < 3; ky++)                                                           \
            if (rows[ky]) {                                                                      \
                const float *xp = rows[ky] + (size_t)(ox0 * p->stride - p->pad_left) * cin;       \
                const float *wp = p->weights + (size_t)ky * 3 * cin * cout + (size_t)co0;        \
                TILE_MAC(P, N, acc, xp, (size_t)p->stride * cin, 3 * cin, wp, cout)              \
            }                                                                                    \
        const v16 lo = splat16(p->min), hi = splat16(p->max);                                    \
        for (int i = 0; i < (P); i++)                                                            \
            for (int j = 0; j < (N); j++)                                                        \
                store16(out + (size_t)(ox0 + i) * cout + (size_t)co0 + 16 * (size_t)j,           \
                        clamp16(acc[i][j], lo, hi));                                             \
    }

/* The tiles, by measurement on YuNet's 64 x 80 x 80 stage (micro-benchmark, AVX-512): 4 pixels x
 * 64 channels 111 GFLOP/s, 6 x 32 104, 8 x 32 106, 12 x 16 91. Each input channel costs N weight
 * loads and P broadcasts for P x N multiply-adds: with 16 sums the multiply-adds, not the loads,
 * set the pace. */
DEFINE_TILE(4, 4)
DEFINE_TILE(6, 2)
DEFINE_TILE(8, 1)
DEFINE_TILE(1, 1)

/* The start of the pixel tile after px: tiles of `tile`, the last one moved back to end at w (it
 * overlaps the one before: those pixels are computed twice, to the same values). */
static int next_tile(int px, int tile, int w)
{
    const int next = px + tile;
    return next < w && next + tile > w ? w - tile : next;
}

/* One row of a 1x1 convolution: the channels in tiles of 64 (4 pixels at a time), then 32 (6
 * pixels), then 16 (8 pixels; the last tile moved back to end at the last channel); rows
 * narrower than a tile go pixel by pixel. */
FL_INLINE void pw_row(const fl_pointwise *p, const float *x, float *out)
{
    const int w = p->w, cout = p->cout;
    const size_t cin = (size_t)p->cin, co = (size_t)cout;
    int done = 0; /* channels [0, done) are made */
    if (w >= 4)
        for (; done + 64 <= cout; done += 64)
            for (int px = 0; px < w; px = next_tile(px, 4, w))
                pw_tile4_4(p, x + (size_t)px * cin, done, out + (size_t)px * co);
    if (w >= 6)
        for (; done + 32 <= cout; done += 32)
            for (int px = 0; px < w; px = next_tile(px, 6, w))
                pw_tile6_2(p, x + (size_t)px * cin, done, out + (size_t)px * co);
    if (done == cout)
        return;
    const int first = cout - done >= 16 ? done : cout - 16; /* the first 16-wide tile */
    const int tile = w >= 8 ? 8 : 1;
    for (int px = 0; px < w; px = next_tile(px, tile, w))
        for (int co0 = first; co0 < cout; co0 = next_vector(co0, 16, cout)) {
            if (tile == 8)
                pw_tile8_1(p, x + (size_t)px * cin, co0, out + (size_t)px * co);
            else
                pw_tile1_1(p, x + (size_t)px * cin, co0, out + (size_t)px * co);
        }
}

/* ---- 3x3 convolution ------------------------------------------------- */

/* One output pixel at any position, 16 output channels from co0: taps outside the input are
 * skipped (zero padding); rows[ky] NULL for a row of padding. */
FL_INLINE v16 conv_checked(const fl_conv3x3 *p, const float *const rows[3], int ox, int co0)
{
    const size_t cin = (size_t)p->cin, cout = (size_t)p->cout;
    v16 acc = load16(p->bias + co0);
    for (int ky = 0; ky < 3; ky++) {
        if (!rows[ky])
            continue;
        for (int kx = 0; kx < 3; kx++) {
            const int ix = ox * p->stride - p->pad_left + kx;
            if (ix < 0 || ix >= p->w)
                continue;
            const float *xp = rows[ky] + (size_t)ix * cin;
            const float *w = p->weights + (size_t)(ky * 3 + kx) * cin * cout + (size_t)co0;
            for (size_t ci = 0; ci < cin; ci++)
                acc += splat16(xp[ci]) * load16(w + ci * cout);
        }
    }
    return acc;
}

/* One output row: interior pixels (every tap inside the row) in tiles as the 1x1 convolution's
 * (64 channels x 4 pixels, 32 x 6, 16 x 8; the last tile of a row or of the channels
 * overlapping), the edges one by one with checks. */
FL_INLINE void conv3_row(const fl_conv3x3 *p, const float *const rows[3], float *out)
{
    const int first = (p->pad_left + p->stride - 1) / p->stride;
    int last = (p->w - 3 + p->pad_left) / p->stride; /* interior columns [first, last] */
    if (last > p->ow - 1)
        last = p->ow - 1;
    const int n = last - first + 1, cout = p->cout;
    const v16 lo = splat16(p->min), hi = splat16(p->max);
    for (int ox = 0; ox < p->ow; ox++) { /* the edges, and everything when the interior is narrow */
        if (n >= 8 && ox == first)
            ox = last + 1;
        if (ox >= p->ow)
            break;
        for (int co0 = 0; co0 < cout; co0 = next_vector(co0, 16, cout))
            store16(out + (size_t)ox * (size_t)cout + (size_t)co0, clamp16(conv_checked(p, rows, ox, co0), lo, hi));
    }
    if (n < 8)
        return;
    int done = 0;
    for (; done + 64 <= cout; done += 64)
        for (int i = 0; i < n; i = next_tile(i, 4, n))
            conv_tile4_4(p, rows, first + i, done, out);
    for (; done + 32 <= cout; done += 32)
        for (int i = 0; i < n; i = next_tile(i, 6, n))
            conv_tile6_2(p, rows, first + i, done, out);
    if (done == cout)
        return;
    for (int i = 0; i < n; i = next_tile(i, 8, n))
        for (int co0 = cout - done >= 16 ? done : cout - 16; co0 < cout; co0 = next_vector(co0, 16, cout))
            conv_tile8_1(p, rows, first + i, co0, out);
}
/* ---- 2x2 max pooling ----------------------------------------------------------------- */

/* out = the 2x2 maxima of two rows a and b (w pixels of c channels each); an odd last column is
 * dropped. -inf first and "greater than" only, as the reference max pooling: a NaN never wins. */
FL_INLINE void pool_rows(const float *a, const float *b, int w, int c, float *out)
{
    const size_t C = (size_t)c;
    for (int px = 0; px < w / 2; px++) {
        const float *a0 = a + (size_t)(2 * px) * C, *b0 = b + (size_t)(2 * px) * C;
        float *o = out + (size_t)px * C;
        for (size_t ch = 0; ch < C; ch++) {
            float m = -INFINITY;
            m = a0[ch] > m ? a0[ch] : m;
            m = a0[C + ch] > m ? a0[C + ch] : m;
            m = b0[ch] > m ? b0[ch] : m;
            m = b0[C + ch] > m ? b0[C + ch] : m;
            o[ch] = m;
        }
    }
}

/* ---- the row pipeline ------------------------------------------------------------------ */

/* How many rows of its input a stage reads for one output row: the ring its producer keeps. */
static int window(const fl_stage *s)
{
    return s->op == FL_STAGE_DEPTHWISE || s->op == FL_STAGE_CONV3X3 ? 3 : s->op == FL_STAGE_MAXPOOL2 ? 2 : 1;
}

static size_t row_floats(const fl_stage *s)
{
    return (size_t)s->ow * (size_t)s->oc;
}

size_t fl__row_pipeline_ring(const fl_row_pipeline *p)
{
    size_t n = 0;
    for (int k = 0; k + 1 < p->n; k++)
        n += (size_t)window(&p->stage[k + 1]) * row_floats(&p->stage[k]);
    return n;
}

/* A pull pipeline: the last stage's rows are made in order, and a stage asks the one before it
 * for the rows it reads, which are made on demand into that stage's ring (row r in slot
 * r % window). Requests only move forward, and a ring holds exactly what one output row of its
 * consumer reads, so no row a consumer still needs is overwritten. */
typedef struct pipe_state {
    const fl_row_pipeline *p;
    const float *x;
    float *ring[FL_PIPELINE_MAX_STAGES];
    int made[FL_PIPELINE_MAX_STAGES]; /* rows [0, made) of the stage's output have been made */
} pipe_state;

/* The functions that recurse through the stages cannot be inlined, so they are defined once per
 * target (below), each inlining the vector code built for it. */
#define DEFINE_PIPELINE(SFX, ATTR)                                                               \
    ATTR static const float *get_row_##SFX(pipe_state *ps, int k, int r);                        \
    /* row r of stage k's input */                                                              \
    ATTR static const float *input_row_##SFX(pipe_state *ps, int k, int r)                       \
    {                                                                                            \
        const fl_stage *s = &ps->p->stage[k];                                                    \
        return k ? get_row_##SFX(ps, k - 1, r) : ps->x + (size_t)r * (size_t)s->w * (size_t)s->c; \
    }                                                                                            \
    ATTR static void make_row_##SFX(pipe_state *ps, int k, int r, float *out)                    \
    {                                                                                            \
        const fl_stage *s = &ps->p->stage[k];                                                    \
        if (s->op == FL_STAGE_POINTWISE) {                                                       \
            pw_row(&s->k.pw, input_row_##SFX(ps, k, r), out);                                    \
        } else if (s->op == FL_STAGE_MAXPOOL2) {                                                 \
            const float *a = input_row_##SFX(ps, k, 2 * r);                                      \
            pool_rows(a, input_row_##SFX(ps, k, 2 * r + 1), s->w, s->c, out);                    \
        } else {                                                                                 \
            const int conv3 = s->op == FL_STAGE_CONV3X3;                                         \
            const int stride = conv3 ? s->k.conv3.stride : s->k.dw.stride;                       \
            const float *rows[3];                                                                \
            for (int ky = 0; ky < 3; ky++) {                                                     \
                const int iy = r * stride - (conv3 ? s->pad_top : s->k.dw.pad_top) + ky;         \
                rows[ky] = iy >= 0 && iy < s->h ? input_row_##SFX(ps, k, iy) : NULL;             \
            }                                                                                    \
            if (conv3)                                                                           \
                conv3_row(&s->k.conv3, rows, out);                                               \
            else                                                                                 \
                dw_output_row(&s->k.dw, rows, out);                                              \
        }                                                                                        \
    }                                                                                            \
    ATTR static const float *get_row_##SFX(pipe_state *ps, int k, int r)                         \
    {                                                                                            \
        const size_t row = row_floats(&ps->p->stage[k]);                                         \
        const int slots = window(&ps->p->stage[k + 1]);                                          \
        for (; ps->made[k] <= r; ps->made[k]++)                                                  \
            make_row_##SFX(ps, k, ps->made[k], ps->ring[k] + (size_t)(ps->made[k] % slots) * row); \
        return ps->ring[k] + (size_t)(r % slots) * row;                                          \
    }                                                                                            \
    ATTR static void run_##SFX(pipe_state *ps, float *y)                                         \
    {                                                                                            \
        const fl_stage *last = &ps->p->stage[ps->p->n - 1];                                      \
        for (int r = 0; r < last->oh; r++)                                                       \
            make_row_##SFX(ps, ps->p->n - 1, r, y + (size_t)r * row_floats(last));              \
    }

/* Built for AVX-512, AVX2+FMA and the build's baseline; the CPU picks one at each call (GCC's
 * target_clones would do the same, but exports its resolver from the library). */
#if defined(__x86_64__) && defined(__GNUC__)
#define FL_X86_DISPATCH 1
DEFINE_PIPELINE(avx512, __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,bmi,bmi2,f16c"))))
DEFINE_PIPELINE(avx2, __attribute__((target("avx2,fma,bmi,bmi2,f16c"))))
#endif
DEFINE_PIPELINE(base, )

fl_pipeline_isa fl__row_pipeline_best_isa(void)
{
#ifdef FL_X86_DISPATCH
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
        return FL_ISA_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return FL_ISA_AVX2;
#endif
    return FL_ISA_BASELINE;
}

void fl__row_pipeline_nhwc_isa(const fl_row_pipeline *p, const float *x, float *ring, float *y, fl_pipeline_isa isa)
{
    pipe_state ps = {p, x, {0}, {0}};
    for (int k = 0; k + 1 < p->n; k++) {
        ps.ring[k] = ring;
        ring += (size_t)window(&p->stage[k + 1]) * row_floats(&p->stage[k]);
    }
#ifdef FL_X86_DISPATCH
    if (isa == FL_ISA_AVX512) {
        run_avx512(&ps, y);
        return;
    }
    if (isa == FL_ISA_AVX2) {
        run_avx2(&ps, y);
        return;
    }
#else
    (void)isa;
#endif
    run_base(&ps, y);
}

void fl__row_pipeline_nhwc(const fl_row_pipeline *p, const float *x, float *ring, float *y)
{
    fl__row_pipeline_nhwc_isa(p, x, ring, y, fl__row_pipeline_best_isa());
}
