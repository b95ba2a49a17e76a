/*
 * facelive's portable convolution kernels, on NCHW tensors: the convolutions of the portable
 * backend (backend_portable.c), which is the whole runtime where XNNPACK does not exist (the
 * WebAssembly build). Written with the compiler's vector extension on 4 floats, which becomes SSE
 * on x86-64, NEON on ARM and SIMD128 in WebAssembly (-msimd128), and plain scalar code where none
 * exists.
 *
 * Every convolution is a matrix product per group: a 1x1 convolution of stride 1 is one already
 * (weights M x C times the input C x pixels); any other one goes through its im2col matrix (C*KH*KW
 * x pixels). Depthwise 3x3 convolutions of stride 1 or 2 have a kernel of their own (nine taps, the
 * columns in vectors). The weights are packed once, when a plan is made (fl__portable_conv_prepare);
 * what follows a convolution in the graph (a residual Add, a ReLU or a PRelu) can be applied as its
 * outputs are stored (fl_conv_epilogue), one pass over the map instead of up to three.
 */
#ifndef FL_NN_PORTABLE_CONV_H
#define FL_NN_PORTABLE_CONV_H

#include <stddef.h>

#include "facelive/status.h"
#include "nn/graph.h"
#include "nn/tshape.h"

typedef enum fl_activation { FL_ACT_NONE = 0, FL_ACT_RELU, FL_ACT_PRELU } fl_activation;

/* What is applied to a convolution's output (bias included) as it is stored, in this order, with
 * the arithmetic of the reference Add, ReLU (x > 0 ? x : 0) and PRelu (x < 0 ? x * slope : x). */
typedef struct fl_conv_epilogue {
    const float *residual; /* a tensor of the output's shape added to it, or NULL */
    fl_activation act;
    const float *slope; /* FL_ACT_PRELU: output channel m's slope is slope[m * slope_step] */
    int slope_step;     /* 1: one slope per channel; 0: one slope for all */
} fl_conv_epilogue;

/* A convolution of one input shape, prepared: how it runs, its weights packed as the matrix product
 * reads them, and the scratch (floats) a run needs. */
typedef struct fl_packed_conv {
    int kind; /* internal to portable_conv.c */
    float *panels;
    size_t scratch_floats;
} fl_packed_conv;

/* Prepares conv node attributes c with weights w (M x C/group x KH x KW) for input shape xs and
 * output shape ys. FL_E_NO_MEMORY when the packed weights cannot be allocated. */
fl_status fl__portable_conv_prepare(const fl_tshape *xs, const fl_graph_tensor *w, const fl_conv_attr *c,
                                    const fl_tshape *ys, fl_packed_conv *pc);
void fl__portable_conv_release(fl_packed_conv *pc);

/* y = epilogue(conv(x) + bias) (bias: M floats or NULL; ep NULL: nothing after the bias), with pc
 * made by fl__portable_conv_prepare from the same w, c and shapes, and scratch of at least
 * pc->scratch_floats floats. Pure: thread-safe on distinct outputs and scratch. */
void fl__portable_conv(const fl_packed_conv *pc, const fl_tshape *xs, const float *x, const fl_graph_tensor *w,
                       const float *bias, const fl_conv_attr *c, const fl_conv_epilogue *ep, const fl_tshape *ys,
                       float *y, float *scratch);

#endif
