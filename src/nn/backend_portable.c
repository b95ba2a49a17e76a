/* The portable backend: the reference backend's tensor table, but the convolutions and the ops that
 * cost time around them run in facelive's vectorised portable kernels (nn/portable_conv.h,
 * nn/portable_ops.h); the rest in the reference kernels. It is the runtime where XNNPACK does not
 * exist (WebAssembly). What can be decided once is decided when the plan is made: each
 * convolution's weights are packed, and what follows it in the graph (a residual Add, then a ReLU
 * or a PRelu, each the only reader of the tensor before it) becomes its epilogue, run as its
 * outputs are stored. */
#include <stdlib.h>

#include "common/clock.h"
#include "common/error.h"
#include "nn/backend.h"
#include "nn/exec_buffers.h"
#include "nn/portable_conv.h"
#include "nn/portable_ops.h"
#include "nn/ref_kernels.h"

/* A step: nodes [first, first + count); a convolution (conv >= 0) with the nodes fused into it, or
 * one node of another op. A Gemm of constant weights (a model's fully connected layer) is the 1x1
 * convolution it equals: A [M,K] as M images of K channels of 1x1, B [N,K] (transB) as N filters,
 * C as their bias; then as_conv holds the shapes and attributes of that convolution. */
typedef struct step {
    int first, count;
    int conv;             /* index in plan.convs, or -1 */
    int as_conv;          /* 1: a Gemm run as xs, attr, ys below */
    fl_tshape xs, ys;
    fl_conv_attr attr;
    int residual, slope;  /* tensors: the fused Add's other input, the fused PRelu's slopes; or -1 */
    int slope_step;       /* fl_conv_epilogue's */
    fl_activation act;
    int op_portable;      /* not a convolution: 1 when nn/portable_ops.h runs the node */
} step;

typedef struct plan {
    fl_exec_buffers e;
    step *steps;
    int n_steps;
    fl_packed_conv *convs;
    int n_convs;
    float *scratch; /* the largest a convolution needs; one run at a time uses a plan */
} plan;

static void plan_destroy(void *p)
{
    plan *pl = p;
    if (!pl)
        return;
    for (int i = 0; i < pl->n_convs; i++)
        fl__portable_conv_release(&pl->convs[i]);
    free(pl->convs);
    free(pl->steps);
    free(pl->scratch);
    fl__exec_buffers_free(&pl->e);
    free(pl);
}

/* readers[t]: how many node inputs and graph outputs read tensor t. */
static int *count_readers(const fl_graph *g)
{
    int *readers = calloc((size_t)g->n_tensors, sizeof *readers);
    if (!readers)
        return NULL;
    for (int k = 0; k < g->n_outputs; k++)
        readers[g->outputs[k]]++;
    for (int k = 0; k < g->n_nodes; k++)
        for (int j = 0; j < g->nodes[k].n_inputs; j++)
            if (g->nodes[k].inputs[j] >= 0)
                readers[g->nodes[k].inputs[j]]++;
    return readers;
}

/* Node j, when it reads t (which nothing else reads) and can be applied as t is stored: an Add of
 * t and another tensor of its shape (*residual, when residual is not NULL), a ReLU or a PRelu
 * (*act, *slope, *slope_step). Returns 1 then. */
static int fusable(const fl_graph *g, const fl_shapes *s, const int *readers, int j, int t, int *residual,
                   fl_activation *act, int *slope, int *slope_step)
{
    if (j >= g->n_nodes || readers[t] != 1)
        return 0;
    const fl_node *n = &g->nodes[j];
    if (residual && n->op == FL_OP_ADD && n->n_inputs == 2) {
        const int other = n->inputs[0] == t ? n->inputs[1] : n->inputs[1] == t ? n->inputs[0] : -1;
        if (other < 0 || other == t || g->tensors[other].dtype != FL_DTYPE_FLOAT32 ||
            !fl__tshape_same(&s->t[other], &s->t[t]) || !fl__tshape_same(&s->t[n->outputs[0]], &s->t[t]))
            return 0;
        *residual = other;
        return 1;
    }
    if (n->op == FL_OP_RELU && n->inputs[0] == t) {
        *act = FL_ACT_RELU;
        return 1;
    }
    if (n->op == FL_OP_PRELU && n->inputs[0] == t && g->tensors[n->inputs[1]].dtype == FL_DTYPE_FLOAT32) {
        const int step = fl__portable_prelu_slope_step(&s->t[t], &s->t[n->inputs[1]]);
        if (step < 0)
            return 0;
        *act = FL_ACT_PRELU, *slope = n->inputs[1], *slope_step = step;
        return 1;
    }
    return 0;
}

/* 1 when tensor t is an initializer of floats (weights a plan can pack once). */
static int const_float(const fl_graph *g, int t)
{
    return t >= 0 && g->tensors[t].is_const && g->tensors[t].data && g->tensors[t].dtype == FL_DTYPE_FLOAT32;
}

