/*
 * facelive's portable convolution kernels, on NCHW tensors: the convolutions of the portable
 * backend (backend_reference.c's second table), which is the whole runtime where XNNPACK does not
 * exist (the WebAssembly build). Written with the compiler's vector extension on 4 floats, which
 * becomes SSE on x86-64, NEON on ARM and SIMD128 in WebAssembly (-msimd128), and plain scalar code
 * where none exists.
 *
 * Every convolution is a matrix product per group: a 1x1 convolution of stride 1 is one already
 * (weights M x C times the input C x pixels); any other one goes through its im2col matrix (C*KH*KW
 * x pixels). Depthwise 3x3 convolutions of stride 1 or 2 have a kernel of their own (nine taps, the
 * columns in vectors). Pure: thread-safe on distinct outputs.
 */
#ifndef FL_NN_PORTABLE_CONV_H
#define FL_NN_PORTABLE_CONV_H

#include "facelive/status.h"
#include "nn/graph.h"
#include "nn/tshape.h"

/* y = conv(x) of node attributes c, weights w (M x C/group x KH x KW) and bias (M floats or NULL);
 * relu: then the ReLU of that (x > 0 ? x : 0, a NaN becomes 0, as the reference ReLU), fused.
 * FL_E_NO_MEMORY when the packing or im2col scratch cannot be allocated. */
fl_status fl__portable_conv(const fl_tshape *xs, const float *x, const fl_graph_tensor *w, const float *bias,
                            const fl_conv_attr *c, int relu, const fl_tshape *ys, float *y);

/* y[M][P] = bias[m] + sum_k a[m][K] * b[k][P] (a, b, y row-major; bias may be NULL), with relu as
 * fl__portable_conv's. */
fl_status fl__portable_gemm(int M, int K, int P, const float *a, const float *b, const float *bias, int relu, float *y);

#endif
