/* The reference backend: every node through the plain-C kernels, one buffer per tensor. It is what
 * the fast backends (XNNPACK, portable) are tested against. */
#include <stdlib.h>

#include "common/clock.h"
#include "common/error.h"
#include "nn/backend.h"
#include "nn/exec_buffers.h"
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

static fl_status ref_run(void *p, const float *const *inputs, int nhwc, float *const *outputs, double *step_ms,
                         fl_error *err)
{
    (void)nhwc, (void)err; /* never set: this backend has no takes_nhwc; a run cannot fail */
    fl_exec_buffers *e = p;
    const fl_graph *g = e->g;
    fl__bind_graph_inputs(g, e->buf, inputs);
    for (int i = 0; i < g->n_nodes; i++) {
        const double t0 = step_ms ? fl__now_ms() : 0;
        fl__ref_node(g, &e->shapes, &g->nodes[i], e->buf);
        if (step_ms)
            step_ms[i] = fl__now_ms() - t0;
    }
    fl__copy_graph_outputs(g, &e->shapes, e->buf, outputs);
    return FL_OK;
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

static const fl_shapes *ref_shapes(const void *p)
{
    return &((const fl_exec_buffers *)p)->shapes;
}

const fl_backend_ops fl__backend_reference = {ref_create,  ref_run,       ref_n_steps, ref_step_nodes,
                                              NULL,        ref_node_split, ref_shapes, ref_destroy};
