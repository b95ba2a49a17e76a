#include "nn/portable_ops.h"

#include <math.h>

#include "nn/vec4.h"

static void add_same(size_t count, const float *a, const float *b, float *y)
{
    size_t i = 0;
    for (; i + 4 <= count; i += 4)
        store4(y + i, load4(a + i) + load4(b + i));
    for (; i < count; i++)
        y[i] = a[i] + b[i];
}

/* x < 0 ? x * slope : x over one channel's plane (a NaN stays NaN, as in the reference). */
static void prelu_plane(size_t count, const float *x, float slope, float *y)
{
    const v4 zero = splat4(0.0f), s = splat4(slope);
    size_t i = 0;
    for (; i + 4 <= count; i += 4) {
        const v4 v = load4(x + i);
        store4(y + i, where4(v < zero, v * s, v));
    }
    for (; i < count; i++)
        y[i] = x[i] < 0.0f ? x[i] * slope : x[i];
}

int fl__portable_prelu_slope_step(const fl_tshape *xs, const fl_tshape *ss)
{
    if (xs->rank != 4)
        return -1;
    if (ss->count == 1)
        return 0;
    const int r = ss->rank;
    return ss->count == (size_t)xs->dims[1] && r >= 3 && ss->dims[r - 1] == 1 && ss->dims[r - 2] == 1 ? 1 : -1;
}

/* x * scale over one channel's plane (a squeeze-excitation block's gate). */
static void scale_plane(size_t count, const float *x, float scale, float *y)
{
    const v4 s = splat4(scale);
    size_t i = 0;
    for (; i + 4 <= count; i += 4)
        store4(y + i, load4(x + i) * s);
    for (; i < count; i++)
        y[i] = x[i] * scale;
}

/* Which input of a Mul is an NCHW tensor of the output's shape while the other is [N,C,1,1] (one
 * factor per channel): 0 or 1, else -1. */
static int mul_per_channel(const fl_shapes *s, const fl_node *n)
{
    const fl_tshape *ys = &s->t[n->outputs[0]];
    for (int i = 0; i < 2; i++) {
        const fl_tshape *xs = &s->t[n->inputs[i]], *fs = &s->t[n->inputs[1 - i]];
        if (xs->rank == 4 && fs->rank == 4 && xs->count == ys->count && fs->dims[0] == xs->dims[0] &&
            fs->dims[1] == xs->dims[1] && fs->dims[2] == 1 && fs->dims[3] == 1 && xs->dims[2] * xs->dims[3] > 1)
            return i;
    }
    return -1;
}

