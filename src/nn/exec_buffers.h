/* The per-plan tensor table both backends keep: inferred shapes and one NCHW data pointer per
 * tensor (constants point at the graph's data; others are allocated on demand). */
#ifndef FL_NN_EXEC_BUFFERS_H
#define FL_NN_EXEC_BUFFERS_H

#include "nn/graph.h"
#include "nn/shape_infer.h"

typedef struct fl_exec_buffers {
    const fl_graph *g;
    fl_shapes shapes;
    float **buf;  /* per tensor */
    char *owned;  /* per tensor: 1 when buf[t] was allocated here */
} fl_exec_buffers;

/* Takes ownership of *shapes (zeroed) whether or not it succeeds. */
fl_status fl__exec_buffers_init(fl_exec_buffers *b, const fl_graph *g, fl_shapes *shapes, fl_error *err);
/* Allocates tensor t's buffer unless it has one or is not float. */
fl_status fl__exec_buffers_alloc(fl_exec_buffers *b, int t, fl_error *err);
void fl__exec_buffers_free(fl_exec_buffers *b);

#endif
