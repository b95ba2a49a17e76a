#include "nn/exec_buffers.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"

fl_status fl__exec_buffers_init(fl_exec_buffers *b, const fl_graph *g, fl_shapes *shapes, fl_error *err)
{
    memset(b, 0, sizeof *b);
    b->g = g;
    b->shapes = *shapes;
    memset(shapes, 0, sizeof *shapes);
    b->buf = calloc((size_t)g->n_tensors, sizeof *b->buf);
    b->owned = calloc((size_t)g->n_tensors, 1);
    if (!b->buf || !b->owned)
        return fl__fail(err, FL_E_NO_MEMORY, "out of memory while planning");
    for (int i = 0; i < g->n_tensors; i++)
        if (g->tensors[i].is_const)
            b->buf[i] = g->tensors[i].data;
    return FL_OK;
}

fl_status fl__exec_buffers_alloc(fl_exec_buffers *b, int t, fl_error *err)
{
    if (b->buf[t] || b->g->tensors[t].dtype != FL_DTYPE_FLOAT32)
        return FL_OK;
    size_t n = b->shapes.t[t].count;
    b->buf[t] = malloc((n ? n : 1) * sizeof(float));
    if (!b->buf[t])
        return fl__fail(err, FL_E_NO_MEMORY, "out of memory for activations");
    b->owned[t] = 1;
    return FL_OK;
}

void fl__exec_buffers_free(fl_exec_buffers *b)
{
    if (b->buf && b->owned)
        for (int i = 0; i < b->g->n_tensors; i++)
            if (b->owned[i])
                free(b->buf[i]);
    free(b->buf);
    free(b->owned);
    fl__shapes_free(&b->shapes);
    memset(b, 0, sizeof *b);
}
