/*
 * ONNX protobuf -> fl_graph. Everything a backend relies on is checked here, once, so the
 * backends can trust the graph: op types, attribute values, dtypes, initializer sizes,
 * topological order. Each rejection names the node (or tensor) and the field at fault.
 */
#include "nn/onnx_load.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "nn/graph_fold.h"
#include "nn/name_table.h"
#include "nn/onnx_subset.pb-c.h"
#include "nn/onnx_wire.h"
#include "nn/proto_decode.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "raw_data is little-endian; facelive's loader assumes a little-endian host"
#endif

#define MAX_ELEMENTS (INT64_C(1) << 31)

typedef Flonnx__NodeProto NodeProto;
typedef Flonnx__AttributeProto AttrProto;
typedef Flonnx__TensorProto TensorProto;

typedef struct loader {
    fl_graph *g;
    int cap_tensors;
    fl_name_table names;
    fl_error *err;
} loader;

static const char *const op_names[] = {
#define FL_OP_NAME_(e, s) s,
    FL_OP_MAP(FL_OP_NAME_)
#undef FL_OP_NAME_
};

const char *fl__op_name(fl_op op)
{
    return (unsigned)op < FL_OP_COUNT_ ? op_names[op] : "?";
}

size_t fl__dtype_size(fl_dtype dt)
{
    return dt == FL_DTYPE_INT64 ? 8 : 4;
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static fl_status oom(loader *L)
{
    return fl__fail(L->err, FL_E_NO_MEMORY, "out of memory while loading the model");
}

/* Appends a tensor named `name` and returns its index, or -1 on allocation failure. */
static int add_tensor(loader *L, const char *name, fl_dtype dtype)
{
    fl_graph *g = L->g;
    if (g->n_tensors == L->cap_tensors) {
        int cap = L->cap_tensors ? L->cap_tensors * 2 : 64;
        fl_graph_tensor *t = realloc(g->tensors, (size_t)cap * sizeof *t);
        if (!t)
            return -1;
        g->tensors = t;
        L->cap_tensors = cap;
    }
    fl_graph_tensor *t = &g->tensors[g->n_tensors];
    memset(t, 0, sizeof *t);
    t->name = dup_str(name);
    if (!t->name)
        return -1;
    t->dtype = dtype;
    t->rank = -1;
    t->producer = -1;
    if (fl__name_table_put(&L->names, t->name, g->n_tensors) != 0) {
        free(t->name);
        return -1;
    }
    return g->n_tensors++;
}

/* ---- initializers ------------------------------------------------------------------ */

static fl_status load_initializer(loader *L, const TensorProto *tp)
{
    const char *name = tp->name ? tp->name : "";
    if (!name[0])
        return fl__fail(L->err, FL_E_MODEL_INVALID, "initializer without a name");
    if (fl__name_table_get(&L->names, name) >= 0)
        return fl__fail(L->err, FL_E_MODEL_INVALID, "initializer '%s': name defined twice", name);
    if (!tp->has_data_type || (tp->data_type != FL_DTYPE_FLOAT32 && tp->data_type != FL_DTYPE_INT64))
        return fl__fail(L->err, FL_E_UNSUPPORTED_DTYPE,
                       "initializer '%s': data_type %d (only 1=float and 7=int64 are supported)", name,
                       (int)tp->data_type);
    if (tp->n_dims > FL_GRAPH_MAX_RANK)
        return fl__fail(L->err, FL_E_UNSUPPORTED_ATTRIBUTE, "initializer '%s': rank %zu exceeds %d", name, tp->n_dims,
                       FL_GRAPH_MAX_RANK);
    int64_t count = 1;
    for (size_t i = 0; i < tp->n_dims; i++) {
        if (tp->dims[i] < 0)
            return fl__fail(L->err, FL_E_TENSOR_DATA, "initializer '%s': dims[%zu] = %" PRId64 " is negative", name,
                           i, tp->dims[i]);
        if (tp->dims[i] > 0 && count > MAX_ELEMENTS / tp->dims[i])
            return fl__fail(L->err, FL_E_TOO_LARGE, "initializer '%s': more than 2^31 elements", name);
        count *= tp->dims[i];
    }
    fl_dtype dt = (fl_dtype)tp->data_type;
    size_t esize = fl__dtype_size(dt);
    size_t need = (size_t)count * esize;
    const void *src = NULL;
    size_t have = 0;
    const char *field = "raw_data";
    if (tp->has_raw_data) {
        src = tp->raw_data.data;
        have = tp->raw_data.len;
    } else if (dt == FL_DTYPE_FLOAT32) {
        src = tp->float_data;
        have = tp->n_float_data * sizeof(float);
        field = "float_data";
    } else {
        src = tp->int64_data;
        have = tp->n_int64_data * sizeof(int64_t);
        field = "int64_data";
    }
    if (have != need)
        return fl__fail(L->err, FL_E_TENSOR_DATA, "initializer '%s': %s holds %zu bytes, dims need %zu (%" PRId64
                       " elements of %zu bytes)", name, field, have, need, count, esize);

    int idx = add_tensor(L, name, dt);
    if (idx < 0)
        return oom(L);
    fl_graph_tensor *t = &L->g->tensors[idx];
    t->rank = (int)tp->n_dims;
    for (size_t i = 0; i < tp->n_dims; i++)
        t->dims[i] = tp->dims[i];
    t->count = (size_t)count;
    t->is_const = 1;
    /* +16: XNNPACK may read XNN_EXTRA_BYTES past static data as well as inputs. */
    t->data = calloc(1, need + 16);
    if (!t->data)
        return oom(L);
    if (need)
        memcpy(t->data, src, need);
    return FL_OK;
}

/* ---- graph inputs ------------------------------------------------------------------ */

static fl_status load_input(loader *L, const Flonnx__ValueInfoProto *vi)
{
    const char *name = vi->name ? vi->name : "";
    if (!name[0])
        return fl__fail(L->err, FL_E_MODEL_INVALID, "graph input without a name");
    if (fl__name_table_get(&L->names, name) >= 0)
        return FL_OK; /* an initializer listed as input (IR < 4 style): it stays a constant */
    const Flonnx__TypeProto__Tensor *tt = vi->type ? vi->type->tensor_type : NULL;
    if (!tt)
        return fl__fail(L->err, FL_E_MODEL_INVALID, "graph input '%s': no tensor type", name);
    if (tt->elem_type != FL_DTYPE_FLOAT32)
        return fl__fail(L->err, FL_E_UNSUPPORTED_DTYPE, "graph input '%s': elem_type %d (only 1=float)", name,
                       (int)tt->elem_type);
    int idx = add_tensor(L, name, FL_DTYPE_FLOAT32);
    if (idx < 0)
        return oom(L);
    fl_graph_tensor *t = &L->g->tensors[idx];
    if (tt->shape) {
        if (tt->shape->n_dim > FL_GRAPH_MAX_RANK)
            return fl__fail(L->err, FL_E_UNSUPPORTED_ATTRIBUTE, "graph input '%s': rank %zu exceeds %d", name,
                           tt->shape->n_dim, FL_GRAPH_MAX_RANK);
        t->rank = (int)tt->shape->n_dim;
        for (size_t i = 0; i < tt->shape->n_dim; i++) {
            const Flonnx__TensorShapeProto__Dimension *d = tt->shape->dim[i];
            t->dims[i] = (d->has_dim_value && d->dim_value > 0) ? d->dim_value : -1;
        }
    }
    int *in = realloc(L->g->inputs, (size_t)(L->g->n_inputs + 1) * sizeof *in);
    if (!in)
        return oom(L);
    L->g->inputs = in;
    in[L->g->n_inputs++] = idx;
    return FL_OK;
}

/* ---- attributes -------------------------------------------------------------------- */

/* ONNX AttributeProto.type values. */
enum { ATTR_FLOAT = 1, ATTR_INT = 2, ATTR_STRING = 3, ATTR_FLOATS = 6, ATTR_INTS = 7 };

typedef struct attr_ctx {
    loader *L;
    const NodeProto *np;
    const char *node; /* node name for messages */
} attr_ctx;

static const AttrProto *find_attr(const NodeProto *np, const char *name)
{
    for (size_t i = 0; i < np->n_attribute; i++)
        if (np->attribute[i]->name && strcmp(np->attribute[i]->name, name) == 0)
            return np->attribute[i];
    return NULL;
}

/* Rejects attributes this runtime does not know for the op: an unknown attribute could
 * change the result, and a silent wrong answer is worse than a refusal. */
static fl_status check_known_attrs(attr_ctx *A, const char *const *known)
{
    for (size_t i = 0; i < A->np->n_attribute; i++) {
        const char *n = A->np->attribute[i]->name ? A->np->attribute[i]->name : "";
        int ok = 0;
        for (const char *const *k = known; *k; k++)
            if (strcmp(*k, n) == 0)
                ok = 1;
        if (!ok)
            return fl__fail(A->L->err, FL_E_UNSUPPORTED_ATTRIBUTE, "node '%s' (%s): attribute '%s' is not supported",
                           A->node, A->np->op_type, n);
    }
    return FL_OK;
}

static fl_status attr_int(attr_ctx *A, const char *name, int64_t def, int64_t *out)
{
    const AttrProto *a = find_attr(A->np, name);
    if (!a) {
        *out = def;
        return FL_OK;
    }
    if ((a->has_type && a->type != ATTR_INT) || !a->has_i)
        return fl__fail(A->L->err, FL_E_MODEL_INVALID, "node '%s' (%s): attribute '%s' must be an int", A->node,
                       A->np->op_type, name);
    *out = a->i;
    return FL_OK;
}

static fl_status attr_float(attr_ctx *A, const char *name, float def, float *out)
{
    const AttrProto *a = find_attr(A->np, name);
    if (!a) {
        *out = def;
        return FL_OK;
    }
    if ((a->has_type && a->type != ATTR_FLOAT) || !a->has_f)
        return fl__fail(A->L->err, FL_E_MODEL_INVALID, "node '%s' (%s): attribute '%s' must be a float", A->node,
                       A->np->op_type, name);
    *out = a->f;
    return FL_OK;
}

/* Reads an ints attribute of exactly `n` values (n < 0: any count up to max); *got = count. */
static fl_status attr_ints(attr_ctx *A, const char *name, int n, int max, int64_t *out, int *got)
{
    const AttrProto *a = find_attr(A->np, name);
    *got = 0;
    if (!a)
        return FL_OK;
    if (a->has_type && a->type != ATTR_INTS)
        return fl__fail(A->L->err, FL_E_MODEL_INVALID, "node '%s' (%s): attribute '%s' must be ints", A->node,
                       A->np->op_type, name);
    if ((n >= 0 && a->n_ints != (size_t)n) || a->n_ints > (size_t)max)
        return fl__fail(A->L->err, FL_E_UNSUPPORTED_ATTRIBUTE, "node '%s' (%s): attribute '%s' has %zu values, expected %d",
                       A->node, A->np->op_type, name, a->n_ints, n >= 0 ? n : max);
    for (size_t i = 0; i < a->n_ints; i++)
        out[i] = a->ints[i];
    *got = (int)a->n_ints;
    return FL_OK;
}

/* Checks a string attribute is absent or one of the allowed values. */
static fl_status attr_string_in(attr_ctx *A, const char *name, const char *const *allowed)
{
    const AttrProto *a = find_attr(A->np, name);
    if (!a)
        return FL_OK;
    if ((a->has_type && a->type != ATTR_STRING) || !a->has_s)
        return fl__fail(A->L->err, FL_E_MODEL_INVALID, "node '%s' (%s): attribute '%s' must be a string", A->node,
                       A->np->op_type, name);
    for (const char *const *v = allowed; *v; v++)
        if (strlen(*v) == a->s.len && memcmp(*v, a->s.data, a->s.len) == 0)
            return FL_OK;
    return fl__fail(A->L->err, FL_E_UNSUPPORTED_ATTRIBUTE, "node '%s' (%s): attribute %s='%.*s' is not supported",
                   A->node, A->np->op_type, name, (int)(a->s.len > 40 ? 40 : a->s.len), (const char *)a->s.data);
}

static fl_status check_positive(attr_ctx *A, const char *what, const int64_t *v, int n, int64_t min)
{
    for (int i = 0; i < n; i++)
        if (v[i] < min || v[i] > 65536)
            return fl__fail(A->L->err, FL_E_UNSUPPORTED_ATTRIBUTE, "node '%s' (%s): %s[%d] = %" PRId64 " is out of range",
                           A->node, A->np->op_type, what, i, v[i]);
    return FL_OK;
}

/* Shared by Conv and MaxPool: kernel_shape, strides, pads, dilations of a 2-D window. */
static fl_status parse_window(attr_ctx *A, int64_t kernel[2], int64_t strides[2], int64_t pads[4], int64_t dil[2])
{
    static const char *const auto_pad_ok[] = {"NOTSET", NULL};
    fl_status s;
    int got;
    if ((s = attr_string_in(A, "auto_pad", auto_pad_ok)))
        return s;
    if ((s = attr_ints(A, "kernel_shape", 2, 2, kernel, &got)))
        return s;
    if (!got) {
        kernel[0] = kernel[1] = -1; /* Conv: taken from the weights */
    }
    strides[0] = strides[1] = 1;
    dil[0] = dil[1] = 1;
    pads[0] = pads[1] = pads[2] = pads[3] = 0;
    if ((s = attr_ints(A, "strides", 2, 2, strides, &got)) || (s = check_positive(A, "strides", strides, 2, 1)))
        return s;
    if ((s = attr_ints(A, "dilations", 2, 2, dil, &got)) || (s = check_positive(A, "dilations", dil, 2, 1)))
        return s;
    int64_t p[4] = {0, 0, 0, 0};
    if ((s = attr_ints(A, "pads", 4, 4, p, &got)) || (s = check_positive(A, "pads", p, 4, 0)))
        return s;
    /* ONNX order is [top, left, bottom, right] = [x1_begin, x2_begin, x1_end, x2_end]. */
    memcpy(pads, p, sizeof p);
    return FL_OK;
}

static fl_status conv_attrs(attr_ctx *A, fl_node *n)
{
    static const char *const known[] = {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides", NULL};
    fl_status s;
    fl_conv_attr *c = &n->attr.conv;
    if ((s = check_known_attrs(A, known)) || (s = parse_window(A, c->kernel, c->strides, c->pads, c->dilations)) ||
        (s = attr_int(A, "group", 1, &c->group)))
        return s;
    if (c->group < 1)
        return fl__fail(A->L->err, FL_E_UNSUPPORTED_ATTRIBUTE, "node '%s' (Conv): group = %" PRId64, A->node,
                       c->group);
    return FL_OK;
}

static fl_status max_pool_attrs(attr_ctx *A, fl_node *n)
{
    static const char *const known[] = {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads",
                                        "storage_order", "strides", NULL};
    fl_status s;
    int64_t dil[2], ceil_mode, order;
    fl_pool_attr *p = &n->attr.pool;
    if ((s = check_known_attrs(A, known)) || (s = parse_window(A, p->kernel, p->strides, p->pads, dil)))
        return s;
    if (p->kernel[0] < 0)
        return fl__fail(A->L->err, FL_E_MODEL_INVALID, "node '%s' (MaxPool): kernel_shape is required", A->node);
    if ((s = check_positive(A, "kernel_shape", p->kernel, 2, 1)) || (s = attr_int(A, "ceil_mode", 0, &ceil_mode)) ||
        (s = attr_int(A, "storage_order", 0, &order)))
        return s;
    if (ceil_mode != 0 || order != 0 || dil[0] != 1 || dil[1] != 1)
        return fl__fail(A->L->err, FL_E_UNSUPPORTED_ATTRIBUTE,
                       "node '%s' (MaxPool): only ceil_mode=0, storage_order=0, dilations=1 are supported", A->node);
    if (p->pads[0] >= p->kernel[0] || p->pads[2] >= p->kernel[0] || p->pads[1] >= p->kernel[1] ||
        p->pads[3] >= p->kernel[1])
        return fl__fail(A->L->err, FL_E_UNSUPPORTED_ATTRIBUTE, "node '%s' (MaxPool): pads must be smaller than the kernel",
                       A->node);
    return FL_OK;
}

static fl_status gemm_attrs(attr_ctx *A, fl_node *n)
{
    static const char *const known[] = {"alpha", "beta", "transA", "transB", NULL};
    fl_status s;
    int64_t ta, tb;
    if ((s = check_known_attrs(A, known)) || (s = attr_int(A, "transA", 0, &ta)) ||
        (s = attr_int(A, "transB", 0, &tb)) || (s = attr_float(A, "alpha", 1.0f, &n->attr.gemm.alpha)) ||
        (s = attr_float(A, "beta", 1.0f, &n->attr.gemm.beta)))
        return s;
    if (ta != 0 || (tb != 0 && tb != 1))
        return fl__fail(A->L->err, FL_E_UNSUPPORTED_ATTRIBUTE, "node '%s' (Gemm): transA=%" PRId64 " transB=%" PRId64
                       " (transA must be 0)", A->node, ta, tb);
    n->attr.gemm.trans_a = 0;
    n->attr.gemm.trans_b = (int)tb;
    return FL_OK;
}

/* Flatten, Softmax, Gather and Concat: an axis (Concat's is required). */
static fl_status axis_attrs(attr_ctx *A, fl_node *n)
{
    static const char *const known[] = {"axis", NULL};
    fl_status s;
    if ((s = check_known_attrs(A, known)))
        return s;
    int64_t def = (n->op == FL_OP_GATHER) ? 0 : 1;
    if (n->op == FL_OP_CONCAT && !find_attr(A->np, "axis"))
        return fl__fail(A->L->err, FL_E_MODEL_INVALID, "node '%s' (Concat): attribute 'axis' is required", A->node);
    return attr_int(A, "axis", def, &n->attr.axis.axis);
}

static fl_status transpose_attrs(attr_ctx *A, fl_node *n)
{
    static const char *const known[] = {"perm", NULL};
    fl_status s;
    int got;
    if ((s = check_known_attrs(A, known)) ||
        (s = attr_ints(A, "perm", -1, FL_GRAPH_MAX_RANK, n->attr.transpose.perm, &got)))
        return s;
    n->attr.transpose.n = got; /* 0: reverse the dims (ONNX default) */
    return FL_OK;
}

static fl_status unsqueeze_attrs(attr_ctx *A, fl_node *n)
{
    static const char *const known[] = {"axes", NULL};
    fl_status s;
    int got;
    if ((s = check_known_attrs(A, known)) ||
        (s = attr_ints(A, "axes", -1, FL_GRAPH_MAX_RANK, n->attr.unsqueeze.axes, &got)))
        return s;
    if (got == 0)
        return fl__fail(A->L->err, FL_E_MODEL_INVALID, "node '%s' (Unsqueeze): attribute 'axes' is required", A->node);
    n->attr.unsqueeze.n = got;
    return FL_OK;
}

static fl_status resize_attrs(attr_ctx *A)
{
    static const char *const known[] = {"coordinate_transformation_mode", "cubic_coeff_a", "exclude_outside",
                                        "extrapolation_value", "mode", "nearest_mode", NULL};
    static const char *const nearest[] = {"nearest", NULL};
    static const char *const asym[] = {"asymmetric", NULL};
    static const char *const floor_[] = {"floor", NULL};
    fl_status s;
    int64_t excl;
    if ((s = check_known_attrs(A, known)) || (s = attr_string_in(A, "mode", nearest)) ||
        (s = attr_string_in(A, "coordinate_transformation_mode", asym)) ||
        (s = attr_string_in(A, "nearest_mode", floor_)) || (s = attr_int(A, "exclude_outside", 0, &excl)))
        return s;
    /* The ONNX defaults of mode (nearest), coordinate mode (half_pixel) and nearest_mode
     * (round_prefer_floor) differ from the one supported combination: require it spelled out. */
    if (!find_attr(A->np, "mode") || !find_attr(A->np, "coordinate_transformation_mode") ||
        !find_attr(A->np, "nearest_mode"))
        return fl__fail(A->L->err, FL_E_UNSUPPORTED_ATTRIBUTE,
                       "node '%s' (Resize): only mode=nearest, coordinate_transformation_mode=asymmetric, "
                       "nearest_mode=floor is supported and must be stated", A->node);
    return FL_OK;
}

static fl_status pad_attrs(attr_ctx *A)
{
    static const char *const known[] = {"mode", NULL};
    static const char *const constant[] = {"constant", NULL};
    fl_status s;
    if ((s = check_known_attrs(A, known)) || (s = attr_string_in(A, "mode", constant)))
        return s;
    return FL_OK;
}

/* Ops without attributes: any attribute is an error (it would change what the op means). */
static fl_status no_attrs(attr_ctx *A)
{
    static const char *const none[] = {NULL};
    return check_known_attrs(A, none);
}

static fl_status parse_attrs(attr_ctx *A, fl_node *n)
{
    _Static_assert(FL_OP_COUNT_ == 19, "a new op: give it its case here");
    switch (n->op) {
    case FL_OP_CONV: return conv_attrs(A, n);
    case FL_OP_MAX_POOL: return max_pool_attrs(A, n);
    case FL_OP_GEMM: return gemm_attrs(A, n);
    case FL_OP_FLATTEN:
    case FL_OP_SOFTMAX:
    case FL_OP_GATHER:
    case FL_OP_CONCAT: return axis_attrs(A, n);
    case FL_OP_TRANSPOSE: return transpose_attrs(A, n);
    case FL_OP_UNSQUEEZE: return unsqueeze_attrs(A, n);
    case FL_OP_RESIZE: return resize_attrs(A);
    case FL_OP_PAD: return pad_attrs(A);
    case FL_OP_PRELU:
    case FL_OP_RELU:
    case FL_OP_SIGMOID:
    case FL_OP_ADD:
    case FL_OP_MUL:
    case FL_OP_GLOBAL_AVG_POOL:
    case FL_OP_RESHAPE:
    case FL_OP_SHAPE: return no_attrs(A);
    case FL_OP_COUNT_: break;
    }
    return no_attrs(A);
}

/* ---- nodes ------------------------------------------------------------------------- */

typedef struct op_arity {
    int min_in, max_in, n_out;
} op_arity;

static op_arity arity_of(fl_op op)
{
    _Static_assert(FL_OP_COUNT_ == 19, "a new op: give it its case here");
    switch (op) {
    case FL_OP_CONV: return (op_arity){2, 3, 1};
    case FL_OP_PRELU:
    case FL_OP_ADD:
    case FL_OP_MUL:
    case FL_OP_RESHAPE:
    case FL_OP_GATHER: return (op_arity){2, 2, 1};
    case FL_OP_GEMM: return (op_arity){2, 3, 1};
    case FL_OP_PAD: return (op_arity){2, 3, 1};
    case FL_OP_RESIZE: return (op_arity){3, 4, 1};
    case FL_OP_CONCAT: return (op_arity){1, 64, 1};
    case FL_OP_RELU:
    case FL_OP_SIGMOID:
    case FL_OP_GLOBAL_AVG_POOL:
    case FL_OP_FLATTEN:
    case FL_OP_MAX_POOL:
    case FL_OP_TRANSPOSE:
    case FL_OP_SOFTMAX:
    case FL_OP_SHAPE:
    case FL_OP_UNSQUEEZE:
    case FL_OP_COUNT_: break;
    }
    return (op_arity){1, 1, 1};
}

static int parse_op(const char *s, fl_op *out)
{
    for (int i = 0; i < FL_OP_COUNT_; i++)
        if (strcmp(op_names[i], s) == 0) {
            *out = (fl_op)i;
            return 1;
        }
    return 0;
}

/* Output dtype and input dtype rules. int64 tensors are shape values: they are computed while
 * planning, never at run time, so only the shape ops may consume or produce them. */
static fl_status check_dtypes(loader *L, const fl_node *n, fl_dtype *out_dtype)
{
    const fl_graph_tensor *t = L->g->tensors;
    const char *nm = n->name;
    const char *op = fl__op_name(n->op);
    _Static_assert(FL_OP_COUNT_ == 19, "a new op: give it its case here");
    switch (n->op) {
    case FL_OP_SHAPE:
        *out_dtype = FL_DTYPE_INT64;
        return FL_OK;
    case FL_OP_GATHER:
        if (t[n->inputs[0]].dtype != FL_DTYPE_INT64 || t[n->inputs[1]].dtype != FL_DTYPE_INT64)
            return fl__fail(L->err, FL_E_UNSUPPORTED_DTYPE,
                           "node '%s' (Gather): only int64 shape values can be gathered", nm);
        *out_dtype = FL_DTYPE_INT64;
        return FL_OK;
    case FL_OP_UNSQUEEZE:
        *out_dtype = t[n->inputs[0]].dtype;
        return FL_OK;
    case FL_OP_CONCAT:
        for (int i = 1; i < n->n_inputs; i++)
            if (n->inputs[i] < 0 || t[n->inputs[i]].dtype != t[n->inputs[0]].dtype)
                return fl__fail(L->err, FL_E_UNSUPPORTED_DTYPE, "node '%s' (Concat): input %d differs in dtype", nm, i);
        *out_dtype = t[n->inputs[0]].dtype;
        return FL_OK;
    case FL_OP_CONV:
    case FL_OP_PRELU:
    case FL_OP_RELU:
    case FL_OP_SIGMOID:
    case FL_OP_ADD:
    case FL_OP_MUL:
    case FL_OP_GLOBAL_AVG_POOL:
    case FL_OP_GEMM:
    case FL_OP_FLATTEN:
    case FL_OP_MAX_POOL:
    case FL_OP_PAD:
    case FL_OP_RESIZE:
    case FL_OP_TRANSPOSE:
    case FL_OP_RESHAPE:
    case FL_OP_SOFTMAX:
    case FL_OP_COUNT_: break; /* float ops: below */
    }
    /* Float ops: input 0 (and the other data inputs) are float; shape inputs are int64. */
    for (int i = 0; i < n->n_inputs; i++) {
        int ti = n->inputs[i];
        if (ti < 0)
            continue;
        fl_dtype want = FL_DTYPE_FLOAT32;
        if ((n->op == FL_OP_RESHAPE && i == 1) || (n->op == FL_OP_PAD && i == 1))
            want = FL_DTYPE_INT64;
        if (n->op == FL_OP_RESIZE && i == 3)
            want = FL_DTYPE_INT64;
        if (t[ti].dtype != want)
            return fl__fail(L->err, FL_E_UNSUPPORTED_DTYPE, "node '%s' (%s): input %d '%s' has dtype %d, expected %d",
                           nm, op, i, t[ti].name, (int)t[ti].dtype, (int)want);
    }
    *out_dtype = FL_DTYPE_FLOAT32;
    return FL_OK;
}

/* Weights must be initializers: both backends prepare them once per plan. */
static fl_status require_initializer(loader *L, const fl_node *n, int input, const char *role, int rank)
{
    if (input >= n->n_inputs || n->inputs[input] < 0)
        return FL_OK;
    const fl_graph_tensor *t = &L->g->tensors[n->inputs[input]];
    if (!t->is_const)
        return fl__fail(L->err, FL_E_UNSUPPORTED_ATTRIBUTE, "node '%s' (%s): %s '%s' must be a constant initializer",
                       n->name, fl__op_name(n->op), role, t->name);
    if (rank >= 0 && t->rank != rank)
        return fl__fail(L->err, FL_E_SHAPE, "node '%s' (%s): %s '%s' has rank %d, expected %d", n->name,
                       fl__op_name(n->op), role, t->name, t->rank, rank);
    return FL_OK;
}

static fl_status check_weights(loader *L, fl_node *n)
{
    const fl_graph_tensor *t = L->g->tensors;
    fl_status s;
    if (n->op == FL_OP_CONV) {
        if ((s = require_initializer(L, n, 1, "weight", 4)) || (s = require_initializer(L, n, 2, "bias", 1)))
            return s;
        const fl_graph_tensor *w = &t[n->inputs[1]];
        fl_conv_attr *c = &n->attr.conv;
        if (c->kernel[0] < 0) {
            c->kernel[0] = w->dims[2];
            c->kernel[1] = w->dims[3];
        }
        if (w->dims[2] != c->kernel[0] || w->dims[3] != c->kernel[1])
            return fl__fail(L->err, FL_E_SHAPE, "node '%s' (Conv): kernel_shape [%" PRId64 ",%" PRId64
                           "] differs from weight dims [%" PRId64 ",%" PRId64 "]", n->name, c->kernel[0],
                           c->kernel[1], w->dims[2], w->dims[3]);
        if (w->dims[0] < 1 || w->dims[1] < 1 || w->dims[0] % c->group != 0)
            return fl__fail(L->err, FL_E_SHAPE, "node '%s' (Conv): weight dims [%" PRId64 ",%" PRId64
                           ",...] do not fit group %" PRId64, n->name, w->dims[0], w->dims[1], c->group);
        if (n->n_inputs > 2 && n->inputs[2] >= 0 && t[n->inputs[2]].dims[0] != w->dims[0])
            return fl__fail(L->err, FL_E_SHAPE, "node '%s' (Conv): bias has %" PRId64 " values for %" PRId64
                           " output channels", n->name, t[n->inputs[2]].dims[0], w->dims[0]);
        if (c->kernel[0] < 1 || c->kernel[1] < 1 || c->kernel[0] > 65536 || c->kernel[1] > 65536)
            return fl__fail(L->err, FL_E_SHAPE, "node '%s' (Conv): kernel %" PRId64 "x%" PRId64 " is out of range",
                           n->name, c->kernel[0], c->kernel[1]);
        return FL_OK;
    }
    if (n->op == FL_OP_GEMM) {
        if ((s = require_initializer(L, n, 1, "B", 2)) || (s = require_initializer(L, n, 2, "C", -1)))
            return s;
        const fl_graph_tensor *b = &t[n->inputs[1]];
        int64_t nout = n->attr.gemm.trans_b ? b->dims[0] : b->dims[1];
        if (n->n_inputs > 2 && n->inputs[2] >= 0) {
            const fl_graph_tensor *c = &t[n->inputs[2]];
            if ((int64_t)c->count != nout && c->count != 1)
                return fl__fail(L->err, FL_E_SHAPE, "node '%s' (Gemm): C has %zu values for %" PRId64 " outputs",
                               n->name, c->count, nout);
        }
        return FL_OK;
    }
    if (n->op == FL_OP_PRELU)
        return require_initializer(L, n, 1, "slope", -1);
    return FL_OK;
}

static fl_status load_node(loader *L, const NodeProto *np, int index)
{
    fl_graph *g = L->g;
    fl_node *n = &g->nodes[index];
    char fallback[32];
    snprintf(fallback, sizeof fallback, "#%d", index);
    const char *nm = (np->name && np->name[0]) ? np->name : fallback;
    n->name = dup_str(nm);
    if (!n->name)
        return oom(L);
    const char *op = np->op_type ? np->op_type : "";
    if (np->domain && np->domain[0] && strcmp(np->domain, "ai.onnx") != 0)
        return fl__fail(L->err, FL_E_UNSUPPORTED_OP, "node '%s': op '%s' of domain '%s' is not supported", nm, op,
                       np->domain);
    if (!parse_op(op, &n->op))
        return fl__fail(L->err, FL_E_UNSUPPORTED_OP, "node '%s': op_type '%s' is not supported", nm, op);
    op_arity ar = arity_of(n->op);
    if ((int)np->n_input < ar.min_in || (int)np->n_input > ar.max_in)
        return fl__fail(L->err, FL_E_MODEL_INVALID, "node '%s' (%s): %zu inputs, expected %d..%d", nm, op, np->n_input,
                       ar.min_in, ar.max_in);
    if ((int)np->n_output != ar.n_out)
        return fl__fail(L->err, FL_E_MODEL_INVALID, "node '%s' (%s): %zu outputs, expected %d", nm, op, np->n_output,
                       ar.n_out);
    n->n_inputs = (int)np->n_input;
    n->n_outputs = (int)np->n_output;
    n->inputs = malloc((size_t)n->n_inputs * sizeof(int));
    n->outputs = malloc((size_t)n->n_outputs * sizeof(int));
    if (!n->inputs || !n->outputs)
        return oom(L);
    for (int i = 0; i < n->n_inputs; i++) {
        const char *in = np->input[i];
        if (!in[0]) {
            n->inputs[i] = -1;
            if (i == 0 || (n->op != FL_OP_RESIZE && n->op != FL_OP_PAD && n->op != FL_OP_CONV &&
                           n->op != FL_OP_GEMM))
                return fl__fail(L->err, FL_E_MODEL_INVALID, "node '%s' (%s): input %d is empty", nm, op, i);
            continue;
        }
        int ti = fl__name_table_get(&L->names, in);
        if (ti < 0)
            return fl__fail(L->err, FL_E_MODEL_INVALID,
                           "node '%s' (%s): input '%s' is not a graph input, initializer or output of an earlier node",
                           nm, op, in);
        n->inputs[i] = ti;
    }
    attr_ctx A = {L, np, nm};
    fl_status s = parse_attrs(&A, n);
    if (s)
        return s;
    if ((s = check_weights(L, n)))
        return s;
    fl_dtype odt;
    if ((s = check_dtypes(L, n, &odt)))
        return s;
    for (int i = 0; i < n->n_outputs; i++) {
        const char *on = np->output[i];
        if (!on[0])
            return fl__fail(L->err, FL_E_MODEL_INVALID, "node '%s' (%s): output %d has no name", nm, op, i);
        if (fl__name_table_get(&L->names, on) >= 0)
            return fl__fail(L->err, FL_E_MODEL_INVALID, "node '%s' (%s): output '%s' is defined twice", nm, op, on);
        int ti = add_tensor(L, on, odt);
        if (ti < 0)
            return oom(L);
        g->tensors[ti].producer = index;
        n->outputs[i] = ti;
    }
    return FL_OK;
}

/* ---- model ------------------------------------------------------------------------- */

static fl_status check_opset(const Flonnx__ModelProto *m, fl_error *err)
{
    int64_t version = -1;
    for (size_t i = 0; i < m->n_opset_import; i++) {
        const Flonnx__OperatorSetIdProto *o = m->opset_import[i];
        if (!o->domain || !o->domain[0] || strcmp(o->domain, "ai.onnx") == 0)
            version = o->has_version ? o->version : -1;
    }
    if (version < 0)
        return fl__fail(err, FL_E_MODEL_INVALID, "opset_import: no default-domain opset");
    /* The op semantics implemented here are those of opsets 11 and 12 (Pad and Resize take
     * their parameters as inputs; Unsqueeze takes axes as an attribute). */
    if (version < 11 || version > 12)
        return fl__fail(err, FL_E_UNSUPPORTED_ATTRIBUTE, "opset_import: default-domain opset %" PRId64
                       " is not supported (11 or 12)", version);
    return FL_OK;
}

static fl_status load_outputs(loader *L, const Flonnx__GraphProto *gp)
{
    fl_graph *g = L->g;
    if (gp->n_output == 0)
        return fl__fail(L->err, FL_E_MODEL_INVALID, "graph has no outputs");
    g->outputs = malloc(gp->n_output * sizeof(int));
    if (!g->outputs)
        return oom(L);
    for (size_t i = 0; i < gp->n_output; i++) {
        const char *nm = gp->output[i]->name ? gp->output[i]->name : "";
        int ti = fl__name_table_get(&L->names, nm);
        if (ti < 0)
            return fl__fail(L->err, FL_E_MODEL_INVALID, "graph output '%s' is not produced by any node", nm);
        fl_graph_tensor *t = &g->tensors[ti];
        if (t->dtype != FL_DTYPE_FLOAT32)
            return fl__fail(L->err, FL_E_UNSUPPORTED_DTYPE, "graph output '%s' is not float", nm);
        const Flonnx__TypeProto__Tensor *tt = gp->output[i]->type ? gp->output[i]->type->tensor_type : NULL;
        if (t->producer >= 0 && tt && tt->shape && tt->shape->n_dim <= FL_GRAPH_MAX_RANK) {
            /* declared for callers' information; the planner computes the real dims */
            t->rank = (int)tt->shape->n_dim;
            for (size_t k = 0; k < tt->shape->n_dim; k++)
                t->dims[k] = (tt->shape->dim[k]->has_dim_value && tt->shape->dim[k]->dim_value > 0)
                                 ? tt->shape->dim[k]->dim_value
                                 : -1;
        }
        g->outputs[g->n_outputs++] = ti;
    }
    return FL_OK;
}

fl_status fl__onnx_load(const void *data, size_t size, fl_graph **out, fl_error *err)
{
    if (!data && size)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "model bytes are NULL");
    if (size == 0)
        return fl__fail(err, FL_E_MODEL_MALFORMED, "model is empty (0 bytes)");
    if (size > FL_MODEL_MAX_FILE_BYTES)
        return fl__fail(err, FL_E_TOO_LARGE, "model is %zu bytes, the limit is %u", size, FL_MODEL_MAX_FILE_BYTES);
    fl_status s = fl__onnx_wire_scan(data, size, "ModelProto", err);
    if (s)
        return s;
    Flonnx__ModelProto *m = (Flonnx__ModelProto *)fl__proto_unpack(&flonnx__model_proto__descriptor, data, size);
    if (!m)
        return fl__fail(err, FL_E_MODEL_MALFORMED, "ModelProto: protobuf decoding failed (field types do not match ONNX)");
    if (!m->graph) {
        fl__proto_free(&m->base);
        return fl__fail(err, FL_E_MODEL_MALFORMED, "ModelProto: no graph (field 7); not an ONNX model");
    }
    if ((s = check_opset(m, err))) {
        fl__proto_free(&m->base);
        return s;
    }
    const Flonnx__GraphProto *gp = m->graph;
    fl_graph *g = calloc(1, sizeof *g);
    loader L = {g, 0, {0}, err};
    if (!g || fl__name_table_init(&L.names, gp->n_initializer + gp->n_input + gp->n_node * 2 + 16) != 0) {
        s = fl__fail(err, FL_E_NO_MEMORY, "out of memory while loading the model");
        goto done;
    }
    for (size_t i = 0; i < gp->n_initializer && !s; i++)
        s = load_initializer(&L, gp->initializer[i]);
    for (size_t i = 0; i < gp->n_input && !s; i++)
        s = load_input(&L, gp->input[i]);
    if (!s && g->n_inputs == 0)
        s = fl__fail(err, FL_E_MODEL_INVALID, "graph has no (non-initializer) inputs");
    if (!s && gp->n_node == 0)
        s = fl__fail(err, FL_E_MODEL_INVALID, "graph has no nodes");
    if (!s) {
        g->nodes = calloc(gp->n_node, sizeof *g->nodes);
        if (!g->nodes)
            s = oom(&L);
        else
            g->n_nodes = (int)gp->n_node;
    }
    for (size_t i = 0; i < gp->n_node && !s; i++)
        s = load_node(&L, gp->node[i], (int)i);
    if (!s)
        s = load_outputs(&L, gp);
    if (!s) /* after validation: the folded graph is what every backend plans */
        s = fl__graph_fold_affine(g, err);
done:
    fl__name_table_free(&L.names);
    fl__proto_free(&m->base);
    if (s) {
        fl__graph_free(g);
        return s;
    }
    *out = g;
    return FL_OK;
}

void fl__graph_free(fl_graph *g)
{
    if (!g)
        return;
    for (int i = 0; i < g->n_tensors; i++) {
        free(g->tensors[i].name);
        free(g->tensors[i].data);
    }
    for (int i = 0; i < g->n_nodes; i++) {
        free(g->nodes[i].name);
        free(g->nodes[i].inputs);
        free(g->nodes[i].outputs);
    }
    free(g->tensors);
    free(g->nodes);
    free(g->inputs);
    free(g->outputs);
    free(g);
}
