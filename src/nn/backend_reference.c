/* The reference backend: every node through the plain-C kernels, one buffer per tensor. */
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "nn/backend.h"
#include "nn/ref_kernels.h"

typedef struct ref_exec {
    const fl_graph *g;
    fl_shapes shapes;
    float **buf;   /* per tensor: data pointer (owned for node outputs) */
    char *owned;   /* per tensor: 1 when buf[t] was allocated here */
} ref_exec;

static void ref_destroy(void *p)
{
    ref_exec *e = p;
    if (!e)
        return;
    if (e->buf)
        for (int i = 0; i < e->g->n_tensors; i++)
            if (e->owned[i])
                free(e->buf[i]);
    free(e->buf);
    free(e->owned);
    fl_shapes_free(&e->shapes);
    free(e);
}

static fl_status ref_create(const fl_graph *g, fl_shapes *shapes, void *threadpool, void **out, fl_error *err)
{
    (void)threadpool;
    ref_exec *e = calloc(1, sizeof *e);
    if (!e) {
        fl_shapes_free(shapes);
        return fl_fail(err, FL_E_NO_MEMORY, "out of memory while planning");
    }
    e->g = g;
    e->shapes = *shapes;
    memset(shapes, 0, sizeof *shapes);
    e->buf = calloc((size_t)g->n_tensors, sizeof *e->buf);
    e->owned = calloc((size_t)g->n_tensors, 1);
    if (!e->buf || !e->owned)
        goto oom;
    for (int i = 0; i < g->n_tensors; i++) {
        const fl_graph_tensor *t = &g->tensors[i];
        if (t->is_const) {
            e->buf[i] = t->data;
        } else if (t->producer >= 0 && t->dtype == FL_DTYPE_FLOAT32) {
            size_t n = e->shapes.t[i].count;
            e->buf[i] = malloc((n ? n : 1) * sizeof(float));
            if (!e->buf[i])
                goto oom;
            e->owned[i] = 1;
        }
    }
    *out = e;
    return FL_OK;
oom:
    ref_destroy(e);
    return fl_fail(err, FL_E_NO_MEMORY, "out of memory for activations");
}

static fl_status ref_run(void *p, const float *const *inputs, float *const *outputs, fl_error *err)
{
    (void)err;
    ref_exec *e = p;
    const fl_graph *g = e->g;
    for (int i = 0; i < g->n_inputs; i++)
        e->buf[g->inputs[i]] = (float *)inputs[i]; /* read only: no kernel writes its inputs */
    for (int i = 0; i < g->n_nodes; i++)
        fl_ref_node(g, &e->shapes, &g->nodes[i], e->buf);
    for (int i = 0; i < g->n_outputs; i++) {
        int t = g->outputs[i];
        memcpy(outputs[i], e->buf[t], e->shapes.t[t].count * sizeof(float));
    }
    return FL_OK;
}

static void ref_node_split(const void *p, int *accelerated, int *in_c)
{
    const ref_exec *e = p;
    *accelerated = 0;
    *in_c = 0;
    for (int i = 0; i < e->g->n_nodes; i++)
        *in_c += !fl_ref_node_is_planned(e->g, &e->g->nodes[i]);
}

static const fl_shapes *ref_shapes(const void *p)
{
    return &((const ref_exec *)p)->shapes;
}

const fl_backend_ops fl_backend_reference = {ref_create, ref_run, ref_node_split, ref_shapes, ref_destroy};
