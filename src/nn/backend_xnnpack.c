/*
 * The XNNPACK backend.
 *
 * The graph is scheduled so that ops XNNPACK can run come in as long runs as possible; each
 * run becomes XNNPACK subgraphs and runtimes (NHWC), and the ops between runs go through the
 * plain-C kernels (NCHW). Inside a run, chains of convolutions on large maps and detection heads
 * (nn/pipeline_plan.h chooses them) are each one step of facelive's own row pipeline
 * (nn/nhwc_kernels.h), which never writes the intermediate maps of a chain to memory and runs a
 * head's small branches as one; it runs between XNNPACK runtimes on the same NHWC buffers: a
 * tensor produced in NHWC is handed to the next step as it lies, and turned NCHW only when a C
 * step or the caller reads it. For the default model pack only YuNet's head Transposes and
 * Reshapes run in C.
 *
 * Mapping choices (Debian's XNNPACK of 2022-02 has no transpose, concat or nearest resize):
 * - Resize nearest with integer scales becomes a broadcast multiply by ones over a 5-D view
 *   (define_resize): each input pixel is copied into its scale x scale block, which is exactly
 *   ONNX asymmetric/floor nearest upsampling.
 * - A Conv with group == input channels and one input channel per group is depthwise.
 * - Constants of elementwise ops are aligned to 4-D and stored NHWC.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xnnpack.h>

#include "common/clock.h"
#include "common/error.h"
#include "nn/backend.h"
#include "nn/exec_buffers.h"
#include "nn/nhwc_kernels.h"
#include "nn/pipeline_plan.h"
#include "nn/ref_kernels.h"
#include "nn/tensor_util.h"

/* A tensor an NHWC step reads or writes. */
typedef struct ext_value {
    uint32_t id;
    int tensor;
    int is_output;
    int is_graph_input; /* a 4-D graph input: given NHWC, it is copied, not transposed */
    int resident;       /* scratch is the exec's NHWC buffer of the tensor (handed over as it lies) */
    float *scratch;     /* tensor in NHWC, with XNN_EXTRA_BYTES of slack */
} ext_value;

typedef struct step {
    fl_step_kind kind;
    int node;           /* C steps: the node */
    int fused[FL_STEP_MAX_NODES]; /* NHWC steps: the nodes of the row pipeline, in order */
    int n_fused;
    xnn_runtime_t rt;   /* XNNPACK steps */
    ext_value *ext;     /* XNNPACK and NHWC steps: inputs and outputs (NHWC: ext[0] in, ext[1] out) */
    int n_ext;
    const float *nhwc_src; /* a C step whose result is this NHWC tensor as it lies */
    int nhwc_stride;       /* its pixels' stride in floats when they lie among others' (a head group's) */
    int first_node;        /* the first node an XNNPACK step runs (reports) */
    fl_row_pipeline *pipe; /* NHWC steps (in the exec's keep list) */
    float *ring;           /* NHWC steps: the pipeline's rows (in the exec's keep list) */
} step;

typedef struct xnn_exec {
    fl_exec_buffers t; /* shapes, and NCHW data of tensors that C steps or the caller read */
    float **nhwc;      /* per tensor: its NHWC buffer when an XNNPACK or NHWC step produces it */
    int *nhwc_stride;  /* per tensor: 0, or a head group's channels, the stride of its pixels in nhwc */
    char *nchw_needed; /* per tensor: a C step or the caller reads it in NCHW */
    int nhwc_ok;       /* no C step reads a 4-D graph input: inputs may come NHWC */
    step *steps;
    int n_steps;
    int n_accelerated; /* nodes inside XNNPACK runtimes and NHWC kernels */
    int n_nhwc;        /* of those, nodes in the NHWC kernels */
    void **keep; /* transformed weights: must outlive the runtimes */
    int n_keep, cap_keep;
} xnn_exec;

/* ---- helpers ---------------------------------------------------------------------- */

static int is_act(const fl_graph *g, int t)
{
    return t >= 0 && !g->tensors[t].is_const && g->tensors[t].dtype == FL_DTYPE_FLOAT32;
}

enum { CACHE_LINE = 64 };

static void *keep_alloc(xnn_exec *e, size_t bytes)
{
    if (e->n_keep == e->cap_keep) {
        int cap = e->cap_keep ? e->cap_keep * 2 : 64;
        void **k = realloc(e->keep, (size_t)cap * sizeof *k);
        if (!k)
            return NULL;
        e->keep = k;
        e->cap_keep = cap;
    }
    /* On a cache line: a 64-byte vector load from anywhere else spans two lines, and the row
     * pipeline's depthwise stage, nine loads per output vector, ran 1.7x slower so (a 64 x 160 x
     * 160 1x1 + depthwise pair, 16-byte against 64-byte aligned rows). */
    const size_t size = (bytes + XNN_EXTRA_BYTES + CACHE_LINE - 1) / CACHE_LINE * CACHE_LINE;
    void *p = aligned_alloc(CACHE_LINE, size);
    if (p) {
        memset(p, 0, size);
        e->keep[e->n_keep++] = p;
    }
    return p;
}

/* XNNPACK dims of a tensor: NHWC for 4-D, the logical dims otherwise. */
static int xnn_dims(const fl_tshape *t, size_t *d)
{
    if (t->rank == 4) {
        d[0] = (size_t)t->dims[0];
        d[1] = (size_t)t->dims[2];
        d[2] = (size_t)t->dims[3];
        d[3] = (size_t)t->dims[1];
        return 4;
    }
    for (int i = 0; i < t->rank; i++)
        d[i] = (size_t)t->dims[i];
    return t->rank;
}

/* Reshapes whose element order is the same in NHWC and in row-major NCHW: those XNNPACK can do
 * as a plain copy. A 4-D side is stored NHWC, which matches NCHW order when H*W or C is 1. */
static int reshape_keeps_order(const fl_tshape *in, const fl_tshape *out)
{
    int in_ok = in->rank != 4 || in->dims[1] == 1 || in->dims[2] * in->dims[3] == 1;
    int out_ok = out->rank != 4 || out->dims[1] == 1 || out->dims[2] * out->dims[3] == 1;
    return in_ok && out_ok && in->rank <= XNN_MAX_TENSOR_DIMS && out->rank <= XNN_MAX_TENSOR_DIMS;
}

/* Per-channel slope of a PRelu: 1 when the slope varies only along C of a 4-D input. */
static int slope_is_per_channel(const fl_tshape *x, const fl_tshape *s)
{
    if (x->rank != 4 || s->rank > 4)
        return 0;
    for (int i = 0; i < s->rank; i++) {
        int axis = 4 - s->rank + i;
        if (s->dims[i] != 1 && !(axis == 1 && s->dims[i] == x->dims[1]))
            return 0;
    }
    return 1;
}

/* The Gemm that is the only reader of tensor t, as its first input (and t not a graph output),
 * or NULL. */
static const fl_node *sole_gemm_reader(const fl_graph *g, int t)
{
    if (fl__tensor_readers(g, t) != 1)
        return NULL;
    for (int j = 0; j < g->n_nodes; j++)
        if (g->nodes[j].op == FL_OP_GEMM && g->nodes[j].inputs[0] == t)
            return &g->nodes[j];
    return NULL;
}

/* A Flatten or Reshape of a 4-D map to [N, C*H*W] read only by a Gemm: in NHWC memory the flat
 * order is (h, w, c), not ONNX's (c, h, w), so the Gemm's weights are permuted to match instead
 * (define_gemm) and the whole model stays in one runtime, with no NCHW round trip for the C
 * step it would otherwise be (the human models' classifier heads). */
