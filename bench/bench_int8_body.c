/*
 * bench_int8_body: whether an 8-bit pipeline of facelive's own could halve an anti-spoof model, before
 * one is built (issue 24's int8 item; docs/cost.md). The body of a MiniFASNet (every node from the
 * first 1x1 convolution after the stem to the input of the 5x5 head: 1x1 and 3x3 depthwise
 * convolutions, PReLUs and residual adds) runs two ways:
 *   - float, as XNNPACK runs it: its float convolution, PReLU and add operators in the graph's order;
 *   - 8-bit, a prototype on AVX-512 VNNI: every map kept in 8 bits (zero point 128, one scale per
 *     tensor), 1x1 convolutions as u8 x s8 dot products (weights per output channel), depthwise ones in
 *     float arithmetic on the 8-bit maps, each PReLU fused into its convolution's requantization.
 * The tensors' scales are calibrated on the first CALIB crops (each tensor's largest magnitude in the
 * library's reference backend); the other crops are judged: the model's real-class probability with
 * the 8-bit body (stem and head in float) against the float model's. Times are on the first crop, the
 * two ways alternating, medians of RUNS. Prints a table, then one JSON line; {"vnni": false} on a CPU
 * without AVX-512 VNNI.
 * usage: bench_int8_body MODEL.onnx REAL_CLASS RUNS CALIB CROP... (80x80 crops as the runtime cuts them)
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xnnpack.h>

#include "app/timing.h"
#include "common/file.h"
#include "facelive/image.h"
#include "nn/onnx_load.h"
#include "nn/ref_kernels.h"
#include "nn/shape_infer.h"
#include "nn/tensor_util.h"

#include "vnni.h"

#ifdef HAVE_VNNI_BUILD /* the whole study; elsewhere it only says so */
#define SIDE 80
#define MAX_OPS 160
#define ALIGN16(c) (((c) + 15) / 16 * 16)

typedef enum op_kind { OP_POINTWISE, OP_DEPTHWISE, OP_ADD } op_kind;

/* One tensor of the body: float NHWC (c channels) and 8-bit NHWC (cs >= c channels, the rest 0). */
typedef struct map {
    int h, w, c, cs;
    float *f;       /* XNNPACK's float map (the body's input: the reference backend's) */
    uint8_t *q;
    float scale;    /* value = (q - 128) * scale */
} map;

typedef struct op {
    op_kind kind;
    int x, x2, y;       /* map indices (x2: the add's second input) */
    int stride;         /* depthwise: 3x3 with 1 pixel of padding on every side */
    const float *w, *b, *slope; /* ONNX layouts; slope NULL: no PReLU */
    int has_prelu;
    /* 8-bit: pointwise weights [cs_in / 4][cs_out][4] with per-channel scales; depthwise
     * weights [9][cs] in float (pre-multiplied by the input's scale) */
    int8_t *qw;
    float *wscale, *dww, *bias, *slopes; /* [cs_out] each, zero padded */
    int32_t *zero_fix;                   /* -128 x the sum of each output channel's weights */
    xnn_operator_t conv, prelu, add;     /* the float way */
    float *tmp;                          /* the float convolution's output before its PReLU */
} op;

typedef struct body {
    fl_graph *g;
    fl_shapes s;
    int *tmap;        /* graph tensor -> map, or -1 */
    int last;         /* the head's first node (its input is the body's output) */
    float **buf;      /* the reference backend's tensors (NCHW) */
    float *out_ref;   /* the body's output on the timed crop, from the reference backend (NHWC) */
    map m[MAX_OPS + 1];
    op o[MAX_OPS];
    int n_maps, n_ops;
} body;

/* ---- the body, read from the graph --------------------------------------------------------- */

static int add_map(body *B, const fl_tshape *t)
{
    if (B->n_maps > MAX_OPS || t->rank != 4 || t->dims[0] != 1)
        return -1;
    map *m = &B->m[B->n_maps];
    m->c = (int)t->dims[1], m->h = (int)t->dims[2], m->w = (int)t->dims[3], m->cs = ALIGN16(m->c);
    const size_t px = (size_t)m->h * m->w;
    m->f = calloc(px * m->c, sizeof(float));
    m->q = malloc(px * m->cs);
    if (!m->f || !m->q)
        return -1;
    memset(m->q, 128, px * m->cs);
    return B->n_maps++;
}

