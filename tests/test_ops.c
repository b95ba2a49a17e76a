/*
 * Operator tests. Each op runs as a one-node ONNX graph on random inputs of several shapes,
 * XNNPACK against the reference backend (max abs diff asserted). A few known-answer checks
 * pin the reference kernels themselves to values computed independently here.
 */
#include <math.h>
#include <string.h>

#include "facelive/model.h"
#include "nn/model_internal.h"
#include "nn/nhwc_kernels.h"
#include "onnx_builder.h"
#include "test_util.h"

#define TOL 1e-4

static unsigned seed = 7u;

static size_t count_of(int rank, const int64_t *d)
{
    size_t c = 1;
    for (int i = 0; i < rank; i++)
        c *= (size_t)d[i];
    return c;
}

/* Random float initializer. */
static void init_rand(ob_model *m, const char *name, int rank, const int64_t *dims, float lo, float hi)
{
    size_t n = count_of(rank, dims);
    float *v = malloc(n * sizeof *v);
    fl_test_fill(v, n, &seed, lo, hi);
    ob_init_f32(m, name, rank, dims, v);
    free(v);
}

enum { MAX_OUTS = 5 }; /* a head of four branches, one of them also a graph output */

typedef struct run_result {
    fl_status status;
    float *out[MAX_OUTS];
    size_t count[MAX_OUTS];
    int rank[MAX_OUTS];
    int64_t dims[MAX_OUTS][FL_MAX_DIMS];
    int accelerated, in_c, nhwc; /* node split of the plan */
} run_result;

/* Loads the packed model and runs it on one backend. inputs are random in [-1, 1). */
static run_result run_model(const uint8_t *bytes, size_t len, fl_backend backend, int n_in, fl_tensor *ins,
                            int n_out)
{
    run_result r = {0};
    fl_error err;
    fl_model *model;
    r.status = fl_model_load_memory(bytes, len, &model, &err);
    if (r.status) {
        fprintf(stderr, "load: %s\n", err.detail);
        return r;
    }
    fl_model_ctx_options opt = fl_model_ctx_options_default();
    opt.backend = backend;
    opt.threads = 1;
    fl_model_ctx *ctx;
    r.status = fl_model_ctx_create(model, &opt, &ctx, &err);
    if (!r.status) {
        fl_tensor outs[MAX_OUTS];
        for (int i = 0; i < n_out; i++) {
            r.out[i] = calloc(1 << 20, sizeof(float));
            outs[i] = (fl_tensor){r.out[i], 1 << 20, 0, {0}};
        }
        r.status = fl_model_ctx_run(ctx, ins, (size_t)n_in, outs, (size_t)n_out, &err);
        if (r.status)
            fprintf(stderr, "run: %s\n", err.detail);
        for (int i = 0; i < n_out; i++) {
            r.count[i] = count_of(outs[i].rank, outs[i].dims);
            r.rank[i] = outs[i].rank;
            memcpy(r.dims[i], outs[i].dims, sizeof outs[i].dims);
        }
        fl__model_ctx_node_split(ctx, &r.accelerated, &r.in_c, &r.nhwc);
        fl_model_ctx_free(ctx);
    }
    fl_model_free(model);
    return r;
}

static void free_result(run_result *r)
{
    for (int i = 0; i < MAX_OUTS; i++)
        free(r->out[i]);
}

/* Every output of a backend's run against the reference's: the same shapes, values within TOL. */
static void check_outputs(const char *label, const char *backend, const run_result *got, const run_result *ref,
                          int n_out)
{
    for (int o = 0; o < n_out; o++) {
        CHECK(got->count[o] == ref->count[o] && got->rank[o] == ref->rank[o], "%s: %s output %d shapes differ", label,
              backend, o);
        double maxd = 0;
        for (size_t k = 0; k < ref->count[o]; k++)
            maxd = fmax(maxd, fabs((double)got->out[o][k] - ref->out[o][k]));
        CHECK(maxd <= TOL, "%s: %s output %d max diff %.3g", label, backend, o, maxd);
        printf("%-48s out%d %8zu values  max|%s-reference| %.2e\n", label, o, ref->count[o], backend, maxd);
    }
}

/* Runs model m on the reference backend with random inputs of the given shapes, then on the
 * portable and XNNPACK backends, and compares their outputs with the reference's.
 * want_c: how many nodes the XNNPACK backend must leave to the C kernels (0 when the op maps to
 * XNNPACK), so a comparison can never silently become reference against reference; want_nhwc:
 * how many it must run in facelive's own NHWC kernels, so each of those is tested too. */
static void compare_split(const char *label, ob_model *m, int n_in, const int64_t in_dims[][4], const int *in_rank,
                          int n_out, int want_c, int want_nhwc)
{
    size_t len;
    uint8_t *bytes = ob_pack(m, &len);
    fl_tensor ins[2];
    for (int i = 0; i < n_in; i++) {
        size_t n = count_of(in_rank[i], in_dims[i]);
        ins[i] = (fl_tensor){malloc(n * sizeof(float)), n, in_rank[i], {0}};
        memcpy(ins[i].dims, in_dims[i], (size_t)in_rank[i] * sizeof(int64_t));
        fl_test_fill(ins[i].data, n, &seed, -1.0f, 1.0f);
    }
    run_result ref = run_model(bytes, len, FL_BACKEND_REFERENCE, n_in, ins, n_out);
    CHECK(ref.status == FL_OK, "%s: reference: %s", label, fl_status_name(ref.status));
    if (ref.status == FL_OK) { /* the portable backend: the reference but for its convolutions */
        run_result p = run_model(bytes, len, FL_BACKEND_PORTABLE, n_in, ins, n_out);
        CHECK(p.status == FL_OK, "%s: portable: %s", label, fl_status_name(p.status));
        if (p.status == FL_OK)
            check_outputs(label, "portable", &p, &ref, n_out);
        free_result(&p);
    }
    if (fl_backend_available(FL_BACKEND_XNNPACK) && ref.status == FL_OK) {
        run_result x = run_model(bytes, len, FL_BACKEND_XNNPACK, n_in, ins, n_out);
        CHECK(x.status == FL_OK, "%s: xnnpack: %s", label, fl_status_name(x.status));
        CHECK(x.in_c == want_c && x.nhwc == want_nhwc && x.accelerated >= 0,
              "%s: %d nodes accelerated (%d in NHWC kernels), %d in C (expected %d in C, %d in NHWC kernels)", label,
              x.accelerated, x.nhwc, x.in_c, want_c, want_nhwc);
        if (x.status == FL_OK)
            check_outputs(label, "xnnpack", &x, &ref, n_out);
        free_result(&x);
    }
    free_result(&ref);
    for (int i = 0; i < n_in; i++)
        free(ins[i].data);
    free(bytes);
    ob_free(m);
}

static void compare(const char *label, ob_model *m, int n_in, const int64_t in_dims[][4], const int *in_rank,
                    int n_out, int want_c)
{
    compare_split(label, m, n_in, in_dims, in_rank, n_out, want_c, 0);
}

static const char *const X[] = {"x"}, *const XX[] = {"x", "x2"}, *const Y[] = {"y"};

