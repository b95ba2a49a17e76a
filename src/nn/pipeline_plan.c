#include "nn/pipeline_plan.h"

#include <stdlib.h>
#include <string.h>

#include "nn/backend.h"
#include "nn/nhwc_kernels.h"
#include "nn/tensor_util.h"

int fl__tensor_readers(const fl_graph *g, int t)
{
    int readers = 0;
    for (int j = 0; j < g->n_nodes; j++)
        for (int k = 0; k < g->nodes[j].n_inputs; k++)
            readers += g->nodes[j].inputs[k] == t;
    for (int k = 0; k < g->n_outputs; k++)
        readers += g->outputs[k] == t;
    return readers;
}

/* A 3x3 Conv with one filter per channel (one channel too: YuNet's class and objectness heads),
 * stride 1 or 2, dilation 1, pads up to 2: what the row pipeline's depthwise stage runs. */
static int filter_per_channel(const fl_graph *g, const fl_shapes *s, const fl_node *n)
{
    const fl_tshape *x = &s->t[n->inputs[0]];
    if (n->op != FL_OP_CONV || x->rank != 4)
        return 0;
    const fl_conv_attr *c = &n->attr.conv;
    const fl_graph_tensor *w = &g->tensors[n->inputs[1]];
    const int per_channel = c->group == x->dims[1] && w->dims[0] == x->dims[1] && w->dims[1] == 1;
    const int three = c->kernel[0] == 3 && c->kernel[1] == 3 && c->dilations[0] == 1 && c->dilations[1] == 1;
    const int stride = c->strides[0] == c->strides[1] && (c->strides[0] == 1 || c->strides[0] == 2);
    return per_channel && three && stride && c->pads[0] <= 2 && c->pads[1] <= 2;
}

/* A depthwise convolution of a chain: as above, of more than one channel (a single channel's is a
 * plain convolution, left to XNNPACK). */
static int nhwc_depthwise(const fl_graph *g, const fl_shapes *s, const fl_node *n)
{
    return filter_per_channel(g, s, n) && s->t[n->inputs[0]].dims[1] > 1;
}

/* Whether node `next` can join an NHWC step whose output so far is tensor t, which nothing else
 * reads: as a ReLU (want_op FL_OP_RELU) or as a 2x2 max pooling with stride 2 and no padding. */
static int fusable_next(const fl_graph *g, int next, int t, fl_op want_op)
{
    const fl_node *n = &g->nodes[next];
    if (n->op != want_op || n->inputs[0] != t || fl__tensor_readers(g, t) != 1)
        return 0;
    if (want_op != FL_OP_MAX_POOL)
        return 1;
    const fl_pool_attr *p = &n->attr.pool;
    return p->kernel[0] == 2 && p->kernel[1] == 2 && p->strides[0] == 2 && p->strides[1] == 2 && p->pads[0] == 0 &&
           p->pads[1] == 0 && p->pads[2] == 0 && p->pads[3] == 0;
}

/* A 1x1 Conv of one group on a 4-D map: stride 1, no padding. */
static int is_pointwise(const fl_shapes *s, const fl_node *n)
{
    if (n->op != FL_OP_CONV || s->t[n->inputs[0]].rank != 4)
        return 0;
    const fl_conv_attr *c = &n->attr.conv;
    const int one = c->kernel[0] == 1 && c->kernel[1] == 1 && c->strides[0] == 1 && c->strides[1] == 1;
    const int no_pads = c->pads[0] == 0 && c->pads[1] == 0 && c->pads[2] == 0 && c->pads[3] == 0;
    return c->group == 1 && one && no_pads;
}

/* Whether order[i] is a 1x1 convolution (stride 1, no padding, at least 16 output channels) whose
 * output only the depthwise convolution order[i + 1] reads, which the row pipeline can run. */
static int pointwise_into_depthwise(const fl_graph *g, const fl_shapes *s, const int *order, int i, int count)
{
    if (i + 1 >= count || !nhwc_depthwise(g, s, &g->nodes[order[i + 1]]))
        return 0;
    const fl_node *pw = &g->nodes[order[i]], *dw = &g->nodes[order[i + 1]];
    if (dw->inputs[0] != pw->outputs[0] || fl__tensor_readers(g, pw->outputs[0]) != 1)
        return 0;
    return is_pointwise(s, pw) && s->t[pw->outputs[0]].dims[1] >= 16;
}

/* A 3x3 Conv of one group (stride 1 or 2, dilation 1, pads up to 2, at least 16 output channels)
 * that the row pipeline can run. */
