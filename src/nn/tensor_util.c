#include "nn/tensor_util.h"

#include <string.h>

#include "nn/shape_infer.h"

void fl__transpose_perm(const fl_node *n, int rank, int64_t *perm)
{
    for (int i = 0; i < rank; i++) /* ONNX default: reverse the dims */
        perm[i] = n->attr.transpose.n ? n->attr.transpose.perm[i] : rank - 1 - i;
}

void fl__concat_bytes(const fl_tshape *shapes, const fl_node *n, int axis, const void *const *srcs, void *dst,
                     size_t esize)
{
    const fl_tshape *x0 = &shapes[n->inputs[0]];
    size_t outer = 1, inner = esize;
    for (int k = 0; k < axis; k++)
        outer *= (size_t)x0->dims[k];
    for (int k = axis + 1; k < x0->rank; k++)
        inner *= (size_t)x0->dims[k];
    size_t out_row = 0;
    for (int i = 0; i < n->n_inputs; i++)
        out_row += (size_t)shapes[n->inputs[i]].dims[axis] * inner;
    size_t at = 0;
    for (int i = 0; i < n->n_inputs; i++) {
        size_t row = (size_t)shapes[n->inputs[i]].dims[axis] * inner;
        for (size_t o = 0; o < outer; o++)
            memcpy((char *)dst + o * out_row + at, (const char *)srcs[i] + o * row, row);
        at += row;
    }
}

void fl__transpose_f32(const float *in, int rank, const int64_t *dims, const int64_t *perm, float *out)
{
    int64_t in_stride[FL_GRAPH_MAX_RANK], out_dims[FL_GRAPH_MAX_RANK], idx[FL_GRAPH_MAX_RANK] = {0};
    int64_t stride = 1, count = 1;
    for (int i = rank - 1; i >= 0; i--) {
        in_stride[i] = stride;
        stride *= dims[i];
    }
    for (int i = 0; i < rank; i++) {
        out_dims[i] = dims[perm[i]];
        count *= out_dims[i];
    }
    /* Walk the output in order, carrying the input offset with an odometer. */
    int64_t src = 0;
    for (int64_t o = 0; o < count; o++) {
        out[o] = in[src];
        for (int k = rank - 1; k >= 0; k--) {
            idx[k]++;
            src += in_stride[perm[k]];
            if (idx[k] < out_dims[k])
                break;
            src -= in_stride[perm[k]] * out_dims[k];
            idx[k] = 0;
        }
    }
}

/* The two layout conversions run on every XNNPACK input and output. They go tile by tile (64
 * pixels by up to 64 channels, 16 KiB) so that both the channel planes and the interleaved side
 * are touched in cache-sized pieces: a plane at a time rewrote the whole interleaved output once
 * per channel (YuNet's 3 x 320 x 320 input, docs/onnx-runtime.md). */
enum { TILE_PIXELS = 64, TILE_CHANNELS = 64 };

/* Three planes (an RGB input): one sequential pass over each stream. */
static void three_planes_to_interleaved(const float *in, size_t HW, float *out)
{
    const float *r = in, *g = in + HW, *b = in + 2 * HW;
    for (size_t i = 0; i < HW; i++) {
        out[3 * i] = r[i];
        out[3 * i + 1] = g[i];
        out[3 * i + 2] = b[i];
    }
}

static void planes_to_interleaved(const float *in, size_t C, size_t HW, float *out)
{
    if (C == 3) {
        three_planes_to_interleaved(in, HW, out);
        return;
    }
    for (size_t i0 = 0; i0 < HW; i0 += TILE_PIXELS) {
        const size_t ni = HW - i0 < TILE_PIXELS ? HW - i0 : TILE_PIXELS;
        for (size_t c0 = 0; c0 < C; c0 += TILE_CHANNELS) {
            const size_t nc = C - c0 < TILE_CHANNELS ? C - c0 : TILE_CHANNELS;
            for (size_t i = 0; i < ni; i++)
                for (size_t c = 0; c < nc; c++)
                    out[(i0 + i) * C + c0 + c] = in[(c0 + c) * HW + i0 + i];
        }
    }
}

static void interleaved_to_planes(const float *in, size_t C, size_t HW, float *out)
{
    for (size_t i0 = 0; i0 < HW; i0 += TILE_PIXELS) {
        const size_t ni = HW - i0 < TILE_PIXELS ? HW - i0 : TILE_PIXELS;
        for (size_t c0 = 0; c0 < C; c0 += TILE_CHANNELS) {
            const size_t nc = C - c0 < TILE_CHANNELS ? C - c0 : TILE_CHANNELS;
            for (size_t c = 0; c < nc; c++)
                for (size_t i = 0; i < ni; i++)
                    out[(c0 + c) * HW + i0 + i] = in[(i0 + i) * C + c0 + c];
        }
    }
}

void fl__nchw_to_nhwc(const float *in, const int64_t *d, float *out)
{
    const size_t C = (size_t)d[1], HW = (size_t)(d[2] * d[3]);
    for (int64_t n = 0; n < d[0]; n++, in += C * HW, out += C * HW)
        planes_to_interleaved(in, C, HW, out);
}

void fl__nhwc_to_nchw(const float *in, const int64_t *d, float *out)
{
    const size_t C = (size_t)d[1], HW = (size_t)(d[2] * d[3]);
    for (int64_t n = 0; n < d[0]; n++, in += C * HW, out += C * HW)
        interleaved_to_planes(in, C, HW, out);
}
