/*
 * Portable convolution kernels (see portable_conv.h). The matrix product works on panels of
 * MR = 4 weight rows (packed so that one step reads the four weights of a column together) times
 * NR = 8 output pixels (two vectors): 8 accumulators, 2 input vectors and a weight fit the 16
 * vector registers of SSE and of WebAssembly engines on x86-64 without spilling. The pixel blocks
 * are the outer loop, so the K x 8 block of the input stays in L1 while every panel reads it.
 */
#include "nn/portable_conv.h"

#include <stdlib.h>

#include "nn/vec4.h"

/* 4 x 2 vectors measured fastest in WebAssembly (Chromium, Node) against 4 x 3, 4 x 4, 6 x 2 and 8 x 2. */
enum { MR = 4, NR = 8 };
_Static_assert(MR == 4 && NR == 8, "the tiles name their 4 x 2 accumulators; tile_tail holds a panel in a v4");

/* Inlining is decided here rather than left to the compiler: the tiles and the epilogue go inside
 * the loops that use them (clang stopped inlining them once the epilogue made them longer), and
 * each kernel is a function of its own (in WebAssembly, one large function with all of them
 * inlined ran the matrix product at half the speed; web/wasm/CMakeLists.txt keeps binaryen from
 * merging them again). */
#define FL_INLINE static inline __attribute__((always_inline))
#define FL_KERNEL static __attribute__((noinline))

enum { KIND_POINTWISE, KIND_DEPTHWISE3X3, KIND_DEPTHWISE, KIND_IM2COL };

/* The epilogue of one output row (channel): its activation, slope and residual row (or NULL). */
typedef struct row_epilogue {
    fl_activation act;
    float slope;
    const float *residual;
} row_epilogue;

FL_INLINE row_epilogue row_of(const fl_conv_epilogue *ep, int m, size_t offset)
{
    row_epilogue r = {FL_ACT_NONE, 0.0f, NULL};
    if (!ep)
        return r;
    r.act = ep->act;
    r.slope = ep->act == FL_ACT_PRELU ? ep->slope[m * ep->slope_step] : 0.0f;
    r.residual = ep->residual ? ep->residual + offset : NULL;
    return r;
}

/* Four outputs at column i of a row: plus the residual, then the activation. */
FL_INLINE v4 finish4(v4 v, const row_epilogue *e, size_t i)
{
    const v4 zero = splat4(0.0f);
    if (e->residual)
        v += load4(e->residual + i);
    if (e->act == FL_ACT_RELU)
        return where4(v > zero, v, zero);
    if (e->act == FL_ACT_PRELU)
        return where4(v < zero, v * splat4(e->slope), v);
    return v;
}

static inline float finish1(float v, const row_epilogue *e, size_t i)
{
    if (e->residual)
        v += e->residual[i];
    if (e->act == FL_ACT_RELU)
        return v > 0.0f ? v : 0.0f;
    if (e->act == FL_ACT_PRELU)
        return v < 0.0f ? v * e->slope : v;
    return v;
}

/* a (M x K) as panels of MR rows: packed[panel][k][r]; rows past M are zero. */
static void pack_rows(int M, int K, const float *a, float *packed)
{
    for (int m = 0; m < M; m++)
        for (int k = 0; k < K; k++)
            packed[((size_t)(m / MR) * K + k) * MR + m % MR] = a[(size_t)m * K + k];
}

/* One matrix product y[M][P] = bias + a b with its epilogue: a packed as panels, b K x P. */
typedef struct gemm {
    int M, K, P;
    const float *panels, *b, *bias;
    const fl_conv_epilogue *ep; /* of the whole image: row m of this product is its channel m0 + m */
    int m0;
    float *y;
} gemm;

/* Row r of the tile at row m: v0 (and v1 when nv is 2) at column p through the epilogue into y,
 * when the panel has that row. */
FL_INLINE void store_tile_row(const gemm *G, int m, int r, int p, v4 v0, v4 v1, int nv)
{
    if (m + r >= G->M)
        return;
    const size_t row = (size_t)(m + r) * G->P;
    const row_epilogue e = row_of(G->ep, G->m0 + m + r, (size_t)(G->m0 + m + r) * G->P);
    store4(G->y + row + p, finish4(v0, &e, (size_t)p));
    if (nv == 2)
        store4(G->y + row + p + 4, finish4(v1, &e, (size_t)p + 4));
}

