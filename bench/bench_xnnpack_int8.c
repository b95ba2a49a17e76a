/*
 * bench_xnnpack_int8: what Debian 12's XNNPACK (2022-02) gives in 8 bits to the models of issue 24's
 * goal, before any of it goes into the library (issue 24's int8 item, "XNNPACK's quantized
 * operators"). Every Conv node of each model, at the input size given, runs as XNNPACK's float
 * convolution and as its int8 one (qc8: the model's weights quantized per output channel, input and
 * output per tensor), the two alternating, RUNS times each; per model the sums of the medians, in
 * all and by kind (1x1, depthwise, other).
 *
 * The sum is the most XNNPACK's int8 could give: the PReLUs, adds and poolings between the
 * convolutions stay float (this XNNPACK has no 8-bit PReLU) and the conversions between float and
 * int8 are not counted. To show each int8 operator computes what its float twin does, both run on
 * the same input (uniform in [-1, 1], exact in 8 bits) and the largest difference, relative to the
 * float output's range, is reported. Prints a table, then one JSON line.
 * usage: bench_xnnpack_int8 MODELS_DIR RUNS FILE[:HxW]...   (HxW: the size of a symbolic input)
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xnnpack.h>

#include "app/timing.h"
#include "common/error.h"
#include "common/file.h"
#include "nn/onnx_load.h"
#include "nn/shape_infer.h"

#define MAX_MODEL_BYTES (64u << 20)
#define IN_SCALE (1.0f / 127.0f) /* the input is k / 127, k in -127..127 */

enum { KIND_POINTWISE, KIND_DEPTHWISE, KIND_OTHER, N_KINDS };
static const char *const KIND_NAME[N_KINDS] = {"pointwise", "depthwise", "other"};

typedef struct conv_case {
    int h, w, cin, cout, groups, kh, kw, kind;
    const fl_node *node;
    const fl_graph *g;
    size_t out_pixels;
} conv_case;

typedef struct sums {
    int convs;
    double float_ms[N_KINDS], int8_ms[N_KINDS];
    double max_rel_err;
} sums;

/* Buffers of one convolution in both forms. */
typedef struct conv_pair {
    xnn_operator_t f32, qc8;
    float *x, *y, *w_ohwi, *kscale;
    int8_t *qx, *qy, *qw;
    int32_t *qbias;
} conv_pair;

static void pair_free(conv_pair *p)
{
    if (p->f32)
        xnn_delete_operator(p->f32);
    if (p->qc8)
        xnn_delete_operator(p->qc8);
    free(p->x), free(p->y), free(p->w_ohwi), free(p->kscale), free(p->qx), free(p->qy), free(p->qw), free(p->qbias);
}

/* ONNX's [cout][cin/groups][kh][kw] as XNNPACK's [cout][kh][kw][cin/groups]. */
static void to_ohwi(const conv_case *c, const float *w, float *out)
{
    const int gi = c->cin / c->groups, k = c->kh * c->kw;
    for (int o = 0; o < c->cout; o++)
        for (int i = 0; i < gi; i++)
            for (int t = 0; t < k; t++)
                out[((size_t)o * k + t) * gi + i] = w[((size_t)o * gi + i) * k + t];
}

/* Per output channel: scale = its largest |weight| / 127, weights rounded to that grid. */
static void quantize_weights(const conv_case *c, conv_pair *p)
{
    const size_t per = (size_t)(c->cin / c->groups) * c->kh * c->kw;
    for (int o = 0; o < c->cout; o++) {
        float m = 0;
        for (size_t j = 0; j < per; j++)
            m = fmaxf(m, fabsf(p->w_ohwi[o * per + j]));
        p->kscale[o] = m > 0 ? m / 127.0f : 1.0f;
        for (size_t j = 0; j < per; j++)
            p->qw[o * per + j] = (int8_t)lrintf(p->w_ohwi[o * per + j] / p->kscale[o]);
    }
}

static const float *conv_bias(const conv_case *c)
{
    const fl_node *n = c->node;
    return n->n_inputs > 2 && n->inputs[2] >= 0 ? (const float *)c->g->tensors[n->inputs[2]].data : NULL;
}

