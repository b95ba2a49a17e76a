/*
 * facelive's own kernels on NHWC tensors, for the ops where Debian's XNNPACK (2022-02) is slow
 * on the small channel counts of the pack's models (docs/onnx-runtime.md has the profiles):
 * its depthwise convolution reaches 9-16 GFLOP/s on YuNet's 16-64 channel maps, and its max
 * pooling has only a 4-lane SSE kernel. The XNNPACK backend runs these between its runtimes on
 * the same NHWC buffers, so no layout conversion is added around them.
 *
 * Vectorised with the compiler's vector extension (16 floats); on x86-64 each kernel is built
 * for AVX-512, AVX2+FMA and the baseline and picked by the CPU at load time. The reference
 * backend is the second implementation every case is tested against (tests/test_ops.c).
 * All functions are pure: thread-safe on distinct outputs.
 */
#ifndef FL_NN_NHWC_KERNELS_H
#define FL_NN_NHWC_KERNELS_H

/* A 3x3 depthwise convolution, one filter per channel, dilation 1. */
typedef struct fl_dwconv3x3 {
    int h, w, c;           /* input */
    int oh, ow;            /* output; padding at the bottom and right is what these imply */
    int stride;            /* 1 or 2, both axes */
    int pad_top, pad_left; /* 0..2 */
    const float *weights;  /* [3][3][c] */
    const float *bias;     /* [c] */
    float min, max;        /* output clamp: -inf, inf for none; 0, inf for a fused ReLU */
} fl_dwconv3x3;

void fl__dwconv3x3_nhwc(const fl_dwconv3x3 *p, const float *x, float *y);

/* Max pooling with no dilation; padded cells never win (as in ONNX). */
typedef struct fl_maxpool {
    int h, w, c, oh, ow;
    int kh, kw, stride_h, stride_w, pad_top, pad_left;
} fl_maxpool;

void fl__maxpool_nhwc(const fl_maxpool *p, const float *x, float *y);

#endif