/* x > 0 ? x : 0, as the reference (a NaN becomes 0). */
static void relu(size_t count, const float *x, float *y)
{
    const v4 zero = splat4(0.0f);
    size_t i = 0;
    for (; i + 4 <= count; i += 4) {
        const v4 v = load4(x + i);
        store4(y + i, where4(v > zero, v, zero));
    }
    for (; i < count; i++)
        y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

/* The larger of m and v where v is larger (a NaN in v is skipped, as the reference skips it). */
static inline v4 max_into(v4 m, v4 v)
{
    return where4(v > m, v, m);
}

/* 2x2 max pooling of stride 2 over one plane; the output is H/2 x W/2 (rounded down). Four outputs
 * from eight floats of each of two rows, the taps in the reference's order. */
static void max_pool2(const float *x, int W, int OH, int OW, float *y)
{
    for (int oh = 0; oh < OH; oh++) {
        const float *r0 = x + (size_t)(2 * oh) * W, *r1 = r0 + W;
        float *yr = y + (size_t)oh * OW;
        int ow = 0;
        for (; ow + 4 <= OW && 2 * ow + 8 <= W; ow += 4) {
            const v4 a0 = load4(r0 + 2 * ow), a1 = load4(r0 + 2 * ow + 4);
            const v4 b0 = load4(r1 + 2 * ow), b1 = load4(r1 + 2 * ow + 4);
            v4 m = max_into(splat4(-INFINITY), even_lanes(a0, a1));
            m = max_into(m, odd_lanes(a0, a1));
            m = max_into(m, even_lanes(b0, b1));
            store4(yr + ow, max_into(m, odd_lanes(b0, b1)));
        }
        for (; ow < OW; ow++) {
            const float taps[4] = {r0[2 * ow], r0[2 * ow + 1], r1[2 * ow], r1[2 * ow + 1]};
            float m = -INFINITY;
            for (int k = 0; k < 4; k++)
                if (taps[k] > m)
                    m = taps[k];
            yr[ow] = m;
        }
    }
}

/* Nearest resize of one plane by whole factors sh x sw: out(oh, ow) = in(oh / sh, ow / sw), which
 * is the reference's floor(out / scale) when the scales are whole. Each input row is widened once
 * (two floats from one with a shuffle at sw = 2) and copied sh times. */
static void resize_whole(const float *x, int H, int W, int sh, int sw, float *y)
{
    const int OW = W * sw;
    for (int ih = 0; ih < H; ih++) {
        const float *in = x + (size_t)ih * W;
        float *row = y + (size_t)ih * sh * OW;
        int iw = 0;
        if (sw == 2)
            for (; iw + 4 <= W; iw += 4) {
                const v4 v = load4(in + iw);
                store4(row + 2 * iw, dup_low(v));
                store4(row + 2 * iw + 4, dup_high(v));
            }
        for (; iw < W; iw++)
            for (int k = 0; k < sw; k++)
                row[iw * sw + k] = in[iw];
        for (int r = 1; r < sh; r++)
            memcpy(row + (size_t)r * OW, row, (size_t)OW * sizeof *row);
    }
}

/* A Resize (the loader admits nearest, asymmetric, floor only) of an NCHW tensor by whole factors
 * in H and W only: YuNet's upsamplings. */
static int is_resize_whole(const fl_graph *g, const fl_shapes *s, const fl_node *n, float *scales)
{
    const fl_tshape *xs = &s->t[n->inputs[0]], *ys = &s->t[n->outputs[0]];
    if (xs->rank != 4 || ys->rank != 4)
        return 0;
    fl__resize_scales(g, s, n, scales);
    return scales[0] == 1.0f && scales[1] == 1.0f && scales[2] == floorf(scales[2]) && scales[2] >= 1.0f &&
           scales[3] == floorf(scales[3]) && scales[3] >= 1.0f && ys->dims[0] == xs->dims[0] &&
           ys->dims[1] == xs->dims[1] && ys->dims[2] == xs->dims[2] * (int64_t)scales[2] &&
           ys->dims[3] == xs->dims[3] * (int64_t)scales[3];
}

static int is_max_pool2(const fl_node *n, const fl_tshape *xs, const fl_tshape *ys)
{
    const fl_pool_attr *p = &n->attr.pool;
    return xs->rank == 4 && p->kernel[0] == 2 && p->kernel[1] == 2 && p->strides[0] == 2 && p->strides[1] == 2 &&
           !p->pads[0] && !p->pads[1] && !p->pads[2] && !p->pads[3] && ys->dims[2] == xs->dims[2] / 2 &&
           ys->dims[3] == xs->dims[3] / 2;
}

int fl__portable_op_handles(const fl_graph *g, const fl_shapes *s, const fl_node *n)
{
    float scales[FL_GRAPH_MAX_RANK];
    if (n->op == FL_OP_RESIZE)
        return is_resize_whole(g, s, n, scales);
    if (n->op == FL_OP_MUL)
        return mul_per_channel(s, n) >= 0;
    if (n->op == FL_OP_RELU)
        return 1;
    if (n->op == FL_OP_MAX_POOL)
        return is_max_pool2(n, &s->t[n->inputs[0]], &s->t[n->outputs[0]]);
    if (n->op != FL_OP_ADD && n->op != FL_OP_PRELU)
        return 0;
    const fl_tshape *as = &s->t[n->inputs[0]], *bs = &s->t[n->inputs[1]], *ys = &s->t[n->outputs[0]];
    if (n->op == FL_OP_PRELU)
        return fl__portable_prelu_slope_step(as, bs) >= 0;
    return fl__tshape_same(as, bs) && as->count == ys->count;
}

void fl__portable_op(const fl_graph *g, const fl_shapes *s, const fl_node *n, float *const *buf)
{
    const fl_tshape *as = &s->t[n->inputs[0]], *ys = &s->t[n->outputs[0]];
    const float *x = buf[n->inputs[0]];
    float *y = buf[n->outputs[0]];
    if (n->op == FL_OP_RELU) {
        relu(ys->count, x, y);
        return;
    }
    if (n->op == FL_OP_RESIZE) {
        float sc[FL_GRAPH_MAX_RANK];
        fl__resize_scales(g, s, n, sc);
        const int64_t planes = as->dims[0] * as->dims[1], H = as->dims[2], W = as->dims[3];
        for (int64_t i = 0; i < planes; i++)
            resize_whole(x + i * H * W, (int)H, (int)W, (int)sc[2], (int)sc[3], y + i * ys->dims[2] * ys->dims[3]);
        return;
    }
    if (n->op == FL_OP_MUL) {
        const int i = mul_per_channel(s, n);
        const fl_tshape *xs = &s->t[n->inputs[i]];
        const size_t plane = (size_t)(xs->dims[2] * xs->dims[3]);
        const float *xi = buf[n->inputs[i]], *f = buf[n->inputs[1 - i]];
        for (int64_t c = 0; c < xs->dims[0] * xs->dims[1]; c++)
            scale_plane(plane, xi + c * plane, f[c], y + c * plane);
        return;
    }
    if (n->op == FL_OP_MAX_POOL) {
        const int64_t planes = as->dims[0] * as->dims[1], H = as->dims[2], W = as->dims[3];
        for (int64_t i = 0; i < planes; i++)
            max_pool2(x + i * H * W, (int)W, (int)ys->dims[2], (int)ys->dims[3],
                      y + i * ys->dims[2] * ys->dims[3]);
        return;
    }
    const fl_tshape *bs = &s->t[n->inputs[1]];
    if (n->op == FL_OP_ADD) {
        add_same(as->count, x, buf[n->inputs[1]], y);
        return;
    }
    const size_t plane = (size_t)(as->dims[2] * as->dims[3]);
    const int64_t N = as->dims[0], C = as->dims[1];
    const float *slope = buf[n->inputs[1]];
    for (int64_t i = 0; i < N * C; i++)
        prelu_plane(plane, x + i * plane, slope[bs->count == 1 ? 0 : i % C], y + i * plane);
}