FL_INLINE v4 bias_of(const gemm *G, int m)
{
    return splat4(G->bias && m < G->M ? G->bias[m] : 0.0f);
}

/* MR rows from row m x NR pixels at column p; b: the block's K x NR input copied together (see
 * gemm_run). The accumulators are named variables, not an array: clang kept an array of them in
 * memory (stored at every k) in some builds, at half the speed. */
FL_INLINE void tile_full(const gemm *G, int m, int p, const float *b)
{
    const float *a = G->panels + (size_t)(m / MR) * G->K * MR;
    v4 c00 = bias_of(G, m), c10 = bias_of(G, m + 1), c20 = bias_of(G, m + 2), c30 = bias_of(G, m + 3);
    v4 c01 = c00, c11 = c10, c21 = c20, c31 = c30;
    for (int k = 0; k < G->K; k++, a += MR, b += NR) {
        const v4 x0 = load4(b), x1 = load4(b + 4);
        const v4 w0 = splat4(a[0]), w1 = splat4(a[1]), w2 = splat4(a[2]), w3 = splat4(a[3]);
        c00 += w0 * x0, c01 += w0 * x1, c10 += w1 * x0, c11 += w1 * x1;
        c20 += w2 * x0, c21 += w2 * x1, c30 += w3 * x0, c31 += w3 * x1;
    }
    store_tile_row(G, m, 0, p, c00, c01, 2);
    store_tile_row(G, m, 1, p, c10, c11, 2);
    store_tile_row(G, m, 2, p, c20, c21, 2);
    store_tile_row(G, m, 3, p, c30, c31, 2);
}

/* MR rows x 4 pixels at column p, read from the input in place (rows P apart). */
FL_INLINE void tile_four(const gemm *G, int m, int p)
{
    const float *a = G->panels + (size_t)(m / MR) * G->K * MR, *b = G->b + p;
    v4 c0 = bias_of(G, m), c1 = bias_of(G, m + 1), c2 = bias_of(G, m + 2), c3 = bias_of(G, m + 3);
    for (int k = 0; k < G->K; k++, a += MR, b += G->P) {
        const v4 x = load4(b);
        c0 += splat4(a[0]) * x, c1 += splat4(a[1]) * x, c2 += splat4(a[2]) * x, c3 += splat4(a[3]) * x;
    }
    store_tile_row(G, m, 0, p, c0, c0, 1);
    store_tile_row(G, m, 1, p, c1, c1, 1);
    store_tile_row(G, m, 2, p, c2, c2, 1);
    store_tile_row(G, m, 3, p, c3, c3, 1);
}

/* The last pixels (fewer than 4) of every row of the panel at row m, one at a time, the panel's MR
 * rows in one vector (a 1x1 map, as the mesh's heads of 1404 and 266 channels, is nothing but this
 * tail). Four partial sums in turn over k, so that the adds do not wait on one another. */
FL_KERNEL void tile_tail(const gemm *G, int m, int p0)
{
    const int K = G->K, P = G->P, rows = G->M - m < MR ? G->M - m : MR;
    const float *panel = G->panels + (size_t)(m / MR) * K * MR, *b = G->b;
    const v4 zero = splat4(0.0f);
    for (int p = p0; p < P; p++) {
        v4 acc[4] = {zero, zero, zero, zero};
        int k = 0;
        for (; k + 4 <= K; k += 4)
            for (int u = 0; u < 4; u++)
                acc[u] += load4(panel + (size_t)(k + u) * MR) * splat4(b[(size_t)(k + u) * P + p]);
        for (; k < K; k++)
            acc[0] += load4(panel + (size_t)k * MR) * splat4(b[(size_t)k * P + p]);
        const v4 sum = (acc[0] + acc[1]) + (acc[2] + acc[3]);
        for (int r = 0; r < rows; r++) {
            const size_t row = (size_t)(m + r) * P;
            const row_epilogue e = row_of(G->ep, G->m0 + m + r, (size_t)(G->m0 + m + r) * P);
            G->y[row + p] = finish1((G->bias ? G->bias[m + r] : 0.0f) + sum[r], &e, (size_t)p);
        }
    }
}

