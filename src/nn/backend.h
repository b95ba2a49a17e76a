/*
 * The interface every backend implements: turn a graph plus inferred shapes into something
 * runnable for that one shape, run it, free it. The model context (src/nn/model.c) caches these
 * per input shape.
 */
#ifndef FL_NN_BACKEND_H
#define FL_NN_BACKEND_H

#include "nn/graph.h"
#include "nn/shape_infer.h"

typedef struct fl_backend_ops {
    /* Takes ownership of *shapes (it is zeroed) whether or not it succeeds. threadpool is a
     * pthreadpool_t or NULL. one_node_per_step: every node is a step of its own (for profiling:
     * XNNPACK then builds one runtime per node, with no fusion across nodes). */
    fl_status (*create)(const fl_graph *g, fl_shapes *shapes, void *threadpool, int one_node_per_step, void **exec,
                        fl_error *err);
    /* inputs[i]: graph input i (NCHW, or NHWC for 4-D inputs when nhwc is 1, which only a backend
     * whose takes_nhwc says so is given); outputs[i]: room for graph output i. step_ms, when not
     * NULL, receives each step's time (its kernels only, not layout conversions between steps). */
    fl_status (*run)(void *exec, const float *const *inputs, int nhwc, float *const *outputs, double *step_ms,
                     fl_error *err);
    /* The steps of an exec, in run order: how many, and which node each runs (for a step of
     * several nodes, the first) and whether it runs in XNNPACK. */
    int (*n_steps)(const void *exec);
    int (*step_node)(const void *exec, int step, int *accelerated);
    /* 1 when run can take 4-D inputs NHWC for this exec; NULL: never. */
    int (*takes_nhwc)(const void *exec);
    /* How many nodes run accelerated (in XNNPACK) and how many through the C kernels; planned
     * shape-value nodes count in neither. For tests and reports. */
    void (*node_split)(const void *exec, int *accelerated, int *in_c);
    /* The inferred shapes the exec was created with. */
    const fl_shapes *(*shapes)(const void *exec);
    void (*destroy)(void *exec);
} fl_backend_ops;

extern const fl_backend_ops fl__backend_reference;
#ifdef FL_HAVE_XNNPACK
extern const fl_backend_ops fl__backend_xnnpack;
#endif

#endif