static int nhwc_conv3(const fl_shapes *s, const fl_node *n)
{
    if (n->op != FL_OP_CONV || s->t[n->inputs[0]].rank != 4)
        return 0;
    const fl_conv_attr *c = &n->attr.conv;
    const int three = c->kernel[0] == 3 && c->kernel[1] == 3 && c->dilations[0] == 1 && c->dilations[1] == 1;
    const int stride = c->strides[0] == c->strides[1] && (c->strides[0] == 1 || c->strides[0] == 2);
    return c->group == 1 && three && stride && c->pads[0] <= 2 && c->pads[1] <= 2 &&
           s->t[n->outputs[0]].dims[1] >= 16;
}

/* The unit of a row pipeline that starts at order[i]: a 3x3 Conv, or a 1x1 Conv with the depthwise
 * Conv after it; then a ReLU and a 2x2 MaxPool (in either order) when they follow and nothing else
 * reads what they take. Fills unit[] and returns its node count (0: none starts there); *stages gets its
 * pipeline stages. */
static int unit_at(const fl_graph *g, const fl_shapes *s, const int *order, int i, int count, int *unit,
                   int *stages)
{
    int n = 0;
    if (nhwc_conv3(s, &g->nodes[order[i]])) {
        unit[n++] = order[i];
    } else if (pointwise_into_depthwise(g, s, order, i, count)) {
        unit[n++] = order[i];
        unit[n++] = order[i + 1];
    } else {
        return 0;
    }
    *stages = n;
    /* a ReLU after the MaxPool too (the human models' order): max and ReLU commute */
    static const fl_op then[] = {FL_OP_RELU, FL_OP_MAX_POOL, FL_OP_RELU};
    int relu = 0;
    for (int k = 0; k < 3; k++)
        if (!(then[k] == FL_OP_RELU && relu) && i + n < count &&
            fusable_next(g, order[i + n], g->nodes[unit[n - 1]].outputs[0], then[k])) {
            unit[n] = order[i + n];
            n++;
            *stages += then[k] == FL_OP_MAX_POOL;
            relu |= then[k] == FL_OP_RELU;
        }
    return n;
}

/* Maps smaller than this stay in XNNPACK: they live in the caches anyway, and there one XNNPACK
 * runtime is faster than a pipeline step between two (human_liveness_32: 32 x 32 maps, 0.149 ->
 * 0.179 ms in the pipeline; human_antispoof_128, 128 x 128: 2.07 -> 1.85 ms). */
enum { PIPELINE_MIN_MAP_BYTES = 256 * 1024 };

/* The row pipeline that starts at order[i] (fl__row_pipeline_nhwc): units (unit_at) chained while
 * each unit's output is read by the next unit's first node alone, when the first unit's output
 * map is large enough to matter. Fills nodes[] and returns their count; 0 when no pipeline
 * starts at order[i]. */
int fl__pipeline_at(const fl_graph *g, const fl_shapes *s, const int *order, int i, int count, int *nodes)
{
    int n = 0, stages = 0, unit[5], unit_stages;
    const int first = unit_at(g, s, order, i, count, unit, &unit_stages);
    if (!first || s->t[g->nodes[unit[0]].outputs[0]].count * sizeof(float) < PIPELINE_MIN_MAP_BYTES)
        return 0;
    for (int u; i + n < count && (u = unit_at(g, s, order, i + n, count, unit, &unit_stages)) > 0; n += u) {
        if (n > 0) {
            const int t = g->nodes[nodes[n - 1]].outputs[0];
            if (g->nodes[unit[0]].inputs[0] != t || fl__tensor_readers(g, t) != 1)
                break;
        }
        if (stages + unit_stages > FL_PIPELINE_MAX_STAGES || n + u > FL_STEP_MAX_NODES)
            break;
        memcpy(nodes + n, unit, (size_t)u * sizeof *unit);
        stages += unit_stages;
    }
    return n;
}

/* ---- detection heads ------------------------------------------------------------------- */

int fl__transpose_to_nhwc(const fl_shapes *s, const fl_node *n)
{
    if (n->op != FL_OP_TRANSPOSE || s->t[n->inputs[0]].rank != 4)
        return 0;
    int64_t perm[FL_GRAPH_MAX_RANK];
    fl__transpose_perm(n, 4, perm);
    return perm[0] == 0 && perm[1] == 2 && perm[2] == 3 && perm[3] == 1;
}

/* Whether tensor t is read by Transposes to N,H,W,C alone (at least one; not a graph output),
 * but for Shape nodes, which read only its dims (planned, never run). */