/* A model with input x (and x2 when two) and output y. */
static ob_model *new_model(const int64_t *xd, int rank, const int64_t *x2d, int rank2)
{
    ob_model *m = ob_new(11);
    ob_input(m, "x", rank, xd);
    if (x2d)
        ob_input(m, "x2", rank2, x2d);
    ob_output(m, "y");
    return m;
}

/* Adds scales/roi initializers and a nearest (asymmetric, floor) Resize from x to y. */
static void add_resize(ob_model *m, float scale)
{
    int64_t sd[1] = {4}, rd[1] = {0};
    float scales[4] = {1, 1, scale, scale};
    ob_init_f32(m, "roi", 1, rd, NULL);
    ob_init_f32(m, "scales", 1, sd, scales);
    const char *in[] = {"x", "roi", "scales"};
    ob_node *n = ob_add_node(m, "Resize", "resize", 3, in, 1, Y);
    ob_attr_str(n, "mode", "nearest");
    ob_attr_str(n, "coordinate_transformation_mode", "asymmetric");
    ob_attr_str(n, "nearest_mode", "floor");
}

static const int64_t shapes[][4] = {{1, 3, 8, 8}, {1, 8, 15, 17}, {2, 16, 7, 5}, {1, 32, 20, 20}, {1, 40, 9, 12}};
#define N_SHAPES (int)(sizeof shapes / sizeof shapes[0])

typedef struct conv_case {
    const char *name;
    int64_t k, stride, group_div, dil; /* group = C / group_div (0: group 1) */
    int64_t pads[4];
    int bias;
    int64_t out_mult; /* output channels = C * out_mult */
} conv_case;

