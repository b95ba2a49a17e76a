/* Builds small ONNX models in memory for tests, with the same protobuf-c schema the loader
 * reads. Everything is allocated from one arena freed by ob_free. */
#include "onnx_builder.h"

#include <stdlib.h>
#include <string.h>

#include "nn/onnx_subset.pb-c.h"

struct ob_model {
    void **arena;
    size_t n_arena, cap_arena;
    Flonnx__ModelProto model;
    Flonnx__GraphProto graph;
    Flonnx__OperatorSetIdProto opset;
    Flonnx__OperatorSetIdProto *opsets[1];
};

static void *ob_alloc(ob_model *m, size_t bytes)
{
    if (m->n_arena == m->cap_arena) {
        m->cap_arena = m->cap_arena ? m->cap_arena * 2 : 64;
        m->arena = realloc(m->arena, m->cap_arena * sizeof *m->arena);
    }
    void *p = calloc(1, bytes ? bytes : 1);
    m->arena[m->n_arena++] = p;
    return p;
}

static char *ob_str(ob_model *m, const char *s)
{
    char *d = ob_alloc(m, strlen(s) + 1);
    strcpy(d, s);
    return d;
}

/* Appends item to a protobuf-c repeated pointer field. */
#define OB_PUSH(m, arr, n, item)                                             \
    do {                                                                     \
        void *grown_ = ob_alloc((m), ((n) + 1) * sizeof *(arr));             \
        if ((n))                                                             \
            memcpy(grown_, (arr), (n) * sizeof *(arr));                      \
        (arr) = grown_;                                                      \
        (arr)[(n)++] = (item);                                               \
    } while (0)

ob_model *ob_new(int opset)
{
    ob_model *m = calloc(1, sizeof *m);
    flonnx__model_proto__init(&m->model);
    flonnx__graph_proto__init(&m->graph);
    flonnx__operator_set_id_proto__init(&m->opset);
    m->opset.domain = ob_str(m, "");
    m->opset.has_version = 1;
    m->opset.version = opset;
    m->opsets[0] = &m->opset;
    m->model.has_ir_version = 1;
    m->model.ir_version = 6;
    m->model.graph = &m->graph;
    m->model.n_opset_import = 1;
    m->model.opset_import = m->opsets;
    m->graph.name = ob_str(m, "test");
    return m;
}

static Flonnx__ValueInfoProto *value_info(ob_model *m, const char *name, int rank, const int64_t *dims)
{
    Flonnx__ValueInfoProto *vi = ob_alloc(m, sizeof *vi);
    flonnx__value_info_proto__init(vi);
    vi->name = ob_str(m, name);
    Flonnx__TypeProto *tp = ob_alloc(m, sizeof *tp);
    flonnx__type_proto__init(tp);
    Flonnx__TypeProto__Tensor *tt = ob_alloc(m, sizeof *tt);
    flonnx__type_proto__tensor__init(tt);
    tt->has_elem_type = 1;
    tt->elem_type = 1;
    if (rank >= 0) {
        Flonnx__TensorShapeProto *sh = ob_alloc(m, sizeof *sh);
        flonnx__tensor_shape_proto__init(sh);
        for (int i = 0; i < rank; i++) {
            Flonnx__TensorShapeProto__Dimension *d = ob_alloc(m, sizeof *d);
            flonnx__tensor_shape_proto__dimension__init(d);
            if (dims[i] >= 0) {
                d->has_dim_value = 1;
                d->dim_value = dims[i];
            } else {
                d->dim_param = ob_str(m, "n");
            }
            OB_PUSH(m, sh->dim, sh->n_dim, d);
        }
        tt->shape = sh;
    }
    tp->tensor_type = tt;
    vi->type = tp;
    return vi;
}

void ob_input(ob_model *m, const char *name, int rank, const int64_t *dims)
{
    Flonnx__ValueInfoProto *vi = value_info(m, name, rank, dims);
    OB_PUSH(m, m->graph.input, m->graph.n_input, vi);
}

void ob_output(ob_model *m, const char *name)
{
    Flonnx__ValueInfoProto *vi = value_info(m, name, -1, NULL);
    OB_PUSH(m, m->graph.output, m->graph.n_output, vi);
}

