/* Library-internal queries on model contexts (for tests and reports; not public API). */
#ifndef FL_NN_MODEL_INTERNAL_H
#define FL_NN_MODEL_INTERNAL_H

#include "facelive/model.h"

/* For the most recently used plan of ctx: how many nodes run inside the accelerated backend,
 * how many through the C reference kernels, and how many of the accelerated ones in facelive's
 * NHWC kernels; all -1 before the first run. */
void fl__model_ctx_node_split(const fl_model_ctx *ctx, int *accelerated, int *in_c, int *nhwc_kernels);

#endif
