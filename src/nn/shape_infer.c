#include "nn/shape_infer.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "nn/tensor_util.h"

#define MAX_ELEMENTS (INT64_C(1) << 31)

typedef struct infer {
    const fl_graph *g;
    fl_tshape *t;
    fl_error *err;
    const fl_node *n; /* node being inferred, for messages */
} infer;

static fl_status node_fail(infer *I, fl_status st, const char *what)
{
    return fl__fail(I->err, st, "node '%s' (%s): %s", I->n->name, fl__op_name(I->n->op), what);
}

static fl_status set_dims(infer *I, fl_tshape *o, int rank, const int64_t *dims)
{
    int64_t count = 1;
    o->rank = rank;
    for (int i = 0; i < rank; i++) {
        if (dims[i] < 0)
            return node_fail(I, FL_E_SHAPE, "negative output dim");
        o->dims[i] = dims[i];
        if (dims[i] && count > MAX_ELEMENTS / dims[i])
            return node_fail(I, FL_E_TOO_LARGE, "output has more than 2^31 elements");
        count *= dims[i];
    }
    o->count = (size_t)count;
    return FL_OK;
}

static fl_status alloc_ivals(infer *I, fl_tshape *o)
{
    o->ivals = calloc(o->count ? o->count : 1, sizeof(int64_t));
    o->owns_ivals = 1;
    return o->ivals ? FL_OK : node_fail(I, FL_E_NO_MEMORY, "out of memory");
}

/* Multidirectional (numpy) broadcast of a and b into out. */
static fl_status broadcast(infer *I, const fl_tshape *a, const fl_tshape *b, int unidirectional, fl_tshape *o)
{
    int r = a->rank > b->rank ? a->rank : b->rank;
    int64_t d[FL_GRAPH_MAX_RANK];
    for (int i = 0; i < r; i++) {
        int ia = i - (r - a->rank), ib = i - (r - b->rank);
        int64_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
        if (da != db && da != 1 && db != 1)
            return node_fail(I, FL_E_SHAPE, "input shapes cannot be broadcast together");
        d[i] = da == 1 ? db : da;
    }
    if (unidirectional && (r != a->rank || memcmp(d, a->dims, (size_t)r * sizeof d[0]) != 0))
        return node_fail(I, FL_E_SHAPE, "second input does not broadcast to the first");
    return set_dims(I, o, r, d);
}

static int norm_axis(int64_t axis, int rank, int inclusive_end, int *out)
{
    int64_t hi = inclusive_end ? rank : rank - 1;
    if (axis < 0)
        axis += rank;
    if (axis < 0 || axis > hi)
        return 0;
    *out = (int)axis;
    return 1;
}

static fl_status infer_conv(infer *I, const fl_tshape *x, fl_tshape *o)
{
    const fl_node *n = I->n;
    const fl_conv_attr *c = &n->attr.conv;
    const fl_graph_tensor *w = &I->g->tensors[n->inputs[1]];
    if (x->rank != 4)
        return node_fail(I, FL_E_SHAPE, "input must be 4-D NCHW (only 2-D convolution is supported)");
    if (x->dims[1] != w->dims[1] * c->group)
        return fl__fail(I->err, FL_E_SHAPE, "node '%s' (Conv): input has %" PRId64 " channels, weight expects %" PRId64
                       " x group %" PRId64, n->name, x->dims[1], w->dims[1], c->group);
    int64_t d[4] = {x->dims[0], w->dims[0], 0, 0};
    for (int k = 0; k < 2; k++) {
        int64_t span = c->dilations[k] * (c->kernel[k] - 1) + 1;
        int64_t in = x->dims[2 + k] + c->pads[k] + c->pads[k + 2];
        if (in < span)
            return node_fail(I, FL_E_SHAPE, "input is smaller than the kernel");
        d[2 + k] = (in - span) / c->strides[k] + 1;
    }
    return set_dims(I, o, 4, d);
}