/* block: K x NR floats of scratch. Each block of NR pixels is first copied together, so that every
 * panel reads it from consecutive lines rather than from K rows a whole map apart. */
FL_KERNEL void gemm_run(const gemm *G, float *block)
{
    const int K = G->K, P = G->P, full = P - P % NR, fours = P - P % 4;
    for (int p = 0; p < fours; p += p < full ? NR : 4) {
        if (p < full)
            for (int k = 0; k < K; k++)
                memcpy(block + (size_t)k * NR, G->b + (size_t)k * P + p, NR * sizeof *block);
        for (int m = 0; m < G->M; m += MR)
            if (p < full)
                tile_full(G, m, p, block);
            else
                tile_four(G, m, p);
    }
    for (int m = 0; m < G->M && fours < P; m += MR)
        tile_tail(G, m, fours);
}

/* Columns [lo, hi) of an output row whose tap (ow * stride - pad + offset) falls inside a row of
 * W inputs; the others read padding. */
static void inside_columns(int OW, int W, int stride, int start, int *lo, int *hi)
{
    *lo = start >= 0 ? 0 : (-start + stride - 1) / stride;
    *hi = W - start <= 0 ? 0 : (W - start + stride - 1) / stride;
    if (*hi > OW)
        *hi = OW;
    if (*lo > *hi)
        *lo = *hi;
}

/* The im2col matrix of channels [c0, c0 + cn) of one image: row (c, kh, kw), column (oh, ow).
 * The columns inside the image are a strided copy without a test per float. */
FL_KERNEL void im2col(const float *x, int c0, int cn, int H, int W, const fl_conv_attr *c, int OH, int OW, float *col)
{
    const int KH = (int)c->kernel[0], KW = (int)c->kernel[1], SH = (int)c->strides[0], SW = (int)c->strides[1];
    const int DH = (int)c->dilations[0], DW = (int)c->dilations[1], PT = (int)c->pads[0], PL = (int)c->pads[1];
    for (int ci = 0; ci < cn; ci++)
        for (int kh = 0; kh < KH; kh++)
            for (int kw = 0; kw < KW; kw++) {
                float *row = col + ((size_t)(ci * KH + kh) * KW + kw) * OH * OW;
                const float *plane = x + (size_t)(c0 + ci) * H * W;
                const int start = kw * DW - PL;
                int lo, hi;
                inside_columns(OW, W, SW, start, &lo, &hi);
                for (int oh = 0; oh < OH; oh++) {
                    const int ih = oh * SH - PT + kh * DH;
                    float *out = row + (size_t)oh * OW;
                    if (ih < 0 || ih >= H) {
                        memset(out, 0, (size_t)OW * sizeof *out);
                        continue;
                    }
                    const float *in = plane + (size_t)ih * W;
                    for (int ow = 0; ow < lo; ow++)
                        out[ow] = 0.0f;
                    if (SW == 1)
                        memcpy(out + lo, in + lo + start, (size_t)(hi - lo) * sizeof *out);
                    else
                        for (int ow = lo; ow < hi; ow++)
                            out[ow] = in[ow * SW + start];
                    for (int ow = hi; ow < OW; ow++)
                        out[ow] = 0.0f;
                }
            }
}

static int is_depthwise(const fl_conv_attr *c, int C, int M)
{
    return c->group == C && M == C;
}

static int is_depthwise3x3(const fl_conv_attr *c, int C, int M)
{
    return is_depthwise(c, C, M) && c->kernel[0] == 3 && c->kernel[1] == 3 && c->strides[0] == c->strides[1] &&
           (c->strides[0] == 1 || c->strides[0] == 2) && c->dilations[0] == 1 && c->dilations[1] == 1;
}

static int is_pointwise(const fl_conv_attr *c)
{
    return c->kernel[0] == 1 && c->kernel[1] == 1 && c->strides[0] == 1 && c->strides[1] == 1 && c->pads[0] == 0 &&
           c->pads[1] == 0 && c->pads[2] == 0 && c->pads[3] == 0;
}

/* The sizes every function below derives from the shapes. */
typedef struct conv_dims {
    int N, C, H, W, M, OH, OW, G, CG, MG, K, P;
} conv_dims;

