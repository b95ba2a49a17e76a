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

/* The two layout conversions run on every XNNPACK input and output, so they get plain loops
 * (sequential reads of each channel plane) instead of the general odometer transpose. */
void fl__nchw_to_nhwc(const float *in, const int64_t *d, float *out)
{
    const size_t C = (size_t)d[1], HW = (size_t)(d[2] * d[3]);
    for (int64_t n = 0; n < d[0]; n++, in += C * HW, out += C * HW)
        for (size_t c = 0; c < C; c++) {
            const float *src = in + c * HW;
            float *dst = out + c;
            for (size_t i = 0; i < HW; i++)
                dst[i * C] = src[i];
        }
}

void fl__nhwc_to_nchw(const float *in, const int64_t *d, float *out)
{
    const size_t C = (size_t)d[1], HW = (size_t)(d[2] * d[3]);
    for (int64_t n = 0; n < d[0]; n++, in += C * HW, out += C * HW)
        for (size_t c = 0; c < C; c++) {
            const float *src = in + c;
            float *dst = out + c * HW;
            for (size_t i = 0; i < HW; i++)
                dst[i] = src[i * C];
        }
}
