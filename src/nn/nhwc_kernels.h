/*
 * facelive's own kernel on NHWC tensors: a 1x1 convolution fused with the 3x3 depthwise
 * convolution (and ReLU, and 2x2 max pooling) after it, the block of YuNet and of most small
 * detectors. Debian's
 * XNNPACK (2022-02) runs the two as separate operators, so the 1x1 output makes a round trip
 * through memory; on YuNet's 16-64 channel maps of 80x80 and 160x160 pixels that traffic, not
 * arithmetic, sets the pace (docs/onnx-runtime.md has the measurements). The XNNPACK backend
 * runs this kernel between its runtimes on the same NHWC buffers.
 *
 * Vectorised with the compiler's vector extension (16 floats); on x86-64 it is built for
 * AVX-512, AVX2+FMA and the baseline and picked by the CPU at load time. The reference backend
 * is the second implementation every case is tested against (tests/test_ops.c).
 * Pure: thread-safe on distinct outputs and rings.
 */
#ifndef FL_NN_NHWC_KERNELS_H
#define FL_NN_NHWC_KERNELS_H

/* A 3x3 depthwise convolution, one filter per channel, dilation 1 (the second half of fl_pw_dw). */
typedef struct fl_dwconv3x3 {
    int h, w, c;           /* input */
    int oh, ow;            /* output; padding at the bottom and right is what these imply */
    int stride;            /* 1 or 2, both axes */
    int pad_top, pad_left; /* 0..2 */
    const float *weights;  /* [3][3][c] */
    const float *bias;     /* [c] */
    float min, max;        /* output clamp: -inf, inf for none; 0, inf for a fused ReLU */
} fl_dwconv3x3;

/* A 1x1 convolution (cin -> dw.c channels, dw.c >= 16) followed by a 3x3 depthwise convolution of
 * its output. The 1x1 output is made row by row as the depthwise convolution needs it, into a ring
 * of three rows, so the intermediate map never goes to memory: on YuNet's 64 x 80 x 80 stages it
 * is 1.6 MB that would otherwise be written and read back beyond the L2 cache. */
typedef struct fl_pw_dw {
    int cin;
    const float *pw_weights; /* [cin][dw.c] */
    const float *pw_bias;    /* [dw.c] */
    fl_dwconv3x3 dw;         /* its h, w, c are the 1x1 output's */
    int pool;                /* 1: the output is max-pooled 2x2 with stride 2 (to dw.oh / 2 x dw.ow / 2) */
} fl_pw_dw;

/* ring: room for 3 * dw.w * dw.c floats, and 2 * dw.ow * dw.c more when pooling; the caller's. */
void fl__pw_dw_nhwc(const fl_pw_dw *p, const float *x, float *ring, float *y);

#endif