/* The node that alone reads tensor t and is a PRelu, or -1. */
static int sole_prelu_reader(const fl_graph *g, int t)
{
    int found = -1, readers = 0;
    for (int i = 0; i < g->n_nodes; i++)
        for (int k = 0; k < g->nodes[i].n_inputs; k++)
            if (g->nodes[i].inputs[k] == t) {
                readers++;
                found = g->nodes[i].op == FL_OP_PRELU && k == 0 ? i : -1;
            }
    return readers == 1 ? found : -1;
}

static const float *tensor_data(const fl_graph *g, int t)
{
    return t >= 0 && g->tensors[t].data ? (const float *)g->tensors[t].data : NULL;
}

/* Node n as an op of the body (a Conv takes along the PRelu that alone reads it, which in these
 * models is the next node); *skip: the PRelu node taken. A PRelu met alone is not supported. */
static int add_op(body *B, const fl_graph *g, const fl_shapes *s, int *tmap, int n, int *skip)
{
    const fl_node *nd = &g->nodes[n];
    op *o = &B->o[B->n_ops];
    memset(o, 0, sizeof *o);
    *skip = -1;
    if (B->n_ops >= MAX_OPS || tmap[nd->inputs[0]] < 0)
        return -1;
    o->x = tmap[nd->inputs[0]];
    int out = nd->outputs[0];
    if (nd->op == FL_OP_ADD) {
        if (tmap[nd->inputs[1]] < 0)
            return -1;
        o->kind = OP_ADD, o->x2 = tmap[nd->inputs[1]];
    } else if (nd->op == FL_OP_CONV) {
        const fl_conv_attr *a = &nd->attr.conv;
        const int64_t cin = s->t[nd->inputs[0]].dims[1], cout = s->t[out].dims[1];
        const int pads = (int)(a->pads[0] + a->pads[1] + a->pads[2] + a->pads[3]);
        const int square = a->strides[0] == a->strides[1] && a->dilations[0] == 1 && a->dilations[1] == 1;
        if (a->kernel[0] == 1 && a->kernel[1] == 1 && a->group == 1 && a->strides[0] == 1 && square && pads == 0)
            o->kind = OP_POINTWISE;
        else if (a->kernel[0] == 3 && a->kernel[1] == 3 && a->group == cin && cout == cin && square && pads == 4 &&
                 a->pads[0] == 1 && a->pads[1] == 1)
            o->kind = OP_DEPTHWISE, o->stride = (int)a->strides[0];
        else
            return -1;
        o->w = tensor_data(g, nd->inputs[1]);
        o->b = nd->n_inputs > 2 ? tensor_data(g, nd->inputs[2]) : NULL;
        const int pr = sole_prelu_reader(g, out);
        if (pr >= 0) {
            o->slope = tensor_data(g, g->nodes[pr].inputs[1]);
            o->has_prelu = 1;
            out = g->nodes[pr].outputs[0];
            *skip = pr;
        }
        if (!o->w || (o->has_prelu && (!o->slope || g->tensors[g->nodes[pr].inputs[1]].count != (size_t)cout)))
            return -1;
    } else {
        return -1;
    }
    if ((o->y = tmap[out] = add_map(B, &s->t[out])) < 0)
        return -1;
    B->n_ops++;
    return 0;
}

/* The body: from the first 1x1 convolution to the input of the first 5x5 one (*last). */
static int read_body(body *B, const fl_graph *g, const fl_shapes *s, int *tmap, int *last)
{
    int first = -1;
    *last = -1;
    for (int i = 0; i < g->n_nodes && *last < 0; i++) {
        const fl_node *n = &g->nodes[i];
        if (n->op != FL_OP_CONV)
            continue;
        if (first < 0 && n->attr.conv.kernel[0] == 1 && n->attr.conv.group == 1)
            first = i;
        if (first >= 0 && n->attr.conv.kernel[0] == 5)
            *last = i;
    }
    if (first < 0 || *last < 0)
        return -1;
    const int in = g->nodes[first].inputs[0];
    if ((tmap[in] = add_map(B, &s->t[in])) < 0)
        return -1;
    int skip = -1;
    for (int i = first; i < *last; i++)
        if (i != skip && add_op(B, g, s, tmap, i, &skip))
            return -1;
    return tmap[g->nodes[*last].inputs[0]] == B->n_maps - 1 ? 0 : -1;
}

/* ---- the reference: the library's reference kernels, NCHW ------------------------------------ */

