/*
 * facelive's own kernel on NHWC tensors: chains of 1x1 convolutions, 3x3 depthwise convolutions
 * (with ReLU) and 2x2 max poolings run row by row, the blocks of YuNet and of most small
 * detectors. Debian's XNNPACK (2022-02) runs each as a separate operator, so every intermediate
 * map makes a round trip through memory; on YuNet's 16-64 channel maps of 80x80 and 160x160
 * pixels that traffic, not arithmetic, sets the pace (docs/onnx-runtime.md has the
 * measurements). The XNNPACK backend runs these pipelines between its runtimes on the same NHWC
 * buffers.
 *
 * Vectorised with the compiler's vector extension (16 floats); on x86-64 it is built for
 * AVX-512, AVX2+FMA and the baseline and the CPU picks one at each call. The reference backend
 * is the second implementation every case is tested against (tests/test_ops.c).
 * Pure: thread-safe on distinct outputs and rings.
 */
#ifndef FL_NN_NHWC_KERNELS_H
#define FL_NN_NHWC_KERNELS_H

#include <stddef.h>

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

/* A 1x1 convolution of one row of w pixels. */
typedef struct fl_pointwise {
    int w, cin, cout;     /* cout >= 16 */
    const float *weights; /* [cin][cout] */
    const float *bias;    /* [cout] */
} fl_pointwise;

/* A 3x3 convolution of a few input channels, every output channel from all of them: an image
 * network's first layer (YuNet's 3 -> 16 channels, stride 2). */
typedef struct fl_conv3x3 {
    int w, cin, ow, cout;  /* input and output widths; cout >= 16 */
    int stride, pad_left;  /* 1 or 2; 0..2 */
    const float *weights;  /* [3][3][cin][cout] */
    const float *bias;     /* [cout] */
    float min, max;        /* output clamp, as fl_dwconv3x3's */
} fl_conv3x3;

typedef enum fl_stage_op {
    FL_STAGE_POINTWISE,
    FL_STAGE_DEPTHWISE,
    FL_STAGE_MAXPOOL2,
    FL_STAGE_CONV3X3 /* rows as a depthwise stage: stride and top padding in k.conv3 and pad_top */
} fl_stage_op;

/* One stage of a row pipeline: its input h x w x c, its output oh x ow x oc. A max pooling is
 * 2x2 with stride 2 and no padding (an odd last row or column is dropped). */
typedef struct fl_stage {
    fl_stage_op op;
    int h, w, c, oh, ow, oc;
    int pad_top; /* FL_STAGE_CONV3X3 */
    union {
        fl_pointwise pw;
        fl_dwconv3x3 dw;
        fl_conv3x3 conv3;
    } k;
} fl_stage;

enum { FL_PIPELINE_MAX_STAGES = 16 };

/* Stages that each read the one before: a first 3x3 convolution, 1x1 convolutions, 3x3 depthwise
 * convolutions (with their ReLU as the clamp) and 2x2 max poolings, such as YuNet's blocks. The rows of every stage but
 * the last are made as the next stage needs them, into a ring of the rows it reads (one, three
 * or two), so no intermediate map goes to memory: on YuNet's 64 x 80 x 80 stages each would be
 * 1.6 MB written and read back beyond the L2 cache. */
typedef struct fl_row_pipeline {
    int n;
    fl_stage stage[FL_PIPELINE_MAX_STAGES];
} fl_row_pipeline;

/* How many floats of ring fl__row_pipeline_nhwc needs. */
size_t fl__row_pipeline_ring(const fl_row_pipeline *p);

/* y = the pipeline applied to x (the first stage's input; the last stage's output); ring: the
 * caller's, fl__row_pipeline_ring(p) floats. Runs the build for the best instruction set the CPU
 * has. */
void fl__row_pipeline_nhwc(const fl_row_pipeline *p, const float *x, float *ring, float *y);

/* The builds (on x86-64; elsewhere every value runs the baseline build): for the tests, which run
 * each one the CPU can against the best. */
typedef enum fl_pipeline_isa { FL_ISA_BASELINE, FL_ISA_AVX2, FL_ISA_AVX512 } fl_pipeline_isa;
fl_pipeline_isa fl__row_pipeline_best_isa(void);
void fl__row_pipeline_nhwc_isa(const fl_row_pipeline *p, const float *x, float *ring, float *y, fl_pipeline_isa isa);

#endif
