/*
 * facelive/model.h - load an ONNX model once, run it from many threads.
 *
 *     fl_error err;
 *     fl_model *model;
 *     if (fl_model_load_file("models/minifasnet_v2_2.7_80x80.onnx", &model, &err) != FL_OK) {
 *         fprintf(stderr, "%s: %s\n", fl_status_name(err.status), err.detail);
 *         return 1;
 *     }
 *     fl_model_ctx *ctx;                        // one per thread
 *     fl_model_ctx_create(model, NULL, &ctx, &err);   // NULL: XNNPACK, one thread
 *     fl_tensor in = { pixels, 3 * 80 * 80, 4, {1, 3, 80, 80} };
 *     float logits[3];
 *     fl_tensor out = { logits, 3, 0, {0} };
 *     fl_model_ctx_run(ctx, &in, 1, &out, 1, &err); // out.rank/out.dims are filled
 *     fl_model_ctx_free(ctx);
 *     fl_model_free(model);
 *
 * Models: ONNX files of opset 11 or 12 using the operators listed in docs/onnx-runtime.md,
 * float32 activations, NCHW. Tensors passed to and from a model are float32, row-major, NCHW, in the
 * order of the graph's inputs and outputs.
 *
 * Shapes: a model whose inputs have symbolic dims (e.g. YuNet's height/width) runs at any shape
 * the graph accepts. Each context plans a shape on first use and keeps the last
 * FL_MODEL_PLAN_CACHE plans, so alternating between a few sizes does not re-plan.
 *
 * Limits: a model file may be at most 256 MiB; a tensor at most 2^31 elements; the activations of
 * one input shape at most 2 GiB (FL_E_TOO_LARGE names the need).
 *
 * Thread-safety: an fl_model is immutable once loaded; any number of threads may use it
 * concurrently (including creating contexts). An fl_model_ctx is used by one thread at a time.
 */
#ifndef FACELIVE_MODEL_H
#define FACELIVE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "facelive/export.h"
#include "facelive/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FL_MAX_DIMS 8
#define FL_MODEL_PLAN_CACHE 4
#define FL_MODEL_MAX_FILE_BYTES (256u * 1024u * 1024u)
/* Activations of one plan (all intermediate float tensors) may take at most 2 GiB. */
#define FL_MODEL_MAX_ACTIVATION_FLOATS ((size_t)512u * 1024u * 1024u)

typedef enum fl_dtype {
    FL_DTYPE_FLOAT32 = 1, /* ONNX TensorProto.FLOAT */
    FL_DTYPE_INT64 = 7    /* ONNX TensorProto.INT64 (shape plumbing only) */
} fl_dtype;

typedef enum fl_backend {
    FL_BACKEND_XNNPACK = 0,   /* fast path; ops XNNPACK lacks run in facelive's own C */
    FL_BACKEND_REFERENCE = 1, /* plain C, every op; what the others are tested against */
    FL_BACKEND_PORTABLE = 2   /* facelive's own vectorised convolutions, the reference kernels for the
                                 other ops; in every build, the default where XNNPACK is absent (WebAssembly) */
} fl_backend;

typedef struct fl_model fl_model;
typedef struct fl_model_ctx fl_model_ctx;

/* A model file held in memory (an app's bundled asset), named as the file would be
 * ("yunet_n_dynamic.onnx"): the engines' *_create_from_memory functions look models up by name.
 * The bytes are read during the create call only. */
typedef struct fl_model_blob {
    const char *name;
    const void *data;
    size_t size;
} fl_model_blob;

/* Description of a model input or output. dims[i] is -1 where the file leaves it symbolic. */
typedef struct fl_tensor_info {
    const char *name; /* owned by the model */
    fl_dtype dtype;
    int rank;
    int64_t dims[FL_MAX_DIMS];
} fl_tensor_info;

/* A float32 tensor in caller memory. For inputs: data, capacity (in floats; at least the
 * product of dims), rank and dims are read. For outputs: data and capacity are read; rank and
 * dims are written. */
typedef struct fl_tensor {
    float *data;
    size_t capacity;
    int rank;
    int64_t dims[FL_MAX_DIMS];
} fl_tensor;

typedef struct fl_model_ctx_options {
    uint32_t struct_size;    /* set by fl_model_ctx_options_default(); never by hand (see README, ABI) */
    fl_backend backend;       /* default: XNNPACK when the build has it, else the portable one */
    int threads; /* threads per inference; 0 or 1 = the caller's thread only */
    int nhwc_inputs; /* 1: 4-D inputs are laid out N,H,W,C (as images are stored) while their dims
                        still say N,C,H,W; the XNNPACK backend then needs no transpose. Default 0 */
} fl_model_ctx_options;

