/*
 * The ops besides convolutions that cost time in the portable backend's models (facemesh and the
 * MiniFASNets run a PRelu after almost every convolution, and residual Adds; YuNet a ReLU after
 * most, 2x2 max poolings and 2x nearest upsamplings; the MiniFASNets squeeze-excitation gates):
 * vectorised loops for the common shapes, the same arithmetic as the reference kernels in the same
 * order (so the same results, NaNs included). Other shapes are left to the reference kernels.
 * Pure: thread-safe on distinct outputs.
 */
#ifndef FL_NN_PORTABLE_OPS_H
#define FL_NN_PORTABLE_OPS_H

#include "nn/graph.h"
#include "nn/shape_infer.h"

/* Runs node n of graph g, which fl__portable_op_handles accepted (the portable backend asks once,
 * when it plans a shape). (It runs most Adds, ReLUs and PRelus fused into the convolution before
 * them: nn/portable_conv.h.) */
void fl__portable_op(const fl_graph *g, const fl_shapes *s, const fl_node *n, float *const *buf);

/* A PRelu's slopes ss for input xs (NCHW): 1 when there is one per channel (C of them, broadcast
 * over H and W), 0 when one for all, -1 for any other layout (left to the reference kernel). */
int fl__portable_prelu_slope_step(const fl_tshape *xs, const fl_tshape *ss);

/* 1 when node n of graph g is one fl__portable_op runs: an Add of two tensors of one shape, a
 * PRelu of an NCHW tensor with one slope per channel or one for all, a Mul of an NCHW tensor by
 * one factor per channel ([N,C,1,1]: a squeeze-excitation gate), a ReLU, a 2x2 max pooling of
 * stride 2 without padding, or a Resize of an NCHW tensor by whole factors in H and W. */
int fl__portable_op_handles(const fl_graph *g, const fl_shapes *s, const fl_node *n);

#endif
