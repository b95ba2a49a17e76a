/*
 * Plain-C kernels for every supported op, on row-major NCHW float tensors. They are the
 * reference the XNNPACK backend is tested against, the fallback for ops XNNPACK lacks, and the
 * whole runtime where XNNPACK does not exist (WebAssembly). Written for clarity first; loops
 * are ordered so the compiler can vectorise the innermost one.
 */
#include "nn/ref_kernels.h"

#include <math.h>
#include <string.h>

#include "nn/tensor_util.h"

static void conv2d(const fl_tshape *xs, const float *x, const fl_graph_tensor *w, const float *bias,
                   const fl_conv_attr *c, const fl_tshape *ys, float *y)
{
    const int64_t N = xs->dims[0], C = xs->dims[1], H = xs->dims[2], W = xs->dims[3];
    const int64_t M = ys->dims[1], OH = ys->dims[2], OW = ys->dims[3];
    const int64_t KH = c->kernel[0], KW = c->kernel[1], SH = c->strides[0], SW = c->strides[1];
    const int64_t DH = c->dilations[0], DW = c->dilations[1], PT = c->pads[0], PL = c->pads[1];
    const int64_t G = c->group, CG = C / G, MG = M / G;
    const float *wd = w->data;
    for (int64_t n = 0; n < N; n++) {
        for (int64_t m = 0; m < M; m++) {
            const int64_t g = m / MG;
            float *yp = y + ((n * M + m) * OH) * OW;
            const float b = bias ? bias[m] : 0.0f;
            for (int64_t i = 0; i < OH * OW; i++)
                yp[i] = b;
            for (int64_t cg = 0; cg < CG; cg++) {
                const int64_t ci = g * CG + cg;
                const float *xp = x + ((n * C + ci) * H) * W;
                for (int64_t kh = 0; kh < KH; kh++) {
                    for (int64_t kw = 0; kw < KW; kw++) {
                        const float wv = wd[((m * CG + cg) * KH + kh) * KW + kw];
                        /* Output columns whose input column is inside the image. */
                        int64_t ow0 = 0, ow1 = OW;
                        while (ow0 < OW && ow0 * SW - PL + kw * DW < 0)
                            ow0++;
                        while (ow1 > ow0 && (ow1 - 1) * SW - PL + kw * DW >= W)
                            ow1--;
                        for (int64_t oh = 0; oh < OH; oh++) {
                            const int64_t ih = oh * SH - PT + kh * DH;
                            if (ih < 0 || ih >= H)
                                continue;
                            const float *xr = xp + ih * W - PL + kw * DW;
                            float *yr = yp + oh * OW;
                            for (int64_t ow = ow0; ow < ow1; ow++)
                                yr[ow] += wv * xr[ow * SW];
                        }
                    }
                }
            }
        }
    }
}

static void max_pool(const fl_tshape *xs, const float *x, const fl_pool_attr *p, const fl_tshape *ys, float *y)
{
    const int64_t NC = xs->dims[0] * xs->dims[1], H = xs->dims[2], W = xs->dims[3];
    const int64_t OH = ys->dims[2], OW = ys->dims[3];
    for (int64_t c = 0; c < NC; c++)
        for (int64_t oh = 0; oh < OH; oh++)
            for (int64_t ow = 0; ow < OW; ow++) {
                float m = -INFINITY;
                for (int64_t kh = 0; kh < p->kernel[0]; kh++)
                    for (int64_t kw = 0; kw < p->kernel[1]; kw++) {
                        int64_t ih = oh * p->strides[0] - p->pads[0] + kh;
                        int64_t iw = ow * p->strides[1] - p->pads[1] + kw;
                        if (ih >= 0 && ih < H && iw >= 0 && iw < W && x[(c * H + ih) * W + iw] > m)
                            m = x[(c * H + ih) * W + iw];
                    }
                y[(c * OH + oh) * OW + ow] = m;
            }
}

/* out = a (op) b with numpy broadcasting; out has shape os. */
typedef enum { BIN_ADD, BIN_MUL, BIN_PRELU } bin_op;