static int bufs_alloc(body *B)
{
    const fl_graph *g = B->g;
    if (!(B->buf = calloc((size_t)g->n_tensors, sizeof(float *))))
        return -1;
    for (int t = 0; t < g->n_tensors; t++) {
        B->buf[t] = g->tensors[t].data ? (float *)g->tensors[t].data : malloc(B->s.t[t].count * sizeof(float) + 1);
        if (!B->buf[t])
            return -1;
    }
    return 0;
}

static void bufs_free(body *B)
{
    for (int t = 0; B->buf && t < B->g->n_tensors; t++)
        if (!B->g->tensors[t].data)
            free(B->buf[t]);
    free(B->buf);
}

static void body_free(body *B)
{
    for (int i = 0; i < B->n_ops; i++) {
        op *o = &B->o[i];
        xnn_operator_t ops[3] = {o->conv, o->prelu, o->add};
        for (int k = 0; k < 3; k++)
            if (ops[k])
                xnn_delete_operator(ops[k]);
        free(o->qw), free(o->wscale), free(o->dww), free(o->bias), free(o->slopes), free(o->zero_fix), free(o->tmp);
    }
    for (int i = 0; i < B->n_maps; i++)
        free(B->m[i].f), free(B->m[i].q);
    free(B->out_ref);
    if (B->g)
        bufs_free(B);
    fl__shapes_free(&B->s);
    if (B->g)
        fl__graph_free(B->g);
    free(B->tmap);
}

static void forward(body *B, int from, int to)
{
    for (int i = from; i < to; i++)
        fl__ref_node(B->g, &B->s, &B->g->nodes[i], B->buf);
}

/* The real class's probability of the graph's output (logits, softmax taken here). */
static double real_probability(const body *B, int real_class)
{
    const int t = B->g->outputs[0];
    const size_t k = B->s.t[t].count;
    const float *v = B->buf[t];
    double mx = v[0], sum = 0;
    for (size_t i = 1; i < k; i++)
        mx = fmax(mx, v[i]);
    for (size_t i = 0; i < k; i++)
        sum += exp(v[i] - mx);
    return exp(v[real_class] - mx) / sum;
}

/* Every map's scale: its largest magnitude over the crops so far, / 127 (the reference just ran). */
static void calibrate(body *B)
{
    for (int t = 0; t < B->g->n_tensors; t++) {
        if (B->tmap[t] < 0)
            continue;
        map *m = &B->m[B->tmap[t]];
        float mx = m->scale * 127.0f;
        for (size_t k = 0; k < B->s.t[t].count; k++)
            mx = fmaxf(mx, fabsf(B->buf[t][k]));
        m->scale = mx > 0 ? mx / 127.0f : 1.0f / 127.0f;
    }
}

/* ---- the 8-bit way -------------------------------------------------------------------------- */

static int pack_op(body *B, op *o)
{
    const map *x = &B->m[o->x], *y = &B->m[o->y];
    const int cs = y->cs, co = y->c;
    o->bias = calloc((size_t)cs, sizeof(float)), o->slopes = calloc((size_t)cs, sizeof(float));
    o->wscale = calloc((size_t)cs, sizeof(float)), o->zero_fix = calloc((size_t)cs, sizeof(int32_t));
    if (!o->bias || !o->slopes || !o->wscale || !o->zero_fix)
        return -1;
    for (int c = 0; c < co; c++) {
        o->bias[c] = o->b ? o->b[c] : 0;
        o->slopes[c] = o->has_prelu ? o->slope[c] : 1;
    }
    if (o->kind == OP_DEPTHWISE) { /* [9][cs], times the input's scale */
        if (!(o->dww = calloc((size_t)9 * cs, sizeof(float))))
            return -1;
        for (int c = 0; c < co; c++)
            for (int k = 0; k < 9; k++)
                o->dww[(size_t)k * cs + c] = o->w[(size_t)c * 9 + k] * x->scale;
    } else if (o->kind == OP_POINTWISE) { /* [x->cs / 4][cs][4], per output channel scales */
        const int ci = x->c;
        if (!(o->qw = calloc((size_t)x->cs * cs, 1)))
            return -1;
        for (int c = 0; c < co; c++) {
            float m = 0;
            for (int i = 0; i < ci; i++)
                m = fmaxf(m, fabsf(o->w[(size_t)c * ci + i]));
            o->wscale[c] = (m > 0 ? m / 127.0f : 1.0f) * x->scale;
            int32_t sum = 0;
            for (int i = 0; i < ci; i++) {
                const int8_t q = (int8_t)lrintf(o->w[(size_t)c * ci + i] / (m > 0 ? m / 127.0f : 1.0f));
                o->qw[((size_t)(i / 4) * cs + c) * 4 + i % 4] = q;
                sum += q;
            }
            o->zero_fix[c] = -128 * sum;
        }
    }
    return 0;
}

