/*
 * The model API contract: status table, tensor descriptions, the per-context plan cache
 * across input shapes, and concurrent contexts on one shared model.
 */
#include <math.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>

#include "facelive/model.h"
#include "test_util.h"

static fl_model *load(const char *file)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", fl_test_models_dir(), file);
    fl_error err;
    fl_model *m = NULL;
    CHECK(fl_model_load_file(path, &m, &err) == FL_OK, "%s", err.detail);
    return m;
}

static void test_status_table(void)
{
    CHECK(strcmp(fl_status_name(FL_E_MODEL_TRUNCATED), "FL_E_MODEL_TRUNCATED") == 0, "status name");
    CHECK(strcmp(fl_status_message(FL_OK), "success") == 0, "status message");
    CHECK(strcmp(fl_status_name((fl_status)12345), "FL_UNKNOWN_STATUS") == 0, "unknown status name");
    CHECK(strcmp(fl_status_message((fl_status)-999), "unknown status") == 0, "unknown status message");
}

static void test_info(void)
{
    fl_model *m = load("yunet_n_dynamic.onnx");
    if (!m)
        return;
    fl_tensor_info info;
    CHECK(fl_model_input_count(m) == 1 && fl_model_output_count(m) == 12, "yunet has 1 input, 12 outputs");
    CHECK(fl_model_input_info(m, 0, &info) == FL_OK && strcmp(info.name, "input") == 0 && info.rank == 4 &&
              info.dims[1] == 3 && info.dims[2] == -1,
          "input is [?,3,?,?]");
    CHECK(fl_model_output_info(m, 11, &info) == FL_OK && strcmp(info.name, "kps_32") == 0, "last output kps_32");
    CHECK(fl_model_output_info(m, 12, &info) == FL_E_INVALID_ARGUMENT, "out of range output");
    fl_model_free(m);
}

/* Runs yunet on a constant image of size s and returns cls_8[0] (a value that depends on s). */
static float run_at(fl_model_ctx *ctx, int s, float *in, float **out, size_t cap)
{
    fl_tensor ti = {in, (size_t)(3 * s * s), 4, {1, 3, s, s}};
    fl_tensor to[12];
    for (int i = 0; i < 12; i++)
        to[i] = (fl_tensor){out[i], cap, 0, {0}};
    fl_error err;
    fl_status st = fl_model_ctx_run(ctx, &ti, 1, to, 12, &err);
    CHECK(st == FL_OK, "run at %d: %s", s, err.detail);
    CHECK(to[6].dims[1] == (int64_t)(s / 8) * (s / 8), "bbox_8 has (s/8)^2 rows at %d", s);
    return out[0][(s / 8) * (s / 8) / 2];
}

static void test_plan_cache(void)
{
    fl_model *m = load("yunet_n_dynamic.onnx");
    if (!m)
        return;
    const size_t cap = 160 * 160 * 10;
    float *in = malloc(3 * 256 * 256 * sizeof(float)), *out[12];
    for (int i = 0; i < 3 * 256 * 256; i++)
        in[i] = (float)(i % 251);
    for (int i = 0; i < 12; i++)
        out[i] = malloc(cap * sizeof(float));
    static const int sizes[] = {64, 96, 128, 160, 192, 224, 256}; /* more sizes than cache slots */
    const int ns = (int)(sizeof sizes / sizeof sizes[0]);
    float first[8];
    fl_model_ctx *ctx;
    fl_error err;
    CHECK(fl_model_ctx_create(m, NULL, &ctx, &err) == FL_OK || !fl_backend_available(FL_BACKEND_XNNPACK), "%s",
          err.detail);
    if (!fl_backend_available(FL_BACKEND_XNNPACK)) {
        fl_model_ctx_options opt = fl_model_ctx_options_default();
        opt.backend = FL_BACKEND_REFERENCE;
        opt.threads = 1;
        fl_model_ctx_create(m, &opt, &ctx, &err);
    }
    for (int i = 0; i < ns; i++)
        first[i] = run_at(ctx, sizes[i], in, out, cap);
    /* Revisit in another order: evicted and cached plans must give the same answers. */
    for (int r = 0; r < 3; r++)
        for (int i = ns - 1; i >= 0; i--) {
            float again = run_at(ctx, sizes[i], in, out, cap);
            CHECK(again == first[i], "size %d: %g then %g", sizes[i], first[i], again);
        }
    fl_model_ctx_free(ctx);
    for (int i = 0; i < 12; i++)
        free(out[i]);
    free(in);
    fl_model_free(m);
}