static void binary(bin_op op, const fl_tshape *as, const float *a, const fl_tshape *bs, const float *b,
                   const fl_tshape *os, float *out)
{
    const int r = os->rank;
    int64_t sa[FL_GRAPH_MAX_RANK], sb[FL_GRAPH_MAX_RANK], idx[FL_GRAPH_MAX_RANK] = {0};
    int64_t stride_a = 1, stride_b = 1;
    for (int i = r - 1; i >= 0; i--) {
        int ia = i - (r - as->rank), ib = i - (r - bs->rank);
        int64_t da = ia >= 0 ? as->dims[ia] : 1, db = ib >= 0 ? bs->dims[ib] : 1;
        sa[i] = da == 1 ? 0 : stride_a;
        sb[i] = db == 1 ? 0 : stride_b;
        stride_a *= da;
        stride_b *= db;
    }
    int64_t pa = 0, pb = 0;
    for (size_t o = 0; o < os->count; o++) {
        float va = a[pa], vb = b[pb];
        out[o] = op == BIN_ADD ? va + vb : op == BIN_MUL ? va * vb : (va < 0.0f ? va * vb : va);
        for (int k = r - 1; k >= 0; k--) {
            idx[k]++;
            pa += sa[k];
            pb += sb[k];
            if (idx[k] < os->dims[k])
                break;
            pa -= sa[k] * os->dims[k];
            pb -= sb[k] * os->dims[k];
            idx[k] = 0;
        }
    }
}

static void gemm(const fl_node *n, const fl_tshape *as, const float *a, const fl_graph_tensor *b,
                 const fl_graph_tensor *c, float *y)
{
    const int64_t M = as->dims[0], K = as->dims[1];
    const int tb = n->attr.gemm.trans_b;
    const int64_t N = tb ? b->dims[0] : b->dims[1];
    const float *bd = b->data, *cd = c ? c->data : NULL;
    for (int64_t i = 0; i < M; i++)
        for (int64_t j = 0; j < N; j++) {
            double acc = 0.0;
            for (int64_t k = 0; k < K; k++)
                acc += (double)a[i * K + k] * (tb ? bd[j * K + k] : bd[k * N + j]);
            float v = n->attr.gemm.alpha * (float)acc;
            if (cd)
                v += n->attr.gemm.beta * (c->count == 1 ? cd[0] : cd[j]);
            y[i * N + j] = v;
        }
}

static void softmax(const fl_tshape *xs, int axis, const float *x, float *y)
{
    /* Opset 11..12: the input is coerced to 2-D at `axis` and normalised over the columns. */
    size_t rows = 1, cols = 1;
    for (int i = 0; i < xs->rank; i++)
        *(i < axis ? &rows : &cols) *= (size_t)xs->dims[i];
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        float m = -INFINITY;
        for (size_t c = 0; c < cols; c++)
            m = xr[c] > m ? xr[c] : m;
        double sum = 0.0;
        for (size_t c = 0; c < cols; c++)
            sum += (yr[c] = expf(xr[c] - m));
        for (size_t c = 0; c < cols; c++)
            yr[c] = (float)(yr[c] / sum);
    }
}

static void pad(const fl_tshape *xs, const float *x, const int64_t *pads, float value, const fl_tshape *ys, float *y)
{
    const int r = xs->rank;
    for (size_t i = 0; i < ys->count; i++)
        y[i] = value;
    /* Copy rows of the innermost dim into place, walking the input with an odometer. */
    int64_t idx[FL_GRAPH_MAX_RANK] = {0}, ostride[FL_GRAPH_MAX_RANK];
    int64_t s = 1;
    for (int i = r - 1; i >= 0; i--) {
        ostride[i] = s;
        s *= ys->dims[i];
    }
    const int64_t row = xs->dims[r - 1];
    const size_t rows = row ? xs->count / (size_t)row : 0;
    for (size_t q = 0; q < rows; q++) {
        int64_t off = 0;
        for (int i = 0; i < r; i++)
            off += (idx[i] + pads[i]) * ostride[i];
        memcpy(y + off, x + q * (size_t)row, (size_t)row * sizeof(float));
        for (int k = r - 2; k >= 0; k--) {
            if (++idx[k] < xs->dims[k])
                break;
            idx[k] = 0;
        }
    }
}

static void resize_nearest(const fl_tshape *xs, const float *x, const float *scales, const fl_tshape *ys, float *y)
{
    const int64_t NC = xs->dims[0] * xs->dims[1], H = xs->dims[2], W = xs->dims[3];
    const int64_t OH = ys->dims[2], OW = ys->dims[3];
    for (int64_t c = 0; c < NC; c++)
        for (int64_t oh = 0; oh < OH; oh++) {
            /* asymmetric: in = out / scale, nearest_mode floor */
            int64_t ih = (int64_t)floorf((float)oh / scales[2]);
            ih = ih < H ? ih : H - 1;
            for (int64_t ow = 0; ow < OW; ow++) {
                int64_t iw = (int64_t)floorf((float)ow / scales[3]);
                iw = iw < W ? iw : W - 1;
                y[(c * OH + oh) * OW + ow] = x[(c * H + ih) * W + iw];
            }
        }
}

