/* Layout helpers shared by the planner and both backends. */
#ifndef FL_NN_TENSOR_UTIL_H
#define FL_NN_TENSOR_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "nn/graph.h"

struct fl_tshape;

/* The effective Transpose permutation of node n for an input of the given rank. */
void fl__transpose_perm(const fl_node *n, int rank, int64_t *perm);

/* Concatenates the inputs of Concat node n along axis into dst (elements of esize bytes). */
void fl__concat_bytes(const struct fl_tshape *shapes, const fl_node *n, int axis, const void *const *srcs, void *dst,
                     size_t esize);

/* General transpose of a row-major float tensor: out dims[i] = in dims[perm[i]]. */
void fl__transpose_f32(const float *in, int rank, const int64_t *dims, const int64_t *perm, float *out);

/* NCHW <-> NHWC for a 4-D float tensor given by its NCHW dims. */
void fl__nchw_to_nhwc(const float *in, const int64_t *nchw, float *out);
void fl__nhwc_to_nchw(const float *in, const int64_t *nchw, float *out);

#endif
