/*
 * Bad input to the model loader and to runs: every case must give its own status, a detail
 * naming what is wrong, and never a crash (the sanitizer build runs this too).
 */
#include <string.h>

#include "facelive/model.h"
#include "onnx_builder.h"
#include "test_util.h"

static fl_status load_bytes(const void *bytes, size_t len, fl_error *err)
{
    fl_model *m = NULL;
    fl_status s = fl_model_load_memory(bytes, len, &m, err);
    fl_model_free(m);
    return s;
}

static fl_status load_built(ob_model *m, fl_error *err)
{
    size_t len;
    uint8_t *bytes = ob_pack(m, &len);
    fl_status s = load_bytes(bytes, len, err);
    free(bytes);
    ob_free(m);
    return s;
}

#define EXPECT(status, expected, err, needle)                                                               \
    do {                                                                                                    \
        CHECK((status) == (expected), "got %s, expected %s (%s)", fl_status_name(status),                   \
              fl_status_name(expected), (err).detail);                                                      \
        CHECK(strstr((err).detail, (needle)) != NULL, "detail '%s' lacks '%s'", (err).detail, (needle));   \
        printf("%-28s %s: %s\n", fl_status_name(status), #expected, (err).detail);                          \
    } while (0)

static const char *const X[] = {"x"}, *const Y[] = {"y"};

/* A valid one-Conv model; `mutate` breaks it in one way before packing. */
typedef enum { OK_MODEL, UNKNOWN_OP, SHORT_RAW, DOUBLE_DTYPE, CEIL_MODE, RESIZE_LINEAR, KERNEL_MISMATCH,
               MISSING_INPUT, BAD_GROUP, NO_OUTPUTS, HUGE_DIMS, WEIGHT_NOT_CONST, EMPTY_KERNEL } mutation;

static ob_model *conv_model(mutation mut)
{
    ob_model *m = ob_new(11);
    int64_t xd[4] = {1, 3, 8, 8}, wd[4] = {4, 3, 3, 3};
    float w[108] = {0};
    ob_input(m, "x", 4, xd);
    if (mut == WEIGHT_NOT_CONST)
        ob_input(m, "w", 4, wd);
    else if (mut == SHORT_RAW)
        ob_init_raw(m, "w", 1, 4, wd, w, sizeof w - 4);
    else if (mut == DOUBLE_DTYPE)
        ob_init_raw(m, "w", 11, 4, wd, w, sizeof w);
    else if (mut == HUGE_DIMS) {
        int64_t big[4] = {1 << 20, 1 << 20, 3, 3};
        ob_init_raw(m, "w", 1, 4, big, w, sizeof w);
    } else if (mut == EMPTY_KERNEL) {
        int64_t empty[4] = {4, 3, 0, 0};
        ob_init_f32(m, "w", 4, empty, w);
    } else
        ob_init_f32(m, "w", 4, wd, w);
    const char *in[] = {"x", mut == MISSING_INPUT ? "nowhere" : "w"};
    const char *op = mut == UNKNOWN_OP ? "FancyConv" : "Conv";
    const char *mid[] = {"c"};
    ob_node *n = ob_add_node(m, op, "conv_0", 2, in, 1, mid);
    if (mut == KERNEL_MISMATCH) {
        int64_t k[2] = {5, 5};
        ob_attr_ints(n, "kernel_shape", 2, k);
    }
    if (mut == BAD_GROUP)
        ob_attr_int(n, "group", 0);
    ob_node *p = ob_add_node(m, "MaxPool", "pool_1", 1, mid, 1, Y);
    int64_t k2[2] = {2, 2};
    ob_attr_ints(p, "kernel_shape", 2, k2);
    ob_attr_ints(p, "strides", 2, k2);
    if (mut == CEIL_MODE)
        ob_attr_int(p, "ceil_mode", 1);
    if (mut == RESIZE_LINEAR) {
        const char *rin[] = {"y", "", "s"}, *rout[] = {"z"};
        int64_t sd[1] = {4};
        float sc[4] = {1, 1, 2, 2};
        ob_init_f32(m, "s", 1, sd, sc);
        ob_node *r = ob_add_node(m, "Resize", "resize_2", 3, rin, 1, rout);
        ob_attr_str(r, "mode", "linear");
        ob_attr_str(r, "coordinate_transformation_mode", "asymmetric");
        ob_attr_str(r, "nearest_mode", "floor");
    }
    if (mut != NO_OUTPUTS)
        ob_output(m, "y");
    return m;
}

static void test_built_models(void)
{
    fl_error err;
    fl_status s = load_built(conv_model(OK_MODEL), &err);
    CHECK(s == FL_OK, "the unmutated model loads: %s", err.detail);
    s = load_built(conv_model(UNKNOWN_OP), &err);
    EXPECT(s, FL_E_UNSUPPORTED_OP, err, "conv_0");
    s = load_built(conv_model(SHORT_RAW), &err);
    EXPECT(s, FL_E_TENSOR_DATA, err, "'w'");
    s = load_built(conv_model(DOUBLE_DTYPE), &err);
    EXPECT(s, FL_E_UNSUPPORTED_DTYPE, err, "'w'");
    s = load_built(conv_model(CEIL_MODE), &err);
    EXPECT(s, FL_E_UNSUPPORTED_ATTRIBUTE, err, "pool_1");
    s = load_built(conv_model(RESIZE_LINEAR), &err);
    EXPECT(s, FL_E_UNSUPPORTED_ATTRIBUTE, err, "mode='linear'");
    s = load_built(conv_model(KERNEL_MISMATCH), &err);
    EXPECT(s, FL_E_SHAPE, err, "kernel_shape");
    s = load_built(conv_model(MISSING_INPUT), &err);
    EXPECT(s, FL_E_MODEL_INVALID, err, "nowhere");
    s = load_built(conv_model(BAD_GROUP), &err);
    EXPECT(s, FL_E_UNSUPPORTED_ATTRIBUTE, err, "group");
    s = load_built(conv_model(NO_OUTPUTS), &err);
    EXPECT(s, FL_E_MODEL_INVALID, err, "no outputs");
    s = load_built(conv_model(HUGE_DIMS), &err);
    EXPECT(s, FL_E_TOO_LARGE, err, "2^31");
    s = load_built(conv_model(EMPTY_KERNEL), &err);
    EXPECT(s, FL_E_SHAPE, err, "kernel 0x0");
    s = load_built(conv_model(WEIGHT_NOT_CONST), &err);
    EXPECT(s, FL_E_UNSUPPORTED_ATTRIBUTE, err, "constant initializer");
    { /* an opset whose op semantics differ from the implemented ones */
        int64_t xd[2] = {1, 4};
        ob_model *m = ob_new(9);
        ob_input(m, "x", 2, xd);
        ob_add_node(m, "Relu", "relu", 1, X, 1, Y);
        ob_output(m, "y");
        s = load_built(m, &err);
        EXPECT(s, FL_E_UNSUPPORTED_ATTRIBUTE, err, "opset 9");
    }
    { /* a cycle / use before definition: inputs must come from earlier nodes */
        ob_model *m = ob_new(11);
        int64_t xd[2] = {1, 4};
        ob_input(m, "x", 2, xd);
        const char *a[] = {"b"}, *b[] = {"a"};
        ob_add_node(m, "Relu", "first", 1, a, 1, b);
        ob_add_node(m, "Relu", "second", 1, b, 1, a);
        ob_output(m, "a");
        s = load_built(m, &err);
        EXPECT(s, FL_E_MODEL_INVALID, err, "first");
    }
}

static void test_file_damage(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/minifasnet_v2_2.7_80x80.onnx", fl_test_models_dir());
    size_t size;
    uint8_t *bytes = fl_test_read_file(path, &size);
    CHECK(bytes != NULL, "%s is readable (run scripts/models.sh)", path);
    if (!bytes)
        return;
    fl_error err;
    CHECK(load_bytes(bytes, size, &err) == FL_OK, "the intact file loads: %s", err.detail);
    /* (A cut after 2 bytes leaves a complete ir_version field: valid protobuf without a graph.) */
    fl_status s = load_bytes(bytes, 4096, &err);
    EXPECT(s, FL_E_MODEL_TRUNCATED, err, "(graph)");
    const size_t cuts[] = {17, 100, 4096, size / 2, size - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        fl_status s = load_bytes(bytes, cuts[i], &err);
        EXPECT(s, FL_E_MODEL_TRUNCATED, err, "remain");
    }
    s = load_bytes(bytes, 1, &err);
    EXPECT(s, FL_E_MODEL_TRUNCATED, err, "cut short");
    s = load_bytes(bytes, 0, &err);
    EXPECT(s, FL_E_MODEL_MALFORMED, err, "empty");
    /* Random bytes: never loads; the fixed first case is an invalid wire type. */
    unsigned seed = 99u;
    uint8_t junk[4096];
    int malformed = 0;
    for (int trial = 0; trial < 300; trial++) {
        size_t n = 1 + (size_t)(trial * 13) % sizeof junk;
        for (size_t k = 0; k < n; k++) {
            seed = seed * 1664525u + 1013904223u;
            junk[k] = (uint8_t)(seed >> 24);
        }
        s = load_bytes(junk, n, &err);
        CHECK(s == FL_E_MODEL_MALFORMED || s == FL_E_MODEL_TRUNCATED, "random bytes (trial %d): %s", trial,
              fl_status_name(s));
        malformed += s == FL_E_MODEL_MALFORMED;
    }
    CHECK(malformed > 100, "most random buffers are reported malformed (%d of 300)", malformed);
    const uint8_t bad_wire[] = {0x0f, 0x01, 0x02};
    s = load_bytes(bad_wire, sizeof bad_wire, &err);
    EXPECT(s, FL_E_MODEL_MALFORMED, err, "wire type 7");
    /* Valid protobuf, but not an ONNX model: a lone varint field 1. */
    const uint8_t not_onnx[] = {0x08, 0x06};
    s = load_bytes(not_onnx, sizeof not_onnx, &err);
    EXPECT(s, FL_E_MODEL_MALFORMED, err, "no graph");
    /* Flip bytes inside the graph: whatever it becomes, it is rejected or loads, never crashes. */
    for (size_t k = 0; k < 200; k++) {
        uint8_t *copy = malloc(size);
        memcpy(copy, bytes, size);
        seed = seed * 1664525u + 1013904223u;
        copy[(seed >> 8) % size] ^= (uint8_t)(1u << (seed & 7));
        fl_model *m = NULL;
        if (fl_model_load_memory(copy, size, &m, &err) == FL_OK) {
            fl_model_ctx *ctx;
            fl_model_ctx_options opt = fl_model_ctx_options_default();
            opt.backend = FL_BACKEND_REFERENCE;
            opt.threads = 1;
            if (fl_model_ctx_create(m, &opt, &ctx, &err) == FL_OK) {
                float in[3 * 80 * 80] = {0}, out[16];
                fl_tensor ti = {in, 3 * 80 * 80, 4, {1, 3, 80, 80}}, to = {out, 16, 0, {0}};
                (void)fl_model_ctx_run(ctx, &ti, 1, &to, 1, &err);
                fl_model_ctx_free(ctx);
            }
            fl_model_free(m);
        }
        free(copy);
    }
    free(bytes);
    fl_model *m;
    s = fl_model_load_file("/nonexistent/model.onnx", &m, &err);
    EXPECT(s, FL_E_IO, err, "No such file");
    s = fl_model_load_file(fl_test_models_dir(), &m, &err);
    EXPECT(s, FL_E_IO, err, "not a regular file");
    s = fl_model_load_memory(NULL, 10, &m, &err);
    EXPECT(s, FL_E_INVALID_ARGUMENT, err, "NULL");
}

static void test_bad_runs(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/yunet_n_dynamic.onnx", fl_test_models_dir());
    fl_error err;
    fl_model *m;
    CHECK(fl_model_load_file(path, &m, &err) == FL_OK, "%s", err.detail);
    if (!m)
        return;
    for (int b = 0; b < 2; b++) {
        fl_backend backend = b ? FL_BACKEND_XNNPACK : FL_BACKEND_REFERENCE;
        if (!fl_backend_available(backend))
            continue;
        fl_model_ctx_options opt = fl_model_ctx_options_default();
        opt.backend = backend;
        opt.threads = 1;
        fl_model_ctx *ctx;
        CHECK(fl_model_ctx_create(m, &opt, &ctx, &err) == FL_OK, "%s", err.detail);
        float *in = calloc(3 * 90 * 90, sizeof(float)), *out[12];
        fl_tensor outs[12];
        for (int i = 0; i < 12; i++) {
            out[i] = calloc(10 * 4000, sizeof(float));
            outs[i] = (fl_tensor){out[i], 10 * 4000, 0, {0}};
        }
        /* 90: the pooled maps are 45, 22, 11, 5 and 5 upsampled x2 no longer fits 11 */
        fl_tensor ti = {in, 3 * 90 * 90, 4, {1, 3, 90, 90}};
        fl_status s = fl_model_ctx_run(ctx, &ti, 1, outs, 12, &err);
        EXPECT(s, FL_E_SHAPE, err, "broadcast");
        fl_tensor wrong_rank = {in, 3 * 90 * 90, 3, {3, 90, 90}};
        s = fl_model_ctx_run(ctx, &wrong_rank, 1, outs, 12, &err);
        EXPECT(s, FL_E_SHAPE, err, "rank 3");
        fl_tensor wrong_c = {in, 3 * 90 * 90, 4, {1, 1, 64, 64}};
        s = fl_model_ctx_run(ctx, &wrong_c, 1, outs, 12, &err);
        EXPECT(s, FL_E_SHAPE, err, "dim 1");
        /* 4 x 3 x 8192 x 8192 is within 2^31 elements, but its activations are far above 2 GiB:
           refused while planning, before anything is allocated (the data is never read) */
        fl_tensor huge = {in, 0, 4, {4, 3, 8192, 8192}};
        s = fl_model_ctx_run(ctx, &huge, 1, outs, 12, &err);
        EXPECT(s, FL_E_TOO_LARGE, err, "MiB of activations");
        fl_tensor short_buffer = {in, 3 * 64 * 64 - 1, 4, {1, 3, 64, 64}};
        s = fl_model_ctx_run(ctx, &short_buffer, 1, outs, 12, &err);
        EXPECT(s, FL_E_BUFFER_TOO_SMALL, err, "input 0");
        fl_tensor ok = {in, 3 * 64 * 64, 4, {1, 3, 64, 64}};
        outs[6].capacity = 3; /* bbox_8 needs 64 * 4 floats */
        s = fl_model_ctx_run(ctx, &ok, 1, outs, 12, &err);
        EXPECT(s, FL_E_BUFFER_TOO_SMALL, err, "bbox_8");
        outs[6].capacity = 10 * 4000;
        s = fl_model_ctx_run(ctx, &ok, 1, outs, 11, &err);
        EXPECT(s, FL_E_INVALID_ARGUMENT, err, "12 outputs");
        s = fl_model_ctx_run(ctx, &ok, 1, outs, 12, &err);
        CHECK(s == FL_OK, "a valid run after failures works: %s", err.detail);
        fl_model_ctx_free(ctx);
        free(in);
        for (int i = 0; i < 12; i++)
            free(out[i]);
    }
    fl_model_ctx *ctx;
    fl_model_ctx_options bad = fl_model_ctx_options_default();
    bad.backend = FL_BACKEND_REFERENCE;
    bad.threads = -3;
    fl_status s = fl_model_ctx_create(m, &bad, &ctx, &err);
    EXPECT(s, FL_E_INVALID_ARGUMENT, err, "threads");
    fl_model_free(m);
}

int main(void)
{
    test_built_models();
    test_file_damage();
    test_bad_runs();
    TEST_MAIN_END();
}