static void quantize_map(map *m)
{
    const float inv = 1.0f / m->scale;
    for (int p = 0; p < m->h * m->w; p++)
        for (int c = 0; c < m->c; c++) {
            const long v = lrintf(m->f[(size_t)p * m->c + c] * inv) + 128;
            m->q[(size_t)p * m->cs + c] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
}

#define VNNI_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))
#define VNNI VNNI_TARGET __attribute__((always_inline)) static inline

/* y (float, before the PReLU) of 16 channels from c0 as 8 bits of the output's scale. */
VNNI __m128i requantize(__m512 y, const op *o, int c0, __m512 inv)
{
    const __m512 zero = _mm512_setzero_ps();
    y = _mm512_add_ps(_mm512_max_ps(y, zero), _mm512_mul_ps(_mm512_min_ps(y, zero), _mm512_loadu_ps(o->slopes + c0)));
    __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(y, inv)), _mm512_set1_epi32(128));
    q = _mm512_min_epi32(_mm512_max_epi32(q, _mm512_setzero_si512()), _mm512_set1_epi32(255));
    return _mm512_cvtepi32_epi8(q);
}

/* P pixels x J vectors of 16 output channels from c0: per four input channels J weight loads and P
 * broadcasts make P x J x 64 multiply-adds. */
#define DEFINE_PW_TILE(P, J)                                                                        \
    VNNI void pw_tile_##P##_##J(const op *o, const map *x, const map *y, int p0, int c0)           \
    {                                                                                               \
        __m512i acc[P][J];                                                                          \
        for (int j = 0; j < (J); j++) {                                                             \
            const __m512i z = _mm512_loadu_si512(o->zero_fix + c0 + 16 * j);                       \
            for (int i = 0; i < (P); i++)                                                           \
                acc[i][j] = z;                                                                      \
        }                                                                                           \
        const uint8_t *xp = x->q + (size_t)p0 * x->cs;                                              \
        const int8_t *wp = o->qw + (size_t)c0 * 4;                                                  \
        for (int g = 0; g < x->cs / 4; g++, wp += (size_t)y->cs * 4) {                              \
            __m512i wv[J];                                                                          \
            for (int j = 0; j < (J); j++)                                                           \
                wv[j] = _mm512_loadu_si512(wp + 64 * j);                                            \
            for (int i = 0; i < (P); i++) {                                                         \
                int32_t four;                                                                       \
                memcpy(&four, xp + (size_t)i * x->cs + 4 * (size_t)g, 4);                           \
                const __m512i xv = _mm512_set1_epi32(four);                                         \
                for (int j = 0; j < (J); j++)                                                       \
                    acc[i][j] = _mm512_dpbusd_epi32(acc[i][j], xv, wv[j]);                          \
            }                                                                                       \
        }                                                                                           \
        const __m512 inv = _mm512_set1_ps(1.0f / y->scale);                                         \
        for (int j = 0; j < (J); j++) {                                                             \
            const int c = c0 + 16 * j;                                                              \
            const __m512 ws = _mm512_loadu_ps(o->wscale + c), b = _mm512_loadu_ps(o->bias + c);     \
            for (int i = 0; i < (P); i++)                                                           \
                _mm_storeu_si128((__m128i *)(y->q + (size_t)(p0 + i) * y->cs + c),                  \
                                 requantize(_mm512_fmadd_ps(_mm512_cvtepi32_ps(acc[i][j]), ws, b), o, c, inv)); \
        }                                                                                           \
    }
DEFINE_PW_TILE(4, 2)
DEFINE_PW_TILE(4, 1)
DEFINE_PW_TILE(1, 2)
DEFINE_PW_TILE(1, 1)

VNNI_TARGET static void pw8(const op *o, const map *x, const map *y)
{
    const int n = y->h * y->w;
    for (int c0 = 0; c0 < y->cs; c0 += 32) {
        const int two = y->cs - c0 >= 32;
        int p = 0;
        for (; p + 4 <= n; p += 4)
            two ? pw_tile_4_2(o, x, y, p, c0) : pw_tile_4_1(o, x, y, p, c0);
        for (; p < n; p++)
            two ? pw_tile_1_2(o, x, y, p, c0) : pw_tile_1_1(o, x, y, p, c0);
    }
}