static void test_conv(void)
{
    static const conv_case cases[] = {
        {"3x3 pad1", 3, 1, 0, 1, {1, 1, 1, 1}, 1, 2},
        {"3x3 s2 asym pads [0,0,1,1]", 3, 2, 0, 1, {0, 0, 1, 1}, 1, 1},
        {"depthwise 3x3 s1", 3, 1, 1, 1, {1, 1, 1, 1}, 1, 1},
        {"depthwise 3x3 s2 asym", 3, 2, 1, 1, {0, 0, 1, 1}, 1, 1},
        {"depthwise 3x3 s2 pad1 (odd columns first)", 3, 2, 1, 1, {1, 1, 1, 1}, 1, 1},
        {"depthwise 3x3 dilation 2", 3, 1, 1, 2, {2, 2, 2, 2}, 1, 1},
        {"depthwise 5x5 s2 pad2", 5, 2, 1, 1, {2, 2, 2, 2}, 1, 1},
        {"depthwise 5x5 no pad", 5, 1, 1, 1, {0, 0, 0, 0}, 0, 1},
        {"depthwise x2 multiplier", 3, 1, 1, 1, {1, 1, 1, 1}, 1, 2},
        {"1x1 no bias", 1, 1, 0, 1, {0, 0, 0, 0}, 0, 3},
        {"3x3 dilation 2", 3, 1, 0, 2, {2, 2, 2, 2}, 1, 1},
        {"5x5 s2 pad2", 5, 2, 0, 1, {2, 2, 2, 2}, 1, 1},
        {"grouped (C/2 per group)", 3, 1, 2, 1, {1, 1, 1, 1}, 1, 1},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        for (int s = 0; s < N_SHAPES; s++) {
            const conv_case *cc = &cases[c];
            const int64_t C = shapes[s][1];
            int64_t group = cc->group_div == 1 ? C : cc->group_div == 2 ? (C % 2 ? 1 : 2) : 1;
            if (cc->group_div == 2 && group == 1)
                continue;
            int64_t M = C * cc->out_mult;
            ob_model *m = new_model(shapes[s], 4, NULL, 0);
            int64_t wd[4] = {M, C / group, cc->k, cc->k}, bd[1] = {M};
            init_rand(m, "w", 4, wd, -1, 1);
            const char *in3[] = {"x", "w", "b"};
            if (cc->bias)
                init_rand(m, "b", 1, bd, -1, 1);
            ob_node *n = ob_add_node(m, "Conv", "conv", cc->bias ? 3 : 2, in3, 1, Y);
            int64_t ks[2] = {cc->k, cc->k}, st[2] = {cc->stride, cc->stride}, dl[2] = {cc->dil, cc->dil};
            ob_attr_ints(n, "kernel_shape", 2, ks);
            ob_attr_ints(n, "strides", 2, st);
            ob_attr_ints(n, "dilations", 2, dl);
            ob_attr_ints(n, "pads", 4, cc->pads);
            ob_attr_int(n, "group", group);
            char label[96];
            snprintf(label, sizeof label, "Conv %s [%lld,%lld,%lld,%lld]", cc->name, (long long)shapes[s][0],
                     (long long)C, (long long)shapes[s][2], (long long)shapes[s][3]);
            int rank[1] = {4};
            compare(label, m, 1, &shapes[s], rank, 1, 0);
        }
}

/* A 3x3 Conv node (group 1 when group is 0) and a 2x2 stride-2 MaxPool node, for the pipeline
 * tests. */
static void add_conv3(ob_model *m, const char *name, int n_in, const char *const *in, const char *const *out, int64_t stride,
                      const int64_t pads[4], int64_t group)
{
    int64_t k3[2] = {3, 3}, st[2] = {stride, stride};
    ob_node *n = ob_add_node(m, "Conv", name, n_in, in, 1, out);
    ob_attr_ints(n, "kernel_shape", 2, k3);
    ob_attr_ints(n, "strides", 2, st);
    ob_attr_ints(n, "pads", 4, pads);
    if (group)
        ob_attr_int(n, "group", group);
}

static void add_pool2(ob_model *m, const char *name, const char *const *in, const char *const *out)
{
    int64_t k2[2] = {2, 2};
    ob_node *n = ob_add_node(m, "MaxPool", name, 1, in, 1, out);
    ob_attr_ints(n, "kernel_shape", 2, k2);
    ob_attr_ints(n, "strides", 2, k2);
}

/* Maps a row pipeline takes (its first output at least 256 KiB; PIPELINE_MIN_MAP_BYTES): 16, 24
 * and 40 channels (tiles of 16, 32 + 16 overlapping...), a batch of 2, odd sizes, a map 5 pixels
 * wide (narrower than every pixel tile), and 8 channels (no pipeline: XNNPACK runs it all). */
static const int64_t pipe_shapes[][4] = {{1, 8, 64, 64}, {1, 16, 64, 64}, {2, 24, 60, 47}, {1, 40, 41, 43}, {1, 16, 1100, 5}};
#define N_PIPE_SHAPES (int)(sizeof pipe_shapes / sizeof pipe_shapes[0])

/* Whether the backend runs a pipeline whose first unit outputs `count` floats (with 16 channels
 * or more): nodes when it does, else 0 (the backend's threshold, restated). */
static int pipelined(int64_t count, int64_t channels, int nodes)
{
    return channels >= 16 && count * (int64_t)sizeof(float) >= 256 * 1024 ? nodes : 0;
}

/* The fused NHWC kernel inside XNNPACK runs: 1x1 Conv > depthwise 3x3 (pads, stride) > ReLU >
 * MaxPool 2x2 > 1x1 Conv. With 16 channels or more the first four nodes are one fl__pw_dw_nhwc
 * step, so NHWC tensors are handed from the graph input to the kernel and from the kernel to an
 * XNNPACK runtime; with fewer, XNNPACK runs it all. The second chain has a 1x1 Conv > depthwise
 * pair on each side of a MaxPool (fused into the first, with no ReLU) and 64-, 32- and 16-wide
 * channel tiles: kernel to kernel. Odd map sizes pool to the floor. */
static void test_nhwc_chain(void)
{
    static const struct {
        int64_t stride, pads[4];
    } dw[] = {{1, {1, 1, 1, 1}}, {2, {1, 1, 1, 1}}, {2, {0, 0, 1, 1}}, {1, {2, 0, 0, 2}}};
    for (size_t d = 0; d < sizeof dw / sizeof dw[0]; d++)
        for (int s = 0; s < N_PIPE_SHAPES; s++) {
            const int64_t C = pipe_shapes[s][1];
            ob_model *m = new_model(pipe_shapes[s], 4, NULL, 0);
            int64_t w1[4] = {C, C, 1, 1}, w2[4] = {C, 1, 3, 3}, w3[4] = {5, C, 1, 1}, bd[1] = {C};
            init_rand(m, "w1", 4, w1, -1, 1);
            init_rand(m, "w2", 4, w2, -1, 1);
            init_rand(m, "b2", 1, bd, -1, 1);
            init_rand(m, "w3", 4, w3, -1, 1);
            const char *c1[] = {"x", "w1"}, *a[] = {"a"}, *c2[] = {"a", "w2", "b2"}, *b[] = {"b"}, *r[] = {"r"},
                       *p[] = {"p"}, *c3[] = {"p", "w3"};
            ob_add_node(m, "Conv", "pointwise", 2, c1, 1, a);
            add_conv3(m, "depthwise", 3, c2, b, dw[d].stride, dw[d].pads, C);
            ob_add_node(m, "Relu", "relu", 1, b, 1, r);
            add_pool2(m, "pool", r, p);
            ob_add_node(m, "Conv", "head", 2, c3, 1, Y);
            char label[96];
            snprintf(label, sizeof label, "1x1>dw3x3 s%lld pads %lld%lld%lld%lld>Relu>MaxPool>1x1 C=%lld",
                     (long long)dw[d].stride, (long long)dw[d].pads[0], (long long)dw[d].pads[1],
                     (long long)dw[d].pads[2], (long long)dw[d].pads[3], (long long)C);
            int rank[1] = {4};
            const int64_t count = pipe_shapes[s][0] * C * pipe_shapes[s][2] * pipe_shapes[s][3];
            compare_split(label, m, 1, &pipe_shapes[s], rank, 1, 0, pipelined(count, C, 4));
        }
    for (int s = 0; s < 2 * N_PIPE_SHAPES; s++) {
        const int pool = s % 2; /* with the MaxPool between the pairs, or the depthwise output straight on */
        const int64_t *shape = pipe_shapes[s / 2];
        const int64_t C = shape[1], M = 2 * C + 16; /* the second pair widens: tiles of 64, 32, 16 */
        ob_model *m = new_model(shape, 4, NULL, 0);
        int64_t w1[4] = {C, C, 1, 1}, w2[4] = {C, 1, 3, 3}, w3[4] = {M, C, 1, 1}, w4[4] = {M, 1, 3, 3}, bd[1] = {M};
        init_rand(m, "w1", 4, w1, -1, 1);
        init_rand(m, "w2", 4, w2, -1, 1);
        init_rand(m, "w3", 4, w3, -1, 1);
        init_rand(m, "b3", 1, bd, -1, 1);
        init_rand(m, "w4", 4, w4, -1, 1);
        const char *c1[] = {"x", "w1"}, *a[] = {"a"}, *c2[] = {"a", "w2"}, *b[] = {"b"}, *p[] = {"p"},
                   *c3[] = {pool ? "p" : "b", "w3", "b3"}, *c[] = {"c"}, *c4[] = {"c", "w4"};
        const int64_t pads[4] = {1, 1, 1, 1};
        ob_add_node(m, "Conv", "pw1", 2, c1, 1, a);
        add_conv3(m, "dw1", 2, c2, b, 1, pads, C);
        if (pool)
            add_pool2(m, "pool", b, p);
        ob_add_node(m, "Conv", "pw2", 3, c3, 1, c);
        add_conv3(m, "dw2", 2, c4, Y, 1, pads, M);
        char label[96];
        snprintf(label, sizeof label, "1x1>dw3x3>%s1x1 (2C+16)>dw3x3 C=%lld", pool ? "MaxPool>" : "", (long long)C);
        int rank[1] = {4};
        const int64_t count = shape[0] * C * shape[2] * shape[3];
        /* under 16 channels the first pair stays in XNNPACK; the second may start a pipeline of its own */
        const int64_t count2 = shape[0] * M * (shape[2] >> pool) * (shape[3] >> pool);
        const int want = C >= 16 ? pipelined(count, C, 4 + pool) : pipelined(count2, M, 2);
        compare_split(label, m, 1, (const int64_t(*)[4])shape, rank, 1, 0, want);
    }
}

/* A first 3x3 Conv of 3 channels (and its ReLU) starting a row pipeline: Conv > ReLU > 1x1 Conv >
 * depthwise 3x3 > ReLU, one NHWC step, for strides 1 and 2, several pads and 16-40 output
 * channels, on 3-channel inputs of several sizes. */
static void test_nhwc_first_conv(void)
{
    static const struct {
        int64_t stride, pads[4], m;
    } cv[] = {{2, {1, 1, 1, 1}, 16}, {1, {1, 1, 1, 1}, 32}, {2, {0, 0, 1, 1}, 40}, {1, {2, 0, 0, 2}, 16}};
    static const int64_t sizes[][4] = {{1, 3, 132, 128}, {2, 3, 121, 119}, {1, 3, 1800, 9}}; /* 9 wide: all edge */
    for (size_t c = 0; c < sizeof cv / sizeof cv[0]; c++)
        for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
            const int64_t M = cv[c].m;
            ob_model *m = new_model(sizes[z], 4, NULL, 0);
            int64_t w0[4] = {M, 3, 3, 3}, b0[1] = {M}, w1[4] = {M, M, 1, 1}, w2[4] = {M, 1, 3, 3};
            init_rand(m, "w0", 4, w0, -1, 1);
            init_rand(m, "b0", 1, b0, -1, 1);
            init_rand(m, "w1", 4, w1, -0.5f, 0.5f);
            init_rand(m, "w2", 4, w2, -1, 1);
            const char *c0[] = {"x", "w0", "b0"}, *a[] = {"a"}, *r0[] = {"r0"}, *c1[] = {"r0", "w1"}, *p[] = {"p"},
                       *c2[] = {"p", "w2"}, *d[] = {"d"};
            const int64_t pads[4] = {1, 1, 1, 1};
            add_conv3(m, "first", 3, c0, a, cv[c].stride, cv[c].pads, 0);
            ob_add_node(m, "Relu", "relu0", 1, a, 1, r0);
            ob_add_node(m, "Conv", "pointwise", 2, c1, 1, p);
            add_conv3(m, "depthwise", 2, c2, d, 1, pads, M);
            ob_add_node(m, "Relu", "relu", 1, d, 1, Y);
            char label[96];
            snprintf(label, sizeof label, "Conv3x3 s%lld pads %lld%lld%lld%lld 3->%lld>Relu>1x1>dw>Relu [%lld,%lld]",
                     (long long)cv[c].stride, (long long)cv[c].pads[0], (long long)cv[c].pads[1],
                     (long long)cv[c].pads[2], (long long)cv[c].pads[3], (long long)M, (long long)sizes[z][2],
                     (long long)sizes[z][3]);
            int rank[1] = {4};
            const int64_t s_ = cv[c].stride, oh = (sizes[z][2] + cv[c].pads[0] + cv[c].pads[2] - 3) / s_ + 1,
                          ow = (sizes[z][3] + cv[c].pads[1] + cv[c].pads[3] - 3) / s_ + 1;
            compare_split(label, m, 1, &sizes[z], rank, 1, 0, pipelined(sizes[z][0] * M * oh * ow, M, 5));
        }
}

