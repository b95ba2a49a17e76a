/* Library-internal queries on model contexts (for tests and reports; not public API). */
#ifndef FL_NN_MODEL_INTERNAL_H
#define FL_NN_MODEL_INTERNAL_H

#include "facelive/model.h"

/* For the most recently used plan of ctx: how many nodes run inside the accelerated backend and
 * how many through the C kernels; both -1 before the first run. */
void fl__model_ctx_node_split(const fl_model_ctx *ctx, int *accelerated, int *in_c);

#endif
