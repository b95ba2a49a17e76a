/* ONNX bytes -> validated fl_graph. */
#ifndef FL_NN_ONNX_LOAD_H
#define FL_NN_ONNX_LOAD_H

#include "nn/graph.h"

/* Parses and validates an ONNX model; on success *out owns a new graph (fl__graph_free). */
fl_status fl__onnx_load(const void *data, size_t size, fl_graph **out, fl_error *err);

#endif
