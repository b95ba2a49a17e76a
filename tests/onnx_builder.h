/* A tiny ONNX model builder for tests (single-op graphs and deliberately broken files). */
#ifndef FL_TESTS_ONNX_BUILDER_H
#define FL_TESTS_ONNX_BUILDER_H

#include <stddef.h>
#include <stdint.h>

typedef struct ob_model ob_model;
typedef struct ob_node {
    ob_model *m;
    void *proto;
} ob_node;

ob_model *ob_new(int opset);
/* dims[i] < 0 declares a symbolic dim; rank < 0 declares no shape. */
void ob_input(ob_model *m, const char *name, int rank, const int64_t *dims);
void ob_output(ob_model *m, const char *name);
void ob_init_f32(ob_model *m, const char *name, int rank, const int64_t *dims, const float *data);
void ob_init_i64(ob_model *m, const char *name, int rank, const int64_t *dims, const int64_t *data);
/* Any dtype and any number of raw bytes: for broken-file tests. */
void ob_init_raw(ob_model *m, const char *name, int dtype, int rank, const int64_t *dims, const void *bytes, size_t n);
ob_node *ob_add_node(ob_model *m, const char *op, const char *name, int n_in, const char *const *in, int n_out,
                     const char *const *out);
void ob_attr_int(ob_node *n, const char *name, int64_t v);
void ob_attr_float(ob_node *n, const char *name, float v);
void ob_attr_ints(ob_node *n, const char *name, int count, const int64_t *v);
void ob_attr_str(ob_node *n, const char *name, const char *v);
/* Serialises the model; the caller frees the bytes. */
uint8_t *ob_pack(ob_model *m, size_t *len);
void ob_free(ob_model *m);

#endif
