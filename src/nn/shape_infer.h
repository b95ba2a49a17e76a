/*
 * Shape inference for one set of input shapes. Every tensor gets concrete dims; every int64
 * tensor (the shape plumbing of dynamic graphs such as yunet_n_dynamic: Shape, Gather,
 * Unsqueeze, Concat) also gets its values, so backends see a fully static graph.
 */
#ifndef FL_NN_SHAPE_INFER_H
#define FL_NN_SHAPE_INFER_H

#include "nn/graph.h"
#include "nn/tshape.h"


typedef struct fl_shapes {
    fl_tshape *t; /* one per graph tensor */
    int n;
} fl_shapes;

/* Infers all shapes for graph inputs with the given ranks/dims (data is not read).
 * FL_E_SHAPE names the node whose inputs do not fit; FL_E_UNSUPPORTED_ATTRIBUTE names a
 * value only known now (e.g. a Resize scale on the batch axis). */
fl_status fl__shapes_infer(const fl_graph *g, const fl_tensor *inputs, size_t n_inputs, fl_shapes *out,
                          fl_error *err);
void fl__shapes_free(fl_shapes *s);

/* Resolved parameters of nodes whose parameters are tensors, valid after fl__shapes_infer. */
/* Pad: pads[2*rank] (begins then ends) and the constant value. */
void fl__pad_params(const fl_graph *g, const fl_shapes *s, const fl_node *n, int64_t *pads, float *value);
/* Resize: the scale per dim (the scales input when given, else output/input dims). */
void fl__resize_scales(const fl_graph *g, const fl_shapes *s, const fl_node *n, float *scales);

#endif