static fl_status infer_pool(infer *I, const fl_tshape *x, fl_tshape *o)
{
    const fl_pool_attr *p = &I->n->attr.pool;
    if (x->rank != 4)
        return node_fail(I, FL_E_SHAPE, "input must be 4-D NCHW");
    int64_t d[4] = {x->dims[0], x->dims[1], 0, 0};
    for (int k = 0; k < 2; k++) {
        int64_t in = x->dims[2 + k] + p->pads[k] + p->pads[k + 2];
        if (in < p->kernel[k])
            return node_fail(I, FL_E_SHAPE, "input is smaller than the kernel");
        d[2 + k] = (in - p->kernel[k]) / p->strides[k] + 1;
    }
    return set_dims(I, o, 4, d);
}

static fl_status infer_gemm(infer *I, const fl_tshape *a, fl_tshape *o)
{
    const fl_node *n = I->n;
    const fl_graph_tensor *b = &I->g->tensors[n->inputs[1]];
    int64_t k = n->attr.gemm.trans_b ? b->dims[1] : b->dims[0];
    int64_t nout = n->attr.gemm.trans_b ? b->dims[0] : b->dims[1];
    if (a->rank != 2)
        return node_fail(I, FL_E_SHAPE, "input A must be 2-D");
    if (a->dims[1] != k)
        return fl__fail(I->err, FL_E_SHAPE, "node '%s' (Gemm): A has %" PRId64 " columns, B expects %" PRId64, n->name,
                       a->dims[1], k);
    int64_t d[2] = {a->dims[0], nout};
    return set_dims(I, o, 2, d);
}

static fl_status infer_flatten(infer *I, const fl_tshape *x, fl_tshape *o)
{
    int axis;
    if (!norm_axis(I->n->attr.axis.axis, x->rank, 1, &axis))
        return node_fail(I, FL_E_UNSUPPORTED_ATTRIBUTE, "axis is out of range");
    int64_t d[2] = {1, 1};
    for (int i = 0; i < x->rank; i++)
        d[i < axis ? 0 : 1] *= x->dims[i];
    return set_dims(I, o, 2, d);
}

static fl_status infer_pad(infer *I, const fl_tshape *x, fl_tshape *o)
{
    const fl_node *n = I->n;
    const fl_tshape *pads = &I->t[n->inputs[1]];
    if (pads->count != (size_t)(2 * x->rank))
        return node_fail(I, FL_E_SHAPE, "pads must hold 2 x rank values");
    if (n->n_inputs > 2 && n->inputs[2] >= 0) {
        const fl_graph_tensor *v = &I->g->tensors[n->inputs[2]];
        if (!v->is_const || v->count != 1)
            return node_fail(I, FL_E_UNSUPPORTED_ATTRIBUTE, "constant_value must be a one-element initializer");
    }
    int64_t d[FL_GRAPH_MAX_RANK];
    for (int i = 0; i < x->rank; i++) {
        int64_t b = pads->ivals[i], e = pads->ivals[i + x->rank];
        if (b < 0 || e < 0)
            return node_fail(I, FL_E_UNSUPPORTED_ATTRIBUTE, "negative pads (cropping) are not supported");
        d[i] = x->dims[i] + b + e;
    }
    return set_dims(I, o, x->rank, d);
}