static int flatten_into_gemm(const fl_graph *g, const fl_shapes *s, const fl_node *n)
{
    if (n->op != FL_OP_FLATTEN && n->op != FL_OP_RESHAPE)
        return 0;
    const fl_tshape *x = &s->t[n->inputs[0]], *y = &s->t[n->outputs[0]];
    return x->rank == 4 && y->rank == 2 && y->dims[0] == x->dims[0] && g->tensors[n->inputs[0]].dtype == FL_DTYPE_FLOAT32 &&
           sole_gemm_reader(g, n->outputs[0]) != NULL;
}

/* For a Gemm fed by such a Flatten: the flattened map's dims (N, C, H, W), else NULL. */
static const fl_tshape *gemm_flattened_map(const fl_graph *g, const fl_shapes *s, const fl_node *gemm)
{
    const int a = gemm->inputs[0], producer = g->tensors[a].producer;
    if (producer < 0 || !flatten_into_gemm(g, s, &g->nodes[producer]))
        return NULL;
    return &s->t[g->nodes[producer].inputs[0]];
}

static int node_supported(const fl_graph *g, const fl_shapes *s, const fl_node *n)
{
    const fl_tshape *x = &s->t[n->inputs[0]], *y = &s->t[n->outputs[0]];
    _Static_assert(FL_OP_COUNT_ == 19, "a new op: give it its case here");
    switch (n->op) {
    case FL_OP_CONV:
        return x->rank == 4;
    case FL_OP_MAX_POOL:
        return x->rank == 4 && n->attr.pool.kernel[0] * n->attr.pool.kernel[1] > 1;
    case FL_OP_RELU:
    case FL_OP_SIGMOID:
        return x->rank >= 1 && x->rank <= 4;
    case FL_OP_PRELU:
        return slope_is_per_channel(x, &s->t[n->inputs[1]]);
    case FL_OP_ADD:
    case FL_OP_MUL: {
        const int a = n->inputs[0], b = n->inputs[1];
        if (y->rank > 4)
            return 0;
        if (is_act(g, a) && is_act(g, b))
            return s->t[a].rank == s->t[b].rank;
        return 1; /* a constant is aligned to the activation's layout */
    }
    case FL_OP_GLOBAL_AVG_POOL:
        return x->rank == 4;
    case FL_OP_GEMM:
        return 1;
    case FL_OP_FLATTEN:
    case FL_OP_RESHAPE:
    case FL_OP_UNSQUEEZE:
        return (g->tensors[n->inputs[0]].dtype == FL_DTYPE_FLOAT32 && reshape_keeps_order(x, y)) ||
               flatten_into_gemm(g, s, n);
    case FL_OP_PAD:
        return x->rank <= XNN_MAX_TENSOR_DIMS;
    case FL_OP_RESIZE: {
        float sc[FL_GRAPH_MAX_RANK];
        fl__resize_scales(g, s, n, sc);
        return y->dims[2] == x->dims[2] * (int64_t)sc[2] && y->dims[3] == x->dims[3] * (int64_t)sc[3] &&
               sc[2] == floorf(sc[2]) && sc[3] == floorf(sc[3]);
    }
    case FL_OP_SOFTMAX:
        return x->rank == 2 && (n->attr.axis.axis == 1 || n->attr.axis.axis == -1);
    case FL_OP_TRANSPOSE: /* not in this XNNPACK */
    case FL_OP_CONCAT:
    case FL_OP_SHAPE: /* shape ops: planned */
    case FL_OP_GATHER:
    case FL_OP_COUNT_: break;
    }
    return 0;
}

/* ---- scheduling ---------------------------------------------------------------------- */

/* Topological order that runs every ready XNNPACK-capable node before any C node, so the
 * XNNPACK runs are as long as the graph allows. order[] receives node indices; supported[]
 * is per node. Planned (int64) nodes are left out. Returns the count. */
static int schedule(const fl_graph *g, const char *supported, int *order, int *remaining, char *done)
{
    int count = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        remaining[i] = 0;
        done[i] = fl__ref_node_is_planned(g, &g->nodes[i]);
        if (done[i])
            continue;
        for (int k = 0; k < g->nodes[i].n_inputs; k++) {
            int t = g->nodes[i].inputs[k];
            if (t >= 0 && g->tensors[t].producer >= 0 && !fl__ref_node_is_planned(g, &g->nodes[g->tensors[t].producer]))
                remaining[i]++;
        }
    }
    for (;;) {
        int pick = -1;
        for (int pass = 0; pass < 2 && pick < 0; pass++)
            for (int i = 0; i < g->n_nodes && pick < 0; i++)
                if (!done[i] && remaining[i] == 0 && (pass == 1 || supported[i]))
                    pick = i;
        if (pick < 0)
            return count;
        done[pick] = 1;
        order[count++] = pick;
        const int out = g->nodes[pick].outputs[0];
        for (int i = 0; i < g->n_nodes; i++)
            if (!done[i])
                for (int k = 0; k < g->nodes[i].n_inputs; k++)
                    if (g->nodes[i].inputs[k] == out)
                        remaining[i]--;
    }
}

/* ---- building one XNNPACK run ---------------------------------------------------------- */

typedef struct seg {
    xnn_exec *e;
    xnn_subgraph_t sg;
    uint32_t *id;       /* per tensor: xnn value id or XNN_INVALID_VALUE_ID */
    fl_error *err;
    const fl_node *n;
} seg;

static fl_status xfail(seg *S, const char *call, enum xnn_status st)
{
    return fl__fail(S->err, FL_E_BACKEND, "node '%s' (%s): %s failed (xnn_status %d)", S->n->name,
                   fl__op_name(S->n->op), call, (int)st);
}