/* A Gemm that is a 1x1 convolution: A [M,K], constant B [N,K] with transB, alpha 1, and no C or a
 * constant C of N values with beta 1. Sets the step's as_conv shapes and attributes then. */
static int gemm_as_conv(const fl_graph *g, const fl_shapes *s, const fl_node *n, step *st)
{
    const fl_tshape *as = &s->t[n->inputs[0]], *bs = &s->t[n->inputs[1]];
    const int has_c = n->n_inputs > 2 && n->inputs[2] >= 0;
    if (n->attr.gemm.trans_b != 1 || n->attr.gemm.alpha != 1.0f || as->rank != 2 || bs->rank != 2 ||
        bs->dims[1] != as->dims[1] || !const_float(g, n->inputs[1]) ||
        (has_c && (n->attr.gemm.beta != 1.0f || !const_float(g, n->inputs[2]) ||
                   s->t[n->inputs[2]].count != (size_t)bs->dims[0])))
        return 0;
    st->as_conv = 1;
    st->xs = (fl_tshape){4, {as->dims[0], as->dims[1], 1, 1}, as->count, NULL, 0};
    st->ys = (fl_tshape){4, {as->dims[0], bs->dims[0], 1, 1}, (size_t)(as->dims[0] * bs->dims[0]), NULL, 0};
    st->attr = (fl_conv_attr){1, {1, 1}, {1, 1}, {1, 1}, {0, 0, 0, 0}};
    return 1;
}

/* The step that starts at node i. */
static step plan_step(const fl_graph *g, const fl_shapes *s, const int *readers, int i, int *n_convs)
{
    step st = {i, 1, -1, 0, {0}, {0}, {0}, -1, -1, 0, FL_ACT_NONE, 0};
    const fl_node *n = &g->nodes[i];
    const int conv = n->op == FL_OP_CONV && const_float(g, n->inputs[1]) &&
                     (n->n_inputs < 3 || n->inputs[2] < 0 || const_float(g, n->inputs[2]));
    if (!conv && !(n->op == FL_OP_GEMM && gemm_as_conv(g, s, n, &st))) {
        /* the packed weights are made once: a convolution of computed weights is the reference's */
        st.op_portable = fl__portable_op_handles(g, s, n);
        return st;
    }
    st.conv = (*n_convs)++;
    int t = g->nodes[i].outputs[0];
    if (fusable(g, s, readers, i + st.count, t, &st.residual, &st.act, &st.slope, &st.slope_step))
        t = g->nodes[i + st.count++].outputs[0];
    if (st.act == FL_ACT_NONE &&
        fusable(g, s, readers, i + st.count, t, NULL, &st.act, &st.slope, &st.slope_step))
        st.count++;
    return st;
}

static fl_status plan_steps(plan *pl, fl_error *err)
{
    const fl_graph *g = pl->e.g;
    int *readers = count_readers(g);
    pl->steps = calloc((size_t)g->n_nodes, sizeof *pl->steps);
    if (!readers || !pl->steps) {
        free(readers);
        return fl__fail(err, FL_E_NO_MEMORY, "out of memory while planning");
    }
    for (int i = 0; i < g->n_nodes; i += pl->steps[pl->n_steps++].count)
        pl->steps[pl->n_steps] = plan_step(g, &pl->e.shapes, readers, i, &pl->n_convs);
    free(readers);
    return FL_OK;
}

/* The input and output shapes and the attributes of step st's convolution. */
static const fl_tshape *conv_xs(const plan *pl, const step *st)
{
    return st->as_conv ? &st->xs : &pl->e.shapes.t[pl->e.g->nodes[st->first].inputs[0]];
}

static const fl_tshape *conv_ys(const plan *pl, const step *st)
{
    return st->as_conv ? &st->ys : &pl->e.shapes.t[pl->e.g->nodes[st->first].outputs[0]];
}

static const fl_conv_attr *conv_attr(const fl_graph *g, const step *st)
{
    return st->as_conv ? &st->attr : &g->nodes[st->first].attr.conv;
}

