/*
 * The element-wise ops of the portable backend that cost time in its models (facemesh and the
 * MiniFASNets run a PRelu after almost every convolution, and residual Adds): vectorised loops for
 * the common shapes, the same arithmetic as the reference kernels (so the same results). Other
 * shapes are left to the reference kernels. Pure: thread-safe on distinct outputs.
 */
#ifndef FL_NN_PORTABLE_ELTWISE_H
#define FL_NN_PORTABLE_ELTWISE_H

#include "nn/graph.h"
#include "nn/shape_infer.h"

/* Runs node n when it is an Add of two tensors of one shape, or a PRelu of an NCHW tensor with one
 * slope per channel or one for all; returns 1 then, 0 (nothing done) for anything else. */
int fl__portable_eltwise(const fl_shapes *s, const fl_node *n, float *const *buf);

/* 1 when fl__portable_eltwise runs node n (for reports). */
int fl__portable_eltwise_handles(const fl_shapes *s, const fl_node *n);

#endif