/* Writes the defaults into the first size bytes of *o (size: the caller's sizeof). Thread-safe. */
FL_API void fl_model_ctx_options_init(fl_model_ctx_options *o, size_t size);
/* The defaults, for the struct as this header knows it: start here and change fields. */
static inline fl_model_ctx_options fl_model_ctx_options_default(void)
{
    fl_model_ctx_options o;
    fl_model_ctx_options_init(&o, sizeof o);
    return o;
}

/* Load and validate an ONNX file. Every op, attribute, dtype and initializer is checked now,
 * so a model that loads runs (shape errors for a particular input shape are reported at run).
 * Thread-safe. */
FL_API fl_status fl_model_load_file(const char *path, fl_model **out, fl_error *err);

/* Same from bytes in memory; the bytes are not referenced after the call. Thread-safe. */
FL_API fl_status fl_model_load_memory(const void *data, size_t size, fl_model **out, fl_error *err);

/* Free a model. All its contexts must have been freed and no other thread may be using it.
 * NULL is ignored. */
FL_API void fl_model_free(fl_model *model);

/* Number of graph inputs (initializers excluded) and outputs. Thread-safe. */
FL_API size_t fl_model_input_count(const fl_model *model);
FL_API size_t fl_model_output_count(const fl_model *model);

/* Describe input/output i. FL_E_INVALID_ARGUMENT when i is out of range. Thread-safe. */
FL_API fl_status fl_model_input_info(const fl_model *model, size_t i, fl_tensor_info *out);
FL_API fl_status fl_model_output_info(const fl_model *model, size_t i, fl_tensor_info *out);

/* Number of nodes in the graph (after loading; for reports). Thread-safe. */
FL_API size_t fl_model_node_count(const fl_model *model);

/* Create an execution context. options may be NULL (XNNPACK, one thread). When facelive was
 * built without XNNPACK, asking for it returns FL_E_UNAVAILABLE. Thread-safe. */
FL_API fl_status fl_model_ctx_create(const fl_model *model, const fl_model_ctx_options *options,
                                     fl_model_ctx **out, fl_error *err);

/* Free a context. NULL is ignored. No other thread may be using the same ctx. */
FL_API void fl_model_ctx_free(fl_model_ctx *ctx);

/* Run the model. inputs[n_inputs] and outputs[n_outputs] follow the graph order and counts.
 * The first call with a new input shape plans it (slower). On failure, output contents are
 * unspecified. Not thread-safe for the same ctx; different ctxs may run concurrently. */
FL_API fl_status fl_model_ctx_run(fl_model_ctx *ctx, const fl_tensor *inputs, size_t n_inputs,
                                  fl_tensor *outputs, size_t n_outputs, fl_error *err);

/* One step of a profiled run (fl_model_ctx_profile): a node, or the nodes one kernel runs fused. */
typedef struct fl_node_profile {
    const char *name;   /* the (first) node's name in the file, or its op when unnamed (owned by the model) */
    const char *op;     /* its op: "Conv", "Relu", ... */
    double gflop;       /* 2 x the multiply-adds of the Convs and Gemms it runs; 0 for other ops */
    double ms;          /* median time over the runs: the kernels, not layout conversions */
    int accelerated;    /* 1: ran in XNNPACK or facelive's NHWC kernels, 0: in the C reference kernels */
    const char *kernel; /* "xnnpack", "nhwc" (facelive's own NHWC kernels), "portable" (its portable
                           convolutions) or "reference" (static) */
    int nodes;          /* how many nodes: more than 1 for a fused NHWC step (a 1x1 Conv, the depthwise
                           Conv after it and its ReLU, which run as one kernel) and for a portable
                           Conv with the residual Add, ReLU or PRelu it applies as it stores */
} fl_node_profile;

/* Where the time goes: runs the model `runs` times (1..10000) at the inputs' shapes on ctx's
 * backend with every node planned as a step of its own (but for the nodes one kernel runs fused,
 * which are one step: fl_node_profile.nodes), and times each step. out[cap] receives one entry per step in the
 * order they ran; *n the count (FL_E_BUFFER_TOO_SMALL when cap is less than the node count, which
 * fl_model_node_count gives). Nodes run alone lose XNNPACK's fusions (an activation into its
 * convolution): the sum is an upper bound of a normal run. The ctx's plans are not touched. Not
 * thread-safe for the same ctx. */
FL_API fl_status fl_model_ctx_profile(fl_model_ctx *ctx, const fl_tensor *inputs, size_t n_inputs, int runs,
                                      fl_node_profile *out, size_t cap, size_t *n, fl_error *err);

/* The backend a context runs on. Safe to call from any thread while ctx is alive. */
FL_API fl_backend fl_model_ctx_backend(const fl_model_ctx *ctx);

/* 1 when this build has the backend (the reference and portable ones always). Thread-safe. */
FL_API int fl_backend_available(fl_backend backend);

#ifdef __cplusplus
}
#endif
#endif