#define XCHECK(S, call)                            \
    do {                                           \
        enum xnn_status st_ = (call);              \
        if (st_ != xnn_status_success)             \
            return xfail((S), #call, st_);         \
    } while (0)

static fl_status static_value(seg *S, const float *data, size_t rank, const size_t *dims, uint32_t *id)
{
    XCHECK(S, xnn_define_tensor_value(S->sg, xnn_datatype_fp32, rank, dims, data, XNN_INVALID_VALUE_ID, 0, id));
    return FL_OK;
}

/* A copy of constant tensor t in the layout an elementwise op with a 4-D (NHWC) or other
 * activation needs. */
static fl_status const_operand(seg *S, int t, int act_rank, uint32_t *id)
{
    const fl_tshape *ts = &S->e->t.shapes.t[t];
    const float *src = S->e->t.g->tensors[t].data;
    if (act_rank != 4) {
        size_t d[FL_GRAPH_MAX_RANK];
        for (int i = 0; i < ts->rank; i++)
            d[i] = (size_t)ts->dims[i];
        return static_value(S, src, (size_t)ts->rank, d, id);
    }
    int64_t d4[4] = {1, 1, 1, 1};
    for (int i = 0; i < ts->rank; i++)
        d4[4 - ts->rank + i] = ts->dims[i];
    float *nhwc = keep_alloc(S->e, ts->count * sizeof(float));
    if (!nhwc)
        return fl__fail(S->err, FL_E_NO_MEMORY, "out of memory for weights");
    fl__nchw_to_nhwc(src, d4, nhwc);
    size_t d[4] = {(size_t)d4[0], (size_t)d4[2], (size_t)d4[3], (size_t)d4[1]};
    return static_value(S, nhwc, 4, d, id);
}

static fl_status define_conv(seg *S, uint32_t x, uint32_t y)
{
    const fl_node *n = S->n;
    const fl_conv_attr *c = &n->attr.conv;
    const fl_graph *g = S->e->t.g;
    const fl_graph_tensor *w = &g->tensors[n->inputs[1]];
    const size_t M = (size_t)w->dims[0], CG = (size_t)w->dims[1], KH = (size_t)c->kernel[0], KW = (size_t)c->kernel[1];
    const size_t C = (size_t)S->e->t.shapes.t[n->inputs[0]].dims[1];
    const float *wd = w->data;
    uint32_t wid, bid = XNN_INVALID_VALUE_ID;
    fl_status s;
    if (n->n_inputs > 2 && n->inputs[2] >= 0) {
        size_t bd[1] = {M};
        if ((s = static_value(S, g->tensors[n->inputs[2]].data, 1, bd, &bid)))
            return s;
    }
    const int depthwise = (size_t)c->group == C && CG == 1 && C > 1;
    float *f = keep_alloc(S->e, M * CG * KH * KW * sizeof(float));
    if (!f)
        return fl__fail(S->err, FL_E_NO_MEMORY, "out of memory for weights");
    if (depthwise) { /* OIHW [M,1,KH,KW] -> [1,KH,KW,M] */
        for (size_t m = 0; m < M; m++)
            for (size_t k = 0; k < KH * KW; k++)
                f[k * M + m] = wd[m * KH * KW + k];
        size_t fd[4] = {1, KH, KW, M};
        if ((s = static_value(S, f, 4, fd, &wid)))
            return s;
        XCHECK(S, xnn_define_depthwise_convolution_2d(
                      S->sg, (uint32_t)c->pads[0], (uint32_t)c->pads[3], (uint32_t)c->pads[2], (uint32_t)c->pads[1],
                      (uint32_t)KH, (uint32_t)KW, (uint32_t)c->strides[0], (uint32_t)c->strides[1],
                      (uint32_t)c->dilations[0], (uint32_t)c->dilations[1], (uint32_t)(M / C), C, -INFINITY, INFINITY,
                      x, wid, bid, y, 0));
        return FL_OK;
    }
    /* OIHW [M,CG,KH,KW] -> OHWI [M,KH,KW,CG] */
    for (size_t m = 0; m < M; m++)
        for (size_t ci = 0; ci < CG; ci++)
            for (size_t k = 0; k < KH * KW; k++)
                f[(m * KH * KW + k) * CG + ci] = wd[(m * CG + ci) * KH * KW + k];
    size_t fd[4] = {M, KH, KW, CG};
    if ((s = static_value(S, f, 4, fd, &wid)))
        return s;
    XCHECK(S, xnn_define_convolution_2d(S->sg, (uint32_t)c->pads[0], (uint32_t)c->pads[3], (uint32_t)c->pads[2],
                                        (uint32_t)c->pads[1], (uint32_t)KH, (uint32_t)KW, (uint32_t)c->strides[0],
                                        (uint32_t)c->strides[1], (uint32_t)c->dilations[0],
                                        (uint32_t)c->dilations[1], (uint32_t)c->group, CG, M / (size_t)c->group,
                                        -INFINITY, INFINITY, x, wid, bid, y, 0));
    return FL_OK;
}

static fl_status define_gemm(seg *S, uint32_t x, uint32_t y)
{
    const fl_node *n = S->n;
    const fl_graph *g = S->e->t.g;
    const fl_graph_tensor *b = &g->tensors[n->inputs[1]];
    const int tb = n->attr.gemm.trans_b;
    const size_t N = (size_t)(tb ? b->dims[0] : b->dims[1]), K = (size_t)(tb ? b->dims[1] : b->dims[0]);
    const float alpha = n->attr.gemm.alpha, beta = n->attr.gemm.beta;
    const float *bd = b->data;
    float *f = keep_alloc(S->e, N * K * sizeof(float)); /* XNNPACK wants [N,K] */
    if (!f)
        return fl__fail(S->err, FL_E_NO_MEMORY, "out of memory for weights");
    /* Column k of the input is ONNX's flat index; after a Flatten of an NHWC map (see
     * flatten_into_gemm) it sits at position nhwc[k]. */
    const fl_tshape *map = gemm_flattened_map(g, &S->e->t.shapes, n);
    const size_t C = map ? (size_t)map->dims[1] : 1, HW = map ? (size_t)(map->dims[2] * map->dims[3]) : K;
    for (size_t j = 0; j < N; j++)
        for (size_t k = 0; k < K; k++) {
            const size_t at = map ? (k % HW) * C + k / HW : k;
            f[j * K + at] = alpha * (tb ? bd[j * K + k] : bd[k * N + j]);
        }
    uint32_t wid, bid = XNN_INVALID_VALUE_ID;
    size_t fd[2] = {N, K};
    fl_status s = static_value(S, f, 2, fd, &wid);
    if (s)
        return s;
    if (n->n_inputs > 2 && n->inputs[2] >= 0) {
        const fl_graph_tensor *c = &g->tensors[n->inputs[2]];
        float *bias = keep_alloc(S->e, N * sizeof(float));
        if (!bias)
            return fl__fail(S->err, FL_E_NO_MEMORY, "out of memory for weights");
        for (size_t j = 0; j < N; j++)
            bias[j] = beta * ((const float *)c->data)[c->count == 1 ? 0 : j];
        size_t bdim[1] = {N};
        if ((s = static_value(S, bias, 1, bdim, &bid)))
            return s;
    }
    XCHECK(S, xnn_define_fully_connected(S->sg, -INFINITY, INFINITY, x, wid, bid, y, 0));
    return FL_OK;
}

/* Nearest upsampling by integer scales as a broadcast multiply: the input seen as
 * [N*H, 1, W, 1, C] times ones of shape [1, SH, 1, SW, 1] is [N*H, SH, W, SW, C], which in memory
 * is the [N, H*SH, W*SW, C] output with each pixel copied into its SH x SW block. x * 1 is exact
 * (signed zeros and NaNs included). This replaced an all-ones depthwise deconvolution, XNNPACK's
 * slowest op in YuNet (docs/onnx-runtime.md). */
static fl_status define_resize(seg *S, uint32_t x, uint32_t y)
{
    const fl_node *n = S->n;
    const fl_tshape *xs = &S->e->t.shapes.t[n->inputs[0]];
    float sc[FL_GRAPH_MAX_RANK];
    fl__resize_scales(S->e->t.g, &S->e->t.shapes, n, sc);
    const size_t SH = (size_t)sc[2], SW = (size_t)sc[3];
    const size_t in5[5] = {(size_t)(xs->dims[0] * xs->dims[2]), 1, (size_t)xs->dims[3], 1, (size_t)xs->dims[1]};
    const size_t ones5[5] = {1, SH, 1, SW, 1};
    const size_t out5[5] = {in5[0], SH, in5[2], SW, in5[4]};
    float *ones = keep_alloc(S->e, SH * SW * sizeof(float));
    if (!ones)
        return fl__fail(S->err, FL_E_NO_MEMORY, "out of memory for weights");
    for (size_t i = 0; i < SH * SW; i++)
        ones[i] = 1.0f;
    uint32_t x5, ones_id, y5;
    fl_status s = static_value(S, ones, 5, ones5, &ones_id);
    if (s)
        return s;
    XCHECK(S, xnn_define_tensor_value(S->sg, xnn_datatype_fp32, 5, in5, NULL, XNN_INVALID_VALUE_ID, 0, &x5));
    XCHECK(S, xnn_define_tensor_value(S->sg, xnn_datatype_fp32, 5, out5, NULL, XNN_INVALID_VALUE_ID, 0, &y5));
    XCHECK(S, xnn_define_static_reshape(S->sg, 5, in5, x, x5, 0));
    XCHECK(S, xnn_define_multiply2(S->sg, -INFINITY, INFINITY, x5, ones_id, y5, 0));
    size_t d[4];
    xnn_dims(&S->e->t.shapes.t[n->outputs[0]], d);
    XCHECK(S, xnn_define_static_reshape(S->sg, 4, d, y5, y, 0));
    return FL_OK;
}

static fl_status define_max_pool(seg *S, uint32_t x, uint32_t y)
{
    const fl_pool_attr *p = &S->n->attr.pool;
    XCHECK(S, xnn_define_max_pooling_2d(S->sg, (uint32_t)p->pads[0], (uint32_t)p->pads[3], (uint32_t)p->pads[2],
                                        (uint32_t)p->pads[1], (uint32_t)p->kernel[0], (uint32_t)p->kernel[1],
                                        (uint32_t)p->strides[0], (uint32_t)p->strides[1], 1, 1, -INFINITY, INFINITY, x,
                                        y, 0));
    return FL_OK;
}

static fl_status define_prelu(seg *S, uint32_t x, uint32_t y)
{
    const fl_node *n = S->n;
    const fl_graph_tensor *sl = &S->e->t.g->tensors[n->inputs[1]];
    const size_t C = (size_t)S->e->t.shapes.t[n->inputs[0]].dims[1];
    float *slope = keep_alloc(S->e, C * sizeof(float));
    if (!slope)
        return fl__fail(S->err, FL_E_NO_MEMORY, "out of memory for weights");
    for (size_t c = 0; c < C; c++)
        slope[c] = ((const float *)sl->data)[sl->count == 1 ? 0 : c];
    uint32_t sid;
    size_t sd[1] = {C};
    fl_status s = static_value(S, slope, 1, sd, &sid);
    if (s)
        return s;
    XCHECK(S, xnn_define_prelu(S->sg, x, sid, y, 0));
    return FL_OK;
}

/* Add and Mul: a constant operand is aligned to the activation's layout. */
static fl_status define_binary(seg *S, uint32_t y)
{
    const fl_node *n = S->n;
    const xnn_exec *e = S->e;
    uint32_t ab[2];
    for (int i = 0; i < 2; i++) {
        int t = n->inputs[i];
        if (is_act(e->t.g, t)) {
            ab[i] = S->id[t];
        } else {
            fl_status s = const_operand(S, t, e->t.shapes.t[n->outputs[0]].rank, &ab[i]);
            if (s)
                return s;
        }
    }
    if (n->op == FL_OP_ADD)
        XCHECK(S, xnn_define_add2(S->sg, -INFINITY, INFINITY, ab[0], ab[1], y, 0));
    else
        XCHECK(S, xnn_define_multiply2(S->sg, -INFINITY, INFINITY, ab[0], ab[1], y, 0));
    return FL_OK;
}

/* Flatten, Reshape, Unsqueeze: the same values in a new shape. */
static fl_status define_reshape(seg *S, uint32_t x, uint32_t y)
{
    size_t d[FL_GRAPH_MAX_RANK];
    int r = xnn_dims(&S->e->t.shapes.t[S->n->outputs[0]], d);
    XCHECK(S, xnn_define_static_reshape(S->sg, (size_t)r, d, x, y, 0));
    return FL_OK;
}

static fl_status define_pad(seg *S, uint32_t x, uint32_t y)
{
    const xnn_exec *e = S->e;
    int64_t pads[2 * FL_GRAPH_MAX_RANK];
    float value;
    fl__pad_params(e->t.g, &e->t.shapes, S->n, pads, &value);
    size_t pre[XNN_MAX_TENSOR_DIMS], post[XNN_MAX_TENSOR_DIMS];
    const int r = e->t.shapes.t[S->n->inputs[0]].rank;
    for (int i = 0; i < r; i++) {
        /* NHWC position of NCHW axis i for 4-D tensors */
        int a = r == 4 ? (i == 0 ? 0 : i == 1 ? 3 : i - 1) : i;
        pre[a] = (size_t)pads[i];
        post[a] = (size_t)pads[i + r];
    }
    XCHECK(S, xnn_define_static_constant_pad(S->sg, pre, post, value, x, y, 0));
    return FL_OK;
}

static fl_status define_node(seg *S)
{
    const fl_node *n = S->n;
    uint32_t x = S->id[n->inputs[0]], y = S->id[n->outputs[0]];
    _Static_assert(FL_OP_COUNT_ == 19, "a new op: give it its case here");
    switch (n->op) {
    case FL_OP_CONV: return define_conv(S, x, y);
    case FL_OP_GEMM: return define_gemm(S, x, y);
    case FL_OP_RESIZE: return define_resize(S, x, y);
    case FL_OP_MAX_POOL: return define_max_pool(S, x, y);
    case FL_OP_RELU: XCHECK(S, xnn_define_clamp(S->sg, 0.0f, INFINITY, x, y, 0)); return FL_OK;
    case FL_OP_SIGMOID: XCHECK(S, xnn_define_sigmoid(S->sg, x, y, 0)); return FL_OK;
    case FL_OP_SOFTMAX: XCHECK(S, xnn_define_softmax(S->sg, x, y, 0)); return FL_OK;
    case FL_OP_GLOBAL_AVG_POOL:
        XCHECK(S, xnn_define_global_average_pooling_2d(S->sg, -INFINITY, INFINITY, x, y, 0));
        return FL_OK;
    case FL_OP_PRELU: return define_prelu(S, x, y);
    case FL_OP_ADD:
    case FL_OP_MUL: return define_binary(S, y);
    case FL_OP_FLATTEN:
    case FL_OP_RESHAPE:
    case FL_OP_UNSQUEEZE: return define_reshape(S, x, y);
    case FL_OP_PAD: return define_pad(S, x, y);
    case FL_OP_TRANSPOSE:
    case FL_OP_SHAPE:
    case FL_OP_GATHER:
    case FL_OP_CONCAT:
    case FL_OP_COUNT_: break; /* node_supported keeps them out of XNNPACK's segments */
    }
    return fl__fail(S->err, FL_E_BACKEND, "node '%s': %s has no XNNPACK mapping", n->name, fl__op_name(n->op));
}

/* An NHWC step's input or output t: the exec's NHWC buffer of t when t is produced in NHWC (an
 * output always is), else a scratch buffer of its own that each run fills from NCHW. */
static fl_status bind_ext(xnn_exec *e, ext_value *ev, int t, int is_output, fl_error *err)
{
    const size_t bytes = e->t.shapes.t[t].count * sizeof(float); /* keep_alloc adds XNN_EXTRA_BYTES */
    ev->tensor = t;
    ev->is_output = is_output;
    if (is_output && !e->nhwc[t] && !(e->nhwc[t] = keep_alloc(e, bytes)))
        return fl__fail(err, FL_E_NO_MEMORY, "out of memory for activations");
    ev->resident = e->nhwc[t] != NULL;
    ev->scratch = ev->resident ? e->nhwc[t] : keep_alloc(e, bytes);
    if (!ev->scratch)
        return fl__fail(err, FL_E_NO_MEMORY, "out of memory for activations");
    return FL_OK;
}

/* Which tensors cross the boundary of the segment in_seg marks: kind[t] 1 an external input, 2 an
 * external output. Returns their count. */
static int mark_boundary(const fl_graph *g, const int *order, int first, int last, const char *in_seg, char *kind)
{
    for (int i = first; i < last; i++) {
        const fl_node *n = &g->nodes[order[i]];
        for (int k = 0; k < n->n_inputs; k++) {
            int t = n->inputs[k];
            if (is_act(g, t) && (g->tensors[t].producer < 0 || !in_seg[g->tensors[t].producer]))
                kind[t] = 1;
        }
    }
    for (int j = 0; j < g->n_nodes; j++) {
        if (in_seg[j])
            continue;
        for (int k = 0; k < g->nodes[j].n_inputs; k++) {
            int t = g->nodes[j].inputs[k];
            if (t >= 0 && g->tensors[t].producer >= 0 && in_seg[g->tensors[t].producer] && is_act(g, t))
                kind[t] = 2;
        }
    }
    for (int k = 0; k < g->n_outputs; k++) {
        int t = g->outputs[k];
        if (g->tensors[t].producer >= 0 && in_seg[g->tensors[t].producer])
            kind[t] = 2;
    }
    int n_ext = 0;
    for (int t = 0; t < g->n_tensors; t++)
        n_ext += kind[t] != 0;
    return n_ext;
}

/* The external values first: ids 0..n_ext-1, each with its own scratch buffer. */
static fl_status define_externals(seg *S, const char *kind, step *st)
{
    xnn_exec *e = S->e;
    enum xnn_status xs;
    for (int t = 0; t < e->t.g->n_tensors; t++) {
        if (!kind[t])
            continue;
        ext_value *ev = &st->ext[st->n_ext];
        ev->id = (uint32_t)st->n_ext;
        st->n_ext++;
        size_t d[FL_GRAPH_MAX_RANK];
        int r = xnn_dims(&e->t.shapes.t[t], d);
        fl_status s = bind_ext(e, ev, t, kind[t] == 2, S->err);
        if (s)
            return s;
        if ((xs = xnn_define_tensor_value(S->sg, xnn_datatype_fp32, (size_t)r, d, NULL, ev->id,
                                          ev->is_output ? XNN_VALUE_FLAG_EXTERNAL_OUTPUT : XNN_VALUE_FLAG_EXTERNAL_INPUT,
                                          &S->id[t])) != xnn_status_success)
            return xfail(S, "xnn_define_tensor_value(external)", xs);
    }
    return FL_OK;
}

/* Every node of the segment, each output an internal value unless it is external. */
static fl_status define_nodes(seg *S, const int *order, int first, int last)
{
    const xnn_exec *e = S->e;
    enum xnn_status xs;
    for (int i = first; i < last; i++) {
        S->n = &e->t.g->nodes[order[i]];
        int t = S->n->outputs[0];
        if (S->id[t] == XNN_INVALID_VALUE_ID) {
            size_t d[FL_GRAPH_MAX_RANK];
            int r = xnn_dims(&e->t.shapes.t[t], d);
            if ((xs = xnn_define_tensor_value(S->sg, xnn_datatype_fp32, (size_t)r, d, NULL, XNN_INVALID_VALUE_ID, 0,
                                              &S->id[t])) != xnn_status_success)
                return xfail(S, "xnn_define_tensor_value", xs);
        }
        fl_status s = define_node(S);
        if (s)
            return s;
    }
    return FL_OK;
}

/* The runtime of the subgraph, set up on the external values' buffers. */
static fl_status create_runtime(seg *S, void *threadpool, step *st)
{
    enum xnn_status xs;
    if ((xs = xnn_create_runtime_v2(S->sg, threadpool, 0, &st->rt)) != xnn_status_success)
        return xfail(S, "xnn_create_runtime_v2", xs);
    struct xnn_external_value *ev = calloc((size_t)(st->n_ext ? st->n_ext : 1), sizeof *ev);
    if (!ev)
        return fl__fail(S->err, FL_E_NO_MEMORY, "out of memory while planning");
    for (int k = 0; k < st->n_ext; k++) {
        ev[k].id = st->ext[k].id;
        ev[k].data = st->ext[k].scratch;
    }
    fl_status s = FL_OK;
    if ((xs = xnn_setup_runtime(st->rt, (size_t)st->n_ext, ev)) != xnn_status_success)
        s = xfail(S, "xnn_setup_runtime", xs);
    free(ev);
    return s;
}

/* Builds one XNNPACK runtime for the nodes order[first..last). */
static fl_status build_segment(xnn_exec *e, const int *order, int first, int last, char *in_seg, void *threadpool,
                               step *st, fl_error *err)
{
    const fl_graph *g = e->t.g;
    memset(in_seg, 0, (size_t)g->n_nodes);
    for (int i = first; i < last; i++)
        in_seg[order[i]] = 1;
    char *kind = calloc((size_t)g->n_tensors, 1);
    uint32_t *id = malloc((size_t)g->n_tensors * sizeof *id);
    if (!kind || !id) {
        free(kind);
        free(id);
        return fl__fail(err, FL_E_NO_MEMORY, "out of memory while planning");
    }
    for (int t = 0; t < g->n_tensors; t++)
        id[t] = XNN_INVALID_VALUE_ID;
    const int n_ext = mark_boundary(g, order, first, last, in_seg, kind);
    st->kind = FL_STEP_XNNPACK;
    st->node = -1;
    st->ext = calloc((size_t)(n_ext ? n_ext : 1), sizeof *st->ext);
    seg S = {e, NULL, id, err, &g->nodes[order[first]]};
    fl_status s = FL_OK;
    enum xnn_status xs;
    if (!st->ext)
        s = fl__fail(err, FL_E_NO_MEMORY, "out of memory while planning");
    else if ((xs = xnn_create_subgraph((uint32_t)n_ext, 0, &S.sg)) != xnn_status_success)
        s = xfail(&S, "xnn_create_subgraph", xs);
    if (!s && !(s = define_externals(&S, kind, st)) && !(s = define_nodes(&S, order, first, last)))
        s = create_runtime(&S, threadpool, st);
    if (S.sg)
        xnn_delete_subgraph(S.sg);
    free(kind);
    free(id);
    return s;
}

/* Conv node n's weights, ONNX [n_out][ci_n][kk] with its bias [n_out] (zeros without), into
 * f = [kk][ci_n][stride] then the bias [stride], at channels [at, at + n_out) of stride. */
static void pack_conv(const fl_graph *g, const fl_node *n, size_t n_out, size_t ci_n, size_t kk, float *f,
                      size_t stride, size_t at)
{
    const float *wd = g->tensors[n->inputs[1]].data;
    const float *bias = n->n_inputs > 2 && n->inputs[2] >= 0 ? g->tensors[n->inputs[2]].data : NULL;
    for (size_t o = 0; o < n_out; o++) {
        for (size_t ci = 0; ci < ci_n; ci++)
            for (size_t k = 0; k < kk; k++)
                f[(k * ci_n + ci) * stride + at + o] = wd[(o * ci_n + ci) * kk + k];
        if (bias)
            f[kk * ci_n * stride + at + o] = bias[o];
    }
}

/* The pipeline stage of node n (a 1x1 Conv, a 3x3 depthwise Conv or a 2x2 MaxPool): weights
 * transposed to [cin][cout] or [3][3][c], the bias or zeros after them (kept by the exec). */
static fl_status pipeline_stage(xnn_exec *e, const fl_node *n, fl_stage *st, fl_error *err)
{
    const fl_graph *g = e->t.g;
    const fl_tshape *xs = &e->t.shapes.t[n->inputs[0]], *ys = &e->t.shapes.t[n->outputs[0]];
    *st = (fl_stage){.h = (int)xs->dims[2],
                     .w = (int)xs->dims[3],
                     .c = (int)xs->dims[1],
                     .oh = (int)ys->dims[2],
                     .ow = (int)ys->dims[3],
                     .oc = (int)ys->dims[1]};
    if (n->op == FL_OP_MAX_POOL) {
        st->op = FL_STAGE_MAXPOOL2;
        return FL_OK;
    }
    const fl_conv_attr *a = &n->attr.conv;
    const size_t cin = (size_t)st->c, cout = (size_t)st->oc;
    const int depthwise = a->group > 1, conv3 = !depthwise && a->kernel[0] == 3;
    const size_t taps = depthwise ? 9 : conv3 ? 9 * cin : cin; /* per output channel */
    float *f = keep_alloc(e, (taps + 1) * cout * sizeof(float));
    if (!f)
        return fl__fail(err, FL_E_NO_MEMORY, "out of memory for weights");
    /* ONNX [cout][cin][kh][kw] (cin 1 for depthwise) -> [kh][kw][cin][cout] */
    const size_t kk = conv3 || depthwise ? 9 : 1;
    pack_conv(g, n, cout, taps / kk, kk, f, cout, 0);
    if (!depthwise && !conv3) {
        st->op = FL_STAGE_POINTWISE;
        st->k.pw = (fl_pointwise){st->w, (int)cin, (int)cout, f, f + taps * cout};
        return FL_OK;
    }
    if (conv3) {
        st->op = FL_STAGE_CONV3X3;
        st->pad_top = (int)a->pads[0];
        st->k.conv3 = (fl_conv3x3){st->w,  (int)cin,        st->ow, (int)cout, (int)a->strides[0], (int)a->pads[1],
                                   f,      f + taps * cout, -INFINITY, INFINITY};
        return FL_OK;
    }
    st->op = FL_STAGE_DEPTHWISE;
    st->k.dw = (fl_dwconv3x3){st->h,          st->w,          st->c,           st->oh,
                              st->ow,         (int)a->strides[0], (int)a->pads[0], (int)a->pads[1],
                              f,              f + 9 * cout,   -INFINITY,       INFINITY};
    return FL_OK;
}

/* An NHWC step running the row pipeline of nodes[0..n) (see pipeline_at): every Conv and MaxPool
 * a stage, every ReLU the clamp of the (depthwise or first) convolution before it. */
static fl_status build_nhwc_step(xnn_exec *e, const int *nodes, int n_nodes, step *st, fl_error *err)
{
    const fl_graph *g = e->t.g;
    st->kind = FL_STEP_NHWC;
    st->n_fused = n_nodes;
    memcpy(st->fused, nodes, (size_t)n_nodes * sizeof *nodes);
    if (!(st->ext = calloc(2, sizeof *st->ext)) || !(st->pipe = keep_alloc(e, sizeof *st->pipe)))
        return fl__fail(err, FL_E_NO_MEMORY, "out of memory while planning");
    st->n_ext = 2;
    fl_status s = bind_ext(e, &st->ext[0], g->nodes[nodes[0]].inputs[0], 0, err);
    if (!s)
        s = bind_ext(e, &st->ext[1], g->nodes[nodes[n_nodes - 1]].outputs[0], 1, err);
    for (int k = 0; k < n_nodes && !s; k++) {
        const fl_node *n = &g->nodes[nodes[k]];
        fl_stage *conv = &st->pipe->stage[st->pipe->n - 1];
        if (n->op == FL_OP_RELU && conv->op == FL_STAGE_MAXPOOL2)
            conv--; /* relu(max(x)) = max(relu(x)): the clamp of the convolution before the pooling */
        if (n->op == FL_OP_RELU && conv->op == FL_STAGE_CONV3X3)
            conv->k.conv3.min = 0.0f;
        else if (n->op == FL_OP_RELU)
            conv->k.dw.min = 0.0f;
        else
            s = pipeline_stage(e, n, &st->pipe->stage[st->pipe->n++], err);
    }
    if (!s && !(st->ring = keep_alloc(e, fl__row_pipeline_ring(st->pipe) * sizeof(float))))
        s = fl__fail(err, FL_E_NO_MEMORY, "out of memory for activations");
    return s;
}

/* The NHWC step of a head group (pipeline_plan.h): one 1x1 stage into all the branches' channels
 * (at least 16, the 1x1 kernel's narrowest; channels past the branches' have zero weights), one
 * depthwise stage, writing one N,H,W,C buffer where each branch's result is its channels, read
 * in place by the head Transposes (copy_nhwc). */
static fl_status build_head_step(xnn_exec *e, const fl_head_group *hg, step *st, fl_error *err)
{
    const fl_graph *g = e->t.g;
    const fl_tshape *xs = &e->t.shapes.t[g->nodes[hg->pointwise[0]].inputs[0]];
    const fl_tshape *ys = &e->t.shapes.t[g->nodes[hg->filter[0]].outputs[0]];
    const int cin = (int)xs->dims[1], c = hg->channels > 16 ? hg->channels : 16;
    const size_t pw_floats = (size_t)(cin + 1) * (size_t)c, dw_floats = 10 * (size_t)c;
    st->kind = FL_STEP_NHWC;
    st->n_ext = 2;
    for (int b = 0; b < hg->n; b++) {
        st->fused[st->n_fused++] = hg->pointwise[b];
        st->fused[st->n_fused++] = hg->filter[b];
    }
    float *f = NULL, *y = NULL;
    if (!(st->ext = calloc(2, sizeof *st->ext)) || !(st->pipe = keep_alloc(e, sizeof *st->pipe)) ||
        !(f = keep_alloc(e, (pw_floats + dw_floats) * sizeof(float))) ||
        !(y = keep_alloc(e, (size_t)ys->dims[0] * (size_t)(ys->dims[2] * ys->dims[3]) * (size_t)c * sizeof(float))))
        return fl__fail(err, FL_E_NO_MEMORY, "out of memory while planning");
    fl_status s = bind_ext(e, &st->ext[0], g->nodes[hg->pointwise[0]].inputs[0], 0, err);
    if (s)
        return s;
    /* [cin][c] then bias [c]; [3][3][c] then bias [c]: each branch's weights in its channels */
    float *pw = f, *dw = f + pw_floats;
    for (int b = 0, at = 0; b < hg->n; b++) {
        const fl_node *p = &g->nodes[hg->pointwise[b]], *d = &g->nodes[hg->filter[b]];
        const int n = (int)e->t.shapes.t[p->outputs[0]].dims[1];
        pack_conv(g, p, (size_t)n, (size_t)cin, 1, pw, (size_t)c, (size_t)at);
        pack_conv(g, d, (size_t)n, 1, 9, dw, (size_t)c, (size_t)at);
        const int t = d->outputs[0];
        e->nhwc[t] = y + at;
        e->nhwc_stride[t] = c;
        at += n;
    }
    const int h = (int)xs->dims[2], w = (int)xs->dims[3];
    const fl_conv_attr *a = &g->nodes[hg->filter[0]].attr.conv;
    fl_stage *s0 = &st->pipe->stage[0], *s1 = &st->pipe->stage[1];
    st->pipe->n = 2;
    *s0 = (fl_stage){.op = FL_STAGE_POINTWISE, .h = h, .w = w, .c = cin, .oh = h, .ow = w, .oc = c};
    s0->k.pw = (fl_pointwise){w, cin, c, pw, pw + (size_t)cin * (size_t)c};
    *s1 = (fl_stage){.op = FL_STAGE_DEPTHWISE, .h = h, .w = w, .c = c,
                     .oh = (int)ys->dims[2], .ow = (int)ys->dims[3], .oc = c};
    s1->k.dw = (fl_dwconv3x3){h,  w, c, s1->oh, s1->ow, (int)a->strides[0], (int)a->pads[0], (int)a->pads[1],
                              dw, dw + 9 * (size_t)c, -INFINITY, INFINITY};
    st->ext[1] = (ext_value){.tensor = g->nodes[hg->filter[0]].outputs[0], .is_output = 1, .resident = 1, .scratch = y};
    if (!(st->ring = keep_alloc(e, fl__row_pipeline_ring(st->pipe) * sizeof(float))))
        return fl__fail(err, FL_E_NO_MEMORY, "out of memory for activations");
    return FL_OK;
}

/* ---- the backend ------------------------------------------------------------------------ */

static void xnn_destroy(void *p)
{
    xnn_exec *e = p;
    if (!e)
        return;
    for (int i = 0; i < e->n_steps; i++) {
        if (e->steps[i].rt)
            xnn_delete_runtime(e->steps[i].rt);
        free(e->steps[i].ext);
    }
    for (int i = 0; i < e->n_keep; i++)
        free(e->keep[i]);
    free(e->nhwc);
    free(e->nhwc_stride);
    free(e->nchw_needed);
    free(e->keep);
    free(e->steps);
    fl__exec_buffers_free(&e->t);
    free(e);
}

/* Which tensors must also exist in NCHW: those a C step reads (but for a head transpose that
 * reads the NHWC buffer) and the graph outputs. */
static void mark_nchw_needed(xnn_exec *e)
{
    const fl_graph *g = e->t.g;
    for (int k = 0; k < g->n_outputs; k++)
        e->nchw_needed[g->outputs[k]] = 1;
    for (int i = 0; i < e->n_steps; i++) {
        const step *st = &e->steps[i];
        if (st->kind != FL_STEP_REFERENCE || st->nhwc_src)
            continue;
        for (int k = 0; k < g->nodes[st->node].n_inputs; k++)
            if (g->nodes[st->node].inputs[k] >= 0)
                e->nchw_needed[g->nodes[st->node].inputs[k]] = 1;
    }
}

/* NCHW buffers for every tensor a C step produces, and for the NHWC steps' outputs that are
 * needed in NCHW. */
static fl_status alloc_buffers(xnn_exec *e, fl_error *err)
{
    const fl_graph *g = e->t.g;
    fl_status s = FL_OK;
    for (int i = 0; i < e->n_steps && !s; i++) {
        const step *st = &e->steps[i];
        if (st->kind == FL_STEP_REFERENCE)
            s = fl__exec_buffers_alloc(&e->t, g->nodes[st->node].outputs[0], err);
        for (int k = 0; k < st->n_ext && !s; k++)
            if (st->ext[k].is_output && e->nchw_needed[st->ext[k].tensor])
                s = fl__exec_buffers_alloc(&e->t, st->ext[k].tensor, err);
    }
    return s;
}

/* A detection head's Transpose(0,2,3,1) of a 4-D tensor produced in NHWC asks for the order it
 * already has: the step becomes a copy of the NHWC buffer, and the tensor is not turned NCHW at
 * all when nothing else reads it so (mark_nchw_needed). */
static void mark_head_transposes(xnn_exec *e)
{
    const fl_graph *g = e->t.g;
    for (int s = 0; s < e->n_steps; s++) {
        step *st = &e->steps[s];
        if (st->kind != FL_STEP_REFERENCE || !fl__transpose_to_nhwc(&e->t.shapes, &g->nodes[st->node]))
            continue;
        const int t = g->nodes[st->node].inputs[0];
        st->nhwc_src = e->nhwc[t];
        st->nhwc_stride = e->nhwc_stride[t];
    }
}

/* Graph inputs given NHWC can go to XNNPACK as they are, unless a C step reads one (it wants NCHW). */
static void mark_graph_inputs(xnn_exec *e)
{
    const fl_graph *g = e->t.g;
    e->nhwc_ok = 1;
    for (int i = 0; i < g->n_inputs; i++) {
        const int t = g->inputs[i];
        if (e->t.shapes.t[t].rank != 4)
            continue;
        for (int s = 0; s < e->n_steps; s++) {
            const step *st = &e->steps[s];
            if (st->kind == FL_STEP_REFERENCE) {
                const fl_node *n = &g->nodes[st->node];
                for (int k = 0; k < n->n_inputs; k++)
                    e->nhwc_ok &= n->inputs[k] != t;
            }
            for (int k = 0; k < st->n_ext; k++)
                if (st->ext[k].tensor == t && !st->ext[k].is_output)
                    st->ext[k].is_graph_input = 1;
        }
    }
}

/* The steps of order[0..count): C steps for nodes XNNPACK lacks, NHWC steps for head groups and
 * row pipelines, XNNPACK runtimes for the runs between them (one per node when profiling).
 * The NHWC steps only on CPUs with AVX-512: their tiles hold 16 sums of 16 floats, which on
 * AVX2 live on the stack. Measured on a Zen 4 EPYC with the AVX2 build forced: YuNet 320 57 ms
 * in the pipelines, 4.4-4.9 ms with XNNPACK alone (its AVX-512 kernels), 3.1 ms with the AVX-512
 * pipelines. */
static fl_status plan_steps(xnn_exec *e, const int *order, int count, const char *supported, char *done,
                            void *threadpool, int one_node_per_step, fl_error *err)
{
    const fl_graph *g = e->t.g;
    const int nhwc = fl__row_pipeline_best_isa() == FL_ISA_AVX512;
    fl_status s = FL_OK;
    for (int i = 0; i < count && !s;) {
        step *st = &e->steps[e->n_steps++];
        if (!supported[order[i]]) {
            st->kind = FL_STEP_REFERENCE;
            st->node = order[i++];
            continue;
        }
        /* fused even when profiling: it is one kernel */
        fl_head_group hg;
        if (nhwc && fl__head_group_at(g, &e->t.shapes, order, i, count, &hg)) {
            s = build_head_step(e, &hg, st, err);
            e->n_accelerated += 2 * hg.n;
            e->n_nhwc += 2 * hg.n;
            i += 2 * hg.n;
            continue;
        }
        int nodes[FL_STEP_MAX_NODES];
        const int n = nhwc ? fl__pipeline_at(g, &e->t.shapes, order, i, count, nodes) : 0;
        if (n > 0) {
            s = build_nhwc_step(e, nodes, n, st, err);
            e->n_accelerated += n;
            e->n_nhwc += n;
            i += n;
            continue;
        }
        int j = i;
        while (j < count && supported[order[j]] && (j == i || !one_node_per_step) &&
               (j == i || !nhwc || (!fl__pipeline_at(g, &e->t.shapes, order, j, count, nodes) &&
                                    !fl__head_group_at(g, &e->t.shapes, order, j, count, &hg))))
            j++;
        st->first_node = order[i];
        s = build_segment(e, order, i, j, done, threadpool, st, err);
        e->n_accelerated += j - i;
        i = j;
    }
    return s;
}

static fl_status xnn_create(const fl_graph *g, fl_shapes *shapes, void *threadpool, int one_node_per_step, void **out,
                            fl_error *err)
{
    xnn_exec *e = calloc(1, sizeof *e);
    if (!e) {
        fl__shapes_free(shapes);
        return fl__fail(err, FL_E_NO_MEMORY, "out of memory while planning");
    }
    fl_status s = fl__exec_buffers_init(&e->t, g, shapes, err);
    if (s) {
        xnn_destroy(e);
        return s;
    }
    enum xnn_status xs = xnn_initialize(NULL); /* idempotent and thread-safe inside XNNPACK */
    if (xs != xnn_status_success) {
        xnn_destroy(e);
        return fl__fail(err, FL_E_BACKEND, "xnn_initialize failed (xnn_status %d); is the CPU supported?", (int)xs);
    }
    const int nn = g->n_nodes;
    char *supported = calloc((size_t)nn, 1), *done = calloc((size_t)nn, 1);
    int *order = malloc((size_t)nn * sizeof(int)), *remaining = malloc((size_t)nn * sizeof(int));
    e->steps = calloc((size_t)nn, sizeof *e->steps);
    e->nhwc = calloc((size_t)g->n_tensors, sizeof *e->nhwc);
    e->nhwc_stride = calloc((size_t)g->n_tensors, sizeof *e->nhwc_stride);
    e->nchw_needed = calloc((size_t)g->n_tensors, 1);
    if (!supported || !done || !order || !remaining || !e->steps || !e->nhwc || !e->nhwc_stride ||
        !e->nchw_needed) {
        s = fl__fail(err, FL_E_NO_MEMORY, "out of memory while planning");
        goto done;
    }
    for (int i = 0; i < nn; i++)
        supported[i] = (char)node_supported(g, &e->t.shapes, &g->nodes[i]);
    int count = schedule(g, supported, order, remaining, done);
    fl__head_groups_gather(g, &e->t.shapes, order, count);
    s = plan_steps(e, order, count, supported, done, threadpool, one_node_per_step, err);
    if (!s) {
        mark_graph_inputs(e);
        mark_head_transposes(e);
        mark_nchw_needed(e);
        s = alloc_buffers(e, err);
    }
done:
    free(supported);
    free(done);
    free(order);
    free(remaining);
    if (s) {
        xnn_destroy(e);
        return s;
    }
    *out = e;
    return FL_OK;
}

static void to_xnn(const fl_tshape *t, const float *nchw, float *x)
{
    if (t->rank == 4)
        fl__nchw_to_nhwc(nchw, t->dims, x);
    else
        memcpy(x, nchw, t->count * sizeof(float));
}

static void from_xnn(const fl_tshape *t, const float *x, float *nchw)
{
    if (t->rank == 4)
        fl__nhwc_to_nchw(x, t->dims, nchw);
    else
        memcpy(nchw, x, t->count * sizeof(float));
}

static void run_nhwc_step(const xnn_exec *e, const step *st)
{
    const fl_tshape *xs = &e->t.shapes.t[st->ext[0].tensor];
    const fl_stage *last = &st->pipe->stage[st->pipe->n - 1]; /* a head group's output is no tensor */
    const size_t xn = xs->count / (size_t)xs->dims[0], yn = (size_t)last->oh * (size_t)last->ow * (size_t)last->oc;
    for (int64_t b = 0; b < xs->dims[0]; b++) {
        const float *x = st->ext[0].scratch + (size_t)b * xn;
        float *y = st->ext[1].scratch + (size_t)b * yn;
        fl__row_pipeline_nhwc(st->pipe, x, st->ring, y);
    }
}

/* A head transpose's result: the NHWC tensor x as it lies, its pixels stride apart when they lie
 * among a head group's other channels. */
static void copy_nhwc(const step *st, const fl_tshape *x, float *y)
{
    if (!st->nhwc_stride) {
        memcpy(y, st->nhwc_src, x->count * sizeof(float));
        return;
    }
    const size_t c = (size_t)x->dims[1], pixels = x->count / c;
    for (size_t p = 0; p < pixels; p++)
        memcpy(y + p * c, st->nhwc_src + p * (size_t)st->nhwc_stride, c * sizeof(float));
}

static int xnn_takes_nhwc(const void *p)
{
    return ((const xnn_exec *)p)->nhwc_ok;
}

static fl_status xnn_run(void *p, const float *const *inputs, int nhwc, float *const *outputs, double *step_ms,
                         fl_error *err)
{
    xnn_exec *e = p;
    const fl_graph *g = e->t.g;
    fl__bind_graph_inputs(g, e->t.buf, inputs);
    for (int s = 0; s < e->n_steps; s++) {
        step *st = &e->steps[s];
        const double t0 = step_ms ? fl__now_ms() : 0;
        if (st->kind == FL_STEP_REFERENCE) {
            const int out = g->nodes[st->node].outputs[0];
            if (st->nhwc_src) /* a head transpose: the tensor is already in this order */
                copy_nhwc(st, &e->t.shapes.t[g->nodes[st->node].inputs[0]], e->t.buf[out]);
            else
                fl__ref_node(g, &e->t.shapes, &g->nodes[st->node], e->t.buf);
            if (step_ms)
                step_ms[s] = fl__now_ms() - t0;
            continue;
        }
        for (int k = 0; k < st->n_ext; k++) {
            const ext_value *x = &st->ext[k];
            const fl_tshape *ts = &e->t.shapes.t[x->tensor];
            if (x->is_output || x->resident) /* a resident input is filled by the step that made it */
                continue;
            if (nhwc && x->is_graph_input) /* already in XNNPACK's layout */
                memcpy(x->scratch, e->t.buf[x->tensor], ts->count * sizeof(float));
            else
                to_xnn(ts, e->t.buf[x->tensor], x->scratch);
        }
        const double t1 = step_ms ? fl__now_ms() : 0; /* the kernels alone, without layout conversions */
        enum xnn_status xs = st->kind == FL_STEP_NHWC ? (run_nhwc_step(e, st), xnn_status_success)
                                                      : xnn_invoke_runtime(st->rt);
        if (step_ms)
            step_ms[s] = fl__now_ms() - t1;
        if (xs != xnn_status_success)
            return fl__fail(err, FL_E_BACKEND, "xnn_invoke_runtime failed (xnn_status %d)", (int)xs);
        for (int k = 0; k < st->n_ext; k++)
            if (st->ext[k].is_output && e->nchw_needed[st->ext[k].tensor])
                from_xnn(&e->t.shapes.t[st->ext[k].tensor], st->ext[k].scratch, e->t.buf[st->ext[k].tensor]);
    }
    fl__copy_graph_outputs(g, &e->t.shapes, e->t.buf, outputs);
    return FL_OK;
}

static void xnn_node_split(const void *p, int *accelerated, int *in_c, int *nhwc_kernels)
{
    const xnn_exec *e = p;
    *accelerated = e->n_accelerated;
    *nhwc_kernels = e->n_nhwc;
    *in_c = 0;
    for (int i = 0; i < e->n_steps; i++)
        *in_c += e->steps[i].kind == FL_STEP_REFERENCE;
}

static int xnn_n_steps(const void *p)
{
    return ((const xnn_exec *)p)->n_steps;
}

static int xnn_step_nodes(const void *p, int i, int *kind, int *nodes)
{
    const step *st = &((const xnn_exec *)p)->steps[i];
    *kind = (int)st->kind;
    if (st->kind == FL_STEP_NHWC) {
        memcpy(nodes, st->fused, (size_t)st->n_fused * sizeof *nodes);
        return st->n_fused;
    }
    nodes[0] = st->kind == FL_STEP_XNNPACK ? st->first_node : st->node;
    return 1;
}

static const fl_shapes *xnn_shapes(const void *p)
{
    return &((const xnn_exec *)p)->t.shapes;
}

const fl_backend_ops fl__backend_xnnpack = {xnn_create,     xnn_run,        xnn_n_steps, xnn_step_nodes,
                                            xnn_takes_nhwc, xnn_node_split, xnn_shapes,  xnn_destroy};