static fl_status infer_resize(infer *I, const fl_tshape *x, fl_tshape *o)
{
    const fl_node *n = I->n;
    int64_t d[FL_GRAPH_MAX_RANK];
    int has_sizes = n->n_inputs > 3 && n->inputs[3] >= 0;
    const fl_graph_tensor *sc = n->inputs[2] >= 0 ? &I->g->tensors[n->inputs[2]] : NULL;
    if (x->rank != 4)
        return node_fail(I, FL_E_SHAPE, "input must be 4-D NCHW");
    if (sc && sc->count > 0) {
        if (!sc->is_const)
            return node_fail(I, FL_E_UNSUPPORTED_ATTRIBUTE, "scales must be a constant initializer");
        if (sc->count != 4)
            return node_fail(I, FL_E_SHAPE, "scales must hold one value per dim");
        const float *s = sc->data;
        for (int i = 0; i < 4; i++) {
            if (!(s[i] > 0.0f) || s[i] > 64.0f)
                return node_fail(I, FL_E_UNSUPPORTED_ATTRIBUTE, "scales must be in (0, 64]");
            d[i] = (int64_t)((double)x->dims[i] * s[i]);
        }
    } else if (has_sizes) {
        const fl_tshape *sz = &I->t[n->inputs[3]];
        if (sz->count != 4)
            return node_fail(I, FL_E_SHAPE, "sizes must hold one value per dim");
        memcpy(d, sz->ivals, 4 * sizeof d[0]);
    } else {
        return node_fail(I, FL_E_MODEL_INVALID, "neither scales nor sizes is given");
    }
    if (d[0] != x->dims[0] || d[1] != x->dims[1])
        return node_fail(I, FL_E_UNSUPPORTED_ATTRIBUTE, "only the spatial dims (H, W) may be resized");
    if (d[2] < 1 || d[3] < 1)
        return node_fail(I, FL_E_SHAPE, "output would be empty");
    return set_dims(I, o, 4, d);
}

static fl_status infer_transpose(infer *I, const fl_tshape *x, fl_tshape *o)
{
    const fl_node *n = I->n;
    int64_t perm[FL_GRAPH_MAX_RANK], d[FL_GRAPH_MAX_RANK];
    fl__transpose_perm(n, x->rank, perm);
    if (n->attr.transpose.n && n->attr.transpose.n != x->rank)
        return node_fail(I, FL_E_SHAPE, "perm length differs from the input rank");
    int seen = 0;
    for (int i = 0; i < x->rank; i++) {
        if (perm[i] < 0 || perm[i] >= x->rank || (seen & (1 << perm[i])))
            return node_fail(I, FL_E_UNSUPPORTED_ATTRIBUTE, "perm is not a permutation");
        seen |= 1 << perm[i];
        d[i] = x->dims[perm[i]];
    }
    return set_dims(I, o, x->rank, d);
}

static fl_status infer_reshape(infer *I, const fl_tshape *x, fl_tshape *o)
{
    const fl_tshape *sh = &I->t[I->n->inputs[1]];
    if (sh->rank != 1 || sh->count > FL_GRAPH_MAX_RANK)
        return node_fail(I, FL_E_SHAPE, "shape must be 1-D with at most 8 values");
    int64_t d[FL_GRAPH_MAX_RANK], known = 1;
    int infer_at = -1;
    for (size_t i = 0; i < sh->count; i++) {
        int64_t v = sh->ivals[i];
        if (v == 0) {
            if (i >= (size_t)x->rank)
                return node_fail(I, FL_E_SHAPE, "shape has 0 beyond the input rank");
            v = x->dims[i];
        }
        if (v == -1) {
            if (infer_at >= 0)
                return node_fail(I, FL_E_SHAPE, "shape has more than one -1");
            infer_at = (int)i;
            d[i] = 1;
            continue;
        }
        if (v < 0)
            return node_fail(I, FL_E_SHAPE, "shape has a negative value");
        d[i] = v;
        known *= v;
        if (known > MAX_ELEMENTS)
            return node_fail(I, FL_E_SHAPE, "shape is too large");
    }
    if (infer_at >= 0) {
        if (known == 0 || x->count % (size_t)known)
            return node_fail(I, FL_E_SHAPE, "element count is not divisible by the given dims");
        d[infer_at] = (int64_t)x->count / known;
        known *= d[infer_at];
    }
    if ((size_t)known != x->count)
        return fl__fail(I->err, FL_E_SHAPE, "node '%s' (Reshape): %zu elements cannot become %" PRId64, I->n->name,
                       x->count, known);
    return set_dims(I, o, (int)sh->count, d);
}

