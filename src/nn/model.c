/*
 * The public model API: an immutable loaded graph, and per-thread contexts that plan each
 * input shape once on a backend and keep the last few plans (YuNet runs at several sizes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buffer.h"
#include "common/error.h"
#include "common/file.h"
#include "common/options.h"
#include "facelive/model.h"
#include "nn/backend.h"
#include "nn/model_internal.h"
#include "nn/onnx_load.h"
#include "nn/tensor_util.h"

#ifdef FL_HAVE_XNNPACK
#include <pthreadpool.h>
#endif

struct fl_model {
    fl_graph *g;
};

typedef struct plan_slot {
    void *exec;      /* NULL when the slot is empty */
    int rank[FL_MAX_DIMS];
    int64_t dims[FL_MAX_DIMS][FL_MAX_DIMS]; /* per input (up to FL_MAX_DIMS inputs are cached) */
    unsigned long last_use;
} plan_slot;

struct fl_model_ctx {
    const fl_model *model;
    fl_backend backend;
    const fl_backend_ops *ops;
    void *threadpool;
    int nhwc_inputs;
    fl_buffer nchw; /* NHWC inputs turned NCHW for a backend that needs it */
    plan_slot slots[FL_MODEL_PLAN_CACHE];
    unsigned long clock;
};

fl_status fl_model_load_memory(const void *data, size_t size, fl_model **out, fl_error *err)
{
    fl__error_clear(err);
    if (!out)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "out is NULL");
    fl_model *m = calloc(1, sizeof *m);
    if (!m)
        return fl__fail(err, FL_E_NO_MEMORY, "out of memory");
    fl_status s = fl__onnx_load(data, size, &m->g, err);
    if (s) {
        free(m);
        return s;
    }
    *out = m;
    return FL_OK;
}

fl_status fl_model_load_file(const char *path, fl_model **out, fl_error *err)
{
    fl__error_clear(err);
    if (!path || !out)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "path or out is NULL");
    void *buf;
    size_t size;
    fl_status rs = fl__read_file(path, FL_MODEL_MAX_FILE_BYTES, &buf, &size, err);
    if (rs)
        return rs;
    fl_status s = fl_model_load_memory(buf, size, out, err);
    free(buf);
    if (s) /* the file name, so the message stands on its own */
        fl__error_prefix(err, path);
    return s;
}

void fl_model_free(fl_model *model)
{
    if (!model)
        return;
    fl__graph_free(model->g);
    free(model);
}

size_t fl_model_input_count(const fl_model *model)
{
    return model ? (size_t)model->g->n_inputs : 0;
}

size_t fl_model_output_count(const fl_model *model)
{
    return model ? (size_t)model->g->n_outputs : 0;
}

size_t fl_model_node_count(const fl_model *model)
{
    return model ? (size_t)model->g->n_nodes : 0;
}

static void describe(const fl_graph_tensor *t, fl_tensor_info *out)
{
    out->name = t->name;
    out->dtype = t->dtype;
    out->rank = t->rank < 0 ? 0 : t->rank;
    for (int i = 0; i < FL_MAX_DIMS; i++)
        out->dims[i] = i < out->rank ? t->dims[i] : 0;
}

fl_status fl_model_input_info(const fl_model *model, size_t i, fl_tensor_info *out)
{
    if (!model || !out || i >= (size_t)model->g->n_inputs)
        return FL_E_INVALID_ARGUMENT;
    describe(&model->g->tensors[model->g->inputs[i]], out);
    return FL_OK;
}

fl_status fl_model_output_info(const fl_model *model, size_t i, fl_tensor_info *out)
{
    if (!model || !out || i >= (size_t)model->g->n_outputs)
        return FL_E_INVALID_ARGUMENT;
    describe(&model->g->tensors[model->g->outputs[i]], out);
    return FL_OK;
}

