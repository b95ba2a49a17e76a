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
enum { MR = 4, NV = 2, NR = 4 * NV };

/* a (M x K) as panels of MR rows: packed[panel][k][r]; rows past M are zero. */
static float *pack_rows(int M, int K, const float *a)
{
    const int panels = (M + MR - 1) / MR;
    float *packed = calloc((size_t)panels * (size_t)K * MR, sizeof *packed);
    if (!packed)
        return NULL;
    for (int m = 0; m < M; m++)
        for (int k = 0; k < K; k++)
            packed[((size_t)(m / MR) * K + k) * MR + m % MR] = a[(size_t)m * K + k];
    return packed;
}

/* MR rows (rows <= MR of them real) x 4*nv pixels at column p; nv is NV, or 1 for the tail. */
static inline void tile(int K, int P, const float *panel, const float *b, int b_stride, const float *bias, int relu,
                        int rows, int nv, float *y)
{
    v4 acc[MR][NV];
    for (int r = 0; r < MR; r++)
        for (int j = 0; j < nv; j++)
            acc[r][j] = splat4(bias && r < rows ? bias[r] : 0.0f);
    for (int k = 0; k < K; k++) {
        v4 bv[NV];
        for (int j = 0; j < nv; j++)
            bv[j] = load4(b + (size_t)k * b_stride + 4 * j);
        const float *a = panel + (size_t)k * MR;
        for (int r = 0; r < MR; r++) {
            const v4 ar = splat4(a[r]);
            for (int j = 0; j < nv; j++)
                acc[r][j] += ar * bv[j];
        }
    }
    const v4 zero = splat4(0.0f);
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < nv; j++)
            store4(y + (size_t)r * P + 4 * j, relu ? where4(acc[r][j] > zero, acc[r][j], zero) : acc[r][j]);
}

/* b: the block's K x NR input copied together (see fl__portable_gemm) */
static void tile_full(int K, int P, const float *panel, const float *b, const float *bias, int relu, int rows, float *y)
{
    tile(K, P, panel, b, NR, bias, relu, rows, NV, y);
}

static void tile_four(int K, int P, const float *panel, const float *b, const float *bias, int relu, int rows, float *y)
{
    tile(K, P, panel, b, P, bias, relu, rows, 1, y);
}

/* The last pixels (fewer than 4) of every row of a panel, one at a time. */
static void tile_tail(int K, int P, int p0, const float *panel, const float *b, const float *bias, int relu, int rows,
                      float *y)
{
    for (int p = p0; p < P; p++)
        for (int r = 0; r < rows; r++) {
            float s = bias ? bias[r] : 0.0f;
            for (int k = 0; k < K; k++)
                s += panel[(size_t)k * MR + r] * b[(size_t)k * P + p];
            y[(size_t)r * P + p] = relu && !(s > 0.0f) ? 0.0f : s;
        }
}

fl_status fl__portable_gemm(int M, int K, int P, const float *a, const float *b, const float *bias, int relu, float *y)
{
    float *packed = pack_rows(M, K, a);
    /* each block of NR pixels is first copied together (K x NR floats), so that every panel reads
     * it from consecutive lines rather than from K rows a whole map apart */
    float *block = malloc((size_t)K * NR * sizeof *block);
    if (!packed || !block) {
        free(packed);
        free(block);
        return FL_E_NO_MEMORY;
    }
    const int full = P - P % NR, fours = P - P % 4;
    for (int p = 0; p < fours; p += p < full ? NR : 4) {
        if (p < full)
            for (int k = 0; k < K; k++)
                memcpy(block + (size_t)k * NR, b + (size_t)k * P + p, NR * sizeof *block);
        for (int m = 0; m < M; m += MR) {
            const float *panel = packed + (size_t)(m / MR) * K * MR;
            const int rows = M - m < MR ? M - m : MR;
            float *yp = y + (size_t)m * P + p;
            if (p < full)
                tile_full(K, P, panel, block, bias ? bias + m : NULL, relu, rows, yp);
            else
                tile_four(K, P, panel, b + p, bias ? bias + m : NULL, relu, rows, yp);
        }
    }
    for (int m = 0; m < M && fours < P; m += MR)
        tile_tail(K, P, fours, packed + (size_t)(m / MR) * K * MR, b, bias ? bias + m : NULL, relu,
                  M - m < MR ? M - m : MR, y + (size_t)m * P);
    free(block);
    free(packed);
    return FL_OK;
}

/* The im2col matrix of channels [c0, c0 + cn) of one image: row (c, kh, kw), column (oh, ow). */
static void im2col(const float *x, int c0, int cn, int H, int W, const fl_conv_attr *c, int OH, int OW, float *col)
{
    const int KH = (int)c->kernel[0], KW = (int)c->kernel[1], SH = (int)c->strides[0], SW = (int)c->strides[1];
    const int DH = (int)c->dilations[0], DW = (int)c->dilations[1], PT = (int)c->pads[0], PL = (int)c->pads[1];
    for (int ci = 0; ci < cn; ci++)
        for (int kh = 0; kh < KH; kh++)
            for (int kw = 0; kw < KW; kw++) {
                float *row = col + ((size_t)(ci * KH + kh) * KW + kw) * OH * OW;
                const float *plane = x + (size_t)(c0 + ci) * H * W;
                for (int oh = 0; oh < OH; oh++) {
                    const int ih = oh * SH - PT + kh * DH;
                    for (int ow = 0; ow < OW; ow++) {
                        const int iw = ow * SW - PL + kw * DW;
                        row[oh * OW + ow] = ih >= 0 && ih < H && iw >= 0 && iw < W ? plane[ih * W + iw] : 0.0f;
                    }
                }
            }
}