static int read_as_nhwc_only(const fl_graph *g, const fl_shapes *s, int t)
{
    int transposes = 0, shapes = 0;
    for (int j = 0; j < g->n_nodes; j++)
        for (int k = 0; k < g->nodes[j].n_inputs; k++) {
            if (g->nodes[j].inputs[k] != t)
                continue;
            if (g->nodes[j].op == FL_OP_SHAPE) {
                shapes++;
                continue;
            }
            if (!fl__transpose_to_nhwc(s, &g->nodes[j]))
                return 0;
            transposes++;
        }
    return transposes > 0 && fl__tensor_readers(g, t) == transposes + shapes;
}

/* The node that reads tensor t (the first, by index), or -1. */
static int reader_of(const fl_graph *g, int t)
{
    for (int j = 0; j < g->n_nodes; j++)
        for (int k = 0; k < g->nodes[j].n_inputs; k++)
            if (g->nodes[j].inputs[k] == t)
                return j;
    return -1;
}

/* Whether node is a head branch's 1x1 Conv; *filter gets the branch's 3x3 node. */
static int branch_at(const fl_graph *g, const fl_shapes *s, int node, int *filter)
{
    const fl_node *pw = &g->nodes[node];
    if (!is_pointwise(s, pw) || fl__tensor_readers(g, pw->outputs[0]) != 1)
        return 0;
    const int f = reader_of(g, pw->outputs[0]);
    if (f < 0 || !filter_per_channel(g, s, &g->nodes[f]) || g->nodes[f].inputs[0] != pw->outputs[0] ||
        !read_as_nhwc_only(g, s, g->nodes[f].outputs[0]))
        return 0;
    *filter = f;
    return 1;
}

static int same_filter_geometry(const fl_node *a, const fl_node *b)
{
    const fl_conv_attr *x = &a->attr.conv, *y = &b->attr.conv;
    return x->strides[0] == y->strides[0] && memcmp(x->pads, y->pads, sizeof x->pads) == 0;
}

/* The head group node belongs to (as a branch's 1x1 Conv): every branch reading its map, in node
 * order, whose 3x3 Conv has the geometry of the first one's. 0 when there is none. */
static int group_of(const fl_graph *g, const fl_shapes *s, int node, fl_head_group *hg)
{
    int filter;
    if (!branch_at(g, s, node, &filter))
        return 0;
    const int x = g->nodes[node].inputs[0];
    int member = 0;
    *hg = (fl_head_group){0};
    for (int j = 0; j < g->n_nodes && hg->n < FL_HEAD_MAX_BRANCHES; j++) {
        if (g->nodes[j].n_inputs < 1 || g->nodes[j].inputs[0] != x || !branch_at(g, s, j, &filter) ||
            (hg->n > 0 && !same_filter_geometry(&g->nodes[hg->filter[0]], &g->nodes[filter])))
            continue;
        hg->pointwise[hg->n] = j;
        hg->filter[hg->n++] = filter;
        hg->channels += (int)s->t[g->nodes[j].outputs[0]].dims[1];
        member |= j == node;
    }
    return member && hg->n >= 2;
}

void fl__head_groups_gather(const fl_graph *g, const fl_shapes *s, int *order, int count)
{
    char *placed = calloc((size_t)g->n_nodes, 1), *scheduled = calloc((size_t)g->n_nodes, 1);
    int *out = malloc((size_t)count * sizeof *out);
    if (!placed || !scheduled || !out) { /* planning goes on without groups */
        free(placed), free(scheduled), free(out);
        return;
    }
    for (int i = 0; i < count; i++)
        scheduled[order[i]] = 1;
    int n = 0;
    for (int i = 0; i < count; i++) {
        if (placed[order[i]])
            continue;
        fl_head_group hg;
        int whole = group_of(g, s, order[i], &hg);
        for (int b = 0; whole && b < hg.n; b++)
            whole = scheduled[hg.pointwise[b]] && scheduled[hg.filter[b]] && !placed[hg.pointwise[b]] &&
                    !placed[hg.filter[b]];
        if (!whole) {
            placed[order[i]] = 1;
            out[n++] = order[i];
            continue;
        }
        for (int b = 0; b < hg.n; b++) {
            placed[hg.pointwise[b]] = placed[hg.filter[b]] = 1;
            out[n++] = hg.pointwise[b];
            out[n++] = hg.filter[b];
        }
    }
    memcpy(order, out, (size_t)count * sizeof *out);
    free(placed), free(scheduled), free(out);
}

int fl__head_group_at(const fl_graph *g, const fl_shapes *s, const int *order, int i, int count, fl_head_group *hg)
{
    if (!group_of(g, s, order[i], hg) || hg->pointwise[0] != order[i] || i + 2 * hg->n > count)
        return 0;
    for (int b = 0; b < hg->n; b++)
        if (order[i + 2 * b] != hg->pointwise[b] || order[i + 2 * b + 1] != hg->filter[b])
            return 0;
    return 1;
}