int fl_backend_available(fl_backend backend)
{
    if (backend == FL_BACKEND_REFERENCE || backend == FL_BACKEND_PORTABLE)
        return 1;
#ifdef FL_HAVE_XNNPACK
    return backend == FL_BACKEND_XNNPACK;
#else
    return 0;
#endif
}

static fl_model_ctx_options ctx_defaults(void)
{
    fl_model_ctx_options o;
    o.struct_size = sizeof o;
    o.backend = fl_backend_available(FL_BACKEND_XNNPACK) ? FL_BACKEND_XNNPACK : FL_BACKEND_PORTABLE;
    o.threads = 1;
    o.nhwc_inputs = 0;
    return o;
}

FL__DEFINE_OPTIONS_INIT(fl_model_ctx_options_init, fl_model_ctx_options, ctx_defaults)

fl_status fl_model_ctx_create(const fl_model *model, const fl_model_ctx_options *options, fl_model_ctx **out,
                              fl_error *err)
{
    fl__error_clear(err);
    if (!model || !out)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "model or out is NULL");
    fl_model_ctx_options opt = ctx_defaults();
    if (options && fl__options_adopt(&opt, options, sizeof opt, "fl_model_ctx_options", err))
        return FL_E_INVALID_ARGUMENT;
    if (opt.threads < 0 || opt.threads > 256)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "threads = %d (0..256)", opt.threads);
    const fl_backend_ops *ops = NULL;
    if (opt.backend == FL_BACKEND_REFERENCE)
        ops = &fl__backend_reference;
    else if (opt.backend == FL_BACKEND_PORTABLE)
        ops = &fl__backend_portable;
#ifdef FL_HAVE_XNNPACK
    else if (opt.backend == FL_BACKEND_XNNPACK)
        ops = &fl__backend_xnnpack;
#endif
    if (!ops)
        return fl__fail(err, opt.backend == FL_BACKEND_XNNPACK ? FL_E_UNAVAILABLE : FL_E_INVALID_ARGUMENT,
                       "backend %d is not available in this build", (int)opt.backend);
    fl_model_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return fl__fail(err, FL_E_NO_MEMORY, "out of memory");
    ctx->model = model;
    ctx->backend = opt.backend;
    ctx->ops = ops;
    ctx->nhwc_inputs = opt.nhwc_inputs != 0;
#ifdef FL_HAVE_XNNPACK
    if (opt.backend == FL_BACKEND_XNNPACK && opt.threads > 1) {
        ctx->threadpool = pthreadpool_create((size_t)opt.threads);
        if (!ctx->threadpool) {
            free(ctx);
            return fl__fail(err, FL_E_NO_MEMORY, "could not create a pool of %d threads", opt.threads);
        }
    }
#endif
    *out = ctx;
    return FL_OK;
}

void fl_model_ctx_free(fl_model_ctx *ctx)
{
    if (!ctx)
        return;
    for (int i = 0; i < FL_MODEL_PLAN_CACHE; i++)
        if (ctx->slots[i].exec)
            ctx->ops->destroy(ctx->slots[i].exec);
#ifdef FL_HAVE_XNNPACK
    if (ctx->threadpool)
        pthreadpool_destroy(ctx->threadpool);
#endif
    fl__buffer_free(&ctx->nchw);
    free(ctx);
}

fl_backend fl_model_ctx_backend(const fl_model_ctx *ctx)
{
    return ctx->backend;
}

static int slot_matches(const plan_slot *s, const fl_tensor *inputs, size_t n)
{
    if (!s->exec)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (s->rank[i] != inputs[i].rank)
            return 0;
        if (memcmp(s->dims[i], inputs[i].dims, (size_t)inputs[i].rank * sizeof(int64_t)) != 0)
            return 0;
    }
    return 1;
}

