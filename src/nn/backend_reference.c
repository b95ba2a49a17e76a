/* The reference backend: every node through the plain-C kernels, one buffer per tensor; and the
 * portable backend: the same, but for the convolutions and the ops that cost time around them, which
 * run in facelive's vectorised portable kernels (nn/portable_conv.h, nn/portable_ops.h). The portable one is the runtime where XNNPACK does not
 * exist (WebAssembly); the reference one is what both fast backends are tested against. */
#include <stdlib.h>

#include "common/clock.h"
#include "common/error.h"
#include "nn/backend.h"
#include "nn/exec_buffers.h"
#include "nn/portable_conv.h"
#include "nn/portable_ops.h"
#include "nn/ref_kernels.h"

static void ref_destroy(void *p)
{
    if (!p)
        return;
    fl__exec_buffers_free(p);
    free(p);
}

static fl_status ref_create(const fl_graph *g, fl_shapes *shapes, void *threadpool, int one_node_per_step, void **out,
                            fl_error *err)
{
    (void)threadpool, (void)one_node_per_step; /* every node is a step of its own here anyway */
    fl_exec_buffers *e = calloc(1, sizeof *e);
    if (!e) {
        fl__shapes_free(shapes);
        return fl__fail(err, FL_E_NO_MEMORY, "out of memory while planning");
    }
    fl_status s = fl__exec_buffers_init(e, g, shapes, err);
    for (int i = 0; i < g->n_nodes && !s; i++)
        s = fl__exec_buffers_alloc(e, g->nodes[i].outputs[0], err);
    if (s) {
        ref_destroy(e);
        return s;
    }
    *out = e;
    return FL_OK;
}

/* 1 when node i is a Conv whose result only node i + 1 reads, and that node is a ReLU: the portable
 * kernels then write the ReLU's output directly (one pass over the map instead of two). */
static int relu_follows(const fl_graph *g, int i)
{
    if (i + 1 >= g->n_nodes || g->nodes[i].op != FL_OP_CONV || g->nodes[i + 1].op != FL_OP_RELU)
        return 0;
    const int t = g->nodes[i].outputs[0];
    int readers = 0;
    for (int k = 0; k < g->n_outputs; k++)
        readers += g->outputs[k] == t;
    for (int k = 0; k < g->n_nodes; k++)
        for (int j = 0; j < g->nodes[k].n_inputs; j++)
            readers += g->nodes[k].inputs[j] == t;
    return readers == 1 && g->nodes[i + 1].inputs[0] == t;
}

/* Node i of the portable backend (and i + 1 with it when relu_follows): a convolution, and the ops
 * nn/portable_ops.h lists, in the portable kernels; anything else in the reference ones. Returns
 * how many nodes ran through *ran. */
static fl_status portable_node(const fl_graph *g, const fl_shapes *s, int i, float *const *buf, int *ran,
                               fl_error *err)
{
    const fl_node *n = &g->nodes[i];
    *ran = 1;
    if (n->op != FL_OP_CONV) {
        if (!fl__portable_op(s, n, buf))
            fl__ref_node(g, s, n, buf);
        return FL_OK;
    }
    const float *bias = n->n_inputs > 2 && n->inputs[2] >= 0 ? g->tensors[n->inputs[2]].data : NULL;
    const int relu = relu_follows(g, i);
    *ran += relu;
    float *y = buf[relu ? g->nodes[i + 1].outputs[0] : n->outputs[0]];
    if (fl__portable_conv(&s->t[n->inputs[0]], buf[n->inputs[0]], &g->tensors[n->inputs[1]], bias, &n->attr.conv,
                          relu, &s->t[n->outputs[0]], y))
        return fl__fail(err, FL_E_NO_MEMORY, "out of memory for the im2col matrix of node %s", n->name);
    return FL_OK;
}

static fl_status run_nodes(void *p, const float *const *inputs, float *const *outputs, double *step_ms, int portable,
                           fl_error *err)
{
    fl_exec_buffers *e = p;
    const fl_graph *g = e->g;
    fl_status s = FL_OK;
    fl__bind_graph_inputs(g, e->buf, inputs);
    for (int i = 0, ran = 1; i < g->n_nodes && !s; i += ran) {
        const double t0 = step_ms ? fl__now_ms() : 0;
        if (portable)
            s = portable_node(g, &e->shapes, i, e->buf, &ran, err);
        else
            fl__ref_node(g, &e->shapes, &g->nodes[i], e->buf);
        if (step_ms) /* a fused ReLU's time is its Conv's */
            for (int k = 0; k < ran; k++)
                step_ms[i + k] = k ? 0 : fl__now_ms() - t0;
    }
    if (!s)
        fl__copy_graph_outputs(g, &e->shapes, e->buf, outputs);
    return s;
}

static fl_status ref_run(void *p, const float *const *inputs, int nhwc, float *const *outputs, double *step_ms,
                         fl_error *err)
{
    (void)nhwc; /* never set: this backend has no takes_nhwc */
    return run_nodes(p, inputs, outputs, step_ms, 0, err);
}

static fl_status portable_run(void *p, const float *const *inputs, int nhwc, float *const *outputs, double *step_ms,
                              fl_error *err)
{
    (void)nhwc;
    return run_nodes(p, inputs, outputs, step_ms, 1, err);
}

static void ref_node_split(const void *p, int *accelerated, int *in_c, int *nhwc_kernels)
{
    const fl_exec_buffers *e = p;
    *accelerated = *nhwc_kernels = 0;
    *in_c = 0;
    for (int i = 0; i < e->g->n_nodes; i++)
        *in_c += !fl__ref_node_is_planned(e->g, &e->g->nodes[i]);
}

static int ref_n_steps(const void *p)
{
    return ((const fl_exec_buffers *)p)->g->n_nodes;
}

static int ref_step_nodes(const void *p, int step, int *kind, int *nodes)
{
    (void)p;
    *kind = FL_STEP_REFERENCE;
    nodes[0] = step;
    return 1;
}

static void portable_node_split(const void *p, int *accelerated, int *in_c, int *nhwc_kernels)
{
    const fl_exec_buffers *e = p;
    *accelerated = *in_c = *nhwc_kernels = 0;
    for (int i = 0; i < e->g->n_nodes; i++) {
        const fl_node *n = &e->g->nodes[i];
        const int portable = n->op == FL_OP_CONV || fl__portable_op_handles(&e->shapes, n);
        *accelerated += portable;
        *in_c += !portable && !fl__ref_node_is_planned(e->g, n);
    }
}

static int portable_step_nodes(const void *p, int step, int *kind, int *nodes)
{
    const fl_exec_buffers *e = p;
    const fl_node *n = &e->g->nodes[step];
    *kind = n->op == FL_OP_CONV || fl__portable_op_handles(&e->shapes, n) ? FL_STEP_PORTABLE : FL_STEP_REFERENCE;
    nodes[0] = step;
    return 1;
}

static const fl_shapes *ref_shapes(const void *p)
{
    return &((const fl_exec_buffers *)p)->shapes;
}

const fl_backend_ops fl__backend_reference = {ref_create,  ref_run,       ref_n_steps, ref_step_nodes,
                                              NULL,        ref_node_split, ref_shapes, ref_destroy};
const fl_backend_ops fl__backend_portable = {ref_create, portable_run,        ref_n_steps, portable_step_nodes,
                                             NULL,       portable_node_split, ref_shapes,  ref_destroy};
