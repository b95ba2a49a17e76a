#include "nn/graph_fold.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"

/* How many node inputs (and graph outputs) read tensor t; *reader gets the last reading node. */
static int readers(const fl_graph *g, const char *removed, int t, int *reader)
{
    int n = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        if (removed[i])
            continue;
        for (int k = 0; k < g->nodes[i].n_inputs; k++)
            if (g->nodes[i].inputs[k] == t) {
                n++;
                *reader = i;
            }
    }
    for (int k = 0; k < g->n_outputs; k++)
        n += g->outputs[k] == t;
    return n;
}

/* A constant float tensor of one value per output channel, laid out to broadcast over NCHW's C:
 * [1,C,1,1] or [C,1,1] (a plain [C] would broadcast over W, not C). */
static int per_channel(const fl_graph_tensor *t, int64_t c)
{
    if (!t->is_const || t->dtype != FL_DTYPE_FLOAT32 || (int64_t)t->count != c)
        return 0;
    if (t->rank == 4)
        return t->dims[0] == 1 && t->dims[1] == c && t->dims[2] == 1 && t->dims[3] == 1;
    return t->rank == 3 && t->dims[0] == c && t->dims[1] == 1 && t->dims[2] == 1;
}

/* The Conv's bias, made (zeros) when the file has none; -1 when out of memory. */
static int bias_of(fl_graph *g, fl_node *conv, int64_t c)
{
    if (conv->n_inputs >= 3 && conv->inputs[2] >= 0)
        return conv->inputs[2];
    int *in = realloc(conv->inputs, 3 * sizeof *in);
    fl_graph_tensor *ts = realloc(g->tensors, (size_t)(g->n_tensors + 1) * sizeof *ts);
    if (in)
        conv->inputs = in;
    if (ts)
        g->tensors = ts;
    float *data = calloc((size_t)c * sizeof(float) + 16, 1); /* +16: XNNPACK's extra bytes */
    char *name = malloc(strlen(conv->name) + sizeof ".bias");
    if (!in || !ts || !data || !name) {
        free(data);
        free(name);
        return -1;
    }
    strcpy(name, conv->name);
    strcat(name, ".bias");
    fl_graph_tensor *t = &g->tensors[g->n_tensors];
    memset(t, 0, sizeof *t);
    t->name = name;
    t->dtype = FL_DTYPE_FLOAT32;
    t->rank = 1;
    t->dims[0] = c;
    t->data = data;
    t->count = (size_t)c;
    t->producer = -1;
    t->is_const = 1;
    conv->inputs[2] = g->n_tensors;
    conv->n_inputs = 3;
    return g->n_tensors++;
}

/* y = conv(x) * s  ->  weights and bias of each output channel times s;  y = conv(x) + t  ->  bias + t. */
static void fold_into(fl_graph *g, const fl_node *conv, fl_op op, const float *v, int64_t c)
{
    float *w = g->tensors[conv->inputs[1]].data, *b = g->tensors[conv->inputs[2]].data;
    const size_t per = g->tensors[conv->inputs[1]].count / (size_t)c;
    for (int64_t k = 0; k < c; k++) {
        if (op == FL_OP_MUL) {
            for (size_t j = 0; j < per; j++)
                w[(size_t)k * per + j] *= v[k];
            b[k] *= v[k];
        } else {
            b[k] += v[k];
        }
    }
}

/* The next Mul or Add that can join conv i (its only reader, by a per-channel constant), or -1. */
static int next_affine(const fl_graph *g, const char *removed, int i, int64_t c, const float **v)
{
    const fl_node *conv = &g->nodes[i];
    int out = conv->outputs[0], j = -1;
    if (readers(g, removed, out, &j) != 1 || j < 0)
        return -1;
    const fl_node *n = &g->nodes[j];
    if ((n->op != FL_OP_MUL && n->op != FL_OP_ADD) || n->n_inputs != 2)
        return -1;
    int other = n->inputs[0] == out ? n->inputs[1] : n->inputs[0];
    if (other < 0 || other == out || !per_channel(&g->tensors[other], c))
        return -1;
    /* the weights and bias change: they must be this Conv's alone */
    int r, bias = conv->n_inputs >= 3 ? conv->inputs[2] : -1;
    if (readers(g, removed, conv->inputs[1], &r) != 1 || (bias >= 0 && readers(g, removed, bias, &r) != 1))
        return -1;
    *v = g->tensors[other].data;
    return j;
}

/* Drops the removed nodes and renumbers the producers. */
static void compact(fl_graph *g, const char *removed)
{
    int kept = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        if (removed[i]) {
            free(g->nodes[i].name);
            free(g->nodes[i].inputs);
            free(g->nodes[i].outputs);
            continue;
        }
        g->nodes[kept++] = g->nodes[i];
    }
    g->n_nodes = kept;
    for (int t = 0; t < g->n_tensors; t++)
        if (!g->tensors[t].is_const)
            g->tensors[t].producer = -1;
    for (int i = 0; i < g->n_nodes; i++)
        for (int k = 0; k < g->nodes[i].n_outputs; k++)
            g->tensors[g->nodes[i].outputs[k]].producer = i;
}

fl_status fl__graph_fold_affine(fl_graph *g, fl_error *err)
{
    char *removed = calloc((size_t)g->n_nodes + 1, 1);
    if (!removed)
        return fl__fail(err, FL_E_NO_MEMORY, "out of memory while folding the model");
    int folded = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        fl_node *conv = &g->nodes[i];
        if (removed[i] || conv->op != FL_OP_CONV || conv->inputs[1] < 0 || !g->tensors[conv->inputs[1]].is_const)
            continue;
        const int64_t c = g->tensors[conv->inputs[1]].dims[0];
        const float *v;
        for (int j; c > 0 && (j = next_affine(g, removed, i, c, &v)) >= 0;) {
            if (bias_of(g, &g->nodes[i], c) < 0) {
                free(removed);
                return fl__fail(err, FL_E_NO_MEMORY, "out of memory while folding the model");
            }
            conv = &g->nodes[i];
            fold_into(g, conv, g->nodes[j].op, v, c);
            conv->outputs[0] = g->nodes[j].outputs[0]; /* the Conv now writes what the Mul/Add wrote */
            removed[j] = 1;
            folded++;
        }
    }
    if (folded)
        compact(g, removed);
    free(removed);
    return FL_OK;
}