/* Finds or makes the plan for these input shapes (least recently used slot is replaced). */
static fl_status get_plan(fl_model_ctx *ctx, const fl_tensor *inputs, size_t n, plan_slot **out, fl_error *err)
{
    plan_slot *victim = &ctx->slots[0];
    for (int i = 0; i < FL_MODEL_PLAN_CACHE; i++) {
        plan_slot *s = &ctx->slots[i];
        if (slot_matches(s, inputs, n)) {
            *out = s;
            return FL_OK;
        }
        if (!s->exec || (victim->exec && s->last_use < victim->last_use))
            victim = s;
    }
    fl_shapes shapes;
    fl_status st = fl__shapes_infer(ctx->model->g, inputs, n, &shapes, err);
    if (st)
        return st;
    void *exec;
    st = ctx->ops->create(ctx->model->g, &shapes, ctx->threadpool, 0, &exec, err);
    if (st)
        return st;
    if (victim->exec)
        ctx->ops->destroy(victim->exec);
    memset(victim, 0, sizeof *victim);
    victim->exec = exec;
    for (size_t i = 0; i < n; i++) {
        victim->rank[i] = inputs[i].rank;
        memcpy(victim->dims[i], inputs[i].dims, (size_t)inputs[i].rank * sizeof(int64_t));
    }
    *out = victim;
    return FL_OK;
}

/* The 4-D inputs, given NHWC, turned NCHW in the ctx's scratch for a backend that needs it. */
static fl_status inputs_to_nchw(fl_model_ctx *ctx, const fl_shapes *shapes, const float **in_ptrs, int n,
                                fl_error *err)
{
    const fl_graph *g = ctx->model->g;
    size_t total = 0;
    for (int i = 0; i < n; i++)
        total += shapes->t[g->inputs[i]].rank == 4 ? shapes->t[g->inputs[i]].count : 0;
    float *buf = fl__buffer_reserve(&ctx->nchw, total * sizeof(float));
    if (total && !buf)
        return fl__fail(err, FL_E_NO_MEMORY, "out of memory for NHWC inputs");
    for (int i = 0; i < n; i++) {
        const fl_tshape *t = &shapes->t[g->inputs[i]];
        if (t->rank != 4)
            continue;
        fl__nhwc_to_nchw(in_ptrs[i], t->dims, buf);
        in_ptrs[i] = buf;
        buf += t->count;
    }
    return FL_OK;
}

/* Checks each input against the exec's shapes, points in_ptrs at the data, and turns NHWC inputs
 * NCHW when the exec cannot take them; *nhwc says how the exec is to be given them. */
static fl_status bind_inputs(fl_model_ctx *ctx, void *exec, const fl_tensor *inputs, size_t n, const float **in_ptrs,
                             int *nhwc, fl_error *err)
{
    const fl_graph *g = ctx->model->g;
    const fl_shapes *shapes = ctx->ops->shapes(exec);
    for (size_t i = 0; i < n; i++) {
        const fl_tshape *t = &shapes->t[g->inputs[i]];
        if (inputs[i].capacity < t->count)
            return fl__fail(err, FL_E_BUFFER_TOO_SMALL, "input %zu '%s': capacity %zu floats, its dims need %zu", i,
                            g->tensors[g->inputs[i]].name, inputs[i].capacity, t->count);
        in_ptrs[i] = inputs[i].data;
    }
    *nhwc = ctx->nhwc_inputs;
    if (*nhwc && !(ctx->ops->takes_nhwc && ctx->ops->takes_nhwc(exec))) {
        *nhwc = 0;
        return inputs_to_nchw(ctx, shapes, in_ptrs, (int)n, err);
    }
    return FL_OK;
}