/* Packs every convolution's weights and allocates the scratch and the tensors steps write. */
static fl_status plan_convs(plan *pl, fl_error *err)
{
    const fl_graph *g = pl->e.g;
    pl->convs = calloc((size_t)pl->n_convs + 1, sizeof *pl->convs);
    if (!pl->convs)
        return fl__fail(err, FL_E_NO_MEMORY, "out of memory while planning");
    size_t scratch = 1;
    for (int k = 0; k < pl->n_steps; k++) {
        const step *st = &pl->steps[k];
        const fl_node *n = &g->nodes[st->first];
        fl_status e = fl__exec_buffers_alloc(&pl->e, g->nodes[st->first + st->count - 1].outputs[0], err);
        if (e)
            return e;
        if (st->conv < 0)
            continue;
        fl_packed_conv *pc = &pl->convs[st->conv];
        if (fl__portable_conv_prepare(conv_xs(pl, st), &g->tensors[n->inputs[1]], conv_attr(g, st), conv_ys(pl, st),
                                      pc))
            return fl__fail(err, FL_E_NO_MEMORY, "out of memory for the packed weights of node %s", n->name);
        if (pc->scratch_floats > scratch)
            scratch = pc->scratch_floats;
    }
    pl->scratch = malloc(scratch * sizeof *pl->scratch);
    if (!pl->scratch)
        return fl__fail(err, FL_E_NO_MEMORY, "out of memory for the im2col matrix");
    return FL_OK;
}

static fl_status plan_create(const fl_graph *g, fl_shapes *shapes, void *threadpool, int one_node_per_step,
                             void **out, fl_error *err)
{
    (void)threadpool, (void)one_node_per_step; /* a fused step's time is its convolution's */
    plan *pl = calloc(1, sizeof *pl);
    if (!pl) {
        fl__shapes_free(shapes);
        return fl__fail(err, FL_E_NO_MEMORY, "out of memory while planning");
    }
    fl_status s = fl__exec_buffers_init(&pl->e, g, shapes, err);
    if (!s)
        s = plan_steps(pl, err);
    if (!s)
        s = plan_convs(pl, err);
    if (s) {
        plan_destroy(pl);
        return s;
    }
    *out = pl;
    return FL_OK;
}

static void run_conv_step(const plan *pl, const step *st)
{
    const fl_graph *g = pl->e.g;
    float *const *buf = pl->e.buf;
    const fl_node *n = &g->nodes[st->first];
    const float *bias = n->n_inputs > 2 && n->inputs[2] >= 0 ? g->tensors[n->inputs[2]].data : NULL;
    const fl_conv_epilogue ep = {st->residual >= 0 ? buf[st->residual] : NULL, st->act,
                                 st->slope >= 0 ? buf[st->slope] : NULL, st->slope_step};
    fl__portable_conv(&pl->convs[st->conv], conv_xs(pl, st), buf[n->inputs[0]], &g->tensors[n->inputs[1]], bias,
                      conv_attr(g, st), &ep, conv_ys(pl, st), buf[g->nodes[st->first + st->count - 1].outputs[0]],
                      pl->scratch);
}

static fl_status plan_run(void *p, const float *const *inputs, int nhwc, float *const *outputs, double *step_ms,
                          fl_error *err)
{
    (void)nhwc, (void)err; /* never set: this backend has no takes_nhwc; a run cannot fail */
    plan *pl = p;
    const fl_graph *g = pl->e.g;
    fl__bind_graph_inputs(g, pl->e.buf, inputs);
    for (int k = 0; k < pl->n_steps; k++) {
        const double t0 = step_ms ? fl__now_ms() : 0;
        const step *st = &pl->steps[k];
        if (st->conv >= 0)
            run_conv_step(pl, st);
        else if (st->op_portable)
            fl__portable_op(g, &pl->e.shapes, &g->nodes[st->first], pl->e.buf);
        else
            fl__ref_node(g, &pl->e.shapes, &g->nodes[st->first], pl->e.buf);
        if (step_ms)
            step_ms[k] = fl__now_ms() - t0;
    }
    fl__copy_graph_outputs(g, &pl->e.shapes, pl->e.buf, outputs);
    return FL_OK;
}

static int runs_portable(const step *st)
{
    return st->conv >= 0 || st->op_portable;
}

static void plan_node_split(const void *p, int *accelerated, int *in_c, int *nhwc_kernels)
{
    const plan *pl = p;
    *accelerated = *in_c = *nhwc_kernels = 0;
    for (int k = 0; k < pl->n_steps; k++) {
        const step *st = &pl->steps[k];
        if (runs_portable(st))
            *accelerated += st->count;
        else
            *in_c += !fl__ref_node_is_planned(pl->e.g, &pl->e.g->nodes[st->first]);
    }
}

static int plan_n_steps(const void *p)
{
    return ((const plan *)p)->n_steps;
}

static int plan_step_nodes(const void *p, int k, int *kind, int *nodes)
{
    const plan *pl = p;
    const step *st = &pl->steps[k];
    *kind = runs_portable(st) ? FL_STEP_PORTABLE : FL_STEP_REFERENCE;
    for (int j = 0; j < st->count; j++)
        nodes[j] = st->first + j;
    return st->count;
}

static const fl_shapes *plan_shapes(const void *p)
{
    return &((const plan *)p)->e.shapes;
}

const fl_backend_ops fl__backend_portable = {plan_create, plan_run,        plan_n_steps, plan_step_nodes,
                                             NULL,        plan_node_split, plan_shapes,  plan_destroy};