static fl_status infer_gather(infer *I, const fl_tshape *x, fl_tshape *o)
{
    const fl_tshape *idx = &I->t[I->n->inputs[1]];
    if (x->rank != 1 || I->n->attr.axis.axis != 0 || idx->rank > 1)
        return node_fail(I, FL_E_UNSUPPORTED_ATTRIBUTE, "only axis 0 of a 1-D shape vector with scalar or 1-D indices");
    fl_status s = set_dims(I, o, idx->rank, idx->dims);
    if (s || (s = alloc_ivals(I, o)))
        return s;
    for (size_t i = 0; i < idx->count; i++) {
        int64_t k = idx->ivals[i];
        if (k < 0)
            k += x->dims[0];
        if (k < 0 || k >= x->dims[0])
            return node_fail(I, FL_E_SHAPE, "index out of range");
        o->ivals[i] = x->ivals[k];
    }
    return FL_OK;
}

static fl_status infer_unsqueeze(infer *I, const fl_tshape *x, fl_tshape *o)
{
    const fl_node *n = I->n;
    int r = x->rank + n->attr.unsqueeze.n;
    if (r > FL_GRAPH_MAX_RANK)
        return node_fail(I, FL_E_SHAPE, "output rank exceeds 8");
    int is_new[FL_GRAPH_MAX_RANK] = {0};
    for (int i = 0; i < n->attr.unsqueeze.n; i++) {
        int a;
        if (!norm_axis(n->attr.unsqueeze.axes[i], r, 0, &a) || is_new[a])
            return node_fail(I, FL_E_UNSUPPORTED_ATTRIBUTE, "axes out of range or repeated");
        is_new[a] = 1;
    }
    int64_t d[FL_GRAPH_MAX_RANK];
    for (int i = 0, j = 0; i < r; i++)
        d[i] = is_new[i] ? 1 : x->dims[j++];
    fl_status s = set_dims(I, o, r, d);
    if (s || !x->ivals)
        return s;
    if ((s = alloc_ivals(I, o)))
        return s;
    memcpy(o->ivals, x->ivals, x->count * sizeof(int64_t));
    return FL_OK;
}

static fl_status infer_concat(infer *I, fl_tshape *o)
{
    const fl_node *n = I->n;
    const fl_tshape *x0 = &I->t[n->inputs[0]];
    int axis;
    if (!norm_axis(n->attr.axis.axis, x0->rank, 0, &axis))
        return node_fail(I, FL_E_UNSUPPORTED_ATTRIBUTE, "axis is out of range");
    int64_t d[FL_GRAPH_MAX_RANK];
    memcpy(d, x0->dims, sizeof d);
    d[axis] = 0;
    for (int i = 0; i < n->n_inputs; i++) {
        const fl_tshape *xi = &I->t[n->inputs[i]];
        if (xi->rank != x0->rank)
            return node_fail(I, FL_E_SHAPE, "inputs differ in rank");
        for (int k = 0; k < x0->rank; k++)
            if (k != axis && xi->dims[k] != x0->dims[k])
                return node_fail(I, FL_E_SHAPE, "inputs differ outside the concat axis");
        d[axis] += xi->dims[axis];
    }
    fl_status s = set_dims(I, o, x0->rank, d);
    if (s || !x0->ivals)
        return s;
    if ((s = alloc_ivals(I, o)))
        return s;
    const void *srcs[64];
    for (int i = 0; i < n->n_inputs; i++)
        srcs[i] = I->t[n->inputs[i]].ivals;
    fl__concat_bytes(I->t, n, axis, srcs, o->ivals, sizeof(int64_t));
    return FL_OK;
}

