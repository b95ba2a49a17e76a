#include "nn/portable_eltwise.h"

#include <string.h>

typedef float v4 __attribute__((vector_size(16)));
typedef int v4i __attribute__((vector_size(16)));

static void add_same(size_t count, const float *a, const float *b, float *y)
{
    size_t i = 0;
    for (; i + 4 <= count; i += 4) {
        v4 va, vb;
        memcpy(&va, a + i, sizeof va);
        memcpy(&vb, b + i, sizeof vb);
        va += vb;
        memcpy(y + i, &va, sizeof va);
    }
    for (; i < count; i++)
        y[i] = a[i] + b[i];
}

/* x < 0 ? x * slope : x over one channel's plane (a NaN stays NaN, as in the reference). */
static void prelu_plane(size_t count, const float *x, float slope, float *y)
{
    const v4 zero = {0, 0, 0, 0}, s = {slope, slope, slope, slope};
    size_t i = 0;
    for (; i + 4 <= count; i += 4) {
        v4 v;
        memcpy(&v, x + i, sizeof v);
        const v4i negative = v < zero;
        const v4i scaled = (v4i)(v * s);
        v = (v4)((scaled & negative) | ((v4i)v & ~negative));
        memcpy(y + i, &v, sizeof v);
    }
    for (; i < count; i++)
        y[i] = x[i] < 0.0f ? x[i] * slope : x[i];
}

/* The slopes' layout: 1 per channel (C of them, broadcast over H and W), 1 in all, else 0. */
static int slopes_per_channel(const fl_tshape *xs, const fl_tshape *ss)
{
    if (xs->rank != 4)
        return 0;
    if (ss->count == 1)
        return 1;
    const int r = ss->rank;
    return ss->count == (size_t)xs->dims[1] && r >= 3 && ss->dims[r - 1] == 1 && ss->dims[r - 2] == 1;
}

int fl__portable_eltwise_handles(const fl_shapes *s, const fl_node *n)
{
    if (n->op != FL_OP_ADD && n->op != FL_OP_PRELU)
        return 0;
    const fl_tshape *as = &s->t[n->inputs[0]], *bs = &s->t[n->inputs[1]], *ys = &s->t[n->outputs[0]];
    if (n->op == FL_OP_PRELU)
        return slopes_per_channel(as, bs);
    return as->count == bs->count && as->count == ys->count && as->rank == bs->rank &&
           memcmp(as->dims, bs->dims, (size_t)as->rank * sizeof as->dims[0]) == 0;
}

int fl__portable_eltwise(const fl_shapes *s, const fl_node *n, float *const *buf)
{
    if (!fl__portable_eltwise_handles(s, n))
        return 0;
    const fl_tshape *as = &s->t[n->inputs[0]], *bs = &s->t[n->inputs[1]];
    const float *x = buf[n->inputs[0]];
    float *y = buf[n->outputs[0]];
    if (n->op == FL_OP_ADD) {
        add_same(as->count, x, buf[n->inputs[1]], y);
        return 1;
    }
    const size_t plane = (size_t)(as->dims[2] * as->dims[3]);
    const int64_t N = as->dims[0], C = as->dims[1];
    const float *slope = buf[n->inputs[1]];
    for (int64_t i = 0; i < N * C; i++)
        prelu_plane(plane, x + i * plane, slope[bs->count == 1 ? 0 : i % C], y + i * plane);
    return 1;
}