static conv_dims dims_of(const fl_tshape *xs, const fl_conv_attr *c, const fl_tshape *ys)
{
    conv_dims d;
    d.N = (int)xs->dims[0], d.C = (int)xs->dims[1], d.H = (int)xs->dims[2], d.W = (int)xs->dims[3];
    d.M = (int)ys->dims[1], d.OH = (int)ys->dims[2], d.OW = (int)ys->dims[3], d.G = (int)c->group;
    d.CG = d.C / d.G, d.MG = d.M / d.G, d.K = d.CG * (int)(c->kernel[0] * c->kernel[1]), d.P = d.OH * d.OW;
    return d;
}

/* The padded plane of a 3x3 depthwise convolution: the input at row PT, column PL, zeros around
 * it, wide and tall enough that every output vector (rounded up to 4 columns and 2 rows) reads
 * inside it, so the kernel has no test per tap, and no column at an edge is left to scalar code.
 * At stride 2 each row is stored deinterleaved, its even columns then its odd ones (half floats
 * each), so that the taps of four outputs (columns 2 ow + kw) are four consecutive floats. */
typedef struct dw_padded {
    int row, height; /* floats per row (2 * half at stride 2), rows */
    int half;        /* stride 2: where the odd columns start in a row */
} dw_padded;

static dw_padded dw_padded_of(const conv_dims *d, const fl_conv_attr *c)
{
    const int stride = (int)c->strides[0], PL = (int)c->pads[1], PT = (int)c->pads[0];
    const int OW4 = (d->OW + 3) / 4 * 4, OH2 = (d->OH + 1) / 2 * 2;
    dw_padded p = {0, stride * (OH2 - 1) + 3, 0};
    if (p.height < PT + d->H)
        p.height = PT + d->H;
    if (stride == 1) {
        p.row = OW4 + 2 > PL + d->W ? OW4 + 2 : PL + d->W;
        return p;
    }
    p.half = OW4 + 1 > (PL + d->W + 1) / 2 ? OW4 + 1 : (PL + d->W + 1) / 2;
    p.row = 2 * p.half;
    return p;
}

/* Input row x (W floats) into padded row r at column PL, deinterleaved at stride 2 (see dw_padded). */
static void dw_copy_row(const float *x, int W, int PL, int stride, int half, float *r)
{
    if (stride == 1) {
        memcpy(r + PL, x, (size_t)W * sizeof *r);
        return;
    }
    /* x[i] goes to padded column PL + i: its even i to one half, its odd i to the other */
    float *evens = r + (PL % 2 ? half : 0) + PL / 2, *odds = r + (PL % 2 ? 0 : half) + (PL + 1) / 2;
    int i = 0;
    for (; i + 8 <= W; i += 8) {
        const v4 a = load4(x + i), b = load4(x + i + 4);
        store4(evens + i / 2, even_lanes(a, b));
        store4(odds + i / 2, odd_lanes(a, b));
    }
    for (; i < W; i++)
        (i % 2 ? odds : evens)[i / 2] = x[i];
}

/* Four outputs from column ow of the three padded tap rows r[0..2]. */
FL_INLINE v4 dw3x3_vec(const float *const *r, int ow, const v4 *kv, float bias, int stride, int half)
{
    v4 acc = splat4(bias);
    for (int kh = 0; kh < 3; kh++) {
        const float *t = r[kh] + ow;
        if (stride == 1)
            acc += kv[kh * 3] * load4(t) + kv[kh * 3 + 1] * load4(t + 1) + kv[kh * 3 + 2] * load4(t + 2);
        else /* columns 2 ow, 2 ow + 1, 2 ow + 2: even ow, odd ow, even ow + 1 */
            acc += kv[kh * 3] * load4(t) + kv[kh * 3 + 1] * load4(t + half) + kv[kh * 3 + 2] * load4(t + 1);
    }
    return acc;
}

/* The first n (1..4) floats of v through the epilogue into y[ow..]: a row's last, partial vector. */
static void store_partial(float *y, int ow, int n, v4 v, const row_epilogue *e)
{
    float lanes[4];
    store4(lanes, v);
    for (int l = 0; l < n; l++)
        y[ow + l] = finish1(lanes[l], e, (size_t)(ow + l));
}