/* Four outputs of one tap row: the inputs at r[kw], r[kw + stride], ... */
static inline v4 taps4(const float *r, int kw, int stride)
{
    return stride == 1 ? load4(r + kw) : even_lanes(load4(r + kw), load4(r + kw + 4));
}

/* One output row of a 3x3 depthwise convolution of stride 1 or 2 and dilation 1: the columns
 * whose taps (and, at stride 2, the one float past them that a vector load reads) are all inside
 * the row go four at a time, the edges one at a time. */
static void dw3x3_row(const float *plane, int H, int W, int ih0, int PL, int stride, const float *k, float bias,
                      int relu, int OW, float *y)
{
    v4 kv[9]; /* the taps' weights as vectors, made once a row */
    for (int i = 0; i < 9; i++)
        kv[i] = splat4(k[i]);
    const v4 zero = splat4(0.0f);
    /* interior: stride*ow - PL >= 0 and stride*(ow+3) - PL + 2 + (stride - 1) <= W - 1 */
    const int lo = (PL + stride - 1) / stride;
    const int last = (W - 2 - stride + PL) / stride - 3; /* the last ow that starts an interior vector */
    for (int ow = 0; ow < OW; ow++) {
        if (ow >= lo && ow <= last && W - 2 - stride + PL >= 0) {
            v4 acc = splat4(bias);
            for (int kh = 0; kh < 3; kh++) {
                const int ih = ih0 + kh;
                if (ih < 0 || ih >= H)
                    continue;
                const float *r = plane + (size_t)ih * W + stride * ow - PL;
                acc += kv[kh * 3] * taps4(r, 0, stride) + kv[kh * 3 + 1] * taps4(r, 1, stride) +
                       kv[kh * 3 + 2] * taps4(r, 2, stride);
            }
            store4(y + ow, relu ? where4(acc > zero, acc, zero) : acc);
            ow += 3;
            continue;
        }
        float s = bias;
        for (int kh = 0; kh < 3; kh++)
            for (int kw = 0; kw < 3; kw++) {
                const int ih = ih0 + kh, iw = stride * ow - PL + kw;
                if (ih >= 0 && ih < H && iw >= 0 && iw < W)
                    s += k[kh * 3 + kw] * plane[(size_t)ih * W + iw];
            }
        y[ow] = relu && !(s > 0.0f) ? 0.0f : s;
    }
}

static int is_depthwise3x3(const fl_conv_attr *c, int C, int M)
{
    return c->group == C && M == C && c->kernel[0] == 3 && c->kernel[1] == 3 && c->strides[0] == c->strides[1] &&
           (c->strides[0] == 1 || c->strides[0] == 2) && c->dilations[0] == 1 && c->dilations[1] == 1;
}

static void depthwise3x3(const float *x, int C, int H, int W, const float *w, const float *bias, const fl_conv_attr *c,
                         int relu, int OH, int OW, float *y)
{
    const int stride = (int)c->strides[0];
    for (int ch = 0; ch < C; ch++)
        for (int oh = 0; oh < OH; oh++)
            dw3x3_row(x + (size_t)ch * H * W, H, W, oh * stride - (int)c->pads[0], (int)c->pads[1], stride, w + ch * 9,
                      bias ? bias[ch] : 0.0f, relu, OW, y + ((size_t)ch * OH + oh) * OW);
}

static int is_pointwise(const fl_conv_attr *c)
{
    return c->kernel[0] == 1 && c->kernel[1] == 1 && c->strides[0] == 1 && c->strides[1] == 1 && c->pads[0] == 0 &&
           c->pads[1] == 0 && c->pads[2] == 0 && c->pads[3] == 0;
}

fl_status fl__portable_conv(const fl_tshape *xs, const float *x, const fl_graph_tensor *w, const float *bias,
                            const fl_conv_attr *c, int relu, const fl_tshape *ys, float *y)
{
    const int N = (int)xs->dims[0], C = (int)xs->dims[1], H = (int)xs->dims[2], W = (int)xs->dims[3];
    const int M = (int)ys->dims[1], OH = (int)ys->dims[2], OW = (int)ys->dims[3], G = (int)c->group;
    const int CG = C / G, MG = M / G, K = CG * (int)(c->kernel[0] * c->kernel[1]), P = OH * OW;
    const float *wd = w->data;
    const int direct = is_pointwise(c), dw = is_depthwise3x3(c, C, M);
    float *col = direct || dw ? NULL : malloc((size_t)K * P * sizeof *col);
    if (!direct && !dw && !col)
        return FL_E_NO_MEMORY;
    fl_status s = FL_OK;
    for (int n = 0; n < N && !s; n++) {
        const float *xn = x + (size_t)n * C * H * W;
        float *yn = y + (size_t)n * M * P;
        if (dw) {
            depthwise3x3(xn, C, H, W, wd, bias, c, relu, OH, OW, yn);
            continue;
        }
        for (int g = 0; g < G && !s; g++) {
            const float *b = xn + (size_t)g * CG * H * W;
            if (!direct) {
                im2col(xn, g * CG, CG, H, W, c, OH, OW, col);
                b = col;
            }
            s = fl__portable_gemm(MG, K, P, wd + (size_t)g * MG * K, b, bias ? bias + g * MG : NULL, relu,
                                  yn + (size_t)g * MG * P);
        }
    }
    free(col);
    return s;
}