static void global_avg_pool(const fl_tshape *xs, const float *x, float *y)
{
    const int64_t NC = xs->dims[0] * xs->dims[1], HW = xs->dims[2] * xs->dims[3];
    for (int64_t c = 0; c < NC; c++) {
        double s = 0.0;
        for (int64_t i = 0; i < HW; i++)
            s += x[c * HW + i];
        y[c] = (float)(s / (double)HW);
    }
}

void fl__ref_node(const fl_graph *g, const fl_shapes *s, const fl_node *n, float *const *buf)
{
    const fl_tshape *xs = &s->t[n->inputs[0]], *ys = &s->t[n->outputs[0]];
    const float *x = buf[n->inputs[0]];
    float *y = buf[n->outputs[0]];
    const fl_graph_tensor *gt = g->tensors;
    if (fl__ref_node_is_planned(g, n))
        return; /* int64 shape values were computed while planning */
    _Static_assert(FL_OP_COUNT_ == 19, "a new op: give it its case here");
    switch (n->op) {
    case FL_OP_CONV:
        conv2d(xs, x, &gt[n->inputs[1]], n->n_inputs > 2 && n->inputs[2] >= 0 ? gt[n->inputs[2]].data : NULL,
               &n->attr.conv, ys, y);
        return;
    case FL_OP_MAX_POOL: max_pool(xs, x, &n->attr.pool, ys, y); return;
    case FL_OP_RELU:
        for (size_t i = 0; i < ys->count; i++)
            y[i] = x[i] > 0.0f ? x[i] : 0.0f;
        return;
    case FL_OP_SIGMOID:
        for (size_t i = 0; i < ys->count; i++)
            y[i] = 1.0f / (1.0f + expf(-x[i]));
        return;
    case FL_OP_ADD:
    case FL_OP_MUL:
    case FL_OP_PRELU: {
        bin_op op = n->op == FL_OP_ADD ? BIN_ADD : n->op == FL_OP_MUL ? BIN_MUL : BIN_PRELU;
        binary(op, xs, x, &s->t[n->inputs[1]], buf[n->inputs[1]], ys, y);
        return;
    }
    case FL_OP_GLOBAL_AVG_POOL: global_avg_pool(xs, x, y); return;
    case FL_OP_GEMM:
        gemm(n, xs, x, &gt[n->inputs[1]], n->n_inputs > 2 && n->inputs[2] >= 0 ? &gt[n->inputs[2]] : NULL, y);
        return;
    case FL_OP_SOFTMAX: {
        int axis = (int)(n->attr.axis.axis < 0 ? n->attr.axis.axis + xs->rank : n->attr.axis.axis);
        softmax(xs, axis, x, y);
        return;
    }
    case FL_OP_PAD: {
        int64_t pads[2 * FL_GRAPH_MAX_RANK];
        float value;
        fl__pad_params(g, s, n, pads, &value);
        pad(xs, x, pads, value, ys, y);
        return;
    }
    case FL_OP_RESIZE: {
        float scales[FL_GRAPH_MAX_RANK];
        fl__resize_scales(g, s, n, scales);
        resize_nearest(xs, x, scales, ys, y);
        return;
    }
    case FL_OP_TRANSPOSE: {
        int64_t perm[FL_GRAPH_MAX_RANK];
        fl__transpose_perm(n, xs->rank, perm);
        fl__transpose_f32(x, xs->rank, xs->dims, perm, y);
        return;
    }
    case FL_OP_FLATTEN:
    case FL_OP_RESHAPE:
    case FL_OP_UNSQUEEZE:
        if (y != x)
            memcpy(y, x, ys->count * sizeof(float));
        return;
    case FL_OP_CONCAT: {
        const void *srcs[64];
        for (int i = 0; i < n->n_inputs; i++)
            srcs[i] = buf[n->inputs[i]];
        int axis = (int)(n->attr.axis.axis < 0 ? n->attr.axis.axis + xs->rank : n->attr.axis.axis);
        fl__concat_bytes(s->t, n, axis, srcs, y, sizeof(float));
        return;
    }
    case FL_OP_SHAPE:
    case FL_OP_GATHER:
    case FL_OP_COUNT_:
        return;
    }
}

int fl__ref_node_is_planned(const fl_graph *g, const fl_node *n)
{
    return g->tensors[n->outputs[0]].dtype == FL_DTYPE_INT64;
}

void fl__bind_graph_inputs(const fl_graph *g, float **buf, const float *const *inputs)
{
    for (int i = 0; i < g->n_inputs; i++)
        buf[g->inputs[i]] = (float *)inputs[i]; /* read only */
}

void fl__copy_graph_outputs(const fl_graph *g, const fl_shapes *s, float *const *buf, float *const *outputs)
{
    for (int i = 0; i < g->n_outputs; i++) {
        int t = g->outputs[i];
        memcpy(outputs[i], buf[t], s->t[t].count * sizeof(float));
    }
}