/* The human models' order: 3x3 Conv > MaxPool > ReLU, twice (32 input channels the second time),
 * one pipeline whose ReLUs become the convolutions' clamps. */
static void test_nhwc_conv_pool_relu(void)
{
    static const int64_t sizes[][4] = {{1, 3, 132, 128}, {2, 3, 121, 119}};
    for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
        ob_model *m = new_model(sizes[z], 4, NULL, 0);
        int64_t w0[4] = {32, 3, 3, 3}, b0[1] = {32}, w1[4] = {16, 32, 3, 3}, b1[1] = {16};
        init_rand(m, "w0", 4, w0, -1, 1);
        init_rand(m, "b0", 1, b0, -1, 1);
        init_rand(m, "w1", 4, w1, -0.3f, 0.3f);
        init_rand(m, "b1", 1, b1, -1, 1);
        const char *c0[] = {"x", "w0", "b0"}, *a[] = {"a"}, *p[] = {"p"}, *r[] = {"r"}, *c1[] = {"r", "w1", "b1"},
                   *b[] = {"b"}, *q[] = {"q"};
        const int64_t pads[4] = {1, 1, 1, 1};
        add_conv3(m, "conv0", 3, c0, a, 1, pads, 0);
        add_pool2(m, "pool0", a, p);
        ob_add_node(m, "Relu", "relu0", 1, p, 1, r);
        add_conv3(m, "conv1", 3, c1, b, 1, pads, 0);
        add_pool2(m, "pool1", b, q);
        ob_add_node(m, "Relu", "relu1", 1, q, 1, Y);
        char label[96];
        snprintf(label, sizeof label, "Conv3x3>MaxPool>Relu x2 (3->32->16) [%lld,%lld,%lld]", (long long)sizes[z][0],
                 (long long)sizes[z][2], (long long)sizes[z][3]);
        int rank[1] = {4};
        compare_split(label, m, 1, &sizes[z], rank, 1, 0, 6);
    }
}

/* Detection heads (pipeline_plan.h): branches of a 1x1 Conv then a 3x3 Conv with one filter per
 * channel, all reading one map, each result read by a Transpose to N,H,W,C: YuNet's 1 + 4 + 1 + 10
 * channels, two branches of 3 channels in all (the merged 1x1 padded to 16), two geometries. A
 * branch whose result is also a graph output, or whose 3x3 has another stride, stays apart: the
 * others still make one step. */