static fl_status infer_node(infer *I)
{
    const fl_node *n = I->n;
    const fl_tshape *x = &I->t[n->inputs[0]];
    fl_tshape *o = &I->t[n->outputs[0]];
    _Static_assert(FL_OP_COUNT_ == 19, "a new op: give it its case here");
    switch (n->op) {
    case FL_OP_CONV: return infer_conv(I, x, o);
    case FL_OP_MAX_POOL: return infer_pool(I, x, o);
    case FL_OP_RELU:
    case FL_OP_SIGMOID: return set_dims(I, o, x->rank, x->dims);
    case FL_OP_SOFTMAX: {
        int axis;
        if (!norm_axis(n->attr.axis.axis, x->rank, 0, &axis))
            return node_fail(I, FL_E_UNSUPPORTED_ATTRIBUTE, "axis is out of range");
        return set_dims(I, o, x->rank, x->dims);
    }
    case FL_OP_PRELU: return broadcast(I, x, &I->t[n->inputs[1]], 1, o);
    case FL_OP_ADD:
    case FL_OP_MUL: return broadcast(I, x, &I->t[n->inputs[1]], 0, o);
    case FL_OP_GLOBAL_AVG_POOL: {
        if (x->rank != 4)
            return node_fail(I, FL_E_SHAPE, "input must be 4-D NCHW");
        int64_t d[4] = {x->dims[0], x->dims[1], 1, 1};
        return set_dims(I, o, 4, d);
    }
    case FL_OP_GEMM: return infer_gemm(I, x, o);
    case FL_OP_FLATTEN: return infer_flatten(I, x, o);
    case FL_OP_PAD: return infer_pad(I, x, o);
    case FL_OP_RESIZE: return infer_resize(I, x, o);
    case FL_OP_TRANSPOSE: return infer_transpose(I, x, o);
    case FL_OP_RESHAPE: return infer_reshape(I, x, o);
    case FL_OP_SHAPE: {
        int64_t d[1] = {x->rank};
        fl_status s = set_dims(I, o, 1, d);
        if (s || (s = alloc_ivals(I, o)))
            return s;
        memcpy(o->ivals, x->dims, (size_t)x->rank * sizeof(int64_t));
        return FL_OK;
    }
    case FL_OP_GATHER: return infer_gather(I, x, o);
    case FL_OP_UNSQUEEZE: return infer_unsqueeze(I, x, o);
    case FL_OP_CONCAT: return infer_concat(I, o);
    case FL_OP_COUNT_: break;
    }
    return node_fail(I, FL_E_UNSUPPORTED_OP, "no shape rule");
}

static fl_status infer_inputs(infer *I, const fl_tensor *inputs, size_t n_inputs)
{
    const fl_graph *g = I->g;
    if (n_inputs != (size_t)g->n_inputs)
        return fl__fail(I->err, FL_E_INVALID_ARGUMENT, "the model has %d inputs, %zu were given", g->n_inputs, n_inputs);
    for (int i = 0; i < g->n_inputs; i++) {
        const fl_graph_tensor *gt = &g->tensors[g->inputs[i]];
        const fl_tensor *in = &inputs[i];
        if (in->rank < 1 || in->rank > FL_GRAPH_MAX_RANK || (gt->rank >= 0 && in->rank != gt->rank))
            return fl__fail(I->err, FL_E_SHAPE, "input '%s': rank %d, the model needs %d", gt->name, in->rank, gt->rank);
        for (int k = 0; k < in->rank; k++) {
            if (in->dims[k] < 1)
                return fl__fail(I->err, FL_E_SHAPE, "input '%s': dim %d is %" PRId64, gt->name, k, in->dims[k]);
            if (gt->rank >= 0 && gt->dims[k] >= 0 && gt->dims[k] != in->dims[k])
                return fl__fail(I->err, FL_E_SHAPE, "input '%s': dim %d is %" PRId64 ", the model needs %" PRId64,
                               gt->name, k, in->dims[k], gt->dims[k]);
        }
        fl_tshape *o = &I->t[g->inputs[i]];
        int64_t count = 1;
        for (int k = 0; k < in->rank; k++) {
            if (count > MAX_ELEMENTS / in->dims[k])
                return fl__fail(I->err, FL_E_TOO_LARGE, "input '%s' has more than 2^31 elements", gt->name);
            count *= in->dims[k];
        }
        o->rank = in->rank;
        memcpy(o->dims, in->dims, (size_t)in->rank * sizeof(int64_t));
        o->count = (size_t)count;
    }
    return FL_OK;
}