typedef struct worker {
    const fl_model *m;
    fl_backend backend;
    float logits[3];
    int ok;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    fl_model_ctx_options opt = fl_model_ctx_options_default();
    opt.backend = w->backend;
    opt.threads = 1;
    fl_model_ctx *ctx;
    fl_error err;
    if (fl_model_ctx_create(w->m, &opt, &ctx, &err) != FL_OK)
        return NULL;
    float *in = malloc(3 * 80 * 80 * sizeof(float));
    for (int i = 0; i < 3 * 80 * 80; i++)
        in[i] = (float)((i * 7) % 256);
    fl_tensor ti = {in, 3 * 80 * 80, 4, {1, 3, 80, 80}}, to = {w->logits, 3, 0, {0}};
    w->ok = 1;
    for (int k = 0; k < 50; k++)
        w->ok &= fl_model_ctx_run(ctx, &ti, 1, &to, 1, &err) == FL_OK;
    free(in);
    fl_model_ctx_free(ctx);
    return NULL;
}

static void test_threads(void)
{
    fl_model *m = load("minifasnet_v2_2.7_80x80.onnx");
    if (!m)
        return;
    worker w[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (worker){m, (i % 2 && fl_backend_available(FL_BACKEND_XNNPACK)) ? FL_BACKEND_XNNPACK
                                                                               : FL_BACKEND_REFERENCE,
                        {0}, 0};
        pthread_create(&th[i], NULL, work, &w[i]);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 4; i++) {
        CHECK(w[i].ok, "thread %d ran", i);
        for (int k = 0; k < 3; k++)
            CHECK(fabsf(w[i].logits[k] - w[0].logits[k]) < 1e-4f, "thread %d logit %d: %g vs %g", i, k,
                  w[i].logits[k], w[0].logits[k]);
    }
    fl_model_free(m);
}

static void test_thread_pool(void)
{
    if (!fl_backend_available(FL_BACKEND_XNNPACK))
        return;
    fl_model *m = load("minifasnet_v1se_4.0_80x80.onnx");
    if (!m)
        return;
    float in[3 * 80 * 80], a[3], b[3];
    for (int i = 0; i < 3 * 80 * 80; i++)
        in[i] = (float)((i * 13) % 256);
    fl_tensor ti = {in, 3 * 80 * 80, 4, {1, 3, 80, 80}};
    for (int threads = 1; threads <= 2; threads++) {
        fl_model_ctx_options opt = fl_model_ctx_options_default();
        opt.backend = FL_BACKEND_XNNPACK;
        opt.threads = threads;
        fl_model_ctx *ctx;
        fl_error err;
        CHECK(fl_model_ctx_create(m, &opt, &ctx, &err) == FL_OK, "%s", err.detail);
        fl_tensor to = {threads == 1 ? a : b, 3, 0, {0}};
        CHECK(fl_model_ctx_run(ctx, &ti, 1, &to, 1, &err) == FL_OK, "%s", err.detail);
        fl_model_ctx_free(ctx);
    }
    for (int k = 0; k < 3; k++)
        CHECK(fabsf(a[k] - b[k]) < 1e-4f, "2-thread pool logit %d: %g vs %g", k, b[k], a[k]);
    fl_model_free(m);
}

/* Inputs given NHWC (nhwc_inputs) give exactly the outputs of the same data given NCHW, on both
 * backends: the XNNPACK backend takes them as they are, the reference converts them. */
static void test_nhwc_inputs(void)
{
    static const struct {
        const char *file;
        int c, h, w;
    } cases[] = {{"minifasnet_v2_2.7_80x80.onnx", 3, 80, 80}, {"yunet_n_dynamic.onnx", 3, 96, 128},
                 {"facemesh_468.onnx", 3, 192, 192}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        fl_model *m = load(cases[k].file);
        if (!m)
            continue;
        const int C = cases[k].c, H = cases[k].h, W = cases[k].w;
        const size_t n = (size_t)C * H * W;
        float *nchw = malloc(n * sizeof(float)), *nhwc = malloc(n * sizeof(float));
        unsigned seed = 5;
        fl_test_fill(nchw, n, &seed, 0, 1);
        for (int c = 0; c < C; c++)
            for (int i = 0; i < H * W; i++)
                nhwc[(size_t)i * C + c] = nchw[(size_t)c * H * W + i];
        const size_t no = fl_model_output_count(m), cap = 1 << 16;
        for (int b = 0; b < 2; b++) {
            fl_backend backend = b ? FL_BACKEND_REFERENCE : FL_BACKEND_XNNPACK;
            if (!fl_backend_available(backend))
                continue;
            float *out[2][16];
            for (int layout = 0; layout < 2; layout++) {
                fl_model_ctx_options o = fl_model_ctx_options_default();
                o.backend = backend;
                o.nhwc_inputs = layout;
                fl_model_ctx *ctx = NULL;
                fl_error err;
                fl_tensor in = {layout ? nhwc : nchw, n, 4, {1, C, H, W}}, t[16];
                for (size_t i = 0; i < no; i++) {
                    out[layout][i] = calloc(cap, sizeof(float));
                    t[i] = (fl_tensor){out[layout][i], cap, 0, {0}};
                }
                CHECK(fl_model_ctx_create(m, &o, &ctx, &err) == FL_OK && fl_model_ctx_run(ctx, &in, 1, t, no, &err) ==
                          FL_OK, "%s: %s", cases[k].file, err.detail);
                fl_model_ctx_free(ctx);
            }
            for (size_t i = 0; i < no; i++) {
                CHECK(memcmp(out[0][i], out[1][i], cap * sizeof(float)) == 0,
                      "%s backend %d output %zu: NHWC and NCHW inputs differ", cases[k].file, b, i);
                free(out[0][i]);
                free(out[1][i]);
            }
        }
        free(nchw);
        free(nhwc);
        fl_model_free(m);
    }
}

