/* Running a model on a synthetic input and timing it: shared by `facelive models` and the
 * benchmark programs. Uses only the public API. */
#ifndef FL_CLI_MODEL_PROBE_H
#define FL_CLI_MODEL_PROBE_H

#include <stddef.h>

#include "facelive/model.h"

/* The size symbolic spatial dims are given when a model does not fix them (YuNet). */
#define FL_PROBE_SPATIAL 320

typedef struct fl_probe {
    size_t n_inputs, n_outputs;
    fl_tensor inputs[FL_MAX_DIMS];
    fl_tensor outputs[64];
} fl_probe;

/* Allocates inputs at the model's shapes (symbolic dim 0 -> 1, other symbolic dims ->
 * `spatial`) filled with a fixed pseudo-random pattern in [0, 255], and outputs big enough.
 * Runs the model once on ctx to size the outputs. */
fl_status fl_probe_init(fl_probe *p, const fl_model *model, fl_model_ctx *ctx, int spatial, fl_error *err);
void fl_probe_free(fl_probe *p);

/* Runs `runs` timed inferences after `warmup` untimed ones; samples_ms[runs] receives each. */
fl_status fl_probe_time(fl_probe *p, fl_model_ctx *ctx, int warmup, int runs, double *samples_ms, fl_error *err);

/* On a new one-thread context of `backend`: fl_probe_init, then fl_probe_time; *p50 and *p99
 * receive the median and 99th percentile in ms. The probe keeps the last outputs. */
fl_status fl_probe_bench(fl_probe *p, const fl_model *model, fl_backend backend, int runs, double *p50, double *p99,
                         fl_error *err);

/* Largest absolute difference between the outputs of two probes of the same model. */
double fl_probe_max_diff(const fl_probe *a, const fl_probe *b);

#endif
