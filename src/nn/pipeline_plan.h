/*
 * Which nodes of a graph the row pipeline (nn/nhwc_kernels.h) runs, and in which steps: chains
 * of 3x3, 1x1 and depthwise convolutions with their ReLUs and poolings on large maps, and the
 * detection heads whose small branches read one map. Pure analysis of the graph and its shapes,
 * for the XNNPACK backend's planner (backend_xnnpack.c builds the steps). Thread-safe.
 */
#ifndef FL_NN_PIPELINE_PLAN_H
#define FL_NN_PIPELINE_PLAN_H

#include "nn/graph.h"
#include "nn/shape_infer.h"

/* How many nodes read tensor t, counting the graph's outputs as readers. */
int fl__tensor_readers(const fl_graph *g, int t);

/* The row pipeline that starts at order[i]: its nodes into nodes[] (FL_STEP_MAX_NODES at most),
 * their count returned; 0 when none starts there. */
int fl__pipeline_at(const fl_graph *g, const fl_shapes *s, const int *order, int i, int count, int *nodes);

/* 1 when node n is a Transpose of a 4-D tensor to N,H,W,C: the order an NHWC step's output
 * already has, so the Transpose is a copy (the XNNPACK backend's head Transposes). */
int fl__transpose_to_nhwc(const fl_shapes *s, const fl_node *n);

/* A detection head: branches that each take the same map x through a 1x1 convolution and then a
 * 3x3 convolution with one filter per channel (the same stride and padding in every branch),
 * each branch's result read only by Transposes to N,H,W,C (YuNet: per level, 1 + 4 + 1 + 10
 * channels of class, box, objectness and landmarks). Run apart, each branch is two tiny
 * operators; as one 1x1 convolution into all the branches' channels and one depthwise
 * convolution, it is one short row pipeline whose N,H,W,C result holds every branch's channels
 * side by side. */
enum { FL_HEAD_MAX_BRANCHES = 8 };
typedef struct fl_head_group {
    int n;                                                  /* branches, at least 2 */
    int pointwise[FL_HEAD_MAX_BRANCHES], filter[FL_HEAD_MAX_BRANCHES]; /* node indices */
    int channels;                                           /* all branches' */
} fl_head_group;

/* Moves each head group's nodes together in order[0..count) (branch by branch, each 1x1 node
 * before its 3x3 one), at the place of its first node: still a valid order, as a group's nodes
 * depend only on their map and on each other. */
void fl__head_groups_gather(const fl_graph *g, const fl_shapes *s, int *order, int count);

/* 1 and *hg filled when a gathered head group starts at order[i] (its 2 * hg->n nodes follow). */
int fl__head_group_at(const fl_graph *g, const fl_shapes *s, const int *order, int i, int count, fl_head_group *hg);

#endif
