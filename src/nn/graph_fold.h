/* Load-time graph simplification: per-channel constant Mul and Add nodes after a Conv (batch norms
 * exported as a scale and a shift, as the MiniFASNet authors' Android model has them: 200 of its
 * 315 nodes) become part of the Conv's weights and bias. The result equals the unfolded graph up to
 * float rounding; every backend then runs one convolution instead of five nodes. */
#ifndef FL_NN_GRAPH_FOLD_H
#define FL_NN_GRAPH_FOLD_H

#include "nn/graph.h"

/* Folds in place; a graph without such chains is left as it is. Only FL_E_NO_MEMORY fails. */
fl_status fl__graph_fold_affine(fl_graph *g, fl_error *err);

#endif