static int create_f32(const conv_case *c, conv_pair *p)
{
    const fl_conv_attr *a = &c->node->attr.conv;
    float *zero = calloc((size_t)c->cout, sizeof(float));
    const float *b = conv_bias(c);
    enum xnn_status st = xnn_create_convolution2d_nhwc_f32(
        (uint32_t)a->pads[0], (uint32_t)a->pads[3], (uint32_t)a->pads[2], (uint32_t)a->pads[1], (uint32_t)c->kh,
        (uint32_t)c->kw, (uint32_t)a->strides[0], (uint32_t)a->strides[1], (uint32_t)a->dilations[0],
        (uint32_t)a->dilations[1], (uint32_t)c->groups, (size_t)(c->cin / c->groups), (size_t)(c->cout / c->groups),
        (size_t)c->cin, (size_t)c->cout, p->w_ohwi, b ? b : zero, -INFINITY, INFINITY, 0, &p->f32);
    free(zero);
    return st == xnn_status_success ? 0 : -1;
}

/* The output's scale from the float result on the same input, so the int8 one uses its range. */
static int create_qc8(const conv_case *c, conv_pair *p, float out_scale)
{
    const fl_conv_attr *a = &c->node->attr.conv;
    const float *b = conv_bias(c);
    for (int o = 0; o < c->cout; o++)
        p->qbias[o] = b ? (int32_t)lrintf(b[o] / (IN_SCALE * p->kscale[o])) : 0;
    enum xnn_status st = xnn_create_convolution2d_nhwc_qc8(
        (uint32_t)a->pads[0], (uint32_t)a->pads[3], (uint32_t)a->pads[2], (uint32_t)a->pads[1], (uint32_t)c->kh,
        (uint32_t)c->kw, (uint32_t)a->strides[0], (uint32_t)a->strides[1], (uint32_t)a->dilations[0],
        (uint32_t)a->dilations[1], (uint32_t)c->groups, (size_t)(c->cin / c->groups), (size_t)(c->cout / c->groups),
        (size_t)c->cin, (size_t)c->cout, 0, IN_SCALE, p->kscale, p->qw, p->qbias, 0, out_scale, -128, 127, 0,
        &p->qc8);
    return st == xnn_status_success ? 0 : -1;
}

static int allocate(const conv_case *c, conv_pair *p)
{
    const size_t in = (size_t)c->h * c->w * c->cin, out = c->out_pixels * c->cout;
    const size_t wn = (size_t)c->cout * (c->cin / c->groups) * c->kh * c->kw;
    /* XNNPACK may read a few bytes past a row's channels */
    p->x = malloc((in + 64) * sizeof(float)), p->qx = malloc(in + 64);
    p->y = malloc(out * sizeof(float)), p->qy = malloc(out);
    p->w_ohwi = malloc(wn * sizeof(float)), p->qw = malloc(wn);
    p->kscale = malloc((size_t)c->cout * sizeof(float)), p->qbias = malloc((size_t)c->cout * sizeof(int32_t));
    if (!p->x || !p->qx || !p->y || !p->qy || !p->w_ohwi || !p->qw || !p->kscale || !p->qbias)
        return -1;
    uint32_t seed = 12345;
    for (size_t i = 0; i < in + 64; i++) {
        seed = seed * 1664525u + 1013904223u;
        p->qx[i] = (int8_t)((int)(seed >> 24) % 255 - 127);
        p->x[i] = (float)p->qx[i] * IN_SCALE;
    }
    return 0;
}

static double run_ms(xnn_operator_t op)
{
    double t = fl_now_ms();
    xnn_run_operator(op, NULL);
    return fl_now_ms() - t;
}

static double rel_err(const conv_case *c, const conv_pair *p, float out_scale)
{
    const size_t n = c->out_pixels * c->cout;
    float lo = INFINITY, hi = -INFINITY, e = 0;
    for (size_t i = 0; i < n; i++) {
        lo = fminf(lo, p->y[i]), hi = fmaxf(hi, p->y[i]);
        e = fmaxf(e, fabsf(p->y[i] - (float)p->qy[i] * out_scale));
    }
    return hi > lo ? e / (hi - lo) : 0;
}

static float output_scale(const conv_case *c, const conv_pair *p)
{
    float m = 0;
    for (size_t i = 0; i < c->out_pixels * c->cout; i++)
        m = fmaxf(m, fabsf(p->y[i]));
    return m > 0 ? m / 127.0f : 1.0f;
}