/* 3x3 depthwise, pad 1: float arithmetic on the 8-bit map, 16 channels at a time. */
VNNI_TARGET static void dw8(const op *o, const map *x, const map *y)
{
    const __m512 inv = _mm512_set1_ps(1.0f / y->scale), off = _mm512_set1_ps(128.0f);
    for (int oy = 0; oy < y->h; oy++)
        for (int ox = 0; ox < y->w; ox++) {
            const int iy0 = oy * o->stride - 1, ix0 = ox * o->stride - 1; /* the taps inside the map: */
            const int ky0 = iy0 < 0 ? -iy0 : 0, ky1 = iy0 + 3 > x->h ? x->h - iy0 : 3;
            const int kx0 = ix0 < 0 ? -ix0 : 0, kx1 = ix0 + 3 > x->w ? x->w - ix0 : 3;
            for (int c0 = 0; c0 < y->cs; c0 += 16) {
                __m512 acc = _mm512_loadu_ps(o->bias + c0);
                for (int ky = ky0; ky < ky1; ky++)
                    for (int kx = kx0; kx < kx1; kx++) {
                        const uint8_t *xp = x->q + ((size_t)(iy0 + ky) * x->w + (size_t)(ix0 + kx)) * x->cs + c0;
                        const __m512i q = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)xp));
                        acc = _mm512_fmadd_ps(_mm512_sub_ps(_mm512_cvtepi32_ps(q), off),
                                              _mm512_loadu_ps(o->dww + (size_t)(ky * 3 + kx) * y->cs + c0), acc);
                    }
                uint8_t *yp = y->q + ((size_t)oy * y->w + ox) * y->cs + c0;
                _mm_storeu_si128((__m128i *)yp, requantize(acc, o, c0, inv));
            }
        }
}

VNNI_TARGET static void add8(const op *o, const map *a, const map *b, const map *y)
{
    const __m512 sa = _mm512_set1_ps(a->scale), sb = _mm512_set1_ps(b->scale), off = _mm512_set1_ps(128.0f);
    const __m512 inv = _mm512_set1_ps(1.0f / y->scale);
    for (size_t k = 0; k < (size_t)y->h * y->w * y->cs; k += 16) {
        const __m512 va = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(a->q + k))));
        const __m512 vb = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(b->q + k))));
        const __m512 v = _mm512_fmadd_ps(_mm512_sub_ps(va, off), sa, _mm512_mul_ps(_mm512_sub_ps(vb, off), sb));
        __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(v, inv)), _mm512_set1_epi32(128));
        q = _mm512_min_epi32(_mm512_max_epi32(q, _mm512_setzero_si512()), _mm512_set1_epi32(255));
        _mm_storeu_si128((__m128i *)(y->q + k), _mm512_cvtepi32_epi8(q));
    }
    (void)o;
}


/* ---- the float way: XNNPACK's operators ----------------------------------------------------- */

static int create_float_op(body *B, op *o, float **tmp)
{
    const map *x = &B->m[o->x], *y = &B->m[o->y];
    const float inf = INFINITY;
    enum xnn_status st = xnn_status_success;
    *tmp = NULL;
    if (o->kind == OP_ADD)
        return xnn_create_add_nd_f32(-inf, inf, 0, &o->add) ? -1 : 0;
    float *zero = calloc((size_t)y->c, sizeof(float));
    if (!zero)
        return -1;
    if (o->kind == OP_POINTWISE) /* ONNX's [co][ci][1][1] is XNNPACK's [co][1][1][ci] */
        st = xnn_create_convolution2d_nhwc_f32(0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, (size_t)x->c, (size_t)y->c,
                                               (size_t)x->c, (size_t)y->c, o->w, o->b ? o->b : zero, -inf, inf, 0,
                                               &o->conv);
    else /* [c][1][3][3] is [c][3][3][1] */
        st = xnn_create_convolution2d_nhwc_f32(1, 1, 1, 1, 3, 3, (uint32_t)o->stride, (uint32_t)o->stride, 1, 1,
                                               (uint32_t)x->c, 1, 1, (size_t)x->c, (size_t)y->c, o->w,
                                               o->b ? o->b : zero, -inf, inf, 0, &o->conv);
    free(zero);
    if (st || (o->has_prelu && xnn_create_prelu_nc_f32((size_t)y->c, (size_t)y->c, (size_t)y->c, o->slope, 0,
                                                        &o->prelu)))
        return -1;
    if (o->has_prelu && !(*tmp = malloc((size_t)y->h * y->w * y->c * sizeof(float))))
        return -1;
    return 0;
}

