/* Plain-C kernels for every supported op (NCHW, float32). */
#ifndef FL_NN_REF_KERNELS_H
#define FL_NN_REF_KERNELS_H

#include "nn/graph.h"
#include "nn/shape_infer.h"

/* Runs node n. buf[t] is the data of tensor t (float; initializers point at graph data).
 * Nodes whose output is int64 (shape values) do nothing: planning already computed them. */
void fl__ref_node(const fl_graph *g, const fl_shapes *s, const fl_node *n, float *const *buf);

/* Points buf at the caller's graph inputs (kernels never write their inputs). */
void fl__bind_graph_inputs(const fl_graph *g, float **buf, const float *const *inputs);

/* Copies the graph outputs from buf into the caller's buffers. */
void fl__copy_graph_outputs(const fl_graph *g, const fl_shapes *s, float *const *buf, float *const *outputs);

/* 1 when the node's output is a shape value computed while planning (nothing to run). */
int fl__ref_node_is_planned(const fl_graph *g, const fl_node *n);

#endif