/* Both forms of c created, set up and run once (the float one gives the int8 one its output scale). */
static int set_up(const conv_case *c, conv_pair *p, float *out_scale)
{
    const fl_graph_tensor *wt = &c->g->tensors[c->node->inputs[1]];
    if (!wt->data || wt->rank != 4 || c->groups < 1 || c->cin % c->groups || c->cout % c->groups ||
        wt->count != (size_t)c->cout * (size_t)(c->cin / c->groups) * (size_t)(c->kh * c->kw) || allocate(c, p))
        return -1; /* weights computed at run time, or not the shape the node says */
    const size_t h = (size_t)c->h, w = (size_t)c->w;
    to_ohwi(c, (const float *)wt->data, p->w_ohwi);
    quantize_weights(c, p);
    if (create_f32(c, p) || xnn_setup_convolution2d_nhwc_f32(p->f32, 1, h, w, p->x, p->y, NULL) ||
        xnn_run_operator(p->f32, NULL))
        return -1;
    *out_scale = output_scale(c, p);
    if (create_qc8(c, p, *out_scale) || xnn_setup_convolution2d_nhwc_qc8(p->qc8, 1, h, w, p->qx, p->qy, NULL) ||
        xnn_run_operator(p->qc8, NULL))
        return -1;
    return 0;
}

/* One convolution: both forms' medians of `runs` alternating runs added to s. */
static int measure(const conv_case *c, int runs, sums *s, double *tf, double *tq)
{
    conv_pair p = {0};
    float out_scale = 1;
    if (set_up(c, &p, &out_scale)) {
        pair_free(&p);
        return -1;
    }
    for (int r = 0; r < runs; r++) { /* the float one first in even runs, second in odd ones */
        if (r & 1) {
            tq[r] = run_ms(p.qc8);
            tf[r] = run_ms(p.f32);
        } else {
            tf[r] = run_ms(p.f32);
            tq[r] = run_ms(p.qc8);
        }
    }
    s->float_ms[c->kind] += fl_quantile(tf, (size_t)runs, 0.5);
    s->int8_ms[c->kind] += fl_quantile(tq, (size_t)runs, 0.5);
    s->max_rel_err = fmax(s->max_rel_err, rel_err(c, &p, out_scale));
    s->convs++;
    pair_free(&p);
    return 0;
}

/* The Conv node n of g as a case, from its inferred input and output shapes (N = 1, N,C,H,W). */
static conv_case conv_of(const fl_graph *g, const fl_shapes *sh, const fl_node *n)
{
    const fl_tshape *x = &sh->t[n->inputs[0]], *y = &sh->t[n->outputs[0]];
    const fl_conv_attr *a = &n->attr.conv;
    conv_case c = {(int)x->dims[2], (int)x->dims[3], (int)x->dims[1], (int)y->dims[1], (int)a->group,
                   (int)a->kernel[0], (int)a->kernel[1], KIND_OTHER, n, g, (size_t)(y->dims[2] * y->dims[3])};
    if (c.groups > 1 && c.groups == c.cin)
        c.kind = KIND_DEPTHWISE;
    else if (c.groups == 1 && c.kh == 1 && c.kw == 1)
        c.kind = KIND_POINTWISE;
    return c;
}

/* The graph's input as [1,3,H,W]: its own dims, a symbolic H or W taken from the argument. */
static int input_of(const fl_graph *g, int h, int w, fl_tensor *t)
{
    const fl_graph_tensor *in = &g->tensors[g->inputs[0]];
    if (g->n_inputs != 1 || in->rank != 4)
        return -1;
    memset(t, 0, sizeof *t);
    t->rank = 4;
    for (int i = 0; i < 4; i++)
        t->dims[i] = in->dims[i] >= 0 ? in->dims[i] : i == 0 ? 1 : i == 2 ? h : i == 3 ? w : -1;
    return t->dims[1] > 0 && t->dims[2] > 0 && t->dims[3] > 0 ? 0 : -1;
}