static int setup_float_op(body *B, op *o, float *tmp)
{
    const map *x = &B->m[o->x], *y = &B->m[o->y];
    if (o->kind == OP_ADD) {
        const map *x2 = &B->m[o->x2];
        const size_t sa[4] = {1, (size_t)x->h, (size_t)x->w, (size_t)x->c}, sb[4] = {1, (size_t)x2->h, (size_t)x2->w,
                                                                                       (size_t)x2->c};
        return xnn_setup_add_nd_f32(o->add, 4, sa, 4, sb, x->f, x2->f, y->f, NULL) ? -1 : 0;
    }
    if (xnn_setup_convolution2d_nhwc_f32(o->conv, 1, (size_t)x->h, (size_t)x->w, x->f, o->has_prelu ? tmp : y->f,
                                         NULL))
        return -1;
    return o->has_prelu && xnn_setup_prelu_nc_f32(o->prelu, (size_t)y->h * y->w, tmp, y->f, NULL) ? -1 : 0;
}

/* ---- the measurement -------------------------------------------------------------------------- */

enum { N_KINDS = 3 };
static const char *const KIND_NAME[N_KINDS] = {"pointwise", "depthwise", "add"};

static void run_float(body *B, double *ms)
{
    for (int i = 0; i < B->n_ops; i++) {
        op *o = &B->o[i];
        const double t = fl_now_ms();
        xnn_run_operator(o->kind == OP_ADD ? o->add : o->conv, NULL);
        if (o->has_prelu)
            xnn_run_operator(o->prelu, NULL);
        ms[o->kind] += fl_now_ms() - t;
    }
}

/* The input quantized (counted with the 1x1s: the first op reads it), then every op. */
static void run_q8(body *B, double *ms)
{
    double t = fl_now_ms();
    quantize_map(&B->m[0]);
    ms[OP_POINTWISE] += fl_now_ms() - t;
    for (int i = 0; i < B->n_ops; i++) {
        const op *o = &B->o[i];
        const map *x = &B->m[o->x], *y = &B->m[o->y];
        t = fl_now_ms();
        if (o->kind == OP_POINTWISE)
            pw8(o, x, y);
        else if (o->kind == OP_DEPTHWISE)
            dw8(o, x, y);
        else
            add8(o, x, &B->m[o->x2], y);
        ms[o->kind] += fl_now_ms() - t;
    }
}

/* The largest difference of the last map (float or 8-bit) from the reference, over its range. */
static double last_error(const body *B, int eight_bit)
{
    const map *m = &B->m[B->n_maps - 1];
    float lo = INFINITY, hi = -INFINITY, e = 0;
    for (int p = 0; p < m->h * m->w; p++)
        for (int c = 0; c < m->c; c++) {
            const float r = B->out_ref[(size_t)p * m->c + c];
            const float v = eight_bit ? ((float)m->q[(size_t)p * m->cs + c] - 128.0f) * m->scale
                                      : m->f[(size_t)p * m->c + c];
            lo = fminf(lo, r), hi = fmaxf(hi, r), e = fmaxf(e, fabsf(v - r));
        }
    return hi > lo ? e / (hi - lo) : 0;
}

/* The crop as the graph's input: scaled to 80x80 (nearest pixel) if it is not, BGR 0..255, NCHW. */
static int read_crop(const char *path, float *x)
{
    void *bytes = NULL;
    size_t n = 0;
    fl_error err;
    fl_image img = {0};
    if (fl__read_file(path, 64u << 20, &bytes, &n, &err) || fl_image_decode(bytes, n, NULL, &img, &err)) {
        fprintf(stderr, "%s: %s\n", path, err.detail);
        free(bytes);
        return -1;
    }
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < SIDE; y++)
            for (int i = 0; i < SIDE; i++)
                x[((size_t)c * SIDE + y) * SIDE + i] =
                    img.data[(size_t)(y * img.height / SIDE) * img.stride + (size_t)(i * img.width / SIDE) * 3 + c];
    fl_image_free(&img);
    free(bytes);
    return 0;
}

