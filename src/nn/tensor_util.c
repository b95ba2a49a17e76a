#include "nn/tensor_util.h"

#include <string.h>

#include "nn/tshape.h"

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

/* The two layout conversions run on every XNNPACK input and output: each is a transpose of a
 * [C][H*W] or [H*W][C] matrix, done tile by tile so that both sides are touched in cache-sized
 * pieces (a plane at a time rewrote the whole interleaved output once per channel). */
enum { TILE = 64 };

/* out = the [rows][cols] matrix in, transposed; 64 x 64 tiles (16 KiB) keep both sides in L1. */
static void transpose_tiled(const float *in, size_t rows, size_t cols, float *out)
{
    for (size_t r0 = 0; r0 < rows; r0 += TILE) {
        const size_t nr = rows - r0 < TILE ? rows - r0 : TILE;
        for (size_t c0 = 0; c0 < cols; c0 += TILE) {
            const size_t nc = cols - c0 < TILE ? cols - c0 : TILE;
            for (size_t c = c0; c < c0 + nc; c++)
                for (size_t r = r0; r < r0 + nr; r++)
                    out[c * rows + r] = in[r * cols + c];
        }
    }
}

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

void fl__nchw_to_nhwc(const float *in, const int64_t *d, float *out)
{
    const size_t C = (size_t)d[1], HW = (size_t)(d[2] * d[3]);
    for (int64_t n = 0; n < d[0]; n++, in += C * HW, out += C * HW) {
        if (C == 3)
            three_planes_to_interleaved(in, HW, out);
        else
            transpose_tiled(in, C, HW, out);
    }
}

void fl__nhwc_to_nchw(const float *in, const int64_t *d, float *out)
{
    const size_t C = (size_t)d[1], HW = (size_t)(d[2] * d[3]);
    for (int64_t n = 0; n < d[0]; n++, in += C * HW, out += C * HW)
        transpose_tiled(in, HW, C, out);
}
