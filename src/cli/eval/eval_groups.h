/*
 * Error rates per source, and the leave-one-source-out protocol: samples grouped by a manifest
 * column (source_repo by default). A threshold chosen on some sources and tested on another is
 * the honest figure for anything learnt from data; a rate on the sources the threshold was chosen
 * on is not. Pure functions on scored samples, tested on hand-made lists.
 */
#ifndef FL_CLI_EVAL_GROUPS_H
#define FL_CLI_EVAL_GROUPS_H

#include "cli/eval/eval_metrics.h"

#define FL_EVAL_MAX_GROUPS 64

/* The metrics of each group's samples at threshold t; group[i] is in [0, n_groups). */
void fl_eval_by_group(const fl_eval_sample *s, const int *group, size_t n, int n_groups, int n_species, double t,
                      fl_eval_metrics *out);

typedef struct fl_eval_loso {
    double threshold[FL_EVAL_MAX_GROUPS]; /* chosen on every other group; NaN when those hold no acquired
                                             bona fide or no acquired attack (the group is then left out) */
    fl_eval_metrics group[FL_EVAL_MAX_GROUPS]; /* each group at its own threshold */
    fl_eval_metrics pooled; /* every group's decisions at its own threshold, counted together; the
                               curve figures (EER, BPCER20/100, APCER at BPCER) are NaN: no single
                               threshold made them */
    int groups_used;
} fl_eval_loso;

/* For each group in turn: the threshold that meets target_apcer on all the other groups
 * (fl_eval_threshold_for_apcer), and the group's rates at it. */
void fl_eval_leave_one_out(const fl_eval_sample *s, const int *group, size_t n, int n_groups, int n_species,
                           double target_apcer, fl_eval_loso *out);

#endif