/* Output rows oh and oh + 1 (n = 2) or oh alone (n = 1) of one channel from its padded plane,
 * stride 1 or 2; two rows at a time share the loads of the tap rows they have in common. */
FL_INLINE void dw3x3_rows(const float *padded, const dw_padded *p, int oh, int stride, const float *k, float bias,
                          const row_epilogue *e, int n, int OW, float *y)
{
    const float *r[5]; /* row j of the output reads r[j * stride .. j * stride + 2] */
    for (int i = 0; i < 3 + stride; i++)
        r[i] = padded + (size_t)(oh * stride + i) * p->row;
    v4 kv[9];
    for (int i = 0; i < 9; i++)
        kv[i] = splat4(k[i]);
    for (int ow = 0; ow < OW; ow += 4) {
        const v4 v0 = dw3x3_vec(r, ow, kv, bias, stride, p->half);
        const v4 v1 = n == 2 ? dw3x3_vec(r + stride, ow, kv, bias, stride, p->half) : v0;
        if (ow + 4 <= OW) {
            store4(y + ow, finish4(v0, &e[0], (size_t)ow));
            if (n == 2)
                store4(y + OW + ow, finish4(v1, &e[1], (size_t)ow));
        } else {
            store_partial(y, ow, OW - ow, v0, &e[0]);
            if (n == 2)
                store_partial(y + OW, ow, OW - ow, v1, &e[1]);
        }
    }
}

FL_KERNEL void depthwise3x3(const float *x, const conv_dims *d, const float *w, const float *bias,
                            const fl_conv_attr *c, const fl_conv_epilogue *ep, float *y, float *padded)
{
    const int stride = (int)c->strides[0], PT = (int)c->pads[0], PL = (int)c->pads[1];
    const dw_padded p = dw_padded_of(d, c);
    memset(padded, 0, (size_t)p.row * p.height * sizeof *padded);
    for (int ch = 0; ch < d->C; ch++) {
        for (int ih = 0; ih < d->H; ih++) /* the padding stays zero: only the inside is written */
            dw_copy_row(x + ((size_t)ch * d->H + ih) * d->W, d->W, PL, stride, p.half,
                        padded + (size_t)(ih + PT) * p.row);
        for (int oh = 0; oh < d->OH; oh += 2) {
            const int n = oh + 1 < d->OH ? 2 : 1;
            const size_t row = ((size_t)ch * d->OH + oh) * d->OW;
            const row_epilogue e[2] = {row_of(ep, ch, row), row_of(ep, ch, row + (size_t)d->OW)};
            const float b = bias ? bias[ch] : 0.0f;
            if (stride == 1) /* a constant stride in each, for the compiler */
                dw3x3_rows(padded, &p, oh, 1, w + ch * 9, b, e, n, d->OW, y + row);
            else
                dw3x3_rows(padded, &p, oh, 2, w + ch * 9, b, e, n, d->OW, y + row);
        }
    }
}

/* Any other depthwise convolution (one filter per channel: another kernel size, stride or
 * dilation), directly, a test per tap: in the models, a 5x5 (or 7x7) kernel over a map of its
 * own size, whose im2col matrix per channel would cost more than the convolution. */
FL_KERNEL void depthwise_direct(const float *x, const conv_dims *d, const float *w, const float *bias,
                                const fl_conv_attr *c, const fl_conv_epilogue *ep, float *y)
{
    const int KH = (int)c->kernel[0], KW = (int)c->kernel[1], SH = (int)c->strides[0], SW = (int)c->strides[1];
    const int DH = (int)c->dilations[0], DW = (int)c->dilations[1], PT = (int)c->pads[0], PL = (int)c->pads[1];
    for (int ch = 0; ch < d->C; ch++) {
        const float *plane = x + (size_t)ch * d->H * d->W, *k = w + (size_t)ch * KH * KW;
        for (int oh = 0; oh < d->OH; oh++) {
            const size_t row = ((size_t)ch * d->OH + oh) * d->OW;
            const row_epilogue e = row_of(ep, ch, row);
            for (int ow = 0; ow < d->OW; ow++) {
                float s = bias ? bias[ch] : 0.0f;
                for (int kh = 0; kh < KH; kh++) {
                    const int ih = oh * SH - PT + kh * DH;
                    if (ih < 0 || ih >= d->H)
                        continue;
                    for (int kw = 0; kw < KW; kw++) {
                        const int iw = ow * SW - PL + kw * DW;
                        if (iw >= 0 && iw < d->W)
                            s += k[kh * KW + kw] * plane[(size_t)ih * d->W + iw];
                    }
                }
                y[row + ow] = finish1(s, &e, (size_t)ow);
            }
        }
    }
}

