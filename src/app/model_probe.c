#include "app/model_probe.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "app/timing.h"

fl_status fl_probe_init(fl_probe *p, const fl_model *model, fl_model_ctx *ctx, int spatial, fl_error *err)
{
    memset(p, 0, sizeof *p);
    p->n_inputs = fl_model_input_count(model);
    p->n_outputs = fl_model_output_count(model);
    if (p->n_inputs > FL_MAX_DIMS || p->n_outputs > 64)
        return FL_E_INVALID_ARGUMENT;
    uint32_t seed = 12345u;
    for (size_t i = 0; i < p->n_inputs; i++) {
        fl_tensor_info info;
        fl_model_input_info(model, i, &info);
        fl_tensor *t = &p->inputs[i];
        t->rank = info.rank;
        size_t count = 1;
        for (int k = 0; k < info.rank; k++) {
            t->dims[k] = info.dims[k] > 0 ? info.dims[k] : (k == 0 ? 1 : spatial);
            count *= (size_t)t->dims[k];
        }
        t->data = malloc(count * sizeof(float));
        if (!t->data)
            return FL_E_NO_MEMORY;
        t->capacity = count;
        for (size_t k = 0; k < count; k++) {
            seed = seed * 1664525u + 1013904223u;
            t->data[k] = (float)(seed >> 24);
        }
    }
    for (size_t i = 0; i < p->n_outputs; i++) { /* start small; grow to what the run asks */
        p->outputs[i].capacity = 1;
        p->outputs[i].data = malloc(sizeof(float));
        if (!p->outputs[i].data)
            return FL_E_NO_MEMORY;
    }
    fl_error e;
    for (;;) {
        fl_status s = fl_model_ctx_run(ctx, p->inputs, p->n_inputs, p->outputs, p->n_outputs, &e);
        if (s != FL_E_BUFFER_TOO_SMALL) {
            if (s && err)
                *err = e;
            return s;
        }
        for (size_t i = 0; i < p->n_outputs; i++) { /* the plan is cached: double until it fits */
            free(p->outputs[i].data);
            p->outputs[i].capacity *= 64;
            p->outputs[i].data = malloc(p->outputs[i].capacity * sizeof(float));
            if (!p->outputs[i].data)
                return FL_E_NO_MEMORY;
        }
    }
}

void fl_probe_free(fl_probe *p)
{
    for (size_t i = 0; i < p->n_inputs; i++)
        free(p->inputs[i].data);
    for (size_t i = 0; i < p->n_outputs; i++)
        free(p->outputs[i].data);
    memset(p, 0, sizeof *p);
}

fl_status fl_probe_time(fl_probe *p, fl_model_ctx *ctx, int warmup, int runs, double *samples_ms, fl_error *err)
{
    for (int i = 0; i < warmup + runs; i++) {
        double t0 = fl_now_ms();
        fl_status s = fl_model_ctx_run(ctx, p->inputs, p->n_inputs, p->outputs, p->n_outputs, err);
        if (s)
            return s;
        if (i >= warmup)
            samples_ms[i - warmup] = fl_now_ms() - t0;
    }
    return FL_OK;
}

double fl_probe_max_diff(const fl_probe *a, const fl_probe *b)
{
    double m = 0.0;
    for (size_t i = 0; i < a->n_outputs && i < b->n_outputs; i++) {
        size_t count = 1;
        for (int k = 0; k < a->outputs[i].rank; k++)
            count *= (size_t)a->outputs[i].dims[k];
        for (size_t k = 0; k < count; k++) {
            double d = fabs((double)a->outputs[i].data[k] - (double)b->outputs[i].data[k]);
            if (isnan(d))
                return INFINITY; /* a NaN on one side is the worst disagreement */
            if (d > m)
                m = d;
        }
    }
    return m;
}

fl_status fl_probe_bench(fl_probe *p, const fl_model *model, fl_backend backend, int runs, double *p50, double *p99,
                         fl_error *err)
{
    fl_model_ctx_options opt = fl_model_ctx_options_default();
    opt.backend = backend;
    opt.threads = 1;
    fl_model_ctx *ctx;
    fl_status s = fl_model_ctx_create(model, &opt, &ctx, err);
    if (s)
        return s;
    double *samples = malloc((size_t)runs * sizeof *samples);
    if (!samples)
        s = FL_E_NO_MEMORY;
    if (!s)
        s = fl_probe_init(p, model, ctx, FL_PROBE_SPATIAL, err);
    if (!s)
        s = fl_probe_time(p, ctx, 3, runs, samples, err);
    if (!s) {
        *p50 = fl_quantile(samples, (size_t)runs, 0.5);
        *p99 = fl_quantile(samples, (size_t)runs, 0.99);
    }
    free(samples);
    fl_model_ctx_free(ctx);
    return s;
}