static void test_head_groups(void)
{
    static const int64_t maps[][4] = {{1, 8, 15, 17}, {2, 16, 7, 5}, {1, 64, 20, 20}, {1, 3, 40, 33}};
    static const struct {
        int n, channels[4];
        int64_t stride[4];
        int also_output; /* branch 0's result is also a graph output */
        int grouped;     /* branches in the group */
    } cases[] = {{4, {1, 4, 1, 10}, {1, 1, 1, 1}, 0, 4}, {2, {1, 2}, {1, 1}, 0, 2}, {3, {4, 4, 4}, {2, 2, 2}, 0, 3},
                 {3, {1, 4, 10}, {1, 1, 1}, 1, 2},   {3, {1, 4, 10}, {1, 2, 1}, 0, 2}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        for (size_t z = 0; z < sizeof maps / sizeof maps[0]; z++) {
            const int64_t C = maps[z][1];
            ob_model *m = ob_new(11);
            ob_input(m, "x", 4, maps[z]);
            for (int b = 0; b < cases[c].n; b++) {
                char w1[16], w2[16], b2[16], a[16], f[16], t[16];
                snprintf(w1, sizeof w1, "w1_%d", b), snprintf(w2, sizeof w2, "w2_%d", b);
                snprintf(b2, sizeof b2, "b2_%d", b), snprintf(a, sizeof a, "a%d", b);
                snprintf(f, sizeof f, "f%d", b), snprintf(t, sizeof t, "t%d", b);
                const int64_t k = cases[c].channels[b], wd1[4] = {k, C, 1, 1}, wd2[4] = {k, 1, 3, 3}, bd[1] = {k};
                init_rand(m, w1, 4, wd1, -1, 1);
                init_rand(m, w2, 4, wd2, -1, 1);
                init_rand(m, b2, 1, bd, -1, 1);
                const char *in1[] = {"x", w1}, *o1[] = {a}, *in2[] = {a, w2, b2}, *o2[] = {f}, *o3[] = {t};
                ob_add_node(m, "Conv", a, 2, in1, 1, o1);
                const int64_t s = cases[c].stride[b], pads1[4] = {1, 1, 1, 1}, pads2[4] = {0, 0, 1, 1};
                add_conv3(m, f, 3, in2, o2, s, s == 1 ? pads1 : pads2, k);
                ob_node *tr = ob_add_node(m, "Transpose", t, 1, o2, 1, o3);
                const int64_t perm[4] = {0, 2, 3, 1};
                ob_attr_ints(tr, "perm", 4, perm);
                ob_output(m, t);
            }
            if (cases[c].also_output)
                ob_output(m, "f0");
            char label[96];
            snprintf(label, sizeof label, "head of %d branches (%d grouped) [%lld,%lld,%lld,%lld]", cases[c].n,
                     cases[c].grouped, (long long)maps[z][0], (long long)C, (long long)maps[z][2], (long long)maps[z][3]);
            int rank[1] = {4};
            compare_split(label, m, 1, &maps[z], rank, cases[c].n + cases[c].also_output, cases[c].n,
                          2 * cases[c].grouped);
        }
}

/* Every build of the row pipeline this CPU can run (baseline, AVX2+FMA, AVX-512) gives the best
 * build's result: the dispatch only ever picks one, so the others are run here directly, on a
 * pipeline of every stage kind (3x3 Conv stride 2 > 1x1 > depthwise > MaxPool > 1x1 > depthwise
 * stride 2), 3 -> 32 -> 48 -> 40 channels, on a 37 x 53 image. */
static void test_pipeline_builds(void)
{
#ifdef FL_HAVE_XNNPACK
    enum { H = 37, W = 53 };
    float *w[6], *b[6];
    const int cin[6] = {3, 32, 48, 0, 48, 40}, cout[6] = {32, 48, 48, 48, 40, 40};
    for (int k = 0; k < 6; k++) {
        const size_t n = (size_t)(k == 0 ? 9 * cin[0] : k == 2 || k == 5 ? 9 : cin[k]) * (size_t)cout[k];
        w[k] = malloc(n * sizeof(float));
        b[k] = malloc((size_t)cout[k] * sizeof(float));
        fl_test_fill(w[k], n, &seed, -0.3f, 0.3f);
        fl_test_fill(b[k], (size_t)cout[k], &seed, -0.5f, 0.5f);
    }
    const int h1 = (H - 1) / 2 + 1, w1 = (W - 1) / 2 + 1, h2 = h1 / 2, w2 = w1 / 2, h3 = (h2 - 1) / 2 + 1,
              w3 = (w2 - 1) / 2 + 1;
    fl_row_pipeline p = {6, {{0}}};
    p.stage[0] = (fl_stage){FL_STAGE_CONV3X3, H, W, 3, h1, w1, 32, 1, {.conv3 = {W, 3, w1, 32, 2, 1, w[0], b[0], 0, INFINITY}}};
    p.stage[1] = (fl_stage){FL_STAGE_POINTWISE, h1, w1, 32, h1, w1, 48, 0, {.pw = {w1, 32, 48, w[1], b[1]}}};
    p.stage[2] = (fl_stage){FL_STAGE_DEPTHWISE, h1, w1, 48, h1, w1, 48, 0,
                            {.dw = {h1, w1, 48, h1, w1, 1, 1, 1, w[2], b[2], 0, INFINITY}}};
    p.stage[3] = (fl_stage){FL_STAGE_MAXPOOL2, h1, w1, 48, h2, w2, 48, 0, {{0}}};
    p.stage[4] = (fl_stage){FL_STAGE_POINTWISE, h2, w2, 48, h2, w2, 40, 0, {.pw = {w2, 48, 40, w[4], b[4]}}};
    p.stage[5] = (fl_stage){FL_STAGE_DEPTHWISE, h2, w2, 40, h3, w3, 40, 0,
                            {.dw = {h2, w2, 40, h3, w3, 2, 1, 1, w[5], b[5], -INFINITY, INFINITY}}};
    const size_t nx = (size_t)H * W * 3, ny = (size_t)h3 * (size_t)w3 * 40, nr = fl__row_pipeline_ring(&p);
    float *x = malloc(nx * sizeof(float)), *ring = malloc((nr + 16) * sizeof(float)), *want = malloc(ny * sizeof(float)),
          *got = malloc(ny * sizeof(float));
    fl_test_fill(x, nx, &seed, -1.0f, 1.0f);
    const fl_pipeline_isa best = fl__row_pipeline_best_isa();
    fl__row_pipeline_nhwc_isa(&p, x, ring, want, best);
    double norm = 0;
    for (size_t i = 0; i < ny; i++)
        norm = fmax(norm, fabs(want[i]));
    CHECK(norm > 0.1, "the pipeline's output is not all zero (%g)", norm);
    for (int isa = FL_ISA_BASELINE; isa < (int)best; isa++) {
        fl__row_pipeline_nhwc_isa(&p, x, ring, got, (fl_pipeline_isa)isa);
        double maxd = 0;
        for (size_t i = 0; i < ny; i++)
            maxd = fmax(maxd, fabs((double)got[i] - want[i]));
        CHECK(maxd <= TOL * norm, "pipeline build %d against build %d: max diff %.3g", isa, (int)best, maxd);
        printf("%-48s build %d vs %d: max diff %.2e (largest value %.2f)\n", "row pipeline, every stage kind", isa,
               (int)best, maxd, norm);
    }
    for (int k = 0; k < 6; k++) {
        free(w[k]);
        free(b[k]);
    }
    free(x);
    free(ring);
    free(want);
    free(got);
#endif
}

static void test_unary_and_binary(void)
{
    static const char *const unary[] = {"Relu", "Sigmoid", "GlobalAveragePool"};
    for (int s = 0; s < N_SHAPES; s++) {
        int rank[2] = {4, 4};
        char label[96];
        const int64_t C = shapes[s][1];
        for (int u = 0; u < 3; u++) {
            ob_model *m = new_model(shapes[s], 4, NULL, 0);
            ob_add_node(m, unary[u], "op", 1, X, 1, Y);
            snprintf(label, sizeof label, "%s [..%lld..]", unary[u], (long long)C);
            compare(label, m, 1, &shapes[s], rank, 1, 0);
        }
        { /* PRelu with a [C,1,1] slope, as every pack model has */
            ob_model *m = new_model(shapes[s], 4, NULL, 0);
            int64_t sd[3] = {C, 1, 1};
            init_rand(m, "slope", 3, sd, 0, 0.5f);
            const char *in[] = {"x", "slope"};
            ob_add_node(m, "PRelu", "prelu", 2, in, 1, Y);
            snprintf(label, sizeof label, "PRelu slope [C,1,1] C=%lld", (long long)C);
            compare(label, m, 1, &shapes[s], rank, 1, 0);
        }
        static const char *const bins[] = {"Add", "Mul"};
        for (int b = 0; b < 2; b++) {
            { /* two activations of the same shape */
                ob_model *m = new_model(shapes[s], 4, shapes[s], 4);
                ob_add_node(m, bins[b], "op", 2, XX, 1, Y);
                const int64_t dims2[2][4] = {{shapes[s][0], shapes[s][1], shapes[s][2], shapes[s][3]},
                                             {shapes[s][0], shapes[s][1], shapes[s][2], shapes[s][3]}};
                snprintf(label, sizeof label, "%s activation+activation C=%lld", bins[b], (long long)C);
                compare(label, m, 2, dims2, rank, 1, 0);
            }
            { /* squeeze-excitation style: [N,C,H,W] (op) [N,C,1,1] */
                const int64_t dims2[2][4] = {{shapes[s][0], shapes[s][1], shapes[s][2], shapes[s][3]},
                                             {shapes[s][0], shapes[s][1], 1, 1}};
                ob_model *m = new_model(dims2[0], 4, dims2[1], 4);
                ob_add_node(m, bins[b], "op", 2, XX, 1, Y);
                snprintf(label, sizeof label, "%s broadcast [N,C,1,1] C=%lld", bins[b], (long long)C);
                compare(label, m, 2, dims2, rank, 1, 0);
            }
            { /* constant [C,1,1] (inference BatchNorm as Mul+Add) and a full [C,H,W] constant */
                ob_model *m = new_model(shapes[s], 4, NULL, 0);
                int64_t cd[3] = {C, 1, 1};
                init_rand(m, "c", 3, cd, -1, 1);
                const char *in[] = {"x", "c"};
                ob_add_node(m, bins[b], "op", 2, in, 1, Y);
                snprintf(label, sizeof label, "%s constant [C,1,1] C=%lld", bins[b], (long long)C);
                compare(label, m, 1, &shapes[s], rank, 1, 0);
                m = new_model(shapes[s], 4, NULL, 0);
                int64_t fd[3] = {C, shapes[s][2], shapes[s][3]};
                init_rand(m, "c", 3, fd, -1, 1);
                const char *in2[] = {"c", "x"};
                ob_add_node(m, bins[b], "op", 2, in2, 1, Y);
                snprintf(label, sizeof label, "%s constant [C,H,W] first C=%lld", bins[b], (long long)C);
                compare(label, m, 1, &shapes[s], rank, 1, 0);
            }
        }
    }
}

/* How many nodes the portable backend runs as the first step of model m (input x of rank dims xd):
 * its convolution and what it fused into the convolution's store. */
static int portable_first_step(ob_model *m, int rank, const int64_t xd[4])
{
    size_t len;
    uint8_t *bytes = ob_pack(m, &len);
    fl_model *model = NULL;
    fl_model_ctx *ctx = NULL;
    fl_model_ctx_options opt = fl_model_ctx_options_default();
    opt.backend = FL_BACKEND_PORTABLE;
    const size_t n = count_of(rank, xd);
    fl_tensor in = {calloc(n, sizeof(float)), n, rank, {xd[0], xd[1], xd[2], xd[3]}};
    fl_node_profile steps[8];
    size_t n_steps = 0;
    int nodes = -1;
    if (!fl_model_load_memory(bytes, len, &model, NULL) && !fl_model_ctx_create(model, &opt, &ctx, NULL) &&
        !fl_model_ctx_profile(ctx, &in, 1, 1, steps, 8, &n_steps, NULL) && n_steps > 0)
        nodes = steps[0].nodes;
    fl_model_ctx_free(ctx);
    fl_model_free(model);
    free(in.data);
    free(bytes);
    return nodes;
}

/* The portable backend's epilogues: a convolution stores its output through the residual Add,
 * ReLU or PRelu that follows it (the mesh's and the MiniFASNets' blocks). Each chain is compared
 * with the reference, and the fusion is asserted, so that a chain that stopped fusing (or one that
 * must not fuse, because a second node reads the convolution) would fail here. */
static void test_portable_epilogues(void)
{
    static const int64_t pads1[4] = {1, 1, 1, 1};
    for (int s = 0; s < N_SHAPES; s++) {
        const int64_t C = shapes[s][1];
        int64_t w1[4] = {C, C, 1, 1}, wd[4] = {C, 1, 3, 3}, w3[4] = {C, C, 3, 3}, bd[1] = {C}, sd[3] = {C, 1, 1},
                s1[1] = {1};
        int rank[1] = {4};
        char label[96];
        static const struct {
            const char *name;
            int fused; /* nodes in the first step */
        } chains[] = {{"1x1>Add(x)>PRelu[C]", 3}, {"dw3x3>PRelu[1]", 2}, {"3x3>Add(x, conv)>Relu", 3},
                      {"dw3x3>Add(x)", 2}, {"1x1 read twice>Relu, Add", 1}};
        for (int k = 0; k < 5; k++) {
            ob_model *m = new_model(shapes[s], 4, NULL, 0);
            const char *c[] = {"c"}, *a[] = {"a"}, *pw[] = {"x", "w1", "b"}, *dw[] = {"x", "wd", "b"},
                       *full[] = {"x", "w3", "b"}, *add_cx[] = {"c", "x"}, *add_xc[] = {"x", "c"},
                       *pr_a[] = {"a", "slope"}, *pr_c[] = {"c", "slope"}, *add_ca[] = {"c", "a"};
            init_rand(m, "b", 1, bd, -1, 1);
            if (k == 0 || k == 4) {
                init_rand(m, "w1", 4, w1, -1, 1);
                ob_add_node(m, "Conv", "conv", 3, pw, 1, c);
            } else if (k == 2) {
                init_rand(m, "w3", 4, w3, -1, 1);
                add_conv3(m, "conv", 3, full, c, 1, pads1, 0);
            } else {
                init_rand(m, "wd", 4, wd, -1, 1);
                add_conv3(m, "conv", 3, dw, c, 1, pads1, C);
            }
            if (k == 0) {
                init_rand(m, "slope", 3, sd, 0, 0.5f);
                ob_add_node(m, "Add", "add", 2, add_cx, 1, a);
                ob_add_node(m, "PRelu", "prelu", 2, pr_a, 1, Y);
            } else if (k == 1) {
                init_rand(m, "slope", 1, s1, 0, 0.5f);
                ob_add_node(m, "PRelu", "prelu", 2, pr_c, 1, Y);
            } else if (k == 2) {
                ob_add_node(m, "Add", "add", 2, add_xc, 1, a);
                ob_add_node(m, "Relu", "relu", 1, a, 1, Y);
            } else if (k == 3) {
                ob_add_node(m, "Add", "add", 2, add_cx, 1, Y);
            } else {
                ob_add_node(m, "Relu", "relu", 1, c, 1, a);
                ob_add_node(m, "Add", "add", 2, add_ca, 1, Y);
            }
            const int got = portable_first_step(m, 4, shapes[s]);
            snprintf(label, sizeof label, "portable %s C=%lld", chains[k].name, (long long)C);
            CHECK(got == chains[k].fused, "%s: the first step runs %d nodes, not %d", label, got, chains[k].fused);
            compare(label, m, 1, &shapes[s], rank, 1, 0);
        }
        for (int alpha = 0; alpha < 2; alpha++) { /* a Gemm (transB) is a 1x1 convolution; with alpha, not */
            const int64_t ad[1][4] = {{shapes[s][0], C, 0, 0}};
            int r2[1] = {2};
            ob_model *m = new_model(ad[0], 2, NULL, 0);
            int64_t wd[2] = {7, C}, b7[1] = {7};
            init_rand(m, "w", 2, wd, -1, 1);
            init_rand(m, "b", 1, b7, -1, 1);
            const char *in[] = {"x", "w", "b"}, *gy[] = {"g"};
            ob_node *g = ob_add_node(m, "Gemm", "gemm", 3, in, 1, gy);
            ob_attr_int(g, "transB", 1);
            if (alpha)
                ob_attr_float(g, "alpha", 0.5f);
            ob_add_node(m, "Relu", "relu", 1, gy, 1, Y);
            const int got = portable_first_step(m, 2, ad[0]);
            snprintf(label, sizeof label, "portable Gemm transB=1%s>Relu [%lld,%lld]", alpha ? " alpha .5" : "",
                     (long long)shapes[s][0], (long long)C);
            CHECK(got == 2 - alpha, "%s: the first step runs %d nodes, not %d", label, got, 2 - alpha);
            compare(label, m, 1, ad, r2, 1, 0);
        }
    }
}

static void test_pool_pad_resize(void)
{
    for (int s = 0; s < N_SHAPES; s++) {
        int rank[1] = {4};
        char label[96];
        const int64_t C = shapes[s][1];
        {
            ob_model *m = new_model(shapes[s], 4, NULL, 0);
            ob_node *n = ob_add_node(m, "MaxPool", "pool", 1, X, 1, Y);
            int64_t k[2] = {2, 2};
            ob_attr_ints(n, "kernel_shape", 2, k);
            ob_attr_ints(n, "strides", 2, k);
            snprintf(label, sizeof label, "MaxPool 2x2 s2 [..%lld,%lld,%lld]", (long long)C, (long long)shapes[s][2],
                     (long long)shapes[s][3]);
            compare(label, m, 1, &shapes[s], rank, 1, 0);
            m = new_model(shapes[s], 4, NULL, 0);
            n = ob_add_node(m, "MaxPool", "pool", 1, X, 1, Y);
            int64_t k3[2] = {3, 3}, one[2] = {1, 1}, p[4] = {1, 1, 1, 1};
            ob_attr_ints(n, "kernel_shape", 2, k3);
            ob_attr_ints(n, "strides", 2, one);
            ob_attr_ints(n, "pads", 4, p);
            snprintf(label, sizeof label, "MaxPool 3x3 s1 pad1 C=%lld", (long long)C);
            compare(label, m, 1, &shapes[s], rank, 1, 0);
        }
        { /* facemesh's channel padding, and a spatial pad with a constant */
            ob_model *m = new_model(shapes[s], 4, NULL, 0);
            int64_t pads[8] = {0, 0, 0, 0, 0, 5, 0, 0}, pd[1] = {8};
            ob_init_i64(m, "pads", 1, pd, pads);
            const char *in[] = {"x", "pads"};
            ob_node *n = ob_add_node(m, "Pad", "pad", 2, in, 1, Y);
            ob_attr_str(n, "mode", "constant");
            snprintf(label, sizeof label, "Pad channels +5 C=%lld", (long long)C);
            compare(label, m, 1, &shapes[s], rank, 1, 0);
            m = new_model(shapes[s], 4, NULL, 0);
            int64_t pads2[8] = {0, 0, 1, 2, 0, 0, 3, 0}, vd[1] = {1};
            float v = 1.5f;
            ob_init_i64(m, "pads", 1, pd, pads2);
            ob_init_f32(m, "v", 0, vd, &v);
            const char *in3[] = {"x", "pads", "v"};
            n = ob_add_node(m, "Pad", "pad", 3, in3, 1, Y);
            ob_attr_str(n, "mode", "constant");
            snprintf(label, sizeof label, "Pad spatial value 1.5 C=%lld", (long long)C);
            compare(label, m, 1, &shapes[s], rank, 1, 0);
        }
        for (int f = 2; f <= 3; f++) { /* YuNet's nearest x2 upsampling, and x3 */
            ob_model *m = new_model(shapes[s], 4, NULL, 0);
            add_resize(m, (float)f);
            snprintf(label, sizeof label, "Resize nearest x%d C=%lld", f, (long long)C);
            compare(label, m, 1, &shapes[s], rank, 1, 0);
        }
    }
}

static void test_layout_ops(void)
{
    for (int s = 0; s < N_SHAPES; s++) {
        int rank[2] = {4, 4};
        char label[96];
        const int64_t N = shapes[s][0], C = shapes[s][1], HW = shapes[s][2] * shapes[s][3];
        static const int64_t perms[2][4] = {{0, 2, 3, 1}, {0, 3, 1, 2}};
        for (int p = 0; p < 2; p++) {
            ob_model *m = new_model(shapes[s], 4, NULL, 0);
            ob_node *n = ob_add_node(m, "Transpose", "t", 1, X, 1, Y);
            ob_attr_ints(n, "perm", 4, perms[p]);
            snprintf(label, sizeof label, "Transpose (%lld,%lld,%lld,%lld) C=%lld", (long long)perms[p][0],
                     (long long)perms[p][1], (long long)perms[p][2], (long long)perms[p][3], (long long)C);
            compare(label, m, 1, &shapes[s], rank, 1, 1);
        }
        { /* Flatten of a map with C>1 and H*W>1: NCHW element order must survive NHWC */
            ob_model *m = new_model(shapes[s], 4, NULL, 0);
            const char *mid[] = {"f"};
            ob_add_node(m, "Flatten", "flatten", 1, X, 1, mid);
            int64_t wd[2] = {10, C * HW}, bd[1] = {10};
            init_rand(m, "w", 2, wd, -0.1f, 0.1f);
            init_rand(m, "b", 1, bd, -1, 1);
            const char *in[] = {"f", "w", "b"};
            ob_node *g = ob_add_node(m, "Gemm", "gemm", 3, in, 1, Y);
            ob_attr_int(g, "transB", 1);
            snprintf(label, sizeof label, "Flatten+Gemm transB=1 K=%lld", (long long)(C * HW));
            compare(label, m, 1, &shapes[s], rank, 1, 0); /* the Gemm's weights follow NHWC order */
        }
        for (int also_output = 0; also_output < 2; also_output++) { /* inside a run; transB=0 */
            ob_model *m = new_model(shapes[s], 4, NULL, 0);
            const char *r[] = {"r"}, *f[] = {"f"}, *in[] = {"f", "w"};
            ob_add_node(m, "Relu", "relu", 1, X, 1, r);
            ob_add_node(m, "Flatten", "flatten", 1, r, 1, f);
            int64_t wd[2] = {C * HW, 7};
            init_rand(m, "w", 2, wd, -0.1f, 0.1f);
            ob_add_node(m, "Gemm", "gemm", 2, in, 1, Y);
            if (also_output) /* read in NCHW order by the caller too: the Flatten stays in C */
                ob_output(m, "f");
            snprintf(label, sizeof label, "Relu>Flatten>Gemm transB=0%s K=%lld", also_output ? " +output" : "",
                     (long long)(C * HW));
            compare(label, m, 1, &shapes[s], rank, 1 + also_output, also_output);
        }
        { /* Gemm transB=0 with alpha and beta on a 2-D input */
            const int64_t ad[1][4] = {{N, C, 0, 0}};
            int r2[1] = {2};
            ob_model *m = new_model(ad[0], 2, NULL, 0);
            int64_t wd[2] = {C, 7}, bd[1] = {7};
            init_rand(m, "w", 2, wd, -1, 1);
            init_rand(m, "b", 1, bd, -1, 1);
            const char *in[] = {"x", "w", "b"};
            ob_node *g = ob_add_node(m, "Gemm", "gemm", 3, in, 1, Y);
            ob_attr_float(g, "alpha", 0.5f);
            ob_attr_float(g, "beta", 2.0f);
            snprintf(label, sizeof label, "Gemm transB=0 alpha .5 beta 2 K=%lld", (long long)C);
            compare(label, m, 1, ad, r2, 1, 0);
            m = new_model(ad[0], 2, NULL, 0);
            ob_node *sm = ob_add_node(m, "Softmax", "softmax", 1, X, 1, Y);
            ob_attr_int(sm, "axis", 1);
            snprintf(label, sizeof label, "Softmax [N,%lld] axis 1", (long long)C);
            compare(label, m, 1, ad, r2, 1, 0);
        }
        { /* Softmax of a 4-D tensor: opset 11 coerces to 2-D at the axis */
            ob_model *m = new_model(shapes[s], 4, NULL, 0);
            ob_node *sm = ob_add_node(m, "Softmax", "softmax", 1, X, 1, Y);
            ob_attr_int(sm, "axis", 1);
            snprintf(label, sizeof label, "Softmax 4-D axis 1 C=%lld", (long long)C);
            compare(label, m, 1, &shapes[s], rank, 1, 1);
        }
        { /* Concat of two activations on the channel axis */
            const int64_t d2[2][4] = {{N, C, shapes[s][2], shapes[s][3]}, {N, 2, shapes[s][2], shapes[s][3]}};
            ob_model *m = new_model(d2[0], 4, d2[1], 4);
            ob_node *n = ob_add_node(m, "Concat", "concat", 2, XX, 1, Y);
            ob_attr_int(n, "axis", 1);
            snprintf(label, sizeof label, "Concat axis 1 C=%lld+2", (long long)C);
            compare(label, m, 2, d2, rank, 1, 1);
        }
        { /* YuNet's head: Conv -> Sigmoid -> Transpose(0,2,3,1) -> Reshape [N,-1,C], with the
             Conv output also a graph output (a tensor crossing an XNNPACK/C boundary twice) */
            ob_model *m = new_model(shapes[s], 4, NULL, 0);
            ob_output(m, "c");
            int64_t wd[4] = {4, C, 1, 1}, shd[1] = {3}, shv[3] = {N, -1, 4};
            init_rand(m, "w", 4, wd, -1, 1);
            ob_init_i64(m, "shape", 1, shd, shv);
            const char *cin[] = {"x", "w"}, *c[] = {"c"}, *sg[] = {"s"}, *tr[] = {"t"}, *rin[] = {"t", "shape"};
            ob_add_node(m, "Conv", "conv", 2, cin, 1, c);
            ob_add_node(m, "Sigmoid", "sig", 1, c, 1, sg);
            ob_node *t = ob_add_node(m, "Transpose", "tr", 1, sg, 1, tr);
            int64_t perm[4] = {0, 2, 3, 1};
            ob_attr_ints(t, "perm", 4, perm);
            ob_add_node(m, "Reshape", "reshape", 2, rin, 1, Y);
            snprintf(label, sizeof label, "Conv>Sigmoid>Transpose>Reshape C=%lld", (long long)C);
            compare(label, m, 1, &shapes[s], rank, 2, 2);
        }
    }
}

/* Known answers: the reference kernels against values computed here by other means. */
static run_result run_ref(ob_model *m, const int64_t *xd, int rank, const float *x)
{
    size_t len;
    uint8_t *bytes = ob_pack(m, &len);
    fl_tensor in = {(float *)x, count_of(rank, xd), rank, {0}};
    memcpy(in.dims, xd, (size_t)rank * sizeof(int64_t));
    run_result r = run_model(bytes, len, FL_BACKEND_REFERENCE, 1, &in, 1);
    free(bytes);
    ob_free(m);
    return r;
}

static void test_known_answers(void)
{
    { /* nearest x2: every pixel becomes a 2x2 block */
        const int64_t xd[4] = {1, 1, 2, 2};
        const float x[4] = {1, 2, 3, 4};
        ob_model *m = new_model(xd, 4, NULL, 0);
        add_resize(m, 2.0f);
        run_result r = run_ref(m, xd, 4, x);
        static const float want[16] = {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4};
        CHECK(r.status == FL_OK && r.count[0] == 16 && memcmp(r.out[0], want, sizeof want) == 0,
              "Resize x2 replicates pixels");
        free_result(&r);
    }
    { /* 3x3 conv with pads [0,0,1,1] and stride 2 against a direct sum written here */
        const int64_t xd[4] = {1, 2, 5, 6}, wd[4] = {3, 2, 3, 3};
        float x[60], w[54];
        fl_test_fill(x, 60, &seed, -1, 1);
        fl_test_fill(w, 54, &seed, -1, 1);
        ob_model *m = new_model(xd, 4, NULL, 0);
        ob_init_f32(m, "w", 4, wd, w);
        const char *in[] = {"x", "w"};
        ob_node *n = ob_add_node(m, "Conv", "c", 2, in, 1, Y);
        int64_t pads[4] = {0, 0, 1, 1}, st[2] = {2, 2};
        ob_attr_ints(n, "pads", 4, pads);
        ob_attr_ints(n, "strides", 2, st);
        run_result r = run_ref(m, xd, 4, x);
        /* out: H = (5+1-3)/2+1 = 2, W = (6+1-3)/2+1 = 3 */
        CHECK(r.status == FL_OK && r.count[0] == 3 * 2 * 3, "conv output is 3x2x3 (got %zu)", r.count[0]);
        double maxd = 0;
        for (int o = 0; o < 3 && r.status == FL_OK; o++)
            for (int oh = 0; oh < 2; oh++)
                for (int ow = 0; ow < 3; ow++) {
                    double acc = 0;
                    for (int c = 0; c < 2; c++)
                        for (int kh = 0; kh < 3; kh++)
                            for (int kw = 0; kw < 3; kw++) {
                                int ih = oh * 2 + kh, iw = ow * 2 + kw; /* top/left pads are 0 */
                                if (ih < 5 && iw < 6)
                                    acc += (double)x[(c * 5 + ih) * 6 + iw] * w[((o * 2 + c) * 3 + kh) * 3 + kw];
                            }
                    maxd = fmax(maxd, fabs(acc - r.out[0][(o * 2 + oh) * 3 + ow]));
                }
        CHECK(maxd < 1e-5, "reference conv vs direct sum: %.3g", maxd);
        free_result(&r);
    }
    { /* channel pad: new channels are zero, old ones untouched */
        const int64_t xd[4] = {1, 2, 2, 2}, pd[1] = {8};
        const float x[8] = {1, 2, 3, 4, 5, 6, 7, 8};
        int64_t pads[8] = {0, 0, 0, 0, 0, 1, 0, 0};
        ob_model *m = new_model(xd, 4, NULL, 0);
        ob_init_i64(m, "pads", 1, pd, pads);
        const char *in[] = {"x", "pads"};
        ob_add_node(m, "Pad", "p", 2, in, 1, Y);
        run_result r = run_ref(m, xd, 4, x);
        static const float want[12] = {1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0};
        CHECK(r.status == FL_OK && r.count[0] == 12 && memcmp(r.out[0], want, sizeof want) == 0, "channel pad");
        free_result(&r);
    }
    { /* max pool and softmax */
        const int64_t xd[4] = {1, 1, 2, 4};
        const float x[8] = {1, 5, 2, 0, 3, 4, -1, 7};
        ob_model *m = new_model(xd, 4, NULL, 0);
        ob_node *n = ob_add_node(m, "MaxPool", "p", 1, X, 1, Y);
        int64_t k[2] = {2, 2};
        ob_attr_ints(n, "kernel_shape", 2, k);
        ob_attr_ints(n, "strides", 2, k);
        run_result r = run_ref(m, xd, 4, x);
        CHECK(r.status == FL_OK && r.count[0] == 2 && r.out[0][0] == 5 && r.out[0][1] == 7, "max pool");
        free_result(&r);
        const int64_t sd[2] = {1, 3};
        const float s[3] = {0, 1, 2};
        m = new_model(sd, 2, NULL, 0);
        ob_add_node(m, "Softmax", "s", 1, X, 1, Y);
        r = run_ref(m, sd, 2, s);
        double e = exp(0) + exp(1) + exp(2);
        CHECK(r.status == FL_OK && fabs(r.out[0][2] - exp(2) / e) < 1e-6, "softmax");
        free_result(&r);
    }
}

int main(void)
{
    test_known_answers();
    test_conv();
    test_nhwc_chain();
    test_nhwc_first_conv();
    test_nhwc_conv_pool_relu();
    test_pipeline_builds();
    test_head_groups();
    test_unary_and_binary();
    test_portable_epilogues();
    test_pool_pad_resize();
    test_layout_ops();
    TEST_MAIN_END();
}
