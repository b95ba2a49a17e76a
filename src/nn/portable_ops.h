/*
 * The ops besides convolutions that cost time in the portable backend's models (facemesh and the
 * MiniFASNets run a PRelu after almost every convolution, and residual Adds; YuNet a ReLU after
 * most and 2x2 max poolings): vectorised loops for the common shapes, the same arithmetic as the
 * reference kernels in the same order (so the same results, NaNs included). Other shapes are left
 * to the reference kernels. Pure: thread-safe on distinct outputs.
 */
#ifndef FL_NN_PORTABLE_OPS_H
#define FL_NN_PORTABLE_OPS_H

#include "nn/graph.h"
#include "nn/shape_infer.h"

/* Runs node n when it is an Add of two tensors of one shape, a PRelu of an NCHW tensor with one
 * slope per channel or one for all, a ReLU, or a 2x2 max pooling of stride 2 without padding;
 * returns 1 then, 0 (nothing done) for anything else. */
int fl__portable_op(const fl_shapes *s, const fl_node *n, float *const *buf);

/* 1 when fl__portable_op runs node n (for reports). */
int fl__portable_op_handles(const fl_shapes *s, const fl_node *n);

#endif