/* The model read, its body found, the reference's buffers made. */
static int load_model(const char *path, body *B)
{
    void *bytes = NULL;
    size_t n = 0;
    fl_error err;
    const fl_tensor in = {.rank = 4, .dims = {1, 3, SIDE, SIDE}};
    int rc = -1;
    if (fl__read_file(path, 64u << 20, &bytes, &n, &err) || fl__onnx_load(bytes, n, &B->g, &err) ||
        fl__shapes_infer(B->g, &in, 1, &B->s, &err))
        fprintf(stderr, "%s: %s\n", path, err.detail);
    else if (!(B->tmap = malloc((size_t)B->g->n_tensors * sizeof(int))) || bufs_alloc(B))
        fprintf(stderr, "out of memory\n");
    else {
        for (int t = 0; t < B->g->n_tensors; t++)
            B->tmap[t] = -1;
        rc = read_body(B, B->g, &B->s, B->tmap, &B->last);
        if (rc || B->g->n_inputs != 1 || B->g->n_outputs != 1)
            fprintf(stderr, "%s: no MiniFASNet body of 1x1 and 3x3 depthwise convolutions, PReLUs and adds\n", path);
    }
    free(bytes);
    return rc;
}

/* The body's input from the reference run, and for the timed crop its output too (NHWC). */
static void take_reference(body *B, int with_output)
{
    for (int t = 0; t < B->g->n_tensors; t++)
        if (B->tmap[t] == 0)
            fl__nchw_to_nhwc(B->buf[t], B->s.t[t].dims, B->m[0].f);
    const int out = B->g->nodes[B->last].inputs[0];
    if (with_output)
        fl__nchw_to_nhwc(B->buf[out], B->s.t[out].dims, B->out_ref);
}

/* Both ways made ready: calibration on crops[0..n_calib), weights packed, XNNPACK's ops set up. */
static int prepare(body *B, char **crops, int n_calib)
{
    const int input = B->g->inputs[0];
    for (int i = 0; i < n_calib; i++) {
        if (read_crop(crops[i], B->buf[input]))
            return -1;
        forward(B, 0, B->last);
        calibrate(B);
    }
    const map *out = &B->m[B->n_maps - 1];
    if (read_crop(crops[0], B->buf[input]) || !(B->out_ref = malloc((size_t)out->h * out->w * out->c * sizeof(float))))
        return -1;
    forward(B, 0, B->last);
    take_reference(B, 1);
    for (int i = 0; i < B->n_ops; i++) {
        op *o = &B->o[i];
        if (pack_op(B, o) || create_float_op(B, o, &o->tmp) || setup_float_op(B, o, o->tmp)) {
            fprintf(stderr, "op %d could not be set up\n", i);
            return -1;
        }
    }
    return 0;
}

typedef struct medians {
    double ms[2][N_KINDS + 1]; /* float, 8-bit; per kind and all */
} medians;

/* The two ways on the timed crop, which first alternating; t: 2 x N_KINDS x runs. */
static void time_both(body *B, int runs, double *t, medians *md)
{
    for (int r = -3; r < runs; r++) {
        double ms[2][N_KINDS] = {{0}};
        if (r & 1)
            run_q8(B, ms[1]), run_float(B, ms[0]);
        else
            run_float(B, ms[0]), run_q8(B, ms[1]);
        for (int w = 0; r >= 0 && w < 2; w++)
            for (int k = 0; k < N_KINDS; k++)
                t[((size_t)w * (N_KINDS + 1) + k) * runs + r] = ms[w][k];
        for (int w = 0; r >= 0 && w < 2; w++)
            t[((size_t)w * (N_KINDS + 1) + N_KINDS) * runs + r] = ms[w][0] + ms[w][1] + ms[w][2];
    }
    for (int w = 0; w < 2; w++)
        for (int k = 0; k <= N_KINDS; k++)
            md->ms[w][k] = fl_quantile(t + ((size_t)w * (N_KINDS + 1) + k) * runs, (size_t)runs, 0.5);
}

typedef struct judged {
    int n, flips;      /* crops judged; on a different side of 0.5 */
    double max_d, sum_d; /* |8-bit - float| of the real-class probability */
} judged;