/* The per-node profile: one entry per node, the arithmetic of the convolutions and Gemms adding up
 * to the model's (0.0814 GFLOP for MiniFASNet V2 at 80x80, as bench/model_gflop.py counts it), on
 * both backends; bad arguments are refused; the context runs normally afterwards. */
static void test_profile(void)
{
    fl_model *m = load("minifasnet_v2_2.7_80x80.onnx");
    if (!m)
        return;
    const size_t nodes = fl_model_node_count(m);
    float *in = malloc(3 * 80 * 80 * sizeof(float)), logits[3];
    unsigned seed = 9;
    fl_test_fill(in, 3 * 80 * 80, &seed, 0, 255);
    fl_tensor input = {in, 3 * 80 * 80, 4, {1, 3, 80, 80}}, out = {logits, 3, 0, {0}};
    fl_node_profile *p = calloc(nodes, sizeof *p);
    for (int b = 0; b < 2; b++) {
        fl_backend backend = b ? FL_BACKEND_REFERENCE : FL_BACKEND_XNNPACK;
        if (!fl_backend_available(backend))
            continue;
        fl_model_ctx_options o = fl_model_ctx_options_default();
        o.backend = backend;
        fl_model_ctx *ctx = NULL;
        fl_error err;
        size_t n = 0;
        CHECK(fl_model_ctx_create(m, &o, &ctx, &err) == FL_OK &&
                  fl_model_ctx_profile(ctx, &input, 1, 3, p, nodes, &n, &err) == FL_OK,
              "profile: %s", err.detail);
        double flops = 0, ms = 0;
        int convs = 0, accelerated = 0;
        for (size_t i = 0; i < n; i++) {
            flops += p[i].gflop;
            ms += p[i].ms;
            convs += strcmp(p[i].op, "Conv") == 0 && p[i].gflop > 0;
            accelerated += p[i].accelerated;
            CHECK(p[i].ms >= 0 && p[i].name && p[i].name[0], "node %zu: %s %g ms", i, p[i].name, p[i].ms);
        }
        CHECK(n == nodes && fabs(flops - 0.0814) < 0.0008 && convs > 20 && ms > 0,
              "backend %d: %zu of %zu nodes, %.4f GFLOP, %d convolutions", b, n, nodes, flops, convs);
        CHECK(b ? accelerated == 0 : accelerated > (int)nodes / 2, "backend %d: %d nodes in XNNPACK", b, accelerated);
        CHECK(fl_model_ctx_profile(ctx, &input, 1, 3, p, nodes - 1, &n, &err) == FL_E_BUFFER_TOO_SMALL &&
                  fl_model_ctx_profile(ctx, &input, 1, 0, p, nodes, &n, &err) == FL_E_INVALID_ARGUMENT,
              "a short output and zero runs are refused");
        fl_tensor small = input;
        small.capacity = 10;
        CHECK(fl_model_ctx_profile(ctx, &small, 1, 1, p, nodes, &n, &err) == FL_E_BUFFER_TOO_SMALL,
              "an input smaller than its dims is refused");
        CHECK(fl_model_ctx_run(ctx, &input, 1, &out, 1, &err) == FL_OK, "the ctx runs after profiling: %s",
              err.detail);
        fl_model_ctx_free(ctx);
    }
    free(p);
    free(in);
    fl_model_free(m);
}

/* The APK model's batch norms (a Mul and an Add, twice, after each of its 55 convolutions) are folded
 * into the convolutions at load (src/nn/graph_fold.c; its outputs against the file's nodes run one by
 * one: tests/test_train_parity.py); models without such chains keep every node. */
static void test_fold(void)
{
    static const struct {
        const char *file;
        size_t max_nodes, min_nodes;
    } want[] = {{"sf_apk_v1se_4.0_80x80.onnx", 120, 100}, {"minifasnet_v2_2.7_80x80.onnx", 97, 97}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        fl_model *m = load(want[i].file);
        if (!m)
            continue;
        size_t n = fl_model_node_count(m);
        CHECK(n >= want[i].min_nodes && n <= want[i].max_nodes, "%s: %zu nodes after folding (%zu..%zu)", want[i].file,
              n, want[i].min_nodes, want[i].max_nodes);
        fl_model_free(m);
    }
}

int main(void)
{
    test_status_table();
    test_info();
    test_plan_cache();
    test_threads();
    test_thread_pool();
    test_nhwc_inputs();
    test_profile();
    test_fold();
    TEST_MAIN_END();
}
