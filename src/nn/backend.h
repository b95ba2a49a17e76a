/*
 * The interface every backend implements: turn a graph plus inferred shapes into something
 * runnable for that one shape, run it, free it. The model context (src/nn/model.c) caches these
 * per input shape.
 */
#ifndef FL_NN_BACKEND_H
#define FL_NN_BACKEND_H

#include "nn/graph.h"
#include "nn/shape_infer.h"

/* What runs a step. */
typedef enum fl_step_kind {
    FL_STEP_REFERENCE = 0, /* the plain-C reference kernels, NCHW */
    FL_STEP_XNNPACK = 1,   /* an XNNPACK runtime */
    FL_STEP_NHWC = 2,      /* facelive's own NHWC kernels (nn/nhwc_kernels.h) */
    FL_STEP_PORTABLE = 3   /* facelive's portable convolution kernels (nn/portable_conv.h), NCHW */
} fl_step_kind;

enum { FL_STEP_MAX_NODES = 24 };

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
    /* The steps of an exec, in run order: how many, and for each what runs it (fl_step_kind) and
     * which nodes it runs: nodes[0..count) with count the return value (an XNNPACK step of several
     * nodes gives its first only; an NHWC step its fused nodes, up to FL_STEP_MAX_NODES). */
    int (*n_steps)(const void *exec);
    int (*step_nodes)(const void *exec, int step, int *kind, int *nodes);
    /* 1 when run can take 4-D inputs NHWC for this exec; NULL: never. */
    int (*takes_nhwc)(const void *exec);
    /* How many nodes run accelerated (in XNNPACK or the NHWC kernels), how many through the C
     * reference kernels, and how many of the accelerated ones in the NHWC kernels; planned
     * shape-value nodes count in none. For tests and reports. */
    void (*node_split)(const void *exec, int *accelerated, int *in_c, int *nhwc_kernels);
    /* The inferred shapes the exec was created with. */
    const fl_shapes *(*shapes)(const void *exec);
    void (*destroy)(void *exec);
} fl_backend_ops;

extern const fl_backend_ops fl__backend_reference;
extern const fl_backend_ops fl__backend_portable;
#ifdef FL_HAVE_XNNPACK
extern const fl_backend_ops fl__backend_xnnpack;
#endif

#endif