/* One crop: the float model's probability, then the 8-bit body's with the float stem and head. */
static int judge(body *B, const char *crop, int real_class, judged *j)
{
    if (read_crop(crop, B->buf[B->g->inputs[0]]))
        return -1;
    forward(B, 0, B->g->n_nodes);
    const double pf = real_probability(B, real_class);
    take_reference(B, 0);
    double ms[N_KINDS] = {0};
    run_q8(B, ms);
    const map *out = &B->m[B->n_maps - 1];
    float *y = B->buf[B->g->nodes[B->last].inputs[0]];
    for (int p = 0; p < out->h * out->w; p++)
        for (int c = 0; c < out->c; c++)
            y[(size_t)c * out->h * out->w + p] = ((float)out->q[(size_t)p * out->cs + c] - 128.0f) * out->scale;
    forward(B, B->last, B->g->n_nodes);
    const double d = fabs(real_probability(B, real_class) - pf);
    j->n++, j->sum_d += d, j->max_d = fmax(j->max_d, d);
    j->flips += (pf >= 0.5) != (real_probability(B, real_class) >= 0.5);
    return 0;
}

#endif

int main(int argc, char **argv)
{
    const int real_class = argc > 2 ? atoi(argv[2]) : -1, runs = argc > 3 ? atoi(argv[3]) : 0;
    const int n_calib = argc > 4 ? atoi(argv[4]) : 0, n_crops = argc - 5;
    if (argc < 6 || real_class < 0 || runs < 1 || runs > 100000 || n_calib < 1 || n_calib > n_crops) {
        fprintf(stderr, "usage: bench_int8_body MODEL.onnx REAL_CLASS RUNS (1..100000) CALIB (1..crops) CROP...\n");
        return 2;
    }
#ifdef HAVE_VNNI_BUILD
    if (have_vnni()) {
        static body B;
        medians md;
        judged j = {0};
        double *t = malloc((size_t)runs * 2 * (N_KINDS + 1) * sizeof(double));
        int failed = !t || xnn_initialize(NULL) || load_model(argv[1], &B) || prepare(&B, argv + 5, n_calib);
        if (!failed && real_class >= (int)B.s.t[B.g->outputs[0]].count) {
            fprintf(stderr, "%s: no class %d in its output\n", argv[1], real_class);
            failed = 1;
        }
        if (!failed)
            time_both(&B, runs, t, &md);
        const double err_float = failed ? 0 : last_error(&B, 0), err_q8 = failed ? 0 : last_error(&B, 1);
        for (int i = n_calib; i < n_crops && !failed; i++)
            failed = judge(&B, argv[5 + i], real_class, &j);
        if (failed) {
            body_free(&B);
            free(t);
            return 1;
        }
        printf("%s body (%d ops), one thread, medians of %d runs, ms:\n", argv[1], B.n_ops, runs);
        printf("%-10s %9s %9s %7s\n", "", "float", "8-bit", "ratio");
        for (int k = 0; k <= N_KINDS; k++)
            printf("%-10s %9.4f %9.4f %7.2f\n", k < N_KINDS ? KIND_NAME[k] : "all", md.ms[0][k], md.ms[1][k],
                   md.ms[1][k] / md.ms[0][k]);
        printf("the body's output, largest error over its range: float %.2g, 8-bit %.2g\n", err_float, err_q8);
        printf("real-class probability on %d crops not calibrated on: |8-bit - float| max %.4f, mean %.4f; "
               "%d on the other side of 0.5\n", j.n, j.max_d, j.n ? j.sum_d / j.n : 0, j.flips);
        printf("{\"vnni\": true, \"runs\": %d, \"ops\": %d, \"float_ms\": %.4f, \"int8_ms\": %.4f, \"ratio\": %.3f, "
               "\"max_rel_err_float\": %.3g, \"max_rel_err_int8\": %.3g, \"calibrated_on\": %d, \"judged\": %d, "
               "\"max_abs_diff_p\": %.4f, \"mean_abs_diff_p\": %.4f, \"flips_at_0.5\": %d",
               runs, B.n_ops, md.ms[0][N_KINDS], md.ms[1][N_KINDS], md.ms[1][N_KINDS] / md.ms[0][N_KINDS], err_float,
               err_q8, n_calib, j.n, j.max_d, j.n ? j.sum_d / j.n : 0, j.flips);
        for (int k = 0; k < N_KINDS; k++)
            printf(", \"%s\": {\"float_ms\": %.4f, \"int8_ms\": %.4f}", KIND_NAME[k], md.ms[0][k], md.ms[1][k]);
        printf("}\n");
        body_free(&B);
        free(t);
        return 0;
    }
#endif
    printf("{\"vnni\": false}\n");
    return 0;
}
