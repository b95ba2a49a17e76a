/*
 * The in-memory graph a loaded ONNX model becomes: tensors (by index), nodes with their
 * attributes already checked and decoded, in topological order. Immutable after loading,
 * so one graph is shared by every execution context of a model.
 */
#ifndef FL_NN_GRAPH_H
#define FL_NN_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "facelive/model.h"

#define FL_GRAPH_MAX_RANK FL_MAX_DIMS

/* X(enum, ONNX op_type) - every operator the runtime knows. */
#define FL_OP_MAP(X)                        \
    X(FL_OP_CONV, "Conv")                   \
    X(FL_OP_PRELU, "PRelu")                 \
    X(FL_OP_RELU, "Relu")                   \
    X(FL_OP_SIGMOID, "Sigmoid")             \
    X(FL_OP_ADD, "Add")                     \
    X(FL_OP_MUL, "Mul")                     \
    X(FL_OP_GLOBAL_AVG_POOL, "GlobalAveragePool") \
    X(FL_OP_GEMM, "Gemm")                   \
    X(FL_OP_FLATTEN, "Flatten")             \
    X(FL_OP_MAX_POOL, "MaxPool")            \
    X(FL_OP_PAD, "Pad")                     \
    X(FL_OP_RESIZE, "Resize")               \
    X(FL_OP_TRANSPOSE, "Transpose")         \
    X(FL_OP_RESHAPE, "Reshape")             \
    X(FL_OP_SOFTMAX, "Softmax")             \
    X(FL_OP_SHAPE, "Shape")                 \
    X(FL_OP_GATHER, "Gather")               \
    X(FL_OP_UNSQUEEZE, "Unsqueeze")         \
    X(FL_OP_CONCAT, "Concat")

typedef enum fl_op {
#define FL_OP_ENUM_(e, s) e,
    FL_OP_MAP(FL_OP_ENUM_)
#undef FL_OP_ENUM_
    FL_OP_COUNT_
} fl_op;

const char *fl__op_name(fl_op op);

typedef struct fl_graph_tensor {
    char *name;
    fl_dtype dtype;
    int rank;                            /* -1 when the file does not say */
    int64_t dims[FL_GRAPH_MAX_RANK];     /* -1 for a symbolic dim */
    void *data;                          /* initializer values (float or int64), else NULL */
    size_t count;                        /* number of elements in data */
    int producer;                        /* node index, or -1 (input or initializer) */
    int is_const;                        /* 1 for initializers */
} fl_graph_tensor;

typedef struct fl_conv_attr {
    int64_t group;
    int64_t kernel[2], strides[2], dilations[2];
    int64_t pads[4]; /* top, left, bottom, right */
} fl_conv_attr;

typedef struct fl_pool_attr {
    int64_t kernel[2], strides[2];
    int64_t pads[4];
} fl_pool_attr;

typedef struct fl_node {
    fl_op op;
    char *name;
    int n_inputs, n_outputs;
    int *inputs;  /* tensor indices; -1 for an omitted optional input */
    int *outputs; /* tensor indices */
    union {
        fl_conv_attr conv;
        fl_pool_attr pool;
        struct { int64_t axis; } axis; /* Flatten, Softmax, Gather, Concat */
        struct { int64_t perm[FL_GRAPH_MAX_RANK]; int n; } transpose;
        struct { int64_t axes[FL_GRAPH_MAX_RANK]; int n; } unsqueeze;
        struct { int trans_a, trans_b; float alpha, beta; } gemm;
    } attr;
} fl_node;

typedef struct fl_graph {
    fl_graph_tensor *tensors;
    int n_tensors;
    fl_node *nodes;
    int n_nodes;
    int *inputs;  /* tensor indices of the graph inputs that are not initializers */
    int n_inputs;
    int *outputs;
    int n_outputs;
} fl_graph;

void fl__graph_free(fl_graph *g);

/* Size in bytes of one element of a supported dtype. */
size_t fl__dtype_size(fl_dtype dt);

#endif
