/* One tensor's inferred shape (shape_infer.h computes them; the kernels read them). */
#ifndef FL_NN_TSHAPE_H
#define FL_NN_TSHAPE_H

#include <stddef.h>
#include <stdint.h>

#include "nn/graph.h"

typedef struct fl_tshape {
    int rank;
    int64_t dims[FL_GRAPH_MAX_RANK];
    size_t count;   /* product of dims */
    int64_t *ivals; /* int64 tensors: their values (count entries); NULL for float tensors */
    int owns_ivals; /* 0 when ivals is borrowed from an initializer */
} fl_tshape;

/* 1 when a and b have the same rank and dims. */
static inline int fl__tshape_same(const fl_tshape *a, const fl_tshape *b)
{
    if (a->rank != b->rank || a->count != b->count)
        return 0;
    for (int i = 0; i < a->rank; i++)
        if (a->dims[i] != b->dims[i])
            return 0;
    return 1;
}

#endif