void ob_init_raw(ob_model *m, const char *name, int dtype, int rank, const int64_t *dims, const void *bytes,
                 size_t n)
{
    Flonnx__TensorProto *t = ob_alloc(m, sizeof *t);
    flonnx__tensor_proto__init(t);
    t->name = ob_str(m, name);
    t->has_data_type = 1;
    t->data_type = dtype;
    t->n_dims = (size_t)rank;
    t->dims = ob_alloc(m, (size_t)rank * sizeof(int64_t));
    memcpy(t->dims, dims, (size_t)rank * sizeof(int64_t));
    t->has_raw_data = 1;
    t->raw_data.len = n;
    t->raw_data.data = ob_alloc(m, n);
    if (n)
        memcpy(t->raw_data.data, bytes, n);
    OB_PUSH(m, m->graph.initializer, m->graph.n_initializer, t);
}

static size_t count_of(int rank, const int64_t *dims)
{
    size_t c = 1;
    for (int i = 0; i < rank; i++)
        c *= (size_t)dims[i];
    return c;
}

void ob_init_f32(ob_model *m, const char *name, int rank, const int64_t *dims, const float *data)
{
    ob_init_raw(m, name, 1, rank, dims, data, count_of(rank, dims) * sizeof(float));
}

void ob_init_i64(ob_model *m, const char *name, int rank, const int64_t *dims, const int64_t *data)
{
    ob_init_raw(m, name, 7, rank, dims, data, count_of(rank, dims) * sizeof(int64_t));
}

ob_node *ob_add_node(ob_model *m, const char *op, const char *name, int n_in, const char *const *in, int n_out,
                     const char *const *out)
{
    Flonnx__NodeProto *n = ob_alloc(m, sizeof *n);
    flonnx__node_proto__init(n);
    n->op_type = ob_str(m, op);
    n->name = ob_str(m, name);
    for (int i = 0; i < n_in; i++) {
        char *s = ob_str(m, in[i]);
        OB_PUSH(m, n->input, n->n_input, s);
    }
    for (int i = 0; i < n_out; i++) {
        char *s = ob_str(m, out[i]);
        OB_PUSH(m, n->output, n->n_output, s);
    }
    OB_PUSH(m, m->graph.node, m->graph.n_node, n);
    ob_node *h = ob_alloc(m, sizeof *h);
    h->m = m;
    h->proto = n;
    return h;
}

static Flonnx__AttributeProto *new_attr(ob_node *n, const char *name, int type)
{
    Flonnx__AttributeProto *a = ob_alloc(n->m, sizeof *a);
    flonnx__attribute_proto__init(a);
    a->name = ob_str(n->m, name);
    a->has_type = 1;
    a->type = type;
    Flonnx__NodeProto *np = n->proto;
    OB_PUSH(n->m, np->attribute, np->n_attribute, a);
    return a;
}

void ob_attr_int(ob_node *n, const char *name, int64_t v)
{
    Flonnx__AttributeProto *a = new_attr(n, name, 2);
    a->has_i = 1;
    a->i = v;
}

void ob_attr_float(ob_node *n, const char *name, float v)
{
    Flonnx__AttributeProto *a = new_attr(n, name, 1);
    a->has_f = 1;
    a->f = v;
}

void ob_attr_ints(ob_node *n, const char *name, int count, const int64_t *v)
{
    Flonnx__AttributeProto *a = new_attr(n, name, 7);
    a->n_ints = (size_t)count;
    a->ints = ob_alloc(n->m, (size_t)count * sizeof(int64_t));
    memcpy(a->ints, v, (size_t)count * sizeof(int64_t));
}

void ob_attr_str(ob_node *n, const char *name, const char *v)
{
    Flonnx__AttributeProto *a = new_attr(n, name, 3);
    a->has_s = 1;
    a->s.len = strlen(v);
    a->s.data = (uint8_t *)ob_str(n->m, v);
}

uint8_t *ob_pack(ob_model *m, size_t *len)
{
    *len = flonnx__model_proto__get_packed_size(&m->model);
    uint8_t *buf = malloc(*len ? *len : 1);
    flonnx__model_proto__pack(&m->model, buf);
    return buf;
}

void ob_free(ob_model *m)
{
    for (size_t i = 0; i < m->n_arena; i++)
        free(m->arena[i]);
    free(m->arena);
    free(m);
}