fl_status fl__shapes_infer(const fl_graph *g, const fl_tensor *inputs, size_t n_inputs, fl_shapes *out, fl_error *err)
{
    infer I = {g, calloc((size_t)g->n_tensors, sizeof(fl_tshape)), err, NULL};
    if (!I.t)
        return fl__fail(err, FL_E_NO_MEMORY, "out of memory while planning");
    fl_shapes res = {I.t, g->n_tensors};
    for (int i = 0; i < g->n_tensors; i++) {
        const fl_graph_tensor *gt = &g->tensors[i];
        if (!gt->is_const)
            continue;
        I.t[i].rank = gt->rank;
        memcpy(I.t[i].dims, gt->dims, sizeof gt->dims);
        I.t[i].count = gt->count;
        if (gt->dtype == FL_DTYPE_INT64)
            I.t[i].ivals = gt->data; /* borrowed from the graph */
    }
    fl_status s = infer_inputs(&I, inputs, n_inputs);
    for (int i = 0; i < g->n_nodes && !s; i++) {
        I.n = &g->nodes[i];
        s = infer_node(&I);
    }
    /* Refuse plans whose activations alone would exceed the limit, before any backend tries to
     * allocate them (a huge input shape is the usual cause). */
    size_t total = 0;
    for (int i = 0; i < g->n_tensors && !s; i++)
        if (!g->tensors[i].is_const && g->tensors[i].dtype == FL_DTYPE_FLOAT32)
            total += I.t[i].count;
    if (!s && total > FL_MODEL_MAX_ACTIVATION_FLOATS)
        s = fl__fail(err, FL_E_TOO_LARGE, "these input dims need %zu MiB of activations, the limit is %u MiB",
                    total / (256u * 1024u), (unsigned)(FL_MODEL_MAX_ACTIVATION_FLOATS / (256u * 1024u)));
    if (s) {
        fl__shapes_free(&res);
        return s;
    }
    *out = res;
    return FL_OK;
}

void fl__shapes_free(fl_shapes *s)
{
    if (!s->t)
        return;
    for (int i = 0; i < s->n; i++)
        if (s->t[i].owns_ivals)
            free(s->t[i].ivals);
    free(s->t);
    s->t = NULL;
}

void fl__pad_params(const fl_graph *g, const fl_shapes *s, const fl_node *n, int64_t *pads, float *value)
{
    const fl_tshape *p = &s->t[n->inputs[1]];
    memcpy(pads, p->ivals, p->count * sizeof(int64_t));
    *value = 0.0f;
    if (n->n_inputs > 2 && n->inputs[2] >= 0)
        *value = *(const float *)g->tensors[n->inputs[2]].data;
}

void fl__resize_scales(const fl_graph *g, const fl_shapes *s, const fl_node *n, float *scales)
{
    const fl_tshape *x = &s->t[n->inputs[0]], *o = &s->t[n->outputs[0]];
    const fl_graph_tensor *sc = n->inputs[2] >= 0 ? &g->tensors[n->inputs[2]] : NULL;
    for (int i = 0; i < x->rank; i++) /* ONNX: given scales win; with sizes, the ratio */
        scales[i] = (sc && sc->count) ? ((const float *)sc->data)[i] : (float)o->dims[i] / (float)x->dims[i];
}