/* Floats of one group's packed weights: its rows rounded up to whole panels, times K. */
static size_t group_floats(const conv_dims *d)
{
    return (size_t)((d->MG + MR - 1) / MR) * MR * (size_t)d->K;
}

fl_status fl__portable_conv_prepare(const fl_tshape *xs, const fl_graph_tensor *w, const fl_conv_attr *c,
                                    const fl_tshape *ys, fl_packed_conv *pc)
{
    const conv_dims d = dims_of(xs, c, ys);
    pc->panels = NULL;
    pc->scratch_floats = 0;
    if (is_depthwise3x3(c, d.C, d.M)) {
        pc->kind = KIND_DEPTHWISE3X3;
        const dw_padded p = dw_padded_of(&d, c);
        pc->scratch_floats = (size_t)p.row * p.height;
        return FL_OK;
    }
    if (is_depthwise(c, d.C, d.M)) {
        pc->kind = KIND_DEPTHWISE;
        return FL_OK;
    }
    pc->kind = is_pointwise(c) ? KIND_POINTWISE : KIND_IM2COL;
    pc->panels = calloc(group_floats(&d) * (size_t)d.G, sizeof *pc->panels);
    if (!pc->panels)
        return FL_E_NO_MEMORY;
    const float *weights = w->data;
    for (int g = 0; g < d.G; g++)
        pack_rows(d.MG, d.K, weights + (size_t)g * d.MG * d.K, pc->panels + g * group_floats(&d));
    pc->scratch_floats = (size_t)d.K * NR + (pc->kind == KIND_IM2COL ? (size_t)d.K * d.P : 0);
    return FL_OK;
}

void fl__portable_conv_release(fl_packed_conv *pc)
{
    free(pc->panels);
    pc->panels = NULL;
}

/* One image: x, y and ep's residual at that image. */
static void conv_image(const fl_packed_conv *pc, const conv_dims *d, const float *x, const float *w, const float *bias,
                       const fl_conv_attr *c, const fl_conv_epilogue *ep, float *y, float *scratch)
{
    if (pc->kind == KIND_DEPTHWISE3X3) {
        depthwise3x3(x, d, w, bias, c, ep, y, scratch);
        return;
    }
    if (pc->kind == KIND_DEPTHWISE) {
        depthwise_direct(x, d, w, bias, c, ep, y);
        return;
    }
    float *block = scratch, *col = scratch + (size_t)d->K * NR;
    for (int g = 0; g < d->G; g++) {
        const float *b = x + (size_t)g * d->CG * d->H * d->W;
        if (pc->kind == KIND_IM2COL) {
            im2col(x, g * d->CG, d->CG, d->H, d->W, c, d->OH, d->OW, col);
            b = col;
        }
        const gemm G = {d->MG, d->K, d->P, pc->panels + g * group_floats(d), b, bias ? bias + g * d->MG : NULL,
                        ep, g * d->MG, y + (size_t)g * d->MG * d->P};
        gemm_run(&G, block);
    }
}

void fl__portable_conv(const fl_packed_conv *pc, const fl_tshape *xs, const float *x, const fl_graph_tensor *w,
                       const float *bias, const fl_conv_attr *c, const fl_conv_epilogue *ep, const fl_tshape *ys,
                       float *y, float *scratch)
{
    const conv_dims d = dims_of(xs, c, ys);
    for (int n = 0; n < d.N; n++) {
        fl_conv_epilogue en = {NULL, FL_ACT_NONE, NULL, 0};
        if (ep) {
            en = *ep;
            en.residual = ep->residual ? ep->residual + (size_t)n * d.M * d.P : NULL;
        }
        conv_image(pc, &d, x + (size_t)n * d.C * d.H * d.W, w->data, bias, c, &en, y + (size_t)n * d.M * d.P,
                   scratch);
    }
}