/* 2 x multiply-adds of a Conv or Gemm node at these shapes; 0 for the other ops. */
static double node_gflop(const fl_shapes *sh, const fl_node *n)
{
    const fl_tshape *out = &sh->t[n->outputs[0]];
    if (n->op == FL_OP_CONV) {
        const fl_tshape *w = &sh->t[n->inputs[1]]; /* [O, I/group, kh, kw] */
        return 2.0 * (double)out->count * (double)(w->dims[1] * w->dims[2] * w->dims[3]) / 1e9;
    }
    if (n->op == FL_OP_GEMM) {
        const fl_tshape *a = &sh->t[n->inputs[0]];
        const int64_t k = n->attr.gemm.trans_a ? a->dims[0] : a->dims[a->rank - 1];
        return 2.0 * (double)out->count * (double)k / 1e9;
    }
    return 0;
}

static int cmp_ms(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

fl_status fl_model_ctx_profile(fl_model_ctx *ctx, const fl_tensor *inputs, size_t n_inputs, int runs,
                               fl_node_profile *out, size_t cap, size_t *n, fl_error *err)
{
    fl__error_clear(err);
    if (!ctx || !inputs || !out || !n || runs < 1 || runs > 10000)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "ctx, inputs, out or n is NULL, or runs %d is not 1..10000", runs);
    const fl_graph *g = ctx->model->g;
    if (cap < (size_t)g->n_nodes)
        return fl__fail(err, FL_E_BUFFER_TOO_SMALL, "the model has %d nodes; room for %zu", g->n_nodes, cap);
    if (n_inputs != (size_t)g->n_inputs || n_inputs > FL_MAX_DIMS)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "the model has %d inputs; %zu were given", g->n_inputs, n_inputs);
    for (size_t i = 0; i < n_inputs; i++)
        if (!inputs[i].data)
            return fl__fail(err, FL_E_INVALID_ARGUMENT, "input %zu has no data", i);
    fl_shapes shapes;
    void *exec = NULL;
    fl_status s = fl__shapes_infer(g, inputs, n_inputs, &shapes, err);
    if (!s)
        s = ctx->ops->create(g, &shapes, ctx->threadpool, 1, &exec, err);
    if (s)
        return s;
    const fl_shapes *sh = ctx->ops->shapes(exec);
    const int steps = ctx->ops->n_steps(exec);
    size_t out_total = 0;
    for (int i = 0; i < g->n_outputs; i++)
        out_total += sh->t[g->outputs[i]].count;
    float *outs = malloc((out_total ? out_total : 1) * sizeof(float));
    double *ms = malloc((size_t)steps * (size_t)(runs + 1) * sizeof(double));
    const float *in_ptrs[FL_MAX_DIMS];
    float *out_ptrs[64];
    for (int i = 0, off = 0; i < g->n_outputs && i < 64 && outs; i++) {
        out_ptrs[i] = outs + off;
        off += (int)sh->t[g->outputs[i]].count;
    }
    int nhwc = 0;
    if (!outs || !ms || g->n_outputs > 64)
        s = fl__fail(err, FL_E_NO_MEMORY, "out of memory for profiling");
    if (!s)
        s = bind_inputs(ctx, exec, inputs, n_inputs, in_ptrs, &nhwc, err);
    for (int r = 0; r <= runs && !s; r++) /* run 0 warms the caches and is not counted */
        s = ctx->ops->run(exec, in_ptrs, nhwc, out_ptrs, ms + (size_t)r * (size_t)steps, err);
    for (int st = 0; st < steps && !s; st++) {
        double *col = malloc((size_t)runs * sizeof(double));
        if (!col) {
            s = fl__fail(err, FL_E_NO_MEMORY, "out of memory for profiling");
            break;
        }
        for (int r = 0; r < runs; r++)
            col[r] = ms[(size_t)(r + 1) * (size_t)steps + (size_t)st];
        qsort(col, (size_t)runs, sizeof *col, cmp_ms);
        int kind, nodes[FL_STEP_MAX_NODES];
        const int n_nodes = ctx->ops->step_nodes(exec, st, &kind, nodes);
        const fl_node *node = &g->nodes[nodes[0]];
        double gflop = 0;
        for (int k = 0; k < n_nodes; k++)
            gflop += node_gflop(sh, &g->nodes[nodes[k]]);
        static const char *const kernels[] = {"reference", "xnnpack", "nhwc", "portable"};
        out[st] = (fl_node_profile){node->name && node->name[0] ? node->name : fl__op_name(node->op),
                                    fl__op_name(node->op),
                                    gflop,
                                    col[runs / 2],
                                    kind != FL_STEP_REFERENCE,
                                    kernels[kind],
                                    n_nodes};
        free(col);
    }
    if (!s)
        *n = (size_t)steps;
    free(outs);
    free(ms);
    ctx->ops->destroy(exec);
    return s;
}