static int bench_model(const char *dir, const char *arg, int runs, sums *s, char *size, size_t size_len)
{
    char file[512];
    int h = 0, w = 0;
    const char *colon = strchr(arg, ':');
    snprintf(file, sizeof file, "%s/%.*s", dir, colon ? (int)(colon - arg) : (int)strlen(arg), arg);
    if (colon && sscanf(colon + 1, "%dx%d", &h, &w) != 2) {
        fprintf(stderr, "%s: the size after ':' is HxW\n", arg);
        return -1;
    }
    void *bytes = NULL;
    size_t n = 0;
    fl_graph *g = NULL;
    fl_shapes sh = {0};
    fl_tensor in;
    fl_error err;
    double *tf = malloc((size_t)runs * sizeof(double)), *tq = malloc((size_t)runs * sizeof(double));
    int rc = -1;
    if (!tf || !tq || fl__read_file(file, MAX_MODEL_BYTES, &bytes, &n, &err) || fl__onnx_load(bytes, n, &g, &err))
        fprintf(stderr, "%s: %s\n", file, tf && tq ? err.detail : "out of memory");
    else if (input_of(g, h, w, &in))
        fprintf(stderr, "%s: not one [1,3,H,W] input; give HxW for a symbolic size\n", file);
    else if (fl__shapes_infer(g, &in, 1, &sh, &err))
        fprintf(stderr, "%s: %s\n", file, err.detail);
    else {
        snprintf(size, size_len, "%dx%d", (int)in.dims[2], (int)in.dims[3]);
        rc = 0;
        for (int i = 0; i < g->n_nodes && !rc; i++)
            if (g->nodes[i].op == FL_OP_CONV) {
                conv_case c = conv_of(g, &sh, &g->nodes[i]);
                if ((rc = measure(&c, runs, s, tf, tq)))
                    fprintf(stderr, "%s: %s: could not set up the convolution (weights not constant, out "
                            "of memory, or XNNPACK refused it)\n", file, g->nodes[i].name);
            }
    }
    fl__shapes_free(&sh);
    if (g)
        fl__graph_free(g);
    free(bytes), free(tf), free(tq);
    return rc;
}

static void print_row(const char *file, const char *size, const sums *s)
{
    double f = 0, q = 0;
    for (int k = 0; k < N_KINDS; k++)
        f += s->float_ms[k], q += s->int8_ms[k];
    printf("%-32s %-8s %5d %9.4f %9.4f %7.2f", file, size, s->convs, f, q, f > 0 ? q / f : 0);
    for (int k = 0; k < N_KINDS; k++)
        printf(" %7.2f", s->float_ms[k] > 0 ? s->int8_ms[k] / s->float_ms[k] : 0);
    printf(" %9.2g\n", s->max_rel_err);
}

static void print_json(const char *file, const char *size, const sums *s, int first)
{
    double f = 0, q = 0;
    for (int k = 0; k < N_KINDS; k++)
        f += s->float_ms[k], q += s->int8_ms[k];
    printf("%s\"%s\": {\"input\": \"%s\", \"convs\": %d, \"float_ms\": %.4f, \"int8_ms\": %.4f, \"ratio\": %.3f, "
           "\"max_rel_err\": %.3g",
           first ? "" : ", ", file, size, s->convs, f, q, f > 0 ? q / f : 0, s->max_rel_err);
    for (int k = 0; k < N_KINDS; k++)
        printf(", \"%s\": {\"float_ms\": %.4f, \"int8_ms\": %.4f}", KIND_NAME[k], s->float_ms[k], s->int8_ms[k]);
    printf("}");
}

int main(int argc, char **argv)
{
    const int runs = argc > 2 ? atoi(argv[2]) : 0;
    if (argc < 4 || runs < 1 || runs > 100000) {
        fprintf(stderr, "usage: bench_xnnpack_int8 MODELS_DIR RUNS (1..100000) FILE[:HxW]...\n");
        return 2;
    }
    if (xnn_initialize(NULL) != xnn_status_success) {
        fprintf(stderr, "XNNPACK does not run on this CPU\n");
        return 1;
    }
    const int n = argc - 3;
    sums *s = calloc((size_t)n, sizeof *s);
    char(*size)[32] = calloc((size_t)n, sizeof *size);
    if (!s || !size)
        return 1;
    printf("every Conv as XNNPACK's float and int8 (qc8) operator, one thread, sums of medians of %d runs\n", runs);
    printf("%-32s %-8s %5s %9s %9s %7s %7s %7s %7s %9s\n", "model", "input", "convs", "float ms", "int8 ms", "ratio",
           "1x1", "dw", "other", "max err");
    for (int i = 0; i < n; i++) {
        if (bench_model(argv[1], argv[3 + i], runs, &s[i], size[i], sizeof size[i])) {
            free(s), free(size);
            return 1;
        }
        print_row(argv[3 + i], size[i], &s[i]);
    }
    printf("{\"runs\": %d, \"models\": {", runs);
    for (int i = 0; i < n; i++) {
        char file[256];
        snprintf(file, sizeof file, "%.*s", (int)strcspn(argv[3 + i], ":"), argv[3 + i]);
        print_json(file, size[i], &s[i], i == 0);
    }
    printf("}}\n");
    free(s), free(size);
    return 0;
}