void fl__model_ctx_node_split(const fl_model_ctx *ctx, int *accelerated, int *in_c, int *nhwc_kernels)
{
    const plan_slot *last = NULL;
    for (int i = 0; i < FL_MODEL_PLAN_CACHE; i++)
        if (ctx->slots[i].exec && (!last || ctx->slots[i].last_use > last->last_use))
            last = &ctx->slots[i];
    *accelerated = *in_c = *nhwc_kernels = -1;
    if (last)
        ctx->ops->node_split(last->exec, accelerated, in_c, nhwc_kernels);
}

fl_status fl_model_ctx_run(fl_model_ctx *ctx, const fl_tensor *inputs, size_t n_inputs, fl_tensor *outputs,
                           size_t n_outputs, fl_error *err)
{
    fl__error_clear(err);
    if (!ctx || (!inputs && n_inputs) || (!outputs && n_outputs))
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "ctx, inputs or outputs is NULL");
    const fl_graph *g = ctx->model->g;
    if (n_inputs != (size_t)g->n_inputs || n_outputs != (size_t)g->n_outputs)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "the model has %d inputs and %d outputs; %zu and %zu were given",
                       g->n_inputs, g->n_outputs, n_inputs, n_outputs);
    if (n_inputs > FL_MAX_DIMS)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "models with more than %d inputs are not supported", FL_MAX_DIMS);
    if (n_outputs > 64)
        return fl__fail(err, FL_E_INVALID_ARGUMENT, "models with more than 64 outputs are not supported");
    for (size_t i = 0; i < n_inputs; i++)
        if (!inputs[i].data)
            return fl__fail(err, FL_E_INVALID_ARGUMENT, "input %zu has no data", i);
    plan_slot *slot;
    fl_status s = get_plan(ctx, inputs, n_inputs, &slot, err);
    if (s)
        return s;
    slot->last_use = ++ctx->clock;
    const fl_shapes *shapes = ctx->ops->shapes(slot->exec);
    const float *in_ptrs[FL_MAX_DIMS];
    float *out_ptrs[64];
    for (size_t i = 0; i < n_outputs; i++) {
        const fl_tshape *t = &shapes->t[g->outputs[i]];
        if (!outputs[i].data || outputs[i].capacity < t->count)
            return fl__fail(err, FL_E_BUFFER_TOO_SMALL, "output %zu '%s' needs %zu floats, capacity is %zu", i,
                           g->tensors[g->outputs[i]].name, t->count, outputs[i].data ? outputs[i].capacity : 0);
        out_ptrs[i] = outputs[i].data;
    }
    int nhwc;
    s = bind_inputs(ctx, slot->exec, inputs, n_inputs, in_ptrs, &nhwc, err);
    if (s)
        return s;
    s = ctx->ops->run(slot->exec, in_ptrs, nhwc, out_ptrs, NULL, err);
    if (s)
        return s;
    for (size_t i = 0; i < n_outputs; i++) {
        const fl_tshape *t = &shapes->t[g->outputs[i]];
        outputs[i].rank = t->rank;
        memset(outputs[i].dims, 0, sizeof outputs[i].dims);
        memcpy(outputs[i].dims, t->dims, (size_t)t->rank * sizeof(int64_t));
    }
    return FL_OK;
}
